"""Rule segments and behavioural clusters, checked against sklearn and the planted clusters."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score, silhouette_score

from helpers.analysis import lifecycle, segmentation
from helpers.core.errors import DataError, ParamError
from helpers.data import datasets, features
from helpers.data.sample_world import generate_world
from helpers.presentation import findings, i18n
from helpers.report import execute

ROOT = Path(__file__).parents[1]
AS_OF = "2026-06-30"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    folder = tmp_path_factory.mktemp("segmentation_world")
    truth = generate_world(folder, accounts=1500, seed=7)
    ws = datasets.open_workspace(folder)
    feats = features.account_features(ws, AS_OF, windows=(90, 365, 730))
    feats = feats.merge(lifecycle.stages_for(ws, AS_OF), on="account_id")
    accounts = pd.read_parquet(folder / "truth_accounts.parquet")
    k = len(truth["clusters"]["names"])
    result = segmentation.segment_behaviour(feats, k=k, stability_runs=3)
    yield {"folder": folder, "ws": ws, "truth": truth, "feats": feats,
           "accounts": accounts.set_index("account_id"), "result": result}
    ws.close()


def _blobs(centers=5, n=2000, std=1.0, seed=1, sizes=None):
    # Centres on the corners of a simplex, 10 units from the origin: far apart in every
    # direction, so no feature is pure noise after scaling.
    grid = 10.0 * np.eye(centers)
    X, y = make_blobs(n_samples=sizes or n, centers=grid, cluster_std=std, random_state=seed)
    return pd.DataFrame(X, columns=[f"x{i}" for i in range(centers)]), y


# --------------------------------------------------------------------------- choosing k


@pytest.mark.parametrize("criterion", segmentation.CRITERIA)
def test_k_selection_finds_the_true_k_on_separated_blobs(criterion):
    X, _ = _blobs(centers=5)
    sel = segmentation.select_k(X, range(2, 9), criterion=criterion, seed=3)
    assert sel.k == 5
    assert sel.table["chosen"].sum() == 1
    assert sel.table.loc[sel.table["chosen"], "k"].item() == 5


def test_k_selection_with_a_gaussian_mixture():
    X, y = _blobs(centers=3, seed=4)
    sel = segmentation.select_k(X, range(2, 7), method="gmm")
    assert sel.k == 3
    _, labels = segmentation.fit_clusters(X, 3, method="gmm")
    assert adjusted_rand_score(y, labels) > 0.95


def test_silhouette_equals_sklearn_when_the_sample_holds_every_row():
    X, _ = _blobs(centers=4, n=600)
    sel = segmentation.select_k(X, [4], sample_size=10_000, preprocess=False, seed=0)
    km_labels = segmentation.pipeline._clusterer(4, "kmeans", 0, 2).fit(X.to_numpy()).labels_
    assert sel.table["silhouette"].item() == pytest.approx(silhouette_score(X, km_labels))


def test_minimum_share_rules_out_splinter_clusters():
    # Three groups plus a fourth, equally separated one holding 1.5 % of the rows.
    X, _ = _blobs(centers=4, sizes=[1000, 1000, 1000, 45], seed=2)
    loose = segmentation.select_k(X, range(2, 7), min_share=0.0, criterion="silhouette")
    strict = segmentation.select_k(X, range(2, 7), min_share=0.05, criterion="silhouette")
    assert loose.k == 4
    assert strict.k == 3
    assert not strict.table.loc[strict.table["k"] == 4, "eligible"].item()


@pytest.mark.parametrize("kwargs, message", [
    ({"k_range": [1, 2]}, ">= 2"),
    ({"k_range": [2, 5000]}, "only"),
    ({"method": "dbscan"}, "kmeans, gmm"),
    ({"criterion": "bic"}, "consensus"),
    ({"min_share": 0.7}, "between 0 and 0.5"),
])
def test_bad_search_settings_give_clear_messages(kwargs, message):
    X, _ = _blobs(n=200)
    with pytest.raises(ParamError, match=message):
        segmentation.select_k(X, **{"k_range": range(2, 4), **kwargs})


def test_usable_k_range_shrinks_for_small_data():
    assert segmentation.usable_k_range(100_000, 2, 10) == range(2, 11)
    assert segmentation.usable_k_range(45, 2, 10) == range(2, 5)
    assert len(segmentation.usable_k_range(15, 2, 10)) == 0
    with pytest.raises(ParamError, match="below k_min"):
        segmentation.usable_k_range(1000, 6, 4)
    with pytest.raises(ParamError, match="k_min"):
        segmentation.usable_k_range(1000, 1, 4)


# --------------------------------------------------------------------------- planted clusters


def test_clusters_recover_the_planted_behavioural_clusters(world):
    res = world["result"]
    truth = world["accounts"].loc[res.labels.index, "true_cluster"]
    ari = adjusted_rand_score(truth, res.labels)
    assert ari >= 0.7, ari


def test_clusters_are_stable_across_seeds_and_subsamples(world):
    stab = world["result"].stability
    assert len(stab) == 3
    assert stab["ari"].median() >= 0.8


def test_cluster_names_are_distinct_and_readable(world):
    res = world["result"]
    names = list(res.names.values())
    assert len(set(names)) == len(names) == res.k
    joined = " | ".join(names)
    # The planted clusters differ in channel mix; the names say so.
    assert "meeting-engaged" in joined or "visit-engaged" in joined
    assert "webinar-engaged" in joined or "trade show-engaged" in joined
    assert res.cluster_names.isin(names).all()


def test_name_clusters_on_a_hand_table():
    z = pd.DataFrame({"revenue_per_year": [1.5, -0.2, -1.0], "share_email": [0.9, -0.8, 0.1],
                      "order_trend": [0.6, 0.0, -0.9], "recency_days": [0.1, 0.0, 1.2]})
    names = segmentation.name_clusters(z)
    assert names[0] == "high-value, email-engaged, growing"
    assert names[1] == "average profile"
    assert names[2] == "lapsed, low-value, shrinking"


def test_profiles_match_a_groupby(world):
    res = world["result"]
    X, labels = res.features, res.labels
    medians, index = segmentation.cluster_profiles(X, labels, res.names)
    assert medians["accounts"].sum() == len(X)
    assert medians["share"].sum() == pytest.approx(1.0)
    first = labels.value_counts().idxmax()
    assert medians.loc[res.names[first], "orders_per_year"] == pytest.approx(
        X.loc[labels == first, "orders_per_year"].median())
    expected = X.loc[labels == first, "avg_order_value"].mean() / X["avg_order_value"].mean()
    assert index.loc[res.names[first], "avg_order_value"] == pytest.approx(100 * expected)
    # Weighted by cluster size, the index averages to 100 on a feature with no missing values.
    w = medians["accounts"] / medians["accounts"].sum()
    assert (index["interactions_per_year"] * w).sum() == pytest.approx(100)


def test_clusters_are_numbered_by_size(world):
    counts = world["result"].labels.value_counts().sort_index()
    assert counts.is_monotonic_decreasing


def test_surrogate_tree_is_faithful_and_prints_rules(world):
    res = world["result"]
    sur = segmentation.surrogate_tree(res.features, res.labels, names=res.names, max_depth=3)
    assert sur.fidelity >= 0.75
    assert sur.tree.get_depth() <= 3
    assert "share_" in sur.rules and "class:" in sur.rules
    with pytest.raises(ParamError, match="tree_depth"):
        segmentation.surrogate_tree(res.features, res.labels, max_depth=0)


def test_projection_and_plots(world):
    res = world["result"]
    points, explained = segmentation.projection_2d(res.pipeline, res.features, res.labels,
                                                   sample_size=500)
    assert len(points) == 500 and set(points["cluster"]) <= set(res.names)
    assert 0 < explained.sum() <= 1 and explained[0] >= explained[1]
    assert segmentation.plot_projection(points, names=res.names).get_xlabel()
    sel = segmentation.select_k(res.features, range(2, 5), sample_size=500)
    assert segmentation.plot_k_selection(sel.table).get_xlabel() == "number of clusters (k)"
    plt.close("all")


def test_cluster_stage_view(world):
    res, feats = world["result"], world["feats"]
    stages = feats.set_index("account_id")["stage"].loc[res.labels.index]
    view = segmentation.cluster_stage_view(res.cluster_names, stages)
    assert view["accounts"].sum() == len(feats)
    np.testing.assert_allclose(view[list(lifecycle.STAGES)].sum(axis=1), 1.0)
    np.testing.assert_allclose(view["at_risk_share"], view["declining"] + view["churned"])
    assert view["at_risk_share"].is_monotonic_decreasing
    segmentation.plot_cluster_stage_view(view)
    plt.close("all")


def test_behaviour_features_without_interactions(world):
    feats = world["feats"].drop(columns=[c for c in world["feats"] if c.startswith("eng_")])
    X = segmentation.behaviour_features(feats)
    assert not any(c.startswith("share_") for c in X.columns)
    assert "interactions_per_year" not in X.columns
    with pytest.raises(DataError, match="windows=\\(90, 365, 730\\)"):
        segmentation.behaviour_features(feats.drop(columns=["orders_730d"]))


# --------------------------------------------------------------------------- rule segments


def test_rule_segments_fold_small_groups_into_other(world):
    feats = world["feats"]
    seg = segmentation.rule_segments(feats, min_accounts=25)
    sizes = seg[seg != segmentation.OTHER].value_counts()
    assert sizes.min() >= 25
    raw = segmentation.rule_segments(feats, min_accounts=1)
    small = raw.map(raw.value_counts()) < 25
    assert (seg[small] == segmentation.OTHER).all()
    assert (seg[~small] == raw[~small]).all()
    with pytest.raises(ParamError, match="min_segment_accounts"):
        segmentation.rule_segments(feats, min_accounts=0)


def test_segment_summary_on_a_hand_example():
    frame = pd.DataFrame({
        "industry": ["Retail", "Retail", "Energy", None],
        "size_band": ["mid", "mid", "large", "mid"],
        "stage": ["mature", "mature", "growth", "new"],
        "revenue_12m": [100.0, 300.0, 50.0, 10.0],
        "revenue_prev_12m": [100.0, 100.0, 0.0, 0.0],
        "revenue_total": [500.0, 500.0, 50.0, 10.0],
        "margin_total": [100.0, 300.0, 25.0, 1.0],
    })
    seg = segmentation.rule_segments(frame, min_accounts=2)
    assert seg.tolist() == ["Retail · mid · mature"] * 2 + ["Other"] * 2
    s = segmentation.segment_summary(frame, seg).set_index("segment")
    row = s.loc["Retail · mid · mature"]
    assert row["accounts"] == 2 and row["revenue_12m"] == 400
    assert row["growth"] == pytest.approx(1.0)
    assert row["margin_rate"] == pytest.approx(0.4)
    assert np.isnan(s.loc["Other", "growth"])
    assert s.index[-1] == "Other"
    assert s["revenue_share"].sum() == pytest.approx(1.0)
    assert segmentation.rule_segments(frame, min_accounts=1).iloc[3] == "unknown · mid · new"


def test_segment_grid_keeps_the_largest_combinations(world):
    feats = world["feats"]
    grid = segmentation.segment_grid(feats, value="revenue_12m", top=5)
    assert grid.shape == (5, len(lifecycle.STAGES))
    assert list(grid.columns) == list(lifecycle.STAGES)
    totals = grid.sum(axis=1)
    assert totals.is_monotonic_decreasing
    counts = segmentation.segment_grid(feats, value="accounts", top=100)
    assert counts.to_numpy().sum() == len(feats)
    segmentation.plot_segment_grid(grid, scale=1e3)
    plt.close("all")


# --------------------------------------------------------------------------- the notebook


@pytest.mark.slow
def test_notebook_runs_on_a_small_world_without_interactions(world, tmp_path):
    """The one papermill execution: a small world without interactions or surveys."""
    import papermill as pm

    data = tmp_path / "data"
    data.mkdir()
    for f in world["folder"].glob("*.parquet"):
        if f.stem not in ("interactions", "surveys", "truth_accounts"):
            (data / f.name).symlink_to(f)
    out_dir = tmp_path / "out"
    executed = tmp_path / "customer_segmentation.ipynb"
    pm.execute_notebook(
        str(ROOT / "notebooks" / "customer_segmentation.ipynb"), str(executed),
        parameters={"data_source": str(data), "output_dir": str(out_dir), "k_max": 6},
        kernel_name=execute.kernel_name(), cwd=str(ROOT / "notebooks"), progress_bar=False,
    )
    nb = json.loads(executed.read_text(encoding="utf-8"))
    outputs = [o for c in nb["cells"] if c["cell_type"] == "code" for o in c.get("outputs", [])]
    assert not any(o.get("output_type") == "error" for o in outputs)
    text = "\n".join("".join(o.get("text", "")) + "".join(o.get("data", {}).get("text/markdown", ""))
                     for o in outputs)
    assert "No interactions table" in text
    export = pd.read_csv(out_dir / "exports" / "account_segments.csv")
    assert list(export.columns) == ["account_id", "rule_segment", "stage", "cluster_name",
                                    "recommended_action"]
    assert len(export) == len(world["feats"])
    cards = json.loads((out_dir / "headlines" / "customer_segmentation.json").read_text("utf-8"))
    assert 3 <= len(cards) <= 5


# --------------------------------------------------------------------------- thin data


def test_dimensions_without_values_are_left_out_and_said():
    frame = pd.DataFrame({"industry": [None, None, ""], "size_band": ["small", None, "mid"]})
    assert segmentation.populated_dimensions(frame) == ["size_band"]
    assert segmentation.populated_dimensions(frame.assign(size_band=None)) == []
    assert segmentation.dimension_note(["industry", "size_band"]) is None
    note = segmentation.dimension_note(["size_band"])
    assert "size band" in note and "industry has no values" in note
    assert segmentation.dimension_note([]).startswith("Skipped:")
    assert "行业" in segmentation.dimension_note(["size_band"], language="zh")


def test_segment_summary_keeps_an_unknown_margin_unknown():
    frame = pd.DataFrame({"revenue_12m": [100.0, 50.0, 30.0], "revenue_prev_12m": [80.0, 0.0, 0.0],
                          "revenue_total": [200.0, 60.0, 30.0], "margin_total": [50.0, np.nan, np.nan],
                          "seg": ["a", "b", "b"]})
    out = segmentation.segment_summary(frame, "seg").set_index("segment")
    assert out.loc["a", "margin_total"] == 50.0
    assert np.isnan(out.loc["b", "margin_total"]) and np.isnan(out.loc["b", "margin_rate"])
    # a prospect's zero margin (no orders) does not make an unknown margin known
    prospect = pd.DataFrame({"revenue_12m": [0.0], "revenue_prev_12m": [0.0], "revenue_total": [0.0],
                             "margin_total": [0.0], "seg": ["b"]})
    out = segmentation.segment_summary(pd.concat([frame, prospect]), "seg").set_index("segment")
    assert np.isnan(out.loc["b", "margin_total"]) and np.isnan(out.loc["b", "margin_rate"])
    # partly known: the rate is over the revenue with a margin
    mixed = frame.assign(seg="a")
    assert segmentation.segment_summary(mixed, "seg").margin_rate.iloc[0] == pytest.approx(0.25)


def _feats(**cols):
    n = len(cols["order_count"])
    base = {"account_id": [f"A{i}" for i in range(n)], "recency_days": [10.0] * n,
            "first_order_date": pd.to_datetime(["2026-03-01"] * n),
            "last_order_date": pd.to_datetime(["2026-06-20"] * n), "revenue_total": [100.0] * n,
            "avg_order_value": [50.0] * n, "orders_365d": [2] * n, "orders_730d": [2] * n,
            "mean_gap_days": [np.nan] * n, "tenure_days": [120.0] * n}
    return pd.DataFrame(base | cols)


def test_young_accounts_have_no_order_trend_and_no_infinite_feature():
    feats = _feats(order_count=[2, 1, 0], mean_gap_days=[np.inf, np.nan, np.nan])
    X = segmentation.behaviour_features(feats)
    assert X["order_trend"].isna().all()  # first orders less than a year ago
    assert np.isfinite(X.to_numpy()[~np.isnan(X.to_numpy())]).all()
    old = _feats(order_count=[3], first_order_date=pd.to_datetime(["2024-06-01"]), orders_730d=[3])
    assert segmentation.behaviour_features(old)["order_trend"].iloc[0] == pytest.approx(np.log2(3 / 2))


def test_informative_features_drop_empty_and_constant_columns():
    X = pd.DataFrame({"a": np.arange(20.0), "b": [np.nan] * 20, "c": [1.0] * 20,
                      "d": [1.0, 2.0] + [np.nan] * 18})
    assert list(segmentation.informative_features(X).columns) == ["a"]


def test_a_trend_word_needs_a_change_of_that_sign():
    z = pd.DataFrame({"order_trend": [-1.0, 1.0], "revenue_per_year": [0.0, 0.0]})
    levels = pd.DataFrame({"order_trend": [0.0, 0.5]})
    names = segmentation.name_clusters(z, levels=levels)
    assert "shrinking" not in names[0] and names[1] == "growing"
    assert segmentation.name_clusters(z)[0] == "shrinking"


def test_tree_rules_say_known_and_missing_instead_of_inf():
    X = pd.DataFrame({"days between orders": [10.0, 12.0, np.nan, np.nan, 11.0, np.nan] * 5})
    y = pd.Series([0, 0, 1, 1, 0, 1] * 5)
    rules = segmentation.surrogate_tree(X, y, names={0: "rhythm", 1: "one-off"}).rules
    assert "inf" not in rules
    assert "days between orders is known" in rules and "days between orders has no value" in rules
    zh = segmentation.surrogate_tree(X, y, language="zh").rules
    assert "inf" not in zh and "无值" in zh


def test_selection_display_is_readable():
    table = pd.DataFrame({"k": [2, 3], "silhouette": [0.31, np.nan], "calinski_harabasz": [80.5, 70.0],
                          "davies_bouldin": [1.2, 1.4], "min_share": [0.4, 0.01],
                          "eligible": [True, False], "score": [-1.0, np.nan], "chosen": [True, False]})
    out = segmentation.selection_display(table)
    assert out.loc[1, "score"] == "–" and out.loc[1, "silhouette"] == "–"
    assert list(out["eligible"]) == ["yes", "no"] and list(out["chosen"]) == ["✓", ""]
    assert out.loc[0, "min_share"] == "40.0%"
    assert segmentation.selection_display(table, "zh").loc[0, "eligible"] == "是"


def test_without_engagement_only_buyers_are_clustered():
    rng = np.random.default_rng(0)
    n_buy, n_pro = 60, 20
    big = np.r_[np.full(30, 20), np.full(30, 2)]
    first = pd.to_datetime("2023-01-01") + pd.to_timedelta(rng.integers(0, 30, n_buy), unit="D")
    buyers = pd.DataFrame({
        "account_id": [f"B{i}" for i in range(n_buy)], "order_count": big,
        "recency_days": np.r_[rng.uniform(5, 20, 30), rng.uniform(300, 400, 30)],
        "first_order_date": first, "last_order_date": pd.to_datetime("2026-06-01"),
        "revenue_total": big * 1000.0 * rng.uniform(0.8, 1.2, n_buy),
        "avg_order_value": 1000.0 * rng.uniform(0.8, 1.2, n_buy),
        "orders_365d": big // 2, "orders_730d": big * 3 // 4,
        "mean_gap_days": np.r_[rng.uniform(20, 40, 30), rng.uniform(200, 300, 30)],
        "tenure_days": 1200.0})
    prospects = pd.DataFrame({"account_id": [f"P{i}" for i in range(n_pro)], "order_count": 0,
                              "revenue_total": 0.0, "orders_365d": 0, "orders_730d": 0,
                              "tenure_days": 300.0})
    feats = pd.concat([buyers, prospects], ignore_index=True)
    res = segmentation.segment_behaviour(feats, k=2, stability_runs=0)
    assert (res.labels[[f"P{i}" for i in range(n_pro)]] == segmentation.NO_ORDERS).all()
    assert set(res.labels[[f"B{i}" for i in range(n_buy)]]) == {0, 1}
    assert res.names[segmentation.NO_ORDERS] == "no orders yet"
    assert res.cluster_names.notna().all()


def test_largest_cluster_passes_over_the_group_without_orders():
    medians = pd.DataFrame({"accounts": [100, 60, 40], "orders_per_year": [np.nan, 4.0, 9.0],
                            "revenue_per_year": [np.nan, 1e4, 2e4]},
                           index=["no orders yet", "steady", "frequent"])
    assert segmentation.largest_cluster(medians).name == "steady"
    assert segmentation.largest_cluster(medians.iloc[:1]).name == "no orders yet"
    assert segmentation.number_text(np.nan) == "–" and segmentation.number_text(np.inf) == "–"
    assert segmentation.number_text(1234.5) == "1,234"


def test_margin_note_gives_the_reason_for_a_dash():
    known = pd.DataFrame({"margin_total": [5.0, 2.0]})
    assert segmentation.margin_note(known) is None
    assert "no gross margin" in segmentation.margin_note(known.assign(margin_total=np.nan))
    assert "unknown" in segmentation.margin_note(pd.DataFrame({"margin_total": [5.0, np.nan]}))
    assert "毛利" in segmentation.margin_note(known.assign(margin_total=np.nan), "zh")


# --------------------------------------------------------------------------- evidence gates


def _trend_feats(now, before, *, days=900, start=0):
    n = len(now)
    as_of = pd.Timestamp(AS_OF)
    return pd.DataFrame({
        "account_id": [f"A{start + i:04d}" for i in range(n)],
        "order_count": np.asarray(now) + np.asarray(before) + 1,
        "orders_365d": np.asarray(now, dtype=float),
        "orders_730d": np.asarray(now, dtype=float) + np.asarray(before, dtype=float),
        "first_order_date": as_of - pd.Timedelta(days=days),
        "last_order_date": as_of - pd.Timedelta(days=10),
        "recency_days": 10.0,
    })


def test_paired_change_test_equals_scipy_wilcoxon():
    from scipy import stats
    rng = np.random.default_rng(3)
    before = rng.poisson(6, 40).astype(float)
    after = before + rng.normal(-1.5, 2, 40).round()
    res = segmentation.paired_change_test(after, before)
    assert res["p_value"] == pytest.approx(stats.wilcoxon(after, before, zero_method="wilcox").pvalue)
    assert res["direction"] == ("down" if after.sum() < before.sum() else "up")
    flat = segmentation.paired_change_test(np.zeros(30), np.zeros(30))
    assert np.isnan(flat["p_value"]) and flat["direction"] == "flat"


def test_a_trend_word_needs_history_and_a_corrected_test():
    rng = np.random.default_rng(0)
    falling = _trend_feats(rng.poisson(2, 40), rng.poisson(8, 40))
    zero = _trend_feats(np.zeros(40), np.zeros(40), start=100)  # 0 against 0
    young = _trend_feats(rng.poisson(1, 40), rng.poisson(9, 40), days=400, start=200)
    feats = pd.concat([falling, zero, young], ignore_index=True)
    labels = pd.Series([0] * 40 + [1] * 40 + [2] * 40, index=feats.account_id)
    ev = segmentation.trend_evidence(feats, labels)
    assert ev.loc[0, "supported"] and ev.loc[0, "direction"] == "down"
    assert not ev.loc[1, "supported"] and np.isnan(ev.loc[1, "p_value"])
    assert ev.loc[2, "n"] == 0 and not ev.loc[2, "supported"]  # previous year not observed
    # the z-scores and medians alone would call all three "shrinking"
    z = pd.DataFrame({"order_trend": [-1.2, -1.0, -1.5], "revenue_per_year": [0.0, 0.9, 0.0]})
    levels = pd.DataFrame({"order_trend": [-1.0, -0.5, -2.0]})
    plain = segmentation.name_clusters(z, levels=levels)
    assert all("shrinking" in name for name in plain.values())
    trends = {c: (r.direction if r.supported else None) for c, r in ev.iterrows()}
    gated = segmentation.name_clusters(z, levels=levels, trends=trends)
    assert gated[0] == "shrinking"
    assert "shrinking" not in gated[1] and gated[1] == "high-value"
    assert "shrinking" not in gated[2] and gated[2] == "average profile"


def test_trend_test_is_corrected_across_clusters():
    from statsmodels.stats.multitest import multipletests
    rng = np.random.default_rng(5)
    parts = [_trend_feats(rng.poisson(4, 15), rng.poisson(5, 15), start=100 * i) for i in range(6)]
    feats = pd.concat(parts, ignore_index=True)
    labels = pd.Series(np.repeat(np.arange(6), 15), index=feats.account_id)
    ev = segmentation.trend_evidence(feats, labels, method="holm")
    ok = ev.p_value.notna()
    np.testing.assert_allclose(ev.p_adjusted[ok], multipletests(ev.p_value[ok], method="holm")[1])


def test_a_trend_word_in_a_name_is_a_label_of_the_clusters_own_trend(world):
    res = world["result"]
    assert set(res.trends.index) == set(res.labels[res.labels >= 0].unique())
    median = res.features.groupby(res.labels).order_trend.median()
    for c, name in res.names.items():
        if "shrinking" in name:
            assert median[c] < 0, name
        if "growing" in name:
            assert median[c] > 0, name


def test_stages_and_order_change_derive_from_the_clustering_inputs(world):
    columns = world["result"].features.columns
    assert segmentation.defined_by_clusters(columns, "stage")
    assert segmentation.defined_by_clusters(columns, "order_change")
    engaged = ["interactions_per_year", "share_email", "avg_order_value"]
    assert not segmentation.defined_by_clusters(engaged, "stage")
    assert segmentation.defined_by_clusters([*engaged, "order_gap_days"], "stage")
    assert not segmentation.defined_by_clusters([*engaged, "recency_days"], "order_change")
    with pytest.raises(ParamError, match="quantity"):
        segmentation.defined_by_clusters(columns, "revenue")


def test_clusters_formed_on_recency_differ_in_stage_without_any_effect():
    """Why the at-risk share of such clusters is described: on pure noise the test 'finds' it."""
    rng = np.random.default_rng(3)
    recency = rng.exponential(120, 600)
    churned = recency >= 180  # the stage rule reads the clustering input
    labels = segmentation.fit_clusters(pd.DataFrame({"recency_days": recency}), 2, seed=0)[1]
    stages = pd.Series(np.where(churned, "churned", "mature"), index=labels.index)
    view = segmentation.cluster_stage_view(labels, stages)
    assert segmentation.at_risk_tests(view).p_value.max() < 1e-6  # invalid: selected on it
    described = segmentation.risk_descriptions(segmentation.at_risk_view(view))
    assert list(described) == [view.index[0]]
    assert "describes the cluster" in described[view.index[0]] and "reliabl" not in described[view.index[0]]


def test_at_risk_view_and_descriptions_on_a_hand_table():
    view = pd.DataFrame({"accounts": [20, 200, 80, 50], "at_risk_share": [0.5, 0.05, 0.0, 0.0]},
                        index=pd.Index(["a", "b", "c", "no orders yet"], name="cluster"))
    out = segmentation.at_risk_view(view, exclude=["no orders yet"])
    assert list(out.index) == ["a", "b", "c"] and list(out.at_risk) == [10, 10, 0]
    np.testing.assert_allclose(out.rest_share, [10 / 280, 10 / 100, 20 / 220])
    assert "p_value" not in out and "significant" not in out  # no test pretending to be evidence
    two = segmentation.risk_descriptions(out, limit=5)
    assert list(two) == ["a", "b"]  # a cluster without declining or churned accounts is not described
    assert two["a"].startswith("a: 50% of its 20 accounts are declining or churned (4% of the other")
    assert not any("**" in text for text in two.values())
    zh = segmentation.risk_descriptions(out, "zh")
    assert list(zh) == ["a"] and "描述" in zh["a"]


def test_at_risk_tests_use_fisher_and_the_family_correction():
    from scipy import stats
    from statsmodels.stats.multitest import multipletests
    view = pd.DataFrame({"accounts": [100, 200, 150], "at_risk_share": [0.40, 0.10, 0.12]},
                        index=pd.Index(["a", "b", "(missing)"], name="cluster"))
    out = segmentation.at_risk_tests(view)
    p = stats.fisher_exact([[40, 60], [20 + 18, 350 - 38]]).pvalue
    assert out.loc["a", "p_value"] == pytest.approx(p)
    np.testing.assert_allclose(out.p_adjusted, multipletests(out.p_value, method="fdr_bh")[1])
    assert out.loc["a", "significant"] and out.loc["a", "lift"] > 1
    assert not out.loc["(missing)", "significant"]  # a missing level is never a finding
    claims = segmentation.risk_claims(out)
    assert claims[0].startswith("a: 40% of its 100 accounts") and "only" in claims[1]
    assert not any("**" in c for c in claims)  # plain text for the portal


def test_segment_growth_needs_two_observed_years():
    frame = pd.DataFrame({"segment": ["x"] * 30 + ["Other"] * 30,
                          "revenue_12m": [200.0] * 30 + [300.0] * 30,
                          "revenue_prev_12m": [100.0] * 30 + [100.0] * 30})
    frame.loc[::3, "revenue_12m"] = 150.0
    out = segmentation.segment_growth_tests(frame, "segment").set_index("segment")
    assert out.loc["x", "significant"] and out.loc["x", "direction"] == "up"
    assert out.loc["Other", "p_value"] < 0.05 and not out.loc["Other", "significant"]
    assert np.isnan(out.loc["Other", "p_adjusted"])  # the pool is outside the family
    young = segmentation.segment_growth_tests(frame, "segment", history_days=200)
    assert young.p_value.isna().all() and not young.significant.any()
    assert segmentation.survives_marks([True, False]) == ["✓", "–"]
    assert segmentation.is_missing_segment("unknown · mid") and segmentation.is_missing_segment("Other")
    assert not segmentation.is_missing_segment("Retail · mid · growth")


def test_the_group_without_orders_is_outside_the_at_risk_family():
    view = pd.DataFrame({"accounts": [100, 200, 80], "at_risk_share": [0.40, 0.10, 0.0]},
                        index=pd.Index(["a", "b", "no orders yet"], name="cluster"))
    out = segmentation.at_risk_tests(view, exclude=["no orders yet"])
    assert list(out.index) == ["a", "b"]
    assert out.loc["a", "rest_share"] == pytest.approx(0.10)  # prospects do not dilute the rest


# --------------------------------------------------------------------------- report helpers


def test_channel_and_size_band_labels_read_in_both_languages():
    assert segmentation.channel_label("trade_show") == "trade show"
    assert segmentation.channel_label("trade_show", "zh") == "展会"
    assert segmentation.channel_label("smoke_signal", "zh") == "smoke signal"
    assert segmentation.feature_label("share_email", "zh") == "邮件占比"
    assert segmentation.segment_label("Retail · mid · growth") == "Retail · mid · growth"
    assert segmentation.segment_label("Retail · enterprise · churned", "zh") == "Retail · 超大型 · 已流失"
    # a size band named in the parameters is shown as given
    assert segmentation.segment_label("Retail · tiny · new", "zh") == "Retail · tiny · 新客户"


def test_segment_table_is_six_columns_and_keeps_other_last():
    summary = pd.DataFrame({
        "segment": ["A · mid · growth", "B · small · mature", segmentation.OTHER],
        "accounts": [40, 35, 10], "account_share": [0.47, 0.41, 0.12],
        "revenue_12m": [500.0, 300.0, 20.0], "revenue_share": [0.61, 0.37, 0.02],
        "margin_total": [100.0, np.nan, 5.0], "margin_rate": [0.2, np.nan, 0.25],
        "growth": [0.1, -0.3, np.nan]})
    out = segmentation.segment_table(summary, "zh", rows=1)
    assert list(out.columns) == ["segment", "accounts", "revenue_12m", "revenue_share",
                                 "margin_rate", "growth"]
    assert list(out.segment) == ["A · 中型 · 成长期", "其他"]


def test_cluster_overview_and_alt_texts_on_a_hand_table():
    medians = pd.DataFrame({"accounts": [30, 70], "share": [0.3, 0.7],
                            "orders_per_year": [2.0, 9.5], "revenue_per_year": [1e3, 5e4]},
                           index=pd.Index(["lapsed", "frequent buyers"], name="cluster"))
    view = pd.DataFrame({"accounts": [30, 70], "mature": [0.2, 0.9], "churned": [0.8, 0.1],
                         "at_risk_share": [0.8, 0.1]}, index=["lapsed", "frequent buyers"])
    out = segmentation.cluster_overview(medians, view)
    assert list(out.columns) == ["cluster", "accounts", "orders_per_year", "revenue_per_year",
                                 "at_risk_share"]
    assert list(out.cluster) == ["frequent buyers", "lapsed"] and list(out.at_risk_share) == [0.1, 0.8]
    assert "lapsed has the largest share" in segmentation.cluster_stage_alt(view)
    assert "（80%）" in segmentation.cluster_stage_alt(view, "zh")
    index = pd.DataFrame({"recency": [250.0, 40.0], "orders": [90.0, 110.0]},
                         index=["lapsed", "frequent buyers"])
    assert "lapsed on recency at 250" in segmentation.index_alt(index)
    assert "no index" in segmentation.index_alt(index * np.nan)
    assert "2 clusters" in segmentation.projection_alt({0: "a", 1: "b"}, [0.4, 0.2])
    assert "60%" in segmentation.projection_alt({0: "a", 1: "b"}, [0.4, 0.2], "zh")
    table = pd.DataFrame({"k": [2, 3, 4], "silhouette": [0.3, 0.41, 0.2],
                          "davies_bouldin": [1.2, 0.9, 1.4], "chosen": [False, True, False]})
    alt = segmentation.k_selection_alt(table, 3)
    assert "k from 2 to 4" in alt and "k = 3 was chosen (silhouette 0.41)" in alt


def test_grid_alt_names_the_largest_cell_in_compact_money():
    grid = pd.DataFrame({"mature": [2.5e6, 1e5], "churned": [0.0, 4e5]},
                        index=["Retail · mid", "Energy · large"])
    alt = segmentation.grid_alt(grid, "EUR")
    assert "2 largest" in alt and "Retail · mid in mature at 2.5M EUR" in alt
    zh = segmentation.grid_alt(grid, "EUR", "zh")
    assert "Retail · 中型" in zh and "250万 EUR" in zh and "成熟期" in zh
    assert "no revenue" in segmentation.grid_alt(grid.iloc[:0], "EUR")


def test_tree_paths_read_as_one_rule_per_leaf():
    from sklearn.tree import DecisionTreeClassifier

    from helpers.analysis.segmentation import tree_paths

    x = np.array([[v, w] for v in range(10) for w in range(10)], dtype=float)
    y = np.where(x[:, 0] <= 4.5, "low", np.where(x[:, 1] <= 2.5, "high-few", "high-many"))
    tree = DecisionTreeClassifier(max_depth=2, random_state=0).fit(x, y)
    paths = tree_paths(tree, ["orders", "share email"], list(tree.classes_))
    assert paths.accounts.sum() == 100
    assert paths.iloc[0].tolist() == ["orders ≤ 4.50", "low", 50]
    assert set(paths.conditions) == {"orders ≤ 4.50", "orders > 4.50 and share email ≤ 2.50",
                                     "orders > 4.50 and share email > 2.50"}
    zh = tree_paths(tree, ["订单", "邮件占比"], list(tree.classes_), language="zh")
    assert "订单 > 4.50，且 邮件占比 ≤ 2.50" in set(zh.conditions)


def test_tree_paths_merge_ranges_and_say_missing_in_words():
    from sklearn.tree import DecisionTreeClassifier

    from helpers.analysis.segmentation import tree_paths

    x = np.array([[v] for v in range(30)] + [[np.nan]] * 10, dtype=float)
    y = ["a"] * 10 + ["b"] * 10 + ["a"] * 10 + ["c"] * 10
    tree = DecisionTreeClassifier(max_depth=3, random_state=0).fit(x, y)
    text = " | ".join(tree_paths(tree, ["gap"], list(tree.classes_)).conditions)
    assert "< gap ≤" in text  # two splits on one path read as one range
    assert "inf" not in text and "nan" not in text


# --------------------------------------------------------------------------- report steps of the notebook


class _Caps:
    """Stands in for helpers.data.capabilities: every section has the given status."""

    def __init__(self, status="supported"):
        self.status = status

    def support(self, key, language="en"):
        return self.status, []


def test_money_headers_and_coverage_notes():
    assert segmentation.money_headers("EUR") == {"revenue_12m": "revenue, last 12 months (EUR)",
                                                 "revenue_per_year": "revenue per year (median) (EUR)"} \
        or all(h.endswith("(EUR)") for h in segmentation.money_headers("EUR").values())
    assert all("EUR" in h for h in segmentation.money_headers("EUR", "zh").values())
    full = dict(has_interactions=True, n_clusters=0, k_range=[2, 3], accounts=500)
    assert segmentation.coverage_notes(_Caps(), **full) == []
    assert segmentation.coverage_notes(_Caps("partial"), **full) == [
        i18n.t("customer_segmentation.note.limited", "en")]
    notes = segmentation.coverage_notes(_Caps("partial"), **{**full, "has_interactions": False, "k_range": []},
                                        language="zh")
    assert len(notes) == 2 and "1,000" not in notes[1] and "500" in notes[1]  # limited is implied


def _risk_result():
    names = {0: "big buyers", 1: "quiet", segmentation.NO_ORDERS: "no orders yet"}
    labels = pd.Series([0] * 40 + [1] * 40 + [segmentation.NO_ORDERS] * 20,
                       index=pd.Index([f"A{i}" for i in range(100)], name="account_id"))
    feats = pd.DataFrame({"account_id": labels.index,
                          "stage": ["mature"] * 36 + ["churned"] * 4 + ["growth"] * 20 + ["declining"] * 20
                          + ["prospect"] * 20,
                          "revenue_12m": [100.0] * 40 + [10.0] * 40 + [0.0] * 20})
    result = SimpleNamespace(names=names, cluster_names=labels.map(names).rename("cluster_name"),
                             features=pd.DataFrame(columns=["revenue_per_year", "share_email"]))
    return result, feats


def test_cluster_risk_tests_clusters_formed_without_the_stage_inputs():
    result, feats = _risk_result()
    cr = segmentation.cluster_risk(result, feats)
    assert not cr.risk_described and not cr.trend_described
    assert sorted(cr.risk.index) == ["big buyers", "quiet"]  # the group without orders is left out
    assert cr.revenue["big buyers"] == 4000 and cr.revenue["quiet"] == 400
    log = findings.FindingLog("t")
    found = segmentation.log_cluster_risk(log, cr)
    assert len(found) == 2 and log.items == found and all(f.action for f in found)
    assert any(f.stated for f in found) and found[0].evidence.test == "Fisher exact"
    found = sorted(found, key=lambda f: not f.text.startswith("big buyers"))
    text = segmentation.cluster_summary_text(
        pd.DataFrame({"accounts": [40, 40], "share": [0.4, 0.4], "orders_per_year": [4.0, 1.0],
                      "revenue_per_year": [12000.0, 900.0]}, index=["big buyers", "quiet"]),
        found, trend_text="Trend.", currency="EUR")
    assert text.startswith("The largest cluster is **big buyers**") and text.endswith("Trend.")
    short = segmentation.cluster_summary_text(
        pd.DataFrame({"accounts": [40], "share": [1.0], "orders_per_year": [4.0], "revenue_per_year": [1.0]},
                     index=["big buyers"]), found, provisional_note="Short history.")
    assert short.endswith("Short history.") and "declining" not in short


def test_cluster_risk_describes_clusters_formed_on_the_stage_inputs():
    result, feats = _risk_result()
    result.features = pd.DataFrame(columns=["recency_days", "order_trend", "orders_per_year"])
    cr = segmentation.cluster_risk(result, feats)
    assert cr.risk_described and cr.trend_described and "p_value" not in cr.risk
    log = findings.FindingLog("t")
    found = segmentation.log_cluster_risk(log, cr, language="zh")
    assert found and all(f.kind == "fact" and f.evidence.test == "description of the cluster" for f in found)
    said = segmentation.tests_text(min_accounts=30, segments_tested=0, cr=cr, provisional=False)
    assert said.count(". ") >= 2 and "30" in said
    assert segmentation.tests_text(min_accounts=30, segments_tested=1, cr=None, provisional=False,
                                   language="zh").count("30") == 1


def test_cluster_trends_are_a_corrected_family_or_a_note():
    log = findings.FindingLog("t")
    empty = SimpleNamespace(trends=pd.DataFrame(), names={})
    assert segmentation.log_cluster_trends(log, empty) == "" and not log.items
    trends = pd.DataFrame({"n": [50, 5], "orders_now": [300.0, 4.0], "orders_before": [100.0, 5.0],
                           "direction": ["up", "flat"], "p_value": [1e-6, np.nan]}, index=[0, 1])
    text = segmentation.log_cluster_trends(log, SimpleNamespace(trends=trends, names={0: "a", 1: "b"}))
    assert len(log.items) == 1 and log.items[0].stated and text == log.items[0].text
    untested = SimpleNamespace(trends=trends.iloc[1:], names={1: "b"})
    assert str(segmentation.MIN_TREND_ACCOUNTS) in segmentation.log_cluster_trends(log, untested)


def test_rule_segment_growth_summary_and_detail():
    frame = pd.DataFrame({"segment": ["x"] * 30 + ["Other"] * 30,
                          "revenue_12m": [200.0] * 30 + [300.0] * 30,
                          "revenue_prev_12m": [100.0] * 30 + [100.0] * 30,
                          "revenue_total": [500.0] * 60, "margin_total": [100.0] * 60})
    frame.loc[::3, "revenue_12m"] = 150.0
    summary = segmentation.segment_summary(frame, "segment")
    tests = segmentation.segment_growth_tests(frame, "segment").set_index("segment")
    log = findings.FindingLog("t")
    tested, found = segmentation.log_segment_growth(log, summary, tests)
    assert list(tested.segment) == ["x"] and len(found) == 1 and found[0].stated
    assert found[0].action and "**" not in found[0].text
    assert segmentation.named_segments(summary) == 1
    text = segmentation.rule_segment_text(summary, min_accounts=30, growth=log.summary(found))
    assert text.startswith("1 segments") or text.startswith("1 segment")
    assert text.endswith(found[0].text)
    assert "30" in segmentation.rule_segment_text(summary[summary.segment == "Other"], min_accounts=30)
    detail = segmentation.segment_detail(summary, tests, "zh")
    assert "其他" in list(detail.segment) and detail.survives.dtype == bool
    assert detail.set_index("segment").loc["x", "survives"]
    none, nothing = segmentation.log_segment_growth(findings.FindingLog("t"), summary[summary.segment == "Other"],
                                                    tests)
    assert len(none) == 0 and nothing == []


def test_grid_at_risk_text_names_the_combination_with_most_revenue_at_risk():
    grid = pd.DataFrame({"growth": [100.0, 50.0], "declining": [10.0, 40.0], "churned": [0.0, 10.0]},
                        index=["Retail · small", "Energy · large"])
    text = segmentation.grid_at_risk_text(grid, "EUR")
    assert "**Energy · large**" in text and "50 EUR" in text and "50%" in text
    assert segmentation.grid_at_risk_text(grid[["growth"]]) == i18n.t("customer_segmentation.grid.none", "en")


def test_k_choice_stability_export_and_cards():
    selection = pd.DataFrame({"k": [2, 3], "silhouette": [0.4, 0.55], "davies_bouldin": [1.1, 0.8]})
    text = segmentation.k_choice_text(selection, 3, criterion="silhouette", min_share=0.03)
    assert "k = 3" in text and "0.55" in text and "0.80" in text and "3%" in text
    assert "0.90" in segmentation.stability_text(pd.Series([0.9, 0.95, 0.85]))
    assert "0.45" in segmentation.stability_text(pd.Series([0.5, 0.4]), "zh")
    actions = pd.DataFrame({"account_id": ["a", "b"], "stage": ["new", "mature"], "action": ["Onboard", "Keep"],
                            "channels": ["email", "phone"]})
    export = segmentation.account_export(actions, pd.Series(["x", "Other"]), pd.Series({"a": "big"}))
    assert list(export.columns) == ["account_id", "rule_segment", "stage", "cluster_name", "recommended_action"]
    assert list(export.rule_segment) == ["x", "Other"] and export.cluster_name.iloc[0] == "big"
    assert export.cluster_name.isna().iloc[1]
    assert segmentation.account_export(actions, [None, None]).cluster_name.isna().all()
    cards = segmentation.headline_cards(at_risk_share=0.1234, growing_share=0.5, clusters=4,
                                        stability=pd.Series([0.9, 0.8]), segments=7)
    values = [c["value"] for c in cards.values()]
    assert values == [12.3, 50.0, 4, 0.85, 7]
    empty = segmentation.headline_cards(at_risk_share=None, growing_share=0.5, clusters=None, stability=None,
                                        segments=None, language="zh")
    assert [c["value"] for c in empty.values()] == [None, 50.0, None, None, None]
