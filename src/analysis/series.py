"""One point over time: per-bin throughput, errors by class and latency (measured window only)."""
from __future__ import annotations

import pandas as pd

from .classify import CLASSES, classify_sql
from .tables import Tables
from .timeline import breaker_periods


def bin_width(duration_s: float) -> float:
    """About 40 bins over the window, on a readable step (0.1 s ... 10 s)."""
    for step in (0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0):
        if duration_s / step <= 40:
            return step
    return 30.0


def point_series(tables: Tables, key: str, bin_s: float | None = None) -> pd.DataFrame:
    """Rows per bin: t_s (bin start, seconds since the window opened), rps, rps per class, p50/p99 ms."""
    point = tables.points.set_index("key").loc[key]
    bin_s = bin_s or bin_width(float(point["duration_s"]))
    counts = ", ".join(f"count(*) FILTER (WHERE cls = '{c}') AS rps_{c}" for c in CLASSES)
    frame = tables.sql(f"""
        WITH r AS (
            SELECT coalesce(q.actual_s, q.intended_s) - p.measure_from AS t,  -- unsent slots: when they were due
                   q.status, q.latency_ms,
                   {classify_sql('q.status', 'q.replica', 'p.breaker_code', 'q.error_class')} AS cls
            FROM requests q JOIN points p USING (key) WHERE q.key = ?)
        SELECT floor(t / {bin_s}) * {bin_s} AS t_s, count(*) AS rps, {counts},
               quantile_cont(latency_ms, 0.5) FILTER (WHERE status > 0) AS p50_ms,
               quantile_cont(latency_ms, 0.99) FILTER (WHERE status > 0) AS p99_ms
        FROM r GROUP BY 1 ORDER BY 1""", [key])
    # Per second of the bin actually inside the window: a short last bin is not a drop in load.
    seconds = (float(point["duration_s"]) - frame["t_s"]).clip(upper=bin_s, lower=1e-9)
    rates = ["rps"] + [f"rps_{c}" for c in CLASSES]
    frame[rates] = frame[rates].div(seconds, axis=0)
    return frame


def point_periods(tables: Tables, key: str) -> list[tuple[float, float, str]]:
    """Tripped/recovering periods, in seconds since the measured window opened, clipped to it."""
    point = tables.points.set_index("key").loc[key]
    start, end = float(point["measure_from"]), float(point["end_at"])
    events = tables.sql("SELECT t_s, to_state FROM breaker_events WHERE key = ? ORDER BY t_s", [key])
    return [(max(a, start) - start, min(b, end) - start, state)
            for a, b, state in breaker_periods(events, end) if b > start and a < end]


def point_faults(tables: Tables, key: str) -> list[tuple[float, str]]:
    """(seconds since the window opened, "set replica-1" / "clear ...") for the fault actions;
    negative times are actions taken during the warm-up."""
    start = float(tables.points.set_index("key").loc[key, "measure_from"])
    return [(e["t_s"] - start, f"{e['action']} {e.get('replica', '')}".strip())
            for e in tables.fault_events.get(key, [])]
