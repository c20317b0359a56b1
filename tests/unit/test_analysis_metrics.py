"""Per-point metrics on synthetic records whose answers are known."""
import numpy as np
import pytest

from analysis.metrics import point_metrics
from analysis.synthetic import requests_table, write_manifest, write_point
from analysis.tables import Tables


@pytest.fixture
def run(tmp_path):
    run_dir = write_manifest(tmp_path / "run")
    rng = np.random.default_rng(1)
    latencies = rng.lognormal(2, 1, 1000)
    # Ten warm-up rows with absurd latencies and errors: they must not show anywhere.
    rows = {"actual_s": np.r_[np.full(10, -1.0), (np.arange(1000) + 0.5) * 0.002],  # 500/s, off bin edges
            "latency_ms": np.r_[np.full(10, 1e6), latencies],
            "status": np.r_[np.full(10, 500), np.full(1000, 200)],
            "warmup": np.r_[np.ones(10, bool), np.zeros(1000, bool)]}
    write_point(run_dir, "healthy", requests_table(rows), duration_s=2.0)
    statuses = [200, 200, 599, 599, 502, 504, 500, 503, 422, 0]
    replicas = ["replica-1", "replica-2", "", "", "", "", "replica-3", "", "replica-1", ""]
    write_point(run_dir, "mixed", requests_table({"status": statuses, "replica": replicas,
                                                  "actual_s": np.linspace(0, 0.9, 10)}), breaker_code=599)
    intended = np.arange(100) / 100
    write_point(run_dir, "open", requests_table({"intended_s": intended, "actual_s": intended + 0.01,
                                                 "latency_ms": np.full(100, 5.0)}),
                params={"load_mode": "open", "rate": 100.0})
    return run_dir, latencies


def metrics(run_dir):
    frame = point_metrics(Tables(run_dir))
    return frame.set_index("point_id")


def test_percentiles_are_exact_and_leave_the_warmup_out(run):
    run_dir, latencies = run
    row = metrics(run_dir).loc["healthy"]
    for name, q in [("p50", 50), ("p90", 90), ("p99", 99), ("p99_9", 99.9)]:
        assert row[f"latency_{name}_ms"] == pytest.approx(np.percentile(latencies, q), rel=1e-12)
    assert row["latency_max_ms"] == latencies.max() and row["latency_mean_ms"] == pytest.approx(latencies.mean())
    assert row["n_requests"] == 1000 and row["error_rate"] == 0
    assert row["achieved_rps"] == 500 and row["goodput_rps"] == 500


def test_every_outcome_lands_in_its_class(run):
    row = metrics(run[0]).loc["mixed"]
    expected = {"ok": 2, "breaker_rejection": 2, "bad_gateway_502": 1, "gateway_timeout_504": 1, "backend_5xx": 1,
                "proxy_5xx": 1, "validation_4xx": 1, "client_error": 1, "other": 0}
    assert {c: row[f"n_{c}"] for c in expected} == expected
    assert row["error_rate"] == pytest.approx(0.8) and row["rate_breaker_rejection"] == pytest.approx(0.2)
    assert row["n_responses"] == 9 and row["achieved_rps"] == 9 and row["goodput_rps"] == 2
    # Shares count replica-answered requests only: replica-1 answered 2 of 4.
    assert row["share_replica-1"] == 0.5 and row["share_replica-2"] == 0.25


def test_open_loop_latency_from_intended_time_includes_the_lateness(run):
    row = metrics(run[0]).loc["open"]
    assert row["latency_p50_ms"] == pytest.approx(5.0)
    assert row["latency_intended_p50_ms"] == pytest.approx(15.0)  # 10 ms late + 5 ms
    assert row["offered_rps"] == 100 and row["achieved_rps"] == 100
    assert np.isnan(metrics(run[0]).loc["healthy", "latency_intended_p50_ms"])  # closed loop: not applicable


def test_time_series_rates_per_second_of_window_even_in_a_short_last_bin(run):
    from analysis.series import point_series
    series = point_series(Tables(run[0]), "run/healthy", bin_s=0.8)  # 2 s window: bins of 0.8, 0.8 and 0.4 s
    assert series["t_s"].round(6).tolist() == [0.0, 0.8, 1.6]
    assert series["rps"].round(6).tolist() == [500.0, 500.0, 500.0]


def test_locust_style_throughput_and_mean_count_failed_requests_too(run):
    row = metrics(run[0]).loc["mixed"]
    assert row["sent_rps"] == 10 and row["latency_all_mean_ms"] == 1.0 and row["n_responses"] == 9


def test_a_point_whose_requests_all_fell_in_the_warmup_counts_zero(tmp_path):
    run_dir = write_manifest(tmp_path / "stuck")
    write_point(run_dir, "stuck", requests_table({"status": [0, 0], "warmup": [True, True]}))
    row = metrics(run_dir).loc["stuck"]
    assert row["n_requests"] == 0 and row["n_client_error"] == 0 and np.isnan(row["error_rate"])
