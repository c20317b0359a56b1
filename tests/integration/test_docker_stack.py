"""What only the Docker runtime has: containers and networks by run label, cleanup after a killed
harness, engine errors, the compose file. Real dockerd, real images (`make images-offline`).
The behaviour every runtime shares is tested through `make_stack` in test_local_stack.py."""
from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import httpx
import pyarrow.parquet as pq
import pytest
import yaml

from harness import BreakerConfig, ConfigError, LocalStack, StackError
from harness.demo import VALID_BODY
from harness.docker_engine import RUN_LABEL, connect
from harness.docker_runtime import DockerStack
from harness.images import DEFAULT_TRAEFIK_IMAGE
from harness.load import LoadSpec
from harness.paths import STACK_DIR
from harness.point import run_point

pytestmark = pytest.mark.docker


@pytest.fixture(scope="module")
def engine():
    return connect()


def labelled(engine, run_id: str) -> list[str]:
    """Names of every container and network that carries this run's label."""
    query = {"label": f"{RUN_LABEL}={run_id}"}
    return [c.name for c in engine.containers.list(all=True, filters=query)] + \
           [n.name for n in engine.networks.list(filters=query)]


def test_stop_removes_every_container_and_keeps_the_logs(engine, tmp_path):
    stack = DockerStack(network_mode="host", run_dir=tmp_path).start()
    assert len(labelled(engine, stack.run_id)) == 4  # Traefik + 3 replicas
    stack.stop()
    assert labelled(engine, stack.run_id) == []
    assert (tmp_path / "replicas" / "replica-1.log").exists() and (tmp_path / "traefik" / "traefik.log").exists()
    stack.stop()  # stopping twice is harmless


def test_failed_start_up_removes_its_network_and_containers(engine, tmp_path):
    # The Traefik image has no Python: the first replica cannot start, after the bridge network was made.
    stack = DockerStack(run_dir=tmp_path, backend_image=DEFAULT_TRAEFIK_IMAGE)
    with pytest.raises(StackError, match="could not start breakerlab-.*replica-1"):
        stack.start()
    assert labelled(engine, stack.run_id) == []


HARNESS = """
import sys, time
from harness.docker_runtime import DockerStack
stack = DockerStack(replicas=1, network_mode="host", run_dir=sys.argv[1]).start()
print(stack.run_id, flush=True)
time.sleep(300)
"""


def test_cleanup_removes_what_a_killed_harness_left_and_spares_live_runs(engine, tmp_path):
    harness = subprocess.Popen([sys.executable, "-c", HARNESS, str(tmp_path / "killed")],
                               stdout=subprocess.PIPE, text=True)
    try:
        run_id = harness.stdout.readline().strip()
    finally:
        harness.kill()  # SIGKILL: no atexit, no signal handler, nothing gets stopped
        harness.wait()
    assert run_id, "the harness subprocess did not start its stack"
    # Host networking made no network; give the dead run one, as a bridge-mode run would have.
    left = engine.containers.list(filters={"label": f"{RUN_LABEL}={run_id}"})[0]
    engine.networks.create(f"breakerlab-{run_id}", labels={k: v for k, v in left.labels.items() if k.startswith("breakerlab.")})
    assert len(labelled(engine, run_id)) == 3
    with DockerStack(replicas=1, network_mode="host", run_dir=tmp_path / "live") as live:
        cleanup = subprocess.run([sys.executable, "-m", "harness.docker_runtime", "cleanup"],
                                 capture_output=True, text=True, timeout=60)
        assert cleanup.returncode == 0, cleanup.stderr
        assert run_id in cleanup.stdout
        assert labelled(engine, run_id) == []
        assert len(labelled(engine, live.run_id)) == 2  # its owner lives: not a leftover
    again = subprocess.run([sys.executable, "-m", "harness.docker_runtime", "cleanup", "--run-id", run_id],
                           capture_output=True, text=True, timeout=60)
    assert again.stdout.strip() == "nothing to remove"


def test_crashed_replica_container_is_restarted(tmp_path):
    with DockerStack(network_mode="host", run_dir=tmp_path) as stack, httpx.Client(timeout=10) as client:
        stack.set_fault(2, crash=True)
        deadline = time.monotonic() + 10
        while stack.status()["replicas"][2]["alive"] and time.monotonic() < deadline:
            time.sleep(0.1)
        assert stack.status()["replicas"][2]["exit_code"] == 70
        stack.ensure_replicas_running()  # restarts exactly the dead one, as a sweep does after a crash
        assert [r["alive"] for r in stack.status()["replicas"]] == [True] * 3
        stack.wait_for_servers(up=3, timeout_s=20)
        seen = Counter(client.post(f"{stack.entry_url}/api/v1/predict", json=VALID_BODY).headers["x-replica"]
                       for _ in range(60))
    assert seen["replica-3"] > 0


def test_missing_image_names_the_fix(tmp_path):
    with pytest.raises(ConfigError, match="make images-offline"):
        DockerStack(run_dir=tmp_path, backend_image="breakerlab/backend:does-not-exist")


def test_socket_without_permission_names_the_fix():
    # As an unprivileged user the socket (root:docker, 0660) refuses the connection.
    nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable]
    if os.geteuid() != 0 or shutil.which("setpriv") is None or subprocess.run([*nobody, "-c", "import harness"],
                                                                              capture_output=True).returncode:
        pytest.skip("needs root, setpriv, and a checkout that user nobody can read")
    env = {k: v for k, v in os.environ.items() if k != "DOCKER_HOST"}
    result = subprocess.run([*nobody, "-c", "from harness.docker_engine import connect; connect()"],
                            capture_output=True, text=True, env=env, timeout=60)
    assert "no permission to use the Docker socket" in result.stderr
    assert "docker` group" in result.stderr and 'runtime="local"' in result.stderr


def test_compose_file_describes_the_original_topology():
    path = STACK_DIR / "docker-compose.yml"
    compose = yaml.safe_load(path.read_text())
    backend, traefik = compose["services"]["backend"], compose["services"]["traefik"]
    assert backend["deploy"]["replicas"] == 3
    assert "healthcheck" in backend
    labels = backend["labels"]
    assert labels["traefik.http.routers.predict.middlewares"] == "breaker@file"
    assert labels["traefik.http.services.backend.loadbalancer.healthcheck.path"] == "/health"
    assert "/var/run/docker.sock:/var/run/docker.sock:ro" in traefik["volumes"]
    assert "--providers.docker.exposedByDefault=false" in traefik["command"]
    # The compose tool itself, where one is installed, must accept it too.
    for cli in (["docker", "compose"], ["docker-compose"]):
        if shutil.which(cli[0]) and subprocess.run([*cli, "version"], capture_output=True).returncode == 0:
            result = subprocess.run([*cli, "-f", str(path), "config"], capture_output=True, text=True, timeout=60)
            assert result.returncode == 0, result.stderr
            assert yaml.safe_load(result.stdout)["services"]["backend"]["deploy"]["replicas"] == 3
            break


def test_a_point_on_docker_writes_the_same_raw_files_as_on_the_local_runtime(tmp_path):
    breaker = BreakerConfig("ResponseCodeRatio(500, 600, 0, 600) > 0.25", fallback_duration="1s",
                            recovery_duration="1s", response_code=599)
    layouts = {}
    for name, runtime in [("local", LocalStack), ("docker", functools.partial(DockerStack, network_mode="host"))]:
        with runtime(breaker=breaker, run_dir=tmp_path / name / "stack") as stack:
            stack.set_fault(0, error_rate=0.5)  # errors, so the breaker has something to do
            meta = run_point(stack, LoadSpec(users=3), duration_s=3, warmup_s=1, out_dir=tmp_path / name / "point")
        assert meta["status"] == "done" and meta["runtime"] == name
        assert meta["reconciliation"]["agree"], meta["reconciliation"]
        layouts[name] = point_layout(tmp_path / name / "point")
        resources = pq.read_table(tmp_path / name / "point" / "resources.parquet")
        assert {"traefik", "replica-1", "replica-2", "replica-3"} <= set(resources["process"].to_pylist())
    assert layouts["docker"] == layouts["local"]


def point_layout(point: Path) -> dict:
    """Every file of a point with, for tables, the schema and, for point.json, the keys."""
    layout = {}
    for path in sorted(p for p in point.rglob("*") if p.is_file()):
        name = str(path.relative_to(point))
        if path.suffix == ".parquet":
            layout[name] = str(pq.read_schema(path))
        elif path.name == "point.json":
            layout[name] = sorted(json.loads(path.read_text()))
        else:
            layout[name] = "file"
    return layout
