"""Reconciliation, saturation and run-store bookkeeping (pure logic on constructed tables)."""
import pyarrow as pa
import pytest

from harness.errors import ConfigError
from harness.point import reconcile
from harness.resources import SCHEMA, saturated_generators
from harness.store import RunStore, begin_point, commit_point, write_json


def test_reconcile_reports_differences_and_client_side_errors():
    requests = pa.table({"status": pa.array([200, 200, 503, 0], pa.int16())})
    proxy = pa.table({"downstream_status": pa.array([200, 200, 503, 503], pa.int32())})
    result = reconcile(requests, proxy)
    assert result["difference"] == {"503": -1} and not result["agree"]
    assert result["client_without_response"] == 1


def test_saturation_uses_the_mean_over_the_measured_window_only():
    rows = [(t, "locust-worker-1", 1, cpu, 0) for t, cpu in [(0.5, 100.0), (1.5, 95.0), (2.5, 92.0)]]
    rows += [(t, "locust-worker-2", 2, 40.0, 0) for t in (1.5, 2.5)] + [(1.5, "traefik", 3, 150.0, 0)]
    table = pa.Table.from_pylist([dict(zip(SCHEMA.names, r)) for r in rows], schema=SCHEMA)
    assert saturated_generators(table, 1.0, 3.0) == ["locust-worker-1"]
    assert saturated_generators(table, 2.0, 3.0) == ["locust-worker-1"]
    assert saturated_generators(table, 5.0, 6.0) == []


def test_store_refuses_an_existing_run_and_a_foreign_folder(tmp_path):
    RunStore.create({}, run_id="a", root=tmp_path)
    with pytest.raises(ConfigError, match="exists already"):
        RunStore.create({}, run_id="a", root=tmp_path)
    (tmp_path / "b").mkdir()
    with pytest.raises(ConfigError, match="not a breakerlab run"):
        RunStore.open("b", root=tmp_path)


def test_manifest_records_the_environment(tmp_path):
    manifest = RunStore.create({"x": 1}, run_id="a", root=tmp_path).manifest
    assert manifest["schema_version"] == 1 and manifest["params"] == {"x": 1} and manifest["ended_utc"] is None
    assert manifest["host"]["cpu_count"] >= 1 and manifest["versions"]["locust"]


def test_failed_points_are_listed(tmp_path):
    store = RunStore.create({}, run_id="a", root=tmp_path)
    partial = begin_point(store.point_dir("p1"))
    write_json(partial / "point.json", {"status": "failed", "error": "boom"})
    commit_point(partial, store.point_dir("p1"))
    assert store.inspect() == {"done": [], "failed": ["p1"], "interrupted": []}
    assert store.interrupted  # never finished
    store.finish()
    assert not store.interrupted
