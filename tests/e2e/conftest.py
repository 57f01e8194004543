"""Browser tests: headless Chromium (Debian package) against ``streamlit run app.py``.

The server runs once per session on a free port over a temporary data folder holding
the demo assessments of ``audits/`` plus one empty campaign the scenario fills in.
Waiting follows Streamlit's own end-to-end suite: the health endpoint, then the app's
``data-test-script-state`` at ``notRunning``, then no skeleton left on the page.

Without /usr/bin/chromium the tests are skipped with the reason, except when ``CI`` is
set, where that is a failure. Artefacts (screenshots, page weights) go to
``test-artifacts/`` (git-ignored).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.support.demo import copy_demo
from tests.support.ports import free_port
from tests.support.server import ROOT, healthy, start, stop, streamlit_command, unavailable, wait_until

ARTIFACTS = ROOT / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
#: The entity and campaign the scenario works on (created empty before the server starts).
E2E_ORG = "clairconseil"
E2E_ENTITY = "atelier-e2e"
E2E_ENTITY_NAME = "Atelier E2E"
STARTUP_TIMEOUT = 90.0
RUN_TIMEOUT_MS = 30_000


def _unavailable(reason: str) -> None:
    unavailable(reason, "browser tests")


# Kept under their former names for the tests that import them from here.
_free_port = free_port
_healthy = healthy


def _prepare_data(folder: Path) -> Path:
    """A data folder with the demo files and one empty draft campaign for the scenario."""
    from labelnr.loader import load_catalog
    from labelnr.storage import open_store

    audits = copy_demo(folder / "audits")
    store = open_store(data_dir=audits, catalog=load_catalog([ROOT / "criteria"]))
    try:
        ref = store.catalog.latest("label-nr")
        assert ref is not None, "criteria/ has no label-nr referential"
        if E2E_ORG not in {o.id for o in store.organisations()}:
            store.create_organisation("local", E2E_ORG, "Clair Conseil")
        store.create_entity("local", E2E_ORG, E2E_ENTITY, E2E_ENTITY_NAME)
        store.create_campaign("local", E2E_ENTITY, ref.id, ref.version, "baseline", dt.date(2025, 1, 15),
                              name="Diagnostic E2E")
    finally:
        store.dispose()
    return audits


@dataclass(frozen=True)
class Server:
    url: str
    data_dir: Path


@pytest.fixture(scope="session")
def app_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    if not CHROMIUM.exists():
        _unavailable(f"browser tests need {CHROMIUM}: apt-get install -y chromium")
    data = _prepare_data(tmp_path_factory.mktemp("e2e"))
    port = free_port()
    env = {**os.environ, "LABELNR_DATA_DIR": str(data), "PYTHONUNBUFFERED": "1"}
    env.pop("LABELNR_DATABASE_URL", None)
    env.pop("LABELNR_CRITERIA_DIR", None)
    log = data / "streamlit.log"
    process = start(streamlit_command(port), log, env=env)  # our own app, started like the README says
    url = f"http://127.0.0.1:{port}"
    wait_until(lambda: healthy(url), f"streamlit run on {url}", process, log, STARTUP_TIMEOUT)
    try:
        yield Server(url, data)
    finally:
        stop(process)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium for the whole session, whichever server a test talks to."""
    if not CHROMIUM.exists():
        _unavailable(f"browser tests need {CHROMIUM}: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="fr-FR")
    context.set_default_timeout(RUN_TIMEOUT_MS)
    tab = context.new_page()
    yield tab
    context.close()


def wait_for_app(page: Any) -> None:
    """Wait until the script has run and everything it sent is drawn (as Streamlit's e2e suite)."""
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", state="attached")
    page.wait_for_selector("[data-testid='stMain'] h1", state="visible")
    page.wait_for_function(
        "() => document.querySelectorAll(\"[data-testid='stSkeleton'], [data-testid='stAppSkeleton']\")"
        ".length === 0")
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", state="attached")


def screenshot(page: Any, name: str) -> Path:
    """The whole page: Streamlit scrolls inside its main block, so the viewport is grown to fit it."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    size = page.viewport_size
    height = page.evaluate(
        "() => Math.max(...[...document.querySelectorAll(\"[data-testid='stMain'], "
        "[data-testid='stSidebarContent']\")].map(e => e.scrollHeight))")
    page.set_viewport_size({"width": size["width"], "height": min(max(int(height), size["height"]), 25000)})
    page.wait_for_timeout(300)  # let the layout settle at the new size
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(size)
    return path


# --- the sidebar's selection: named as text, pickers behind the "Changer…" popover -------------

SIDEBAR = "[data-testid='stSidebar']"
SHOWN = f"{SIDEBAR} .st-key-selection-shown"
#: A labelled line of the sidebar's selection text: "Entité : Atelier E2E", "Entity: Atelier E2E".
_LABELLED = re.compile(r"^(?P<label>[^:·]+?)\s?:\s(?P<value>.*)$")


def pick(page: Any, label: str, option: str | re.Pattern[str]) -> None:
    """Choose ``option`` in the sidebar's ``label`` picker (Organisation, Entité, Campagne): open the
    "Changer…" popover when it is closed, choose, wait for the page, close the popover again."""
    body = page.locator("[data-testid='stPopoverBody']")
    box = body.get_by_role("combobox", name=label)
    if not box.is_visible():
        page.locator(SIDEBAR).locator("[data-testid='stPopoverButton']").click()
    box.click()
    page.get_by_role("option", name=option).click()
    wait_for_app(page)
    page.keyboard.press("Escape")
    expect(body).to_have_count(0)


def shown(page: Any, label: str) -> str:
    """What the sidebar names for ``label`` ("Entité", "Campaign"…): the text after the label, and
    for the campaign its period, date and status line too ("… · 11 mars 2026 · brouillon")."""
    text = str(page.locator(SHOWN).inner_text())
    found: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in (part.strip() for part in text.splitlines()):
        match = _LABELLED.match(line)
        if match:
            current = found.setdefault(match["label"].strip(), [match["value"].strip()])
        elif line and current is not None:
            current.append(line)
    assert label in found, f"the sidebar names no {label!r}: {text!r}"
    return " · ".join(found[label])
