"""Rebuilding breaker transitions from Traefik's per-rejection log lines."""
from harness.breaker_timeline import breaker_events


def rows(table):
    return [(round(r["t_s"], 3), r["from_state"], r["to_state"]) for r in table.to_pylist()]


def test_trip_recover_and_standby():
    # tripped at 100 (until 101), recovering from 101.2 (until 102.2), no new trip
    lines = [("tripped", 101.0)] * 3 + [("recovering", 102.2)] * 2
    events = breaker_events(lines, [100.5, 101.2, 101.5], fallback_s=1.0, recovery_s=1.0, end_s=110.0)
    assert rows(events) == [(100.0, "standby", "tripped"), (101.2, "tripped", "recovering"),
                            (102.2, "recovering", "standby")]


def test_trip_again_during_recovery():
    lines = [("tripped", 101.0), ("recovering", 102.1), ("tripped", 102.5)]
    events = breaker_events(lines, [], fallback_s=1.0, recovery_s=1.0, end_s=110.0)
    assert rows(events) == [(100.0, "standby", "tripped"), (101.1, "tripped", "recovering"),
                            (101.5, "recovering", "tripped")]  # no request after 102.5: still tripped


def test_recovery_without_rejections_starts_with_the_next_request():
    events = breaker_events([("tripped", 105.0)], [100.0, 106.3, 106.4], fallback_s=5.0, recovery_s=2.0, end_s=120.0)
    assert rows(events) == [(100.0, "standby", "tripped"), (106.3, "tripped", "recovering"),
                            (108.3, "recovering", "standby")]


def test_still_tripped_at_the_end():
    events = breaker_events([("tripped", 105.0)], [100.0], fallback_s=5.0, recovery_s=2.0, end_s=104.0)
    assert rows(events) == [(100.0, "standby", "tripped")]


def test_no_rejections_no_events():
    assert breaker_events([], [1.0, 2.0], 1.0, 1.0, 10.0).num_rows == 0
