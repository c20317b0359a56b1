"""Synthetic run folders in the raw format, for tests with known answers and the benchmark."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from harness.breaker_timeline import EVENT_SCHEMA
from harness.load import RECORD_SCHEMA

REQUEST_SCHEMA = RECORD_SCHEMA.append(pa.field("warmup", pa.bool_()))


def write_manifest(run_dir: Path, traefik: str = "3.7.15", cpu_count: int = 2, hostname: str = "synthetic",
                   params: dict | None = None) -> Path:
    run_dir = Path(run_dir)
    (run_dir / "points").mkdir(parents=True, exist_ok=True)
    manifest = {"schema_version": 1, "run_id": run_dir.name, "params": params or {},
                "started_utc": "2026-01-01T00:00:00Z", "ended_utc": "2026-01-01T00:01:00Z",
                "versions": {"traefik": traefik, "locust": "2.0", "python": "3.11", "breakerlab": "0.1.0"},
                "host": {"hostname": hostname, "cpu_count": cpu_count, "platform": "synthetic"}, "git_sha": None}
    (run_dir / "manifest.json").write_text(json.dumps(manifest))
    return run_dir


def requests_table(rows: dict) -> pa.Table:
    """Columns given in `rows` (lists or arrays); the rest get neutral defaults."""
    n = len(next(iter(rows.values())))
    actual = np.asarray(rows.get("actual_s", np.zeros(n)), dtype=float)
    defaults = {"intended_s": actual, "actual_s": actual, "latency_ms": np.ones(n), "status": np.full(n, 200),
                "error_class": [""] * n, "replica": ["replica-1"] * n, "response_bytes": np.zeros(n, dtype=np.int64),
                "valid": np.ones(n, dtype=bool), "pid": np.ones(n, dtype=np.int32), "warmup": np.zeros(n, dtype=bool)}
    data = {name: rows.get(name, defaults[name]) for name in REQUEST_SCHEMA.names}
    return pa.table({name: pa.array(data[name], type=REQUEST_SCHEMA.field(name).type) for name in REQUEST_SCHEMA.names})


def write_point(run_dir: Path, point_id: str, requests: pa.Table, params: dict | None = None,
                measure_from: float = 0.0, duration_s: float = 1.0, breaker_code: int | None = None,
                breaker_events: list[tuple] | None = None, fault_events: list[dict] | None = None,
                status: str = "done") -> Path:
    point_dir = Path(run_dir) / "points" / point_id
    point_dir.mkdir(parents=True, exist_ok=True)
    mode = (params or {}).get("load_mode", "closed")
    meta = {"schema_version": 1, "point_id": point_id, "status": status,
            "params": {"point_id": point_id, "breaker": None, "breaker_label": "none", "threshold": None,
                       "scenario": "healthy", "target": "proxy", "load_mode": mode, "users": 1, "rate": None,
                       "repetition": 0, "retry": False, **(params or {})},
            "load": {"mode": mode}, "duration_s": duration_s, "warmup_s": 0.0,
            "breaker": {"circuitBreaker": {"responseCode": breaker_code}} if breaker_code else None,
            "timings": {"start_at": measure_from, "measure_from": measure_from, "end_at": measure_from + duration_s,
                        "finished_at": measure_from + duration_s},
            "generator_saturated": False, "reconciliation": {"agree": True}, "fault_events": fault_events or []}
    (point_dir / "point.json").write_text(json.dumps(meta))
    pq.write_table(requests, point_dir / "requests.parquet")
    if breaker_events is not None:
        events = pa.table({n: [e[i] for e in breaker_events] for i, n in enumerate(EVENT_SCHEMA.names)},
                          schema=EVENT_SCHEMA)
        pq.write_table(events, point_dir / "breaker_events.parquet")
    return point_dir


def random_requests(n: int, start: float, duration_s: float, seed: int = 0) -> pa.Table:
    """`n` plausible requests over [start, start + duration): lognormal latencies, a few errors."""
    rng = np.random.default_rng(seed)
    actual = np.sort(rng.uniform(start, start + duration_s, n))
    status = rng.choice(np.array([200, 422, 500, 503, 502, 0], dtype=np.int16), size=n,
                        p=[0.9, 0.04, 0.02, 0.02, 0.01, 0.01])
    replicas = np.array(["replica-1", "replica-2", "replica-3", ""])
    replica = np.where(status == 503, 3, rng.integers(0, 3, n))
    return pa.table({
        "intended_s": actual, "actual_s": actual, "latency_ms": rng.lognormal(1.5, 0.6, n),
        "status": status, "error_class": pa.array(np.where(status == 0, "refused", "")),
        "replica": pa.array(replicas[replica]), "response_bytes": rng.integers(20, 200, n),
        "valid": rng.random(n) > 0.05, "pid": np.full(n, 1234, dtype=np.int32),
        "warmup": actual < start + 0.05 * duration_s}, schema=REQUEST_SCHEMA)
