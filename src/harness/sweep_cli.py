"""Run the sweep notebook with papermill, without Jupyter; the executed notebook is kept in the run folder.

    python -m harness.sweep_cli notebooks/params/smoke.yaml [--run-id ID] [--set duration_s=1 ...]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import yaml

from .errors import ConfigError
from .paths import PROJECT_DIR
from .store import new_run_id
from .sweep_params import SweepParams

NOTEBOOK = PROJECT_DIR / "notebooks" / "01_sweep.ipynb"


def load_parameters(path: Path, overrides: list[str], run_id: str | None) -> dict:
    if not path.exists():
        raise ConfigError(f"parameter file {path} does not exist; see notebooks/params/ for examples")
    values = yaml.safe_load(path.read_text()) or {}
    if not isinstance(values, dict):
        raise ConfigError(f"{path} must be a YAML mapping of sweep parameters, got {type(values).__name__}")
    for item in overrides:
        key, sep, text = item.partition("=")
        if not sep:
            raise ConfigError(f"--set takes key=value (value in YAML), got {item!r}")
        values[key.strip()] = yaml.safe_load(text)
    values["run_id"] = run_id or values.get("run_id") or new_run_id()
    SweepParams.of(values)  # every parameter checked before a kernel or a process starts
    return values


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

    run_dir = SweepParams.of(values).output_dir() / values["run_id"]
    run_dir.mkdir(parents=True, exist_ok=True)
    executed = run_dir / f"01_sweep-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}.ipynb"
    print(f"sweep {args.params} -> {run_dir}")
    papermill.execute_notebook(str(NOTEBOOK), str(executed), parameters=values, cwd=str(PROJECT_DIR),
                               progress_bar=False, log_output=True)
    print(f"executed notebook: {executed}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
