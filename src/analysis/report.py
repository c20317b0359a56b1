"""What notebooks/02_report.ipynb shows: each method displays one section (table or figure
with its caption) and, when an output folder is given, saves figures as PNG and SVG."""
from __future__ import annotations

import io
import json
import math
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Image, Markdown, display

from . import figures
from .checks import all_warnings
from .metrics import point_metrics
from .original import comparison
from .series import point_faults, point_periods, point_series
from .settings import SETTING, by_setting, done, label_order, sweep_panels
from .stats import MAX_CV, MIN_REPETITIONS, compare
from .tables import Tables

plt.rcParams["svg.hashsalt"] = "breakerlab"  # stable SVG ids: re-publishing gives the same files
MAX_TIMESERIES = 4
HEADLINE = [("error_rate", "error rate", "%"), ("goodput_rps", "goodput", "req/s"),
            ("achieved_rps", "throughput", "req/s"), ("latency_p99_ms", "p99 latency", "ms"),
            ("time_to_trip_s", "time to trip", "s"), ("time_to_recover_s", "time to recover", "s")]


class Report:
    def __init__(self, run_dirs, output_dir: str | Path | None = None) -> None:
        self.tables = Tables(run_dirs)
        self.points = point_metrics(self.tables)
        self.output_dir = Path(output_dir) if output_dir else None
        self.figures: list[str] = []  # names saved, in order
        self._number = 0
        pd.set_option("display.max_colwidth", 300)  # warnings and CIs are read in full, not cut at 50 chars

    # --- tables ------------------------------------------------------------------------
    def overview(self) -> pd.DataFrame:
        """Per run: when, with which tools, on which host, and how many points completed."""
        rows = []
        for run in self.tables.runs:
            m, statuses = run.manifest, [p.get("status") for p in run.points]
            rows.append({"run": run.run_id, "started (UTC)": m.get("started_utc"), "ended (UTC)": m.get("ended_utc"),
                         **{f"{k} version": v for k, v in (m.get("versions") or {}).items()},
                         "host": (m.get("host") or {}).get("hostname"), "CPUs": (m.get("host") or {}).get("cpu_count"),
                         "platform": (m.get("host") or {}).get("platform"), "git": m.get("git_sha"),
                         "points planned": len(run.plan) or None, "points done": statuses.count("done"),
                         "points failed": statuses.count("failed")})
        return pd.DataFrame(rows).set_index("run").T

    def parameters(self) -> pd.DataFrame:
        """The sweep's parameters as recorded in each manifest."""
        rows = [{"run": run.run_id, "parameter": k, "value": json.dumps(v) if isinstance(v, (list, dict)) else v}
                for run in self.tables.runs for k, v in sorted((run.manifest.get("params") or {}).items())]
        return pd.DataFrame(rows, columns=["run", "parameter", "value"]).set_index(["run", "parameter"])

    def headline(self) -> pd.DataFrame:
        """Per setting: median over repetitions [95% CI] of the main metrics, and any warning."""
        stats = {metric: by_setting(self.points, metric) for metric, _, _ in HEADLINE}
        base = stats["error_rate"][SETTING + ["n"]].copy()
        notes = [[f"only {n} repetition{'s' if n != 1 else ''}"] if n < MIN_REPETITIONS else [] for n in base["n"]]
        for metric, label, unit in HEADLINE:
            s = stats[metric]
            scale = 100.0 if unit == "%" else 1.0
            base[f"{label} ({unit})"] = [_cell(r, scale) for _, r in s.iterrows()]
            if metric in ("error_rate", "goodput_rps", "latency_p99_ms"):
                for i, spread in enumerate(s["cv"]):
                    if spread >= MAX_CV:
                        notes[i].append(f"{label} CV {spread:.0%}")
        base["warnings"] = ["; ".join(n) for n in notes]
        base["load_level"] = base["load_level"].map("{:g}".format)
        base = base.rename(columns={"n": "repetitions", "load_level": "load"})
        varying = [c for c in ("target", "retry") if base[c].nunique(dropna=False) > 1]  # shown only if swept
        index = ["scenario", "breaker_label", "load_mode", "load", *varying]
        return base.drop(columns=["threshold", *{"target", "retry"} - set(varying)]).set_index(index)

    def comparisons(self, metric: str = "goodput_rps") -> pd.DataFrame:
        """Each breaker setting against the reference (no breaker, else the lowest threshold) at the
        same scenario and load: difference of medians, its bootstrap 95% CI and the verdict."""
        rows = []
        for scenario, mode, title, group in sweep_panels(self.points):
            labels = label_order(group)
            for level, at_level in group.groupby("load_level", sort=True):
                reference = at_level[at_level["breaker_label"] == labels[0]][metric]
                for label in labels[1:]:
                    other = at_level[at_level["breaker_label"] == label][metric]
                    if reference.empty or other.empty:
                        continue
                    c = compare(reference.tolist(), other.tolist())
                    rows.append({"panel": title, "load": f"{level:g}",
                                 "reference": labels[0], "setting": label, "difference": f"{c['difference']:+.3g}",
                                 "95% CI": f"[{c['ci_low']:.3g}, {c['ci_high']:.3g}]", "verdict": c["verdict"]})
        return pd.DataFrame(rows, columns=["panel", "load", "reference", "setting", "difference",
                                           "95% CI", "verdict"])

    def warnings(self) -> None:
        """Everything that limits how far the numbers can be trusted, as a list."""
        notes = all_warnings(self.tables.runs, self.points)
        display(Markdown("\n".join(f"- {n}" for n in notes) if notes else "No warnings."))

    # --- figures -------------------------------------------------------------------------
    def heatmaps(self) -> None:
        self._show("error_goodput_heatmap", figures.error_goodput_heatmaps(self.points),
                   "Error rate (% of all measured requests that were not 2xx, 4xx validation errors included) and "
                   "goodput (2xx responses per second) for each breaker setting (rows) and load level (columns), "
                   "one panel per fault scenario and load mode; each cell is the median over repetitions.",
                   "the run has no breaker x load sweep points")

    def latency(self) -> None:
        self._show("latency_vs_load", figures.latency_vs_load(self.points),
                   "Latency percentiles (from raw per-request records, warm-up excluded, requests with an HTTP "
                   "response) against load, one line per breaker setting; points are medians over repetitions, "
                   "bars their bootstrap 95% confidence interval. Log scale.",
                   "the run has no breaker x load sweep points")

    def timeseries(self, point_ids: list[str] | None = None) -> None:
        keys = self._select(point_ids)
        if not keys:
            display(Markdown("*Time series: not available (no completed points).*"))
        for key in keys:
            title = f"{key.split('/', 1)[1]}: throughput, errors and latency over time"
            fig = figures.point_timeseries(point_series(self.tables, key), point_periods(self.tables, key),
                                           point_faults(self.tables, key), title)
            name = key.replace("/", "-") if len(self.tables.runs) > 1 else key.split("/", 1)[1]  # unique files
            self._show(f"timeseries-{name}", fig,
                       "One point over its measured window (warm-up excluded): requests and goodput per second "
                       "(top), errors per second by class (middle) and p50/p99 latency per bin (bottom). Red: "
                       "breaker tripped (every request rejected); orange: recovering (traffic ramped back); "
                       "dashed lines: fault set / cleared.", "no measured requests")

    def replica_share(self) -> None:
        self._show("replica_share", figures.replica_share(self.points),
                   "Share of replica-answered requests served by each replica (from the X-Replica header), "
                   "median over repetitions. Requests the proxy answered itself (breaker rejections, 502/503) "
                   "are not counted; the dotted line marks an even split.", "no replica-answered requests")

    def original(self) -> None:
        table = comparison(self.points)
        if table is None:
            display(Markdown("*Original vs reproduction: not available (the run has no seed-2025-06-27 "
                             "scenario points).*"))
            return
        if table.attrs.get("note"):
            display(Markdown(f"Reproduction points used: {table.attrs['note']}."))
        display(_original_table(table))
        self._show("original_vs_reproduction", figures.original_vs_reproduction(table),
                   "The original experiment (Traefik v2.10, 30 requests from 5 users over 5 s) beside this "
                   "reproduction: before = one failing backend without proxy, after = Traefik + breaker + 3 replicas "
                   "with one down. The original's test plan sent about a third invalid bodies (422s); the "
                   "reproduction sends the sweep's invalid_share. All three metrics count every "
                   "request, failed ones included, as the original's Locust run did. Reproduction bars are "
                   "medians over repetitions with bootstrap 95% CIs; the original is a single run with no "
                   "spread. Absolute throughput depends on how users pace their requests (the original's were "
                   "paced; ours send back to back), so compare the direction of change, not the level.",
                   "no seed points")

    # --- helpers ---------------------------------------------------------------------------
    def _select(self, point_ids: list[str] | None) -> list[str]:
        p = done(self.points)
        if point_ids:
            return p[p["point_id"].isin(point_ids)]["key"].tolist()
        # One per fault scenario: a point whose breaker tripped if any (that is what the figure
        # shows), then repetition 0, the lowest threshold, the highest load.
        keys = []
        for *_, group in sweep_panels(self.points):
            group = group[group["key"].map(lambda k: bool(self.tables.fault_events.get(k)))]
            if group.empty:
                continue
            order = {label: i for i, label in enumerate(label_order(group))}
            group = group.assign(o=group["breaker_label"].map(order), quiet=group["trips"].fillna(0) == 0,
                                 unguarded=group["breaker_code"].isna())
            ranked = group.sort_values(["quiet", "unguarded", "repetition", "o", "load_level"],
                                       ascending=[True, True, True, True, False])
            keys.append(ranked["key"].iloc[0])
        return keys[:MAX_TIMESERIES] or p["key"].head(1).tolist()

    def _show(self, name: str, fig, caption: str, missing: str) -> None:
        if fig is None:
            display(Markdown(f"*{name}: not available ({missing}).*"))
            return
        self._number += 1
        if self.output_dir is not None:
            self.output_dir.mkdir(parents=True, exist_ok=True)
            fig.savefig(self.output_dir / f"{name}.png", dpi=110)
            fig.savefig(self.output_dir / f"{name}.svg", metadata={"Date": None})
        self.figures.append(name)
        # Rendered explicitly: the figure shows the same whatever matplotlib backend the kernel has.
        png = io.BytesIO()
        fig.savefig(png, format="png", dpi=110)
        plt.close(fig)
        display(Image(data=png.getvalue(), format="png"))
        display(Markdown(f"**Figure {self._number}.** {caption}"))


def _cell(row, scale: float) -> str:
    if math.isnan(row["median"]):
        return "–"
    m, lo, hi = row["median"] * scale, row["ci_low"] * scale, row["ci_high"] * scale
    return f"{m:.3g} [{lo:.3g}, {hi:.3g}]" if row["n"] > 1 else f"{m:.3g}"


def _original_table(table: pd.DataFrame) -> pd.DataFrame:
    def fmt(r, side):
        m, lo, hi, n = (r[f"reproduction_{side}{s}"] for s in ("", "_ci_low", "_ci_high", "_n"))
        return "–" if n == 0 else (f"{m:.3g} [{lo:.3g}, {hi:.3g}] (n={n})" if n > 1 else f"{m:.3g} (n=1)")
    return pd.DataFrame({"metric": table["metric"] + " (" + table["unit"] + ")",
                         "original before": table["original_before"].map("{:.4g}".format),
                         "original after": table["original_after"].map("{:.4g}".format),
                         "reproduction before": [fmt(r, "before") for _, r in table.iterrows()],
                         "reproduction after": [fmt(r, "after") for _, r in table.iterrows()]}).set_index("metric")
