"""The one safe division of pandas and numpy values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.stats.numbers import safe_divide


def test_scalars_give_floats_and_nan_without_a_denominator():
    assert safe_divide(6, 3) == pytest.approx(2.0)
    assert isinstance(safe_divide(6, 3), float)
    for den in (0, -2, np.nan, None):
        assert np.isnan(safe_divide(6, den))


def test_arrays_divide_element_by_element():
    out = safe_divide([1.0, 2.0, 3.0, np.nan], [2.0, 0.0, -1.0, 4.0])
    assert isinstance(out, np.ndarray)
    assert out[0] == pytest.approx(0.5)
    assert np.isnan(out[1:]).all()


def test_series_keep_their_index():
    num = pd.Series([4, 5], index=["a", "b"])
    den = pd.Series([2, 0], index=["a", "b"])
    out = safe_divide(num, den)
    assert list(out.index) == ["a", "b"] and out.dtype == "float64"
    assert out["a"] == pytest.approx(2.0) and np.isnan(out["b"])
    assert safe_divide(num.to_numpy(), den).index.equals(den.index)


def test_is_missing_covers_every_value_that_must_not_print_as_a_number():
    import numpy as np
    import pandas as pd

    from helpers.stats.numbers import is_missing

    for value in (None, float("nan"), float("inf"), -np.inf, np.float64("nan"), pd.NA, pd.NaT):
        assert is_missing(value), value
    for value in (0, 0.0, -1.5, np.int64(3), np.float32(2.0), "nan", "", True, [1, None]):
        assert not is_missing(value), value
