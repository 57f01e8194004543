"""The History page: who changed what, filterable, newest first, exported as safe CSV."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from streamlit.testing.v1 import AppTest

from labelnr.assessment import Answer, AuditorVerdict, Verdict
from labelnr.storage import Store
from labelnr.ui.widgets import csv_text

from .conftest import open_app, popovers, tables, texts

GROUP, SITE = 1, 2
#: Changes per page of the table (labelnr/ui/pages/history.py, PAGE_SIZE).
PAGE_SIZE = 15


def history() -> AppTest:
    at = open_app("history")
    at.sidebar.selectbox(key="pick_entity").set_value("acme-lyon").run()
    return at


class Rows(list[dict[str, str]]):
    """The history's table (its current page), by column: ``rows["Qui"]`` is that column's cells."""

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return [row[key] for row in self]
        return super().__getitem__(key)


def shown(at: AppTest) -> Rows:
    """The page's table of changes (a light Markdown table, not a data grid)."""
    assert not at.dataframe, "the history draws no st.dataframe (32 requests, 1.7 MB at first load)"
    [rows] = [t for t in tables(at) if t and ("Qui" in t[0] or "Who" in t[0])]
    return Rows(rows)


def test_changes_of_the_campaign_newest_first(data_dirs: tuple[Path, Path], other: Store) -> None:
    other.save_answer("alice@example.org", SITE, "GOV-02", Answer(level="low", comment="Nommée"), 0)
    at = history()
    rows = shown(at)
    assert rows[0]["Qui"] == "alice@example.org"
    # The campaign's own history: its entity and campaign are the sidebar's, not repeated per row.
    assert list(rows[0]) == ["Quand (UTC)", "Qui", "Quoi", "Champ", "Critère", "Avant", "Après"]
    newest = [row for row in rows if row["Qui"] == "alice@example.org"]
    assert {row["Champ"] for row in newest} == {"niveau", "commentaire"}
    assert {row["Après"] for row in newest} == {"Faible", "Nommée"}
    at.segmented_control(key="hist_scope").set_value("entity").run()
    rows = shown(at)
    assert "Entité" not in rows[0]
    # The campaign's name or period, its date and status (entity-level changes name none).
    assert {c.strip() for c in rows["Campagne"]} - {""} == {"État initial Lyon · 15 mars 2024 · brouillon"}


def test_filters_by_author_criterion_kind_and_scope(data_dirs: tuple[Path, Path], other: Store) -> None:
    other.save_answer("alice@example.org", SITE, "GOV-02", Answer(level="low"), 0)
    at = history()
    assert "Aucun autre filtre" in texts(at)
    at.text_input(key="hist_actor").input("alice@example.org").run()
    assert set(shown(at)["Qui"]) == {"alice@example.org"}
    assert "Filtres : auteur alice@example.org." in texts(at)  # the popover's filters, said on the page
    at.text_input(key="hist_actor").input("").run()
    at.text_input(key="hist_criterion").input("USE-01").run()
    assert set(shown(at)["Critère"]) == {"USE-01"}
    at.text_input(key="hist_criterion").input("").run()
    at.multiselect(key="hist_kinds").set_value(["campaign"]).run()
    assert set(shown(at)["Quoi"]) == {"campagne"}
    assert "Filtres : types campagne." in texts(at)
    at.segmented_control(key="hist_scope").set_value("organisation").run()
    assert len(set(shown(at)["Entité"])) == 2
    at.text_input(key="hist_actor").input("nobody@example.org").run()
    assert "Aucun changement" in texts(at)


def test_filters_wait_behind_a_popover(data_dirs: tuple[Path, Path]) -> None:
    at = history()
    [popover] = popovers(at.main)
    assert popover.proto.popover.label == "Filtrer…"
    assert [w.key for w in (*popover.multiselect, *popover.text_input, *popover.date_input)] == [
        "hist_kinds", "hist_criterion", "hist_actor", "hist_since", "hist_until"]
    assert not at.main.selectbox  # no selectbox on the page itself: its scripts are not loaded


def test_a_long_history_is_paged_newest_first_and_downloaded_whole(
        data_dirs: tuple[Path, Path], other: Store) -> None:
    for n in range(30):
        other.save_answer("bob@example.org", SITE, "GOV-02", Answer(level="low", comment=f"n{n}"), n)
    at = history()
    total = len(other.events(campaign_id=SITE))
    first = shown(at)
    assert len(first) == PAGE_SIZE
    assert first[0]["Après"] == "n29"  # newest first
    assert f"Changements 1 à {PAGE_SIZE} sur {total}" in texts(at)
    assert at.button(key="hist_newer").disabled
    at.button(key="hist_older").click().run()
    second = shown(at)
    assert second[0]["Après"] == f"n{29 - PAGE_SIZE}"  # each save after the first changes the comment only
    assert f"Changements {PAGE_SIZE + 1} à {min(total, 2 * PAGE_SIZE)} sur {total}" in texts(at)
    assert not {tuple(r.values()) for r in first} & {tuple(r.values()) for r in second}
    # A filter goes back to the newest page.
    at.text_input(key="hist_actor").input("bob@example.org").run()
    assert shown(at)[0]["Après"] == "n29"
    download = at.get("download_button")[0].proto
    assert download.label == "Télécharger (CSV)"


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
    assert "Who" in shown(at)[0]


def test_no_raw_codes_ids_or_iso_dates(data_dirs: tuple[Path, Path], other: Store) -> None:
    """Verdicts, statuses, levels and fields by their French names; campaigns by name, not id."""
    other.save_answer("alice@example.org", SITE, "GOV-02", Answer(level="low"), 0)
    other.set_verdict("alice@example.org", SITE, "GOV-02", AuditorVerdict(verdict=Verdict.NOT_VERIFIED), 0)
    other.set_verdict("alice@example.org", SITE, "USE-01", AuditorVerdict(verdict=Verdict.CONFORM), 0)
    other.set_target("alice@example.org", SITE, "GOV-02", 2, "low")
    other.submit("alice@example.org", SITE)
    rows = shown(history())
    cells = {str(v) for row in rows for v in row.values()}
    for raw in ("conform", "not_verified", "submitted", "draft", "low", "level", "None", "year2",
                str(SITE)):
        assert raw not in cells, raw
    assert {"Conforme", "Non vérifié", "Faible", "soumise", "Année 2"} <= cells
    assert not any(re.fullmatch(r"\d{4}-\d{2}-\d{2}.*", v) for v in cells)
    assert "changements, du plus récent" in texts(history())
