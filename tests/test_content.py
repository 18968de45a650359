"""Content and channel evaluation: intervals, rankings and the planted content and timing truths."""

from __future__ import annotations

import json
import math
import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from report_text import UNREADABLE

from helpers.analysis import content as ct
from helpers.analysis import lifecycle
from helpers.analysis.content import channels as ct_channels
from helpers.analysis.content import queries as ct_queries
from helpers.core.errors import DataError, ParamError
from helpers.data.datasets import open_workspace
from helpers.data.sample_world import generate_world
from helpers.presentation import findings as fnd
from helpers.stats.intervals import ratio_interval, wilson_interval

AS_OF = "2026-06-30"
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    folder = tmp_path_factory.mktemp("content_world")
    truth = generate_world(folder, accounts=1500, seed=11)
    ws = open_workspace(folder)
    ws.folder = folder
    accounts = pd.read_parquet(folder / "truth_accounts.parquet")
    yield ws, truth, accounts.set_index("account_id")
    ws.close()


class _Without:
    """A workspace view that hides some tables."""

    def __init__(self, ws, hidden):
        self._ws, self._hidden = ws, set(hidden)

    def has(self, name):
        return name not in self._hidden and self._ws.has(name)

    def table(self, name):
        if name in self._hidden:
            raise DataError(f"no {name}")
        return self._ws.table(name)


# --------------------------------------------------------------------------- statistics


def test_leaderboard_never_ranks_small_samples():
    perf = pd.DataFrame({
        "content_id": ["a", "b", "c", "d"], "reached_accounts": [5, 400, 29, 30],
        "converting_accounts": [4, 40, 20, 3],
    })
    low, high = wilson_interval(perf.converting_accounts, perf.reached_accounts)
    perf["conversion_rate"] = perf.converting_accounts / perf.reached_accounts
    perf["conversion_rate_low"], perf["conversion_rate_high"] = low, high
    board = ct.leaderboard(perf, min_sample=30)
    assert list(board.content_id) == ["b", "d"]
    assert list(board["rank"]) == [1, 2]


# --------------------------------------------------------------------------- sample world


def test_asset_performance_and_leaderboard(world):
    ws, _, _ = world
    perf = ct.content_performance(ws, AS_OF, by="content_id", min_sample=60)
    assert perf.content_id.is_unique
    small = set(perf.loc[perf.reached_accounts < 60, "content_id"])
    assert small  # the test needs both kinds of asset
    board = ct.leaderboard(perf)
    assert not small & set(board.content_id)
    assert len(board) == (perf.reached_accounts >= 60).sum()
    assert board.conversion_rate_low.is_monotonic_decreasing
    assert (perf.converting_accounts <= perf.reached_accounts).all()
    assert (perf.engaged_accounts <= perf.reached_accounts).all()
    ok = perf[perf.reached_accounts > 0]
    assert ((ok.conversion_rate_low <= ok.conversion_rate)
            & (ok.conversion_rate <= ok.conversion_rate_high)).all()
    by_cat = ct.content_performance(ws, AS_OF, by="content_category")
    assert by_cat.touches.sum() == perf.touches.sum()
    assert by_cat.assets.sum() == perf.assets.sum()
    assert by_cat.cost.sum() == pytest.approx(perf.cost.sum())
    with_cost = by_cat[by_cat.opportunities > 0]
    assert with_cost.cost_per_opportunity.to_numpy() == pytest.approx(
        (with_cost.cost / with_cost.opportunities).to_numpy())


def test_sourced_conversions_never_exceed_influenced(world):
    ws, _, _ = world
    src = ct.content_performance(ws, AS_OF, by="content_category", credit="sourced")
    inf = ct.content_performance(ws, AS_OF, by="content_category", credit="influenced")
    assert (src.converting_accounts.to_numpy() <= inf.converting_accounts.to_numpy()).all()


# --------------------------------------------------------------------------- shared touch summary


def _reference_performance(ws, by, window_days, credit, since_days):
    """Counts of :func:`content_performance` straight from every touch (no summary)."""
    c = ws.table("content")
    c = c.filter(c.publish_date.isnull() | (c.publish_date <= pd.Timestamp(AS_OF).date()))
    cat = c.select(k_id=c.content_id.cast("string"), key=c[by].cast("string").coalesce("(none)"))
    t = ct_queries._touches(ws, AS_OF, content_only=True, since_days=since_days or None)
    t = t.join(cat, t.t_content == cat.k_id)
    base = t.group_by("key").aggregate(
        touches=t.count(), interactions=t.count(where=t.t_event.isin(list(ct.INTERACTION_EVENTS))),
        downloads=t.count(where=t.t_event == "download"),
        registrations=t.count(where=t.t_event == "registration"),
        reached_accounts=t.t_acc.nunique(),
        engaged_accounts=t.t_acc.nunique(where=t.t_event.isin(list(ct.ENGAGED_EVENTS))),
    ).to_pandas()
    pairs = ct_queries._conversions(t, ct_queries._opportunities(ws, AS_OF), window_days, credit, "content")
    conv = pairs.group_by("key").aggregate(converting_accounts=pairs.t_acc.nunique(),
                                           converted_touches=pairs.t_id.nunique()).to_pandas()
    opp = pairs.select("key", "o_id", "o_amount", "o_won").distinct()
    money = opp.group_by("key").aggregate(
        opportunities=opp.count(), pipeline=opp.o_amount.sum(),
        won_opportunities=opp.count(where=opp.o_won),
        won_revenue=opp.o_amount.sum(where=opp.o_won)).to_pandas()
    out = base.merge(conv, on="key", how="left").merge(money, on="key", how="left")
    return out.fillna(0).set_index("key").sort_index()


def _reference_by_stage(ws, stages, window_days, credit, since_days):
    """Counts of :func:`conversion_by_stage` straight from every touch (no summary)."""
    c = ws.table("content")
    cat = c.select(k_id=c.content_id.cast("string"),
                   key=c.content_category.cast("string").coalesce("(none)"))
    t = ct_queries._touches(ws, AS_OF, content_only=True, since_days=since_days or None)
    t = t.join(cat, t.t_content == cat.k_id)
    st = ct_queries._stage_table(stages)
    t = t.join(st, t.t_acc == st.s_acc)
    pairs = ct_queries._conversions(t, ct_queries._opportunities(ws, AS_OF), window_days, credit, "content")
    hit = pairs.select(h_id=pairs.t_id).distinct()
    t = t.left_join(hit, t.t_id == hit.h_id)
    out = t.group_by(["stage", "key"]).aggregate(
        touches=t.count(), converted_touches=t.count(where=t.h_id.notnull()),
        accounts=t.t_acc.nunique(), converting_accounts=t.t_acc.nunique(where=t.h_id.notnull()),
    ).to_pandas()
    return out.set_index(["stage", "key"]).sort_index()


@pytest.mark.parametrize(("credit", "since_days"),
                         [("sourced", 0), ("influenced", 0), ("sourced", 365)])
def test_touch_summary_gives_the_counts_of_every_touch(world, credit, since_days):
    ws, _, accounts = world
    settings = {"window_days": 14, "credit": credit, "since_days": since_days}
    summary = ct.touch_summary(ws, AS_OF, **settings)
    for by in ct.CONTENT_LEVELS:
        shared = ct.content_performance(ws, AS_OF, by=by, summary=summary, **settings)
        alone = ct.content_performance(ws, AS_OF, by=by, **settings)
        pd.testing.assert_frame_equal(shared, alone, rtol=1e-12)
        ref = _reference_performance(ws, by, **settings)
        got = shared.set_index(by).loc[ref.index, list(ref.columns)]
        pd.testing.assert_frame_equal(got, ref, check_dtype=False, check_names=False,
                                      rtol=1e-12)
        assert (shared.loc[~shared[by].isin(ref.index), "touches"] == 0).all()
        assert shared.converting_accounts.sum() > 0
    stages = accounts["true_stage"]
    shared = ct.conversion_by_stage(ws, AS_OF, stages, summary=summary, **settings)
    pd.testing.assert_frame_equal(shared, ct.conversion_by_stage(ws, AS_OF, stages, **settings))
    ref = _reference_by_stage(ws, stages, **settings)
    got = shared.set_index(["stage", "content_category"]).sort_index()[list(ref.columns)]
    pd.testing.assert_frame_equal(got, ref, check_dtype=False, check_names=False)


def test_touch_summary_must_match_the_call(world):
    ws, _, accounts = world
    summary = ct.touch_summary(ws, AS_OF, window_days=30)
    with pytest.raises(ParamError, match="window_days=30"):
        ct.content_performance(ws, AS_OF, window_days=14, summary=summary)
    with pytest.raises(ParamError, match="credit"):
        ct.conversion_by_stage(ws, AS_OF, accounts["true_stage"], credit="influenced",
                               summary=summary)
    with pytest.raises(ParamError, match="as of"):
        ct.content_performance(ws, "2026-05-31", summary=summary)
    with pytest.raises(ParamError, match="engaged_events"):
        ct.content_performance(ws, AS_OF, engaged_events=["click"], summary=summary)
    with pytest.raises(ParamError, match="touch_summary"):
        ct.content_performance(ws, AS_OF, summary=pd.DataFrame())
    # The same event types in another order are the same setting.
    ct.content_performance(ws, AS_OF, by="topic", summary=summary,
                           interaction_events=[e.upper() for e in ct.INTERACTION_EVENTS[::-1]])
    # Without opportunities the summary has no conversions, like the table without one.
    bare = _Without(ws, ["opportunities"])
    lean = ct.touch_summary(bare, AS_OF)
    assert lean.conversions is None
    pd.testing.assert_frame_equal(
        ct.content_performance(bare, AS_OF, by="content_type", summary=lean),
        ct.content_performance(bare, AS_OF, by="content_type"))
    with pytest.raises(DataError, match="without opportunities"):
        ct.conversion_by_stage(ws, AS_OF, accounts["true_stage"], summary=lean)


def test_touch_summary_releases_its_engine_tables(world):
    ws, _, _ = world
    before = set(ws.con.list_tables())
    with ct.touch_summary(ws, AS_OF) as summary:
        added = set(ws.con.list_tables()) - before
        assert len(added) == 2  # per account and asset, and the conversions
        assert len(ct.content_performance(ws, AS_OF, by="topic", summary=summary))
    assert not added & set(ws.con.list_tables())


def test_category_by_stage_recovers_planted_content_lift(world):
    ws, truth, accounts = world
    table = ct.conversion_by_stage(ws, AS_OF, accounts["true_stage"], window_days=30)
    realised = truth["content_lift"]["realised"]
    for row in table.itertuples():
        # Touch counts are exactly the generator's; conversions can only be fewer (an
        # opportunity due after as_of never happened) or, rarely, more (a repeat touch).
        assert row.touches == realised[row.stage][row.content_category]["touches"]
        assert row.converted_touches <= 1.1 * realised[row.stage][row.content_category][
            "conversions"] + 2
    best = ct.best_for_stage(table).set_index("stage")
    assert best.loc["prospect", "content_category"] == "educational"
    assert bool(best.loc["prospect", "significant"])
    growth = table[table.stage == "growth"].set_index("content_category")
    assert growth.loc["educational", "lift_high"] < 1
    assert growth.loc["interactive", "rate"] > growth.loc["educational", "rate"]
    assert growth.loc["brand", "rate"] > growth.loc["educational", "rate"]


def test_lifecycle_stages_keep_the_finding(world):
    ws, _, _ = world
    stages = lifecycle.stages_for(ws, AS_OF).set_index("account_id")["stage"]
    table = ct.conversion_by_stage(ws, AS_OF, stages)
    best = ct.best_for_stage(table).set_index("stage")
    assert best.loc["prospect", "content_category"] == "educational"
    assert list(table.stage.unique()[:2]) == ["prospect", "new"]


def test_best_send_window_matches_planted_peak(world):
    ws, truth, _ = world
    timing = ct.engagement_by_time(ws, AS_OF)
    best = ct.best_send_windows(timing, window_hours=1).set_index("channel")
    peaks = truth["activity_peaks"]["channels"]
    for channel, peak in peaks.items():
        assert best.loc[channel, "weekday"] == peak["weekday_index"], channel
        assert best.loc[channel, "hour_start"] == peak["hour"], channel
        assert best.loc[channel, "lift"] > 3
    wide = ct.best_send_windows(timing, window_hours=3).set_index("channel")
    for channel, peak in peaks.items():
        assert wide.loc[channel, "hour_start"] <= peak["hour"] < wide.loc[channel, "hour_end"]
    assert timing.touches.sum() == int(ws.table("interactions").count().to_pandas())
    sparse = ct.best_send_windows(timing, min_sample=10**9)
    assert not sparse.enough_data.any() and sparse.weekday.isna().all()


def test_planning_views(world):
    ws, _, _ = world
    cal = ct.publishing_calendar(ws, AS_OF, months=12)
    assert len(cal) == 12
    c = ws.table("content").to_pandas()
    pub = pd.to_datetime(c.publish_date)
    assert cal.to_numpy().sum() == ((pub >= cal.index[0]) & (pub <= pd.Timestamp(AS_OF))).sum()
    gaps = ct.coverage_gaps(ws, AS_OF).set_index("pain_point")
    # Sample topics mention security and reporting; the other tags have no content.
    assert not gaps.loc["security", "gap"] and not gaps.loc["reporting", "gap"]
    assert gaps.loc[["pricing", "support", "integration", "onboarding"], "gap"].all()
    mapped = ct.coverage_gaps(ws, AS_OF, topic_map={"integration": ["Remote Monitoring"]})
    assert not mapped.set_index("pain_point").loc["integration", "gap"]
    dist = ct.content_distribution(ws, AS_OF)
    channels = [col for col in dist.columns if col not in ("channels", "main_channel",
                                                           "main_share")]
    assert (dist[channels].gt(0).sum(axis=1) == dist.channels).all()
    assert dist.main_share.between(0, 1).all()


def test_channel_comparison_and_ranking(world):
    ws, _, accounts = world
    targets = accounts.index[accounts.is_icp]
    comp = ct.channel_comparison(ws, AS_OF, targets=targets, lookback_days=365)
    assert comp.attrs["targets"] == len(targets)
    assert comp.coverage.between(0, 1).all()
    assert (comp.targets_reached <= comp.accounts_reached).all()
    paid = comp.dropna(subset=["spend"]).query("leads > 0")
    assert paid.cost_per_lead.to_numpy() == pytest.approx((paid.spend / paid.leads).to_numpy())
    assert set(comp.loc[comp.channel.isin(["meeting", "visit", "trade_show"]), "group"]) == {
        "offline"}
    ranked = ct.rank_channels(comp, seed=3)
    assert ranked.prob_best.sum() == pytest.approx(1.0)
    assert (ranked.rank_low <= ranked["rank"]).all() and (ranked["rank"] <= ranked.rank_high).all()
    pd.testing.assert_frame_equal(ranked, ct.rank_channels(comp, seed=3))
    mix = ct.channel_mix(ws, AS_OF, accounts["true_stage"])
    assert mix.sum(axis=1).to_numpy() == pytest.approx(1.0)
    assert list(mix.index[:2]) == ["prospect", "new"]


def test_clear_errors_for_bad_input(world):
    ws, _, _ = world
    with pytest.raises(ParamError, match="by="):
        ct.content_performance(ws, AS_OF, by="author")
    with pytest.raises(ParamError, match="credit"):
        ct.content_performance(ws, AS_OF, credit="assisted")
    with pytest.raises(ParamError, match="window_days"):
        ct.content_performance(ws, AS_OF, window_days=0)
    with pytest.raises(DataError, match="content"):
        ct.content_performance(_Without(ws, ["content"]), AS_OF)
    with pytest.raises(DataError, match="surveys"):
        ct.coverage_gaps(_Without(ws, ["surveys"]), AS_OF)
    with pytest.raises(ParamError, match="window_hours"):
        ct.best_send_windows(pd.DataFrame(columns=["channel", "weekday", "hour", "touches"]),
                             window_hours=30)
    # Without opportunities the performance table still comes back; conversions are unknown.
    perf = ct.content_performance(_Without(ws, ["opportunities"]), AS_OF, by="content_category")
    assert perf.converting_accounts.isna().all() and (perf.reached_accounts > 0).all()


def test_truth_file_is_what_the_tests_read(world):
    # Guards the truth keys the tests above rely on.
    _, truth, _ = world
    assert {"content_lift", "activity_peaks", "experiments"} <= set(truth)
    json.dumps(truth)


def test_target_stages_and_groups_are_checked():
    stages = pd.Series(["growth", "mature", "prospect"], index=["a", "b", "c"])
    assert list(ct.target_accounts(stages, ["growth", "mature"])) == ["a", "b"]
    with pytest.raises(ParamError, match="did you mean 'growth'"):
        ct.target_accounts(stages, ["grwoth"])
    with pytest.raises(ParamError, match="channel_groups"):
        ct_channels._check_groups({"offline": "meeting"})


# --------------------------------------------------------------------------- the notebook


def test_notebook_runs_without_surveys_and_spend(world, tmp_path, monkeypatch):
    """The one papermill execution: the test world without surveys and marketing spend."""
    import papermill as pm

    from helpers.core.params import SCHEDULED_ENV

    monkeypatch.setenv(SCHEDULED_ENV, "1")  # the parameters below are all there is, as in a scheduled run

    ws, _, _ = world
    data = tmp_path / "data"
    data.mkdir()
    for f in ws.folder.glob("*.parquet"):
        if f.stem not in ("surveys", "marketing_spend"):
            shutil.copy(f, data / f.name)
    out_dir = tmp_path / "out"
    executed = tmp_path / "content_evaluation.ipynb"
    pm.execute_notebook(
        str(ROOT / "notebooks" / "content_evaluation.ipynb"), str(executed),
        parameters={"data_source": str(data), "output_dir": str(out_dir)},
        kernel_name=os.environ.get("WORKBOOK_KERNEL", "workbook"), cwd=str(ROOT / "notebooks"),
        progress_bar=False,
    )
    nb = json.loads(executed.read_text(encoding="utf-8"))
    outputs = [o for c in nb["cells"] if c["cell_type"] == "code" for o in c.get("outputs", [])]
    assert not any(o.get("output_type") == "error" for o in outputs)
    text = "\n".join("".join(o.get("data", {}).get("text/markdown", "")) for o in outputs)
    assert "Skipped: the data has no surveys table." in text
    assert "In part only: the data has no marketing_spend table." in text
    assert not UNREADABLE.search(text)
    assert "B wins" in text
    scores = pd.read_csv(out_dir / "exports" / "content_scores.csv")
    assert scores["rank"].notna().sum() == (~scores.below_min_sample).sum()
    channels = pd.read_csv(out_dir / "exports" / "channel_scores.csv")
    assert {"email", "website", "meeting"} <= set(channels.channel)
    cards = json.loads((out_dir / "headlines" / "content_evaluation.json").read_text("utf-8"))
    assert 3 <= len(cards) <= 5


# --------------------------------------------------------------------------- thin data


def _tiny_ws(tables, tmp_path):
    from conftest import write_tables

    return open_workspace(write_tables(tables, tmp_path / "d", "parquet"))


@pytest.mark.parametrize("value", [None, float("nan"), np.inf, -np.inf, pd.NA, pd.NaT, ""])
def test_unknown_values_show_as_a_dash(value):
    for kind in ("count", "money", "percent", "times", "text", "hour"):
        assert ct.format_value(value, kind) == ct.DASH


def test_values_are_formatted_for_people():
    assert ct.format_value(1234.4, "count") == "1,234"
    assert ct.format_value(260031.9, "money") == "260,032"
    assert ct.format_value(0.0499, "percent") == "5.0%"
    assert ct.format_value(-1.0, "signed_percent") == "-100%"
    assert ct.format_value(0.0272, "points") == "+2.72"
    assert ct.format_value(9, "hour") == "09:00"
    assert ct.format_value(True, "flag") == "yes" and ct.format_value(False, "flag", "zh") == "否"
    assert ct.format_value("Tue", "weekday", "zh") == "周二"
    with pytest.raises(ParamError, match="format kind"):
        ct.format_value(1, "colour")


def test_report_tables_are_text_with_dashes_and_no_empty_columns():
    frame = pd.DataFrame({"channel": ["email", "visit"], "touches": [10, 3],
                          "spend": [np.nan, np.nan], "cost_per_lead": [12.5, np.inf],
                          "significant": [True, False]})
    out = ct.format_table(frame, index="channel", headers={"touches": "Touches"}, drop_empty=True)
    assert list(out.columns) == ["Touches", "cost_per_lead", "significant"]
    assert list(out.index) == ["email", "visit"] and out.index.name == "channel"
    assert out.loc["visit", "cost_per_lead"] == ct.DASH
    assert out.map(lambda v: isinstance(v, str)).all().all()
    with pytest.raises(ParamError, match="no column 'roi'"):
        ct.format_table(frame, columns=["roi"])


def test_unknown_cost_and_missing_opportunities_are_not_zero(tables, tmp_path):
    tables["content"]["production_cost"] = np.nan
    del tables["opportunities"]
    ws = _tiny_ws(tables, tmp_path)
    perf = ct.content_performance(ws, AS_OF, by="content_category", min_sample=1)
    row = perf.iloc[0]
    assert row.reached_accounts == 2
    assert np.isnan(row.cost) and np.isnan(row.roi) and np.isnan(row.cost_per_engaged_account)
    assert np.isnan(row.converting_accounts) and np.isnan(row.won_revenue)
    assert np.isnan(row.conversion_rate) and np.isnan(row.conversion_rate_low)
    assert ct.leaderboard(perf, min_sample=1).empty  # an unknown rate is never ranked
    assert ct.performance_sentence(perf, perf.rename(columns={"content_category": "content_type"}),
                                   window_days=30, confidence=0.95, currency="EUR",
                                   credit="sourced") == ""
    assert np.isnan(ct.content_roi(perf)) and np.isnan(ct.best_category_rate(perf))
    assert ct.rounded(ct.content_roi(perf), scale=100) is None
    comp = ct.channel_comparison(ws, AS_OF, min_sample=1)
    assert comp.converting_accounts.isna().all() and comp.spend.notna().any()
    assert ct.rank_channels(comp).empty
    text = ct.channel_sentence(comp, ct.rank_channels(comp), confidence=0.95, currency="EUR",
                               min_sample=1)
    assert "Without opportunities" in text and "nan" not in text


def test_performance_sentence_states_roi_only_with_every_cost():
    cats = pd.DataFrame({
        "content_category": ["(none)", "brand", "educational"],
        "conversion_rate": [0.9, 0.05, 0.02], "conversion_rate_low": [0.5, 0.02, 0.01],
        "conversion_rate_high": [0.99, 0.1, 0.05], "below_min_sample": [False] * 3,
        "reached_accounts": [10, 2000, 2000], "converting_accounts": [9, 100, 40],
        "touches": [10, 2000, 2000], "converted_touches": [9, 100, 40],
        "cost": [100.0, 200.0, np.nan], "won_revenue": [0.0, 900.0, 100.0]})
    types = cats.rename(columns={"content_category": "content_type"})
    text = ct.performance_sentence(cats, types, window_days=30, confidence=0.95, currency="EUR",
                                   credit="influenced")
    assert text.startswith("**brand** content converts best: 5.0%")
    assert "Among content types, **brand**" in text  # "(none)" never leads
    assert "ROI is unknown" in text and "EUR 1,000 of won revenue" in text
    full = ct.performance_sentence(cats.fillna({"cost": 700.0}), types, window_days=30,
                                   confidence=0.95, currency="EUR", credit="sourced")
    assert "Content cost EUR 1,000 to produce" in full and "(ROI 0%;" in full
    assert ct.rounded(ct.content_roi(cats.fillna({"cost": 700.0})), scale=100) == 0
    # no category recorded: the sentence starts with the content types
    blank = cats.assign(content_category="(none)")
    text = ct.performance_sentence(blank, types, window_days=30, confidence=0.95, currency="EUR",
                                   credit="sourced")
    assert text.startswith("Among content types, **brand**")


def test_credit_falls_back_when_opportunities_name_no_source():
    assert ct.usable_credit("sourced", has_source=False) == "influenced"
    assert ct.usable_credit("sourced", has_source=True) == "sourced"
    assert ct.usable_credit("influenced", has_source=False) == "influenced"
    with pytest.raises(ParamError):
        ct.usable_credit("assisted", True)


def test_date_only_timestamps_give_weekdays_not_hours(tables, tmp_path):
    inter = pd.concat([tables["interactions"]] * 3, ignore_index=True)
    inter["interaction_id"] = [f"I{i}" for i in range(len(inter))]
    # email on three Tuesdays; website on two Wednesdays and a Tuesday
    inter["timestamp"] = pd.to_datetime(["2026-06-02", "2026-06-03", "2026-06-09", "2026-06-16",
                                         "2026-06-23", "2026-06-10"])
    tables["interactions"] = inter
    timing = ct.engagement_by_time(_tiny_ws(tables, tmp_path), AS_OF)
    days = ct.best_send_days(timing, min_sample=3).set_index("channel")
    assert days.loc["email", "weekday_name"] == "Tue" and days.loc["email", "touches_on_day"] == 3
    assert days.loc["email", "share"] == 1.0 and days.loc["email", "lift"] == 7.0
    assert days.loc["website", "weekday_name"] == "Wed"
    lines = ct.weekday_sentences(days.reset_index())
    assert lines[0] == "- **email**: Tue holds 100% of 3 touches, 7.0x an even spread over the week."
    sparse = ct.best_send_days(timing, min_sample=100)
    assert not sparse.enough_data.any() and sparse.weekday.isna().all()
    assert ct.weekday_sentences(sparse) == []
    assert ct.best_send_days(timing.iloc[0:0]).empty
    import matplotlib
    matplotlib.use("Agg")
    ax = ct.plot_weekday_heatmap(timing, ["website", "email"])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["website", "email"]


def test_segments_without_a_value_are_left_out(tables, tmp_path):
    tables["interactions"].loc[1, "channel"] = None
    ws = _tiny_ws(tables, tmp_path)
    comp = ct.channel_comparison(ws, AS_OF, min_sample=1)
    assert comp.channel.notna().all() and "website" not in set(comp.channel)
    none = pd.Series([np.nan, np.nan], index=["A1", "A3"], dtype=object)
    assert ct.channel_mix(ws, AS_OF, none).empty
    mixed = pd.Series(["small", np.nan], index=["A1", "A3"])
    mix = ct.channel_mix(ws, AS_OF, mixed)
    assert list(mix.index) == ["small"]
    assert ct.preference_sentence(mix) == ""  # one segment has nothing to differ from
    assert ct.non_empty({"a": mix, "b": ct.channel_mix(ws, AS_OF, none)}) == {"a": mix}


def test_calendar_sentence_never_names_a_missing_category():
    months = pd.date_range("2026-01-01", periods=3, freq="MS")
    cal = pd.DataFrame({"(none)": [2, 0, 1]}, index=months)
    assert ct.calendar_sentence(cal, 3) == "3 assets in the last 3 months, 1.0 a month; 1 months had none."
    cal["guide"] = [0, 1, 0]
    assert "**guide** (25%)" in ct.calendar_sentence(cal, 3)
    assert ct.calendar_sentence(cal.iloc[:, :0], 3) == "No content was published in the last 3 months."


def test_best_for_stage_never_picks_a_missing_category():
    table = pd.DataFrame({"stage": ["new", "new"], "content_category": ["(none)", "brand"],
                          "touches": [500, 500], "converted_touches": [50, 10],
                          "rate": [0.1, 0.02], "lift": [5.0, 0.2], "lift_low": [2.0, 0.5]})
    best = ct.best_for_stage(table, min_touches=100)
    assert list(best.content_category) == ["brand"]


def test_leaderboard_sentence_names_a_category_only_when_known():
    board = pd.DataFrame({"title": ["Guide"], "content_category": [None], "conversion_rate": [0.1],
                          "conversion_rate_low": [0.05], "conversion_rate_high": [0.2],
                          "reached_accounts": [120]})
    assets = pd.DataFrame({"below_min_sample": [False, True, True]})
    text = ct.leaderboard_sentence(board, assets, confidence=0.95, min_sample=50)
    assert text.startswith("The best-proven asset is **Guide**: 10.0% of 120 reached accounts")
    assert "2 of 3 assets" in text
    named = ct.leaderboard_sentence(board.assign(content_category="brand"), assets,
                                    confidence=0.95, min_sample=50)
    assert "**Guide** (brand): 10.0%" in named


# --------------------------------------------------------------------------- evidence gates


def _timing(counts: dict[str, np.ndarray]) -> pd.DataFrame:
    """engagement_by_time-shaped table from a (7, 24) grid of touches per channel."""
    rows = [(ch, d, h, int(grid[d, h])) for ch, grid in counts.items()
            for d in range(7) for h in range(24)]
    return pd.DataFrame(rows, columns=["channel", "weekday", "hour", "touches"])


def test_send_windows_are_tested_as_one_family_against_an_even_spread():
    from scipy import stats
    from statsmodels.stats.multitest import multipletests

    rng = np.random.default_rng(5)
    even = {ch: rng.multinomial(3000, np.full(168, 1 / 168)).reshape(7, 24)
            for ch in ("email", "social", "ads")}
    peaked = dict(even)
    grid = rng.multinomial(2500, np.full(168, 1 / 168)).reshape(7, 24)
    grid[1, 10:12] += 250  # a real Tuesday 10-12 peak
    peaked["email"] = grid
    for counts, expect in ((even, set()), (peaked, {"email"})):
        timing = _timing(counts)
        best = ct.best_send_windows(timing, window_hours=2, min_sample=200)
        tested = ct.send_time_tests(best, timing, window_hours=2)
        assert tested.attrs["family_size"] == 3 * 7 * 23
        assert expect <= set(tested.channel[tested.significant])
        # Holm controls the chance of any false window; BH only their share among the
        # stated ones, so a real peak (and its overlapping windows) may carry a near miss
        holm = ct.send_time_tests(best, timing, window_hours=2, method="holm")
        assert set(holm.channel[holm.significant]) == expect
        found = ct.send_time_findings(tested, hours=True)
        assert {f.evidence.family_size for f in found} == {3 * 7 * 23}
        said = fnd.FindingLog.summary(found)
        if not expect:  # the noise of 483 windows is not a peak
            assert said == [found[0].fallback] and said[0].startswith("No send window stands out")
            assert ct.finding_lines(found) == said[0]  # the fallback, once, no bullet
        else:
            assert said == [f.text for f in found if f.stated]
            assert any(s.startswith("**email**: Tue 10:00-12:00") for s in said)
            assert ct.finding_lines(found).startswith("- **")  # stated claims as bullets
    # the raw p-value of the chosen cell is scipy's one-sided binomial test, and the
    # adjusted one is Benjamini-Hochberg over every cell of every channel
    row = tested.set_index("channel").loc["email"]
    assert row.p_value == pytest.approx(stats.binomtest(
        int(row.touches_in_window), int(row.touches), 2 / 168, alternative="greater").pvalue)
    raw = []
    for ch in ("ads", "email", "social"):
        win = np.lib.stride_tricks.sliding_window_view(peaked[ch], 2, axis=1).sum(axis=2)
        raw += [stats.binomtest(int(c), int(peaked[ch].sum()), 2 / 168,
                                alternative="greater").pvalue if c else 1.0 for c in win.ravel()]
    assert row.p_adjusted == pytest.approx(multipletests(raw, method="fdr_bh")[1].min())


def test_weekday_cells_without_a_peak_are_not_stated():
    rng = np.random.default_rng(2)
    flat = {ch: np.zeros((7, 24), dtype=int) for ch in ("email", "call")}
    for grid in flat.values():
        grid[:, 0] = rng.multinomial(700, np.full(7, 1 / 7))  # date-only: every touch at 00:00
    timing = _timing(flat)
    days = ct.best_send_days(timing, min_sample=200)
    tested = ct.send_time_tests(days, timing, window_hours=None)
    assert tested.attrs["family_size"] == 14 and not tested.significant.any()
    found = ct.send_time_findings(tested, hours=False)
    assert not any(f.stated for f in found)
    assert found[0].shown.startswith("No weekday stands out") and "14" in found[0].shown
    flat["call"][2, 0] += 150
    tested = ct.send_time_tests(ct.best_send_days(_timing(flat)), _timing(flat))
    assert list(tested.channel[tested.significant]) == ["call"]


def test_planted_send_windows_survive_the_family_correction(world):
    ws, truth, _ = world
    timing = ct.engagement_by_time(ws, AS_OF)
    best = ct.best_send_windows(timing, window_hours=2)
    tested = ct.send_time_tests(best, timing, window_hours=2).set_index("channel")
    for channel in truth["activity_peaks"]["channels"]:
        assert tested.loc[channel, "significant"], channel


def test_rate_tests_are_fisher_against_the_rest_corrected_as_a_family():
    from scipy import stats
    from statsmodels.stats.multitest import multipletests

    frame = pd.DataFrame({"channel": ["a", "b", "c", "(none)", "d"],
                          "hits": [40, 10, 12, 90, 1], "n": [200, 200, 210, 300, 0]})
    out = ct.rate_tests(frame, label="channel", hits="hits", trials="n")
    assert out.attrs["family_size"] == 3  # no missing level, no empty row
    assert out.loc[3:, "p_value"].isna().all() and not out.loc[3:, "significant"].any()
    raw = [stats.fisher_exact([[40, 160], [22, 388]]).pvalue,
           stats.fisher_exact([[10, 190], [52, 358]]).pvalue,
           stats.fisher_exact([[12, 198], [50, 350]]).pvalue]
    assert out.p_value[:3].to_numpy() == pytest.approx(raw)
    assert out.p_adjusted[:3].to_numpy() == pytest.approx(multipletests(raw, method="fdr_bh")[1])
    assert list(out.significant[:3]) == [True, False, False]  # b is reliably worse, not a leader
    holm = ct.rate_tests(frame, label="channel", hits="hits", trials="n", method="holm")
    assert holm.p_adjusted[:3].to_numpy() == pytest.approx(multipletests(raw, method="holm")[1])


def _assets(rates, reached=400, seed=0):
    rng = np.random.default_rng(seed)
    conv = rng.binomial(reached, rates)
    perf = pd.DataFrame({"content_id": [f"c{k}" for k in range(len(rates))],
                         "title": [f"Asset {k}" for k in range(len(rates))],
                         "content_category": "brand", "reached_accounts": reached,
                         "converting_accounts": conv, "won_revenue": 1000.0 * conv,
                         "touches": 3 * reached, "converted_touches": 2 * conv,
                         "below_min_sample": False})
    low, high = wilson_interval(perf.converting_accounts, perf.reached_accounts)
    perf["conversion_rate"] = perf.converting_accounts / reached
    perf["conversion_rate_low"], perf["conversion_rate_high"] = low, high
    return perf


def test_leaderboard_names_a_leader_only_when_it_beats_the_rest():
    noise = _assets(np.full(20, 0.1), seed=1)
    board = ct.leaderboard(noise, min_sample=50, top=10)
    assert board.attrs["family_size"] == 20 and len(board) == 10
    found = ct.leaderboard_finding(board, noise, confidence=0.95, min_sample=50)
    assert not found.stated
    assert found.shown.startswith("No ranked asset converts reliably better")
    assert "20 compared" in found.shown
    real = _assets(np.r_[0.3, np.full(19, 0.1)], seed=1)
    board = ct.leaderboard(real, min_sample=50, top=10)
    found = ct.leaderboard_finding(board, real, confidence=0.95, min_sample=50)
    assert found.stated and found.shown.startswith("The best-proven asset is **Asset 0**")
    assert found.action and 0.2 < found.impact < 0.95


def test_stage_winners_need_a_family_corrected_test():
    stages = ["prospect", "new", "growth"]
    rng = np.random.default_rng(4)
    rows = [(s, c, 1000, int(rng.binomial(1000, 0.02))) for s in stages
            for c in ("brand", "educational", "interactive")]
    table = pd.DataFrame(rows, columns=["stage", "content_category", "touches",
                                        "converted_touches"])
    table["rate"] = table.converted_touches / table.touches
    tot = table.groupby("stage")[["touches", "converted_touches"]].transform("sum")
    ratio, low, high = ratio_interval(
        table.converted_touches, table.touches, tot.converted_touches - table.converted_touches,
        tot.touches - table.touches)
    table["lift"], table["lift_low"], table["lift_high"] = ratio, low, high
    best = ct.best_for_stage(table)
    assert best.attrs["family_size"] == 9 and not best.significant.any()
    found = ct.stage_findings(best, confidence=0.95)
    assert fnd.FindingLog.summary(found) == [
        "No content category converts reliably better than the rest at any stage (9 stage and "
        "category groups compared, corrected for testing them together)."]


def test_channel_leader_and_preferences_on_noise_are_not_stated():
    # email touches its accounts three times as often: more of them see an opportunity
    # after some touch, but per touch it converts like the others
    comp = pd.DataFrame({"channel": ["email", "web", "ads", "visit"],
                         "touches": [2700, 900, 900, 900], "accounts_reached": [300, 310, 290, 305],
                         "converting_accounts": [80, 30, 29, 30],
                         "converted_touches": [93, 30, 29, 31], "conversion_rate": 0.1,
                         "won_value": 1000.0, "below_min_sample": False, "coverage": 0.5,
                         "spend": np.nan, "cost_per_lead": np.nan, "roi": np.nan})
    ranked = ct.rank_channels(comp, seed=1)
    text = ct.channel_sentence(comp, ranked, confidence=0.8, currency="EUR", min_sample=50)
    assert "most often followed" not in text
    assert "No reliable difference among the 4 channels." in text
    strong = comp.assign(converted_touches=[300, 30, 29, 31])
    ranked = ct.rank_channels(strong, seed=1)
    lead = ct.channel_lead_finding(ct.channel_tests(strong, ranked), ranked, confidence=0.8)
    assert lead.stated and "**email** is most often followed" in lead.text
    mix = pd.DataFrame({"email": [0.5, 0.52], "web": [0.5, 0.48]}, index=["new", "growth"])
    mix.attrs["touches"] = {"new": 400, "growth": 400}
    pref = ct.preference_finding(mix)
    assert not pref.stated and pref.shown == (
        "Channel preferences do not differ reliably between the 2 stages.")
    leaning = pd.DataFrame({"email": [0.8, 0.4], "web": [0.2, 0.6]}, index=["new", "growth"])
    leaning.attrs["touches"] = {"new": 400, "growth": 400}
    assert ct.preference_finding(leaning).stated


def test_performance_sentence_names_no_best_category_in_noise():
    cats = pd.DataFrame({"content_category": ["brand", "educational", "interactive"],
                         "reached_accounts": [400, 410, 390], "converting_accounts": [41, 40, 39],
                         "touches": [1200, 1230, 1170], "converted_touches": [50, 49, 47],
                         "cost": np.nan, "won_revenue": np.nan})
    cats["conversion_rate"] = cats.converting_accounts / cats.reached_accounts
    low, high = wilson_interval(cats.converting_accounts, cats.reached_accounts)
    cats["conversion_rate_low"], cats["conversion_rate_high"] = low, high
    types = cats.rename(columns={"content_category": "content_type"}).assign(
        below_min_sample=False)
    text = ct.performance_sentence(cats, types, window_days=30, confidence=0.95, currency="EUR",
                                   credit="sourced")
    assert "converts best" not in text and "highest credible rate" not in text
    assert text.startswith("No reliable difference among the 3 content categories.")


def test_paid_channels_are_compared_per_unit_of_spend():
    from scipy import stats

    comp = pd.DataFrame({"channel": ["ads", "social", "webinar"], "touches": 500,
                         "accounts_reached": 200, "converting_accounts": 20,
                         "converted_touches": 25, "conversion_rate": 0.1, "coverage": 0.5,
                         "spend": [10000.0, 20000.0, 30000.0], "leads": [52, 98, 150],
                         "won": [5, 10, 16], "won_value": [20000.0, 42000.0, 61000.0],
                         "below_min_sample": False})
    comp["cost_per_lead"] = comp.spend / comp.leads
    comp["roi"] = (comp.won_value - comp.spend) / comp.spend
    ranked = ct.rank_channels(comp, seed=1)
    text = ct.channel_sentence(comp, ranked, confidence=0.8, currency="EUR", min_sample=50)
    assert text.endswith("Among the 3 paid channels, neither cost per lead nor return differs "
                         "reliably.")
    tests = ct.paid_channel_tests(comp)
    assert tests.loc["ads", "leads_p"] == pytest.approx(stats.binomtest(
        52, 300, 1 / 6, alternative="greater").pvalue)
    cheap = comp.assign(leads=[150, 98, 150], won=[25, 10, 16],
                        won_value=[90000.0, 42000.0, 61000.0])
    cheap["cost_per_lead"] = cheap.spend / cheap.leads
    cheap["roi"] = (cheap.won_value - cheap.spend) / cheap.spend
    text = ct.channel_sentence(cheap, ranked, confidence=0.8, currency="EUR", min_sample=50)
    assert "**ads** has the lowest cost per lead" in text and "**ads** the highest return" in text


def test_clustered_lift_test_equals_poisson_gee_with_account_clusters():
    import statsmodels.api as sm
    from scipy import stats

    rng = np.random.default_rng(3)
    m = 60
    n1, n2 = rng.integers(0, 8, m), rng.integers(0, 8, m)
    x1, x2 = rng.binomial(n1, 0.3), rng.binomial(n2, 0.2)
    got = ct.clustered_lift_test(x1, n1, x2, n2)
    rows = pd.DataFrame({"acc": np.r_[np.arange(m), np.arange(m)],
                         "g": np.r_[np.ones(m), np.zeros(m)], "x": np.r_[x1, x2],
                         "n": np.r_[n1, n2]})
    rows = rows[rows.n > 0]
    fit = sm.GEE(rows.x, sm.add_constant(rows.g), groups=rows.acc,
                 family=sm.families.Poisson(), offset=np.log(rows.n),
                 cov_struct=sm.cov_struct.Independence()).fit()
    k = int(((n1 + n2) > 0).sum())
    se = fit.bse["g"] * math.sqrt(k / (k - 1))  # small-sample factor over accounts
    assert got["lift"] == pytest.approx(math.exp(fit.params["g"]))
    assert got["p_cluster"] == pytest.approx(2 * stats.norm.sf(abs(fit.params["g"]) / se))
    assert got["low"] == pytest.approx(math.exp(fit.params["g"] - stats.norm.ppf(0.975) * se))
    assert got["p_value"] == max(got["p_cluster"], got["p_touch"])


def _stage_world(per_account: pd.DataFrame) -> pd.DataFrame:
    table = per_account.groupby(["stage", "content_category"], as_index=False)[
        ["touches", "converted_touches"]].sum()
    table["rate"] = table.converted_touches / table.touches
    tot = table.groupby("stage")[["touches", "converted_touches"]].transform("sum")
    ratio, low, high = ratio_interval(
        table.converted_touches, table.touches, tot.converted_touches - table.converted_touches,
        tot.touches - table.touches)
    table["lift"], table["lift_low"], table["lift_high"] = ratio, low, high
    table.attrs["accounts"] = per_account
    return table


def test_stage_winner_is_tested_with_accounts_as_the_unit():
    # A few educational accounts touched 40 times convert all their touches at once: per
    # touch that looks like a strong lift, per account it is three lucky accounts.
    rows = []
    for k in range(120):
        heavy = k < 3
        rows.append(("mature", "educational", f"E{k}", 40 if heavy else 4,
                     40 if heavy else int(k % 25 == 0)))
        rows.append(("mature", "brand", f"B{k}", 4, int(k % 20 == 0)))
    acc = pd.DataFrame(rows, columns=["stage", "content_category", "account_id", "touches",
                                      "converted_touches"])
    acc["opportunities"] = np.minimum(acc["converted_touches"], 1)
    table = _stage_world(acc)
    plain = table.copy()
    plain.attrs = {}
    per_touch = ct.best_for_stage(plain)
    assert bool(per_touch.significant.iloc[0])  # the old per-touch test states it
    best = ct.best_for_stage(table)
    assert best.attrs["unit"] == "account"
    assert not best.significant.any()
    assert best.lift_low.iloc[0] < 1 < best.lift_high.iloc[0]


def test_stage_winner_counts_opportunities_not_touches_they_mark():
    # Webinars are touched twice (registration, attendance); one opportunity after them
    # marks both touches as converted. Per opportunity the categories convert alike.
    rng = np.random.default_rng(5)
    rows = []
    for k in range(1500):
        opp_e, opp_b = int(rng.random() < 0.06), int(rng.random() < 0.03)
        rows.append(("prospect", "educational", f"A{k}", 2, 2 * opp_e, opp_e))
        rows.append(("prospect", "brand", f"A{k}", 1, opp_b, opp_b))
    acc = pd.DataFrame(rows, columns=["stage", "content_category", "account_id", "touches",
                                      "converted_touches", "opportunities"])
    table = _stage_world(acc)
    assert table.set_index("content_category").loc["educational", "lift"] > 1.7
    best = ct.best_for_stage(table)
    assert not best.significant.any()
    real = acc.assign(opportunities=np.where(acc.content_category == "educational",
                                             acc.converted_touches, acc.opportunities))
    assert bool(ct.best_for_stage(_stage_world(real)).significant.iloc[0])


def test_conversion_by_stage_keeps_per_account_counts(world):
    ws, _, accounts = world
    table = ct.conversion_by_stage(ws, AS_OF, accounts["true_stage"], window_days=30)
    per = table.attrs["accounts"].frame
    assert len(pd.concat([table, table]))  # the attribute does not break concatenation
    assert {"stage", "content_category", "account_id", "touches", "converted_touches",
            "opportunities"} <= set(per.columns)
    sums = per.groupby(["stage", "content_category"])[["touches", "converted_touches"]].sum()
    mine = table.set_index(["stage", "content_category"])[["touches", "converted_touches"]]
    pd.testing.assert_frame_equal(sums.sort_index(), mine.sort_index(), check_dtype=False)
    assert (per.opportunities <= per.converted_touches).all()
    opps = per.groupby(["stage", "content_category"])["opportunities"].sum()
    shown = table.set_index(["stage", "content_category"])
    np.testing.assert_allclose(shown.opportunity_rate, opps.reindex(shown.index) / shown.touches)


def test_category_leader_is_tested_with_accounts_as_the_unit():
    # One brand account touched 60 times opens an opportunity after half of them: per
    # touch brand leads, per account it is one account.
    rows = []
    for k in range(200):
        heavy = k == 0
        rows.append(("brand", f"A{k}", 60 if heavy else 3, 30 if heavy else int(k % 30 == 0)))
        rows.append(("educational", f"A{k}", 3, int(k % 25 == 0)))
        rows.append(("interactive", f"A{k}", 3, int(k % 28 == 0)))
    per = pd.DataFrame(rows, columns=["content_category", "account_id", "touches",
                                      "opportunities"])
    cats = per.groupby("content_category", as_index=False)[["touches", "opportunities"]].sum()
    cats = cats.assign(converted_touches=cats.opportunities, reached_accounts=200,
                       converting_accounts=[11, 8, 8], cost=np.nan, won_revenue=np.nan)
    cats["conversion_rate"] = cats.converting_accounts / cats.reached_accounts
    low, high = wilson_interval(cats.converting_accounts, cats.reached_accounts)
    cats["conversion_rate_low"], cats["conversion_rate_high"] = low, high
    types = cats.rename(columns={"content_category": "content_type"}).assign(
        below_min_sample=False)
    per_touch = ct.performance_findings(cats, types, window_days=30, confidence=0.95)
    assert per_touch[0].stated and per_touch[0].evidence.test.startswith("Fisher")
    cats.attrs["accounts"] = ct.AccountCounts(per)
    found = ct.performance_findings(cats, types, window_days=30, confidence=0.95)
    assert not found[0].stated
    assert found[0].evidence.test.startswith("cluster-robust")
    tested = ct.rate_tests(cats, label="content_category", hits="opportunities",
                           trials="touches", per_account=per)
    assert tested.attrs["unit"] == "account"
    brand = tested.set_index("content_category").loc["brand"]
    direct = ct.clustered_lift_test(
        per[per.content_category == "brand"].set_index("account_id").opportunities,
        per[per.content_category == "brand"].set_index("account_id").touches,
        per[per.content_category != "brand"].groupby("account_id").opportunities.sum(),
        per[per.content_category != "brand"].groupby("account_id").touches.sum())
    assert brand["p_value"] == pytest.approx(direct["p_value"])


def test_channel_leader_is_tested_with_accounts_as_the_unit():
    rows = [("email", "A0", 80, 30)]
    rows += [(ch, f"A{k}", 3, int(k % 30 == 0)) for k in range(1, 300)
             for ch in ("email", "web", "ads")]
    per = pd.DataFrame(rows, columns=["channel", "account_id", "touches", "opportunities"])
    comp = per.groupby("channel", as_index=False)[["touches"]].sum().assign(
        accounts_reached=300, converting_accounts=[11, 11, 11], conversion_rate=0.04,
        converted_touches=per.groupby("channel").opportunities.sum().to_numpy(),
        won_value=1000.0, below_min_sample=False, coverage=0.5, spend=np.nan,
        cost_per_lead=np.nan, roi=np.nan)
    ranked = ct.rank_channels(comp, seed=1)
    per_touch = ct.channel_tests(comp, ranked).set_index("channel")
    assert bool(per_touch.loc["email", "significant"])
    comp.attrs["accounts"] = ct.AccountCounts(per)
    tested = ct.channel_tests(comp, ranked)
    assert tested.attrs["unit"] == "account" and "_opportunities" not in tested.columns
    assert not tested.significant.any()


# --------------------------------------------------------------------------- for people


def test_codes_read_as_words_in_both_languages():
    assert ct.value_label("channel", "trade_show") == "trade show"
    assert ct.value_label("channel", "trade_show", "zh") == "展会"
    assert ct.value_label("content_type", "case_study") == "case study"
    assert ct.value_label("stage", "growth", "zh") == "成长期"  # the segmentation report's word
    assert ct.value_label("channel", "key_account") == "key account"  # unknown code: spaces
    assert ct.value_label("channel", "LinkedIn Ads") == "LinkedIn Ads"  # names stay as they are
    assert ct.value_label("channel", "(no touch)", "zh") == "无触达"
    assert ct.value_label("channel", float("nan")) == ct.DASH
    frame = pd.DataFrame({"channel": ["trade_show", "email"], "stage": ["new", "mature"],
                          "touches": [3, 4]})
    out = ct.relabel(frame, "zh")
    assert out.channel.tolist() == ["展会", "邮件"] and out.stage.tolist() == ["新客户", "成熟期"]
    assert out.touches.tolist() == [3, 4] and frame.channel.iloc[0] == "trade_show"


def test_markdown_escape_keeps_data_text_as_written():
    assert ct.md_escape("trade_show") == "trade\\_show"
    assert ct.md_escape("*Best* [guide] <b>") == "\\*Best\\* \\[guide\\] \\<b\\>"
    assert ct.md_escape(None) == ct.DASH
    assert ct.md_label("channel", "trade_show", "zh") == "展会"


def test_a_figure_and_its_interval_share_one_cell():
    assert ct.with_interval(0.042, 0.031, 0.056) == "4.2% (3.1% – 5.6%)"
    assert ct.with_interval(1.84, 1.2, 2.61, "times") == "1.8× (1.2× – 2.6×)"
    assert ct.with_interval(0.01, -0.002, 0.02, "points", "zh") == "+1.0 个百分点 (-0.2 – +2.0)"
    assert ct.with_interval(0.1, float("nan"), 0.2) == "10.0%"
    assert ct.with_interval(float("nan"), 0.1, 0.2) == ct.DASH


def _comparison_rows():
    return pd.DataFrame({
        "channel": ["trade_show", "email"], "group": ["offline", "online"], "touches": [400, 900],
        "accounts_reached": [120, 300], "targets_reached": [100, 250], "coverage": [0.4, 0.9],
        "converting_accounts": [12, 15], "conversion_rate": [0.1, 0.05],
        "conversion_rate_low": [0.06, 0.03], "conversion_rate_high": [0.16, 0.08],
        "spend": [50000.0, np.nan], "cost_per_lead": [4166.67, np.nan], "roi": [1.5, np.nan],
        "significant": [True, False], "p_value": [0.01, np.nan], "p_adjusted": [0.02, np.nan],
    })


def test_management_tables_are_narrow_translated_and_readable():
    brief = ct.channel_brief(_comparison_rows())
    assert list(brief.columns) == ["channel", "group", "coverage", "conversion_ci",
                                   "cost_per_lead", "roi"]
    html = ct.content_table(brief, list(brief.columns), language="zh", currency="EUR").to_html()
    assert "展会" in html and "线下" in html and "trade_show" not in html
    assert "单条线索成本 (EUR)" in html and "+150%" in html and "4,167" in html
    assert not any(word in html for word in ("nan", "None", "True", "False", "4166.67"))
    no_spend = ct.channel_brief(_comparison_rows().assign(cost_per_lead=np.nan, roi=np.nan))
    assert list(no_spend.columns)[-2:] == ["accounts_reached", "converting_accounts"]


def test_every_brief_table_keeps_to_six_columns():
    perf = pd.DataFrame({"content_category": ["brand"], "reached_accounts": [300],
                         "conversion_rate": [0.1], "conversion_rate_low": [0.07],
                         "conversion_rate_high": [0.14], "opportunities": [30],
                         "won_revenue": [1.2e6], "roi": [3.0], "cost": [3e5]})
    assert ct.performance_brief(perf).shape[1] == 6
    board = perf.assign(rank=[1], title=["Guide"])
    assert list(ct.leaderboard_brief(board).columns) == [
        "rank", "title", "content_category", "reached_accounts", "conversion_ci", "won_revenue"]
    best = pd.DataFrame({"stage": ["new"], "content_category": ["brand"], "touches": [500],
                         "rate": [0.2], "opportunity_rate": [0.05], "lift": [1.8],
                         "lift_low": [1.2], "lift_high": [2.6], "significant": [True]})
    stage = ct.stage_brief(best)
    assert list(stage.columns) == ["stage", "content_category", "touches", "opportunity_rate",
                                   "lift_ci", "survives"]
    timing = pd.DataFrame({"channel": ["email"], "weekday_name": ["Tue"], "hour_start": [9],
                           "hour_end": [11], "share": [0.2], "lift": [3.1],
                           "significant": [False]})
    assert ct.timing_brief(timing, hours=True).window.iloc[0] == "09:00–11:00"
    assert "window" not in ct.timing_brief(timing, hours=False).columns
    html = ct.content_table(ct.timing_brief(timing, hours=True), ["channel", "weekday_name",
                                                                  "window", "share", "lift"],
                           language="zh").to_html()
    assert "周二" in html and "3.1×" in html and "20.0%" in html


def test_the_stage_table_shows_the_rate_its_lift_compares():
    rng = np.random.default_rng(2)
    rows = []
    for k in range(400):
        opp = int(rng.random() < 0.1)
        rows.append(("new", "educational", f"A{k}", 2, 2 * opp, opp))
        rows.append(("new", "brand", f"A{k}", 2, int(rng.random() < 0.05) * 2, 0))
    acc = pd.DataFrame(rows, columns=["stage", "content_category", "account_id", "touches",
                                      "converted_touches", "opportunities"])
    best = ct.best_for_stage(_stage_world(acc))
    row = acc[acc.content_category == best.content_category.iloc[0]]
    assert best.opportunity_rate.iloc[0] == pytest.approx(row.opportunities.sum() / row.touches.sum())
    assert best.rate.iloc[0] == pytest.approx(row.converted_touches.sum() / row.touches.sum())


def test_chart_texts_are_data_driven_in_both_languages():
    ranked = pd.DataFrame({"channel": ["trade_show", "email"], "conversion_rate": [0.1, 0.05],
                           "prob_best": [0.9, 0.1]})
    en = ct.channel_ranking_text(ranked)
    zh = ct.channel_ranking_text(ranked, "zh")
    assert "trade show" in en["alt"] and "10.0%" in en["alt"] and en["caption"]
    assert "展会" in zh["alt"] and "trade" not in zh["alt"]
    mix = pd.Series([10, 40, 5], index=["new", "mature", "growth"])
    assert "mature" in ct.stage_mix_text(mix)["alt"] and "成熟期" in ct.stage_mix_text(mix, "zh")["alt"]
    assert ct.month_label("2024-07-01") == "Jul 2024" and ct.month_label("2024-07-01", "zh") == "2024年7月"


# --------------------------------------------------------------------------- notebook steps


def test_table_columns_cover_the_performance_table():
    assert len(set(ct.TABLE_COLUMNS)) == len(ct.TABLE_COLUMNS)
    assert set(ct.PERFORMANCE_COLUMNS) <= set(ct.TABLE_COLUMNS)


def test_stage_mix_and_its_sentence():
    stages = pd.Series(["new", "mature", "mature", "growth"], index=["a", "b", "c", "d"])
    mix = ct.stage_mix(stages)
    assert list(mix.index) == list(ct.STAGE_ORDER)
    assert mix["mature"] == 2 and mix.sum() == 4 and mix.dtype.kind == "i"
    text = ct.stages_sentence(stages, mix)
    assert text.startswith("4 accounts: **mature** is the largest stage (2 accounts, 50%)")
    assert "50%" in ct.stages_sentence(stages, mix, "zh")


def test_gap_sentence_names_only_open_gaps():
    gaps = pd.DataFrame({"pain_point": ["pricing", "setup"], "share_of_responses": [0.4, 0.2],
                         "gap": [True, False]})
    text = ct.gap_sentence(gaps)
    assert "pricing" in text and "setup" not in text and "40%" in text
    assert ct.gap_sentence(gaps.assign(gap=False)) == ""
    assert ct.gap_sentence(gaps.iloc[:0]) == ""


def test_channel_touch_share_and_distribution_sentence():
    distribution = pd.DataFrame({"email": [3, 0, 1], "website": [1, 2, 0], "channels": [2, 1, 1],
                                 "main_channel": ["email", "website", "email"], "main_share": [0.75, 1, 1]})
    share = ct.channel_touch_share(distribution)
    assert list(share.index) == ["email", "website"]
    assert share.sum() == pytest.approx(1) and share["email"] == pytest.approx(4 / 7)
    text = ct.distribution_sentence(distribution, share)
    assert "**email** carries 57%" in text and "67% of assets" in text and "1.3 channels" in text


def test_mix_panels_keep_tables_with_data_and_plot():
    import matplotlib
    import matplotlib.pyplot as plt

    matplotlib.use("Agg")
    by_stage = pd.DataFrame({"email": [0.6, 0.3], "website": [0.4, 0.7]}, index=["new", "mature"])
    panels = ct.mix_panels(by_stage, pd.DataFrame(), "size band")
    assert list(panels) == ["Channel share of touches by stage, %"]
    fig = ct.plot_mix_panels(panels)
    assert len(fig.axes) >= 1
    plt.close(fig)


def test_send_time_peaks_and_their_chart():
    import matplotlib
    import matplotlib.pyplot as plt

    matplotlib.use("Agg")
    assert ct.send_time_peaks(None) is None
    shown = pd.DataFrame({"channel": ["email", "website"], "significant": [True, False]})
    peaks = ct.send_time_peaks(shown)
    assert list(peaks.channel) == ["email"]
    assert ct.send_time_peaks(shown.assign(significant=False)) is None
    timing = pd.DataFrame({"channel": ["email"] * 3, "weekday": [0, 1, 2], "hour": [9, 10, 11],
                           "touches": [5, 6, 7]})
    for hours in (True, False):
        fig, text = ct.plot_send_peaks(timing, peaks, hours=hours)
        assert set(text) >= {"alt"} and "email" in text["alt"]
        plt.close(fig)
