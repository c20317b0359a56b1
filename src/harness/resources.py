"""1 Hz CPU and memory samples of every process in a measurement (psutil, in a thread)."""
from __future__ import annotations

import threading
import time
from collections.abc import Callable

import psutil
import pyarrow as pa

SATURATED_CPU_PERCENT = 90.0  # a generator process busier than this limits the load it can offer
SCHEMA = pa.schema([("t_s", pa.float64()), ("process", pa.string()), ("pid", pa.int32()),
                    ("cpu_percent", pa.float64()), ("rss_bytes", pa.int64())])


class ResourceSampler:
    """Samples the processes `targets()` names (name -> pid) once per `interval_s` until stopped."""

    def __init__(self, targets: Callable[[], dict[str, int]], interval_s: float = 1.0) -> None:
        self.targets, self.interval_s = targets, interval_s
        self.rows: list[tuple] = []
        self._procs: dict[int, psutil.Process] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="resource-sampler", daemon=True)

    def __enter__(self) -> "ResourceSampler":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while True:
            self._sample()
            if self._stop.wait(self.interval_s):
                return

    def _sample(self) -> None:
        now = time.time()
        for name, pid in self.targets().items():
            try:
                proc = self._procs.get(pid)
                if proc is None:  # cpu_percent measures from its previous call: prime it
                    self._procs[pid] = psutil.Process(pid)
                    self._procs[pid].cpu_percent()
                    continue
                self.rows.append((now, name, pid, proc.cpu_percent(), proc.memory_info().rss))
            except psutil.Error:
                continue

    def table(self) -> pa.Table:
        return pa.Table.from_pylist([dict(zip(SCHEMA.names, r)) for r in self.rows], schema=SCHEMA)


def saturated_generators(samples: pa.Table, start: float, end: float) -> list[str]:
    """Generator processes whose mean CPU over [start, end) exceeded SATURATED_CPU_PERCENT."""
    rows = [r for r in samples.to_pylist() if start <= r["t_s"] < end and r["process"].startswith("locust")]
    by_process: dict[str, list[float]] = {}
    for r in rows:
        by_process.setdefault(r["process"], []).append(r["cpu_percent"])
    return sorted(p for p, cpu in by_process.items() if sum(cpu) / len(cpu) > SATURATED_CPU_PERCENT)
