"""The Referentials page: browse versions, search criteria, diff, and broken files shown plainly."""

from __future__ import annotations

from pathlib import Path

from .conftest import open_app, tables, texts


def test_page_lists_the_latest_version_and_its_criteria(data_dirs: tuple[Path, Path]) -> None:
    at = open_app("referentials")
    assert at.selectbox(key="ref_version_atelier").value == "2024"
    criteria = tables(at)[1]
    assert [row["Identifiant"] for row in criteria] == ["GOV-01", "GOV-02", "GOV-03", "USE-01", "USE-03"]
    assert criteria[0]["Titre"] == "Politique numérique responsable"
    assert tables(at)[0][0]["Points requis"] == "plus de 300"


def test_search_filters_criteria_in_either_language(data_dirs: tuple[Path, Path]) -> None:
    at = open_app("referentials")
    at.text_input(key="ref_search").set_value("printing").run()
    assert [row["Identifiant"] for row in tables(at)[1]] == ["USE-03"]
    at.text_input(key="ref_search").set_value("nothing matches this").run()
    assert "0 critère sur 5" in texts(at)
    assert not any("Identifiant" in rows[0] for rows in tables(at) if rows)


def test_diff_of_two_versions_follows_the_mapping(data_dirs: tuple[Path, Path]) -> None:
    at = open_app("referentials")
    shown = texts(at)
    assert "GOV-03" in shown  # added
    kinds = texts(at)
    assert "renommé" in kinds
    assert "USE-02" in kinds
    assert "USE-03" in kinds
    assert "Critère GOV-01 modifié" in shown
    settings = {row["Champ"]: (row["Avant"], row["Après"]) for row in tables(at)[-1]}
    assert settings["themes.gov.weight"] == ("1", "2")
    assert settings["scoring.levels.2.theme_minimums.use"] == ("—", "40")


def test_broken_file_is_reported_and_valid_ones_still_load(data_dirs: tuple[Path, Path]) -> None:
    criteria, _ = data_dirs
    (criteria / "broken.yaml").write_text(
        "id: broken\nversion: '1'\neffective_date: 2024-01-01\nsource: x\n"
        "title: {fr: B, en: B}\nscale: {levels: []}\n", encoding="utf-8")
    at = open_app("referentials")
    assert at.error
    assert "invalide" in at.error[0].value
    problems = tables(at)[0]
    assert {row["Fichier"] for row in problems} == {"broken.yaml"}
    assert at.selectbox(key="ref_version_atelier").value == "2024"


def test_english_texts(data_dirs: tuple[Path, Path]) -> None:
    at = open_app("referentials", lang="en")
    assert at.title[0].value == "Referentials"
    assert tables(at)[1][0]["Title"] == "Responsible digital policy"
