"""Response curves: the model maths, the fit, the fallback and the engine-side data."""

from __future__ import annotations

import json

import matplotlib
import numpy as np
import pandas as pd
import pytest
from scipy.optimize import curve_fit

from helpers.analysis import response_curves as rc
from helpers.analysis.response_curves import fit as rc_fit
from helpers.core.errors import DataError, ParamError
from helpers.data.datasets import open_workspace
from helpers.data.sample_world import generate_world

matplotlib.use("Agg")

AS_OF = "2026-06-30"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    folder = tmp_path_factory.mktemp("rc_world")
    truth = generate_world(folder, accounts=1000, seed=7)
    ws = open_workspace(folder)
    yield folder, truth, ws
    ws.close()


@pytest.fixture(scope="module")
def periods(world):
    _, _, ws = world
    return rc.channel_periods(ws, AS_OF, exclude_channels=["abm"])


def _synthetic(beta=30.0, k=4000.0, s=1.6, decay=0.35, n=60, noise=0.0, seed=3):
    rng = np.random.default_rng(seed)
    spend = 4000.0 * np.exp(rng.normal(0, 0.6, n))
    y = rc.hill(rc.adstock(spend, decay), beta, k, s)
    return spend, y + rng.normal(0, noise, n)


# --------------------------------------------------------------------------- maths


def test_adstock_matches_recursion_and_settles_at_spend():
    spend = np.array([100.0, 300.0, 0.0, 50.0])
    x, prev = [], 120.0
    for v in spend:
        prev = 0.4 * v + 0.6 * prev
        x.append(prev)
    assert np.allclose(rc.adstock(spend, 0.6, 120.0), x)
    assert np.allclose(rc.adstock(np.full(30, 250.0), 0.7), 250.0)
    assert np.allclose(rc.adstock(spend, 0.0), spend)


def test_hill_value_and_derivative():
    assert rc.hill(1000.0, 10.0, 1000.0, 2.0) == pytest.approx(5.0)
    x = np.array([10.0, 500.0, 2000.0, 9000.0])
    h = 1e-3
    numeric = (rc.hill(x + h, 7.0, 1500.0, 1.7) - rc.hill(x - h, 7.0, 1500.0, 1.7)) / (2 * h)
    assert np.allclose(rc.hill_derivative(x, 7.0, 1500.0, 1.7), numeric, rtol=1e-5)


def test_analytic_jacobian_matches_finite_differences():
    spend, _ = _synthetic(n=20)
    theta = np.array([12.0, 3000.0, 1.4, 0.45])
    jac = rc_fit._jacobian(theta, spend, 3500.0)
    steps = np.array([1e-5, 1e-3, 1e-6, 1e-7])
    numeric = np.column_stack([
        (rc_fit._predict(theta + e * h, spend, 3500.0) - rc_fit._predict(theta - e * h, spend, 3500.0))
        / (2 * h) for e, h in zip(np.eye(4), steps, strict=True)])
    assert np.allclose(jac, numeric, rtol=1e-5, atol=1e-9)


# --------------------------------------------------------------------------- fit


def test_fit_recovers_known_parameters_without_noise():
    spend, y = _synthetic()
    curve = rc.fit_curve("x", spend, y, n_boot=0)
    assert curve.kind == rc.HILL
    assert curve.beta == pytest.approx(30.0, rel=0.02)
    assert curve.k == pytest.approx(4000.0, rel=0.02)
    assert curve.s == pytest.approx(1.6, rel=0.02)
    assert curve.decay == pytest.approx(0.35, abs=0.01)
    assert curve.r2 > 0.999


def test_fit_is_at_least_as_good_as_scipy_curve_fit():
    spend, y = _synthetic(decay=0.0, noise=1.0)
    curve = rc.fit_curve("x", spend, y, use_adstock=False, n_boot=0)
    popt, _ = curve_fit(lambda x, b, k, s: rc.hill(x, b, k, s), spend, y,
                        p0=[30, 4000, 1.5], maxfev=20000)
    sse_ours = np.sum((rc.hill(spend, curve.beta, curve.k, curve.s) - y) ** 2)
    sse_scipy = np.sum((rc.hill(spend, *popt) - y) ** 2)
    assert curve.decay == 0.0
    assert sse_ours <= sse_scipy * (1 + 1e-6)


def test_bootstrap_is_seeded_and_brackets_the_estimate():
    spend, y = _synthetic(noise=1.5)
    a = rc.fit_curve("x", spend, y, n_boot=25, seed=5)
    b = rc.fit_curve("x", spend, y, n_boot=25, seed=5)
    c = rc.fit_curve("x", spend, y, n_boot=25, seed=6)
    assert a.boot.shape == (25, 4)
    assert np.array_equal(a.boot, b.boot)
    assert not np.array_equal(a.boot, c.boot)
    table = rc.curves_table({"x": a})
    row = table.iloc[0]
    assert row.response_low <= row.response_at_current <= row.response_high


def test_thin_history_falls_back_to_capped_constant_roi():
    spend, y = _synthetic(n=8)
    curve = rc.fit_curve("thin", spend, y, roi_cap=1.5, n_boot=10)
    assert curve.is_fallback and "8 periods" in curve.note
    assert "constant ROI" in curve.label()
    assert curve.roi == pytest.approx(y.sum() / spend.sum())
    assert curve.cap == pytest.approx(1.5 * spend.mean())
    assert curve.response(2 * curve.cap) == pytest.approx(curve.roi * curve.cap)
    assert curve.marginal(2 * curve.cap) == 0.0
    assert curve.boot.shape == (10, 1)


def test_flat_spend_and_empty_outcome_fall_back():
    flat = rc.fit_curve("flat", np.full(24, 1000.0), np.arange(24.0), n_boot=0)
    assert flat.is_fallback and "barely varies" in flat.note
    spend, _ = _synthetic(n=24)
    none = rc.fit_curve("none", spend, np.zeros(24), n_boot=0)
    assert none.is_fallback and none.roi == 0.0 and "outcome" in none.note


def test_bad_inputs_raise_param_errors():
    with pytest.raises(ParamError, match="same length"):
        rc.fit_curve("x", [1.0, 2.0], [1.0])
    with pytest.raises(ParamError, match="roi_cap"):
        rc.fit_curve("x", [1.0, 2.0], [1.0, 2.0], roi_cap=0)


# --------------------------------------------------------------------------- engine data


def test_channel_periods_match_a_direct_count(world, periods):
    folder, _, _ = world
    spend = pd.read_parquet(folder / "marketing_spend.parquet")
    opp = pd.read_parquet(folder / "opportunities.parquet")
    assert set(periods.channel) == {"ads", "social", "email", "webinar", "trade_show"}
    assert periods.groupby("channel").size().eq(36).all()
    month = pd.to_datetime(opp.created_date).dt.to_period("M").dt.to_timestamp()
    expected = opp.assign(period_start=month).groupby(["source_channel", "period_start"]).size()
    got = periods.set_index(["channel", "period_start"])["outcome"]
    ads = got.loc["ads"]
    assert ads.sum() == expected.loc["ads"].sum()
    assert np.allclose(ads.to_numpy(), expected.loc["ads"].reindex(ads.index, fill_value=0))
    total_spend = spend[spend.channel == "email"].spend.sum()
    assert periods[periods.channel == "email"].spend.sum() == pytest.approx(total_spend)


def test_channel_periods_outcomes_and_as_of(world):
    _, _, ws = world
    pipe = rc.channel_periods(ws, AS_OF, outcome="pipeline", exclude_channels=["abm"])
    won = rc.channel_periods(ws, AS_OF, outcome="won_revenue", exclude_channels=["abm"])
    assert (won.outcome <= pipe.outcome + 1e-6).all() and won.outcome.sum() > 0
    early = rc.channel_periods(ws, "2025-06-15")
    assert early.period_start.max() == pd.Timestamp("2025-05-01")  # June incomplete: dropped
    assert "abm" in set(early.channel)
    with pytest.raises(ParamError, match="outcome"):
        rc.channel_periods(ws, AS_OF, outcome="revenue")


def test_channel_periods_without_spend_table_says_so():
    class NoSpend:
        def has(self, name):
            return name != "marketing_spend"

    with pytest.raises(DataError, match="marketing_spend"):
        rc.channel_periods(NoSpend(), AS_OF)


def test_sample_world_fits_are_hill_curves_near_the_truth(world, periods):
    _, truth, _ = world
    curves = rc.fit_response_curves(periods, n_boot=20, seed=1)
    planted = truth["response_curves"]["channels"]
    for ch, curve in curves.items():
        assert curve.kind == rc.HILL, curve.note
        assert curve.boot.shape[0] >= 15
        true = rc.hill(curve.current_spend, planted[ch]["beta"], planted[ch]["k"],
                       planted[ch]["s"])
        # The response at current spend is what the data pins down best.
        assert float(curve.response(curve.current_spend)) == pytest.approx(true, rel=0.25)
    table = rc.curves_table(curves)
    assert list(table.channel) == sorted(planted)
    assert table.r2.gt(0).all()
    ax = rc.plot_response_curves(curves, proposed={c: v.current_spend * 1.2
                                                   for c, v in curves.items()})
    assert len(ax.lines) >= 2 * len(curves)


def test_truth_file_has_the_curves_the_tests_rely_on(world):
    folder, _, _ = world
    truth = json.loads((folder / "truth.json").read_text())
    for spec in truth["response_curves"]["channels"].values():
        assert {"beta", "k", "s", "adstock_decay"} <= set(spec)


def test_fit_summary_groups_fallbacks_and_states_no_r2_without_a_fit():
    note = "assumed constant ROI: only 5 periods of history (needs 12)"
    fits = pd.DataFrame({"channel": ["ads", "email"], "model": ["constant ROI", "constant ROI"],
                         "r2": [-0.1, 0.2], "note": [note, note]})
    text = rc.fit_summary(fits)
    assert "None of the 2 channels" in text and "nan" not in text and "R²" not in text
    assert text.count(note) == 1 and "ads, email: " in text
    mixed = pd.concat([fits, pd.DataFrame({"channel": ["social"], "model": ["Hill"], "r2": [0.5],
                                           "note": [""]})], ignore_index=True)
    assert "1 of 3 channels" in rc.fit_summary(mixed) and "0.50" in rc.fit_summary(mixed)
    assert "nan" not in rc.fit_summary(fits, "zh")


# --------------------------------------------------------------------------- allocation view


def _view_curve(channel, *, k=2000.0, boot=20, fallback=False, decay=0.0, scale=1.0):
    spend = np.linspace(1000, 3000, 24)
    if fallback:
        c = rc.ResponseCurve.constant_roi(channel, 0.01, 3000.0, current_spend=2000.0)
    else:
        c = rc.ResponseCurve.from_params(channel, 50.0 * scale, k, 1.2, decay=decay, current_spend=2000.0)
        rng = np.random.default_rng(1)
        c.boot = np.column_stack([50.0 * scale * rng.uniform(0.95, 1.05, boot), np.full(boot, k),
                                  np.full(boot, 1.2), np.full(boot, decay)])
    periods = pd.date_range("2024-01-01", periods=len(spend), freq="MS")
    c.history = pd.DataFrame({"period_start": periods, "spend": spend,
                              "outcome": c.response(spend) + 1.0, "fitted": c.response(spend)})
    return c


@pytest.mark.parametrize("k, scale", [(2000.0, 1.0), (800.0, 3.0), (5000.0, 0.2), (1500.0, 40.0)])
def test_marginal_sentence_states_the_curves_marginal_per_1000(k, scale):
    import re

    c = _view_curve("events", k=k, scale=scale)
    expected = float(c.marginal(c.current_spend)) * 1000
    assert rc.marginal_per(c) == pytest.approx(expected)
    text = rc.marginal_sentence(c, channel="events", unit="opportunities", currency="EUR")
    assert text.startswith("Each extra 1,000 EUR in events brings about ")
    number = float(re.search(r"about ([\d,.]+)", text).group(1).replace(",", ""))
    # within rounding: two significant digits below 10, one decimal below 100, whole above
    assert number == pytest.approx(expected, rel=0.06, abs=0.06)
    zh = rc.marginal_sentence(c, channel="活动", unit="个商机", currency="EUR", language="zh")
    assert rc.about(expected) in zh and "活动" in zh


def test_marginal_sentence_says_when_the_curve_is_not_identified():
    loose = _view_curve("loose", k=29_500.0)  # k at the fit's upper limit: never saturates
    few = _view_curve("few", boot=3)
    flat = _view_curve("flat", fallback=True)
    assert not rc.is_identified(loose) and not rc.is_identified(few) and not rc.is_identified(flat)
    assert rc.is_identified(_view_curve("fit"))
    for c in (loose, few):
        text = rc.marginal_sentence(c, currency="EUR")
        assert "not identified" in text and "about" not in text
    assert "assumed" in rc.marginal_sentence(flat, currency="EUR")
    roas = rc.marginal_sentence(_view_curve("fit"), currency="EUR", roas=True)
    assert "Return on spend" in roas and "×" in roas


def test_about_rounds_for_a_sentence():
    assert rc.about(0.8432) == "0.84"
    assert rc.about(3.27) == "3.3"
    assert rc.about(42.26) == "42.3"
    assert rc.about(1450.2) == "1,450"
    assert rc.about(float("nan")) == "–" and rc.about(None) == "–" and rc.about(0) == "0"


def test_marginal_spread_names_best_and_worst_identified_channels():
    curves = {"big": _view_curve("big", scale=3.0), "small": _view_curve("small", scale=1.0),
              "flat": _view_curve("flat", fallback=True)}
    spread = rc.marginal_spread(curves)
    assert spread["best"] == "big" and spread["worst"] == "small"
    assert spread["gap"] == pytest.approx(rc.marginal_per(curves["big"]) - rc.marginal_per(curves["small"]))
    assert spread["clear"] and spread["gap_low"] > 0
    assert rc.marginal_spread({"big": curves["big"], "flat": curves["flat"]}) is None


def test_carry_over_table_and_fit_over_time():
    curves = {"a": _view_curve("a", decay=0.5), "b": _view_curve("b"),
              "flat": _view_curve("flat", fallback=True)}
    carry = rc.carry_over_table(curves).set_index("channel")
    assert carry.loc["a", "half_life"] == pytest.approx(1.0)  # half gone after one period at 0.5
    assert carry.loc["a", "same_period"] == pytest.approx(0.5)
    assert carry.loc["b", "half_life"] == 0 and carry.loc["flat", "fitted"] == False  # noqa: E712
    assert np.isnan(carry.loc["flat", "carry_over"])
    fit = rc.fit_over_time(curves)
    assert list(fit.columns) == ["period_start", "actual", "fitted"] and len(fit) == 24
    total = sum(c.history["outcome"].sum() for c in curves.values())
    assert fit["actual"].sum() == pytest.approx(total)
    assert rc.fit_over_time({}).empty


def test_allocation_view_charts_return_their_axes():
    import matplotlib.pyplot as plt

    curves = {"a": _view_curve("a"), "b": _view_curve("b", scale=2.0), "flat": _view_curve("flat", fallback=True)}
    axes = rc.plot_curve_panels(curves, proposed={"a": 2500.0}, labels={"a": "A"}, currency="EUR", title="Curves")
    assert len(axes) >= 3 and axes[0].get_title() == "A" and "EUR" in axes[0].figure.get_supxlabel()
    assert axes[0].figure.get_suptitle() == "Curves"
    assert "steepest" in rc.panels_alt(curves) and "b" in rc.panels_alt(curves)
    plt.close(axes[0].figure)
    fit = rc.fit_over_time(curves)
    fig, ax = plt.subplots()
    assert rc.plot_fit_over_time(fit, ax=ax) is ax
    assert "Jan 2024" in rc.fit_alt(fit)
    plt.close(fig)


def test_marginal_note_lists_each_channel_under_its_title():
    curves = {"a": rc.ResponseCurve.from_params("a", 50.0, 2000.0, 1.0, current_spend=3000.0),
              "b": rc.ResponseCurve.constant_roi("b", 0.05, 1500.0, current_spend=1000.0)}
    note = rc.marginal_note(curves, labels={"a": "Alpha"}, unit="opportunities", currency="EUR")
    lines = note.split("\n")
    assert lines[0].startswith("**What one more 1,000 EUR brings at today's spend**") and lines[1] == ""
    assert lines[2:] == [
        "- " + rc.marginal_sentence(c, channel={"a": "Alpha"}.get(ch, ch), unit="opportunities", currency="EUR")
        for ch, c in curves.items()]
    zh = rc.marginal_note(curves, labels={}, unit="个商机", currency="EUR", language="zh")
    assert "每多投入" in zh.split("\n")[0]


def test_spread_values_name_the_channels_and_round_the_figures():
    spread = {"best": "a", "worst": "b", "best_value": 1.234, "worst_value": 0.456, "gap_low": 0.1,
              "gap_high": 1450.2}
    values = rc.spread_values(spread, labels={"a": "Alpha"}, unit="opportunities", currency="EUR")
    assert values == {"currency": "EUR", "unit": "opportunities", "best": "Alpha", "worst": "b",
                      "best_value": rc.about(1.234), "worst_value": rc.about(0.456), "low": rc.about(0.1),
                      "high": "1,450"}
