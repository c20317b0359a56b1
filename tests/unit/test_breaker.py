"""The breaker expression grammar and config checks (pure logic)."""
import pytest

from harness.breaker import BreakerConfig, validate_expression
from harness.errors import ConfigError

VALID = [
    "NetworkErrorRatio() > 0.5",
    "NetworkErrorRatio() > 0.3 || ResponseCodeRatio(500, 600, 0, 600) > 0.25",
    "LatencyAtQuantileMS(50.0) > 100",
    "LatencyAtQuantileMS(99.9) >= 250 && NetworkErrorRatio() < 0.9",
    "(NetworkErrorRatio() > 0.3 || LatencyAtQuantileMS(50.0) > 100) && ResponseCodeRatio(500,600,0,600) != 0.0",
    "  NetworkErrorRatio() >= 1e-1  ",
]


@pytest.mark.parametrize("expression", VALID)
def test_valid_expressions_pass(expression):
    assert validate_expression(expression) == expression.strip()


@pytest.mark.parametrize("expression, says, fix", [
    ("A OR B", "'OR' is not an operator", "use '||'"),
    ("NetworkErrorRatio() > 0.3 AND LatencyAtQuantileMS(50.0) > 100", "'AND' is not an operator", "use '&&'"),
    ("NetworkErrorRatio() > 0", "returns a float", "NetworkErrorRatio() > 0.0"),
    ("LatencyAtQuantileMS(50) > 100", "must be a float literal", "LatencyAtQuantileMS(50.0)"),
    ("LatencyAtQuantileMS(50.0) > 100.5", "returns an integer", "LatencyAtQuantileMS(50.0) > 100"),
    ("ErrorRate() > 0.5", "unknown function 'ErrorRate'", "NetworkErrorRatio()"),
    ("", "empty", "NetworkErrorRatio() > 0.3"),
    ("   ", "empty", "NetworkErrorRatio() > 0.3"),
    ("!(NetworkErrorRatio() > 0.5)", "negation", "state the condition directly"),
    ("0.5 < NetworkErrorRatio()", "start with the metric", "NetworkErrorRatio() > 0.5"),
    ("NetworkErrorRatio() = 0.5", "'=' is not a comparison", "'=='"),
    ("NetworkErrorRatio > 0.5", "is a function", "NetworkErrorRatio(...)"),
    ("ResponseCodeRatio(500, 600, 0) > 0.2", "takes 4 arguments", "ResponseCodeRatio(500, 600, 0, 600)"),
    ("(NetworkErrorRatio() > 0.3", "missing ')'", "for example"),
    ("NetworkErrorRatio() > 0.3 ||", "ends too early", "for example"),
    ("NetworkErrorRatio() > 0.3 $", "unexpected character '$'", "for example"),
    ("LatencyAtQuantileMS(50.0) > 09", "leading zero", "write 9"),
    ("LatencyAtQuantileMS(50.0) > 99999999999999999999", "does not fit Go's int64", "for example"),
    ("NetworkErrorRatio() > 1e400", "overflows a float64", "for example"),
    ("NetworkErrorRatio() > \uff10.5", "unexpected character", "for example"),
    ("NetworkErrorRatio() > 0.5\n|| NetworkErrorRatio() < 0.1", "several lines", "one line"),
])
def test_invalid_expressions_say_what_and_how_to_fix(expression, says, fix):
    with pytest.raises(ConfigError) as err:
        validate_expression(expression)
    message = str(err.value)
    assert says in message and fix in message, message


def test_error_points_at_the_bad_token():
    with pytest.raises(ConfigError) as err:
        validate_expression("NetworkErrorRatio() > 0.3 OR NetworkErrorRatio() > 0.1")
    lines = str(err.value).splitlines()
    expression_line, pointer_line = lines[1], lines[2]
    assert expression_line[pointer_line.index("^"):].startswith("OR")


def test_config_normalises_durations_and_renders_traefik_fields():
    config = BreakerConfig("NetworkErrorRatio() > 0.5", check_period="50ms", fallback_duration=2,
                           recovery_duration="1m30s", response_code=599)
    assert config.to_traefik() == {"circuitBreaker": {
        "expression": "NetworkErrorRatio() > 0.5", "checkPeriod": "50ms", "fallbackDuration": "2s",
        "recoveryDuration": "1m30s", "responseCode": 599}}


@pytest.mark.parametrize("seconds, go", [(2, "2s"), (0.25, "250ms"), (1e-5, "0.01ms"), (1.5, "1500ms")])
def test_numbers_become_go_durations_without_exponents(seconds, go):
    assert BreakerConfig("NetworkErrorRatio() > 0.5", fallback_duration=seconds).fallback_duration == go


@pytest.mark.parametrize("field, value, says", [
    ("check_period", "0s", "must be positive"),
    ("fallback_duration", -1, "must be positive"),
    ("fallback_duration", float("inf"), "must be positive and at most"),
    ("fallback_duration", float("nan"), "must be positive and at most"),
    ("recovery_duration", "3000000h", "must be positive and at most"),
    ("recovery_duration", "10 seconds", "is not a Go duration"),
    ("fallback_duration", None, "must be a duration"),
    ("response_code", 99, "between 200 and 599"),
    ("response_code", "503", "between 200 and 599"),
])
def test_bad_fields_are_refused(field, value, says):
    with pytest.raises(ConfigError, match=says):
        BreakerConfig("NetworkErrorRatio() > 0.5", **{field: value})
