"""Tidy tables over one or more runs, scanned from parquet by DuckDB (never all in pandas).

Views (one row per raw row, with `key` = "<run_id>/<point_id>"):
  requests, proxy        measured rows only (warm-up excluded); *_all keep the warm-up
  breaker_events, resources
  points                 one row per point (analysis.runs.points_frame)
"""
from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from harness.breaker_timeline import EVENT_SCHEMA
from harness.load import RECORD_SCHEMA
from harness.proxy_log import PROXY_SCHEMA
from harness.resources import SCHEMA as RESOURCE_SCHEMA

from .pool import check_poolable
from .runs import Run, fault_events, points_frame, read_run

FILES = {"requests_all": ("requests.parquet", RECORD_SCHEMA.append(pa.field("warmup", pa.bool_()))),
         "proxy_all": ("proxy.parquet", PROXY_SCHEMA.append(pa.field("warmup", pa.bool_()))),
         "breaker_events": ("breaker_events.parquet", EVENT_SCHEMA),
         "resources": ("resources.parquet", RESOURCE_SCHEMA)}
MEMORY_LIMIT = "3GB"  # DuckDB spills to disk beyond this: the whole analysis stays within 4 GB


class Tables:
    """Opened runs (pooled only when their environments match) and a DuckDB connection."""

    def __init__(self, run_dirs: list[str | Path] | str | Path, memory_limit: str = MEMORY_LIMIT) -> None:
        if isinstance(run_dirs, (str, Path)):
            run_dirs = [run_dirs]
        self.runs: list[Run] = [read_run(d) for d in run_dirs]
        self.environment = check_poolable(self.runs)
        self.points = points_frame(self.runs)
        self.fault_events = fault_events(self.runs)
        threads = max(1, min(4, os.cpu_count() or 1))
        self.con = duckdb.connect(config={"memory_limit": memory_limit, "threads": threads})
        self._quiet()
        self.con.register("points", self.points.drop(columns=["point_dir"]))
        for view, (name, schema) in FILES.items():
            self._register(view, name, schema)
        self.con.execute("CREATE VIEW requests AS SELECT * FROM requests_all WHERE NOT warmup")
        self.con.execute("CREATE VIEW proxy AS SELECT * FROM proxy_all WHERE NOT warmup")

    def _quiet(self) -> None:
        """No progress bar: on a terminal it prints into captured output; under Jupyter DuckDB
        insists on ipywidgets even to switch it off, so try both ways."""
        for statement in ("SET enable_progress_bar = false", "PRAGMA disable_progress_bar"):
            try:
                self.con.execute(statement)
                return
            except duckdb.Error:
                continue

    def _register(self, view: str, file_name: str, schema: pa.Schema) -> None:
        """A view over every point's `file_name`, keyed by point; empty (same schema) if none exist."""
        found = [(key, Path(d) / file_name) for key, d in zip(self.points["key"], self.points["point_dir"])
                 if (Path(d) / file_name).exists()]
        if not found:
            empty = schema.empty_table().append_column("key", pa.array([], pa.string()))
            self.con.register(f"_{view}_empty", empty)
            self.con.execute(f"CREATE VIEW {view} AS SELECT * FROM _{view}_empty")
            return
        files = pd.DataFrame({"key": [k for k, _ in found], "filename": [str(p) for _, p in found]})
        self.con.register(f"_{view}_files", files)
        paths = ", ".join("'" + str(p).replace("'", "''") + "'" for _, p in found)
        # The file -> point map is tiny: joining on the file name costs far less than the scan.
        self.con.execute(f"""CREATE VIEW {view} AS
            SELECT f.key, t.* EXCLUDE (filename)
            FROM read_parquet([{paths}], filename = true, union_by_name = true) t
            JOIN _{view}_files f USING (filename)""")

    def sql(self, query: str, params: list | None = None) -> pd.DataFrame:
        return self.con.execute(query, params or []).df()

    @property
    def manifests(self) -> list[dict]:
        return [run.manifest for run in self.runs]

    def close(self) -> None:
        self.con.close()
