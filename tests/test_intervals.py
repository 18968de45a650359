"""The shared confidence intervals: statsmodels values, a hand-computed value, zero counts."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

from helpers.core.errors import ParamError
from helpers.stats.intervals import ratio_interval, wilson_interval


@pytest.mark.parametrize(("x", "n"), [(0, 10), (3, 10), (10, 10), (17, 412), (950, 1000),
                                      (1, 1)])
@pytest.mark.parametrize("confidence", [0.9, 0.95])
def test_wilson_equals_statsmodels(x, n, confidence):
    low, high = wilson_interval([x], [n], confidence)
    ref = proportion_confint(x, n, alpha=1 - confidence, method="wilson")
    assert low[0] == pytest.approx(ref[0], abs=1e-12)
    assert high[0] == pytest.approx(ref[1], abs=1e-12)


def test_wilson_textbook_value():
    # 81 of 263 (Newcombe 1998, example (c)): 0.2553 to 0.3662
    low, high = wilson_interval(81, 263)
    assert float(low) == pytest.approx(0.2553, abs=5e-5)
    assert float(high) == pytest.approx(0.3662, abs=5e-5)


def test_wilson_extremes_are_exact():
    low, high = wilson_interval([0, 7], [7, 7])
    assert low[0] == 0.0 and high[1] == 1.0


def test_wilson_zero_trials_are_not_stated_and_bad_counts_are_rejected():
    low, high = wilson_interval([0, 3], [0, 10])
    assert np.isnan(low[0]) and np.isnan(high[0])
    assert np.isfinite(low[1]) and np.isfinite(high[1])
    with pytest.raises(ParamError):
        wilson_interval([5], [3])
    with pytest.raises(ParamError):
        wilson_interval([1], [3], confidence=1.5)


def test_wilson_takes_series_and_keeps_the_shape():
    x, n = pd.Series([5, 50, 0]), pd.Series([10, 100, 0])
    low, high = wilson_interval(x, n)
    assert low.shape == high.shape == (3,)
    assert (low[:2] < 0.5).all() and (high[:2] > 0.5).all()
    assert np.isnan(low[2])


def test_ratio_interval_is_katz():
    ratio, low, high = ratio_interval([30], [1000], [20], [2000])
    se = math.sqrt(1 / 30 - 1 / 1000 + 1 / 20 - 1 / 2000)
    z = 1.959963984540054
    assert ratio[0] == pytest.approx(3.0)
    assert low[0] == pytest.approx(3.0 * math.exp(-z * se))
    assert high[0] == pytest.approx(3.0 * math.exp(z * se))


def test_ratio_interval_hand_computed_value():
    # 30/100 against 20/200: RR 3.0, se = sqrt(1/30 - 1/100 + 1/20 - 1/200) = 0.26141
    ratio, low, high = ratio_interval(30, 100, 20, 200)
    assert float(ratio) == pytest.approx(3.0)
    assert float(low) == pytest.approx(1.797, abs=1e-3)
    assert float(high) == pytest.approx(5.008, abs=1e-3)


def test_ratio_interval_equals_statsmodels_on_vectors():
    x1, n1, x2, n2 = [30, 5, 12], [1000, 50, 40], [20, 4, 30], [2000, 80, 90]
    ratio, low, high = ratio_interval(x1, n1, x2, n2, confidence=0.9)
    ref_low, ref_high = confint_proportions_2indep(
        np.array(x1), np.array(n1), np.array(x2), np.array(n2),
        compare="ratio", method="log", alpha=0.1)
    np.testing.assert_allclose(low, ref_low)
    np.testing.assert_allclose(high, ref_high)
    np.testing.assert_allclose(ratio, np.divide(x1, n1) / np.divide(x2, n2))


def test_ratio_interval_zero_counts_are_not_stated():
    ratio, low, high = ratio_interval([0, 5, 5, 6], [100, 50, 0, 60], [20, 0, 3, 3],
                                      [200, 80, 30, 30])
    for k in range(3):
        assert np.isnan(ratio[k]) and np.isnan(low[k]) and np.isnan(high[k])
    assert low[3] < ratio[3] < high[3]
