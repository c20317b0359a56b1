"""Talking to the Docker engine: connect with errors that name the fix, find and remove what a
run left behind. Everything breakerlab creates carries RUN_LABEL, so a run is found by label
even when the process that started it was killed."""
from __future__ import annotations

import os

import psutil

from .errors import ConfigError, StackError

RUN_LABEL = "breakerlab.run-id"
OWNER_PID_LABEL = "breakerlab.owner-pid"
OWNER_START_LABEL = "breakerlab.owner-started"  # with the pid: a reused pid is not mistaken for the owner
ROLE_LABEL = "breakerlab.role"

USE_LOCAL = "or use the local runtime (runtime=\"local\", LocalStack), which needs no Docker"


def connect():
    """A docker.DockerClient that answered a ping, or a StackError that says what to do."""
    import docker  # the SDK is only needed by the Docker runtime

    try:
        client = docker.from_env(timeout=30)
        client.ping()
        return client
    except docker.errors.DockerException as exc:
        where = os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"
        if "Permission denied" in str(exc) or "PermissionError" in str(exc):
            raise StackError(f"no permission to use the Docker socket at {where}: run as root or add your user to "
                             f"the `docker` group (then log in again), or set DOCKER_HOST to an engine you may use, "
                             f"{USE_LOCAL}") from None
        raise StackError(f"cannot reach a Docker daemon at {where} ({exc}). Start one (`sudo systemctl start docker`, "
                         f"or `sudo dockerd &`), or set DOCKER_HOST to a running engine, {USE_LOCAL}") from None


def socket_path() -> str:
    """The engine's unix socket on this host: Traefik's docker provider gets it mounted read-only."""
    host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    if not host.startswith("unix://"):
        raise ConfigError(f"DOCKER_HOST={host!r}: the docker runtime mounts the engine's unix socket into Traefik, "
                          f"so it needs a local engine (unset DOCKER_HOST or use unix://...), {USE_LOCAL}")
    return host.removeprefix("unix://")


def has_image(client, name: str) -> bool:
    import docker

    try:
        client.images.get(name)
        return True
    except docker.errors.ImageNotFound:
        return False


def require_image(client, name: str) -> None:
    if not has_image(client, name):
        raise ConfigError(f"Docker image {name!r} is not there (nothing is pulled automatically). Build the images "
                          f"without a registry with `make images-offline`; with a registry, `docker pull` Traefik "
                          f"images or `python -m harness.images registry` for the backend; {USE_LOCAL}")


def owner_labels(run_id: str) -> dict[str, str]:
    me = psutil.Process()
    return {RUN_LABEL: run_id, OWNER_PID_LABEL: str(me.pid), OWNER_START_LABEL: f"{me.create_time():.2f}"}


def owner_alive(labels: dict) -> bool:
    try:
        process = psutil.Process(int(labels.get(OWNER_PID_LABEL, "0")))
        return f"{process.create_time():.2f}" == labels.get(OWNER_START_LABEL)
    except (psutil.Error, ValueError):
        return False


def run_filter(run_id: str | None) -> dict:
    return {"label": f"{RUN_LABEL}={run_id}" if run_id else RUN_LABEL}


def remove_run(client, run_id: str) -> tuple[int, int]:
    """Remove every container, then every network, with this run's label. Returns the counts."""
    import docker

    containers = client.containers.list(all=True, filters=run_filter(run_id))
    for container in containers:
        try:
            container.remove(force=True)
        except docker.errors.NotFound:
            pass  # gone already (another cleanup, or docker's own auto-removal)
    networks = client.networks.list(filters=run_filter(run_id))
    for network in networks:
        try:
            network.remove()
        except docker.errors.NotFound:
            pass
    return len(containers), len(networks)


def runs(client) -> dict[str, dict]:
    """run id -> labels of one of its objects (to tell whether its owner lives)."""
    found: dict[str, dict] = {}
    for obj in client.containers.list(all=True, filters=run_filter(None)) + client.networks.list(filters=run_filter(None)):
        labels = obj.labels if hasattr(obj, "labels") else obj.attrs.get("Labels") or {}
        found.setdefault(labels[RUN_LABEL], labels)
    return found


def cleanup(client, run_id: str | None = None, everything: bool = False) -> list[str]:
    """Remove one run, or every run whose owner process is gone (or every run). Returns the run ids removed."""
    if run_id:
        targets = [run_id]
    else:
        targets = [rid for rid, labels in runs(client).items() if everything or not owner_alive(labels)]
    return [rid for rid in targets if remove_run(client, rid) != (0, 0)]
