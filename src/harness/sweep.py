"""The sweep: breaker settings x fault scenarios x load levels x repetitions.

The grid is expanded into a plan and saved in the run folder before any load starts;
the stack starts once; each point gets a clean breaker (a reload resets it), healthy
replicas, then its scenario and load. A failed point is recorded and the sweep goes on;
Ctrl-C stops cleanly, keeping every completed point; the same run_id resumes.
"""
from __future__ import annotations

import logging
import os
import random
import time
from typing import TYPE_CHECKING

import tqdm
import tqdm.auto

from .breaker import BreakerConfig
from .errors import ConfigError, StackError
from .local_runtime import find_traefik
from .load import LoadSpec
from .point import record_failed_point, run_point
from .runtimes import make_stack
from .stack import responds
from .scenarios import scenario
from .store import RunStore, read_json, retire_point, write_json
from .sweep_params import SweepParams

if TYPE_CHECKING:
    import pandas as pd

PLAN = "plan.json"
log = logging.getLogger("breakerlab.sweep")


def expand(params: SweepParams) -> list[dict]:
    """Every point's parameters, in the order they will run."""
    total_s = params.warmup_s + params.duration_s
    points, direct_done = [], set()
    for b, (label, config, threshold) in enumerate(params.breaker_configs()):
        for entry in params.scenario_entries():
            chosen = scenario(entry, total_s, params.replicas)
            if chosen.target == "direct":  # no proxy, so no breaker: measure it once
                if chosen.name in direct_done:
                    continue
                direct_done.add(chosen.name)
            for load in params.load_specs():
                level = f"u{load.users}" if load.mode == "closed" else f"r{load.rate:g}"
                for rep in range(params.repetitions):
                    direct = chosen.target == "direct"
                    points.append({
                        "point_id": f"{'direct' if direct else f'b{b}'}-{chosen.name}-{level}-rep{rep}",
                        "breaker": None if direct or config is None else config.expression,
                        "breaker_label": "none (direct)" if direct else label,
                        "threshold": None if direct else threshold,
                        "scenario": chosen.name, "scenario_entry": entry, "target": chosen.target,
                        "load_mode": load.mode, "users": load.users, "rate": load.rate,
                        "repetition": rep, "retry": params.retry_attempts > 0,
                    })
    if params.randomize:
        random.Random(params.seed).shuffle(points)
    return points


def existing_plan(params: SweepParams) -> list[dict] | None:
    """The saved plan of the run `params.run_id` if it exists (None for a new run); refuses other parameters."""
    root = params.output_dir()
    if not params.run_id or not (root / params.run_id / "manifest.json").exists():
        return None
    store = RunStore.open(params.run_id, root)
    if not (store.run_dir / PLAN).exists():
        raise ConfigError(f"run {store.run_dir} has no {PLAN}: it is not a sweep's run; choose another run_id")
    saved = read_json(store.run_dir / PLAN)
    changed = {k: (saved["params"].get(k), v) for k, v in _planned(params).items() if saved["params"].get(k) != v}
    if changed:
        listing = "; ".join(f"{k}: planned {a!r}, given {b!r}" for k, (a, b) in changed.items())
        raise ConfigError(f"run {params.run_id} was planned with other parameters ({listing}). "
                          "Resume with the same parameters, or start a new run (run_id=None).")
    return saved["points"]


def _planned(params: SweepParams) -> dict:
    return {k: v for k, v in params.to_dict().items() if k != "run_id"}


def open_or_create(params: SweepParams) -> tuple[RunStore, list[dict]]:
    """A new run with its plan saved, or the existing run with the same id and parameters."""
    plan = existing_plan(params)
    if plan is not None:
        return RunStore.open(params.run_id, params.output_dir()), plan
    plan = expand(params)
    traefik_bin = find_traefik() if params.runtime == "local" else None
    store = RunStore.create(_planned(params), run_id=params.run_id, root=params.output_dir(), traefik_bin=traefik_bin)
    write_json(store.run_dir / PLAN, {"params": _planned(params), "points": plan})
    return store, plan


def progress_bar(**options):
    """A widget in JupyterLab; text where the output is a log (papermill run by sweep_cli sets
    BREAKERLAB_PROGRESS=text), so the bar can be followed in a terminal."""
    text = os.environ.get("BREAKERLAB_PROGRESS") == "text"
    return (tqdm.tqdm if text else tqdm.auto.tqdm)(**options)


def run_sweep(values: SweepParams | dict, progress: bool = True) -> RunStore:
    params = SweepParams.of(values)
    store, plan = open_or_create(params)
    remaining = [p for p in plan if store.point_status(p["point_id"]) != "done"]
    print(f"run {store.run_id}: {len(plan)} points planned, {len(remaining)} to measure -> {store.run_dir}")
    if remaining:
        stack = make_stack(params.runtime, replicas=params.replicas, retry_attempts=params.retry_attempts,
                           run_dir=store.run_dir / "stack" / time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()),
                           seed=params.seed)
        try:
            with stack, progress_bar(total=len(plan), initial=len(plan) - len(remaining), unit="point",
                                     disable=not progress) as bar:
                for point in remaining:
                    bar.set_postfix_str(point["point_id"])
                    run_planned_point(stack, store, params, point)
                    bar.update()
        except (KeyboardInterrupt, StackError):
            done = len(store.inspect()["done"])
            print(f"\nstopped: {done} of {len(plan)} points are recorded in {store.run_dir}; "
                  f"run again with run_id={store.run_id!r} to measure the rest")
            raise
    status = store.inspect()
    if len(status["done"]) == len(plan):
        store.finish()
    if status["failed"]:
        print(f"{len(status['failed'])} point(s) failed (their errors are in point.json): {status['failed']}")
    return store


def run_planned_point(stack, store: RunStore, params: SweepParams, point: dict) -> None:
    point_dir = store.point_dir(point["point_id"])
    if store.point_status(point["point_id"]) == "failed":
        retire_point(point_dir)  # kept under points/.failed/, measured again
    try:
        breaker = None if point["breaker"] is None else BreakerConfig(
            point["breaker"], params.check_period, params.fallback_duration, params.recovery_duration,
            params.response_code)
        chosen = scenario(point["scenario_entry"], params.warmup_s + params.duration_s, params.replicas)
        load = LoadSpec(point["load_mode"], point["users"], point["rate"], params.think_time_s,
                        params.invalid_share, params.generator_processes, params.seed + point["repetition"])
        stack.ensure_replicas_running()
        stack.clear_faults()
        stack.wait_for_servers(up=len(stack.replicas))
        stack.apply_breaker(breaker)  # after the faults are gone: a fresh breaker window for this point
    except Exception as exc:  # noqa: BLE001 - one bad point must not stop the sweep
        log.warning("point %s could not start: %s", point["point_id"], exc)
        record_failed_point(point_dir, point, exc)
        _stop_if_proxy_gone(stack)
        return
    try:
        run_point(stack, load, params.duration_s, params.warmup_s, point_dir, params=point,
                  faults=chosen.steps, target=chosen.target)
    except Exception as exc:  # noqa: BLE001 - run_point has recorded it
        log.warning("point %s failed: %s", point["point_id"], exc)
        _stop_if_proxy_gone(stack)


def _stop_if_proxy_gone(stack) -> None:
    """One failed point is recorded and the sweep goes on, unless Traefik itself is gone."""
    if not responds(f"{stack.api_url}/ping"):
        raise StackError("Traefik no longer answers, so the sweep stops here; its log is in the run's "
                         "stack/ folder. Run again with the same run_id to measure the remaining points.")


def plan_status(store: RunStore) -> "pd.DataFrame":
    """One row per planned point: its settings, status and raw counts (the report analyses them)."""
    import pandas as pd

    rows = []
    for point in read_json(store.run_dir / PLAN)["points"]:
        meta_path = store.point_dir(point["point_id"]) / "point.json"
        meta = read_json(meta_path) if meta_path.exists() else {}
        counts = meta.get("counts", {})
        rows.append({"point_id": point["point_id"], "scenario": point["scenario"], "breaker": point["breaker_label"],
                     "users": point["users"], "rate": point["rate"], "repetition": point["repetition"],
                     "status": store.point_status(point["point_id"]),
                     "client_requests": counts.get("client_requests"), "proxy_requests": counts.get("proxy_requests"),
                     "generator_saturated": meta.get("generator_saturated"), "error": meta.get("error")})
    return pd.DataFrame(rows).set_index("point_id")
