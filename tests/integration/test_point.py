"""A measured point end to end: real Traefik, real replicas, real Locust."""
from __future__ import annotations

import hashlib
import json

import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from harness import BreakerConfig, ConfigError, LocalStack
from harness.load import LoadSpec
from harness.point import run_point
from harness.store import RunStore, begin_point

pytestmark = pytest.mark.integration
POINT_FILES = {"point.json", "requests.parquet", "proxy.parquet", "breaker_events.parquet", "resources.parquet"}


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    breaker = BreakerConfig("ResponseCodeRatio(500, 600, 0, 600) > 0.25", fallback_duration="1s",
                            recovery_duration="1s", response_code=599)
    with LocalStack(breaker=breaker, run_dir=tmp_path_factory.mktemp("stack")) as s:
        yield s


def test_a_short_run_writes_every_file_and_client_and_proxy_agree(stack, tmp_path):
    meta = run_point(stack, LoadSpec(users=5, invalid_share=0.3), duration_s=5, warmup_s=1, out_dir=tmp_path / "p")
    point = tmp_path / "p"
    assert POINT_FILES <= {p.name for p in point.iterdir()}
    assert (point / "locust" / "locust_stats.csv").exists() and (point / "locust" / "stats.json").exists()
    assert not (point / "records").exists()  # consolidated into requests.parquet
    assert meta["status"] == "done" and json.loads((point / "point.json").read_text())["status"] == "done"

    requests = pq.read_table(point / "requests.parquet")
    proxy = pq.read_table(point / "proxy.parquet")
    assert requests.num_rows > 100 and meta["reconciliation"]["agree"], meta["reconciliation"]
    assert abs(requests.num_rows - proxy.num_rows) <= 5  # in flight at either end
    statuses = set(requests["status"].to_pylist())
    assert statuses == {200, 422}  # a third of the bodies are invalid
    latencies = requests["latency_ms"].to_pylist()
    assert sum(x != round(x) for x in latencies) > 0.9 * len(latencies), "latencies look rounded to whole ms"
    assert min(latencies) < 1000 and pc.any(requests["warmup"]).as_py() and not pc.all(requests["warmup"]).as_py()
    resources = pq.read_table(point / "resources.parquet")
    assert {"traefik", "replica-1", "locust"} <= set(resources["process"].to_pylist())


def test_open_loop_holds_the_target_rate(stack, tmp_path):
    rate, duration = 100, 5
    run_point(stack, LoadSpec(mode="open", rate=rate), duration_s=duration, warmup_s=1, out_dir=tmp_path / "p")
    requests = pq.read_table(tmp_path / "p" / "requests.parquet")
    measured = requests.filter(pc.invert(requests["warmup"]))
    achieved = measured.num_rows / duration
    assert abs(achieved - rate) / rate <= 0.05, achieved
    lateness = pc.subtract(measured["actual_s"], measured["intended_s"])
    assert pc.min(lateness).as_py() >= 0  # nothing goes out before its time


def test_breaker_rejections_fall_inside_tripped_or_recovering_periods(stack, tmp_path):
    stack.apply_breaker(stack.breaker)  # a reload starts the breaker from a clean window
    stack.set_fault(0, error_rate=1.0)
    try:
        run_point(stack, LoadSpec(users=4), duration_s=5, warmup_s=0, out_dir=tmp_path / "p")
    finally:
        stack.clear_faults()
    proxy = pq.read_table(tmp_path / "p" / "proxy.parquet").to_pylist()
    events = pq.read_table(tmp_path / "p" / "breaker_events.parquet").to_pylist()
    rejections = [r["start_s"] for r in proxy if r["breaker_rejection"]]
    assert rejections and events
    assert events[0]["to_state"] == "tripped"
    open_periods, opened = [], None
    for e in events:
        if e["to_state"] == "tripped" and opened is None:
            opened = e["t_s"]
        elif e["to_state"] == "standby":
            open_periods.append((opened, e["t_s"]))
            opened = None
    if opened is not None:
        open_periods.append((opened, float("inf")))
    outside = [t for t in rejections if not any(a - 0.001 <= t <= b + 0.001 for a, b in open_periods)]
    assert not outside, f"{len(outside)} rejections outside {open_periods}"
    client = pq.read_table(tmp_path / "p" / "requests.parquet")
    assert pc.sum(pc.equal(client["status"], 599)).as_py() == len(rejections)


def test_half_written_point_is_detected_and_a_completed_point_never_changes(stack, tmp_path):
    store = RunStore.create({"purpose": "test"}, run_id="r1", root=tmp_path)
    done = store.point_dir("p-done")
    run_point(stack, LoadSpec(users=2), duration_s=1, warmup_s=0, out_dir=done)
    digest = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in done.rglob("*") if p.is_file()}

    half = begin_point(store.point_dir("p-half"))  # as if the process died mid-point
    (half / "requests-123.csv").write_text("intended_s,actual_s\n1.0,")
    assert store.inspect() == {"done": ["p-done"], "failed": [], "interrupted": ["p-half"]}
    assert store.point_status("p-half") == "interrupted" and store.interrupted

    with pytest.raises(ConfigError, match="never overwritten"):
        run_point(stack, LoadSpec(users=2), duration_s=1, warmup_s=0, out_dir=done)
    assert digest == {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in done.rglob("*") if p.is_file()}

    run_point(stack, LoadSpec(users=2), duration_s=1, warmup_s=0, out_dir=store.point_dir("p-half"))
    assert store.point_status("p-half") == "done"
    kept = list((store.points_dir / ".interrupted").iterdir())
    assert len(kept) == 1 and (kept[0] / "requests-123.csv").exists()  # the half-written data is kept aside
