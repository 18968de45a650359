"""Tables for people: every cell reads as a person writes it."""

import numpy as np
import pandas as pd
import pytest

from helpers.presentation import tables


@pytest.mark.parametrize("value, kind, lang, expected", [
    (41446721.79, "money", "en", "41,446,722"),
    (12.345, "money", "en", "12.35"),
    (0.0, "money", "en", "0"),
    (0.152, "share", "en", "15.2%"),
    (0.031, "pct_points", "en", "+3.1 pts"),
    (0.031, "pct_points", "zh", "+3.1 个百分点"),
    (161058, "int", "en", "161,058"),
    (249821.92, "number", "en", "249,822"),
    (2.386, "number", "en", "2.39"),
    (True, "bool", "en", "✓"),
    (False, "bool", "en", "–"),
    (np.nan, "number", "en", "–"),
    (None, "text", "en", "–"),
    (np.inf, "money", "en", "–"),
    ("True", "text", "zh", "✓"),
    (1.234, "ratio", "en", "1.2×"),
    (0.0004, "p_value", "en", "<0.001"),
    (pd.Timestamp("2026-06-30 13:00"), "date", "en", "2026-06-30"),
])
def test_format_cell(value, kind, lang, expected):
    assert tables.format_cell(value, kind, language=lang) == expected


def test_unknown_kind_is_named():
    with pytest.raises(ValueError, match="kind must be one of"):
        tables.format_cell(1, "percent")


@pytest.mark.parametrize("value, lang, expected", [
    (2.5e6, "en", "2.5M"), (12_000, "en", "12K"), (950, "en", "950"), (-3.2e9, "en", "-3.2B"),
    (2.5e6, "zh", "250万"), (1.23e8, "zh", "1.2亿"), (np.nan, "en", "–"), (0.25, "en", "0.2"),
    (2.97e7, "zh", "2,970万"), (999_960, "en", "1M"), (999.96, "en", "1K"), (1e9, "en", "1B"),
])
def test_compact_number(value, lang, expected):
    assert tables.compact_number(value, lang) == expected


def test_people_table_formats_labels_and_cuts():
    frame = pd.DataFrame({"size_band": list("abcdefghijklmnopqrst"),
                          "revenue": np.linspace(1e6, 2e7, 20),
                          "share": np.linspace(0, 0.2, 20),
                          "active": [True, False] * 10})
    html = tables.people_table(frame, kinds={"revenue": "money", "share": "share"},
                               labels={"revenue": "Revenue"}, currency="EUR").to_html()
    assert "Size band" in html and "Revenue (EUR)" in html
    assert "1,000,000" in html and "14.7%" in html and "✓" in html
    assert "True" not in html and "False" not in html
    assert "Showing 15 of 20 rows" in html
    assert html.count("<tr>") == 16  # header and 15 rows
    assert 'class="wb-table"' in html


def test_people_table_escapes_names_and_infers_kinds():
    frame = pd.DataFrame({"account": ["<script>x</script>"], "orders": [3.0], "rate": [np.nan]})
    html = tables.people_table(frame, max_rows=None).to_html()
    assert "<script>x" not in html and "&lt;script&gt;" in html
    assert ">3<" in html.replace(" ", "")
    assert "nan" not in html.lower().replace("nan-", "")
