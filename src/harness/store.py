"""The raw store: data/raw/<run_id>/ with a manifest and one folder per point.

A point is written into `points/.<id>.partial/` and renamed to `points/<id>/` when complete,
so a folder without the dot is always whole and is never written again. A `.partial` left
behind by an interrupted run is moved to `points/.interrupted/` (kept, never deleted).
"""
from __future__ import annotations

import json
import os
import platform
import socket
import subprocess
import sys
import time
import uuid
from importlib.metadata import version
from pathlib import Path

from .errors import ConfigError
from .paths import PROJECT_DIR, RAW_DIR

SCHEMA_VERSION = 1
MANIFEST = "manifest.json"
POINT_META = "point.json"


def utc_now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def write_json(path: Path, data: dict) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True, default=str))
    os.replace(tmp, path)


def read_json(path: Path) -> dict:
    return json.loads(path.read_text())


def new_run_id() -> str:
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + "-" + uuid.uuid4().hex[:6]


def git_sha() -> str | None:
    try:
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=PROJECT_DIR, capture_output=True, text=True, check=True)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=PROJECT_DIR,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return sha.stdout.strip() + ("-dirty" if dirty else "")


def environment(traefik_bin: str | None = None) -> dict:
    traefik = None
    if traefik_bin:
        out = subprocess.run([traefik_bin, "version"], capture_output=True, text=True).stdout
        traefik = next((line.split()[-1] for line in out.splitlines() if line.startswith("Version:")), None)
    return {
        "versions": {"traefik": traefik, "locust": version("locust"), "python": platform.python_version(),
                     "breakerlab": version("breakerlab")},
        "host": {"hostname": socket.gethostname(), "cpu_count": os.cpu_count(), "platform": platform.platform()},
        "git_sha": git_sha(),
        "python_executable": sys.executable,
    }


class RunStore:
    """One run folder. `create` starts a run; `open` resumes one."""

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir
        self.points_dir = run_dir / "points"

    @property
    def run_id(self) -> str:
        return self.run_dir.name

    @classmethod
    def create(cls, params: dict, run_id: str | None = None, root: Path = RAW_DIR,
               traefik_bin: str | None = None) -> "RunStore":
        run_id = run_id or new_run_id()
        store = cls(Path(root) / run_id)
        if (store.run_dir / MANIFEST).exists():
            raise ConfigError(f"run {store.run_dir} exists already; resume it with RunStore.open "
                              f"(the same run_id) or choose another run_id")
        store.points_dir.mkdir(parents=True, exist_ok=True)
        write_json(store.run_dir / MANIFEST, {"schema_version": SCHEMA_VERSION, "run_id": run_id, "params": params,
                                              "started_utc": utc_now(), "ended_utc": None,
                                              **environment(traefik_bin)})
        return store

    @classmethod
    def open(cls, run_id: str, root: Path = RAW_DIR) -> "RunStore":
        store = cls(Path(root) / run_id)
        manifest_path = store.run_dir / MANIFEST
        if not manifest_path.exists():
            raise ConfigError(f"{store.run_dir} is not a breakerlab run (no {MANIFEST}); check the run_id and root")
        found = read_json(manifest_path).get("schema_version")
        if found != SCHEMA_VERSION:
            raise ConfigError(f"{store.run_dir} has schema_version {found}, this breakerlab writes "
                              f"{SCHEMA_VERSION}: use a new run_id")
        return store

    @property
    def manifest(self) -> dict:
        return read_json(self.run_dir / MANIFEST)

    def finish(self) -> None:
        write_json(self.run_dir / MANIFEST, {**self.manifest, "ended_utc": utc_now()})

    # --- points ------------------------------------------------------------------------
    def point_dir(self, point_id: str) -> Path:
        return self.points_dir / point_id

    def point_status(self, point_id: str) -> str:
        """'done', 'failed', 'interrupted' (a partial folder is left) or 'missing'."""
        meta = self.point_dir(point_id) / POINT_META
        if meta.exists():
            return read_json(meta)["status"]
        if partial_dir(self.point_dir(point_id)).exists() or self.point_dir(point_id).exists():
            return "interrupted"  # a folder without point.json was never completed
        return "missing"

    def inspect(self) -> dict[str, list[str]]:
        """Point ids by status, and whether the run ended."""
        found: dict[str, list[str]] = {"done": [], "failed": [], "interrupted": []}
        for path in sorted(self.points_dir.iterdir()) if self.points_dir.exists() else []:
            name = path.name.removeprefix(".").removesuffix(".partial")
            if path.name.endswith(".partial"):
                found["interrupted"].append(name)
            elif not path.name.startswith("."):
                found.setdefault(self.point_status(name), []).append(name)
        return found

    @property
    def interrupted(self) -> bool:
        return self.manifest["ended_utc"] is None or bool(self.inspect()["interrupted"])


def partial_dir(point_dir: Path) -> Path:
    return point_dir.parent / f".{point_dir.name}.partial"


def begin_point(point_dir: Path) -> Path:
    """A fresh partial folder for `point_dir`; refuses to touch a completed point."""
    if (point_dir / POINT_META).exists():
        raise ConfigError(f"point {point_dir} is already recorded and is never overwritten; "
                          "skip it or write the point under a new id")
    if point_dir.exists():  # not ours (no point.json): keep it aside, never delete it
        _move_aside(point_dir, ".interrupted", point_dir.name)
    partial = partial_dir(point_dir)
    if partial.exists():  # left by an interrupted run: keep it aside, start clean
        _move_aside(partial, ".interrupted", point_dir.name)
    partial.mkdir(parents=True)
    return partial


def commit_point(partial: Path, point_dir: Path) -> None:
    os.replace(partial, point_dir)


def retire_point(point_dir: Path) -> None:
    """Move a failed point aside (kept under points/.failed/) so it can be measured again."""
    _move_aside(point_dir, ".failed", point_dir.name)


def _move_aside(path: Path, folder: str, name: str) -> None:
    aside = path.parent / folder / f"{name}-{time.strftime('%Y%m%dT%H%M%S')}"
    aside.parent.mkdir(parents=True, exist_ok=True)
    os.replace(path, aside)
