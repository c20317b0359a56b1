"""The report degrades gracefully: a run lacking most dimensions still renders every section."""
import math

import numpy as np

from analysis.report import Report
from analysis.summary import write_summary
from analysis.synthetic import requests_table, write_manifest, write_point


def test_a_minimal_run_with_a_failed_point_renders_and_summarises(tmp_path, monkeypatch):
    shown = []
    monkeypatch.setattr("analysis.report.display", shown.append)
    run_dir = write_manifest(tmp_path / "tiny")
    write_point(run_dir, "only", requests_table({"actual_s": np.linspace(0, 0.9, 10)}))
    failed = write_point(run_dir, "broken", requests_table({"status": [200]}), status="failed")
    (failed / "requests.parquet").unlink()  # a failed point may have no data at all
    report = Report(run_dir, tmp_path / "out")
    for section in (report.overview, report.parameters, report.headline, report.comparisons):
        section()
    for section in (report.warnings, report.heatmaps, report.latency, report.timeseries, report.replica_share,
                    report.original):
        section()
    text = " ".join(getattr(o, "data", "") for o in shown if isinstance(getattr(o, "data", None), str))
    assert "broken` failed" in text and "not available" in text
    assert report.figures == ["error_goodput_heatmap", "latency_vs_load", "timeseries-only", "replica_share"]
    rows = write_summary(report.points, tmp_path / "summary.csv").read_text().splitlines()
    assert len(rows) == 3 and rows[1].startswith("tiny,broken,failed")
    assert math.isnan(report.points.set_index("point_id").loc["broken", "latency_p50_ms"])


def test_settings_that_differ_only_in_retry_get_their_own_panel(tmp_path, monkeypatch):
    monkeypatch.setattr("analysis.report.display", lambda _: None)
    run_dir = write_manifest(tmp_path / "retry")
    for retry in (False, True):
        for rep in range(2):
            write_point(run_dir, f"r{int(retry)}-{rep}", requests_table({"actual_s": np.linspace(0, 0.9, 10)}),
                        params={"retry": retry, "repetition": rep, "scenario": "one-replica-down"})
    report = Report(run_dir)
    report.heatmaps()
    report.latency()
    assert report.figures == ["error_goodput_heatmap", "latency_vs_load"]
    assert list(report.headline().index.get_level_values("retry")) == [False, True]


def test_the_original_comparison_uses_one_load_level_and_one_breaker(tmp_path):
    from analysis.metrics import point_metrics
    from analysis.original import comparison
    from analysis.tables import Tables
    run_dir = write_manifest(tmp_path / "seed")
    for users in (2, 5):
        write_point(run_dir, f"before-u{users}", requests_table({"status": [0, 0, 0, 422]}),
                    params={"scenario": "seed-2025-06-27-baseline", "target": "direct", "users": users})
        for label, code in (("A > 0.3", 503), ("B > 0.3", 503), ("none", None)):
            write_point(run_dir, f"after-{label[0]}-u{users}", requests_table({"status": [200, 200, 200, 422]}),
                        params={"scenario": "seed-2025-06-27-traefik", "users": users, "breaker_label": label},
                        breaker_code=code)
    table = comparison(point_metrics(Tables(run_dir))).set_index("metric")
    assert "load level 5" in table.attrs["note"] and "'A > 0.3' of 2" in table.attrs["note"]
    assert table.loc["error rate", "reproduction_before"] == 100 and table.loc["error rate", "reproduction_after"] == 25
    assert table.loc["error rate", "reproduction_after_n"] == 1


def test_figures_show_thresholds_not_the_shared_expression():
    from analysis.settings import short_labels
    prefix, short = short_labels(["none", "ResponseCodeRatio(500, 600, 0, 600) > 0.1",
                                  "ResponseCodeRatio(500, 600, 0, 600) > 0.5"])
    assert prefix == "ResponseCodeRatio(500, 600, 0, 600) >"
    assert short == {"none": "none", "ResponseCodeRatio(500, 600, 0, 600) > 0.1": "0.1",
                     "ResponseCodeRatio(500, 600, 0, 600) > 0.5": "0.5"}
    assert short_labels(["NetworkErrorRatio() > 0.3"]) == ("", {"NetworkErrorRatio() > 0.3": "NetworkErrorRatio() > 0.3"})
