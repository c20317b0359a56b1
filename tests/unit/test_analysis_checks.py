"""The report's warnings name each point that limits trust in the numbers."""
import pandas as pd

from analysis.checks import point_problems


def test_each_kind_of_problem_is_named():
    base = {"status": "done", "error": None, "n_requests": 1000, "generator_saturated": False,
            "reconciliation_agree": True, "breaker_code": 503.0, "proxy_requests": 1000.0,
            "n_breaker_rejection": 100, "proxy_breaker_rejections": 100.0}
    points = pd.DataFrame([
        {**base, "point_id": "fine"},
        {**base, "point_id": "edge", "proxy_breaker_rejections": 95.0},  # within 1%: in flight at the edges
        {**base, "point_id": "failed", "status": "failed", "error": "StackError: boom"},
        {**base, "point_id": "empty", "n_requests": 0, "n_breaker_rejection": 0, "proxy_breaker_rejections": 0.0},
        {**base, "point_id": "saturated", "generator_saturated": True},
        {**base, "point_id": "unreconciled", "reconciliation_agree": False},
        {**base, "point_id": "mismatch", "proxy_breaker_rejections": 50.0},
    ])
    notes = point_problems(points)
    named = sorted(n.split("`")[1] for n in notes)
    assert named == ["empty", "failed", "mismatch", "saturated", "unreconciled"]
