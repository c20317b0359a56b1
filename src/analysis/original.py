"""The experiment breakerlab grew out of, beside its reproduction (scenario seed-2025-06-27).

Original (Traefik v2.10, 3 replicas, 30 requests from 5 users over 5 s): error rate
95.70% -> 33.33% (the rest were 422 validation errors from the test plan), throughput
2.3/s -> 5.8/s, mean response time 14 ms (baseline) -> 62 ms (with Traefik + breaker).
"""
from __future__ import annotations

import pandas as pd

from .stats import summarise

BEFORE, AFTER = "seed-2025-06-27-baseline", "seed-2025-06-27-traefik"
# metric column -> (label, unit, original before, original after). Measured the way the original's
# Locust run counted them: every request, failures included (a refused connection has a latency too).
ORIGINAL = {
    "error_rate": ("error rate", "%", 0.9570, 0.3333),
    "sent_rps": ("throughput", "req/s", 2.3, 5.8),
    "latency_all_mean_ms": ("mean response time", "ms", 14.0, 62.0),
}
PERCENT = {"error_rate"}


def comparison(points: pd.DataFrame) -> pd.DataFrame | None:
    """One row per metric: the original's before/after and the reproduction's medians with
    95% CIs over repetitions; None when the run has no seed-2025-06-27 points."""
    done = points[points["status"] == "done"]
    before, after = done[done["scenario"] == BEFORE], done[done["scenario"] == AFTER]
    if before.empty and after.empty:
        return None
    rows = []
    for column, (label, unit, orig_before, orig_after) in ORIGINAL.items():
        scale = 100.0 if column in PERCENT else 1.0
        row = {"metric": label, "unit": unit, "original_before": orig_before * scale,
               "original_after": orig_after * scale}
        for side, group in (("before", before), ("after", after)):
            s = summarise((group[column] * scale).tolist())
            row.update({f"reproduction_{side}": s["median"], f"reproduction_{side}_ci_low": s["ci_low"],
                        f"reproduction_{side}_ci_high": s["ci_high"], f"reproduction_{side}_n": s["n"],
                        f"reproduction_{side}_warning": s["warning"]})
        rows.append(row)
    return pd.DataFrame(rows)
