"""Report language: the label dictionary, the report chrome and Chinese glyphs in charts."""

from __future__ import annotations

import base64
import io
import json
import re
import string
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from fontTools.ttLib import TTFont
from matplotlib import font_manager
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from helpers.core.errors import ParamError
from helpers.presentation import i18n, plotting
from helpers.report import fonts, render

REPO = Path(__file__).resolve().parents[1]
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def test_every_label_has_both_languages_with_the_same_fields():
    assert i18n.missing("zh") == [] and i18n.missing("en") == []
    for key, entry in i18n.LABELS.items():
        assert fields(entry["en"]) == fields(entry["zh"]), key


def test_t_fills_values_and_reports_unknown_keys_and_languages():
    assert i18n.t("kpi.cac", "en") == "CAC"
    assert i18n.t("kpi.cac", "zh") == "获客成本"
    assert i18n.t("chrome.data_as_of", "zh", as_of="2026-06-30") == "数据截至 2026-06-30"
    assert i18n.t("no.such.key", "en", default="x {n}", n=1) == "x 1"
    with pytest.raises(KeyError, match="did you mean 'kpi.cac'"):
        i18n.t("kpi.cca", "en")
    with pytest.raises(ParamError, match="en, zh"):
        i18n.t("kpi.cac", "fr")
    assert i18n.labels("zh", "chrome.")["contents"] == "目录"


def test_the_kpi_notebook_only_uses_known_keys():
    nb = json.loads((REPO / "notebooks" / "kpi_monitoring.ipynb").read_text(encoding="utf-8"))
    source = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    literal = set(re.findall(r"""\bt\(\s*["']([a-z_.]*[a-z_])["']""", source))
    assert len(literal) > 20
    assert sorted(k for k in literal if k not in i18n.LABELS) == []
    # keys built from names: t(f"kpi.{name}") and friends
    for prefix in ("kpi.", "stage.", "freq.", "dim."):
        assert any(k.startswith(prefix) for k in i18n.LABELS)


def test_report_chrome_follows_the_language():
    nb = new_notebook(cells=[
        new_markdown_cell("# Title"),
        new_code_cell("x", outputs=[new_output("display_data", data={
            "text/markdown": "## 核心指标", "text/plain": ""})]),
    ])
    info = {"title": "关键指标监控", "company_name": "Fixture", "as_of": "2026-06-30",
            "run_id": "20260701T060000Z", "generated": "2026-07-01T06:00:00Z",
            "analyst_link": "x.analyst.html"}
    zh = render.render_report(nb, audience="management", info={**info, "language": "zh"})
    for text in ('lang="zh"', 'aria-label="目录"', ">目录<", "数据截至 2026-06-30",
                 "运行 20260701T060000Z", "含代码的分析师版本", '">核心指标</a></li>'):
        assert text in zh
    en_nb = new_notebook(cells=[new_markdown_cell("# Title"), new_markdown_cell("## Headline KPIs")])
    en = render.render_report(en_nb, audience="management",
                                 info={**info, "language": "en", "title": "KPI monitoring"})
    assert "data as of 2026-06-30" in en and ">Contents<" in en and "目录" not in en
    assert "@font-face" not in en  # no Chinese text, no embedded font
    # an unsupported language falls back to English instead of failing the report
    assert "data as of" in render.render_report(nb, audience="analyst",
                                                   info={**info, "language": "de"})


def _cjk_font_path() -> Path:
    path = font_manager.findfont(font_manager.FontProperties(family=plotting.CJK_FONT),
                                 fallback_to_default=False)
    return Path(path)


def test_chinese_chart_labels_use_a_font_with_those_glyphs():
    plotting.apply_report_style()
    labels = [i18n.t(k, "zh") for k in ("kpi.cac", "kpi.nps", "kpi.churn_rate",
                                        "notebook.kpi_monitoring", "dim.region")]
    fig, ax = plt.subplots()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        plotting.plot_bar(pd.Series([3, 2, 1, 4, 5], index=labels), ax=ax,
                          title="关键指标监控 · 趋势与预测", xlabel="客户数")
        fig.canvas.draw()
    plt.close(fig)
    missing = [str(w.message) for w in caught if "missing from font" in str(w.message)]
    assert missing == []
    # the family matplotlib resolves for the chart text covers every character of the labels
    path = _cjk_font_path()
    assert plotting.CJK_FONT in plt.rcParams["font.family"]  # fallback works only there
    cmap = TTFont(str(path), fontNumber=0, lazy=True).getBestCmap()
    text = "".join(labels) + "关键指标监控趋势与预测客户数"
    assert [ch for ch in set(text) if ord(ch) not in cmap] == []


def test_every_chinese_label_has_glyphs_in_the_report_font():
    path = _cjk_font_path()
    cmap = TTFont(str(path), fontNumber=0, lazy=True).getBestCmap()
    chars = {ch for entry in i18n.LABELS.values() for ch in entry["zh"] if CJK.match(ch)}
    assert len(chars) > 100
    assert sorted(ch for ch in chars if ord(ch) not in cmap) == []


def test_chinese_pages_embed_the_glyphs_they_use():
    page = "<html><head></head><body>关键指标 · 客户 ABC</body></html>"
    face = fonts.cjk_font_face(page)
    data = re.search(r"base64,([A-Za-z0-9+/=]+)\)", face).group(1)
    assert len(data) < 200_000
    font = TTFont(io.BytesIO(base64.b64decode(data)))
    cmap = font.getBestCmap()
    assert all(ord(ch) in cmap for ch in "关键指标客户")
    assert fonts.cjk_font_face("only latin") == ""


def test_markdown_cells_take_the_report_language():
    import nbformat

    from helpers.presentation import i18n

    nb = nbformat.v4.new_notebook()
    story = nbformat.v4.new_markdown_cell("Contents")
    story.metadata[i18n.MARKDOWN_KEY] = "chrome.contents"
    plain = nbformat.v4.new_markdown_cell("untouched")
    nb.cells = [story, plain]
    i18n.translate_markdown(nb, "zh")
    assert [c.source for c in nb.cells] == ["目录", "untouched"]
