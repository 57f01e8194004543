"""The Referentials page: browse versions, one theme at a time, search criteria, diff, and broken
files shown plainly."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from .conftest import figure, md_table, open_app, open_lazy, tables, texts


def ids(at: AppTest) -> list[str]:
    return [row["Identifiant"] for row in md_table(at, "Identifiant")]


def test_page_lists_the_latest_version_and_its_criteria_one_theme_at_a_time(
        data_dirs: tuple[Path, Path]) -> None:
    at = open_app("referentials")
    assert at.segmented_control(key="ref_version_atelier").value == "2024"
    assert figure(at, "Critères") == "5"
    assert md_table(at, "Points requis")[0]["Points requis"] == "plus de 300"
    assert ids(at) == ["GOV-01", "GOV-02", "GOV-03"]
    assert md_table(at, "Identifiant")[0]["Titre"] == "Politique numérique responsable"
    at.pills(key="ref_theme.atelier.2024").set_value("use").run()
    assert ids(at) == ["USE-01", "USE-03"]
    # One criterion's details, picked behind its button.
    assert "**USE-03 — Impressions maîtrisées**" not in [m.value.replace("\\", "") for m in at.markdown]
    at.selectbox(key="ref_details.atelier.2024").set_value("USE-03").run()
    assert "**USE-03 — Impressions maîtrisées**" in [m.value.replace("\\", "") for m in at.markdown]
    assert "Principe" not in md_table(at, "Identifiant")[0]  # the principle is told in the details
    assert any(c.value.startswith("Principe : ") for c in at.caption)


def test_search_filters_criteria_in_either_language(data_dirs: tuple[Path, Path]) -> None:
    at = open_app("referentials")
    at.text_input(key="ref_search").set_value("printing").run()
    assert ids(at) == ["USE-03"]
    assert md_table(at, "Identifiant")[0]["Thème"] == "Usages"  # a search spans themes: it names them
    assert "1 critère sur 5" in texts(at)
    at.text_input(key="ref_search").set_value("nothing matches this").run()
    assert "0 critère sur 5" in texts(at)
    assert not any("Identifiant" in rows[0] for rows in tables(at) if rows)


def test_diff_of_two_versions_follows_the_mapping(data_dirs: tuple[Path, Path]) -> None:
    at = open_app("referentials")
    assert "Critère GOV-01 modifié" not in texts(at)  # built only when the comparison is opened
    at = open_lazy(at, "ref_compare.atelier")
    shown = texts(at)
    assert "GOV-03" in shown  # added
    assert "renommé" in shown
    assert "USE-02" in shown
    assert "USE-03" in shown
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
    assert at.segmented_control(key="ref_version_atelier").value == "2024"


def test_english_texts(data_dirs: tuple[Path, Path]) -> None:
    at = open_app("referentials", lang="en")
    assert at.title[0].value == "Referentials"
    assert md_table(at, "Title")[0]["Title"] == "Responsible digital policy"
