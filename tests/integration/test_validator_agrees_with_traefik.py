"""Our expression validator accepts exactly what the real Traefik accepts."""
import pytest

from harness import BreakerConfig, ConfigError, LocalStack, StackError, validate_expression

pytestmark = pytest.mark.integration

EXPRESSIONS = [
    "NetworkErrorRatio() > 0.5",
    "NetworkErrorRatio() > 0.3 || ResponseCodeRatio(500, 600, 0, 600) > 0.25",
    "LatencyAtQuantileMS(50.0) > 100",
    "(NetworkErrorRatio() > 0.3 || LatencyAtQuantileMS(99.9) >= 250) && ResponseCodeRatio(500, 600, 0, 600) != 0.0",
    "A OR B",
    "NetworkErrorRatio() > 0",
    "LatencyAtQuantileMS(50) > 100",
    "LatencyAtQuantileMS(50.0) > 100.5",
    "ErrorRate() > 0.5",
    "0.5 < NetworkErrorRatio()",
    "!(NetworkErrorRatio() > 0.5)",
    "NetworkErrorRatio() > 0.3 AND NetworkErrorRatio() < 0.9",
    "ResponseCodeRatio(500, 600, 0) > 0.2",
    "LatencyAtQuantileMS(50.0) > 09",
    "LatencyAtQuantileMS(50.0) > 99999999999999999999",
    "NetworkErrorRatio() > 1e400",
    "NetworkErrorRatio() > 0.5\n|| NetworkErrorRatio() < 0.1",
    "NetworkErrorRatio() > 1e-1",
]


def traefik_accepts(stack: LocalStack, expression: str) -> tuple[bool, str]:
    try:
        stack.apply_breaker(BreakerConfig.unchecked(expression))
    except StackError as exc:
        return False, str(exc)
    return True, ""


def we_accept(expression: str) -> bool:
    try:
        validate_expression(expression)
    except ConfigError:
        return False
    return True


def test_validator_and_traefik_agree(tmp_path, no_orphans):
    with LocalStack(replicas=1, run_dir=tmp_path) as stack:
        verdicts = {e: traefik_accepts(stack, e) for e in EXPRESSIONS}
    disagreements = {e: v for e, v in verdicts.items() if v[0] != we_accept(e)}
    assert not disagreements, disagreements
    rejected = [v[1] for v in verdicts.values() if not v[0]]
    assert rejected and all("Traefik disabled the router" in text for text in rejected)
