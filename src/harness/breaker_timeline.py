"""The breaker's state over time, rebuilt from what Traefik logs at WARN.

Traefik has no API for breaker state and logs transitions only at DEBUG (a line per
request: too costly). Every rejected request, though, logs the state and its `until`:
tripped until T means it tripped at T - fallbackDuration; recovering until V means
recovery began at V - recoveryDuration. Recovery begins with the first request after T,
so a recovery with no rejection is dated by the first proxy request after T.
"""
from __future__ import annotations

import bisect

import pyarrow as pa

EVENT_SCHEMA = pa.schema([("t_s", pa.float64()), ("from_state", pa.string()), ("to_state", pa.string())])


def breaker_events(log_lines: list[tuple[str, float]], request_starts: list[float],
                   fallback_s: float, recovery_s: float, end_s: float) -> pa.Table:
    """Transitions (t, from, to) up to `end_s`. `request_starts`: sorted proxy request start times."""
    trips = sorted({round(until - fallback_s, 6) for state, until in log_lines if state == "tripped"})
    recoveries = sorted({round(until - recovery_s, 6) for state, until in log_lines if state == "recovering"})
    events, state = [], "standby"
    for i, trip in enumerate(trips):
        events.append((trip, state, "tripped"))
        next_trip = trips[i + 1] if i + 1 < len(trips) else float("inf")
        fallback_end = trip + fallback_s
        recovery = next((r for r in recoveries if fallback_end - 1e-3 <= r < next_trip), None)
        if recovery is None:  # nothing rejected while recovering: recovery began with the next request
            k = bisect.bisect_left(request_starts, fallback_end)
            recovery = request_starts[k] if k < len(request_starts) and request_starts[k] < next_trip else None
        if recovery is None or recovery > end_s:
            state = "tripped"
            continue
        events.append((recovery, "tripped", "recovering"))
        state = "recovering"
        if recovery + recovery_s <= min(next_trip, end_s):
            events.append((recovery + recovery_s, "recovering", "standby"))
            state = "standby"
    return pa.Table.from_pylist([dict(zip(EVENT_SCHEMA.names, e)) for e in events], schema=EVENT_SCHEMA)
