"""Locust workload: users of the prediction API. Run by harness.load as a subprocess only
(`import locust` monkey-patches the process with gevent and would hang a Jupyter kernel).

Settings come as JSON in $BREAKERLAB_LOAD (see harness.load.LoadSpec). Every request is
appended to a per-process CSV file (streamed, buffered), measured with our own clocks:
Locust's own statistics round latencies into buckets.
"""
from __future__ import annotations

import atexit
import json
import os
import socket
import time
from pathlib import Path

import gevent
from locust import FastHttpUser, constant, events, task
from locust.exception import StopUser
from locust.runners import LocalRunner

from harness.workload import BodyGenerator, OpenLoopSchedule

CONFIG = json.loads(os.environ["BREAKERLAB_LOAD"])
START_AT, END_AT = CONFIG["start_at"], CONFIG["end_at"]
RECORD_FIELDS = "intended_s,actual_s,latency_ms,status,error_class,replica,response_bytes,valid,pid"


class RecordFile:
    """One CSV per process, opened lazily in whichever process sends (after Locust forks)."""

    def __init__(self, directory: Path) -> None:
        self.directory, self.pid, self.file = directory, None, None

    def write(self, line: str) -> None:
        if self.pid != os.getpid():
            self.pid = os.getpid()
            self.file = open(self.directory / f"requests-{self.pid}.csv", "w", buffering=1 << 20)
            self.file.write(RECORD_FIELDS + "\n")
        self.file.write(line)

    def flush(self) -> None:
        if self.file is not None and self.pid == os.getpid():
            self.file.flush()


RECORDS = RecordFile(Path(CONFIG["records_dir"])) if CONFIG["capture"] else None
_schedule: OpenLoopSchedule | None = None
_pending: set[float] = set()  # open-loop slots a user has taken but not yet sent
_users_started = 0  # per process, for reproducible per-user seeds


def error_class(error: BaseException | None) -> str:
    if error is None:
        return ""
    if isinstance(error, ConnectionRefusedError):
        return "refused"
    if isinstance(error, (ConnectionResetError, BrokenPipeError)):
        return "reset"
    text = f"{type(error).__name__} {error}".lower()
    if isinstance(error, (TimeoutError, socket.timeout, gevent.Timeout)) or "timeout" in text or "timed out" in text:
        return "timeout"
    if "reset" in text:
        return "reset"
    return "other"


def schedule(environment) -> OpenLoopSchedule:
    global _schedule
    if _schedule is None:  # per process, once Locust has told this worker its index
        _schedule = OpenLoopSchedule(CONFIG["rate"], START_AT, END_AT, CONFIG["processes"],
                                     getattr(environment.runner, "worker_index", 0))
    return _schedule


class PredictionUser(FastHttpUser):
    wait_time = constant(CONFIG["think_time_s"])
    network_timeout = CONFIG["timeout_s"]
    connection_timeout = CONFIG["timeout_s"]

    def on_start(self) -> None:
        global _users_started
        _users_started += 1
        worker = getattr(self.environment.runner, "worker_index", 0)
        self.bodies = BodyGenerator(f"{CONFIG['seed']}:{worker}:{_users_started}", CONFIG["invalid_share"])
        gevent.sleep(max(0.0, START_AT - time.time()))

    @task
    def predict(self) -> None:
        if CONFIG["mode"] == "open":
            intended = schedule(self.environment).next()
            if intended is None:
                raise StopUser()
            _pending.add(intended)
            gevent.sleep(max(0.0, intended - time.time()))
            _pending.discard(intended)
        else:
            intended = None
            if time.time() >= END_AT:
                raise StopUser()
        self.send(intended)

    def send(self, intended: float | None) -> None:
        body, valid = self.bodies.next()
        actual = time.time()
        started = time.perf_counter()
        response = self.client.post("/api/v1/predict", json=body, name="/api/v1/predict")
        latency_ms = (time.perf_counter() - started) * 1000
        if RECORDS is not None:
            status = response.status_code or 0
            replica = response.headers.get("x-replica", "") if status else ""
            RECORDS.write(f"{intended or actual:.6f},{actual:.6f},{latency_ms:.4f},{status},"
                          f"{error_class(response.error) if not status else ''},{replica},"
                          f"{len(response.content or b'')},{int(valid)},{os.getpid()}\n")


@events.test_start.add_listener
def _quit_when_done(environment, **_kwargs) -> None:
    """Quit as soon as the last user has stopped after END_AT (else Locust waits for its -t timer).
    Only in a single process: with --processes, the master's -t timer ends the run."""
    runner = environment.runner
    if not isinstance(runner, LocalRunner):
        return

    def watch() -> None:
        gevent.sleep(max(0.0, END_AT - time.time()))
        deadline = time.time() + CONFIG["timeout_s"] + 1
        while runner.user_count and time.time() < deadline:
            gevent.sleep(0.05)
        runner.quit()

    gevent.spawn(watch)


@events.test_stop.add_listener
def _flush(environment, **_kwargs) -> None:
    if RECORDS is None:
        return
    if CONFIG["mode"] == "open" and _schedule is not None:  # slots never sent are data too
        unsent = sorted(_pending)
        while (slot := _schedule.next()) is not None:
            unsent.append(slot)
        for slot in unsent:
            RECORDS.write(f"{slot:.6f},,,0,unsent,,0,1,{os.getpid()}\n")
        _pending.clear()
    RECORDS.flush()


if RECORDS is not None:
    atexit.register(RECORDS.flush)
