"""Repetition statistics: intervals, noise warnings, comparisons."""
import math

from analysis.stats import bootstrap_ci, compare, cv, summarise, warning


def test_ci_of_constant_data_has_zero_width():
    assert bootstrap_ci([7.5] * 5) == (7.5, 7.5)
    assert summarise([3.0, 3.0, 3.0])["cv"] == 0 and summarise([3.0, 3.0, 3.0])["warning"] == ""


def test_ci_contains_the_median_and_is_reproducible():
    values = [10, 11, 12, 13, 30]
    lo, hi = bootstrap_ci(values)
    assert lo <= 12 <= hi and (lo, hi) == bootstrap_ci(values)


def test_warnings_for_noise_and_too_few_repetitions():
    assert "CV" in warning([10, 14, 10, 13]) and math.isclose(cv([1, 3]), 2 ** 0.5 / 2)
    assert "only 2 repetitions" in warning([10, 10])
    assert warning([100, 101, 99, 100]) == ""


def test_compare_says_whether_the_difference_is_significant():
    clear = compare([10, 11, 10, 12, 11], [20, 21, 19, 22, 20])
    assert clear["significant"] and clear["difference"] == 9 and "significant" in clear["verdict"]
    overlap = compare([10, 12, 11, 13, 10], [11, 13, 10, 12, 12])
    assert not overlap["significant"] and "not significant" in overlap["verdict"]
    few = compare([10, 10], [20, 20])
    assert not few["significant"] and "too few" in few["verdict"]
