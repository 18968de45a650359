"""BG/NBD and Gamma-Gamma: likelihoods against direct computation, recovery of simulated
parameters, standard errors against statsmodels, CLV arithmetic and the sample world."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from conftest import tiny_tables, write_tables
from scipy import integrate, special, stats
from statsmodels.tools.numdiff import approx_fprime, approx_hess3

from helpers.analysis import clv
from helpers.analysis.clv import bgnbd, gamma_gamma, inputs
from helpers.core.errors import DataError, ParamError, WorkbookError
from helpers.data.datasets import open_workspace
from helpers.data.sample_world import generate_world

AS_OF = "2026-06-30"
# Parameters chosen so 20,000 customers pin every one down to a few percent (SE <= 3.5%).
BG_TRUE = (1.0, 4.0, 0.6, 3.0)
GG_TRUE = (6.25, 3.74, 15.44)  # the published CDNOW estimates


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    folder = tmp_path_factory.mktemp("clv_world")
    generate_world(folder, accounts=1000, seed=11)
    return folder


@pytest.fixture(scope="module")
def ws(world):
    with open_workspace(world) as w:
        yield w


@pytest.fixture(scope="module")
def simulated():
    rng = np.random.default_rng(3)
    T = rng.uniform(52, 156, 20_000)
    return clv.simulate_bgnbd(20_000, BG_TRUE, T, seed=4, tick=1 / 7)


@pytest.fixture(scope="module")
def bg_fit(simulated):
    return clv.BetaGeoModel().fit(simulated.frequency, simulated.recency, simulated["T"])


# --------------------------------------------------------------------------- likelihoods


def direct_bgnbd_likelihood(r, alpha, a, b, x, t_x, T):
    """FHL (2005) equation 6 with plain gamma and beta functions, no logs."""
    beta = math.gamma(a) * math.gamma(b) / math.gamma(a + b)

    def B(p, q):
        return math.gamma(p) * math.gamma(q) / math.gamma(p + q)

    common = math.gamma(r + x) * alpha ** r / math.gamma(r)
    out = B(a, b + x) / beta * common / (alpha + T) ** (r + x)
    if x > 0:
        out += B(a + 1, b + x - 1) / beta * common / (alpha + t_x) ** (r + x)
    return out


def test_bgnbd_loglik_equals_direct_computation_on_hand_example():
    params = (0.243, 4.414, 0.793, 2.426)
    x = [0, 1, 2, 7, 3]
    t_x = [0.0, 1.71, 30.43, 29.43, 38.0]
    T = [38.86, 38.86, 38.86, 38.86, 38.0]
    got = clv.bgnbd_loglik(params, x, t_x, T)
    want = [math.log(direct_bgnbd_likelihood(*params, xi, ti, Ti))
            for xi, ti, Ti in zip(x, t_x, T, strict=True)]
    np.testing.assert_allclose(got, want, rtol=1e-10)
    # The dict form names the parameters.
    named = clv.bgnbd_loglik(dict(zip(("r", "alpha", "a", "b"), params, strict=True)), x, t_x, T)
    np.testing.assert_allclose(named, got)


def test_gamma_gamma_loglik_equals_numerical_integral():
    p, q, g = GG_TRUE
    for x, m in [(1, 22.35), (2, 11.77), (7, 73.74), (29, 26.26)]:
        def integrand(nu, x=x, m=m):
            # mean of x Gamma(p, nu) orders ~ Gamma(p x, x nu); nu ~ Gamma(q, g)
            return (stats.gamma.pdf(m, p * x, scale=1 / (x * nu))
                    * stats.gamma.pdf(nu, q, scale=1 / g))
        want, _ = integrate.quad(integrand, 0, np.inf, limit=200)
        got = clv.gamma_gamma_loglik(GG_TRUE, [x], [m])[0]
        assert got == pytest.approx(math.log(want), rel=1e-6)


def test_likelihood_has_no_overflow_for_frequent_buyers():
    params = (0.243, 4.414, 0.793, 2.426)
    x, t_x, T = [5000, 20000], [150.0, 155.5], [156.0, 156.0]
    ll = clv.bgnbd_loglik(params, x, t_x, T)
    assert np.isfinite(ll).all()
    model = clv.BetaGeoModel.from_params(*params)
    assert np.isfinite(model.p_alive(x, t_x, T)).all()
    assert np.isfinite(model.expected_purchases(52.0, x, t_x, T)).all()
    data = bgnbd._BGData(*inputs._as_arrays(x, t_x, T))
    assert np.isfinite(data.loglik_and_grad(*params)[1]).all()
    assert np.isfinite(clv.gamma_gamma_loglik(GG_TRUE, [20000], [1e6])).all()


def test_analytic_gradients_match_finite_differences(simulated):
    sub = simulated.iloc[:3000]
    data = bgnbd._BGData(*inputs._as_arrays(sub.frequency, sub.recency, sub["T"]))
    theta = np.array([0.9, 4.5, 0.7, 2.5])
    _, grad = data.loglik_and_grad(*theta)
    numeric = approx_fprime(theta, lambda v: data.loglik_and_grad(*v, grad=False)[0],
                            centered=True)
    np.testing.assert_allclose(grad, numeric, rtol=1e-5)

    x = np.array([1.0, 2, 3, 5, 8, 13])
    m = np.array([20.0, 35, 12, 60, 25, 18])
    gdata = gamma_gamma._GGData(x, m)
    theta = np.array([5.0, 3.0, 12.0])
    _, grad = gdata.loglik_and_grad(*theta)
    numeric = approx_fprime(theta, lambda v: gdata.loglik_and_grad(*v, grad=False)[0],
                            centered=True)
    np.testing.assert_allclose(grad, numeric, rtol=1e-5)


# --------------------------------------------------------------------------- fitting


def test_bgnbd_recovers_simulated_parameters_within_ten_percent(bg_fit):
    assert bg_fit.converged_
    for name, true in zip(bg_fit.names, BG_TRUE, strict=True):
        est, se = bg_fit.params_[name], bg_fit.se_[name]
        assert abs(est / true - 1) < 0.10, (name, est, true)
        assert abs(est - true) < 4 * se, (name, est, true, se)


def test_gamma_gamma_recovers_simulated_parameters_within_ten_percent():
    # Mostly small repeat counts, as in real data: they carry the most information on p.
    x = np.random.default_rng(5).integers(1, 4, 60_000).astype(float)
    m = clv.simulate_gamma_gamma(x, GG_TRUE, seed=6)
    gg = clv.GammaGammaModel().fit(x, m)
    assert gg.converged_
    for name, true in zip(gg.names, GG_TRUE, strict=True):
        assert abs(gg.params_[name] / true - 1) < 0.10, (name, gg.params_[name], true)
    assert abs(gg.frequency_spend_correlation_) < 0.05


def test_standard_errors_match_statsmodels_hessian(bg_fit, simulated):
    log_theta = np.log([bg_fit.params_[n] for n in bg_fit.names])

    def nll(v):
        return -clv.bgnbd_loglik(np.exp(v), simulated.frequency, simulated.recency,
                                 simulated["T"]).sum()

    hess = approx_hess3(log_theta, nll)
    se_log = np.sqrt(np.diag(np.linalg.inv(hess)))
    want = np.exp(log_theta) * se_log
    got = np.array([bg_fit.se_[n] for n in bg_fit.names])
    np.testing.assert_allclose(got, want, rtol=0.02)
    summary = bg_fit.summary()
    assert list(summary.parameter) == ["r", "alpha", "a", "b"]
    assert (summary.ci_low < summary.estimate).all() and (summary.estimate < summary.ci_high).all()


def test_maximised_loglik_is_reported_on_the_original_time_scale(bg_fit, simulated):
    direct = clv.bgnbd_loglik(bg_fit.params_, simulated.frequency, simulated.recency,
                              simulated["T"]).sum()
    assert bg_fit.loglik_ == pytest.approx(direct, rel=1e-9)


def test_fitter_on_three_customers_gives_a_clear_message():
    x, t_x, T = [0, 1, 2], [0.0, 3.0, 10.0], [20.0, 20.0, 20.0]
    with pytest.raises(clv.InsufficientDataError, match="3 customers and 2 repeat buyers"):
        clv.BetaGeoModel().fit(x, t_x, T)
    with pytest.raises(WorkbookError, match="repeat buyers"):
        clv.GammaGammaModel().fit([1, 2], [10.0, 12.0])
    summary = pd.DataFrame({
        "account_id": ["A", "B", "C"], "purchases": [1, 2, 3], "frequency": x,
        "recency": t_x, "T": T, "monetary_value": [np.nan, 50.0, 70.0],
        "mean_order_value": [40.0, 45.0, 60.0],
    })
    result = clv.fit_clv(summary, horizon_months=12, monthly_discount_rate=0.0)
    assert result.method == clv.METHOD_HISTORICAL
    assert "Too few repeat buyers" in result.message and "3 customers" in result.message
    assert result.bgnbd is None and result.parameters.empty
    t = result.table
    assert np.isfinite(t.clv).all() and (t.clv > 0).all()
    # Historical average: purchases per month since the first purchase x spend x months.
    months = 20 * 7 / clv.DAYS_PER_MONTH
    assert t.clv.iloc[2] == pytest.approx(3 / months * 60.0 * 12)


def test_bad_inputs_raise_workbook_errors():
    with pytest.raises(DataError, match="inconsistent"):
        clv.BetaGeoModel().fit([1, 0], [5.0, 0.0], [4.0, 10.0])  # recency after T
    with pytest.raises(ParamError, match="time_unit"):
        clv.check_time_unit("fortnight")
    with pytest.raises(ParamError, match="horizon_months"):
        clv.discount_weights(0, 0.01)
    with pytest.raises(ParamError, match="monthly_discount_rate"):
        clv.discount_weights(12, 1.5)
    with pytest.raises(ParamError, match="holdout_months"):
        clv.calibration_end_for(AS_OF, 0)
    with pytest.raises(WorkbookError, match="not fitted"):
        clv.BetaGeoModel().p_alive([1], [1.0], [2.0])


# --------------------------------------------------------------------------- predictions


def test_expected_purchases_euler_form_equals_direct_formula():
    r, alpha, a, b = 0.243, 4.414, 0.793, 2.426
    x = np.array([0.0, 1, 2, 5, 10])
    T = np.array([38.0, 30.0, 20.0, 39.0, 35.0])
    t = 26.0
    got = bgnbd._bg_cumulative(r, alpha, a, b, x, T, t)
    z = t / (alpha + T + t)
    direct = (a + b + x - 1) / (a - 1) * (
        1 - ((alpha + T) / (alpha + T + t)) ** (r + x)
        * special.hyp2f1(r + x, b + x, a + b + x - 1, z))
    np.testing.assert_allclose(got, direct, rtol=1e-9)


def test_predictions_match_the_simulated_truth():
    n = 40_000
    sim = clv.simulate_bgnbd(n, BG_TRUE, 52.0, seed=8, future=26.0)
    model = clv.BetaGeoModel.from_params(*BG_TRUE)
    # E[P(alive | data)] is the share alive; E[conditional purchases] the future total.
    p_alive = model.p_alive(sim.frequency, sim.recency, sim["T"])
    assert p_alive.mean() == pytest.approx(sim.alive.mean(), abs=0.01)
    expected = model.expected_purchases(26.0, sim.frequency, sim.recency, sim["T"])
    assert expected.sum() == pytest.approx(sim.future_purchases.sum(), rel=0.03)
    # A new customer's purchases in (0, t]: eq. 9 against the simulated mean.
    fresh = clv.simulate_bgnbd(n, BG_TRUE, 26.0, seed=9)
    assert float(model.expected_purchases_new(26.0)) == pytest.approx(
        fresh.frequency.mean(), rel=0.03)
    # Calibration by bucket: frequent buyers who bought recently are expected to buy more.
    assert expected[sim.frequency >= 5].mean() > expected[sim.frequency == 0].mean()


def test_zero_discount_clv_equals_undiscounted_sum_of_expected_margin(simulated):
    model = clv.BetaGeoModel.from_params(*BG_TRUE)
    sub = simulated.iloc[:500]
    spend = np.linspace(50, 500, len(sub))
    margin = 0.35
    got = clv.discounted_clv(model, sub.frequency, sub.recency, sub["T"], spend,
                             horizon_months=24, monthly_discount_rate=0.0,
                             time_unit="week", margin=margin)
    horizon_weeks = 24 * clv.DAYS_PER_MONTH / 7
    purchases = model.expected_purchases(horizon_weeks, sub.frequency, sub.recency, sub["T"])
    np.testing.assert_allclose(got, purchases * spend * margin, rtol=1e-10)
    discounted = clv.discounted_clv(model, sub.frequency, sub.recency, sub["T"], spend,
                                    horizon_months=24, monthly_discount_rate=0.02,
                                    time_unit="week", margin=margin)
    assert (discounted < got).all() and (discounted > got / 1.02 ** 24).all()


def test_time_unit_does_not_change_the_answer(simulated):
    sub = simulated.iloc[:4000]
    weeks = clv.BetaGeoModel().fit(sub.frequency, sub.recency, sub["T"])
    days = clv.BetaGeoModel().fit(sub.frequency, sub.recency * 7, sub["T"] * 7)
    assert days.params_["alpha"] == pytest.approx(weeks.params_["alpha"] * 7, rel=1e-4)
    assert days.params_["b"] == pytest.approx(weeks.params_["b"], rel=1e-4)
    pw = weeks.expected_purchases(10.0, sub.frequency, sub.recency, sub["T"])
    pd_ = days.expected_purchases(70.0, sub.frequency, sub.recency * 7, sub["T"] * 7)
    np.testing.assert_allclose(pw, pd_, rtol=1e-3)


def test_gamma_gamma_expected_spend_formula():
    gg = clv.GammaGammaModel.from_params(*GG_TRUE)
    p, q, g = GG_TRUE
    got = gg.expected_spend([0, 3], [np.nan, 40.0])
    assert got[0] == pytest.approx(p * g / (q - 1))
    assert got[1] == pytest.approx(p * (g + 3 * 40.0) / (p * 3 + q - 1))
    heavy = clv.GammaGammaModel.from_params(1.0, 0.8, 10.0)
    with pytest.raises(clv.InsufficientDataError, match="q=0.80"):
        heavy.expected_spend([1], [10.0])


# --------------------------------------------------------------------------- data


def test_purchase_summary_hand_example(tmp_path):
    tables = tiny_tables()
    extra = pd.DataFrame({"order_id": ["O5", "O6"], "account_id": ["A1", "A1"],
                          "order_date": pd.to_datetime(["2026-02-01", "2026-07-05"]).date,
                          "amount": [500.0, 800.0], "gross_margin": [100.0, 200.0],
                          "product_line": ["Sensors", "Sensors"]})
    tables["orders"] = pd.concat([tables["orders"], extra], ignore_index=True)
    with open_workspace(write_tables(tables, tmp_path / "d", "parquet")) as w:
        s = clv.purchase_summary(w, AS_OF, time_unit="week")
        cal = clv.purchase_summary(w, AS_OF, time_unit="day", calibration_end="2025-12-31")
    a1 = s.set_index("account_id").loc["A1"]
    # Two purchase days (the same-day orders merge); the July order is after as_of.
    assert a1.purchases == 2 and a1.frequency == 1
    assert a1.recency == pytest.approx(392 / 7) and a1["T"] == pytest.approx(541 / 7)
    assert a1.monetary_value == pytest.approx(3000.0)
    assert a1.mean_order_value == pytest.approx(2000.0)
    a2 = s.set_index("account_id").loc["A2"]
    assert a2.frequency == 0 and np.isnan(a2.monetary_value)  # the credit note is no purchase
    assert list(s.account_id) == ["A1", "A2"]
    c1 = cal.set_index("account_id").loc["A1"]
    assert c1.frequency == 0 and c1["T"] == 360 and c1.holdout_purchases == 1
    assert c1.holdout_spend == pytest.approx(3000.0) and c1.holdout_duration == 181


def test_profit_clv_applies_margin_and_cost_to_serve():
    clv_table = pd.DataFrame({"account_id": ["A", "B", "C"], "clv": [1000.0, 1000.0, 500.0]})
    features = pd.DataFrame({
        "account_id": ["A", "B", "C"], "revenue_total": [200.0, 100.0, 0.0],
        "margin_total": [100.0, 30.0, 0.0], "cost_to_serve": [20.0, 40.0, 10.0],
        "acquisition_cost": [100.0, np.nan, 0.0]})
    out = clv.profit_clv(clv_table, features)
    # Portfolio rates for C: margin 130/300, cost 60/300.
    np.testing.assert_allclose(out.margin_rate, [0.5, 0.3, 130 / 300])
    np.testing.assert_allclose(out.cost_rate, [0.1, 0.4, 0.2])
    np.testing.assert_allclose(out.profit_clv, [400.0, -100.0, 500 * (130 - 60) / 300])
    assert out.clv_cac.iloc[0] == pytest.approx(4.0) and out.clv_cac.iloc[1:].isna().all()
    no_cost = clv.profit_clv(clv_table, features.assign(cost_to_serve=np.nan))
    assert (no_cost.cost_rate == 0).all() and not no_cost.attrs["has_service_costs"]


def test_sample_world_p_alive_separates_churned_accounts(ws, world):
    summary = clv.purchase_summary(ws, AS_OF)
    result = clv.fit_clv(summary, horizon_months=24, monthly_discount_rate=0.01)
    assert result.method in (clv.METHOD_MODEL, clv.METHOD_OBSERVED_SPEND)
    assert result.bgnbd.converged_
    truth = pd.read_parquet(world / "truth_accounts.parquet")
    t = result.table.merge(truth, on="account_id")
    churned = t.true_stage == "churned"
    assert t.p_alive[churned].mean() < 0.3
    assert t.p_alive[t.true_stage.isin(["growth", "mature"])].mean() > 0.85
    auc = stats.mannwhitneyu(t.p_alive[~churned], t.p_alive[churned]).statistic / (
        (~churned).sum() * churned.sum())
    assert auc > 0.9
    params = result.parameters
    assert set(params.model) >= {"BG/NBD"} and params.std_error.notna().all()


def test_holdout_check_on_sample_world(ws):
    check = clv.holdout_check(ws, AS_OF, holdout_months=6)
    assert check.ok and check.customers > 100
    assert check.by_bucket.customers.sum() == check.customers
    assert check.by_bucket.bucket.iloc[-1] == "7+"
    assert check.correlation > 0.3
    assert abs(check.total_error) < 0.3
    assert check.actual_total == pytest.approx(
        (check.by_bucket.actual * check.by_bucket.customers).sum())
    ax = clv.plot_holdout(check)
    assert len(ax.patches) == 2 * len(check.by_bucket)


def test_holdout_check_says_why_when_data_is_thin(tmp_path):
    with open_workspace(write_tables(tiny_tables(), tmp_path / "d", "csv")) as w:
        check = clv.holdout_check(w, AS_OF, holdout_months=3)
    assert not check.ok and "No holdout check" in check.message and check.by_bucket.empty


def test_profit_clv_leaves_an_unknown_margin_unknown():
    clv_table = pd.DataFrame({"account_id": ["A", "B", "C"], "clv": [1000.0, 500.0, 0.0]})
    features = pd.DataFrame({
        "account_id": ["A", "B", "C"], "revenue_total": [200.0, 100.0, 0.0],
        "margin_total": [np.nan, np.nan, 0.0], "cost_to_serve": np.nan,
        "acquisition_cost": [100.0, 50.0, np.nan]})
    out = clv.profit_clv(clv_table, features)
    assert out.margin_rate.isna().all() and out.profit_clv.isna().all()
    assert out.clv_cac.isna().all() and not out.attrs["has_margin"]
    # one known margin: that account gets profit CLV, the unknown one stays unknown
    part = clv.profit_clv(clv_table, features.assign(margin_total=[50.0, np.nan, 0.0]))
    assert part.profit_clv.iloc[0] == pytest.approx(250.0) and np.isnan(part.profit_clv.iloc[1])
    assert part.attrs["has_margin"] and part.attrs["portfolio_margin_rate"] == pytest.approx(0.25)


def _degenerate_summary():
    """30 repeat buyers who all bought twice, ten weeks apart, and ten one-time buyers."""
    x = np.r_[np.ones(30), np.zeros(10)]
    return pd.DataFrame({
        "account_id": [f"A{i:02d}" for i in range(40)], "purchases": (x + 1).astype(int),
        "frequency": x, "recency": np.r_[np.full(30, 10.0), np.zeros(10)], "T": 10.0,
        "monetary_value": np.where(x > 0, 100.0, np.nan), "mean_order_value": 100.0})


def test_a_degenerate_fit_is_detected_and_not_used_as_a_forecast():
    s = _degenerate_summary()
    model = clv.BetaGeoModel(min_repeat_buyers=30).fit(s.frequency, s.recency, s["T"])
    assert clv.fit_problem(model) in ("bound", "flat")
    result = clv.fit_clv(s, min_repeat_buyers=30, horizon_months=12)
    assert result.method == clv.METHOD_HISTORICAL and result.bgnbd is None
    assert "degenerate" in result.message
    assert np.isfinite(result.table.clv).all() and (result.table.clv > 0).all()


def test_fit_problem_flags_each_kind_of_bad_fit():
    good = clv.BetaGeoModel.from_params(1.0, 4.0, 0.6, 3.0)
    good.cov_log_ = np.eye(4) * 0.01
    assert clv.fit_problem(good) is None
    flat = clv.BetaGeoModel.from_params(1.0, 4.0, 0.6, 3.0)
    assert clv.fit_problem(flat) == "flat"  # no finite standard errors
    bad = clv.BetaGeoModel.from_params(1.0, np.inf, 0.6, 3.0)
    assert clv.fit_problem(bad) == "parameters"
    good.converged_ = False
    assert clv.fit_problem(good) == "converge"


def test_historical_result_is_labelled():
    result = clv.historical_result(_degenerate_summary(), "history too short", horizon_months=6)
    assert result.method == clv.METHOD_HISTORICAL and result.message == "history too short"
    assert result.table.p_alive.isna().all() and result.parameters.empty


def test_gamma_gamma_q_near_one_is_not_used_for_spend():
    gg = clv.GammaGammaModel.from_params(0.14, 1.003, 18000.0)
    gg.cov_log_ = np.diag([0.01, 0.125 ** 2, 0.1])
    assert clv.gg_q_lower_bound(gg) < 1  # the interval reaches 1: mean spend undefined
    gg.cov_log_ = np.diag([0.01, 0.01, 0.1])
    gg.params_["q"] = 3.7
    assert clv.gg_q_lower_bound(gg) == pytest.approx(3.7 * np.exp(-0.196))
    assert np.isnan(clv.gg_q_lower_bound(clv.GammaGammaModel.from_params(1, 2, 3)))


def test_fit_problem_flags_an_absurd_shape_parameter():
    # the failed fit seen on a CRM export: a = 43,623 while the others look ordinary
    absurd = clv.BetaGeoModel.from_params(0.5, 12.0, 43_623.0, 2.0)
    absurd.cov_log_ = np.eye(4) * 0.01
    assert clv.fit_problem(absurd) == "absurd"
    gg = clv.GammaGammaModel.from_params(6.25, 3.74, 15_000.0)  # gamma has a unit: not a shape
    gg.cov_log_ = np.eye(3) * 0.01
    assert clv.fit_problem(gg) is None


def _holdout(error: float, message: str = "") -> clv.HoldoutCheck:
    return clv.HoldoutCheck(pd.DataFrame(), total_error=error, message=message)


def test_a_failed_holdout_check_gives_the_labelled_fallback(simulated):
    s = simulated.iloc[:3000].assign(
        account_id=[f"A{i}" for i in range(3000)], purchases=lambda d: d.frequency + 1,
        monetary_value=np.where(simulated.frequency.iloc[:3000] > 0,
                                40.0 + np.arange(3000) % 7 * 5, np.nan),
        mean_order_value=50.0)
    kept = clv.fit_clv(s, horizon_months=12, holdout=_holdout(0.2))
    assert kept.method != clv.METHOD_HISTORICAL and clv.model_gate(kept, _holdout(0.2))[0]
    failed = clv.fit_clv(s, horizon_months=12, holdout=_holdout(-0.7))
    assert failed.method == clv.METHOD_HISTORICAL and failed.bgnbd is None
    assert "holdout" in failed.message and "-70%" in failed.message
    passed, test, evidence = clv.model_gate(failed, _holdout(-0.7))
    assert not passed and "holdout" in test and evidence["effect"] == pytest.approx(-0.7)
    assert np.isfinite(failed.table.clv).all()
    # a check that could not run, or had no holdout orders, decides nothing
    assert not clv.holdout_failed(None)
    assert not clv.holdout_failed(_holdout(np.nan, "too thin"))
    assert not clv.holdout_failed(_holdout(np.nan))
    assert clv.holdout_failed(_holdout(0.51)) and not clv.holdout_failed(_holdout(0.49))
    with pytest.raises(ParamError, match="max_holdout_error"):
        clv.holdout_failed(_holdout(0.1), 0)


# --------------------------------------------------------------------------- model views


def test_frequency_recency_matrix_matches_the_closed_form_per_cell():
    model = clv.BetaGeoModel.from_params(0.243, 4.414, 0.793, 2.426)  # CDNOW, weeks
    expected, alive = clv.frequency_recency_matrix(model, T_months=9, horizon_months=6, max_frequency=8,
                                                   n_recency=4)
    assert expected.shape == alive.shape == (4, 9)
    assert list(expected.index) == [0.0, 3.0, 6.0, 9.0] and list(expected.columns) == list(range(9))
    r, alpha, a, b = 0.243, 4.414, 0.793, 2.426
    per_month = clv.DAYS_PER_MONTH / 7
    T, t = 9 * per_month, 6 * per_month
    for rec_m, x in ((3.0, 2), (9.0, 5), (6.0, 8)):
        t_x = rec_m * per_month
        # FHL 2005 eq. 10 written out with scipy's 2F1 (lifetimes' conditional expectation)
        head = (a + b + x - 1) / (a - 1) * (
            1 - ((alpha + T) / (alpha + T + t)) ** (r + x)
            * special.hyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + T + t)))
        odds = a / (b + x - 1) * ((alpha + T) / (alpha + t_x)) ** (r + x)
        assert expected.loc[rec_m, x] == pytest.approx(head / (1 + odds), rel=1e-8)
        assert alive.loc[rec_m, x] == pytest.approx(1 / (1 + odds), rel=1e-8)
    # no repeat purchase: alive by definition, recency does not matter
    assert (alive[0] == 1).all() and expected[0].nunique() == 1
    # the more recent the last purchase, the likelier alive and the more expected
    assert (alive[5].diff().dropna() > 0).all() and (expected[5].diff().dropna() > 0).all()
    assert ((alive >= 0) & (alive <= 1)).all().all()


def test_matrix_settings_and_plot(simulated):
    s = simulated.iloc[:2000]
    settings = clv.matrix_settings(s, "week")
    assert 5 <= settings["max_frequency"] <= 40
    assert settings["T_months"] == int(np.ceil(np.quantile(s["T"] * 7 / clv.DAYS_PER_MONTH, 0.9)))
    expected, alive = clv.frequency_recency_matrix(clv.BetaGeoModel.from_params(*BG_TRUE), horizon_months=12,
                                                   **settings)
    axes = clv.plot_matrices(expected, alive, horizon_months=12, language="zh")
    assert len(axes) == 2 and all(CJK_RE.search(ax.get_title()) for ax in axes)
    with pytest.raises(ParamError):
        clv.frequency_recency_matrix(clv.BetaGeoModel.from_params(*BG_TRUE), T_months=0, horizon_months=12)


CJK_RE = __import__("re").compile(r"[\u4e00-\u9fff]")


def test_cumulative_transactions_counts_repeat_purchases_and_sums_the_model():
    days = pd.DataFrame({
        "account_id": ["A", "A", "A", "B", "B", "C", "C"],
        "order_date": pd.to_datetime(["2025-01-10", "2025-02-15", "2025-07-01", "2025-03-01", "2025-06-20",
                                      "2025-05-01", "2025-05-20"]),
    })
    model = clv.BetaGeoModel.from_params(*BG_TRUE)
    frame = clv.cumulative_transactions(days, model, calibration_end="2025-04-30", as_of="2025-07-31")
    # C starts after the calibration end: it is left out of both lines
    assert frame.attrs["accounts"] == 2
    assert frame.date.iloc[-1] == pd.Timestamp("2025-07-31")
    by_date = frame.set_index("date")
    assert by_date.actual.loc["2025-01-31"] == 0 and by_date.actual.loc["2025-02-28"] == 1
    assert by_date.actual.loc["2025-06-30"] == 2 and by_date.actual.loc["2025-07-31"] == 3
    assert (np.diff(frame.predicted) >= 0).all()
    end = pd.Timestamp("2025-07-31")
    want = sum(float(model.expected_purchases_new((end - pd.Timestamp(d)).days / 7))
               for d in ("2025-01-10", "2025-03-01"))
    assert frame.predicted.iloc[-1] == pytest.approx(want, rel=1e-9)
    ax = clv.plot_cumulative(frame, language="en")
    assert len(ax.get_lines()) == 3 and ax.get_legend() is not None


def test_cumulative_transactions_on_the_sample_world_tracks_the_actual_orders(ws):
    check = clv.holdout_check(ws, AS_OF, holdout_months=6)
    assert check.model is not None
    frame = clv.cumulative_transactions(clv.purchase_days(ws, AS_OF), check.model,
                                        calibration_end=check.calibration_end, as_of=AS_OF)
    last = frame.iloc[-1]
    assert last.actual > 100 and abs(last.predicted / last.actual - 1) < 0.25


def _fitted_result(n: int, seed: int = 5) -> tuple[clv.ClvResult, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    sim = clv.simulate_bgnbd(n, BG_TRUE, rng.uniform(52, 156, n), seed=seed, tick=1 / 7)
    spend = clv.simulate_gamma_gamma(sim.frequency, GG_TRUE, seed=seed)
    s = sim.assign(account_id=[f"A{i}" for i in range(n)], purchases=sim.frequency + 1,
                   monetary_value=spend, mean_order_value=np.where(np.isfinite(spend), spend, 30.0))
    extra = pd.DataFrame({"account_id": ["short", "long"], "frequency": [3.0, 30.0], "recency": [9.0, 99.0],
                          "T": [10.0, 100.0], "purchases": [4, 31], "monetary_value": [40.0, 40.0],
                          "mean_order_value": [40.0, 40.0]})
    s = pd.concat([s, extra], ignore_index=True)
    return clv.fit_clv(s, horizon_months=24), s


def test_clv_intervals_contain_the_estimate_and_widen_with_less_history():
    result, s = _fitted_result(4000)
    assert result.method == clv.METHOD_MODEL
    ids = ["short", "long", "A1", "A2", "A3"]
    iv = clv.clv_intervals(result, s, ids, level=0.9)
    assert iv.attrs["available"] and list(iv.account_id) == ids
    assert (iv.clv_low <= iv.clv).all() and (iv.clv <= iv.clv_high).all() and (iv.clv_low >= 0).all()
    rel = ((iv.clv_high - iv.clv_low) / iv.clv).set_axis(ids)
    # the same buying rate (3 in 10 weeks, 30 in 100): the shorter history is less certain
    assert rel["short"] > rel["long"]
    # a wider level gives a wider interval; a factor scales the interval
    wide = clv.clv_intervals(result, s, ids, level=0.98)
    assert (wide.clv_high - wide.clv_low >= iv.clv_high - iv.clv_low - 1e-9).all()
    profit = clv.clv_intervals(result, s, ids, level=0.9, factor=0.25)
    np.testing.assert_allclose(profit.clv_high, iv.clv_high * 0.25, rtol=1e-9)
    # the draws average to the point estimate (the model's conditional expectation)
    centre = clv.clv_intervals(result, s, ["long"], level=0.02, draws=20_000)
    assert centre.clv_low.iloc[0] == pytest.approx(centre.clv.iloc[0], rel=0.1)


def test_clv_intervals_widen_when_the_fit_has_fewer_accounts():
    big, s_big = _fitted_result(4000, seed=6)
    small, s_small = _fitted_result(300, seed=6)
    if small.method == clv.METHOD_HISTORICAL:
        pytest.skip("the small fit fell back")
    rel = [float(((iv.clv_high - iv.clv_low) / iv.clv).iloc[0])
           for iv in (clv.clv_intervals(big, s_big, ["long"]), clv.clv_intervals(small, s_small, ["long"]))]
    assert rel[1] > rel[0] * 0.95


def test_clv_intervals_are_missing_for_the_historical_average(simulated):
    s = simulated.iloc[:50].assign(account_id=[f"A{i}" for i in range(50)], purchases=lambda d: d.frequency + 1,
                                   monetary_value=np.nan, mean_order_value=50.0)
    hist = clv.historical_result(s, "too few")
    iv = clv.clv_intervals(hist, s, ["A1", "A2"])
    assert not iv.attrs["available"] and iv.clv_low.isna().all() and iv.clv.notna().all()
    with pytest.raises(ParamError):
        clv.clv_intervals(hist, s, ["A1"], level=1.5)
