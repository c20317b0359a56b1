"""Load generation: Locust as a subprocess running harness/locustfile.py, and its raw records."""
from __future__ import annotations

import json
import math
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import psutil
import pyarrow as pa
import pyarrow.csv as pacsv

from .errors import ConfigError, StackError
from .processes import spawn, tail, terminate

LOCUSTFILE = Path(__file__).with_name("locustfile.py")
MODES = ("closed", "open")
RECORD_SCHEMA = pa.schema([
    ("intended_s", pa.float64()),  # epoch seconds the request was meant to go out (open loop)
    ("actual_s", pa.float64()),  # epoch seconds it went out (null: never sent)
    ("latency_ms", pa.float64()),  # from actual_s, never rounded (null: never sent)
    ("status", pa.int16()),  # 0: no HTTP response (see error_class)
    ("error_class", pa.string()),  # refused, reset, timeout, other, unsent (an open-loop slot the
    # generator never sent before the run ended); empty with an HTTP status
    ("replica", pa.string()),  # X-Replica header; empty when Traefik answered itself
    ("response_bytes", pa.int64()),
    ("valid", pa.bool_()),  # the body was valid (invalid ones should get 422)
    ("pid", pa.int32()),  # generator process
])


@dataclass(frozen=True)
class LoadSpec:
    """How the users behave.

    closed: `users` loop, each waiting for its response (plus `think_time_s`) before the next.
    open: requests go out at `rate` per second on a fixed schedule, whatever the response
          times; `users` is the pool that sends them (default: enough for 100 ms responses).
    """

    mode: str = "closed"
    users: int | None = 5
    rate: float | None = None
    think_time_s: float = 0.0
    invalid_share: float = 0.0
    processes: int = 1
    seed: int = 0
    timeout_s: float = 10.0

    def __post_init__(self) -> None:
        for name in ("think_time_s", "invalid_share", "timeout_s"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise ConfigError(f"{name} must be a finite number, got {value!r}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int):
            raise ConfigError(f"seed must be an integer, got {self.seed!r}")
        if self.mode not in MODES:
            raise ConfigError(f"load mode must be one of {MODES}, got {self.mode!r}")
        if self.mode == "open":
            if not isinstance(self.rate, (int, float)) or self.rate <= 0:
                raise ConfigError(f"open-loop load needs rate > 0 (requests/s), got {self.rate!r}; e.g. rate=200")
            if self.users is None:
                object.__setattr__(self, "users", max(10, math.ceil(self.rate * 0.1)))
        if not isinstance(self.users, int) or self.users < 1:
            raise ConfigError(f"users must be an integer >= 1, got {self.users!r}")
        if not 0 <= self.invalid_share <= 1:
            raise ConfigError(f"invalid_share must be between 0 and 1, got {self.invalid_share!r}; e.g. 0.33")
        if not isinstance(self.processes, int) or not 1 <= self.processes <= self.users:
            raise ConfigError(f"processes must be an integer between 1 and users ({self.users}), got {self.processes!r}")
        if self.think_time_s < 0 or self.timeout_s <= 0:
            raise ConfigError(f"think_time_s must be >= 0 and timeout_s > 0, got {self.think_time_s!r}, {self.timeout_s!r}")


class LocustRun:
    """One headless Locust run against `entry_url`, sending during [start_at, end_at)."""

    def __init__(self, entry_url: str, spec: LoadSpec, start_at: float, end_at: float, out_dir: Path,
                 capture: bool = True) -> None:
        self.spec, self.start_at, self.end_at = spec, start_at, end_at
        self.records_dir = out_dir / "records"
        self.locust_dir = out_dir / "locust"
        self.log_path = self.locust_dir / "locust.log"
        self.records_dir.mkdir(parents=True, exist_ok=True)
        self.locust_dir.mkdir(parents=True, exist_ok=True)
        config = {**asdict(spec), "start_at": start_at, "end_at": end_at,
                  "records_dir": str(self.records_dir), "capture": capture}
        # Room for in-flight requests and an open-loop backlog; a single process quits as soon as
        # its users are done (see the locustfile), so this bounds the run rather than timing it.
        run_time = math.ceil(end_at - time.time()) + math.ceil(spec.timeout_s) + 2
        cmd = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--host", entry_url,
               "-u", str(spec.users), "-r", str(spec.users), "-t", f"{run_time}s",
               "--stop-timeout", str(math.ceil(spec.timeout_s) + 1), "--exit-code-on-error", "0",
               "--csv", str(self.locust_dir / "locust"), "--json-file", str(self.locust_dir / "stats"),
               "--only-summary", "--loglevel", "WARNING"]
        if spec.processes > 1:
            cmd += ["--processes", str(spec.processes)]
        self.proc = spawn(cmd, self.log_path, env={"BREAKERLAB_LOAD": json.dumps(config)})

    def pids(self) -> dict[str, int]:
        """The Locust process and its forked workers, by name."""
        try:
            main = psutil.Process(self.proc.pid)
            children = main.children(recursive=True)
        except psutil.NoSuchProcess:
            return {}
        return {"locust": main.pid, **{f"locust-worker-{i + 1}": c.pid for i, c in enumerate(children)}}

    def wait(self) -> None:
        grace = self.spec.timeout_s + 30  # in-flight requests, then Locust's own shutdown
        try:
            code = self.proc.wait(timeout=max(0.0, self.end_at - time.time()) + grace)
        except subprocess.TimeoutExpired:
            terminate([self.proc])
            raise StackError(f"Locust did not finish within {grace:.0f}s of the end of the load; "
                             f"log: {self.log_path}\n{tail(self.log_path)}") from None
        if code != 0:
            raise StackError(f"Locust exited with code {code}; log: {self.log_path}\n{tail(self.log_path)}")

    def stop(self) -> None:
        terminate([self.proc])

    def records(self) -> pa.Table:
        """Every request from every generator process, in send order."""
        files = sorted(self.records_dir.glob("requests-*.csv"))
        options = pacsv.ConvertOptions(column_types=RECORD_SCHEMA, strings_can_be_null=False,
                                       null_values=[""])
        tables = [pacsv.read_csv(f, convert_options=options) for f in files]
        table = pa.concat_tables(tables) if tables else RECORD_SCHEMA.empty_table()
        return table.sort_by("intended_s")
