import pytest

from harness.errors import ConfigError
from harness.faults import Fault


def test_of_accepts_dicts_and_none():
    assert Fault.of(None).healthy
    assert Fault.of({"error_rate": 0.5}) == Fault(error_rate=0.5)


@pytest.mark.parametrize("value, says", [
    ({"error_rate": 1.5}, "between 0 and 1"),
    ({"error_status": 200}, "4xx or 5xx"),
    ({"latency_ms": -5}, ">= 0"),
    ({"scope": "everything"}, "scope must be one of"),
    ({"eror_rate": 0.5}, "unknown fault field"),
    ("slow", "must be a Fault, a dict or None"),
    ({"error_rate": "0.5"}, "error_rate must be a finite number"),
    ({"latency_ms": float("inf")}, "latency_ms must be a finite number"),
    ({"error_status": 500.5}, "error_status must be an integer"),
    ({"hang": "maybe"}, "hang must be True or False"),
    ({"error_rate": True}, "error_rate must be a finite number"),
])
def test_bad_faults_are_refused(value, says):
    with pytest.raises(ConfigError, match=says):
        Fault.of(value)
