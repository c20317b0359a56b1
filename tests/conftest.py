"""Shared fixtures. Tests write only to tmp_path and leave no process behind."""
from __future__ import annotations

import psutil
import pytest


def child_processes() -> list[psutil.Process]:
    return [p for p in psutil.Process().children(recursive=True) if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]


@pytest.fixture
def no_orphans():
    """Fail the test if it leaves a child process alive."""
    before = {p.pid for p in child_processes()}
    yield
    left = [p for p in child_processes() if p.pid not in before]
    assert not left, f"processes left running: {[(p.pid, p.cmdline()) for p in left]}"

