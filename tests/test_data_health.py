"""Data health: rows per month of the event tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import AS_OF, tiny_tables, write_tables
from notebook_text import CJK

from helpers.analysis import data_health
from helpers.data.datasets import open_workspace


def test_monthly_activity_counts_rows_per_calendar_month(tmp_path):
    tables = tiny_tables()
    stamps = ["2026-05-05 10:00", "2026-06-01 14:30", "2026-05-31 23:59", "2026-06-30 23:30",
              "2026-07-01 00:00", "2023-06-29 12:00", "2023-06-30 00:00"]
    it = tables["interactions"]
    tables["interactions"] = pd.DataFrame({
        **{c: [it[c].iloc[0]] * len(stamps) for c in it.columns},
        "interaction_id": [f"I{i}" for i in range(len(stamps))],
        "timestamp": pd.to_datetime(stamps),
    })
    with open_workspace(write_tables(tables, tmp_path / "data", "parquet")) as ws:
        activity = data_health.monthly_activity(ws, AS_OF)
    rows = activity.set_index(["table", "month"])["rows"]
    # the window runs from 2023-06-30 to as_of: 1 July is after it, 29 June before it
    assert rows.loc["interactions"].to_dict() == {
        pd.Timestamp("2023-06-01"): 1, pd.Timestamp("2026-05-01"): 2,
        pd.Timestamp("2026-06-01"): 2}
    # orders on 2024-05-05, 2025-01-05, 2026-02-01 and 2026-06-01
    assert rows.loc["orders"].to_dict() == {
        pd.Timestamp("2024-05-01"): 1, pd.Timestamp("2025-01-01"): 1,
        pd.Timestamp("2026-02-01"): 1, pd.Timestamp("2026-06-01"): 1}
    assert rows.loc["opportunities"].to_dict() == {pd.Timestamp("2025-12-01"): 1}
    assert list(activity.columns) == ["month", "table", "rows"]
    assert activity["month"].dtype.kind == "M" and activity["rows"].dtype == "int64"


# --------------------------------------------------------------------------- thin data


def _thin(tmp_path, **changes):
    """The tiny world with columns of accounts and orders replaced (None empties them)."""
    from helpers.data import capabilities

    tables = tiny_tables()
    for key, values in changes.items():
        table, column = key.split("__")
        tables[table][column] = values
    ws = open_workspace(write_tables({k: tables[k] for k in ("accounts", "orders")},
                                     tmp_path / "data", "parquet"))
    return ws, capabilities.measure(ws, AS_OF)


def test_a_missing_category_is_not_ranked_but_counted(tmp_path):
    ws, _ = _thin(tmp_path, accounts__industry=[None, None, "Retail"],
                  orders__product_line=[None, None, None, "Sensors"])
    with ws:
        mix = data_health.category_mix(ws, "accounts", "industry")
        assert list(mix["industry"]) == ["Retail"]
        assert mix["share"].iloc[0] == pytest.approx(1 / 3)  # of all accounts
        assert mix.attrs == {"missing_rows": 2, "total_rows": 3}
        lines = data_health.category_mix(ws, "orders", "product_line", value="amount")
        assert list(lines["product_line"]) == ["Sensors"]
        assert lines["value_share"].iloc[0] == pytest.approx(-500 / 93000)


def test_key_distributions_skip_empty_columns_and_name_them_once(tmp_path):
    ws, caps = _thin(tmp_path, accounts__industry=[None] * 3, accounts__region=[None] * 3,
                     accounts__employees=[None] * 3, orders__product_line=[None] * 4)
    with ws:
        panels, text = data_health.key_distributions(ws, caps)
    assert panels == []
    assert text == ("Not shown, since no row holds a value: accounts.industry, accounts.region, "
                    "orders.product_line, accounts.employees.")
    assert "nan" not in text and "(missing)" not in text


def test_key_distributions_on_partial_columns(tmp_path):
    ws, caps = _thin(tmp_path, accounts__industry=[None, "Retail", "Retail"],
                     accounts__employees=[None, 40, 60])
    with ws:
        panels, text = data_health.key_distributions(ws, caps, currency="EUR")
    assert [p["kind"] for p in panels] == ["bar", "bar", "bar", "distribution"]
    assert text.startswith("The largest industry is **Retail** with 67% of accounts. "
                           "1 of 3 rows of accounts have no industry.")
    assert "Median company size is 50 employees; the largest has 60." in text


def test_date_coverage_leaves_out_empty_date_columns(tmp_path):
    ws, _ = _thin(tmp_path, accounts__created_date=[None] * 3)
    with ws:
        coverage = data_health.date_coverage(ws, AS_OF)
    assert list(coverage["table"]) == ["orders"]
    assert coverage["days_since_last"].iloc[0] == 29


def test_validation_sentence_never_says_no_warnings_with_empty_columns(tmp_path):
    from helpers.data import validation

    ws, caps = _thin(tmp_path, orders__gross_margin=[None] * 4)
    with ws:
        overview = data_health.table_overview(ws, caps).set_index("table")
    assert "gross_margin" in overview.loc["orders", "missing_optional"]
    found = validation.findings_frame([])
    text = data_health.validation_sentence(found, caps)
    assert "No warnings" not in text and "**orders** (gross_margin)" in text
    named = pd.DataFrame({"severity": ["warning"], "table": ["orders"], "column": ["gross_margin"],
                          "rule": ["empty_column"], "count": [0], "message": ["m"],
                          "examples": [""]})
    text = data_health.validation_sentence(named, caps)  # a named column is not listed twice
    assert text.startswith("1 warning(s). Errors would have stopped this report.")
    assert "gross_margin" not in text
    assert data_health.findings_table(named.assign(count=np.nan))["count"].tolist() == ["–"]


def test_support_summary_counts_the_capability_verdicts(tmp_path):
    ws, caps = _thin(tmp_path)
    with ws:
        sentence, finding = data_health.support_summary(caps)
    assert sentence.startswith("Of ") and "are skipped for lack of data" in sentence
    assert finding.startswith(finding.split(" of ")[0]) and "Decision process" in finding
    assert finding.count(", ") == data_health.NAMED_GAPS - 1  # five named, the rest counted
    assert finding.endswith(" and 22 more.")
    zh, _ = data_health.support_summary(caps, "zh")
    assert "项分析中" in zh


# --------------------------------------------------------------------------- the brief


def _coverage(**firsts_lasts):
    """A date-coverage frame: ``table=("first", "last")``, as of 2026-06-30."""
    as_of = pd.Timestamp(AS_OF)
    columns = ["table", "date_column", "first", "last", "days_since_last", "rows_after_as_of"]
    rows = [{"table": name, "date_column": "d", "first": pd.Timestamp(first),
             "last": pd.Timestamp(last), "days_since_last": (as_of - pd.Timestamp(last)).days,
             "rows_after_as_of": 0} for name, (first, last) in firsts_lasts.items()]
    return pd.DataFrame(rows, columns=columns)


def test_coverage_sentence_reads_the_shared_period():
    cov = _coverage(orders=("2023-07-01", "2026-06-30"), interactions=("2023-09-15", "2026-06-29"),
                    accounts=("2015-01-01", "2026-05-30"))  # accounts are no activity table
    period = data_health.common_period(cov)
    assert period["months"] == 34 and period["latest"] == "interactions"
    assert data_health.coverage_sentence(cov) == (
        "Reading: the activity tables share 34 months of data, Sep 2023 to Jun 2026: enough "
        "for trends and year-on-year comparisons.")
    assert data_health.coverage_sentence(cov, lead=False).startswith("The activity tables share")
    zh = data_health.coverage_sentence(cov, "zh")
    assert zh.startswith("解读：") and "2023年9月至2026年6月" in zh and "同比" in zh
    short = _coverage(orders=("2025-10-01", "2026-06-30"), interactions=("2025-12-01", "2026-06-30"))
    text = data_health.coverage_sentence(short)
    assert "7 months" in text and "tentative" in text and "interactions starts latest" in text
    year = _coverage(orders=("2025-01-01", "2026-06-30"))
    assert "not for year-on-year" in data_health.coverage_sentence(year)


def test_coverage_sentence_without_dates_or_overlap():
    assert data_health.coverage_sentence(_coverage()).startswith("Reading: no activity table")
    apart = _coverage(orders=("2025-01-01", "2025-06-30"), interactions=("2025-09-01", "2026-06-30"))
    text = data_health.coverage_sentence(apart, lead=False)
    assert text.startswith("The activity tables share no period: orders ends on 2025-06-30")
    assert "interactions starts on 2025-09-01" in text


def test_stale_tables_are_named_with_their_last_event():
    cov = data_health.mark_stale(_coverage(orders=("2023-07-01", "2026-06-30"),
                                           interactions=("2023-07-01", "2026-03-31"),
                                           content=("2022-01-01", "2025-01-01")), 45)
    assert cov.set_index("table")["stale"].to_dict() == {
        "orders": False, "interactions": True, "content": False}  # content is no activity
    assert data_health.freshness_sentence(cov, 45, AS_OF) == (
        "Stale activity tables (no events in the last 45 days): **interactions** "
        "(last 2026-03-31, 91 days).")
    assert data_health.freshness_sentence(cov.assign(stale=False), 45, AS_OF).startswith("Every")
    view = data_health.coverage_view(cov, "zh")
    assert list(view.columns) == list(data_health.COVERAGE_KINDS)
    assert view["table"].iloc[1] == "互动（interactions）"
    assert data_health.mark_stale(pd.DataFrame(columns=["table"]), 45)["stale"].empty


def test_health_findings_are_facts_with_actions_and_problems_first(tmp_path):
    from helpers.data import validation

    ws, caps = _thin(tmp_path, orders__gross_margin=[None] * 4)
    with ws:
        overview = data_health.table_overview(ws, caps)
        coverage = data_health.mark_stale(data_health.date_coverage(ws, AS_OF), 45)
    found = validation.findings_frame([])
    items = data_health.health_findings(overview, coverage, found, caps, stale_after_days=45,
                                        as_of=AS_OF)
    assert 3 <= len(items) <= 5
    assert all(f.kind == "fact" and f.stated and f.action for f in items)
    texts = " ".join(f.text for f in items)
    assert "**" not in texts and "nan" not in texts.lower()
    size = items[0]
    assert size.text.startswith("The data holds 2 of 9 contract tables")
    assert "Add the contacts, interactions" in size.action
    health = next(f for f in items if "gross_margin" in f.text)
    assert health.action.startswith("Fix the mapping of ") and "orders.gross_margin" in health.action
    assert health.impact > size.impact
    zh = data_health.health_findings(overview, coverage, found, caps, stale_after_days=45,
                                     as_of=AS_OF, language="zh")
    assert all(CJK.search(f.text) and CJK.search(f.action) for f in zh)


def test_support_by_report_and_gaps(tmp_path):
    from helpers.data import capabilities

    ws, caps = _thin(tmp_path)
    with ws:
        by_report = data_health.support_by_report(caps)
        gaps = data_health.support_gaps(caps, "zh")
    assert list(by_report.columns) == list(data_health.SUPPORT_KINDS)
    assert by_report[["supported", "partial", "not_supported"]].to_numpy().sum() == len(
        capabilities.ANALYSES)
    assert by_report["not_supported"].sum() > 0 and len(gaps) >= by_report["not_supported"].sum()
    assert gaps["status"].iloc[0] == "不支持"  # skipped analyses come first


def test_charts_read_in_the_report_language(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from helpers.presentation import plotting

    plotting.apply_report_style()
    ws, caps = _thin(tmp_path, accounts__employees=[10, 40, 60])
    with ws:
        panels, _ = data_health.key_distributions(ws, caps, language="zh", currency="EUR")
        activity = data_health.monthly_activity(ws, AS_OF)
    alt = data_health.distributions_alt(panels, "zh")
    assert alt.startswith("关键属性共 4 张图") and "EUR" in alt and "nan" not in alt
    fig, axes = plt.subplots(2, 2)
    for ax, panel in zip(axes.flat, panels, strict=True):
        assert data_health.plot_panel(panel, ax=ax) is ax
    money = axes.flat[2]
    assert money.get_xlabel() == "订单金额 (EUR)"
    assert axes.flat[3].get_ylabel() == "客户数"
    plt.close(fig)
    fig, ax = plt.subplots()
    assert data_health.plot_activity(activity, ax=ax, language="zh") is ax
    fig.canvas.draw()
    ticks = [tick.get_text() for tick in ax.get_xticklabels() if tick.get_text()]
    assert ticks and all("年" in tick for tick in ticks)
    assert {text.get_text() for text in ax.get_legend().get_texts()} == {
        "订单（orders）"}
    plt.close(fig)
    assert data_health.activity_alt(activity).startswith("Line chart of rows per month")


def test_tables_view_drops_the_source_and_shows_no_blank():
    overview = pd.DataFrame({"table": ["orders"], "required": [True], "present": [True],
                             "source": ["orders.csv"], "rows": [4], "columns": [6],
                             "missing_optional": [""]})
    view = data_health.tables_view(overview, "zh")
    assert list(view.columns) == list(data_health.TABLE_KINDS)
    assert view.iloc[0]["table"] == "订单（orders）" and view.iloc[0]["missing_optional"] is None


def test_headline_cards_say_why_days_since_order_is_missing():
    overview = pd.DataFrame({"table": ["accounts", "orders"], "rows": [3, 4]})
    cov = _coverage(orders=("2024-01-01", "2026-06-20"))
    found = pd.DataFrame({"severity": ["warning"]})
    cards = data_health.headline_cards(overview, cov, found, AS_OF)
    assert cards == {"Accounts": {"value": 3}, "Orders": {"value": 4},
                     "Days since last order": {"value": 10}, "Data warnings": {"value": 1}}
    late = cov.assign(days_since_last=-3, rows_after_as_of=2)
    card = data_health.headline_cards(overview, late, found, AS_OF, "zh")["距最近订单天数"]
    assert card == {"value": None, "flag": f"2 笔订单日期晚于 {AS_OF}"}


def test_tables_sentence_names_the_largest_present_table():
    overview = pd.DataFrame({"table": ["accounts", "orders", "surveys"],
                             "present": [True, True, False], "rows": [1200, 34567, 0]})
    assert data_health.tables_sentence(overview) == (
        "The source holds **2 of 3** contract tables with **35,767** rows in all; the largest "
        "is **orders** (34,567 rows).")
    zh = data_health.tables_sentence(overview, "zh")
    assert CJK.search(zh) and "订单（orders）" in zh and "**35,767**" in zh
    assert data_health.tables_sentence(overview.assign(present=False)) == ""


def test_plot_distributions_draws_one_axis_per_panel_and_hides_the_rest():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    bar = {"kind": "bar", "data": pd.Series({"a": 3, "b": 1}), "title": "T", "xlabel": "x"}
    fig = data_health.plot_distributions([bar, bar, bar])
    shown = [ax for ax in fig.axes if ax.get_visible()]
    assert len(fig.axes) == 4 and len(shown) == 3
    assert [ax.get_title() for ax in shown] == ["T", "T", "T"]
    assert fig.get_size_inches()[1] == pytest.approx(7.2)
    plt.close(fig)
