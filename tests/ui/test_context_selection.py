"""The selection (organisation, entity, campaign, opened criterion) lives in the address bar, and
the sidebar always names what the page shows — over the demo data of ``audits/``."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.ui.conftest import APP, PAGES, texts

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
