"""The selection (organisation, entity, campaign, opened criterion) lives in the address bar, and
the sidebar always names what the page shows — over the demo data of ``audits/``."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.ui.conftest import APP, PAGES, texts, unescape

AGENCIES = {"organisation": "hexapost", "entity": "hexapost-agences"}


def linked(params: dict[str, str], page: str = "assessment", lang: str | None = None) -> AppTest:
    """The app opened from an address carrying ``params`` (a link, a bookmark or a reload)."""
    at = AppTest.from_file(str(APP), default_timeout=60)
    if lang is not None:
        at.session_state["lang"] = lang
    at.query_params.update(params)
    at.run()
    if page != "assessment":
        at.switch_page(f"{PAGES}/{page}.py")
        at.query_params.update(params)
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_picking_an_organisation_tells_the_browser_the_new_entity_and_campaign(demo_dirs: Path) -> None:
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    assert at.sidebar.selectbox(key="pick_entity").value == "clairconseil"
    at.sidebar.selectbox(key="pick_org").select("hexapost").run()
    entity = at.sidebar.selectbox(key="pick_entity")
    campaign = at.sidebar.selectbox(key="pick_campaign")
    # The browser redraws a box only when told its value: both boxes must be told.
    assert entity.proto.set_value
    assert entity.proto.raw_value.strip() == "Groupe Hexapost — périmètre groupe"
    assert campaign.proto.set_value
    assert "18 février 2026" in campaign.proto.raw_value
    assert "Groupe Hexapost — périmètre groupe ·" in texts(at)
    assert at.query_params["organisation"] == "hexapost"
    assert at.query_params["entity"] == "hexapost-group"


def test_a_link_opens_its_campaign_and_criterion(demo_dirs: Path) -> None:
    at = linked(AGENCIES)
    box = at.sidebar.selectbox(key="pick_campaign")
    box.select_index(next(i for i, label in enumerate(box.options) if "12 mars 2025" in label)).run()
    campaign = at.query_params["campaign"]
    # A new session (a reload, a bookmark) opened on that address shows the baseline again.
    again = linked({**AGENCIES, "campaign": campaign, "criterion": "GS-1.1"})
    assert "12 mars 2025" in again.sidebar.selectbox(key="pick_campaign").proto.raw_value
    assert "du 12 mars 2025" in texts(again)
    assert again.radio(key=f"a{campaign}.GS-1.1.level") is not None  # its editor is open
    assert again.query_params["criterion"] == "GS-1.1"


@pytest.mark.parametrize(("params", "message"), [
    ({"organisation": "nope"}, "Le lien demande l'organisation « nope »"),
    ({**AGENCIES, "entity": "hexapost-colis-fantome"}, "Le lien demande l'entité « hexapost-colis-fantome »"),
    ({**AGENCIES, "campaign": "999999"}, "Le lien demande la campagne « 999999 »"),
])
def test_a_link_to_what_does_not_exist_is_refused_not_replaced(
        demo_dirs: Path, params: dict[str, str], message: str) -> None:
    at = linked(params)
    errors = [str(e.value) for e in at.error]
    assert any(e.startswith(message) for e in errors), errors
    assert not at.metric, "nothing else is shown in its place"
    assert not [m for m in at.markdown if m.value.startswith("Points :")], "no score either"
    assert at.query_params == params  # the address stays as given


def test_a_link_to_a_criterion_outside_the_campaign_says_so(demo_dirs: Path) -> None:
    at = linked({**AGENCIES, "criterion": "AO-1.1"})  # excluded: the agencies develop no software
    assert any("Le lien demande le critère « AO-1.1 »" in str(e.value) for e in at.error)
    assert "criterion" not in at.query_params


@pytest.mark.parametrize("page", ["dashboard", "plan"])
def test_steering_pages_open_on_the_latest_campaign(demo_dirs: Path, page: str) -> None:
    at = linked(AGENCIES, page)
    assert "11 mars 2026" in at.sidebar.selectbox(key="pick_campaign").proto.raw_value  # not 2025-03-12
    assert "Hexapost Réseau des agences · " in texts(at)
    assert "11 mars 2026" in texts(at)


def _sidebar_summary(at: AppTest) -> str:
    """The sidebar's text naming what the page shows (the markdown just above the pickers)."""
    shown = [str(m.value) for m in at.sidebar.markdown if str(m.value).startswith("Organisation")]
    assert len(shown) == 1, shown
    return unescape(shown[0]).replace("**", "")


@pytest.mark.parametrize(("lang", "expected"), [
    ("fr", ["Organisation : Groupe Hexapost", "Entité : Groupe Hexapost — périmètre groupe",
            "Campagne : Revue annuelle 2026 (année 1)", "Année 1 · 18 février 2026 · brouillon"]),
    ("en", ["Organisation: Groupe Hexapost", "Entity: Groupe Hexapost — périmètre groupe",
            "Campaign: Revue annuelle 2026 (année 1)", "Year 1 · February 18, 2026 · draft"]),
])
def test_the_sidebar_names_what_the_page_shows_and_keeps_the_pickers_behind_change(
        demo_dirs: Path, lang: str, expected: list[str]) -> None:
    at = linked({"organisation": "hexapost"}, lang=lang)
    assert _sidebar_summary(at).split("  \n") == expected
    # The pickers are in a closed popover: no selectbox is drawn until the user asks to change.
    popovers = [block for block in at.sidebar.children.values() if block.type == "popover"]
    assert [p.proto.popover.label for p in popovers] == ["Changer…" if lang == "fr" else "Change…"]
    assert not popovers[0].proto.popover.open
    assert [s.key for s in popovers[0].selectbox] == ["pick_org", "pick_entity", "pick_campaign"]
    assert len(at.sidebar.selectbox) == 3  # no other picker in the sidebar
    # A choice in the popover changes the text, and the page, together.
    box = at.sidebar.selectbox(key="pick_campaign")
    box.select_index(next(i for i, label in enumerate(box.options) if "2025" in label)).run()
    assert _sidebar_summary(at).split("  \n")[2:] == (
        ["Campagne : Diagnostic initial 2025", "État initial · 12 février 2025 · brouillon"] if lang == "fr"
        else ["Campaign: Diagnostic initial 2025", "Baseline · February 12, 2025 · draft"])


def test_a_refused_link_names_nothing_in_the_sidebar(demo_dirs: Path) -> None:
    at = linked({**AGENCIES, "campaign": "999999"})
    assert not [m for m in at.sidebar.markdown if str(m.value).startswith("Organisation")]
    assert at.sidebar.selectbox(key="pick_campaign") is not None  # the pickers stay, to choose
