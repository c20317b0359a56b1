"""Publish a run's report: execute notebooks/02_report.ipynb with papermill into
data/reports/<run_id>/, export report.html without code, keep figures (PNG, SVG) and summary.csv.

    .venv/bin/python -m analysis.publish data/raw/<run_id> [more run folders or run ids] [--out DIR]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat
import papermill
from nbconvert import HTMLExporter

from harness.paths import DATA_DIR, PROJECT_DIR

from .metrics import point_metrics
from .pool import PoolError
from .runs import RunFolderError, resolve
from .summary import write_summary
from .tables import Tables

NOTEBOOK = PROJECT_DIR / "notebooks" / "02_report.ipynb"


def report_dir_for(run_dirs: list[Path]) -> Path:
    return DATA_DIR / "reports" / "+".join(d.name for d in run_dirs)


def publish(run_dirs: list[str | Path] | str | Path, out_dir: str | Path | None = None) -> Path:
    """Write report.ipynb (executed), report.html, figures and summary.csv; return the report folder."""
    if isinstance(run_dirs, (str, Path)):
        run_dirs = [run_dirs]
    runs = [resolve(d) for d in run_dirs]
    out = Path(out_dir).resolve() if out_dir else report_dir_for(runs)
    tables = Tables(runs)  # fails here, before anything is written, on a bad folder or a mismatched pool
    out.mkdir(parents=True, exist_ok=True)
    try:
        write_summary(point_metrics(tables), out / "summary.csv")
    finally:
        tables.close()
    executed = out / "report.ipynb"
    papermill.execute_notebook(str(NOTEBOOK), str(executed), cwd=str(NOTEBOOK.parent), progress_bar=False,
                               parameters={"run_dirs": [str(d) for d in runs], "output_dir": str(out)})
    html, _ = HTMLExporter(exclude_input=True, exclude_input_prompt=True,
                           exclude_output_prompt=True).from_notebook_node(nbformat.read(executed, as_version=4))
    (out / "report.html").write_text(html, encoding="utf-8")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run_dirs", nargs="+", help="run folder(s), e.g. data/raw/<run_id>")
    parser.add_argument("--out", help="report folder (default: data/reports/<run_id>)")
    args = parser.parse_args(argv)
    try:
        out = publish(args.run_dirs, args.out)
    except (PoolError, RunFolderError) as exc:
        print(f"cannot publish: {exc}", file=sys.stderr)
        return 2
    print(f"report: {out / 'report.html'}\nsummary: {out / 'summary.csv'}\nfigures: {out}/*.png, *.svg")
    return 0


if __name__ == "__main__":
    sys.exit(main())
