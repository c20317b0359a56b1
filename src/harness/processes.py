"""Child processes that never outlive the harness: no orphans, even on SIGKILL of the parent."""
from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .errors import StackError

_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    # Runs in the child between fork and exec: the kernel sends SIGTERM when the harness dies.
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


_spawner: ThreadPoolExecutor | None = None


def spawn(cmd: list[str], log_path: Path, cwd: Path | None = None, env: dict | None = None) -> subprocess.Popen:
    """Start `cmd` in its own session (a terminal's Ctrl-C goes to the harness, which stops it)."""
    global _spawner
    if threading.current_thread() is threading.main_thread():
        return _popen(cmd, log_path, cwd, env)
    # The parent-death signal fires when the *thread* that forked exits. A short-lived thread (a fault
    # schedule restarting a replica) hands the fork to one thread that lives as long as the process.
    _spawner = _spawner or ThreadPoolExecutor(max_workers=1, thread_name_prefix="spawner")
    return _spawner.submit(_popen, cmd, log_path, cwd, env).result()


def _popen(cmd: list[str], log_path: Path, cwd: Path | None, env: dict | None) -> subprocess.Popen:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log:
        return subprocess.Popen(
            cmd, cwd=cwd, env={**os.environ, **(env or {})}, stdin=subprocess.DEVNULL, stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=_die_with_parent,
        )


def terminate(procs: list[subprocess.Popen], grace_s: float = 3.0) -> None:
    """SIGTERM every process group, then SIGKILL whatever is left after `grace_s`."""
    for proc in procs:
        _signal_group(proc, signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    for proc in procs:
        try:
            proc.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            _signal_group(proc, signal.SIGKILL)
            proc.wait()


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)  # the session leader's group: catches anything it forked
    except ProcessLookupError:
        pass


def tail(path: Path, lines: int = 15) -> str:
    try:
        text = path.read_text(errors="replace").splitlines()
    except FileNotFoundError:
        return "(no log written)"
    return "\n".join(text[-lines:]) or "(log is empty)"


def wait_until(ready: Callable[[], bool], what: str, timeout_s: float,
               proc: subprocess.Popen | None = None, log_path: Path | None = None) -> None:
    """Poll `ready` until true; fail fast if `proc` exits, with the end of its log."""
    deadline = time.monotonic() + timeout_s
    while True:
        if proc is not None and proc.poll() is not None:
            raise StackError(f"{what}: the process exited with code {proc.returncode}.\n"
                             f"Last lines of {log_path}:\n{tail(log_path) if log_path else ''}")
        if ready():
            return
        if time.monotonic() > deadline:
            log = f"\nLast lines of {log_path}:\n{tail(log_path)}" if log_path else ""
            raise StackError(f"{what}: not ready after {timeout_s:.0f}s.{log}")
        time.sleep(0.05)
