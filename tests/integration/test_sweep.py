"""The sweep end to end: papermill with a YAML file, interrupt and resume, bad parameters."""
from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import psutil
import pytest

from harness import sweep_cli
from harness.errors import ConfigError, StackError
from harness.store import RunStore
from harness.sweep import run_sweep

pytestmark = pytest.mark.integration
QUICK = {"fallback_duration": "1s", "recovery_duration": "1s", "duration_s": 1, "warmup_s": 0.5}


def digests(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_papermill_with_a_yaml_file_of_lists_runs_a_2x2_grid(tmp_path):
    params = tmp_path / "grid.yaml"
    params.write_text(textwrap.dedent(f"""\
        breakers: ["ResponseCodeRatio(500, 600, 0, 600) > 0.25", none]
        scenarios: [healthy, one-replica-errors]
        users: [2]
        output_root: {tmp_path / 'raw'}
        fallback_duration: 1s
        recovery_duration: 1s
        duration_s: 1
        warmup_s: 0.5
        """))
    assert sweep_cli.main([str(params), "--run-id", "grid"]) == 0
    store = RunStore.open("grid", tmp_path / "raw")
    assert store.inspect() == {"done": sorted(p.name for p in store.points_dir.iterdir() if not p.name.startswith(".")),
                               "failed": [], "interrupted": []}
    assert len(store.inspect()["done"]) == 4 and not store.interrupted
    assert list(store.run_dir.glob("01_sweep-*.ipynb")), "the executed notebook is kept in the run folder"
    assert json.loads((store.run_dir / "plan.json").read_text())["params"]["users"] == [2]


def test_interrupted_sweep_leaves_no_process_and_resumes_only_the_missing_points(tmp_path):
    values = {**QUICK, "run_id": "resumable", "output_root": str(tmp_path), "breakers": ["none"],
              "scenarios": ["healthy"], "users": [1, 2, 3]}
    script = f"from harness.sweep import run_sweep; run_sweep({values!r}, progress=False)"
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    first = tmp_path / "resumable" / "points" / "b0-healthy-u1-rep0"
    seen: set[int] = set()
    deadline = time.monotonic() + 60
    while not first.exists() and time.monotonic() < deadline:
        seen |= {p.pid for p in psutil.Process(proc.pid).children(recursive=True)}
        time.sleep(0.1)
    assert first.exists(), proc.communicate(timeout=30)[0].decode()
    time.sleep(1.0)  # into the second point: Locust and its load are running
    seen |= {p.pid for p in psutil.Process(proc.pid).children(recursive=True)}
    os.kill(proc.pid, signal.SIGINT)
    output = proc.communicate(timeout=30)[0].decode()
    assert "stopped: 1 of 3 points are recorded" in output, output
    time.sleep(0.5)
    alive = [pid for pid in seen if psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE]
    assert not alive, f"left running: {[psutil.Process(p).cmdline() for p in alive]}"

    before = digests(first)
    store = run_sweep(values, progress=False)
    assert store.inspect()["done"] == ["b0-healthy-u1-rep0", "b0-healthy-u2-rep0", "b0-healthy-u3-rep0"]
    assert digests(first) == before, "a completed point changed on resume"
    assert not store.interrupted


def test_resuming_with_other_parameters_is_refused(tmp_path):
    values = {**QUICK, "run_id": "r", "output_root": str(tmp_path), "breakers": ["none"], "users": [1]}
    run_sweep(values, progress=False)
    with pytest.raises(ConfigError, match="planned with other parameters .*users: planned \\[1\\], given \\[2\\]"):
        run_sweep({**values, "users": [2]}, progress=False)


def test_bad_parameters_fail_before_any_load_or_folder(tmp_path, capsys):
    params = tmp_path / "bad.yaml"
    params.write_text(f"scenarios: [healthy, meteor-strike]\noutput_root: {tmp_path / 'raw'}\n")
    assert sweep_cli.main([str(params)]) == 2
    assert "unknown fault scenario 'meteor-strike'" in capsys.readouterr().err
    assert not (tmp_path / "raw").exists()


def test_a_crashed_replica_is_measured_then_restarted_for_the_next_point(tmp_path):
    crash_then_restart = {"name": "crash-mid-point", "steps": [{"at_s": 0.2, "replica": 0, "fault": {"crash": True}}]}
    values = {**QUICK, "run_id": "f", "output_root": str(tmp_path), "breakers": ["none"],
              "scenarios": [crash_then_restart, "healthy"], "users": [1]}
    store = run_sweep(values, progress=False)
    # the crash is not a harness failure: the point is measured (with 502s) and the next point gets a restarted replica
    assert store.inspect()["done"] == ["b0-crash-mid-point-u1-rep0", "b0-healthy-u1-rep0"]
    healthy = json.loads((store.point_dir("b0-healthy-u1-rep0") / "point.json").read_text())
    assert healthy["reconciliation"]["client_by_status"] == {"200": healthy["counts"]["client_requests"]}


def test_when_traefik_dies_the_point_fails_the_sweep_stops_and_a_rerun_completes_it(tmp_path):
    values = {**QUICK, "run_id": "dies", "output_root": str(tmp_path), "breakers": ["none"],
              "scenarios": ["healthy"], "users": [1, 2, 3]}
    first = tmp_path / "dies" / "points" / "b0-healthy-u1-rep0"

    def kill_traefik_after_the_first_point():
        while not first.exists():
            time.sleep(0.05)
        for child in psutil.Process().children(recursive=True):
            if "traefik" in child.name():
                child.kill()

    killer = threading.Thread(target=kill_traefik_after_the_first_point, daemon=True)
    killer.start()
    with pytest.raises(StackError, match="Traefik no longer answers"):
        run_sweep(values, progress=False)
    killer.join()
    store = RunStore.open("dies", tmp_path)
    status = store.inspect()
    assert status["done"] == ["b0-healthy-u1-rep0"] and status["failed"] == ["b0-healthy-u2-rep0"]
    failed = json.loads((store.point_dir("b0-healthy-u2-rep0") / "point.json").read_text())
    assert failed["status"] == "failed" and "Traefik" in failed["error"]

    store = run_sweep(values, progress=False)  # a new stack; the failed point is measured again
    assert len(store.inspect()["done"]) == 3 and not store.interrupted
    assert len(list((store.points_dir / ".failed").iterdir())) == 1  # the failed attempt is kept
