"""Traefik configuration for the Docker runtime, built from the local runtime's pieces.

Routing comes from container labels (docker provider); the breaker stays in a file-provider
folder so that thresholds change by hot reload, as in the local runtime (new labels would
need new containers, and any container change resets the breaker anyway).
"""
from __future__ import annotations

import re
from pathlib import Path

import yaml

from .breaker import BreakerConfig
from .errors import ConfigError
from .traefik_config import BREAKER, RETRY, ROUTER, SERVICE, breaker_middlewares, static_config

# Labels always name breaker@file, so "no breaker" is a middleware that changes nothing visible.
NO_BREAKER = {"headers": {"customResponseHeaders": {"X-Breakerlab-Breaker": "off"}}}
ENGINE_SOCKET = "/var/run/docker.sock"  # where Traefik's container sees the engine


def traefik_major(image: str) -> int:
    """3 unless the tag says otherwise (`traefik:v2.10` -> 2); `latest` and digests count as v3."""
    tag = image.rsplit(":", 1)[1] if ":" in image.rsplit("/", 1)[-1] else ""
    match = re.match(r"v?(\d+)", tag)
    return int(match.group(1)) if match else 3


def docker_static_config(web_port: int, api_port: int, dynamic_dir: Path, log_path: Path,
                         access_log_path: Path | None, log_level: str, run_id: str, run_label: str,
                         network: str | None) -> str:
    """The local static config plus the docker provider; on a bridge network Traefik listens on
    all of its container's interfaces (the ports are published to the host's 127.0.0.1 only)."""
    config = yaml.safe_load(static_config(web_port, api_port, dynamic_dir, log_path, access_log_path, log_level))
    if network is not None:
        config["entryPoints"]["web"]["address"] = f":{web_port}"
        config["entryPoints"]["traefik"]["address"] = f":{api_port}"
    config["providers"]["docker"] = {
        "endpoint": f"unix://{ENGINE_SOCKET}",
        "exposedByDefault": False,
        # Only this run's containers: a leftover or parallel stack defines the same router names.
        "constraints": f"Label(`{run_label}`,`{run_id}`)",
        **({"network": network} if network else {}),
    }
    return yaml.safe_dump(config, sort_keys=False)


def file_middlewares(breaker: BreakerConfig | None, generation: int, retry_attempts: int, major: int = 3) -> dict:
    """The file provider's part: generation marker, breaker (or its no-op stand-in), retry."""
    middlewares = breaker_middlewares(breaker, generation)
    if breaker is None:
        middlewares[BREAKER] = NO_BREAKER
    elif major < 3:
        circuit = middlewares[BREAKER]["circuitBreaker"]
        if circuit.pop("responseCode") != 503:
            raise ConfigError(f"Traefik v{major} has no circuitBreaker.responseCode (a tripped breaker always "
                              f"answers 503): use response_code=503 or a v3 Traefik image")
    if retry_attempts:
        middlewares[RETRY] = {"retry": {"attempts": retry_attempts}}
    return {"http": {"middlewares": middlewares}}


def replica_labels(port: int, retry_attempts: int, health_interval: str, health_timeout: str) -> dict[str, str]:
    """Router, load-balanced service, its health check and the middleware chain, as Traefik labels.
    Every replica carries the same router and service; Traefik merges their servers."""
    router, service = f"traefik.http.routers.{ROUTER}", f"traefik.http.services.{SERVICE}.loadbalancer"
    chain = [f"{BREAKER}@file"] + ([f"{RETRY}@file"] if retry_attempts else [])
    return {
        "traefik.enable": "true",
        f"{router}.rule": "PathPrefix(`/`)",
        f"{router}.entrypoints": "web",
        f"{router}.service": SERVICE,
        f"{router}.middlewares": ",".join(chain),
        f"{service}.server.port": str(port),
        f"{service}.healthcheck.path": "/health",
        f"{service}.healthcheck.interval": health_interval,
        f"{service}.healthcheck.timeout": health_timeout,
    }
