"""The Python and SQL forms of the outcome classification agree, rule by rule."""
import duckdb
import pytest

from analysis.classify import classify, classify_sql

CASES = [  # status, replica, breaker code, error class, class
    (200, "replica-1", 503, "", "ok"), (0, "", 503, "refused", "client_error"), (0, "", 503, "unsent", "unsent"),
    (503, "", 503, "", "breaker_rejection"), (503, "replica-2", 503, "", "backend_5xx"),
    (503, "", None, "", "proxy_5xx"), (502, "", 503, "", "bad_gateway_502"), (504, "", 503, "", "gateway_timeout_504"),
    (500, "replica-1", None, "", "backend_5xx"), (422, "replica-1", 503, "", "validation_4xx"),
    (599, "", 599, "", "breaker_rejection"), (302, "replica-1", None, "", "other"),
]


@pytest.mark.parametrize("status, replica, code, error_class, expected", CASES)
def test_classify(status, replica, code, error_class, expected):
    assert classify(status, replica, code, error_class) == expected


def test_sql_agrees_with_python():
    con = duckdb.connect()
    con.execute("CREATE TABLE t (status SMALLINT, replica VARCHAR, breaker_code INTEGER, error_class VARCHAR)")
    con.executemany("INSERT INTO t VALUES (?, ?, ?, ?)", [c[:4] for c in CASES])
    got = [r[0] for r in con.execute(f"SELECT {classify_sql()} FROM t").fetchall()]
    assert got == [c[4] for c in CASES]
