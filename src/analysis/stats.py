"""Across repetitions: medians, bootstrap confidence intervals, noise warnings, comparisons.

The bootstrap resamples repetitions (the independent unit), never requests within a point:
requests of one point share the same stack state and are not independent.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

N_BOOT = 2000
LEVEL = 0.95
SEED = 20250627  # fixed: the same data always gives the same interval
MAX_CV = 0.10  # pyperf's rule of thumb: above this the result is unstable
MIN_REPETITIONS = 3


def bootstrap_ci(values, stat=np.median, n_boot: int = N_BOOT, level: float = LEVEL,
                 seed: int = SEED) -> tuple[float, float]:
    """Percentile bootstrap interval of `stat`; (nan, nan) without data."""
    x = np.asarray([v for v in values if not _missing(v)], dtype=float)
    if x.size == 0:
        return math.nan, math.nan
    rng = np.random.default_rng(seed)
    boots = stat(x[rng.integers(0, x.size, size=(n_boot, x.size))], axis=1)
    tail = (1 - level) / 2 * 100
    lo, hi = np.percentile(boots, [tail, 100 - tail])
    return float(lo), float(hi)


def cv(values) -> float:
    """Coefficient of variation (sample sd / |mean|); 0 for constant data, nan for < 2 values."""
    x = np.asarray([v for v in values if not _missing(v)], dtype=float)
    if x.size < 2:
        return math.nan
    sd = float(np.std(x, ddof=1))
    if sd == 0:
        return 0.0
    mean = float(np.mean(x))
    return math.inf if mean == 0 else sd / abs(mean)


def warning(values) -> str:
    """Empty when the repetitions look trustworthy, else why not."""
    n = sum(not _missing(v) for v in values)
    notes = []
    if n < MIN_REPETITIONS:
        notes.append(f"only {n} repetition{'s' if n != 1 else ''} (< {MIN_REPETITIONS})")
    spread = cv(values)
    if not math.isnan(spread) and spread >= MAX_CV:
        notes.append(f"noisy: CV {spread:.0%} >= {MAX_CV:.0%}")
    return "; ".join(notes)


def summarise(values) -> dict:
    x = [v for v in values if not _missing(v)]
    lo, hi = bootstrap_ci(x)
    return {"n": len(x), "median": float(np.median(x)) if x else math.nan, "ci_low": lo, "ci_high": hi,
            "cv": cv(x), "warning": warning(x)}


def across_repetitions(points: pd.DataFrame, by: list[str], metrics: list[str]) -> pd.DataFrame:
    """One row per setting (`by`) and metric: median over repetitions, 95% CI, CV, warning."""
    rows = []
    for setting, group in points.groupby(by, dropna=False, sort=True):
        setting = setting if isinstance(setting, tuple) else (setting,)
        for metric in metrics:
            rows.append({**dict(zip(by, setting)), "metric": metric, **summarise(group[metric].tolist())})
    return pd.DataFrame(rows)


def compare(a, b, n_boot: int = N_BOOT, level: float = LEVEL, seed: int = SEED) -> dict:
    """Is median(b) - median(a) different from zero? Bootstrap CI of the difference of medians:
    significant when the interval excludes 0 and each side has enough repetitions."""
    a = np.asarray([v for v in a if not _missing(v)], dtype=float)
    b = np.asarray([v for v in b if not _missing(v)], dtype=float)
    if a.size == 0 or b.size == 0:
        return {"difference": math.nan, "ci_low": math.nan, "ci_high": math.nan, "significant": False,
                "verdict": "no data on one side"}
    rng = np.random.default_rng(seed)
    boot_a = np.median(a[rng.integers(0, a.size, size=(n_boot, a.size))], axis=1)
    boot_b = np.median(b[rng.integers(0, b.size, size=(n_boot, b.size))], axis=1)
    tail = (1 - level) / 2 * 100
    lo, hi = (float(v) for v in np.percentile(boot_b - boot_a, [tail, 100 - tail]))
    diff = float(np.median(b) - np.median(a))
    enough = min(a.size, b.size) >= MIN_REPETITIONS
    excludes_zero = lo > 0 or hi < 0
    if not enough:
        verdict = f"too few repetitions to tell ({a.size} vs {b.size}, need {MIN_REPETITIONS} each)"
    elif excludes_zero:
        verdict = f"significant: difference {diff:+.4g}, {level:.0%} CI [{lo:.4g}, {hi:.4g}] excludes 0"
    else:
        verdict = f"not significant: {level:.0%} CI [{lo:.4g}, {hi:.4g}] includes 0"
    return {"difference": diff, "ci_low": lo, "ci_high": hi, "significant": bool(enough and excludes_zero),
            "verdict": verdict}


def _missing(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))
