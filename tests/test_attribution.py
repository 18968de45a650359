"""Attribution: hand-computed Markov removal effects, heuristic credits and conservation."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

from helpers.analysis import attribution as at
from helpers.core.errors import DataError, ParamError
from helpers.data.datasets import open_workspace
from helpers.data.sample_world import generate_world

AS_OF = "2026-06-30"


# --------------------------------------------------------------------------- toy Markov graph


TOY_PATHS = [["A", "B"], ["A", "C"], ["B"], ["C", "B"]]
TOY_CONVERTED = [True, False, True, True]


def test_markov_removal_effects_by_hand():
    # Transitions: start->A 1/2, start->B 1/4, start->C 1/4; A->B 1/2, A->C 1/2;
    # B->conv 1; C->B 1/2, C->null 1/2. Conversion from B = 1, C = 1/2, A = 3/4, so
    # P(conv) = 1/2*3/4 + 1/4*1 + 1/4*1/2 = 3/4.
    # Without A: 1/4 + 1/8 = 3/8 -> effect 1/2. Without B: 0 -> effect 1.
    # Without C: 1/2*1/2 + 1/4 = 1/2 -> effect 1/3. Shares 3/11, 6/11, 2/11 of 3 conversions.
    trans = at.transitions_from_paths(TOY_PATHS, TOY_CONVERTED)
    eff = at.markov_removal_effects(trans).set_index("label")
    assert eff.attrs["base_probability"] == pytest.approx(0.75, abs=1e-12)
    expected = {"A": Fraction(1, 2), "B": Fraction(1), "C": Fraction(1, 3)}
    for label, value in expected.items():
        assert eff.loc[label, "removal_effect"] == pytest.approx(float(value), abs=1e-12)
    credits = at.markov_credits(trans, 3, 300.0).set_index("label")
    for label, num in {"A": 9, "B": 18, "C": 6}.items():
        assert credits.loc[label, "conversions"] == pytest.approx(num / 11, abs=1e-12)
        assert credits.loc[label, "value"] == pytest.approx(num / 11 * 100, abs=1e-9)


def test_repeated_touches_do_not_change_removal_effects():
    looped = [["A", "A", "B"], ["A", "C", "C"], ["B", "B"], ["C", "B"]]
    base = at.markov_removal_effects(at.transitions_from_paths(TOY_PATHS, TOY_CONVERTED))
    loop = at.markov_removal_effects(at.transitions_from_paths(looped, TOY_CONVERTED))
    pd.testing.assert_series_equal(base.set_index("label")["removal_effect"],
                                   loop.set_index("label")["removal_effect"], atol=1e-12)


# --------------------------------------------------------------------------- tiny workspace


def _ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text)


@pytest.fixture(scope="module")
def tiny_ws(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tiny_attr")
    touches = [
        ("A1", "2026-04-01 10:00", "email"),  # outside the 30-day look-back of P1
        ("A1", "2026-06-01 10:00", "email"),
        ("A1", "2026-06-05 10:00", "social"),
        ("A1", "2026-06-09 10:00", "meeting"),
        ("A1", "2026-06-12 10:00", "website"),  # after P1 was created
        ("A2", "2026-05-10 10:00", "website"),
        ("A3", "2026-06-19 09:00", "website"),
        ("A5", "2026-06-20 09:00", "email"),  # A5 has an open opportunity
        ("A6", "2026-06-15 09:00", "email"),  # no opportunity: a journey that did not convert
    ]
    interactions = pd.DataFrame({
        "interaction_id": [f"I{k}" for k in range(len(touches))],
        "account_id": [t[0] for t in touches],
        "timestamp": [_ts(t[1]) for t in touches],
        "channel": [t[2] for t in touches],
        "event_type": "view",
    })
    opportunities = pd.DataFrame({
        "opportunity_id": ["P1", "P2", "P3", "P4", "P5"],
        "account_id": ["A1", "A2", "A3", "A4", "A5"],
        "created_date": [dt.date(2026, 6, 10), dt.date(2026, 5, 20), dt.date(2026, 6, 20),
                         dt.date(2026, 6, 25), dt.date(2026, 6, 1)],
        "close_date": [dt.date(2026, 6, 20), dt.date(2026, 6, 1), dt.date(2026, 6, 28),
                       dt.date(2026, 6, 29), dt.date(2026, 7, 15)],
        "stage": ["won", "lost", "won", "won", "won"],
        "amount": [1000.0, 800.0, 500.0, 200.0, 900.0],
    })
    interactions.to_parquet(folder / "interactions.parquet", index=False)
    opportunities.to_parquet(folder / "opportunities.parquet", index=False)
    ws = open_workspace(folder)
    yield ws
    ws.close()


def test_paths_on_tiny_data(tiny_ws):
    paths = at.touch_paths(tiny_ws, AS_OF, lookback_days=30).to_pandas()
    got = {j: list(g.sort_values("position")["label"])
           for j, g in paths.groupby("journey_id")}
    assert got == {"P1": ["email", "social", "meeting"], "P2": ["website"], "P3": ["website"],
                   "account:A6": ["email"]}
    p1 = paths[paths.journey_id == "P1"].sort_values("position")
    assert p1["days_before"].to_numpy() == pytest.approx([9 + 14 / 24, 5 + 14 / 24, 1 + 14 / 24])
    assert at.won_totals(tiny_ws, AS_OF, lookback_days=30) == (3, 1700.0)


def test_heuristic_credits_by_hand(tiny_ws):
    res = at.attribute(tiny_ws, AS_OF, lookback_days=30, half_life_days=7)
    wide = at.compare_models(res, measure="conversions")
    decay = 2.0 ** (-np.array([9 + 14 / 24, 5 + 14 / 24, 1 + 14 / 24]) / 7)
    decay /= decay.sum()
    expected = {
        "first_touch": {"email": 1, "social": 0, "meeting": 0, "website": 1},
        "last_touch": {"email": 0, "social": 0, "meeting": 1, "website": 1},
        "linear": {"email": 1 / 3, "social": 1 / 3, "meeting": 1 / 3, "website": 1},
        "position_based": {"email": 0.4, "social": 0.2, "meeting": 0.4, "website": 1},
        "time_decay": {"email": decay[0], "social": decay[1], "meeting": decay[2],
                       "website": 1},
    }
    for model, credits in expected.items():
        for label, value in credits.items():
            assert wide.loc[label, model] == pytest.approx(value, abs=1e-9), (model, label)
        assert wide.loc[at.NO_TOUCH, model] == pytest.approx(1.0)
    value = at.compare_models(res, measure="value")
    assert value.loc["email", "linear"] == pytest.approx(1000 / 3)
    assert value.loc["website", "linear"] == pytest.approx(500.0)
    assert res.attrs["won"] == 3


def test_engine_transitions_equal_explicit_paths(tiny_ws):
    paths = at.touch_paths(tiny_ws, AS_OF, lookback_days=30)
    engine = at.path_transitions(paths)
    explicit = at.transitions_from_paths(
        [["email", "social", "meeting"], ["website"], ["website"], ["email"]],
        [True, False, True, False])
    pd.testing.assert_frame_equal(engine.reset_index(drop=True),
                                  explicit.sort_values(["from_state", "to_state"])
                                  .reset_index(drop=True), check_dtype=False)


def test_bad_parameters(tiny_ws):
    with pytest.raises(ParamError, match="position_weights"):
        at.attribute(tiny_ws, AS_OF, position_weights=(0.5, 0.5, 0.5))
    with pytest.raises(ParamError, match="lookback_days"):
        at.attribute(tiny_ws, AS_OF, lookback_days=0)
    with pytest.raises(ParamError, match="label"):
        at.touch_paths(tiny_ws, AS_OF, label="campaign")
    with pytest.raises(DataError, match="content table"):
        at.touch_paths(tiny_ws, AS_OF, label="content_category")


# --------------------------------------------------------------------------- sample world


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    folder = tmp_path_factory.mktemp("attr_world")
    generate_world(folder, accounts=1500, seed=11)
    ws = open_workspace(folder)
    yield ws
    ws.close()


@pytest.mark.parametrize("label", ["channel", "content_category"])
def test_every_model_conserves_won_opportunities(world, label):
    res = at.attribute(world, AS_OF, label=label, lookback_days=90)
    o = world.table("opportunities")
    won = int(o.filter((o.stage == "won") & (o.close_date <= dt.date(2026, 6, 30))
                       & (o.created_date <= dt.date(2026, 6, 30))).count().to_pandas())
    totals = res.groupby("model")["conversions"].sum()
    assert set(totals.index) == set(at.MODELS)
    assert totals.to_numpy() == pytest.approx(np.full(len(at.MODELS), won), abs=1e-6)
    assert res.attrs["won"] == won
    values = res.groupby("model")["value"].sum()
    assert values.max() - values.min() < 1e-6 * values.max()
    shares = res.groupby("model")["share"].sum()
    assert shares.to_numpy() == pytest.approx(1.0)


def test_website_content_is_credited_to_content_categories(world):
    # Content-sourced opportunities come from website content touches; the Markov model
    # should give every content category a positive share.
    res = at.attribute(world, AS_OF, label="content_category", lookback_days=60)
    markov = res[res.model == "markov"].set_index("label")["share"]
    assert (markov.drop(at.NO_TOUCH, errors="ignore") > 0).all()


@pytest.mark.parametrize(("label", "weights"), [("channel", (0.4, 0.2, 0.4)),
                                                ("content_category", (0.3, 0.3, 0.4)),
                                                ("channel", (0.0, 1.0, 0.0))])
def test_one_pass_path_summary_equals_the_stored_paths(world, label, weights):
    # attribute() uses path_summary; it must give what the paths table gives model by model.
    paths = at.touch_paths(world, AS_OF, lookback_days=60, label=label)
    heur, trans = at.path_summary(world, AS_OF, lookback_days=60, label=label,
                                  half_life_days=5.0, position_weights=weights)
    ref = at.heuristic_credits(paths, half_life_days=5.0, position_weights=weights)
    order = ["model", "label"]
    pd.testing.assert_frame_equal(heur.sort_values(order, ignore_index=True),
                                  ref.sort_values(order, ignore_index=True), rtol=1e-12)
    pd.testing.assert_frame_equal(trans, at.path_transitions(paths))
    assert trans["count"].sum() > len(heur)


def test_one_pass_path_summary_on_tiny_data(tiny_ws):
    heur, trans = at.path_summary(tiny_ws, AS_OF, lookback_days=30)
    paths = at.touch_paths(tiny_ws, AS_OF, lookback_days=30)
    pd.testing.assert_frame_equal(trans, at.path_transitions(paths))
    first = heur[heur.model == "first_touch"].set_index("label")["conversions"]
    assert first.to_dict() == {"email": 1.0, "meeting": 0.0, "social": 0.0, "website": 1.0}


# --------------------------------------------------------------------------- report sentences


def _credits(rows, won):
    frame = pd.DataFrame(rows, columns=["label", "model", "conversions", "value"])
    frame["share"] = frame["conversions"] / frame.groupby("model")["conversions"].transform("sum")
    frame.attrs["won"] = won
    return frame


def test_no_touch_never_leads_the_finding():
    rows = [(at.NO_TOUCH, m, 6.0, 0.0) for m in at.MODELS]
    rows += [("email", m, 3.0 if m != "markov" else 1.0, 0.0) for m in at.MODELS]
    rows += [("visit", m, 1.0 if m != "markov" else 3.0, 0.0) for m in at.MODELS]
    credits = _credits(rows, won=10)
    side = at.compare_models(credits)
    assert side.index[0] == at.NO_TOUCH  # the largest share ...
    text = at.attribution_sentence(credits, side)
    assert text.startswith("10 won opportunities are attributed. **visit** leads with 30%")  # ... never leads
    assert "Markov rates it above the heuristics" in text
    assert list(at.known_labels(side).index) == ["visit", "email"]
    assert side.loc[at.NO_TOUCH, ["high_model", "low_model"]].isna().all()  # all models agree
    assert side.loc["visit", "high_model"] == "markov"


def test_attribution_sentence_without_won_opportunities_or_disagreement():
    credits = _credits([("email", m, 0.0, 0.0) for m in at.MODELS], won=0)
    assert at.attribution_sentence(credits, at.compare_models(credits)) == ""
    lone = _credits([(at.NO_TOUCH, m, 2.0, 0.0) for m in at.MODELS], won=2)
    assert at.attribution_sentence(lone, at.compare_models(lone)) == (
        "2 won opportunities are attributed.")
    same = _credits([("email", m, 2.0, 0.0) for m in at.MODELS], won=2)
    text = at.attribution_sentence(same, at.compare_models(same), language="zh")
    assert "邮件" in text and "分歧" not in text  # models agree: no disagreement claimed


def test_content_attribution_sentence():
    rows = [(at.NO_TOUCH, m, 2.0, 0.0) for m in at.MODELS]
    only = _credits(rows, won=2)
    assert at.content_attribution_sentence(at.compare_models(only)) == (
        "Won opportunities with no content touch in the window stay with '(no touch)' (100%).")
    mixed = _credits(rows + [("brand", m, 2.0, 0.0) for m in at.MODELS], won=4)
    assert at.content_attribution_sentence(at.compare_models(mixed)).startswith(
        "By content category, **brand** earns the largest Markov share (50%; 50% linear). ")
    assert at.content_attribution_sentence(at.compare_models(_credits([], won=0))) == ""


def test_no_journeys_before_the_first_touch(world):
    credits = at.attribute(world, "2015-01-01")
    assert credits.empty and credits.attrs["won"] == 0
    side = at.compare_models(credits)
    assert side.empty and at.attribution_sentence(credits, side) == ""


def test_bootstrap_point_shares_are_the_models_shares(world):
    per_journey = at.journey_transitions(world, AS_OF)
    totals = per_journey.groupby(["from_state", "to_state"], as_index=False)["count"].sum()
    _, trans = at.path_summary(world, AS_OF)
    pd.testing.assert_frame_equal(
        totals.sort_values(["from_state", "to_state"], ignore_index=True),
        trans.sort_values(["from_state", "to_state"], ignore_index=True)[totals.columns],
        check_dtype=False)
    boot = at.bootstrap_shares(per_journey, resamples=50, seed=1)
    credits = at.attribute(world, AS_OF)
    effects = credits.attrs["removal_effects"].set_index("label")["share"]
    assert boot.markov.to_numpy() == pytest.approx(effects.reindex(boot.index).to_numpy())
    linear = credits[(credits.model == "linear") & (credits.label != at.NO_TOUCH)]
    linear = linear.set_index("label").conversions
    assert boot.linear.to_numpy() == pytest.approx((linear / linear.sum()).reindex(
        boot.index).to_numpy())
    assert ((boot.markov_low <= boot.markov) & (boot.markov <= boot.markov_high)).all()
    assert boot.attrs["draws"]["markov"].shape == (50, len(boot))
    again = at.bootstrap_shares(per_journey, resamples=50, seed=1)
    pd.testing.assert_frame_equal(boot, again)


def _journeys(paths, converted):
    rows = []
    for k, (path, conv) in enumerate(zip(paths, converted, strict=True)):
        trans = at.transitions_from_paths([path], [conv])
        rows.append(trans.assign(journey_id=f"j{k}"))
    return pd.concat(rows, ignore_index=True)


def test_a_leader_must_stand_out_from_the_runner_up():
    rng = np.random.default_rng(0)
    # email and web play the same part on every path: no leader, whatever the ordering
    paths = [list(rng.permutation(["email", "web"])) for _ in range(400)]
    even = at.bootstrap_shares(_journeys(paths, rng.random(400) < 0.3), resamples=200)
    test = at.leader_test(even)
    assert {test["leader"], test["runner_up"]} == {"email", "web"}
    assert test["p_value"] > 0.05 and test["low"] < 0 < test["high"]
    # email alone converts: a real leader
    paths = [["email"] if k % 2 else ["web"] for k in range(400)]
    conv = [bool(k % 2) and rng.random() < 0.5 or rng.random() < 0.05 for k in range(400)]
    strong = at.bootstrap_shares(_journeys(paths, conv), resamples=200)
    test = at.leader_test(strong)
    assert test["leader"] == "email" and test["p_value"] < 0.01 and test["low"] > 0
    assert test["p_permutation"] < 0.01 and test["p_bootstrap"] < 0.01
    # email sits on three times as many paths, but outcomes do not depend on the path:
    # its Markov lead is real in the data (bootstrap) and is only what the volume gives
    paths = [["email"] if k % 4 else ["web"] for k in range(800)]
    volume = at.bootstrap_shares(_journeys(paths, rng.random(800) < 0.3), resamples=200)
    test = at.leader_test(volume)
    assert test["leader"] == "email" and test["p_bootstrap"] < 0.01
    assert test["p_permutation"] > 0.05 and test["p_value"] == test["p_permutation"]
    assert at.bootstrap_shares(_journeys([["a"]], [False])).empty


def test_attribution_names_a_leader_only_when_it_stands_out():
    rows = [("email", m, 4.1, 0.0) for m in at.MODELS] + [
        ("visit", m, 3.9, 0.0) for m in at.MODELS]
    credits = _credits(rows, won=8)
    side = at.compare_models(credits)
    noise = {"leader": "email", "runner_up": "visit", "diff": 0.02, "low": -0.05,
             "high": 0.09, "p_value": 0.31, "resamples": 200}
    lead = at.attribution_lead_finding(side, noise)
    assert not lead.stated
    text = at.attribution_sentence(credits, side, lead=lead)
    assert "leads with" not in text
    assert "No channel stands out under Markov: **email** (51%) is not reliably ahead of **visit** (49%)" in text
    lead = at.attribution_lead_finding(side, {**noise, "p_value": 0.005, "low": 0.01})
    assert lead.stated and lead.action and "**email** leads with 51%" in at.attribution_sentence(
        credits, side, lead=lead)
    zh = at.attribution_lead_finding(side, noise, language="zh")
    assert "没有渠道明显领先" in zh.shown


def test_a_leader_that_only_follows_touch_volume_is_not_stated():
    per_journey = pd.DataFrame({
        "journey_id": ["j1", "j1", "j1", "j2", "j2"],
        "from_state": [at.START, "educational", "brand", at.START, "educational"],
        "to_state": ["educational", "brand", at.CONVERSION, "educational", at.NULL],
        "count": [1, 3, 1, 1, 2]})
    shares = at.touch_shares(per_journey)
    assert shares.to_dict() == pytest.approx({"educational": 5 / 6, "brand": 1 / 6})
    rows = [("educational", m, 4.1, 0.0) for m in at.MODELS] + [
        ("brand", m, 3.9, 0.0) for m in at.MODELS]
    side = at.compare_models(_credits(rows, won=8))
    strong = {"leader": "educational", "runner_up": "brand", "diff": 0.02, "low": 0.01,
              "high": 0.09, "p_value": 0.005, "resamples": 200}
    args = dict(key="content_attribution_top", family="content_attribution_leader")
    assert at.attribution_lead_finding(side, strong, **args).stated
    lead = at.attribution_lead_finding(side, strong, volume=shares, **args)
    assert not lead.stated
    assert "no more than its share of the touches (83%)" in lead.shown
    below = pd.Series({"educational": 0.3, "brand": 0.7})
    assert at.attribution_lead_finding(side, strong, volume=below, **args).stated
    zh = at.attribution_lead_finding(side, strong, volume=shares, language="zh", **args)
    assert "不高于它在触点中的占比" in zh.shown


def test_bootstrap_does_not_depend_on_the_row_order_of_the_engine():
    rng = np.random.default_rng(3)
    paths = [list(rng.choice(["email", "web", "trade_show"], size=rng.integers(1, 4)))
             for _ in range(300)]
    per_journey = _journeys(paths, rng.random(300) < 0.3)
    shuffled = per_journey.sample(frac=1.0, random_state=7).reset_index(drop=True)
    a = at.leader_test(at.bootstrap_shares(per_journey, resamples=100))
    b = at.leader_test(at.bootstrap_shares(shuffled, resamples=100))
    assert a["p_value"] == b["p_value"] and a["leader"] == b["leader"]


def test_attribution_chart_text_names_the_markov_leader_in_words():
    credits = _credits([(label, m, share, 0.0) for label, share in (("trade_show", 3.0),
                                                                     ("email", 1.0))
                        for m in at.MODELS], won=4)
    side = at.compare_models(credits)
    assert "trade show" in at.chart_text(side)["alt"]
    zh = at.chart_text(side, "zh")
    assert "展会" in zh["alt"] and zh["caption"]


def test_leader_finding_equals_its_steps(tiny_ws):
    side = at.compare_models(at.attribute(tiny_ws, AS_OF, label="channel", lookback_days=30))
    per = at.journey_transitions(tiny_ws, AS_OF, lookback_days=30, label="channel")
    test = at.leader_test(at.bootstrap_shares(per, confidence=0.9))
    for extra, volume in (({"n": 3}, None), ({"key": "content_attribution_top"}, at.touch_shares(per))):
        want = at.attribution_lead_finding(side, test, alpha=0.1, volume=volume, **extra)
        got = at.leader_finding(tiny_ws, AS_OF, side, label="channel", lookback_days=30, confidence=0.9,
                                alpha=0.1, with_volume=volume is not None, **extra)
        assert (got is None) == (want is None)
        if got is not None:
            assert (got.shown, got.stated) == (want.shown, want.stated)
