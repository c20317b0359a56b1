"""Outcome classes of a client request, one rule list used both in Python and in SQL.

Order matters: the first matching rule wins. A breaker rejection is recognised from the
client as the breaker's response code with no X-Replica header (Traefik answered itself).
With responseCode 503 a "no available server" 503 looks the same to the client; the
proxy-side count of rejections (OriginStatus 0) is reported beside it as a cross-check.
"""
from __future__ import annotations

OK = "ok"
CLASSES = ["ok", "breaker_rejection", "backend_5xx", "bad_gateway_502", "gateway_timeout_504",
           "proxy_5xx", "validation_4xx", "client_error", "unsent", "other"]
ERROR_CLASSES = CLASSES[1:]
CLASS_LABELS = {"ok": "2xx success", "breaker_rejection": "breaker rejection", "backend_5xx": "backend 5xx",
                "bad_gateway_502": "502 connection error", "gateway_timeout_504": "504 timeout",
                "proxy_5xx": "proxy 5xx (e.g. no available server)", "validation_4xx": "4xx validation",
                "client_error": "client-side error (no response)",
                "unsent": "never sent (open-loop slot the generator missed)", "other": "other status"}


def classify(status: int, replica: str, breaker_code: int | None, error_class: str = "") -> str:
    if status == 0:  # no HTTP response at all: refused, reset, timeout; or never sent (open loop)
        return "unsent" if error_class == "unsent" else "client_error"
    if 200 <= status < 300:
        return "ok"
    if breaker_code is not None and status == breaker_code and not replica:
        return "breaker_rejection"
    if status == 502:
        return "bad_gateway_502"  # Traefik could not connect to (or lost) the replica
    if status == 504:
        return "gateway_timeout_504"
    if 500 <= status < 600:
        return "backend_5xx" if replica else "proxy_5xx"
    if 400 <= status < 500:
        return "validation_4xx"
    return "other"


def classify_sql(status: str = "status", replica: str = "replica", code: str = "breaker_code",
                 error_class: str = "error_class") -> str:
    """The same rules as classify(), as a DuckDB CASE expression (code NULL: no breaker)."""
    return f"""CASE
        WHEN {status} = 0 AND {error_class} = 'unsent' THEN 'unsent'
        WHEN {status} = 0 THEN 'client_error'
        WHEN {status} BETWEEN 200 AND 299 THEN 'ok'
        WHEN {code} IS NOT NULL AND {status} = {code} AND {replica} = '' THEN 'breaker_rejection'
        WHEN {status} = 502 THEN 'bad_gateway_502'
        WHEN {status} = 504 THEN 'gateway_timeout_504'
        WHEN {status} BETWEEN 500 AND 599 THEN CASE WHEN {replica} <> '' THEN 'backend_5xx' ELSE 'proxy_5xx' END
        WHEN {status} BETWEEN 400 AND 499 THEN 'validation_4xx'
        ELSE 'other' END"""
