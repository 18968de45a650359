"""Customer-base profile: engine results against pandas, planted activity peaks, and the
customer profiling notebook on a tiny world without surveys and contacts."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpers.analysis import profiling
from helpers.analysis.profiling import activity as profiling_activity
from helpers.analysis.profiling import decisions as profiling_decisions
from helpers.core.errors import DataError, ParamError
from helpers.data.datasets import open_workspace
from helpers.data.features import account_features
from helpers.data.sample_world import generate_world, read_truth
from helpers.presentation import i18n
from helpers.report import execute

AS_OF = "2026-06-30"
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    folder = tmp_path_factory.mktemp("profiling_world")
    generate_world(folder, accounts=1000, seed=7)
    ws = open_workspace(folder)
    yield {"ws": ws, "features": account_features(ws, AS_OF), "truth": read_truth(folder),
           "folder": folder}
    ws.close()


def _tables(world, name):
    return world["ws"].table(name).to_pandas()


# --------------------------------------------------------------------------- basic information


def test_base_profile_totals_and_shares(world):
    f = world["features"]
    prof = profiling.base_profile(f, "industry", top=None)
    assert prof["accounts"].sum() == len(f)
    assert prof["revenue"].sum() == pytest.approx(f["revenue_total"].sum())
    assert prof["margin"].sum() == pytest.approx(f["margin_total"].sum())
    for col in ("account_share", "revenue_share", "margin_share"):
        assert prof[col].sum() == pytest.approx(1.0)
    assert prof["revenue"].is_monotonic_decreasing
    manu = prof.set_index("segment").loc["Manufacturing"]
    rows = f[f["industry"] == "Manufacturing"]
    assert manu["customers"] == (rows["order_count"] > 0).sum()
    assert manu["revenue_per_customer"] == pytest.approx(
        rows["revenue_total"].sum() / (rows["order_count"] > 0).sum())


def test_base_profile_keeps_band_order_and_folds_rare_values(world):
    f = world["features"]
    bands = profiling.base_profile(f, "size_band")
    assert bands["segment"].tolist()[:3] == ["small", "mid", "large"]
    cities = profiling.base_profile(f, "city", top=5)
    assert len(cities) == 6 and cities["segment"].iloc[-1] == "Other"
    assert cities["accounts"].sum() == len(f)
    top = profiling.revenue_concentration(bands)
    assert top["ratio"] == pytest.approx(top["revenue_share"] / top["account_share"])
    with pytest.raises(ParamError, match="did you mean 'industry'"):
        profiling.base_profile(f, "industri")


def test_base_profile_on_tiny_tables(tables, tmp_path):
    from conftest import write_tables

    ws = open_workspace(write_tables(tables, tmp_path / "d", "parquet"))
    prof = profiling.base_profile(account_features(ws, AS_OF), "region")
    emea = prof.set_index("segment").loc["EMEA"]
    assert emea["accounts"] == 2 and emea["customers"] == 2
    assert emea["revenue"] == pytest.approx(1000 + 2500 + 90000 - 500)
    assert emea["revenue_share"] == pytest.approx(1.0)


# --------------------------------------------------------------------------- behaviour


def test_behaviour_medians_match_pandas(world):
    f = world["features"]
    out = profiling.behaviour_by_segment(f, "size_band").set_index("segment")
    cust = f[f["order_count"] > 0]
    mid = cust[cust["size_band"] == "mid"]
    assert out.loc["mid", "customers"] == len(mid)
    assert out.loc["mid", "avg_order_value"] == pytest.approx(mid["avg_order_value"].median())
    assert out.loc["mid", "gap_days"] == pytest.approx(mid["mean_gap_days"].median())
    assert out.loc["All customers", "orders_per_year"] == pytest.approx(
        cust["orders_365d"].median())
    assert out.index[-1] == "All customers"


def test_channel_engagement_and_preferred_channel(world):
    f = world["features"]
    eng = profiling.channel_engagement(f)
    ints = _tables(world, "interactions")
    ints = ints[pd.to_datetime(ints["timestamp"]) < pd.Timestamp("2026-07-01")]
    known = ints[ints["account_id"].isin(f["account_id"])]
    by_channel = known.groupby("channel").size()
    got = eng.set_index("channel")["interactions"]
    assert got.sort_index().tolist() == by_channel.sort_index().tolist()
    assert eng["interaction_share"].sum() == pytest.approx(1.0)
    pref = profiling.preferred_channels(f)
    top = known.groupby(["account_id", "channel"]).size().unstack(fill_value=0)
    some = top.index[:50]
    expected = top.loc[some].idxmax(axis=1)
    counts = top.loc[some]
    # Compare only accounts without a tie for the top channel.
    unique = (counts.eq(counts.max(axis=1), axis=0).sum(axis=1) == 1)
    got_pref = pref.set_axis(f["account_id"]).loc[some]
    assert (got_pref[unique] == expected[unique]).all()
    assert eng["preferred_by"].sum() == (pref != "none").sum()
    assert profiling.channel_engagement(f.drop(columns=[c for c in f if c.startswith("eng_")])
                                        ).empty


def test_activity_peaks_recover_planted_peaks(world):
    activity = profiling.activity_by_time(world["ws"], AS_OF)
    peaks = profiling.activity_peaks(activity).set_index("channel")
    planted = world["truth"]["activity_peaks"]["channels"]
    for channel, truth in planted.items():
        assert peaks.loc[channel, "peak_weekday"] == truth["weekday"], channel
        assert peaks.loc[channel, "peak_hour"] == truth["hour"], channel
    assert peaks.index[-1] == "all"
    ints = _tables(world, "interactions")
    ts = pd.to_datetime(ints["timestamp"])
    window = (ts < pd.Timestamp("2026-07-01")) & (ts >= pd.Timestamp("2026-07-01")
                                                  - pd.Timedelta(days=365))
    assert activity["interactions"].sum() == window.sum()
    email = ints[window & (ints["channel"] == "email")]
    tues10 = ((pd.to_datetime(email["timestamp"]).dt.day_of_week == 1)
              & (pd.to_datetime(email["timestamp"]).dt.hour == 10)).sum()
    cell = activity[(activity["channel"] == "email") & (activity["weekday"] == 1)
                    & (activity["hour"] == 10)]
    assert int(cell["interactions"].iloc[0]) == tues10
    with pytest.raises(ParamError):
        profiling.activity_by_time(world["ws"], AS_OF, days=0)


# --------------------------------------------------------------------------- decision process


def test_buying_committee_matches_pandas(world):
    f = world["features"]
    out = profiling.buying_committee(world["ws"], f, "size_band").set_index("segment")
    contacts = _tables(world, "contacts").merge(f[["account_id", "size_band"]], on="account_id")
    large = contacts[contacts["size_band"] == "large"]
    sizes = large.groupby("account_id").size()
    assert out.loc["large", "accounts"] == len(sizes)
    assert out.loc["large", "committee_median"] == pytest.approx(sizes.median())
    dm = (large["role"] == "decision_maker").mean()
    assert out.loc["large", "share_decision_maker"] == pytest.approx(dm)
    shares = out[[c for c in out.columns if c.startswith("share_")]].sum(axis=1)
    assert np.allclose(shares, 1.0)
    # Bigger companies have bigger buying committees in any plausible world.
    assert out.loc["large", "committee_median"] > out.loc["small", "committee_median"]
    from scipy import stats

    all_sizes = contacts.groupby("account_id").size()
    rest = all_sizes[~all_sizes.index.isin(sizes.index)]
    assert out.loc["large", "size_p"] == pytest.approx(stats.mannwhitneyu(sizes, rest).pvalue)
    assert np.isnan(out.loc["All accounts", "size_p"])
    assert "accounts have the largest committees" in profiling.committee_finding(out.reset_index())


def test_committee_finding_names_no_segment_on_noise():
    committee = pd.DataFrame({
        "segment": ["small", "mid", "All accounts"], "accounts": [40, 40, 80],
        "committee_median": [3.0, 4.0, 3.5], "committee_mean": [3.2, 3.9, 3.5],
        "size_p": [0.2, 0.2, np.nan], "share_decision_maker": [0.3, 0.3, 0.3]})
    text = profiling.committee_finding(committee)
    assert "largest committees" not in text and "differs reliably" in text
    assert "largest committees" in profiling.committee_finding(committee.assign(size_p=[1e-4, 1e-4, np.nan]))


def test_sales_cycle_matches_pandas(world):
    f = world["features"]
    out = profiling.sales_cycle(world["ws"], AS_OF, f, "size_band").set_index("segment")
    o = _tables(world, "opportunities").merge(f[["account_id", "size_band"]], on="account_id")
    o = o[pd.to_datetime(o["created_date"]) <= AS_OF]
    closed = o["stage"].isin(["won", "lost"]) & (
        o["close_date"].isna() | (pd.to_datetime(o["close_date"]) <= AS_OF))
    mid = o[(o["size_band"] == "mid")]
    mid_closed = mid[closed[mid.index]]
    assert out.loc["mid", "closed"] == len(mid_closed)
    assert out.loc["mid", "win_rate"] == pytest.approx((mid_closed["stage"] == "won").mean())
    cycle = (pd.to_datetime(mid_closed["close_date"])
             - pd.to_datetime(mid_closed["created_date"])).dt.days
    assert out.loc["mid", "cycle_median_days"] == pytest.approx(cycle.median())
    won = cycle[mid_closed["stage"] == "won"]
    assert out.loc["mid", "cycle_won_median_days"] == pytest.approx(won.median())
    assert out.loc["All", "opportunities"] == len(o)


def test_weighted_median():
    assert profiling_decisions._weighted_median(pd.Series([1, 5, 9]), pd.Series([1, 1, 2])) == 7.0
    assert np.isnan(profiling_decisions._weighted_median(pd.Series([], dtype=float),
                                               pd.Series([], dtype=float)))


# --------------------------------------------------------------------------- needs


def test_pain_points_match_pandas(world):
    f = world["features"]
    pains = profiling.pain_points(world["ws"], AS_OF, f, "industry")
    s = _tables(world, "surveys")
    s = s[pd.to_datetime(s["response_date"]) <= AS_OF]
    tags = s.assign(tag=s["pain_points"].str.split(";")).explode("tag").dropna(subset=["tag"])
    overall = tags["tag"].value_counts() / len(s)
    got = pains[pains["segment"] == "All"].set_index("pain_point")["share"]
    assert got.sort_index().to_numpy() == pytest.approx(overall.sort_index().to_numpy())
    assert pains[pains["segment"] == "All"]["rank"].tolist() == list(range(1, len(got) + 1))
    seg = s.merge(f[["account_id", "industry"]], on="account_id")
    retail = seg[seg["industry"] == "Retail"]
    r_tags = retail.assign(tag=retail["pain_points"].str.split(";")).explode("tag")
    r_share = r_tags["tag"].value_counts() / len(retail)
    got_r = pains[pains["segment"] == "Retail"].set_index("pain_point")["share"]
    assert got_r.sort_index().to_numpy() == pytest.approx(r_share.sort_index().to_numpy())
    distinct = profiling.distinctive_pain_points(pains, min_responses=30, min_lift=1.3)
    assert (distinct["lift"] >= 1.3).all() and (distinct["segment"] != "All").all()


def test_missing_optional_tables_raise_readable_errors(world, tmp_path):
    folder = tmp_path / "no_optional"
    folder.mkdir()
    for name in ("accounts", "orders"):
        shutil.copy(world["folder"] / f"{name}.parquet", folder / f"{name}.parquet")
    ws = open_workspace(folder)
    f = account_features(ws, AS_OF)
    for call in (lambda: profiling.buying_committee(ws, f),
                 lambda: profiling.sales_cycle(ws, AS_OF, f),
                 lambda: profiling.pain_points(ws, AS_OF, f),
                 lambda: profiling.activity_by_time(ws, AS_OF)):
        with pytest.raises(DataError, match="needs? the"):
            call()
    assert profiling.channel_engagement(f).empty
    ws.close()


def test_format_helpers():
    assert profiling.format_list(["a", "b", "c"]) == "a, b and c"
    assert profiling.format_list(["a"]) == "a"
    assert profiling.format_list([]) == ""


def test_plots_return_axes(world):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    f = world["features"]
    ax = profiling.plot_profile_shares(profiling.base_profile(f, "industry"))
    assert len(ax.patches) == 3 * f["industry"].nunique()
    activity = profiling.activity_by_time(world["ws"], AS_OF, days=90)
    assert profiling.plot_activity_heatmap(activity).get_xlabel() == "hour of day"
    pains = profiling.pain_points(world["ws"], AS_OF, f, "size_band")
    assert profiling.plot_pain_points(pains).get_ylabel() == ""
    plt.close("all")


# --------------------------------------------------------------------------- the notebook


@pytest.mark.slow
def test_notebook_runs_without_surveys_and_contacts(tmp_path):
    """The one papermill execution: a tiny world lacking surveys and contacts."""
    import papermill as pm

    data = tmp_path / "tiny"
    generate_world(data, accounts=600, seed=3)
    for name in ("surveys", "contacts"):
        (data / f"{name}.parquet").unlink()
    out_dir = tmp_path / "out"
    executed = tmp_path / "customer_profiling.ipynb"
    pm.execute_notebook(
        str(ROOT / "notebooks" / "customer_profiling.ipynb"), str(executed),
        parameters={"data_source": str(data), "output_dir": str(out_dir)},
        kernel_name=execute.kernel_name(), cwd=str(ROOT / "notebooks"),
        progress_bar=False,
    )
    nb = json.loads(executed.read_text(encoding="utf-8"))
    text = "\n".join("".join(o.get("text", "")) + "".join(o.get("data", {}).get("text/markdown", ""))
                     for c in nb["cells"] if c["cell_type"] == "code" for o in c.get("outputs", []))
    assert "Skipped: the data has no contacts table." in text
    assert "Skipped: the data has no surveys table." in text
    assert not any(o.get("output_type") == "error" for c in nb["cells"]
                   for o in c.get("outputs", []))
    export = pd.read_csv(out_dir / "exports" / "account_profiles.csv")
    assert list(export.columns) == ["account_id", "fit_score", "bucket", "mcp_pass",
                                    "top_reasons"]
    assert len(export) == 600
    cards = json.loads((out_dir / "headlines" / "customer_profiling.json").read_text("utf-8"))
    assert 3 <= len(cards) <= 5


# --------------------------------------------------------------------------- thin data


def _accounts(**cols):
    n = 6
    base = {
        "account_id": [f"A{i}" for i in range(n)],
        "industry": ["M", "M", None, "R", None, None],
        "order_count": [2, 1, 3, 0, 1, 1],
        "revenue_total": [100.0, 50.0, 900.0, 0.0, 10.0, 10.0],
        "margin_total": [np.nan, np.nan, np.nan, 0.0, np.nan, np.nan],
        "orders_365d": [2, 1, 3, 0, 1, 1],
        "avg_order_value": [50.0, 50.0, 300.0, np.nan, 10.0, 10.0],
        "mean_gap_days": [30.0, np.nan, 20.0, np.nan, np.nan, np.nan],
        "product_lines": [0, 0, 0, 0, 0, 0],
    }
    base.update(cols)
    return pd.DataFrame(base)


def test_unknown_margin_and_missing_segment_never_win():
    feats = _accounts()
    profile = profiling.base_profile(feats, "industry", top=None)
    assert list(profile["segment"]) == ["M", "R", profiling.MISSING]  # (missing) has most revenue
    assert profile["margin_share"].isna().all()
    assert profiling.revenue_concentration(profile)["segment"] == "M"
    text = profiling.base_finding(profile, profiling.base_profile(feats, "industry"), "en")
    assert text.startswith("**M** is the largest industry") and "margin" not in text
    assert "nan" not in text.lower()
    empty = profiling.base_profile(feats.assign(industry=None), "industry")
    assert profiling.known_segments(empty).empty
    assert profiling.base_finding(empty, empty) == ""
    assert profiling.plot_profile_panels([(empty, "x")]) == []


def test_behaviour_without_segments_repeat_buyers_or_product_lines():
    feats = _accounts(industry=[None] * 6, mean_gap_days=[np.nan] * 6)
    behaviour = profiling.behaviour_by_segment(feats, "industry")
    assert behaviour["product_lines"].isna().all()
    text = profiling.behaviour_finding(behaviour, "EUR", "en")
    assert "every" not in text and "product lines" not in text and "larger orders" not in text
    assert profiling.plot_segment_panels(behaviour, {"gap_days": "gap"}) == []
    shown = profiling.readable(behaviour)
    assert "gap_days" not in shown and "product_lines" not in shown


def test_readable_shows_a_dash_for_unknowns():
    frame = pd.DataFrame({"a": [1.234, np.nan, np.inf], "b": ["x", None, "y"], "c": [np.nan] * 3,
                          "d": pd.array([1, pd.NA, 3], dtype="Int64")})
    out = profiling.readable(frame, digits=1)
    assert list(out.columns) == ["a", "b", "d"]
    assert list(out["a"]) == [1.2, profiling.DASH, profiling.DASH]
    assert list(out["b"]) == ["x", profiling.DASH, "y"] and out["d"].iloc[1] == profiling.DASH
    assert list(profiling.readable(frame.iloc[:0]).columns) == ["a", "b", "c", "d"]


def _activity(counts_by_weekday, hour=0, channel="email"):
    return pd.DataFrame({"channel": channel, "weekday": list(range(7)),
                         "weekday_name": list(profiling.WEEKDAYS), "hour": hour,
                         "interactions": counts_by_weekday})


def test_peak_p_is_the_corrected_binomial_test_of_the_busiest_cell():
    from scipy import stats
    from statsmodels.stats.multitest import multipletests

    counts = pd.Series([30, 22, 25, 41, 20, 18, 24])
    raw = [stats.binomtest(int(c), int(counts.sum()), 1 / 7, alternative="greater").pvalue
           for c in counts]
    expected = multipletests(raw, method="fdr_bh")[1][3]
    assert profiling_activity._peak_p(counts, 7, "bh") == pytest.approx(expected)
    # a missing cell counts as zero interactions, not as a cell less
    assert profiling_activity._peak_p(pd.Series({0: 5}), 7, "none") == pytest.approx(
        stats.binomtest(5, 5, 1 / 7, alternative="greater").pvalue)


def test_activity_findings_state_only_tested_peaks_and_no_hour_on_dates():
    from helpers.presentation.findings import FindingLog

    # date-only timestamps: every interaction at 0:00, a flat week with Friday a hair ahead
    flat = _activity([100, 101, 99, 100, 104, 98, 100])
    assert not profiling.has_time_of_day(flat)
    peaks = profiling.activity_peaks(flat)
    assert peaks.iloc[-1]["peak_weekday"] == "Friday" and peaks.iloc[-1]["weekday_p"] > 0.05
    log = FindingLog("customer_profiling")
    text = " ".join(profiling.activity_findings(peaks, log, hours=False))
    assert "Friday" not in text and ":00" not in text
    assert text.startswith("No weekday stands out reliably")
    assert log.stated() == [] and len(log.items) == 2
    # a real Friday peak is stated, once for all channels and for the channel
    busy = _activity([100, 100, 100, 100, 260, 100, 100])
    log = FindingLog("customer_profiling")
    text = " ".join(profiling.activity_findings(profiling.activity_peaks(busy), log, hours=False))
    assert "**Fridays**" in text and ":00" not in text
    assert {f.evidence.family for f in log.stated()} == {"activity peak by weekday"}
    assert profiling.activity_findings(peaks.iloc[:0], log) == []


def test_activity_findings_claim_an_hour_only_when_it_is_tested():
    from helpers.presentation.findings import FindingLog

    hours = pd.DataFrame({"channel": "email", "weekday": 1, "weekday_name": "Tuesday",
                          "hour": list(range(24)), "interactions": [10] * 24})
    hours.loc[hours["hour"] == 10, "interactions"] = 60
    assert profiling.has_time_of_day(hours)
    log = FindingLog("customer_profiling")
    text = " ".join(profiling.activity_findings(profiling.activity_peaks(hours), log, hours=True))
    assert "**10:00**" in text
    even = hours.assign(interactions=10)
    log = FindingLog("customer_profiling")
    text = " ".join(profiling.activity_findings(profiling.activity_peaks(even), log, hours=True))
    assert ":00" not in text and "No hour of the day stands out reliably" in text


def test_typical_customer_on_a_young_cohort_states_no_yearly_rate():
    n = 30
    feats = pd.DataFrame({
        "account_id": [f"A{i}" for i in range(n)],
        "order_count": [1] * 20 + [3] * 10,
        "orders_365d": [1] * 20 + [3] * 10,
        "avg_order_value": [100.0] * n,
        "mean_gap_days": [np.nan] * 20 + [15.0] * 10,
        "first_order_date": pd.to_datetime(["2026-03-01"] * n),
        "product_lines": [1] * n,
    })
    typical = profiling.typical_customer(feats, AS_OF)
    assert np.isnan(typical["orders_per_year"]) and typical["established"] == 0
    assert typical["repeat_buyers"] == 10 and typical["gap_days"] == 15.0
    assert 115 <= typical["history_days"] <= 125
    behaviour = profiling.behaviour_by_segment(feats.assign(size_band="mid"), "size_band")
    text = profiling.behaviour_finding(behaviour, "EUR", "en", typical=typical)
    assert "times a year" not in text and "1 times" not in text and "once a year" not in text
    assert "about 4 months" in text and "**one** order" in text
    assert "The 10 customers who re-ordered typically do so every **15** days" in text
    zh = profiling.behaviour_finding(behaviour, "EUR", "zh", typical=typical)
    assert "4 个月" in zh and "1 times" not in zh
    # too few repeat buyers: no typical gap, but say how many re-ordered
    few = profiling.typical_customer(feats.assign(mean_gap_days=[np.nan] * 27 + [15.0] * 3), AS_OF)
    assert np.isnan(few["gap_days"])
    assert "Only 3 customers have re-ordered" in profiling.behaviour_finding(
        behaviour, "EUR", typical=few)
    # a year of history: the yearly rate among those customers, "once" never "1 times"
    old = feats.assign(first_order_date=pd.to_datetime(["2024-01-01"] * n),
                       orders_365d=[1] * 20 + [3] * 10)
    text = profiling.behaviour_finding(behaviour, "EUR", typical=profiling.typical_customer(old, AS_OF))
    assert "(30) typically order **once** a year" in text


def test_segment_value_tests_match_scipy_and_gate_the_largest_orders():
    from scipy import stats

    from helpers.presentation.findings import FindingLog

    rng = np.random.default_rng(0)
    n = 90
    feats = pd.DataFrame({"account_id": [f"A{i}" for i in range(n)], "order_count": 1,
                          "size_band": ["small", "mid", "large"] * 30,
                          "avg_order_value": rng.lognormal(5, 0.3, n)})
    tests = profiling.segment_value_tests(feats, "size_band").set_index("segment")
    x = feats["avg_order_value"]
    large = feats["size_band"] == "large"
    assert tests.loc["large", "p_value"] == pytest.approx(
        stats.mannwhitneyu(x[large], x[~large], alternative="two-sided").pvalue)
    behaviour = pd.DataFrame({"segment": ["All customers"], "avg_order_value": [x.median()]})
    log = FindingLog("customer_profiling")
    text = profiling.behaviour_finding(behaviour, "EUR", tests=tests.reset_index(), log=log)
    assert "larger orders" not in text  # noise: no segment is named
    feats.loc[large, "avg_order_value"] *= 5
    tests = profiling.segment_value_tests(feats, "size_band")
    behaviour = behaviour.assign(avg_order_value=feats["avg_order_value"].median())
    text = profiling.behaviour_finding(behaviour, "EUR", tests=tests, log=FindingLog("x"))
    assert text.startswith("**large** customers place larger orders than the others")


def test_p_text():
    assert profiling.p_text(0.0001) == "< 0.001" and profiling.p_text(0.0342) == "0.034"
    assert profiling.p_text(np.nan) == profiling.DASH and profiling.p_text(None) == profiling.DASH


def test_cycle_and_committee_findings_without_closed_deals_or_segments():
    cycle = pd.DataFrame({"segment": ["small", "All"], "opportunities": [3, 3], "closed": [0, 0],
                          "won": [0, 0], "win_rate": [np.nan, np.nan], "cycle_median_days": [np.nan] * 2,
                          "cycle_won_median_days": [np.nan] * 2})
    assert profiling.cycle_finding(cycle) == i18n.t("customer_profiling.no_closed", "en")
    closed = cycle.assign(closed=[4, 4], won=[1, 1], win_rate=[0.25, 0.25])
    assert "close dates" in profiling.cycle_finding(closed)
    committee = pd.DataFrame({"segment": [profiling.MISSING, "All accounts"], "accounts": [3, 3],
                              "committee_median": [2.0, 2.0], "committee_mean": [2.0, 2.0],
                              "share_other": [1.0, 1.0]})
    assert profiling.committee_finding(committee) == ""
    channels = pd.DataFrame({"channel": ["email"], "interactions": [3], "interaction_share": [1.0],
                             "accounts_reached": [1], "reach": [0.5], "per_engaged_account": [3.0],
                             "preferred_by": [1], "preferred_share": [1.0]})
    assert profiling.engagement_finding(channels) == ""


def _cycle(won_a, won_b, closed=100):
    total_won, total_closed = won_a + won_b, 2 * closed
    return pd.DataFrame({
        "segment": ["small", "large", "All"], "opportunities": [closed, closed, total_closed],
        "closed": [closed, closed, total_closed], "won": [won_a, won_b, total_won],
        "win_rate": [won_a / closed, won_b / closed, total_won / total_closed],
        "cycle_median_days": [40.0] * 3, "cycle_won_median_days": [35.0] * 3})


def test_cycle_finding_names_a_segment_only_when_its_win_rate_survives():
    from scipy import stats

    from helpers.presentation.findings import FindingLog

    noise = profiling.cycle_finding(_cycle(30, 36))
    assert "win most often" not in noise and noise.startswith("Of 200 closed")
    log = FindingLog("customer_profiling")
    real = profiling.cycle_finding(_cycle(20, 50), log=log)
    assert "**large** accounts win most often (50%" in real
    p = stats.fisher_exact([[50, 50], [20, 80]]).pvalue
    assert log.items[1].evidence.p_value == pytest.approx(p)
    assert [f.stated for f in log.items] == [True, True]  # small is reliably lower
    assert "**small** accounts win less often (20%" in log.items[0].text


def test_distinctive_pain_points_are_tested_against_the_other_segments():
    from scipy import stats

    def pains(m_retail):
        rows = [("All", "price", 60 + m_retail, 200), ("Retail", "price", m_retail, 100),
                ("Energy", "price", 60, 100)]
        return pd.DataFrame([{"segment": s, "pain_point": t, "mentions": m, "responses": n,
                              "share": m / n, "rank": 1, "lift": (m / n) / ((60 + m_retail) / 200)}
                             for s, t, m, n in rows])

    # 13 of 30 against 25 of 100: lift 1.5, which the fixed threshold called distinctive
    noise = pd.DataFrame({"segment": ["All", "Retail", "Energy"], "pain_point": "price",
                          "mentions": [38, 13, 25], "responses": [130, 30, 100], "rank": 1})
    noise["share"] = noise["mentions"] / noise["responses"]
    noise["lift"] = noise["share"] / noise["share"].iloc[0]
    assert noise.loc[1, "lift"] >= 1.3 and stats.fisher_exact([[13, 17], [25, 75]]).pvalue > 0.05
    assert profiling.distinctive_pain_points(noise).empty
    small = pains(80)
    out = profiling.distinctive_pain_points(small, min_lift=1.1)
    assert list(out["segment"]) == ["Retail"]
    assert out.loc[0, "p_value"] == pytest.approx(stats.fisher_exact([[80, 20], [60, 40]]).pvalue)


def test_base_finding_names_the_richest_segment_only_when_it_is_tested():
    from helpers.presentation.findings import FindingLog

    rng = np.random.default_rng(3)
    n = 300
    feats = pd.DataFrame({"account_id": [f"A{i}" for i in range(n)],
                          "industry": np.array(["M", "R", "E"])[np.arange(n) % 3],
                          "size_band": np.array(["small", "mid"])[np.arange(n) % 2],
                          "order_count": 1, "revenue_total": rng.lognormal(8, 1, n),
                          "margin_total": np.nan})
    ind, size = (profiling.base_profile(feats, b) for b in ("industry", "size_band"))
    # the untested rule always had a segment that "brings the most" relative to its size
    assert profiling.revenue_concentration(ind)["segment"] is not None
    assert "brings the most" not in profiling.base_finding(ind, size)
    text = profiling.base_finding(ind, size, features=feats, log=FindingLog("x"))
    assert "brings the most" not in text and "Among size bands" not in text
    rich = feats.assign(revenue_total=np.where(feats["industry"] == "E", 5, 1) * feats["revenue_total"])
    ind = profiling.base_profile(rich, "industry")
    text = profiling.base_finding(ind, size, features=rich, log=FindingLog("x"))
    assert "Relative to its size, **E** brings the most" in text


# --------------------------------------------------------------------------- notebook steps


def _segments():
    return pd.DataFrame({"segment": ["Retail", "Energy", profiling.OTHER, profiling.MISSING, "All"],
                         "revenue_share": [0.6, 0.3, 0.1, 0.0, 1.0],
                         "avg_order_value": [10.0, 20.0, 5.0, 1.0, 12.0]})


def test_segment_series_and_overall_row():
    series = profiling.segment_series(_segments(), "revenue_share", 100)
    assert series.to_dict() == pytest.approx({"Retail": 60.0, "Energy": 30.0})
    shown = profiling.with_overall_row(_segments())
    assert list(shown.segment) == ["Retail", "Energy", "All"]


def test_location_table_renames_and_indexes():
    by_country = pd.DataFrame({"segment": ["DE", profiling.OTHER], "accounts": [3, 1], "customers": [2, 1],
                               "revenue": [100.0, 5.0], "account_share": [0.75, 0.25],
                               "revenue_share": [0.95238, 0.04762], "margin_share": [0.9, 0.1],
                               "extra": [1, 2]})
    shown = profiling.location_table(by_country, rename={profiling.OTHER: "其他"},
                                     labels={"segment": "国家", "accounts": "客户数"})
    assert list(shown.index) == ["DE", "其他"] and shown.index.name == "国家"
    assert "extra" not in shown.columns and "客户数" in shown.columns
    assert shown.loc["DE", "revenue_share"] == pytest.approx(0.952)


def test_known_channels_peak_table_and_channel_chart():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    channels = pd.DataFrame({"channel": ["email", profiling.MISSING], "interactions": [10, 2],
                             "preferred_share": [0.5, None]})
    known = profiling.known_channels(channels)
    assert list(known.channel) == ["email"]
    fig = profiling.plot_channel_engagement(known, interactions_title="a", preferred_title="b")
    assert [ax.get_title() for ax in fig.axes] == ["a", "b"]
    plt.close(fig)
    peaks = pd.DataFrame({"channel": ["email"], "peak_weekday": [2], "weekday_share": [0.4],
                          "weekday_p": [0.0001], "peak_hour": [9], "hour_share": [0.2], "hour_p": [0.02]})
    with_hours = profiling.peak_table(peaks, True, "zh", rename={"email": "邮件"})
    assert with_hours.channel.iloc[0] == "邮件" and with_hours.peak_weekday.iloc[0] == "星期三"
    assert with_hours.weekday_p.iloc[0] == profiling.p_text(0.0001)
    assert "peak_hour" not in profiling.peak_table(peaks, False).columns


def test_committee_shares_table_and_chart():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    committee = pd.DataFrame({"segment": ["small", profiling.OTHER], "contacts": [4, 2],
                              "share_buyer": [0.25, 0.5], "share_user": [0.75, 0.5], "size_p": [0.03, None]})
    shares = profiling.committee_shares(committee)
    assert list(shares.index) == ["small"] and list(shares.columns) == ["buyer", "user"]
    assert shares.loc["small", "user"] == pytest.approx(75)
    ax = profiling.plot_committee(shares, title="roles", xlabel="%")
    assert ax.get_title() == "roles" and ax.get_xlabel() == "%"
    plt.close(ax.figure)
    table = profiling.committee_table(committee, rename={profiling.OTHER: "其他"},
                                      labels={"segment": "细分"}, language="en")
    assert list(table.index) == ["small", "其他"] and table.index.name == "细分"
    assert i18n.t("customer_profiling.col.role_share", "en", role="buyer") in table.columns
    assert table["size_p"].iloc[0] == profiling.p_text(0.03)


def test_pains_finding_names_the_top_and_the_distinctive_pain_points():
    pains = pd.DataFrame({"segment": ["All", "All", "Retail"], "pain_point": ["price", "speed", "speed"],
                          "share": [0.4, 0.2, 0.6], "responses": [1200, 1200, 100]})
    none = pd.DataFrame(columns=["segment", "pain_point", "share", "lift"])
    text = profiling.pains_finding(pains, none)
    assert "price" in text and "40%" in text and "1,200" in text
    assert text.endswith(i18n.t("customer_profiling.finding.no_distinct", "en"))
    distinct = pd.DataFrame({"segment": ["Retail"], "pain_point": ["speed"], "share": [0.6], "lift": [3.0]})
    zh = profiling.pains_finding(pains, distinct, "zh")
    assert "Retail" in zh and "3.0" in zh and i18n.t("customer_profiling.finding.no_distinct", "zh") not in zh


def test_evidence_table_stacks_the_logs():
    class Log:
        def __init__(self, rows):
            self.rows = rows

        def evidence(self):
            return pd.DataFrame({"claim": self.rows})

    table = profiling.evidence_table(Log(["a"]), Log(["b", "c"]))
    assert list(table.claim) == ["a", "b", "c"] and list(table.index) == [0, 1, 2]
