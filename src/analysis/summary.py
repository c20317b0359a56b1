"""summary.csv: one row per point, fixed columns and order, so identical inputs give identical bytes."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from .classify import CLASSES, ERROR_CLASSES
from .metrics import QUANTILES

FIRST = ["run_id", "point_id", "status", "scenario", "target", "breaker_label", "breaker", "threshold",
         "load_mode", "users", "rate", "repetition", "retry", "duration_s", "generator_saturated",
         "reconciliation_agree", "n_requests", "n_responses"]
METRICS = (["offered_rps", "sent_rps", "achieved_rps", "goodput_rps", "error_rate"]
           + [f"rate_{c}" for c in ERROR_CLASSES]
           + [f"n_{c}" for c in CLASSES] + ["proxy_requests", "proxy_breaker_rejections"]
           + [f"latency_{q}_ms" for q in QUANTILES] + ["latency_max_ms", "latency_mean_ms", "latency_all_mean_ms"]
           + [f"latency_intended_{q}_ms" for q in QUANTILES] + ["latency_intended_max_ms",
                                                                 "latency_intended_mean_ms"]
           + ["fault_at_s", "time_to_trip_s", "time_to_recover_s", "trips"])
SIGNIFICANT = 9  # far below any measurement's precision, far above float summation noise


def summary_table(points: pd.DataFrame) -> pd.DataFrame:
    shares = sorted(c for c in points.columns if c.startswith("share_"))
    columns = [c for c in FIRST + METRICS + shares if c in points.columns] + ["error"]
    return points[columns].sort_values(["run_id", "point_id"], ignore_index=True)


def write_summary(points: pd.DataFrame, path: str | Path) -> Path:
    path = Path(path)
    summary_table(points).to_csv(path, index=False, float_format=f"%.{SIGNIFICANT}g", lineterminator="\n")
    return path
