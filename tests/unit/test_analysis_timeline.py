"""Time-to-trip and time-to-recover from a constructed fault schedule and breaker timeline."""
import math

import pandas as pd

from analysis.timeline import breaker_periods, breaker_timing


def events(*rows):
    return pd.DataFrame(rows, columns=["t_s", "from_state", "to_state"])


FAULTS = [{"t_s": 100.0, "replica": "replica-1", "action": "set", "fault": {"error_rate": 1.0}},
          {"t_s": 105.0, "replica": "replica-1", "action": "clear", "fault": None}]


def test_trip_then_recover():
    e = events((100.4, "standby", "tripped"), (101.4, "tripped", "recovering"), (101.6, "recovering", "tripped"),
               (105.6, "tripped", "recovering"), (106.6, "recovering", "standby"))
    timing = breaker_timing(FAULTS, e)
    assert math.isclose(timing["time_to_trip_s"], 0.4) and math.isclose(timing["time_to_recover_s"], 1.6)
    assert timing["trips"] == 2


def test_a_trip_before_the_fault_is_not_the_faults_trip():
    e = events((99.0, "standby", "tripped"), (99.5, "tripped", "recovering"), (99.9, "recovering", "standby"),
               (100.25, "standby", "tripped"), (106.0, "tripped", "recovering"), (107.0, "recovering", "standby"))
    assert math.isclose(breaker_timing(FAULTS, e)["time_to_trip_s"], 0.25)


def test_never_tripped_or_never_closed_is_nan():
    assert math.isnan(breaker_timing(FAULTS, events())["time_to_trip_s"])
    still_open = breaker_timing(FAULTS, events((100.1, "standby", "tripped")))
    assert math.isclose(still_open["time_to_trip_s"], 0.1) and math.isnan(still_open["time_to_recover_s"])
    assert math.isnan(breaker_timing([], events((100.1, "standby", "tripped")))["time_to_trip_s"])


def test_periods_are_closed_at_the_end_of_the_point():
    e = events((1.0, "standby", "tripped"), (2.0, "tripped", "recovering"), (3.0, "recovering", "standby"),
               (4.0, "standby", "tripped"))
    assert breaker_periods(e, 5.0) == [(1.0, 2.0, "tripped"), (2.0, 3.0, "recovering"), (4.0, 5.0, "tripped")]


def test_recovery_counts_from_the_final_clear_of_a_flapping_fault():
    flapping = [{"t_s": 100.0, "action": "set"}, {"t_s": 102.0, "action": "clear"},
                {"t_s": 104.0, "action": "set"}, {"t_s": 106.0, "action": "clear"}]
    e = events((100.2, "standby", "tripped"), (101.2, "tripped", "recovering"), (102.2, "recovering", "standby"),
               (104.3, "standby", "tripped"), (106.5, "tripped", "recovering"), (107.5, "recovering", "standby"))
    assert math.isclose(breaker_timing(flapping, e)["time_to_recover_s"], 1.5)
    still_failing = flapping + [{"t_s": 108.0, "action": "set"}]
    assert math.isnan(breaker_timing(still_failing, e)["time_to_recover_s"])
