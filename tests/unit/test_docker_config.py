"""The Docker runtime's Traefik configuration and engine errors (no daemon needed)."""
from __future__ import annotations

import pytest
import yaml

from harness import BreakerConfig, ConfigError, StackError
from harness.docker_config import NO_BREAKER, docker_static_config, file_middlewares, replica_labels, traefik_major
from harness.docker_engine import connect, socket_path

BREAKER = BreakerConfig("NetworkErrorRatio() > 0.3", response_code=503)


@pytest.mark.parametrize("image, major", [("traefik:v3.7.15", 3), ("traefik:v2.10", 2), ("traefik:2.11.3", 2),
                                          ("traefik", 3), ("traefik:latest", 3), ("localhost:5000/traefik", 3)])
def test_traefik_major_comes_from_the_tag(image, major):
    assert traefik_major(image) == major


def test_static_config_adds_a_docker_provider_limited_to_the_run(tmp_path):
    config = yaml.safe_load(docker_static_config(8080, 8081, tmp_path / "dynamic", tmp_path / "t.log", None,
                                                 "INFO", "run42", "breakerlab.run-id", network=None))
    docker = config["providers"]["docker"]
    assert docker["exposedByDefault"] is False
    assert docker["constraints"] == "Label(`breakerlab.run-id`,`run42`)"
    assert "network" not in docker
    assert config["providers"]["file"]["directory"] == str(tmp_path / "dynamic")  # the breaker stays a file
    assert config["entryPoints"]["web"]["address"] == "127.0.0.1:8080"  # host network: loopback only


def test_on_a_bridge_network_traefik_listens_inside_its_container(tmp_path):
    config = yaml.safe_load(docker_static_config(8080, 8081, tmp_path, tmp_path / "t.log", tmp_path / "a.log",
                                                 "INFO", "run42", "breakerlab.run-id", network="breakerlab-run42"))
    assert config["entryPoints"]["web"]["address"] == ":8080"  # published to 127.0.0.1 by Docker
    assert config["providers"]["docker"]["network"] == "breakerlab-run42"
    assert config["accessLog"]["filePath"] == str(tmp_path / "a.log")


def test_labels_route_through_the_file_breaker_with_a_health_check():
    labels = replica_labels(8001, retry_attempts=2, health_interval="1s", health_timeout="500ms")
    assert labels["traefik.http.routers.predict.middlewares"] == "breaker@file,retry@file"
    assert labels["traefik.http.services.backend.loadbalancer.server.port"] == "8001"
    assert labels["traefik.http.services.backend.loadbalancer.healthcheck.path"] == "/health"
    assert all(isinstance(v, str) for v in labels.values())  # Docker labels are strings


def test_no_breaker_is_a_no_op_middleware_under_the_same_name():
    middlewares = file_middlewares(None, 0, 0)["http"]["middlewares"]
    assert middlewares["breaker"] == NO_BREAKER and "retry" not in middlewares


def test_traefik_v2_gets_the_breaker_without_response_code():
    v3 = file_middlewares(BREAKER, 1, 0, major=3)["http"]["middlewares"]["breaker"]["circuitBreaker"]
    v2 = file_middlewares(BREAKER, 1, 0, major=2)["http"]["middlewares"]["breaker"]["circuitBreaker"]
    assert v3["responseCode"] == 503 and "responseCode" not in v2
    assert v2["expression"] == BREAKER.expression


def test_traefik_v2_refuses_a_response_code_it_cannot_send():
    with pytest.raises(ConfigError, match="v3 Traefik image"):
        file_middlewares(BreakerConfig("NetworkErrorRatio() > 0.3", response_code=599), 0, 0, major=2)


def test_no_daemon_names_the_fixes(tmp_path, monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/docker.sock")
    with pytest.raises(StackError, match="cannot reach a Docker daemon") as error:
        connect()
    assert "dockerd" in str(error.value) and "DOCKER_HOST" in str(error.value) and 'runtime="local"' in str(error.value)


def test_a_remote_engine_is_refused_with_the_reason(monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", "tcp://127.0.0.1:2375")
    with pytest.raises(ConfigError, match="unix socket"):
        socket_path()
