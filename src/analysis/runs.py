"""Reading run folders: manifest, plan and every point's point.json (small JSON files only;
the parquet tables are scanned by analysis.tables)."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from harness.paths import DATA_DIR, PROJECT_DIR

PARAM_COLUMNS = ["breaker", "breaker_label", "threshold", "scenario", "target", "load_mode", "users", "rate",
                 "repetition", "retry"]


class RunFolderError(ValueError):
    """A folder is not a readable breakerlab run."""


@dataclass
class Run:
    run_dir: Path
    manifest: dict
    plan: list[dict]
    points: list[dict] = field(default_factory=list)  # point.json contents, in point_id order

    @property
    def run_id(self) -> str:
        return self.manifest.get("run_id") or self.run_dir.name


def resolve(path: str | Path) -> Path:
    """A run folder as given, else relative to the project (notebooks run from notebooks/),
    else a bare run id under data/raw/."""
    path = Path(path)
    if path.is_absolute() or path.exists():
        return path.resolve()
    if (PROJECT_DIR / path).exists() or len(path.parts) > 1:
        return (PROJECT_DIR / path).resolve()
    return (DATA_DIR / "raw" / path).resolve()


def read_run(run_dir: str | Path) -> Run:
    run_dir = resolve(run_dir)
    manifest_path = run_dir / "manifest.json"
    if not manifest_path.exists():
        raise RunFolderError(f"{run_dir} is not a breakerlab run: no manifest.json")
    manifest = json.loads(manifest_path.read_text())
    if manifest.get("schema_version") != 1:
        raise RunFolderError(f"{run_dir}: schema_version {manifest.get('schema_version')!r}, this analysis reads 1")
    plan_path = run_dir / "plan.json"
    plan = json.loads(plan_path.read_text())["points"] if plan_path.exists() else []
    points = []
    # Dot-folders are partial or interrupted points: never analysed.
    for meta in sorted((run_dir / "points").glob("[!.]*/point.json")):
        point = json.loads(meta.read_text())
        point["point_dir"] = str(meta.parent)
        points.append(point)
    return Run(run_dir, manifest, plan, points)


def breaker_code(point: dict) -> int | None:
    """The status Traefik answers with while tripped, or None without a breaker."""
    breaker = point.get("breaker") or {}
    cb = breaker.get("circuitBreaker", breaker)
    return int(cb.get("responseCode", 503)) if cb else None


def points_frame(runs: list[Run]) -> pd.DataFrame:
    """One row per recorded point: its parameters, status, window and flags."""
    rows = []
    for run in runs:
        for p in run.points:
            params = p.get("params") or {}
            timings = p.get("timings") or {}
            load = p.get("load") or {}
            mode = params.get("load_mode") or load.get("mode")
            row = {"run_id": run.run_id, "point_id": p.get("point_id") or Path(p["point_dir"]).name,
                   **{c: params.get(c) for c in PARAM_COLUMNS}, "load_mode": mode,
                   "users": params.get("users", load.get("users")), "rate": params.get("rate", load.get("rate")),
                   "status": p.get("status"), "error": p.get("error"),
                   "duration_s": p.get("duration_s"), "warmup_s": p.get("warmup_s"),
                   "measure_from": timings.get("measure_from"), "end_at": timings.get("end_at"),
                   "breaker_code": breaker_code(p),
                   "generator_saturated": bool(p.get("generator_saturated", False)),
                   "reconciliation_agree": (p.get("reconciliation") or {}).get("agree"),
                   "point_dir": p["point_dir"]}
            row["breaker_label"] = row["breaker_label"] or (row["breaker"] or "none")
            row["repetition"] = row["repetition"] if row["repetition"] is not None else 0
            rows.append(row)
    frame = pd.DataFrame(rows, columns=["run_id", "point_id", *PARAM_COLUMNS, "status", "error", "duration_s",
                                        "warmup_s", "measure_from", "end_at", "breaker_code", "generator_saturated",
                                        "reconciliation_agree", "point_dir"])
    frame.insert(0, "key", frame["run_id"] + "/" + frame["point_id"])
    # One x axis for both load modes: users in closed loop, requests/s in open loop.
    frame["load_level"] = frame["users"].where(frame["load_mode"] != "open", frame["rate"]).astype(float)
    return frame.sort_values(["run_id", "point_id"], ignore_index=True)


def fault_events(runs: list[Run]) -> dict[str, list[dict]]:
    """Per point key, the fault actions as applied (epoch seconds), in time order."""
    return {f"{run.run_id}/{p.get('point_id') or Path(p['point_dir']).name}":
            sorted(p.get("fault_events") or [], key=lambda e: e["t_s"]) for run in runs for p in run.points}
