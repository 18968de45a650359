"""Lifecycle stages: rules, planted mix, migration and playbooks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.analysis import lifecycle
from helpers.core.errors import DataError, ParamError
from helpers.data import datasets, features
from helpers.data.sample_world import generate_world

AS_OF = "2026-06-30"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    folder = tmp_path_factory.mktemp("lifecycle_world")
    truth = generate_world(folder, accounts=1200, seed=5)
    ws = datasets.open_workspace(folder)
    yield {
        "ws": ws,
        "truth": truth,
        "accounts": pd.read_parquet(folder / "truth_accounts.parquet"),
        "inputs": lifecycle.stage_inputs(ws, AS_OF),
    }
    ws.close()


def _frame(**cols) -> pd.DataFrame:
    base = {"order_count": 5, "recency_days": 20.0, "days_since_first_order": 900.0,
            "median_gap_days": 30.0, "orders_12m": 6, "orders_prev_12m": 6,
            "revenue_12m": 1000.0, "revenue_prev_12m": 1000.0}
    n = max((len(v) for v in cols.values() if isinstance(v, list)), default=1)
    return pd.DataFrame({k: cols.get(k, [v] * n) for k, v in base.items()})


# --------------------------------------------------------------------------- planted truths


def test_stage_shares_match_the_planted_mix(world):
    stages = lifecycle.assign_stages(world["inputs"])
    mix = lifecycle.stage_mix(stages).set_index("stage")["share"]
    planted = pd.Series(world["truth"]["lifecycle"]["mix"], dtype=float)
    assert planted.sum() == len(world["accounts"])
    planted /= planted.sum()
    gap = (mix - planted.reindex(mix.index)).abs()
    assert gap.max() <= 0.05, gap.to_dict()


def test_most_accounts_get_their_planted_stage(world):
    got = world["inputs"][["account_id"]].assign(stage=lifecycle.assign_stages(world["inputs"]))
    both = got.merge(world["accounts"], on="account_id")
    assert len(both) == len(world["accounts"])
    agree = (both["stage"].astype(str) == both["true_stage"]).mean()
    assert agree >= 0.85
    # Stages defined by dates alone are recovered exactly.
    for stage in ("prospect", "new"):
        planted = both["true_stage"] == stage
        assert (both.loc[planted, "stage"] == stage).mean() >= 0.98


def test_median_gap_matches_a_pandas_recount(world):
    orders = world["ws"].to_pandas("orders", ["account_id", "order_date", "amount"])
    orders = orders[(orders["amount"] >= 0) & (pd.to_datetime(orders["order_date"]) <= AS_OF)]
    dates = orders.drop_duplicates(["account_id", "order_date"]).sort_values(
        ["account_id", "order_date"])
    gaps = pd.to_datetime(dates["order_date"]).groupby(dates["account_id"]).diff().dt.days
    expected = gaps.groupby(dates["account_id"]).median().dropna()
    got = world["inputs"].set_index("account_id")["median_gap_days"].dropna()
    assert len(got) == len(expected)
    np.testing.assert_allclose(got.sort_index(), expected.sort_index())


def test_feature_table_route_agrees_with_stages_for(world):
    feats = features.account_features(world["ws"], AS_OF, windows=(90, 365, 730))
    via_features = lifecycle.assign_stages(feats)
    direct = lifecycle.stages_for(world["ws"], AS_OF)
    assert list(feats["account_id"]) == list(direct["account_id"])
    # Only the rhythm differs (mean gap instead of median gap).
    assert (via_features.to_numpy() == direct["stage"].to_numpy()).mean() >= 0.97


# --------------------------------------------------------------------------- the rules


def test_stages_are_exclusive_and_exhaustive(world):
    inputs = world["inputs"]
    cond = lifecycle.stage_conditions(inputs)
    stages = lifecycle.assign_stages(inputs)
    assert stages.notna().all() and set(stages.unique()) <= set(lifecycle.STAGES)
    assert stages.index.equals(inputs.index)
    # Each account gets exactly the first rule it meets in precedence order.
    first = cond.idxmax(axis=1)
    assert (first.to_numpy() == stages.astype(str).to_numpy()).all()
    one_hot = pd.get_dummies(stages.astype(str)).reindex(columns=lifecycle.STAGES, fill_value=0)
    assert (one_hot.sum(axis=1) == 1).all()
    # Several accounts meet more than one rule, so precedence is doing work.
    assert (cond.drop(columns="mature").sum(axis=1) > 1).any()


def test_precedence_order_decides_overlaps():
    # Churned and declining at once (no recent order, fewer orders this year): churned first.
    f = _frame(recency_days=[400.0], orders_12m=[0], orders_prev_12m=[5])
    assert lifecycle.assign_stages(f).iloc[0] == "churned"
    # New and growing at once: new wins.
    f = _frame(days_since_first_order=[100.0], orders_12m=[3], orders_prev_12m=[0])
    assert lifecycle.assign_stages(f).iloc[0] == "new"
    f = _frame(days_since_first_order=[400.0], orders_12m=[3], orders_prev_12m=[0])
    assert lifecycle.assign_stages(f).iloc[0] == "growth"


def test_churn_is_relative_to_the_accounts_own_rhythm():
    f = _frame(recency_days=[200.0, 200.0, 150.0, 200.0, 400.0],
               median_gap_days=[100.0, 30.0, 10.0, np.nan, 120.0],
               order_count=[5, 5, 5, 1, 5])
    got = lifecycle.assign_stages(f).astype(str).tolist()
    # 200 < 3 x 100; 200 > 3 x 30; 150 < the 180-day floor; one order: the floor alone; 400 > 360.
    assert got[0] != "churned"
    assert got[1] == "churned"
    assert got[2] != "churned"
    assert got[3] == "churned"
    assert got[4] == "churned"
    relaxed = lifecycle.assign_stages(f, {"churned": {"gap_multiple": 4}}).astype(str).tolist()
    assert relaxed[4] != "churned" and relaxed[1] == "churned"


def test_trend_thresholds_and_revenue_metric():
    f = _frame(orders_12m=[2, 6, 10], orders_prev_12m=[6, 6, 6],
               revenue_12m=[1000.0, 300.0, 1000.0], revenue_prev_12m=[1000.0] * 3)
    assert lifecycle.assign_stages(f).astype(str).tolist() == ["declining", "mature", "growth"]
    by_revenue = {"declining": {"metric": "revenue"}, "growth": {"metric": "revenue"}}
    assert lifecycle.assign_stages(f, by_revenue).astype(str).tolist() == [
        "mature", "declining", "mature"]


def test_disabled_rule_never_matches(world):
    stages = lifecycle.assign_stages(world["inputs"], {"declining": {"enabled": False}})
    assert (stages != "declining").all()
    assert "(disabled)" in lifecycle.describe_rules({"declining": {"enabled": False}}).to_string()


@pytest.mark.parametrize("rules, message", [
    ({"churn": {"gap_multiple": 2}}, "did you mean 'churned'"),
    ({"churned": {"gap_multiplier": 2}}, "did you mean 'gap_multiple'"),
    ({"new": {"max_days_since_first_order": -5}}, ">= 0"),
    ({"growth": {"metric": "margin"}}, "orders, revenue"),
    ({"mature": {"min_orders": 3}}, "catch-all"),
    (["prospect"], "mapping"),
])
def test_bad_rules_give_clear_messages(rules, message):
    with pytest.raises(ParamError, match=message):
        lifecycle.check_rules(rules)


def test_missing_columns_say_how_to_get_them():
    with pytest.raises(DataError, match="stage_inputs"):
        lifecycle.assign_stages(pd.DataFrame({"order_count": [1], "recency_days": [3]}))


# --------------------------------------------------------------------------- migration


def test_migration_rows_sum_to_the_earlier_counts(world):
    pairs, matrix = lifecycle.stage_migration(world["ws"], AS_OF, period_days=180)
    before = lifecycle.stages_for(world["ws"], "2026-01-01")
    earlier = lifecycle.stage_mix(before).set_index("stage")["accounts"]
    rows = matrix.loc[list(lifecycle.STAGES)].sum(axis=1)
    assert rows.to_dict() == earlier.to_dict()
    assert int(matrix.to_numpy().sum()) == len(world["inputs"])
    assert int(matrix.loc[lifecycle.ENTRANT].sum()) == int(pairs["stage_before"].isna().sum())
    shares = lifecycle.migration_shares(matrix)
    filled = matrix.sum(axis=1) > 0
    np.testing.assert_allclose(shares[filled].sum(axis=1), 1.0)
    # Prospects never come back as prospects once they ordered; churned rarely revive.
    assert matrix.loc["new", "prospect"] == 0


def test_migration_reuses_the_current_stages(world):
    ws = world["ws"]
    pairs, matrix = lifecycle.stage_migration(ws, AS_OF, period_days=180)
    now = lifecycle.stages_for(ws, AS_OF)
    # any row order and extra columns, as from a feature table with the stages merged on
    given = now.assign(extra=1).sample(frac=1.0, random_state=0)[["extra", "stage", "account_id"]]
    pairs2, matrix2 = lifecycle.stage_migration(ws, AS_OF, period_days=180, current=given)
    pd.testing.assert_frame_equal(pairs2, pairs)
    pd.testing.assert_frame_equal(matrix2, matrix)
    # the given stages are used as they are
    moved = now.assign(stage=now["stage"].where(now["stage"] != "mature", "growth"))
    _, matrix3 = lifecycle.stage_migration(ws, AS_OF, period_days=180, current=moved)
    assert matrix3["mature"].sum() == 0
    with pytest.raises(ParamError, match="account_id and stage"):
        lifecycle.stage_migration(ws, AS_OF, current=now[["account_id"]])


def test_migration_matrix_on_a_hand_example():
    before = pd.DataFrame({"account_id": ["a", "b", "c"], "stage": ["new", "mature", "mature"]})
    after = pd.DataFrame({"account_id": ["a", "b", "c", "d"],
                          "stage": ["growth", "mature", "declining", "prospect"]})
    m = lifecycle.migration_matrix(before, after)
    assert m.loc["new", "growth"] == 1
    assert m.loc["mature", "mature"] == 1 and m.loc["mature", "declining"] == 1
    assert m.loc[lifecycle.ENTRANT, "prospect"] == 1
    assert int(m.to_numpy().sum()) == 4
    with pytest.raises(DataError, match="same accounts"):
        lifecycle.migration_matrix(after, before)
    with pytest.raises(ParamError, match="positive"):
        lifecycle.stage_migration(None, AS_OF, period_days=0)


# --------------------------------------------------------------------------- playbooks


def test_default_playbooks_cover_every_stage_with_the_seeded_actions():
    table = lifecycle.playbook_table().set_index("stage")
    assert list(table.index) == list(lifecycle.STAGES)
    assert "social" in table.loc["prospect", "channels"]
    assert "search" in table.loc["prospect", "channels"]
    assert "educational" in table.loc["prospect", "content"]
    assert "onboarding" in table.loc["new", "content"]
    assert "case studies" in table.loc["growth", "content"]
    assert "loyalty" in table.loc["mature", "content"]
    assert "executive" in table.loc["mature", "content"]
    assert "visit" in table.loc["declining", "channels"]
    assert "win-back" in table.loc["churned", "content"]


def test_actions_per_account_and_counts(world):
    stages = lifecycle.stages_for(world["ws"], AS_OF)
    custom = {"churned": {"action": "Call the owner", "channels": "phone"}}
    actions = lifecycle.recommend_actions(stages, custom)
    assert len(actions) == len(stages) and actions["action"].notna().all()
    assert (actions.loc[actions["stage"] == "churned", "action"] == "Call the owner").all()
    assert (actions.loc[actions["stage"] == "churned", "channels"] == "phone").all()
    counts = lifecycle.action_counts(actions)
    assert counts["accounts"].sum() == len(stages)
    assert list(counts["stage"]) == list(lifecycle.STAGES)


@pytest.mark.parametrize("books, message", [
    ({"dormant": {"action": "x"}}, "unknown 'dormant'"),
    ({"new": {"channel": ["email"]}}, "did you mean 'channels'"),
    ({"new": {"channels": [1, 2]}}, "list of text"),
    ({"new": {"action": ""}}, "non-empty"),
])
def test_bad_playbooks_give_clear_messages(books, message):
    with pytest.raises(ParamError, match=message):
        lifecycle.check_playbooks(books)


def test_migration_is_skipped_when_the_orders_start_inside_the_period():
    assert lifecycle.migration_skip_note("2024-01-05", AS_OF, 180) is None
    note = lifecycle.migration_skip_note("2026-03-01", AS_OF, 180)
    assert note.startswith("Skipped:") and "2026-03-01" in note and "2026-01-01" in note
    assert "–" in lifecycle.migration_skip_note(None, AS_OF, 180)
    assert "已跳过" in lifecycle.migration_skip_note("2026-03-01", AS_OF, 180, language="zh")


# --------------------------------------------------------------------------- report helpers


def test_stage_label_is_the_shared_vocabulary():
    assert lifecycle.stage_label("growth") == "growth"
    assert lifecycle.stage_label(" Growth ", "zh") == "成长期"
    assert lifecycle.stage_label("DECLINING", "zh") == "衰退期"
    assert lifecycle.stage_label(lifecycle.ENTRANT, "zh") == "尚未建档"
    for missing in (None, np.nan, pd.NA):
        assert lifecycle.stage_label(missing) == "–"
    assert lifecycle.stage_label("key account") == "key account"
    assert lifecycle.stage_label(3) == "3"


def test_stage_overview_joins_mix_and_action_in_stage_order():
    stages = pd.DataFrame({"account_id": list("ABCDE"),
                           "stage": ["mature", "mature", "churned", "new", "mature"]})
    mix = lifecycle.stage_mix(stages.stage)
    out = lifecycle.stage_overview(mix, {"churned": {"action": "Call the owner"}}, language="zh")
    assert list(out.columns) == ["stage", "accounts", "share", "action", "channels"]
    assert list(out.stage) == [lifecycle.stage_label(s, "zh") for s in lifecycle.STAGES]
    row = out.set_index("stage").loc["成熟期"]
    assert row.accounts == 3 and row.share == pytest.approx(0.6) and row.action == "回馈忠诚客户"
    assert out.accounts.sum() == 5
    # a stage without accounts keeps its playbook; a text set in the parameters is shown as given
    assert out.set_index("stage").loc["成长期", "action"] == "推荐升级"
    assert out.set_index("stage").loc["已流失", "action"] == "Call the owner"


def test_alt_texts_name_the_largest_stage_and_the_slipped_accounts():
    mix = lifecycle.stage_mix(pd.Series(["mature"] * 6 + ["churned"] * 4))
    alt = lifecycle.stage_mix_alt(mix)
    assert "10 accounts" in alt and "mature with 6 accounts (60%)" in alt
    assert "成熟期" in lifecycle.stage_mix_alt(mix, "zh")
    before = pd.DataFrame({"account_id": list("ABCD"), "stage": ["growth", "mature", "mature", "new"]})
    after = pd.DataFrame({"account_id": list("ABCDE"),
                          "stage": ["declining", "mature", "churned", "new", "new"]})
    moves = lifecycle.migration_matrix(before, after)
    alt = lifecycle.migration_alt(moves, 180)
    assert "180 days" in alt and "50% kept their stage" in alt and "2 growth or mature" in alt
    assert "180 天" in lifecycle.migration_alt(moves, 180, "zh")


# --------------------------------------------------------------------------- report steps


def _hand_moves():
    before = pd.DataFrame({"account_id": list("abcdef"),
                           "stage": ["growth", "mature", "mature", "mature", "declining", "new"]})
    after = pd.DataFrame({"account_id": list("abcdefg"),
                          "stage": ["growth", "churned", "declining", "growth", "mature", "growth", "prospect"]})
    return lifecycle.stage_mix(after), lifecycle.migration_matrix(before, after)


def test_attach_stages_keeps_accounts_with_a_stage():
    feats = pd.DataFrame({"account_id": ["a", "b", "c"], "orders": [1, 2, 3]})
    stages = pd.DataFrame({"account_id": ["b", "a"], "stage": ["new", "mature"]})
    out = lifecycle.attach_stages(feats, stages)
    assert list(out.account_id) == ["a", "b"] and list(out.stage) == ["mature", "new"]


def test_stage_numbers_count_the_accounts_at_risk_and_those_that_slipped():
    mix, moves = _hand_moves()
    numbers = lifecycle.stage_numbers(mix, moves)
    assert numbers.customers_before == 4 and numbers.slipped == 2
    assert numbers.slipped_share == 0.5
    assert numbers.at_risk_accounts == 2
    assert numbers.at_risk_share == pytest.approx(2 / 7)
    assert numbers.growing_share == pytest.approx(3 / 7)


def test_stage_findings_say_the_mix_and_the_migration_with_actions():
    mix, moves = _hand_moves()
    numbers = lifecycle.stage_numbers(mix, moves)
    out = lifecycle.stage_findings(numbers, provisional=False, history_days=900, migration_note=None,
                                   period_days=180)
    assert len(out) == 2 and all(f.action for f in out)
    assert "29%" in out[0].text and "**" not in out[0].text
    assert "180 days" in out[1].text and out[1].evidence.n == 4 and out[1].impact == 0.6
    skipped = lifecycle.stage_findings(numbers, provisional=True, history_days=200, migration_note="skipped",
                                       period_days=180, language="zh")
    assert len(skipped) == 1 and "200" in skipped[0].text and any("\u4e00" <= ch <= "\u9fff" for ch in skipped[0].text)


def test_report_sentences_and_tables_of_the_stages():
    mix, moves = _hand_moves()
    actions = lifecycle.recommend_actions(pd.DataFrame({"account_id": list("abcdefg"),
                                                        "stage": ["growth", "churned", "declining", "growth",
                                                                  "mature", "growth", "prospect"]}))
    counts = lifecycle.action_counts(actions)
    text = lifecycle.lifecycle_summary(mix, counts)
    assert "growth" in text and "43%" in text and "  " not in text
    assert "。" in lifecycle.lifecycle_summary(mix, counts, language="zh")
    books = lifecycle.playbook_overview(None, counts, language="zh")
    assert len(books) == len(lifecycle.STAGES) and "accounts" in books
    assert books.set_index("stage").loc[lifecycle.stage_label("growth", "zh"), "accounts"] == 3
    sentence = lifecycle.migration_summary(moves)
    assert sentence.startswith("17%")  # 1 of 6 earlier accounts kept its stage
    table = lifecycle.migration_counts(moves, language="zh")
    assert table.columns[0] == "stage_before"
    assert table.stage_before.iloc[0] == lifecycle.stage_label(moves.index[0], "zh")
