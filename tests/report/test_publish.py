"""Publishing the committed fixture run: report.html with every figure, summary.csv per point."""
import json

import pytest

from analysis.metrics import point_metrics
from analysis.publish import publish
from analysis.summary import write_summary
from analysis.tables import Tables
from harness.paths import PROJECT_DIR

FIXTURES = [PROJECT_DIR / "tests" / "fixtures" / "runs" / name for name in ("fixture-report", "fixture-report-open")]
FIGURES = ["error_goodput_heatmap", "latency_vs_load", "replica_share", "original_vs_reproduction"]


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    return publish(FIXTURES, tmp_path_factory.mktemp("report"))


def test_report_html_has_every_figure_and_no_code(published):
    html = (published / "report.html").read_text()
    series = sorted(p.stem for p in published.glob("timeseries-*.png"))
    assert series, "no time-series figure"
    for name in FIGURES + series:
        assert (published / f"{name}.png").stat().st_size > 1000 and (published / f"{name}.svg").exists(), name
    figures = len(FIGURES) + len(series)
    assert html.count("<img") >= figures and all(f"Figure {i}." in html for i in range(1, figures + 1))
    assert "from analysis.report import" not in html  # exported without code cells
    assert "not available" not in html  # the fixture has every dimension
    assert "Original vs reproduction" in html or "original" in html.lower()


def test_summary_has_one_row_per_point_and_is_deterministic(published, tmp_path):
    plan = [(f.name, p["point_id"]) for f in FIXTURES for p in json.loads((f / "plan.json").read_text())["points"]]
    lines = (published / "summary.csv").read_text().splitlines()
    header = lines[0].split(",")
    rows = [line.split(",") for line in lines[1:]]
    assert sorted((r[header.index("run_id")], r[header.index("point_id")]) for r in rows) == sorted(plan)
    assert {r[header.index("status")] for r in rows} == {"done"}
    again = write_summary(point_metrics(Tables(FIXTURES)), tmp_path / "again.csv")
    assert again.read_bytes() == (published / "summary.csv").read_bytes()
