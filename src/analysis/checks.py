"""What limits how far a run's numbers can be trusted, as sentences for the report."""
from __future__ import annotations

import pandas as pd

from .runs import Run
from .settings import by_setting, done

REJECTION_TOLERANCE = 0.01  # client vs proxy rejection counts: requests in flight at the window edges differ


def missing_points(runs: list[Run]) -> list[str]:
    notes = []
    for run in runs:
        recorded = {p.get("point_id") for p in run.points}
        missing = [p["point_id"] for p in run.plan if p.get("point_id") not in recorded]
        if missing:
            notes.append(f"run `{run.run_id}`: {len(missing)} planned point(s) not recorded (interrupted or not "
                         f"yet run): {', '.join(missing[:5])}{' ...' if len(missing) > 5 else ''}")
    return notes


def point_problems(points: pd.DataFrame) -> list[str]:
    """Failed, empty, generator-limited or unreconciled points."""
    notes = [f"point `{r.point_id}` failed: {r.error}" for r in points[points["status"] != "done"].itertuples()]
    d = done(points)
    notes += [f"point `{r.point_id}`: no request was sent inside the measured window (the load was stuck, e.g. "
              "on connections that never answered); it adds no numbers" for r in d[d["n_requests"] == 0].itertuples()]
    notes += [f"point `{r.point_id}`: the load generator was CPU-saturated; the offered load may be lower than "
              "intended" for r in d[d["generator_saturated"]].itertuples()]
    notes += [f"point `{r.point_id}`: client and proxy counts per status disagree"
              for r in d[d["reconciliation_agree"] == False].itertuples()]  # noqa: E712 - None means not checked
    mismatch = d[d["breaker_code"].notna() & d["proxy_requests"].notna()
                 & ((d["n_breaker_rejection"] - d["proxy_breaker_rejections"]).abs()
                    > (REJECTION_TOLERANCE * d["n_requests"]).clip(lower=2))]
    notes += [f"point `{r.point_id}`: {r.n_breaker_rejection:.0f} rejections seen by the client, "
              f"{r.proxy_breaker_rejections:.0f} in Traefik's log (requests in flight at the window edges, or 503s "
              "that were not the breaker's)" for r in mismatch.itertuples()]
    return notes


def noisy_settings(points: pd.DataFrame, metric: str = "goodput_rps") -> list[str]:
    stats = by_setting(points, metric)
    noisy = stats[stats["warning"] != ""]
    if noisy.empty:
        return []
    return [f"{len(noisy)} of {len(stats)} settings have too few repetitions or a coefficient of variation "
            f">= 10% in {metric.removesuffix('_rps')}: see the headline table"]


def all_warnings(runs: list[Run], points: pd.DataFrame) -> list[str]:
    return missing_points(runs) + point_problems(points) + noisy_settings(points)
