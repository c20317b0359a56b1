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


ORIGINAL_USERS = 5


def seed_points(points: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """The reproduction's before and after points, comparable with each other and with the
    original: one load level (the one nearest the original's 5 users) and one breaker setting
    (the first, if the sweep had several); the note says what was chosen."""
    done = points[points["status"] == "done"]
    before, after = done[done["scenario"] == BEFORE], done[done["scenario"] == AFTER]
    notes = []
    levels = sorted(set(before["load_level"]) & set(after["load_level"])) or \
        sorted(set(before["load_level"]) | set(after["load_level"]))
    if len(levels) > 1:
        level = min(levels, key=lambda v: (abs(v - ORIGINAL_USERS), v))
        notes.append(f"load level {level:g} of {', '.join(f'{v:g}' for v in levels)} (nearest the original's 5 users)")
        before, after = before[before["load_level"] == level], after[after["load_level"] == level]
    guarded = after[after["breaker_code"].notna()]
    labels = sorted(guarded["breaker_label"].unique())
    if len(labels) > 1:
        notes.append(f"breaker {labels[0]!r} of {len(labels)} settings")
        after = guarded[guarded["breaker_label"] == labels[0]]
    elif labels:
        after = guarded
    return before, after, "; ".join(notes)


def comparison(points: pd.DataFrame) -> pd.DataFrame | None:
    """One row per metric: the original's before/after and the reproduction's medians with
    95% CIs over repetitions; None when the run has no seed-2025-06-27 points. The chosen load
    level and breaker, when there was a choice, are in the frame's attrs["note"]."""
    before, after, note = seed_points(points)
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
    table = pd.DataFrame(rows)
    table.attrs["note"] = note
    return table
