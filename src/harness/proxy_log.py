"""Traefik's side of a measurement: its JSON access log and its log, read from a byte offset
(so one stack can serve many points) into Arrow tables."""
from __future__ import annotations

import io
import json
from datetime import datetime, timezone
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pajson

ACCESS_FIELDS = pa.schema([
    ("StartUTC", pa.timestamp("ns", tz="UTC")), ("Duration", pa.int64()), ("OriginStatus", pa.int32()),
    ("DownstreamStatus", pa.int32()), ("ServiceAddr", pa.string()), ("ServiceName", pa.string()),
    ("Overhead", pa.int64()), ("RetryAttempts", pa.int32()), ("RequestPath", pa.string()),
])
PROXY_SCHEMA = pa.schema([
    ("start_s", pa.float64()), ("duration_ms", pa.float64()), ("origin_status", pa.int32()),
    ("downstream_status", pa.int32()), ("replica_addr", pa.string()), ("overhead_ms", pa.float64()),
    ("retry_attempts", pa.int32()), ("path", pa.string()), ("breaker_rejection", pa.bool_()),
])


def size(path: Path | None) -> int:
    return path.stat().st_size if path is not None and path.exists() else 0


def read_from(path: Path, offset: int) -> bytes:
    """Complete lines written after `offset` (a line still being written is left out)."""
    with open(path, "rb") as f:
        f.seek(offset)
        data = f.read()
    return data[: data.rfind(b"\n") + 1]


def access_records(path: Path, offset: int, breaker_code: int | None) -> pa.Table:
    """One row per request Traefik answered. A breaker rejection never reached a service:
    origin status 0, the breaker's response code, and no service name."""
    data = read_from(path, offset)
    if not data:
        return PROXY_SCHEMA.empty_table()
    raw = pajson.read_json(io.BytesIO(data), parse_options=pajson.ParseOptions(
        explicit_schema=ACCESS_FIELDS, unexpected_field_behavior="ignore"))
    raw = raw.filter(pc.is_valid(raw["DownstreamStatus"]))  # access lines only
    rejection = pc.and_(pc.and_(pc.equal(raw["OriginStatus"], 0),
                                pc.equal(raw["DownstreamStatus"], breaker_code if breaker_code else -1)),
                        pc.is_null(raw["ServiceName"]))
    ns_to_ms = lambda col: pc.divide(pc.cast(raw[col], pa.float64()), 1e6)  # noqa: E731
    return pa.table({
        "start_s": pc.divide(pc.cast(pc.cast(raw["StartUTC"], pa.int64()), pa.float64(), safe=False), 1e9),
        "duration_ms": ns_to_ms("Duration"),
        "origin_status": raw["OriginStatus"],
        "downstream_status": raw["DownstreamStatus"],
        "replica_addr": pc.fill_null(raw["ServiceAddr"], ""),
        "overhead_ms": ns_to_ms("Overhead"),
        "retry_attempts": pc.fill_null(raw["RetryAttempts"], 0),
        "path": raw["RequestPath"],
        "breaker_rejection": pc.fill_null(rejection, False),
    }, schema=PROXY_SCHEMA).sort_by("start_s")


def breaker_log_lines(path: Path, offset: int) -> list[tuple[str, float]]:
    """(state, until epoch s) of every "CircuitBreaker(state=..., until=...) is in error state" line:
    Traefik logs one per rejected request at WARN (transitions themselves only at DEBUG)."""
    seen = []
    for line in read_from(path, offset).splitlines():
        if b"CircuitBreaker(state=" not in line:
            continue
        message = json.loads(line).get("message", "")
        state = message.split("state=", 1)[1].split(",", 1)[0]
        until = message.split("until=", 1)[1].split(" +", 1)[0]  # "2026-12-03 13:08:47.315346001"
        seen.append((state, _epoch(until)))
    return seen


def _epoch(text: str) -> float:
    whole, _, fraction = text.partition(".")
    moment = datetime.strptime(whole, "%Y-%m-%d %H:%M:%S").replace(tzinfo=timezone.utc)
    return moment.timestamp() + (float(f"0.{fraction}") if fraction else 0.0)
