"""Settings: what a point is a repetition of, and the groupings the figures draw."""
from __future__ import annotations

import os
from typing import NamedTuple

import pandas as pd

from .stats import summarise

SETTING = ["scenario", "target", "breaker_label", "threshold", "load_mode", "load_level", "retry"]
# Scenarios that are not part of a breaker x load sweep (they are compared elsewhere).
NOT_SWEPT = ("seed-", "baseline-direct")


def done(points: pd.DataFrame) -> pd.DataFrame:
    return points[points["status"] == "done"]


def by_setting(points: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Per setting: median over repetitions, 95% bootstrap CI, CV and warning of `metric`."""
    rows = []
    for setting, group in done(points).groupby(SETTING, dropna=False, sort=True):
        rows.append({**dict(zip(SETTING, setting)), **summarise(group[metric].tolist())})
    return pd.DataFrame(rows, columns=SETTING + ["n", "median", "ci_low", "ci_high", "cv", "warning"])


class Panel(NamedTuple):
    scenario: str
    mode: str
    title: str
    points: pd.DataFrame


def sweep_panels(points: pd.DataFrame) -> list[Panel]:
    """One panel per (fault scenario, load mode, retry) of the sweep, in a stable order: within a
    panel, a breaker setting and a load level identify a setting (its points are repetitions)."""
    swept = done(points)
    swept = swept[~swept["scenario"].fillna("").str.startswith(NOT_SWEPT) & (swept["target"] != "direct")]
    swept = swept.assign(retry=swept["retry"].fillna(False).astype(bool))
    panels = []
    for (scenario, mode, retry), group in swept.groupby(["scenario", "load_mode", "retry"], sort=True):
        panels.append(Panel(scenario, mode, f"{scenario} ({mode} loop{', retry' if retry else ''})", group))
    return panels


def label_order(points: pd.DataFrame) -> list[str]:
    """Breaker labels by threshold (no breaker first), then by name."""
    pairs = points[["breaker_label", "threshold"]].drop_duplicates("breaker_label")
    pairs = pairs.assign(has=pairs["breaker_label"] != "none", t=pairs["threshold"].fillna(-1.0))
    return pairs.sort_values(["has", "t", "breaker_label"])["breaker_label"].tolist()


def short_labels(labels: list[str]) -> tuple[str, dict[str, str]]:
    """The prefix breaker expressions share (e.g. "ResponseCodeRatio(500, 600, 0, 600) > ") and
    each label without it, so figures show the thresholds rather than the same expression again."""
    guarded = [label for label in labels if label != "none"]
    prefix = os.path.commonprefix(guarded) if len(guarded) > 1 else ""
    prefix = prefix[: prefix.rfind(" ") + 1] if " " in prefix else ""
    return prefix.strip(), {label: label.removeprefix(prefix) if label in guarded else label for label in labels}


def level_name(mode: str, short: bool = False) -> str:
    if mode == "open":
        return "rate" if short else "offered rate (requests/s)"
    return "users" if short else "concurrent users"
