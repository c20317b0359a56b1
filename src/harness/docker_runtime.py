"""The Docker runtime: a Traefik container with the docker provider in front of N labelled
replica containers, through the Docker SDK. Same interface as LocalStack.

    python -m harness.docker_runtime cleanup [--run-id ID | --all]

removes what killed runs left behind (by default every run whose owning process is gone).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import uuid
from pathlib import Path

import yaml

from . import docker_engine as engine
from . import ports
from .docker_config import docker_static_config, file_middlewares, replica_labels, traefik_major
from .errors import ConfigError, StackError
from .faults import Fault
from .images import DEFAULT_TRAEFIK_IMAGE, backend_image as current_backend_image
from .processes import wait_until
from .stack import Replica, Stack, responds
from .traefik_config import write_atomically

NETWORK_MODES = ("bridge", "host")
BRIDGE_API_PORT, BRIDGE_CONTROL_PORT = 8000, 9000  # inside a replica's own network namespace
# ns. A generous timeout: on a busy machine `docker exec` alone can take seconds, and a container
# Docker calls unhealthy leaves Traefik. See _replica_healthcheck.
DOCKER_HEALTH = {"interval": 2_000_000_000, "timeout": 10_000_000_000, "retries": 3}


class DockerStack(Stack):
    runtime = "docker"
    provider = "docker"

    def __init__(self, network_mode: str = "bridge", traefik_image: str = DEFAULT_TRAEFIK_IMAGE,
                 backend_image: str | None = None, run_id: str | None = None, **settings) -> None:
        """Docker's own settings; the others: see Stack.__init__."""
        if network_mode not in NETWORK_MODES:
            raise ConfigError(f"network_mode must be one of {NETWORK_MODES}, got {network_mode!r}")
        file_middlewares(settings.get("breaker"), 0, settings.get("retry_attempts", 0),
                         traefik_major(traefik_image))  # v2 cannot take every breaker
        super().__init__(**settings)
        self.network_mode = network_mode
        self.traefik_image, self.backend_image = traefik_image, backend_image or current_backend_image()
        self.traefik_major = traefik_major(traefik_image)
        self.run_id = run_id or uuid.uuid4().hex[:12]
        self.socket_path = engine.socket_path()
        self.client = engine.connect()
        for image in (self.traefik_image, self.backend_image):
            engine.require_image(self.client, image)
        self.labels = engine.owner_labels(self.run_id)
        self.network = f"breakerlab-{self.run_id}" if network_mode == "bridge" else None
        self._ports: list[tuple[int, int]] = []  # per replica: (api port, control port) on the host's 127.0.0.1
        self._routed: dict[str, str] = {}  # the URL Traefik routes to -> the replica's url (differ on a bridge)
        self._traefik = None
        self._containers: list = []

    # --- runtime hooks ------------------------------------------------------------------
    def _start(self) -> None:
        if self.network:
            self.client.networks.create(self.network, driver="bridge", labels=self.labels)
        (self.traefik_dir / "dynamic").mkdir(parents=True, exist_ok=True)
        self._write_dynamic_config()
        chosen = ports.free_ports(2 * self.replica_count, exclude=(self.web_port, self.api_port))
        self._ports = [(chosen[2 * i], chosen[2 * i + 1]) for i in range(self.replica_count)]
        self.replicas = [Replica(f"replica-{i + 1}", "", "") for i in range(self.replica_count)]
        self._containers = []
        for i in range(self.replica_count):  # one by one: a failed start still saves the earlier logs
            self._containers.append(self._run_replica(i))
        for i in range(self.replica_count):
            self._wait_replica(i)
        self._start_traefik()
        expected = sum(not self.startup_faults.get(i, Fault()).crash for i in range(self.replica_count))
        self._wait_servers_listed(expected)

    def _stop(self) -> None:
        self._save_logs()
        engine.remove_run(self.client, self.run_id)
        if self._owns_run_dir:  # a temporary folder nobody asked to keep
            shutil.rmtree(self.run_dir, ignore_errors=True)

    def _write_dynamic_config(self) -> None:
        config = file_middlewares(self.breaker, self.generation, self.retry_attempts, self.traefik_major)
        write_atomically(self.traefik_dir / "dynamic" / "breakerlab.yml", yaml.safe_dump(config, sort_keys=False))

    def _runtime_status(self) -> dict:
        return {
            "run_id": self.run_id,
            "traefik": _container_status(self._traefik),
            "replicas": [{"name": r.name, "url": r.url, **_container_status(c)}
                         for r, c in zip(self.replicas, self._containers)],
        }

    def process_ids(self) -> dict[str, int]:
        """Host pids of the containers' main processes (containers share the host's process table)."""
        containers = {"traefik": self._traefik, **{r.name: c for r, c in zip(self.replicas, self._containers)}}
        pids = {}
        for name, container in containers.items():
            if container is None:
                continue
            try:
                container.reload()
            except Exception:  # noqa: BLE001 - removed or never started: nothing to sample
                continue
            if container.attrs["State"]["Running"]:
                pids[name] = container.attrs["State"]["Pid"]
        return pids

    def restart_replica(self, which: int | str, timeout_s: float = 30.0) -> None:
        """Start a replica again (after a crash) on the same ports as a new container; return once
        Traefik lists it again (only after Docker calls it healthy)."""
        i = self.replicas.index(self.replica(which))
        _remove(self._containers[i])
        self.startup_faults.pop(i, None)
        self._containers[i] = self._run_replica(i)
        self._wait_replica(i, timeout_s)
        self._wait_servers_listed(sum(_container_status(c)["alive"] for c in self._containers), timeout_s)

    def ensure_replicas_running(self) -> None:
        for i, container in enumerate(self._containers):
            if not _container_status(container)["alive"]:
                self.restart_replica(i)

    # --- replicas ---------------------------------------------------------------------------
    def _run_replica(self, i: int):
        name, (port, control_port) = self.replicas[i].name, self._ports[i]
        host_net = self.network is None
        # On the host network every replica needs its own ports; on a bridge each has its own namespace.
        inner_port, inner_control = (port, control_port) if host_net else (BRIDGE_API_PORT, BRIDGE_CONTROL_PORT)
        fault = self.startup_faults.get(i, Fault())
        command = ["--name", name, "--host", "127.0.0.1" if host_net else "0.0.0.0", "--port", str(inner_port),
                   "--control-port", str(inner_control), "--seed", str(self.seed), "--fault", json.dumps(fault.to_json())]
        labels = {**self.labels, engine.ROLE_LABEL: name,
                  **replica_labels(inner_port, self.retry_attempts, **self.health)}
        container = self._run_container(
            self.backend_image, command, name=f"breakerlab-{self.run_id}-{name}", labels=labels,
            healthcheck=_replica_healthcheck(inner_control),
            **self._network_args({inner_port: port, inner_control: control_port}))
        container.reload()
        address = "127.0.0.1" if host_net else container.attrs["NetworkSettings"]["Networks"][self.network]["IPAddress"]
        self._routed[f"http://{address}:{inner_port}"] = f"http://127.0.0.1:{port}"
        self.replicas[i] = Replica(name, f"http://127.0.0.1:{port}", f"http://127.0.0.1:{control_port}")
        return container

    def server_status(self) -> dict[str, str]:
        """As in Stack, keyed by each replica's url: on a bridge Traefik names the container's own
        address, while the harness (and direct load) reaches the replica on a published 127.0.0.1 port."""
        return {self._routed.get(url, url): state for url, state in super().server_status().items()}

    def _run_container(self, image: str, command: list[str], **options):
        import docker

        try:
            return self.client.containers.run(image, command, detach=True, **options)
        except docker.errors.APIError as exc:  # e.g. the image has no such executable, a name is taken
            raise StackError(f"Docker could not start {options['name']} from {image}: {exc.explanation or exc}") from None

    def _network_args(self, published: dict[int, int]) -> dict:
        if self.network is None:
            return {"network_mode": "host"}
        return {"network": self.network,
                "ports": {f"{inner}/tcp": ("127.0.0.1", outer) for inner, outer in published.items()}}

    def _wait_replica(self, i: int, timeout_s: float = 30.0) -> None:
        replica, container = self.replicas[i], self._containers[i]
        if self.startup_faults.get(i, Fault()).crash:
            return  # it is meant to exit at start-up

        def answers() -> bool:
            _raise_if_exited(container, replica.name)
            return responds(f"{replica.control_url}/fault")
        wait_until(answers, f"replica {replica.name} (container {container.name})", timeout_s)

    # --- Traefik ---------------------------------------------------------------------------------
    def _start_traefik(self) -> None:
        config_path = self.traefik_dir / "traefik.yml"
        config_path.write_text(docker_static_config(
            self.web_port, self.api_port, self.traefik_dir / "dynamic", self.traefik_log_path, self.access_log_path,
            self.log_level, self.run_id, engine.RUN_LABEL, self.network))
        self.entry_url = f"http://127.0.0.1:{self.web_port}"
        self.api_url = f"http://127.0.0.1:{self.api_port}"
        # The run's traefik folder is mounted at the same path, so the config's paths hold inside and out.
        volumes = {str(self.traefik_dir): {"bind": str(self.traefik_dir), "mode": "rw"},
                   self.socket_path: {"bind": "/var/run/docker.sock", "mode": "ro"}}
        # As the harness's user (files it can delete), in the socket's group (to read the engine).
        as_me = {"user": f"{os.getuid()}:{os.getgid()}", "group_add": [str(os.stat(self.socket_path).st_gid)]}
        self._traefik = self._run_container(
            self.traefik_image, ["traefik", f"--configFile={config_path}"], name=f"breakerlab-{self.run_id}-traefik",
            labels={**self.labels, engine.ROLE_LABEL: "traefik"}, volumes=volumes, **as_me,
            **self._network_args({self.web_port: self.web_port, self.api_port: self.api_port}))

        def pings() -> bool:
            _raise_if_exited(self._traefik, "Traefik", self.traefik_log_path)
            return responds(f"{self.api_url}/ping")
        wait_until(pings, "Traefik", 30.0, log_path=self.traefik_log_path)

    def _wait_servers_listed(self, expected: int, timeout_s: float = 60.0) -> None:
        """Traefik lists a container only once Docker calls it healthy: wait for all of them."""
        def listed() -> bool:
            return len(self.server_status()) == expected
        try:
            wait_until(listed, "Traefik's docker provider", timeout_s, log_path=self.traefik_log_path)
        except StackError as exc:
            health = {c.name: _health_detail(c) for c in self._containers}
            raise StackError(f"{exc}\nTraefik lists {self.server_status()}; Docker health: {health}") from None

    def _save_logs(self) -> None:
        """Container output into the run folder (where the local runtime's process logs go)."""
        for container, path in [(self._traefik, self.traefik_dir / "stdout.log")] + [
                (c, self.run_dir / "replicas" / f"{r.name}.log") for r, c in zip(self.replicas, self._containers)]:
            if container is None:
                continue
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(container.logs())
            except Exception:  # noqa: BLE001 - a lost log must not keep the containers alive
                pass


def _replica_healthcheck(control_port: int) -> dict:
    # Docker's check only asks "is the process serving?" (its control port), never /health: Traefik
    # drops containers Docker calls unhealthy, which reloads its config and resets the breaker, and
    # health faults are Traefik's health check's business. Bash's /dev/tcp: no Python start per check.
    return {"test": ["CMD", "bash", "-c", f"exec 3<>/dev/tcp/127.0.0.1/{control_port}"], **DOCKER_HEALTH}


def _container_status(container) -> dict:
    if container is None:
        return {"id": None, "alive": False, "exit_code": None, "health": None}
    try:
        container.reload()
    except Exception:  # noqa: BLE001 - removed: report it as dead
        return {"id": container.short_id, "alive": False, "exit_code": None, "health": None}
    state = container.attrs["State"]
    return {"id": container.short_id, "alive": state["Running"], "exit_code": None if state["Running"] else state["ExitCode"],
            "health": (state.get("Health") or {}).get("Status")}


def _health_detail(container) -> str:
    container.reload()
    health = container.attrs["State"].get("Health") or {}
    last = (health.get("Log") or [{}])[-1]
    return f"{health.get('Status')} (last check: exit {last.get('ExitCode')}, {last.get('Output', '').strip()!r})"


def _raise_if_exited(container, what: str, log_path: Path | None = None) -> None:
    container.reload()
    if container.status in ("exited", "dead"):
        logs = container.logs(tail=15).decode(errors="replace") or "(no output)"
        more = f"\n(see also {log_path})" if log_path else ""
        raise StackError(f"{what}: container {container.name} exited with code "
                         f"{container.attrs['State']['ExitCode']}. Its last lines:\n{logs}{more}")


def _remove(container) -> None:
    try:
        container.remove(force=True)
    except Exception:  # noqa: BLE001 - already gone
        pass


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    clean = sub.add_parser("cleanup", help="remove containers and networks of killed runs")
    which = clean.add_mutually_exclusive_group()
    which.add_argument("--run-id", help="remove this run, whether or not its process lives")
    which.add_argument("--all", action="store_true", help="remove every breakerlab run, live ones too")
    args = parser.parse_args(argv)
    removed = engine.cleanup(engine.connect(), args.run_id, args.all)
    print(f"removed {len(removed)} run(s): {' '.join(removed)}" if removed else "nothing to remove")


if __name__ == "__main__":
    main()
