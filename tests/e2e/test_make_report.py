"""`make report` end to end, shortened: setup, the default sweep, the published report."""
import csv
import json
import os
import subprocess

import pytest

from harness.paths import PROJECT_DIR

pytestmark = [pytest.mark.integration, pytest.mark.slow]
SHORT = "--set duration_s=1 --set warmup_s=0.5 --set users=[2] --set fallback_duration=1s --set recovery_duration=1s"


def test_make_report_publishes_html_and_a_summary_row_per_planned_point(tmp_path):
    env = {**os.environ, "BREAKERLAB_DATA_DIR": str(tmp_path)}
    result = subprocess.run(["make", "report", f"REPORT_SET={SHORT}"], cwd=PROJECT_DIR, env=env,
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    (run_dir,) = (tmp_path / "raw").iterdir()
    report_dir = tmp_path / "reports" / run_dir.name
    assert str(report_dir / "report.html") in result.stdout  # it says where the report is
    planned = [p["point_id"] for p in json.loads((run_dir / "plan.json").read_text())["points"]]
    with open(report_dir / "summary.csv") as f:
        rows = list(csv.DictReader(f))
    assert sorted(r["point_id"] for r in rows) == sorted(planned)
    assert len(planned) == 4 * 2  # default.yaml: none + 3 thresholds, 2 scenarios (users shortened to one level)
    assert (report_dir / "report.html").stat().st_size > 50_000
    assert list(report_dir.glob("*.png")) and list(report_dir.glob("*.svg"))
