"""The History page: who changed what, filterable, newest first, exported as safe CSV."""

from __future__ import annotations

import re
from pathlib import Path

from streamlit.testing.v1 import AppTest

from labelnr.assessment import Answer, AuditorVerdict, Verdict
from labelnr.storage import Store
from labelnr.ui.widgets import csv_text

from .conftest import open_app, texts

GROUP, SITE = 1, 2


def history() -> AppTest:
    at = open_app("history")
    at.sidebar.selectbox(key="pick_entity").set_value("acme-lyon").run()
    return at


def test_changes_of_the_campaign_newest_first(data_dirs: tuple[Path, Path], other: Store) -> None:
    other.save_answer("alice@example.org", SITE, "GOV-02", Answer(level="low", comment="Nommée"), 0)
    at = history()
    rows = at.dataframe[0].value
    assert rows.iloc[0]["Qui"] == "alice@example.org"
    [title] = set(rows["Campagne"])  # the campaign's name or period, its date and status
    assert title == "État initial Lyon · 15 mars 2024 · brouillon"
    newest = rows[rows["Qui"] == "alice@example.org"]
    assert set(newest["Champ"]) == {"niveau", "commentaire"}
    assert set(newest["Après"]) == {"Faible", "Nommée"}


def test_filters_by_author_criterion_kind_and_scope(data_dirs: tuple[Path, Path], other: Store) -> None:
    other.save_answer("alice@example.org", SITE, "GOV-02", Answer(level="low"), 0)
    at = history()
    at.text_input(key="hist_actor").input("alice@example.org").run()
    assert set(at.dataframe[0].value["Qui"]) == {"alice@example.org"}
    at.text_input(key="hist_actor").input("").run()
    at.text_input(key="hist_criterion").input("USE-01").run()
    assert set(at.dataframe[0].value["Critère"]) == {"USE-01"}
    at.text_input(key="hist_criterion").input("").run()
    at.multiselect(key="hist_kinds").set_value(["campaign"]).run()
    assert set(at.dataframe[0].value["Quoi"]) == {"campagne"}
    at.selectbox(key="hist_scope").set_value("organisation").run()
    assert len(set(at.dataframe[0].value["Entité"])) == 2
    at.text_input(key="hist_actor").input("nobody@example.org").run()
    assert "Aucun changement" in texts(at)


def test_csv_export_keeps_formulas_as_text(data_dirs: tuple[Path, Path], other: Store) -> None:
    other.save_answer("alice@example.org", SITE, "GOV-02", Answer(level="low", comment="=HYPERLINK(1)"), 0)
    at = history()
    assert at.get("download_button")
    rows = [{"Qui": e.actor, "Après": e.new} for e in other.events(campaign_id=SITE)]
    exported = csv_text(rows)
    assert "'=HYPERLINK(1)" in exported
    assert "\n=HYPERLINK" not in exported
    assert csv_text([{"a": "-1", "b": "+33 1", "c": "@x", "d": "ok"}]).splitlines()[1] == "'-1,'+33 1,'@x,ok"


def test_english(data_dirs: tuple[Path, Path]) -> None:
    at = open_app("history", lang="en")
    assert at.title[0].value == "History"
    assert "Who" in at.dataframe[0].value.columns


def test_no_raw_codes_ids_or_iso_dates(data_dirs: tuple[Path, Path], other: Store) -> None:
    """Verdicts, statuses, levels and fields by their French names; campaigns by name, not id."""
    other.save_answer("alice@example.org", SITE, "GOV-02", Answer(level="low"), 0)
    other.set_verdict("alice@example.org", SITE, "GOV-02", AuditorVerdict(verdict=Verdict.NOT_VERIFIED), 0)
    other.set_verdict("alice@example.org", SITE, "USE-01", AuditorVerdict(verdict=Verdict.CONFORM), 0)
    other.submit("alice@example.org", SITE)
    rows = history().dataframe[0].value
    shown = {str(v) for column in rows.columns for v in rows[column]}
    for raw in ("conform", "not_verified", "submitted", "draft", "low", "level", "None",
                str(SITE)):
        assert raw not in shown, raw
    assert {"Conforme", "Non vérifié", "Faible", "soumise"} <= shown
    assert not any(re.fullmatch(r"\d{4}-\d{2}-\d{2}.*", v) for v in shown)
    assert "changements, du plus récent" in texts(history())
