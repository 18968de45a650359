import pytest

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
