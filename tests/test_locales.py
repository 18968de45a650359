import pytest

from helpers.core.errors import ParamError
from helpers.presentation import i18n


def test_catalogs_merge_and_reject_duplicates(tmp_path):
    (tmp_path / "a.yaml").write_text("a.title:\n  en: Title\n  zh: 标题\n", encoding="utf-8")
    merged = i18n._load_catalogs(tmp_path)
    assert merged["a.title"]["zh"] == "标题"
    (tmp_path / "b.yaml").write_text("a.title:\n  en: Other\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"'a\.title' is defined twice"):
        i18n._load_catalogs(tmp_path)


def test_catalog_entry_needs_english(tmp_path):
    (tmp_path / "a.yaml").write_text("a.title:\n  zh: 标题\n", encoding="utf-8")
    with pytest.raises(ValueError, match="needs at least an 'en' text"):
        i18n._load_catalogs(tmp_path)


def test_every_catalog_key_has_both_languages():
    for key, entry in i18n.LABELS.items():
        assert entry.get("en") and entry.get("zh"), f"{key} lacks a translation"


def test_scoped_is_t_under_one_prefix_and_language():
    say = i18n.scoped("budget_allocation.mix", "zh")
    assert say("why_no_room") == i18n.t("budget_allocation.mix.why_no_room", "zh")
    assert say("moves_between", moved="1,000") == i18n.t(
        "budget_allocation.mix.moves_between", "zh", moved="1,000")
    with pytest.raises(KeyError, match="no text for 'budget_allocation.mix.nope'"):
        say("nope")
    with pytest.raises(ParamError, match="language must be one of"):
        i18n.scoped("budget_allocation.mix", "fr")("why_no_room")


def test_a_code_reads_in_the_report_language_or_with_spaces():
    from helpers.presentation import i18n

    assert i18n.code_label("budget_allocation.channel", "trade_show", "zh") == \
        i18n.t("budget_allocation.channel.trade_show", "zh")
    assert i18n.code_label("budget_allocation.channel", "new_market", "en") == "new market"
    assert i18n.code_label("kpi.channel", 7, "en") == "7"
