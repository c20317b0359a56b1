"""The stack under test: Traefik in front of N replicas, behind one interface for every runtime.

A runtime (local processes, Docker) starts and stops the parts and writes Traefik's
dynamic configuration; everything that talks to a running stack lives here.
"""
from __future__ import annotations

import atexit
import signal
import tempfile
import threading
import time
import weakref
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path

import httpx

from . import ports
from .breaker import BreakerConfig, go_duration
from .errors import ConfigError, StackError
from .faults import Fault
from .traefik_config import BREAKER, ROUTER, SERVICE, marker_name


LOG_LEVELS = ("TRACE", "DEBUG", "INFO", "WARN")  # ERROR and above would hide the breaker's WARN lines


def fresh_run_dir(run_dir: str | Path | None) -> Path:
    """The stack's folder: a new temporary one, or the given one if it holds no earlier stack's logs."""
    if run_dir is None:
        return Path(tempfile.mkdtemp(prefix="breakerlab-stack-"))
    path = Path(run_dir)
    if path.exists() and not path.is_dir():
        raise ConfigError(f"run_dir {path} is a file; give a folder (it is created if missing)")
    if any((path / "traefik" / name).exists() for name in ("access.log", "traefik.log")):
        raise ConfigError(f"run_dir {path} already holds a stack's logs; choose a new folder "
                          "(logs of two stacks are never mixed)")
    return path


def responds(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.TransportError:
        return False


@dataclass
class Replica:
    name: str
    url: str  # what Traefik routes to
    control_url: str  # fault injection and counters; never routed by Traefik


class Stack(ABC):
    """Start with `with Stack(...) as stack:` (or start()/stop()); stop() is always safe to call."""

    runtime = "abstract"
    # Traefik provider that defines the router and the service (the breaker is always @file).
    provider = "file"

    def __init__(self, replicas: int = 3, breaker: BreakerConfig | None = None, retry_attempts: int = 0,
                 run_dir: str | Path | None = None, web_port: int | None = None, api_port: int | None = None,
                 health_interval: str = "1s", health_timeout: str = "500ms",
                 faults: dict[int, Fault | dict] | None = None, seed: int = 0, log_level: str = "INFO",
                 access_log: bool = True) -> None:
        """Settings every runtime shares, all checked here before anything starts.

        run_dir: Traefik's config and logs (default: a temporary folder, removed at stop);
        ports: None picks free ones; faults: start-up faults by replica index."""
        if breaker is not None and not isinstance(breaker, BreakerConfig):
            raise ConfigError(f"breaker must be a BreakerConfig or None, got {breaker!r}; "
                              "e.g. BreakerConfig('NetworkErrorRatio() > 0.3')")
        if isinstance(retry_attempts, bool) or not isinstance(retry_attempts, int) or retry_attempts < 0:
            raise ConfigError(f"retry_attempts must be an integer >= 0, got {retry_attempts!r}")
        if isinstance(replicas, bool) or not isinstance(replicas, int) or replicas < 1:
            raise ConfigError(f"replicas must be an integer >= 1, got {replicas!r}")
        if not isinstance(faults, (dict, type(None))):
            raise ConfigError(f"faults must be a dict {{replica index: fault}}, e.g. {{0: {{'refuse': True}}}}; got {faults!r}")
        self.startup_faults = {i: Fault.of(f) for i, f in (faults or {}).items()}
        if bad := [i for i in self.startup_faults if isinstance(i, bool) or not (isinstance(i, int) and 0 <= i < replicas)]:
            raise ConfigError(f"faults keys must be replica indexes 0..{replicas - 1}, got {bad}")
        if log_level not in LOG_LEVELS:
            raise ConfigError(f"log_level must be one of {LOG_LEVELS}, got {log_level!r}")
        self.health = {"health_interval": go_duration(health_interval, "health_interval"),
                       "health_timeout": go_duration(health_timeout, "health_timeout")}
        self.web_port = ports.claim(web_port, "web_port")
        self.api_port = ports.claim(api_port, "api_port")
        if self.web_port == self.api_port:
            raise ConfigError(f"web_port and api_port must differ, both are {self.web_port}")
        self.run_dir = fresh_run_dir(run_dir).resolve()  # absolute: a container runtime bind-mounts it
        self._owns_run_dir = run_dir is None
        self.breaker, self.retry_attempts, self.replica_count = breaker, retry_attempts, replicas
        self.seed, self.log_level, self.access_log = seed, log_level, access_log
        self.traefik_dir = self.run_dir / "traefik"
        self.access_log_path = self.traefik_dir / "access.log" if access_log else None  # the per-request record
        self.traefik_log_path = self.traefik_dir / "traefik.log"  # breaker rejections at WARN
        self.generation = 0
        self.replicas: list[Replica] = []
        self.entry_url = ""  # Traefik's web entrypoint
        self.api_url = ""  # Traefik's API and ping
        self._http = httpx.Client(timeout=5.0)
        self._running = False

    # --- what a runtime provides -------------------------------------------------
    @abstractmethod
    def _start(self) -> None:
        """Start Traefik and the replicas; set entry_url, api_url and replicas."""

    @abstractmethod
    def _stop(self) -> None:
        """Stop everything this stack started; must work on a half-started stack."""

    @abstractmethod
    def _write_dynamic_config(self) -> None:
        """Write the breaker (self.breaker, self.generation) where Traefik's file provider reads it."""

    @abstractmethod
    def _runtime_status(self) -> dict:
        """Process ids or container ids and whether they are alive."""

    def process_ids(self) -> dict[str, int]:
        """Host pids of Traefik and each replica by name, for resource sampling."""
        return {}

    def restart_replica(self, which: int | str, timeout_s: float = 15.0) -> None:
        """Start a crashed replica again, healthy."""
        raise StackError(f"the {self.runtime} runtime cannot restart replicas")

    def ensure_replicas_running(self) -> None:
        """Restart any replica whose process has exited (after a crash scenario)."""

    # --- lifecycle ------------------------------------------------------------------
    def start(self, timeout_s: float = 30.0) -> "Stack":
        if self._running:
            raise StackError(f"this stack is already running ({self.entry_url}); stop() it before starting again")
        _live_stacks.add(self)
        _install_signal_handlers()
        self._running = True
        try:
            self._start()
            self._wait_loaded(timeout_s)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        if not self._running:
            return
        self._running = False
        try:
            self._stop()
        finally:
            _live_stacks.discard(self)

    def __enter__(self) -> "Stack":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- breaker ------------------------------------------------------------------------
    def apply_breaker(self, breaker: BreakerConfig | None, timeout_s: float = 15.0) -> None:
        """Hot-reload the breaker; return once Traefik serves it. A reload resets breaker state."""
        if breaker is not None and not isinstance(breaker, BreakerConfig):
            raise ConfigError(f"apply_breaker takes a BreakerConfig or None, got {breaker!r}")
        self.breaker = breaker
        self.generation += 1
        self._write_dynamic_config()
        self._wait_loaded(timeout_s)

    def _wait_loaded(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        marker = f"{marker_name(self.generation)}@file"
        while time.monotonic() < deadline:
            if self._get(f"/api/http/middlewares/{marker}") is not None:
                break
            time.sleep(0.05)
        else:
            raise StackError(f"Traefik did not load dynamic configuration generation {self.generation} "
                             f"within {timeout_s:.0f}s. Its recent errors:\n{self._traefik_errors()}")
        router = self._get(f"/api/http/routers/{ROUTER}@{self.provider}") or {}
        if router.get("status") != "enabled":
            errors = router.get("error") or ["router missing"]
            if self.breaker is not None:
                middleware = self._get(f"/api/http/middlewares/{BREAKER}@file") or {}
                errors = middleware.get("error") or errors
            raise StackError(f"Traefik disabled the router after loading the breaker "
                             f"{self.breaker.expression if self.breaker else None!r}: {'; '.join(errors)}")

    def _traefik_errors(self, lines: int = 5) -> str:
        if self.traefik_log_path is None or not self.traefik_log_path.exists():
            return "(no Traefik log)"
        errors = [line for line in self.traefik_log_path.read_text(errors="replace").splitlines()
                  if '"level":"error"' in line]
        return "\n".join(errors[-lines:]) or f"(none logged; see {self.traefik_log_path})"

    # --- faults -------------------------------------------------------------------------
    def replica(self, which: int | str) -> Replica:
        """A replica by index (0-based) or name."""
        for i, replica in enumerate(self.replicas):
            if not isinstance(which, bool) and (which == i or which == replica.name):
                return replica
        names = [r.name for r in self.replicas]
        raise ConfigError(f"no replica {which!r}: use an index 0..{len(names) - 1} or a name in {names}")

    def set_fault(self, which: int | str, fault: Fault | dict | None = None, **fields) -> Fault:
        """Give one replica a fault, e.g. set_fault(0, error_rate=0.9). Replaces its previous fault."""
        fault = Fault.of({**Fault.of(fault).to_json(), **fields} if fields else fault)
        replica = self.replica(which)
        try:
            response = self._http.put(f"{replica.control_url}/fault", json=fault.to_json())
            response.raise_for_status()
        except httpx.HTTPError as exc:
            if fault.crash and isinstance(exc, httpx.TransportError):
                return fault  # it may die before it answers: that is the fault
            raise StackError(f"could not set a fault on {replica.name} ({replica.control_url}): {exc}") from exc
        return fault

    def clear_faults(self) -> None:
        for replica in self.replicas:
            try:
                self._http.delete(f"{replica.control_url}/fault").raise_for_status()
            except httpx.HTTPError as exc:
                raise StackError(f"could not clear the fault on {replica.name}: {exc} "
                                 "(a crashed replica needs a restart)") from exc

    def replica_counts(self) -> dict[str, int]:
        """Predict requests each replica has answered since it started (any status)."""
        counts = {}
        for replica in self.replicas:
            try:
                stats = self._http.get(f"{replica.control_url}/stats").json()
            except httpx.HTTPError as exc:
                raise StackError(f"{replica.name} does not answer on its control port ({exc}); has it crashed?") from exc
            counts[replica.name] = sum(r["count"] for r in stats["requests"] if r["path"] == "/api/v1/predict")
        return counts

    # --- observation -------------------------------------------------------------------
    def server_status(self) -> dict[str, str]:
        """Traefik's health view: server URL -> 'UP' or 'DOWN'."""
        service = self._get(f"/api/http/services/{SERVICE}@{self.provider}") or {}
        return dict(service.get("serverStatus") or {})

    def wait_for_servers(self, up: int, timeout_s: float = 30.0) -> None:
        """Wait until exactly `up` servers are UP in Traefik's health view."""
        deadline = time.monotonic() + timeout_s
        while True:
            if not responds(f"{self.api_url}/ping"):
                raise StackError(f"Traefik does not answer at {self.api_url}; has it exited? Its log: "
                                 f"{self.traefik_log_path}")
            status = self.server_status()
            if sum(s == "UP" for s in status.values()) == up and len(status) == len(self.replicas):
                return
            if time.monotonic() > deadline:
                raise StackError(f"expected {up} of {len(self.replicas)} servers UP within {timeout_s:.0f}s, "
                                 f"Traefik reports {status}")
            time.sleep(0.1)

    def status(self) -> dict:
        router = self._get(f"/api/http/routers/{ROUTER}@{self.provider}") or {}
        middleware = self._get(f"/api/http/middlewares/{BREAKER}@file") if self.breaker else None
        return {
            "runtime": self.runtime,
            "entry_url": self.entry_url,
            "router": {"status": router.get("status"), "middlewares": router.get("middlewares", []),
                       "error": router.get("error")},
            "breaker": middleware,
            "servers": self.server_status(),
            **self._runtime_status(),
        }

    def _get(self, path: str) -> dict | None:
        try:
            response = self._http.get(f"{self.api_url}{path}")
        except httpx.TransportError:
            return None
        return response.json() if response.status_code == 200 else None


# --- stop every stack on exit, SIGTERM or SIGHUP ---------------------------------------------
_live_stacks: "weakref.WeakSet[Stack]" = weakref.WeakSet()
_handlers_installed = False


def stop_all() -> None:
    for stack in list(_live_stacks):
        stack.stop()


def _on_signal(signum, frame) -> None:
    stop_all()
    raise SystemExit(128 + signum)


def _install_signal_handlers() -> None:
    # SIGINT stays Python's KeyboardInterrupt, which unwinds through `with` blocks (and
    # interrupts a notebook cell without killing the stacks a user still works with).
    global _handlers_installed
    if _handlers_installed or threading.current_thread() is not threading.main_thread():
        return
    for sig in (signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(sig) in (signal.SIG_DFL, None):
            signal.signal(sig, _on_signal)
    _handlers_installed = True


atexit.register(stop_all)
