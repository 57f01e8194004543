"""Two browsers through the proxy of a two-replica cluster, each held on its own replica.

What a group relies on when its referents land on different app processes: an answer saved
on one replica shows on the other after a reload (one PostgreSQL behind both), an evidence
file uploaded on one is downloaded through the other (one shared evidence folder), and the
proxy's affinity cookie is what holds a browser on its replica. The replica of each browser
is forced with the ``labelnr_replica`` cookie. Pages are found by visible labels and roles
(the self-assessment page's layout is being changed) and waited for as in tests/e2e.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from labelnr.loader import load_catalog
from labelnr.permissions import LOCAL_USER
from labelnr.storage import open_store
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, RUN_TIMEOUT_MS, wait_for_app

from .conftest import ROOT, Running, missing, running_cluster

# Two replicas and a proxy on two cores: give assertions the time a page run gets.
expect.set_options(timeout=RUN_TIMEOUT_MS)

pytestmark = [pytest.mark.slow, pytest.mark.browser]

ORG, ORG_NAME = "grappe", "Grappe de test"
ENTITY, ENTITY_NAME = "atelier-grappe", "Atelier grappe"
EVIDENCE = b"%PDF-1.4\n% preuve deposee sur une replique, lue sur l'autre\n%%EOF\n"


@pytest.fixture(scope="module")
def cluster() -> Iterator[tuple[Running, str]]:
    """The cluster, with one empty campaign of our own: (cluster, its first criterion's id)."""
    if not CHROMIUM.exists():
        missing(f"browser tests need {CHROMIUM}: apt-get install -y chromium")
    with running_cluster(2) as running:
        with open_store(url=running.database_url, catalog=load_catalog([ROOT / "criteria"]),
                           import_demo=False) as store:
            ref = store.catalog.latest("label-nr")
            assert ref is not None
            store.create_organisation(LOCAL_USER, ORG, ORG_NAME)
            store.create_entity(LOCAL_USER, ORG, ENTITY, ENTITY_NAME)
            store.create_campaign(LOCAL_USER, ENTITY, ref.id, ref.version, "baseline", dt.date(2026, 1, 5))
            cid = ref.criteria_for()[0].id
        yield running, cid


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def on_replica(chromium: Any, url: str, replica: str | None) -> Any:
    """A fresh browser (no shared cookie), pinned to ``replica`` by the proxy's cookie."""
    context = chromium.new_context(viewport={"width": 1366, "height": 900}, locale="fr-FR")
    context.set_default_timeout(RUN_TIMEOUT_MS)
    if replica is not None:
        context.add_cookies([{"name": "labelnr_replica", "value": replica, "url": url}])
    return context


def open_page(context: Any, url: str, replica: str | None) -> Any:
    tab = context.new_page()
    response = tab.goto(url)
    assert response is not None
    assert response.ok
    if replica is not None:
        assert response.headers.get("x-served-by") == replica, "the proxy ignored the affinity cookie"
    wait_for_app(tab)
    return tab


def pick(tab: Any, label: str, option: str) -> None:
    """The sidebar's picker, behind its "Changer…" popover (the browser tests' one helper)."""
    from tests.e2e.conftest import pick as sidebar_pick

    sidebar_pick(tab, label, option)


def our_campaign(tab: Any) -> None:
    from tests.e2e.conftest import shown

    pick(tab, "Organisation", ORG_NAME)
    if shown(tab, "Entité") != ENTITY_NAME:
        pick(tab, "Entité", ENTITY_NAME)
    expect(tab.get_by_text(f"{ENTITY_NAME} ·").first).to_be_visible()


def criterion(tab: Any, cid: str) -> Any:
    """The criterion's editor, opened from the self-assessment page's list of the theme shown
    (``cid`` is the referential's first criterion, in the first theme): the column beside the list."""
    listing = tab.locator("[data-testid='stButtonGroup']").filter(has_text="Critères : cliquez")
    listing.get_by_role("radio", name=re.compile(f"^{re.escape(cid)} : ")).click()
    wait_for_app(tab)
    box = tab.locator("[data-testid='stColumn']").filter(has=tab.get_by_role("heading", level=3))
    expect(box.get_by_role("heading", level=3)).to_contain_text(cid)
    return box


def audit_criterion(tab: Any, cid: str) -> Any:
    """The audit page's criterion ``cid`` (of the first theme, shown first), picked behind the
    "Examiner un critère" button; returns the page's main area, where its evidence shows."""
    tab.get_by_role("button", name=re.compile("Examiner un critère")).click()
    picker = tab.locator("[data-testid='stPopoverBody']").get_by_role("combobox", name="Examiner un critère")
    picker.click()
    picker.fill(cid)
    tab.get_by_role("option", name=re.compile(f"^{re.escape(cid)} — ")).first.click()
    wait_for_app(tab)
    tab.keyboard.press("Escape")
    main = tab.locator("[data-testid='stMain']")
    expect(main.get_by_role("heading", name=re.compile(f"^{re.escape(cid)} — "))).to_be_visible()
    return main


def test_an_answer_saved_on_one_replica_shows_on_the_other(
        chromium: Any, cluster: tuple[Running, str]) -> None:
    running, cid = cluster
    first, second = on_replica(chromium, running.url, "app1"), on_replica(chromium, running.url, "app2")
    try:
        writer = open_page(first, running.url, "app1")
        our_campaign(writer)
        box = criterion(writer, cid)
        box.get_by_role("radiogroup", name="Réponse").get_by_text("Partielle", exact=True).click()
        box.get_by_role("button", name="Enregistrer").click()
        expect(box.get_by_text("Réponse enregistrée.")).to_be_visible()

        reader = open_page(second, running.url, "app2")
        our_campaign(reader)
        box = criterion(reader, cid)
        expect(box.get_by_role("radio", name="Partielle")).to_be_checked()
        expect(box.get_by_text(re.compile(r"Enregistré par "))).to_be_visible()
        # Each browser stayed where its cookie sent it.
        assert {c["value"] for c in first.cookies() if c["name"] == "labelnr_replica"} == {"app1"}
        assert {c["value"] for c in second.cookies() if c["name"] == "labelnr_replica"} == {"app2"}
    finally:
        first.close()
        second.close()


def test_evidence_uploaded_on_one_replica_downloads_through_the_other(
        chromium: Any, cluster: tuple[Running, str]) -> None:
    running, cid = cluster
    first, second = on_replica(chromium, running.url, "app2"), on_replica(chromium, running.url, "app1")
    try:
        uploader = open_page(first, running.url, "app2")
        our_campaign(uploader)
        box = criterion(uploader, cid)
        box.locator("input[type='file']").set_input_files(
            files=[{"name": "grappe.pdf", "mimeType": "application/pdf", "buffer": EVIDENCE}])
        expect(box.get_by_text("grappe.pdf").first).to_be_visible()
        box.get_by_role("button", name="Joindre").click()
        expect(box.get_by_text(re.compile(r"grappe\.pdf \(\d+ o, SHA-256"))).to_be_visible()

        auditor = open_page(second, running.url + "/audit", "app1")
        our_campaign(auditor)
        box = audit_criterion(auditor, cid)
        with auditor.expect_download() as download:
            box.get_by_role("button", name=re.compile(r"Télécharger grappe\.pdf")).click()
        path = download.value.path()
        assert path is not None
        with open(path, "rb") as handle:
            assert handle.read() == EVIDENCE
    finally:
        first.close()
        second.close()


def test_the_proxy_pins_a_new_browser_with_an_http_only_cookie(
        chromium: Any, cluster: tuple[Running, str]) -> None:
    running, _ = cluster
    context = on_replica(chromium, running.url, None)
    try:
        tab = context.new_page()
        response = tab.goto(running.url)
        assert response is not None
        served = response.headers.get("x-served-by")
        wait_for_app(tab)
        cookies = [c for c in context.cookies() if c["name"] == "labelnr_replica"]
        assert len(cookies) == 1
        assert cookies[0]["value"] == served
        assert served in {"app1", "app2"}
        assert cookies[0]["httpOnly"] is True
        assert cookies[0]["sameSite"] == "Lax"
        assert "labelnr_replica" not in tab.evaluate("document.cookie")  # out of scripts' reach
        again = tab.reload()
        assert again is not None
        assert again.headers.get("x-served-by") == served
    finally:
        context.close()
