"""One measured point: load on a running stack, every raw record stored in the point's folder.

Files of a point (all raw; analysis derives everything from them):
  point.json              params, status (done / failed + error), timings, counts, checks
  requests.parquet        one row per client request (harness.load.RECORD_SCHEMA + warmup)
  proxy.parquet           one row per request in Traefik's access log (+ warmup)
  breaker_events.parquet  breaker transitions (t_s, from_state, to_state)
  resources.parquet       1 Hz CPU% and RSS of Traefik, replicas and generators
  locust/                 Locust's own stats CSV/JSON and log
"""
from __future__ import annotations

import shutil
import time
import traceback
from collections import Counter
from dataclasses import asdict
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .breaker import seconds
from .breaker_timeline import breaker_events
from .errors import ConfigError, StackError
from .load import LoadSpec, LocustRun
from .proxy_log import access_records, breaker_log_lines, size
from .resources import SATURATED_CPU_PERCENT, ResourceSampler, saturated_generators
from .scenarios import FaultScheduler, FaultStep
from .stack import Stack, responds
from .store import POINT_META, SCHEMA_VERSION, begin_point, commit_point, utc_now, write_json

LEAD_S = 3.0  # Locust's start-up (and its workers' fork) happens before the first send
SETTLE_S = 0.3  # Traefik writes an access line after the response: let the last ones land
LATE_MS = 50.0  # open loop: a p99 send lag above this means the generator did not keep the schedule


def run_point(stack: Stack, load: LoadSpec, duration_s: float, warmup_s: float, out_dir: str | Path,
              params: dict | None = None, capture: bool = True, faults: tuple[FaultStep, ...] = (),
              target: str = "proxy") -> dict:
    """Measure `duration_s` after `warmup_s` of the same load; return the point's metadata.

    `faults` are applied on schedule while the load runs; `target="direct"` sends the load to
    replica-1 itself (a no-proxy baseline; there are then no proxy records).

    A failure is recorded in the point (status 'failed') and raised again; an interrupt
    (Ctrl-C) leaves a `.partial` folder that the store recognises as interrupted.
    """
    if duration_s <= 0 or warmup_s < 0:
        raise ConfigError(f"duration_s must be > 0 and warmup_s >= 0, got {duration_s!r} and {warmup_s!r}")
    point_dir = Path(out_dir)
    partial = begin_point(point_dir)
    meta = {"schema_version": SCHEMA_VERSION, "point_id": point_dir.name, "params": params or {},
            "load": asdict(load), "breaker": stack.breaker.to_traefik() if stack.breaker else None,
            "runtime": stack.runtime, "replicas": [r.name for r in stack.replicas],
            "duration_s": duration_s, "warmup_s": warmup_s, "target": target, "started_utc": utc_now()}
    try:
        meta.update(_measure(stack, load, duration_s, warmup_s, partial, capture, faults, target))
        meta["status"] = "done"
    except Exception as exc:
        meta.update(status="failed", error=f"{type(exc).__name__}: {exc}", traceback=traceback.format_exc())
        raise
    finally:
        if "status" in meta:  # done or failed; an interrupt leaves the partial folder as it is
            meta["ended_utc"] = utc_now()
            write_json(partial / POINT_META, meta)
            commit_point(partial, point_dir)
    return meta


def record_failed_point(point_dir: Path, params: dict, error: BaseException) -> None:
    """A point that failed before its load started is recorded too, with its error."""
    partial = begin_point(point_dir)
    write_json(partial / POINT_META, {"schema_version": SCHEMA_VERSION, "point_id": point_dir.name, "params": params,
                                      "status": "failed", "error": f"{type(error).__name__}: {error}",
                                      "traceback": traceback.format_exc(), "ended_utc": utc_now()})
    commit_point(partial, point_dir)


def _measure(stack: Stack, load: LoadSpec, duration_s: float, warmup_s: float, out: Path, capture: bool,
             faults: tuple[FaultStep, ...], target: str) -> dict:
    access_offset, log_offset = size(stack.access_log_path), size(stack.traefik_log_path)
    start_at = time.time() + LEAD_S
    measure_from, end_at = start_at + warmup_s, start_at + warmup_s + duration_s
    url = stack.entry_url if target == "proxy" else stack.replicas[0].url
    with FaultScheduler(stack, faults, start_at) as scheduler:
        locust = LocustRun(url, load, start_at, end_at, out, capture)
        try:
            with ResourceSampler(lambda: {**stack.process_ids(), **locust.pids()}) as sampler:
                locust.wait()
        finally:
            locust.stop()
    time.sleep(SETTLE_S)
    if target == "proxy" and not responds(f"{stack.api_url}/ping"):
        raise StackError(f"Traefik stopped answering during this point; see {stack.traefik_log_path} "
                         "(the point is recorded as failed: its requests did not meet a working proxy)")
    timings = {"start_at": start_at, "measure_from": measure_from, "end_at": end_at, "finished_at": time.time()}
    resources = sampler.table()
    pq.write_table(resources, out / "resources.parquet")
    saturated = saturated_generators(resources, measure_from, end_at)
    result = {"timings": timings, "generator_saturated": bool(saturated), "saturated_processes": saturated,
              "saturation_reasons": [f"{p} above {SATURATED_CPU_PERCENT:.0f}% CPU" for p in saturated],
              "fault_events": scheduler.events}
    proxy = _proxy_side(stack, out, access_offset, log_offset, measure_from, timings["finished_at"], result) \
        if target == "proxy" else None
    result["counts"] = {"proxy_requests": proxy.num_rows if proxy is not None else None}
    if capture:
        requests = _with_warmup(locust.records(), "intended_s", measure_from)
        pq.write_table(requests, out / "requests.parquet")
        result["counts"]["client_requests"] = requests.num_rows
        result["counts"]["measured_client_requests"] = pc.sum(pc.invert(requests["warmup"])).as_py() or 0
        if load.mode == "open":
            result["open_loop"] = schedule_kept(requests, load.rate)
            if result["open_loop"]["missed"]:
                result["generator_saturated"] = True
                result["saturation_reasons"].append("the open-loop schedule was not kept (see open_loop)")
        if proxy is not None:
            result["reconciliation"] = reconcile(requests, proxy)
        shutil.rmtree(locust.records_dir)  # consolidated into requests.parquet, now safely written
    return result


def _proxy_side(stack: Stack, out: Path, access_offset: int, log_offset: int, measure_from: float,
                end_s: float, result: dict) -> pa.Table | None:
    """Traefik's access records and breaker transitions for this point's window of its logs."""
    proxy = None
    if stack.access_log_path is not None:
        code = stack.breaker.response_code if stack.breaker else None
        proxy = _with_warmup(access_records(stack.access_log_path, access_offset, code), "start_s", measure_from)
        pq.write_table(proxy, out / "proxy.parquet")
    if stack.breaker is not None:
        events = breaker_events(breaker_log_lines(stack.traefik_log_path, log_offset),
                                proxy["start_s"].to_pylist() if proxy is not None else [],
                                seconds(stack.breaker.fallback_duration), seconds(stack.breaker.recovery_duration),
                                end_s)
        pq.write_table(events, out / "breaker_events.parquet")
        result["breaker_transitions"] = events.num_rows
    return proxy


def schedule_kept(requests: pa.Table, rate: float) -> dict:
    """How well the generator held an open-loop schedule: slots never sent, lateness of the rest."""
    unsent = pc.sum(pc.equal(requests["error_class"], "unsent")).as_py() or 0
    sent = requests.filter(pc.is_valid(requests["actual_s"]))
    lag_ms = pc.multiply(pc.subtract(sent["actual_s"], sent["intended_s"]), 1000.0)
    p50, p99 = (pc.quantile(lag_ms, q=[0.5, 0.99]).to_pylist() if sent.num_rows else [None, None])
    return {"target_rate": rate, "slots": requests.num_rows, "unsent": unsent,
            "send_lag_p50_ms": p50, "send_lag_p99_ms": p99,
            "missed": bool(unsent) or (p99 is not None and p99 > LATE_MS)}


def _with_warmup(table: pa.Table, time_column: str, measure_from: float) -> pa.Table:
    return table.append_column("warmup", pc.less(table[time_column], measure_from))


def reconcile(requests: pa.Table, proxy: pa.Table) -> dict:
    """Client and proxy counts per status must agree; connection errors never reach the proxy."""
    client = Counter(s for s in requests["status"].to_pylist() if s)
    seen = Counter(proxy["downstream_status"].to_pylist())
    difference = {str(s): client[s] - seen[s] for s in sorted(set(client) | set(seen)) if client[s] != seen[s]}
    return {"client_by_status": {str(k): v for k, v in sorted(client.items())},
            "proxy_by_status": {str(k): v for k, v in sorted(seen.items())},
            "client_without_response": requests.num_rows - sum(client.values()),
            "difference": difference, "agree": not difference}

