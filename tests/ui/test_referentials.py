"""The Referentials page: browse versions, search criteria, diff, and broken files shown plainly."""

from __future__ import annotations

from pathlib import Path

from .conftest import open_app, texts, unescape


def test_page_lists_the_latest_version_and_its_criteria(data_dirs: tuple[Path, Path]) -> None:
    at = open_app("referentials")
    assert at.selectbox(key="ref_version_atelier").value == "2024"
    table = at.dataframe[0].value
    assert list(table["Identifiant"]) == ["GOV-01", "GOV-02", "GOV-03", "USE-01", "USE-03"]
    assert "Politique numérique responsable" in table.to_string()


def test_search_filters_criteria_in_either_language(data_dirs: tuple[Path, Path]) -> None:
    at = open_app("referentials")
    at.text_input(key="ref_search").set_value("printing").run()
    assert list(at.dataframe[0].value["Identifiant"]) == ["USE-03"]
    at.text_input(key="ref_search").set_value("nothing matches this").run()
    assert "0 critère(s) sur 5" in texts(at)
    assert not at.dataframe


def test_diff_of_two_versions_follows_the_mapping(data_dirs: tuple[Path, Path]) -> None:
    at = open_app("referentials")
    shown = texts(at)
    assert "GOV-03" in shown  # added
    kinds = unescape(at.table[1].value.to_string())
    assert "renommé" in kinds
    assert "USE-02" in kinds
    assert "USE-03" in kinds
    assert "Critère GOV-01 modifié" in shown


def test_broken_file_is_reported_and_valid_ones_still_load(data_dirs: tuple[Path, Path]) -> None:
    criteria, _ = data_dirs
    (criteria / "broken.yaml").write_text(
        "id: broken\nversion: '1'\neffective_date: 2024-01-01\nsource: x\n"
        "title: {fr: B, en: B}\nscale: {levels: []}\n", encoding="utf-8")
    at = open_app("referentials")
    assert at.error
    assert "invalide" in at.error[0].value
    problems = at.dataframe[0].value
    assert "broken.yaml" in set(problems["Fichier"])
    assert at.selectbox(key="ref_version_atelier").value == "2024"


def test_english_texts(data_dirs: tuple[Path, Path]) -> None:
    at = open_app("referentials", lang="en")
    assert at.title[0].value == "Referentials"
    assert "Responsible digital policy" in at.dataframe[0].value.to_string()
