"""A referent answers three criteria, uploads evidence and sees the score change — in Chromium."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import E2E_ENTITY_NAME, Server, screenshot, wait_for_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]

EVIDENCE = b"%PDF-1.4\n% politique numerique responsable (e2e)\n%%EOF\n"


def points(page: Any) -> str:
    """The points of the score line ("Points : **473 / 1 000** · …")."""
    line = page.locator("[data-testid='stMarkdown']").filter(has_text=re.compile(r"^Points :"))
    return str(line.locator("strong").first.inner_text()).strip()


def criteria(page: Any) -> Any:
    """The list of criteria (a radio group), one option per criterion, each reading "ID : status — title"."""
    listing = page.locator("[data-testid='stButtonGroup']").filter(has_text="Critères : cliquez")
    return listing.get_by_role("radio")


def editor(page: Any) -> Any:
    """The column beside the list: the editor of the criterion open."""
    return page.locator("[data-testid='stColumn']").filter(has=page.get_by_role("heading", level=3))


def pick(page: Any, label: str, option: str) -> None:
    """The sidebar's picker, behind its "Changer…" popover (one helper for every browser test)."""
    from .conftest import pick as sidebar_pick

    sidebar_pick(page, label, option)


def test_referent_answers_three_criteria_uploads_evidence_and_sees_the_score(
        app_server: Server, page: Any) -> None:
    page.goto(app_server.url)  # the self-assessment is the default page, at the root
    wait_for_app(page)
    pick(page, "Entité", E2E_ENTITY_NAME)
    expect(page.get_by_text("Atelier E2E ·").first).to_be_visible()
    wait_for_app(page)
    start = points(page)
    assert start.startswith("0 /")

    criteria(page).nth(0).click()  # the first criterion of the first theme
    wait_for_app(page)
    for index, level in enumerate(["Raisonnable", "Partielle", "Raisonnable"]):
        box = editor(page)
        expect(box.get_by_role("heading", level=3)).to_contain_text(
            criteria(page).nth(index).inner_text().split(" : ")[0])
        box.get_by_role("radiogroup", name="Réponse").get_by_text(level, exact=True).click()
        # The score panel is a fragment: it moves before anything is saved.
        expect(page.get_by_text(re.compile(r"Inclut 1 modification"))).to_be_visible()
        box.get_by_role("button", name="Enregistrer").click()
        expect(box.get_by_text("Réponse enregistrée.")).to_be_visible()
        wait_for_app(page)
        if index < 2:
            box.get_by_role("button", name=re.compile(r"^Suivant : ")).click()  # the next one opens
            wait_for_app(page)
    after_answers = points(page)
    assert after_answers != start

    criteria(page).nth(0).click()
    wait_for_app(page)
    first = editor(page)
    first.locator("input[type='file']").set_input_files(
        files=[{"name": "politique.pdf", "mimeType": "application/pdf", "buffer": EVIDENCE}])
    expect(first.get_by_text("politique.pdf")).to_be_visible()
    first.get_by_role("button", name="Joindre").click()
    expect(first.get_by_text(re.compile(r"politique\.pdf \(\d+ o, SHA-256"))).to_be_visible()
    wait_for_app(page)
    expect(criteria(page).nth(0)).to_contain_text("1 preuve")
    expect(criteria(page).nth(1)).to_contain_text("Partielle")
    expect(criteria(page).nth(2)).to_contain_text("Raisonnable")
    screenshot(page, "scenario-assessment-answered")
    assert points(page) == after_answers


def test_a_draft_survives_a_trip_to_another_page(app_server: Server, page: Any) -> None:
    page.goto(app_server.url)
    wait_for_app(page)
    pick(page, "Entité", E2E_ENTITY_NAME)
    wait_for_app(page)
    criteria(page).nth(5).click()
    wait_for_app(page)
    comment = editor(page).get_by_label("Commentaire")
    comment.fill("Brouillon : budget à confirmer en comité")
    # Streamlit commits a text area when it loses focus. (Clicking a page link straight from
    # the field races with that commit in Streamlit's frontend: under load the last words
    # typed can be lost — a limitation of Streamlit, reported, not of the draft store.)
    comment.press("Tab")
    expect(page.get_by_text(re.compile(r"Inclut 1 modification"))).to_be_visible()
    page.get_by_role("link", name="Référentiels").click()
    expect(page.get_by_role("heading", name="Référentiels", level=1)).to_be_visible()
    wait_for_app(page)
    page.get_by_role("link", name="Auto-évaluation").click()
    wait_for_app(page)
    # Back on the page, the criterion worked on is open again, with what was typed.
    expect(editor(page).get_by_label("Commentaire")).to_have_value("Brouillon : budget à confirmer en comité")
    expect(criteria(page).nth(5)).to_contain_text("modifié, non enregistré")
    expect(criteria(page).nth(5)).to_have_attribute("aria-checked", "true")
