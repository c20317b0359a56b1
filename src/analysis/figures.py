"""The report's figures. Each takes tidy tables and returns a matplotlib Figure, or None when
the run lacks the dimension it needs (the report then says so instead of drawing)."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # headless publishing; the notebook still shows figures inline via display()
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter  # noqa: E402

from .classify import CLASS_LABELS, ERROR_CLASSES  # noqa: E402
from .settings import by_setting, label_order, level_name, short_labels, sweep_panels  # noqa: E402

PLAIN = FuncFormatter(lambda v, _: f"{v:g}")  # log axes: 20, 30, 40 rather than 2x10^1
PERIOD_COLOURS = {"tripped": "#d62728", "recovering": "#ff7f0e"}
CLASS_COLOURS = dict(zip(ERROR_CLASSES, sns.color_palette("tab10", len(ERROR_CLASSES))))
PERCENTILES = [("latency_p50_ms", "p50"), ("latency_p99_ms", "p99"), ("latency_p99_9_ms", "p99.9")]


def error_goodput_heatmaps(points: pd.DataFrame) -> plt.Figure | None:
    """Rows: error rate, goodput; columns: one panel per fault scenario (and load mode)."""
    panels = sweep_panels(points)
    if not panels:
        return None
    metrics = [("error_rate", "error rate (%)", 100.0, "rocket_r", ".1f"),
               ("goodput_rps", "goodput (successful predictions/s)", 1.0, "viridis", ".0f")]
    prefix, short = short_labels(label_order(pd.concat([p.points for p in panels])))
    longest = max(len(v) for v in short.values())
    width = max(9.0, 4.2 * len(panels) + 0.09 * longest)  # room for long breaker expressions
    fig, axes = plt.subplots(2, len(panels), figsize=(width, 7.5), squeeze=False, layout="constrained")
    for col, (_, mode, title, group) in enumerate(panels):
        for row, (metric, label, scale, cmap, fmt) in enumerate(metrics):
            medians = by_setting(group, metric)
            grid = medians.pivot(index="breaker_label", columns="load_level", values="median") * scale
            grid = grid.reindex(label_order(group)).rename(index=short)
            grid.columns = [f"{c:g}" for c in grid.columns]
            ax = axes[row, col]
            sns.heatmap(grid, annot=True, fmt=fmt, cmap=cmap, ax=ax, cbar_kws={"label": label},
                        vmin=0, vmax=100 if metric == "error_rate" else None)
            ax.set_title(f"{title}\n{label}", fontsize=10)
            ax.set_xlabel(level_name(mode))
            ax.set_ylabel(("threshold" if prefix else "breaker") if col == 0 else "")
            ax.tick_params(axis="y", rotation=0)
    fig.suptitle("Error rate and goodput by breaker setting and load (median over repetitions)"
                 + (f"\nbreaker: {prefix} <threshold>" if prefix else ""))
    return fig


def latency_vs_load(points: pd.DataFrame) -> plt.Figure | None:
    """Columns: scenario panels; rows: p50, p99, p99.9; one line per breaker setting, 95% CI bars."""
    panels = sweep_panels(points)
    if not panels:
        return None
    fig, axes = plt.subplots(len(PERCENTILES), len(panels), figsize=(4.6 * len(panels) + 1, 9.5),
                             squeeze=False, sharex="col")
    labels = label_order(pd.concat([p.points for p in panels]))
    colours = dict(zip(labels, sns.color_palette("tab10", len(labels))))
    for col, (_, mode, title, group) in enumerate(panels):
        for row, (metric, name) in enumerate(PERCENTILES):
            ax = axes[row, col]
            stats = by_setting(group, metric)
            for label in label_order(group):
                s = stats[stats["breaker_label"] == label].sort_values("load_level")
                if s.empty or s["median"].isna().all():
                    continue
                err = np.vstack([s["median"] - s["ci_low"], s["ci_high"] - s["median"]]).clip(min=0)
                ax.errorbar(s["load_level"], s["median"], yerr=err, marker="o", capsize=3, label=label,
                            color=colours[label])
                if mode == "open":  # also from the intended send time: the generator's lateness included
                    i = by_setting(group, metric.replace("latency_", "latency_intended_"))
                    i = i[i["breaker_label"] == label].sort_values("load_level")
                    ax.plot(i["load_level"], i["median"], marker="s", linestyle="--", color=colours[label],
                            fillstyle="none")
            _log_ms(ax)
            ax.set_xticks(sorted(group["load_level"].unique()))
            ax.set_title(f"{title}: {name}", fontsize=10)
            ax.set_ylabel(f"{name} latency (ms, log)")
            ax.grid(True, which="both", alpha=0.3)
            if row == len(PERCENTILES) - 1:
                ax.set_xlabel(level_name(mode))
    handles = [plt.Line2D([], [], color=colours[label], marker="o") for label in labels]
    prefix, short = short_labels(labels)
    names = [short[label] for label in labels]
    if any(p.mode == "open" for p in panels):
        handles.append(plt.Line2D([], [], color="grey", marker="s", linestyle="--", fillstyle="none"))
        names.append("open loop, from intended send time")
    fig.legend(handles, names, title=f"breaker: {prefix} …" if prefix else "breaker", loc="lower center", ncol=min(4, len(labels)), fontsize=9)
    fig.suptitle("Latency percentiles vs load, per breaker setting (median over repetitions, 95% CI)")
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    return fig


def point_timeseries(series: pd.DataFrame, periods: list, faults: list, title: str) -> plt.Figure | None:
    """Throughput, errors by class and latency over one point, breaker periods shaded."""
    if series.empty:
        return None
    width = float(series["t_s"].diff().min()) if len(series) > 1 else 1.0
    t = series["t_s"] + width / 2
    fig, (ax1, ax2, ax3) = plt.subplots(3, 1, figsize=(11, 8), sharex=True)
    ax1.plot(t, series["rps"], label="all requests", color="black")
    ax1.plot(t, series["rps_ok"], label="goodput (2xx)", color="#2ca02c")
    ax1.set_ylabel("throughput (req/s)")
    bottom = np.zeros(len(series))
    for c in ERROR_CLASSES:
        values = series[f"rps_{c}"].to_numpy()
        if values.any():
            ax2.bar(series["t_s"], values, width=width, bottom=bottom, align="edge", label=CLASS_LABELS[c],
                    color=CLASS_COLOURS[c])
            bottom += values
    ax2.set_ylabel("errors (req/s)")
    ax3.plot(t, series["p50_ms"], marker=".", label="p50")
    ax3.plot(t, series["p99_ms"], marker=".", label="p99")
    _log_ms(ax3)
    ax3.set_ylabel("latency (ms, log)")
    ax3.set_xlabel("time since the measured window opened (s)")
    for ax in (ax1, ax2, ax3):
        _shade(ax, periods, faults, labelled=ax is ax1)
        ax.grid(True, alpha=0.3)
    ax1.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
    for ax in (ax2, ax3):
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
    earlier = [f"{what} at {t:.1f} s" for t, what in faults if t < 0]
    fig.suptitle(title + (f"\n(during the warm-up: fault {', '.join(earlier)})" if earlier else ""))
    fig.tight_layout()
    return fig


def _log_ms(ax) -> None:
    """Log scale labelled 1, 2, 5, 10, 20, 50 ms: readable at any range."""
    ax.set_yscale("log")
    ax.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_major_formatter(PLAIN)
    ax.yaxis.set_minor_formatter(NullFormatter())


def _shade(ax, periods: list, faults: list, labelled: bool) -> None:
    seen = set()
    for start, end, state in periods:
        ax.axvspan(start, end, color=PERIOD_COLOURS[state], alpha=0.15,
                   label=f"breaker {state}" if labelled and state not in seen else None)
        seen.add(state)
    for t, what in (f for f in faults if f[0] >= 0):  # warm-up actions are named in the title
        style = "-" if what.startswith("set") else "--"
        ax.axvline(t, color="#555555", linestyle=style, linewidth=1.2,
                   label=f"fault {what}" if labelled and what not in seen else None)
        seen.add(what)


def replica_share(points: pd.DataFrame) -> plt.Figure | None:
    """Stacked horizontal bars: each setting's median share of traffic per replica."""
    shares = sorted(c for c in points.columns if c.startswith("share_"))
    done = points[(points["status"] == "done") & (points["target"] != "direct")]
    if not shares or done.empty:
        return None
    keys = ["scenario", "breaker_label", "load_mode", "load_level"]
    table = done.groupby(keys, dropna=False)[shares].median().fillna(0.0) * 100
    table.index = [f"{s} | {b} | {level_name(m, short=True)} {lvl:g}" for s, b, m, lvl in table.index]
    table.columns = [c.removeprefix("share_") for c in shares]
    fig, ax = plt.subplots(figsize=(10, 0.35 * len(table) + 1.8))
    table.iloc[::-1].plot.barh(stacked=True, ax=ax, width=0.8, colormap="Set2")
    ax.axvline(100 / len(shares), color="black", linestyle=":", linewidth=1, label="even split")
    ax.set_xlabel("share of requests answered by each replica (%)")
    ax.set_xlim(0, 100)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
    fig.suptitle("Traffic share per replica (median over repetitions)")
    fig.tight_layout()
    return fig


def original_vs_reproduction(table: pd.DataFrame | None) -> plt.Figure | None:
    """Per metric: the original's before/after bars beside the reproduction's (95% CI whiskers)."""
    if table is None:
        return None
    fig, axes = plt.subplots(1, len(table), figsize=(4 * len(table), 4), squeeze=False)
    for ax, (_, row) in zip(axes[0], table.iterrows()):
        x = np.arange(2)
        ax.bar(x - 0.2, [row["original_before"], row["original_after"]], 0.4, label="original (2025-06-27)",
               color="#bbbbbb")
        rep = [row["reproduction_before"], row["reproduction_after"]]
        err = np.array([[row[f"reproduction_{s}"] - row[f"reproduction_{s}_ci_low"],
                         row[f"reproduction_{s}_ci_high"] - row[f"reproduction_{s}"]] for s in ("before", "after")]).T
        ax.bar(x + 0.2, rep, 0.4, yerr=np.nan_to_num(err).clip(min=0), capsize=4, label="reproduction",
               color="#1f77b4")
        ax.set_xticks(x, ["before\n(no proxy)", "after\n(Traefik + breaker)"])
        ax.set_title(f"{row['metric']} ({row['unit']})", fontsize=10)
        ax.set_ylabel(row["unit"])
    axes[0][0].legend(fontsize=8)
    fig.suptitle("Original experiment vs reproduction (seed-2025-06-27)")
    fig.tight_layout()
    return fig
