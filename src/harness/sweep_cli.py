"""Run the sweep notebook with papermill, without Jupyter; the executed notebook is kept in the run folder.

    python -m harness.sweep_cli notebooks/params/smoke.yaml [--run-id ID] [--set duration_s=1 ...]
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path

import yaml

from .errors import ConfigError
from .paths import PROJECT_DIR
from .store import RunStore, new_run_id
from .sweep import existing_plan
from .sweep_params import SweepParams

NOTEBOOK = PROJECT_DIR / "notebooks" / "01_sweep.ipynb"


def load_parameters(path: Path, overrides: list[str], run_id: str | None) -> dict:
    if not path.exists():
        raise ConfigError(f"parameter file {path} does not exist; see notebooks/params/ for examples")
    try:
        values = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path} is not valid YAML: {exc}") from None
    if not isinstance(values, dict):
        raise ConfigError(f"{path} must be a YAML mapping of sweep parameters, got {type(values).__name__}")
    for item in overrides:
        key, sep, text = item.partition("=")
        if not sep:
            raise ConfigError(f"--set takes key=value (value in YAML), got {item!r}")
        try:
            values[key.strip()] = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ConfigError(f"--set {item!r}: the value is not valid YAML: {exc}") from None
    values["run_id"] = run_id or values.get("run_id") or new_run_id()
    # Every parameter checked, and a resumed run's plan compared, before a kernel or a process starts.
    # The notebook gets all of them, so its own defaults never change what the YAML file means.
    params = SweepParams.of(values)
    existing_plan(params)
    return params.to_dict()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("params", type=Path, help="a YAML file of sweep parameters")
    parser.add_argument("--run-id", help="resume this run (or name a new one)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override a parameter")
    args = parser.parse_args(argv)
    try:
        values = load_parameters(args.params, args.set, args.run_id)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    import papermill  # slow to import: only once the parameters are known to be good

    logging.basicConfig(format="%(message)s")
    logging.getLogger("papermill").setLevel(logging.INFO)  # the notebook's output, as it comes
    os.environ["BREAKERLAB_PROGRESS"] = "text"  # the kernel inherits it: a progress bar a log can show

    params = SweepParams.of(values)
    run_dir = params.output_dir() / params.run_id
    run_dir.mkdir(parents=True, exist_ok=True)
    executed = run_dir / f"01_sweep-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}.ipynb"
    print(f"sweep {args.params} -> {run_dir}")
    resume = f"make sweep PARAMS={args.params} RUN_ID={params.run_id}"
    try:
        papermill.execute_notebook(str(NOTEBOOK), str(executed), parameters=values, cwd=str(PROJECT_DIR),
                                   progress_bar=False, log_output=True)
    except KeyboardInterrupt:
        print(f"\ninterrupted: completed points are kept in {run_dir}; resume with: {resume}", file=sys.stderr)
        return 130
    except papermill.PapermillExecutionError as exc:
        print(f"\nthe sweep stopped: {exc.ename}: {exc.evalue}\nexecuted notebook: {executed}\n"
              f"completed points are kept; resume with: {resume}", file=sys.stderr)
        return 1
    print(f"executed notebook: {executed}")
    failed = RunStore.open(params.run_id, params.output_dir()).inspect()["failed"]
    if failed:
        print(f"{len(failed)} point(s) failed, their errors are in point.json: {failed}; "
              f"measure them again with: {resume}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
