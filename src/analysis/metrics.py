"""Per-point metrics from raw records: throughput, goodput, error classes, latency, replica
share, breaker timing and flags. Every number comes from measured rows (warm-up excluded)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from .classify import CLASSES, ERROR_CLASSES, classify_sql
from .tables import Tables
from .timeline import breaker_timing

QUANTILES = {"p50": 0.5, "p90": 0.9, "p99": 0.99, "p99_9": 0.999}


def _latency_columns(expr: str, prefix: str, where: str) -> str:
    # quantile_cont interpolates linearly between order statistics (numpy's default): exact, not binned.
    qs = ", ".join(str(q) for q in QUANTILES.values())
    return (f"quantile_cont({expr}, [{qs}]) FILTER (WHERE {where}) AS {prefix}_q, "
            f"max({expr}) FILTER (WHERE {where}) AS {prefix}_max_ms, "
            # fsum (compensated) keeps the mean identical whatever the thread split: deterministic output.
            f"fsum({expr}) FILTER (WHERE {where}) / nullif(count(*) FILTER (WHERE {where}), 0) AS {prefix}_mean_ms")


def request_metrics(tables: Tables) -> pd.DataFrame:
    """Counts per class and latency percentiles per point, in one scan of the requests."""
    counts = ", ".join(f"count(*) FILTER (WHERE cls = '{c}') AS n_{c}" for c in CLASSES)
    intended = "latency_ms + (actual_s - intended_s) * 1000"
    frame = tables.sql(f"""
        WITH r AS (
            SELECT q.key, q.status, q.latency_ms, q.actual_s, q.intended_s, p.load_mode,
                   {classify_sql('q.status', 'q.replica', 'p.breaker_code', 'q.error_class')} AS cls
            FROM requests q JOIN points p USING (key))
        SELECT key, count(*) AS n_requests, count(*) FILTER (WHERE status > 0) AS n_responses, {counts},
               {_latency_columns('latency_ms', 'latency', 'status > 0')},
               fsum(latency_ms) / nullif(count(latency_ms), 0) AS latency_all_mean_ms,
               {_latency_columns(intended, 'latency_intended', "status > 0 AND load_mode = 'open'")}
        FROM r GROUP BY key ORDER BY key""")
    for prefix in ("latency", "latency_intended"):
        values = frame.pop(f"{prefix}_q")
        for i, name in enumerate(QUANTILES):
            frame[f"{prefix}_{name}_ms"] = [v[i] if isinstance(v, (list, np.ndarray)) else np.nan for v in values]
    return frame


def replica_shares(tables: Tables) -> pd.DataFrame:
    """Per point, the share of replica-answered requests each replica served (0..1), wide."""
    long = tables.sql("""SELECT key, replica, count(*) AS n FROM requests WHERE replica <> ''
                         GROUP BY key, replica ORDER BY key, replica""")
    if long.empty:
        return pd.DataFrame({"key": pd.Series(dtype=str)})
    long["share"] = long["n"] / long.groupby("key")["n"].transform("sum")
    wide = long.pivot(index="key", columns="replica", values="share").fillna(0.0)
    wide.columns = [f"share_{c}" for c in wide.columns]
    return wide.reset_index()


def proxy_metrics(tables: Tables) -> pd.DataFrame:
    """What Traefik itself logged: requests and breaker rejections (OriginStatus 0)."""
    return tables.sql("""SELECT key, count(*) AS proxy_requests,
                                count(*) FILTER (WHERE breaker_rejection) AS proxy_breaker_rejections
                         FROM proxy GROUP BY key ORDER BY key""")


def timing_metrics(tables: Tables) -> pd.DataFrame:
    events = tables.sql("SELECT key, t_s, from_state, to_state FROM breaker_events ORDER BY key, t_s")
    by_key = {k: g for k, g in events.groupby("key")}
    rows = []
    for key in tables.points["key"]:
        rows.append({"key": key, **breaker_timing(tables.fault_events.get(key, []),
                                                  by_key.get(key, events.iloc[0:0]))})
    return pd.DataFrame(rows, columns=["key", "fault_at_s", "time_to_trip_s", "time_to_recover_s", "trips"])


def point_metrics(tables: Tables) -> pd.DataFrame:
    """One row per point: parameters, flags and every metric (NaN where it does not apply)."""
    frame = tables.points.drop(columns=["point_dir"])
    for part in (request_metrics(tables), proxy_metrics(tables), replica_shares(tables), timing_metrics(tables)):
        frame = frame.merge(part, on="key", how="left")
    # A completed point with no measured request (every request still in flight from the warm-up)
    # has counts of zero, not missing ones; its rates and latencies stay NaN.
    counts = ["n_requests", "n_responses", *(f"n_{c}" for c in CLASSES)]
    frame.loc[frame["status"] == "done", counts] = frame.loc[frame["status"] == "done", counts].fillna(0)
    seconds = frame["duration_s"].astype(float)
    # Offered: the schedule's rate in open loop; in closed loop what the users sent (it equals the
    # achieved rate plus requests that got no response: a closed loop cannot offer more).
    frame["fault_at_s"] = frame["fault_at_s"] - frame["measure_from"]  # into the measured window: readable
    # every request sent, failed or not (Locust's "requests/s"); open-loop slots never sent are not
    frame["sent_rps"] = (frame["n_requests"] - frame["n_unsent"]) / seconds
    frame["offered_rps"] = np.where(frame["load_mode"] == "open", frame["rate"], frame["sent_rps"])
    frame["achieved_rps"] = frame["n_responses"] / seconds
    frame["goodput_rps"] = frame["n_ok"] / seconds
    total = frame["n_requests"].where(frame["n_requests"] > 0)
    frame["error_rate"] = 1 - frame["n_ok"] / total
    for c in ERROR_CLASSES:
        frame[f"rate_{c}"] = frame[f"n_{c}"] / total
    return frame.sort_values(["run_id", "point_id"], ignore_index=True)
