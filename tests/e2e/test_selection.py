"""The sidebar names exactly what the page shows, and the address bar keeps it — in Chromium."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect

from .conftest import SIDEBAR, Server, pick, screenshot, shown, wait_for_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def box_text(page: Any, label: str) -> str:
    """What the sidebar names for ``label`` (its text, not Python's value)."""
    return shown(page, label)


def caption(page: Any) -> str:
    return str(page.locator("[data-testid='stMain'] [data-testid='stCaptionContainer']").first.inner_text())


def test_changing_organisation_then_entity_redraws_every_box(app_server: Server, page: Any) -> None:
    page.goto(app_server.url)
    wait_for_app(page)
    pick(page, "Organisation", "Groupe Hexapost")
    group = "Groupe Hexapost — périmètre groupe"
    expect(page.get_by_text(re.compile(f"^{group} ·")).first).to_be_visible()
    assert box_text(page, "Entité") == group  # not the previous organisation's "Clair Conseil"
    assert "18 février 2026" in box_text(page, "Campagne")  # the group's latest campaign, as the page shows
    assert "18 février 2026" in caption(page)
    pick(page, "Entité", "Hexapost Réseau des agences")
    expect(page.get_by_text(re.compile(r"^Hexapost Réseau des agences ·")).first).to_be_visible()
    assert "11 mars 2026" in box_text(page, "Campagne")  # the agencies' latest campaign, not the group's
    assert "11 mars 2026" in caption(page)
    query = parse_qs(urlparse(page.url).query)
    assert query["organisation"] == ["hexapost"]
    assert query["entity"] == ["hexapost-agences"]
    screenshot(page, "selection-after-entity-change")

    page.reload()  # a reload (a new session) opens the same campaign
    wait_for_app(page)
    assert box_text(page, "Entité") == "Hexapost Réseau des agences"
    assert "11 mars 2026" in box_text(page, "Campagne")
    assert "11 mars 2026" in caption(page)


def test_a_link_to_a_campaign_that_does_not_exist_is_refused(app_server: Server, page: Any) -> None:
    page.goto(f"{app_server.url}/?organisation=hexapost&entity=hexapost-agences&campaign=999999")
    wait_for_app(page)
    expect(page.get_by_text(re.compile("Le lien demande la campagne « 999999 »"))).to_be_visible()
    expect(page.locator("[data-testid='stMetric']")).to_have_count(0)
    expect(page.get_by_text(re.compile(r"^Points :"))).to_have_count(0)  # no score either
    screenshot(page, "selection-link-refused")


def test_the_pickers_wait_behind_change_and_work_from_the_keyboard(app_server: Server, page: Any) -> None:
    from .test_pages import _own_violations

    page.goto(app_server.url)
    wait_for_app(page)
    sidebar = page.locator(SIDEBAR)
    # At first load the sidebar names the campaign as text; no picker (and none of its scripts).
    assert shown(page, "Organisation") == "Clair Conseil"
    expect(sidebar.get_by_role("combobox")).to_have_count(0)
    expect(page.locator("[data-testid='stPopoverBody']")).to_have_count(0)
    change = sidebar.get_by_role("button", name="Changer…")
    change.focus()
    page.keyboard.press("Enter")
    organisation = page.get_by_role("combobox", name="Organisation")
    expect(organisation).to_be_visible()
    screenshot(page, "selection-popover-open")
    own = _own_violations(__import__("axe_playwright_python.sync_playwright", fromlist=["Axe"]).Axe()
                          .run(page).response["violations"])
    assert not own, "\n".join(own)
    organisation.focus()
    page.keyboard.type("Groupe Hex")
    page.keyboard.press("Enter")
    wait_for_app(page)
    expect(sidebar.locator(".st-key-selection-shown")).to_contain_text("Groupe Hexapost — périmètre groupe")
    assert parse_qs(urlparse(page.url).query)["organisation"] == ["hexapost"]
    page.keyboard.press("Escape")
    expect(page.locator("[data-testid='stPopoverBody']")).to_have_count(0)


AGENCIES = "organisation=hexapost&entity=hexapost-agences"


def _editor_heading(page: Any, cid: str) -> Any:
    return page.get_by_role("heading", level=3, name=re.compile(f"^{re.escape(cid)} — "))


def test_a_criterion_link_opens_its_editor_and_the_score_opens_the_missing_mandatory_ones(
        app_server: Server, page: Any) -> None:
    page.goto(f"{app_server.url}/?{AGENCIES}&criterion=GS-1.2")
    wait_for_app(page)
    expect(_editor_heading(page, "GS-1.2")).to_be_visible()
    listing = page.locator("[data-testid='stButtonGroup']").filter(has_text="Critères : cliquez")
    expect(listing.get_by_role("radio", name=re.compile(r"^GS-1\.2 : "))).to_have_attribute(
        "aria-checked", "true")
    comment = page.get_by_label("Commentaire")
    comment.fill("Brouillon avant le lien")
    comment.press("Tab")
    expect(page.get_by_text(re.compile(r"Inclut 1 modification"))).to_be_visible()
    # The score panel lists each missing mandatory criterion; a click opens it (the draft of
    # the other one is still there afterwards), and the address names it.
    page.get_by_text("Score par thème et critères obligatoires manquants", exact=True).click()
    wait_for_app(page)
    page.get_by_role("button", name=re.compile(r"FC-2\.1 — ")).click()
    wait_for_app(page)
    expect(_editor_heading(page, "FC-2.1")).to_be_visible()
    expect(page).to_have_url(re.compile(r"[?&]criterion=FC-2\.1(&|$)"))
    screenshot(page, "selection-criterion-link")
    expect(listing.get_by_role("radio", name=re.compile(r"^FC-2\.1 : "))).to_be_visible()  # its theme
    themes = page.locator("[data-testid='stButtonGroup']").filter(has_text=re.compile(r"^Thème"))
    themes.get_by_role("radio", name="Gouvernance et stratégie", exact=True).click()
    wait_for_app(page)
    listing.get_by_role("radio", name=re.compile(r"^GS-1\.2 : ")).click()
    wait_for_app(page)
    expect(page.get_by_label("Commentaire")).to_have_value("Brouillon avant le lien")


def test_a_link_to_a_criterion_the_campaign_does_not_ask_is_refused(app_server: Server, page: Any) -> None:
    page.goto(f"{app_server.url}/?{AGENCIES}&criterion=AO-1.1")  # the agencies develop no software
    wait_for_app(page)
    expect(page.get_by_text(re.compile("Le lien demande le critère « AO-1.1 »"))).to_be_visible()
    expect(page.get_by_role("heading", level=3)).to_have_count(0)  # no editor
    assert "criterion" not in parse_qs(urlparse(page.url).query)
