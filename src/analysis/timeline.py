"""The breaker against the fault schedule: time-to-trip, time-to-recover, shaded periods.

Time-to-trip: from the first fault set to the first trip at or after it.
Time-to-recover: from the fault's final clear (or restart) to the breaker's last return to
standby, after which it stays closed for the rest of the point; NaN when it never tripped, when
the fault is still set at the end (a flapping fault that ends failing), or when the breaker is
still open or recovering when the point ends (not recovered within the window).
"""
from __future__ import annotations

import math

import pandas as pd

NAN = math.nan


def breaker_timing(fault_events: list[dict], events: pd.DataFrame) -> dict:
    """`events`: one point's transitions (t_s, from_state, to_state) in time order."""
    sets = [e["t_s"] for e in fault_events if e.get("action") == "set"]
    last = fault_events[-1] if fault_events else {}
    trips = [t for t, to in zip(events["t_s"], events["to_state"]) if to == "tripped"]
    result = {"fault_at_s": sets[0] if sets else NAN, "time_to_trip_s": NAN, "time_to_recover_s": NAN,
              "trips": len(trips)}
    if not sets:
        return result
    after = [t for t in trips if t >= sets[0]]
    if after:
        result["time_to_trip_s"] = after[0] - sets[0]
    if after and last.get("action") in ("clear", "restart"):
        result["time_to_recover_s"] = _recovered_after(events, last["t_s"])
    return result


def _recovered_after(events: pd.DataFrame, cleared_at: float) -> float:
    if events.empty or events["to_state"].iloc[-1] != "standby":
        return NAN  # still tripped or recovering at the end of the point
    closed_at = events["t_s"].iloc[-1]
    return max(0.0, closed_at - cleared_at)  # already closed before the clear: nothing left to recover


def breaker_periods(events: pd.DataFrame, end_s: float) -> list[tuple[float, float, str]]:
    """(start, end, state) of every tripped or recovering period; an open one runs to `end_s`."""
    periods, state, since = [], "standby", None
    for t, to in zip(events["t_s"], events["to_state"]):
        if state in ("tripped", "recovering"):
            periods.append((since, t, state))
        state, since = to, t
    if state in ("tripped", "recovering") and since < end_s:
        periods.append((since, end_s, state))
    return periods
