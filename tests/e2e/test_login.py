"""Sign-in end to end: headless Chromium, ``streamlit run app.py`` configured for OpenID Connect,
and a local identity provider (``oidc-provider-mock``) on loopback.

The app gets its ``[auth]`` section from a secrets file in a temporary folder (``--secrets.files``),
so nothing is written into the repository. Alice is referent of the Lyon site; her
campaign holds user text full of markup, which must show as text in the browser.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from labelnr.assessment import Answer
from labelnr.loader import load_catalog
from labelnr.permissions import LOCAL_USER
from labelnr.storage import open_store
from tests.support.oidc import ALICE, MOCK, oidc_provider
from tests.support.ports import free_port
from tests.support.server import healthy, start, stop, streamlit_command, wait_until

from .conftest import CHROMIUM, STARTUP_TIMEOUT, _unavailable, screenshot, wait_for_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
UI_DATA = ROOT / "tests" / "ui" / "data"
SITE = 2  # the Lyon campaign of the UI demo data
COMMENT = (
    "<script>window.__xss = 1</script> "
    '<img src=x onerror="window.__xss = 2"> '
    "[click me](javascript:window.__xss=3)"
)
FILE = "<img src=x onerror=alert(1)> notes.png"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The identity provider's base URL (Alice predefined; anyone else typed in its form)."""
    if not CHROMIUM.exists():
        _unavailable(f"browser tests need {CHROMIUM}: apt-get install -y chromium")
    if not MOCK.exists():
        _unavailable(f"sign-in tests need {MOCK}: pip install oidc-provider-mock")
    with oidc_provider(tmp_path_factory.mktemp("oidc") / "oidc.log", STARTUP_TIMEOUT) as url:
        yield url


@dataclass(frozen=True)
class Shared:
    url: str
    data_dir: Path


@pytest.fixture(scope="module")
def shared_app(provider: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shared]:
    """``streamlit run app.py`` in shared mode over the UI demo data, Alice referent of Lyon."""
    folder = tmp_path_factory.mktemp("shared")
    criteria, audits = folder / "criteria", folder / "audits"
    shutil.copytree(UI_DATA / "criteria", criteria)
    shutil.copytree(UI_DATA / "audits", audits)
    store = open_store(data_dir=audits, catalog=load_catalog([criteria]))
    store.grant_role(LOCAL_USER, ALICE["email"], "referent", "acme-lyon")
    store.save_answer(LOCAL_USER, SITE, "GOV-02", Answer(level="low", comment=COMMENT), 0)
    store.add_evidence_file(LOCAL_USER, SITE, "GOV-02", FILE, PNG, "result", title=COMMENT)
    store.dispose()
    port = free_port()
    secrets_file = folder / "secrets.toml"
    secrets_file.write_text(
        "[auth]\n"
        f'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
        f'cookie_secret = "{secrets.token_hex(32)}"\n'
        'client_id = "labelnr-e2e"\n'
        'client_secret = "e2e-client-secret"\n'
        f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n',
        encoding="utf-8",
    )
    env = {
        **os.environ,
        "LABELNR_DATA_DIR": str(audits),
        "LABELNR_CRITERIA_DIR": str(criteria),
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("LABELNR_DATABASE_URL", None)
    log = folder / "streamlit.log"
    process = start(streamlit_command(port, "--secrets.files", str(secrets_file)), log, cwd=folder, env=env)
    url = f"http://127.0.0.1:{port}"
    wait_until(lambda: healthy(url), "streamlit run", process, log, STARTUP_TIMEOUT)
    yield Shared(url, audits)
    stop(process)


@pytest.fixture
def tab(page: Any) -> Any:
    """A fresh browser page (no cookie), recording any dialog a script would open."""
    page.dialogs = []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    return page


def sign_in(tab: Any, app: Shared, who: str | None = None) -> None:
    """From the sign-in screen through the provider's form and back (``who``: typed subject)."""
    tab.goto(app.url)
    wait_for_app(tab)
    assert tab.locator("[data-testid='stMain'] h1").inner_text() == "Connexion"
    tab.get_by_role("button", name="Se connecter").click()
    tab.wait_for_url("**/oauth2/authorize**")
    if who is None:
        tab.get_by_role("button", name=ALICE["sub"]).click()
    else:
        tab.get_by_placeholder("sub").fill(who)
        tab.get_by_role("button", name="Authorize").click()
    tab.wait_for_url(f"{app.url}/**")
    wait_for_app(tab)


def open_criterion(tab: Any, cid: str) -> Any:
    """The criterion ``cid`` (of the theme shown first) opened from the self-assessment page's list;
    returns its editor, the column beside the list."""
    listing = tab.locator("[data-testid='stButtonGroup']").filter(has_text="Critères : cliquez")
    listing.get_by_role("radio", name=re.compile(f"^{re.escape(cid)} : ")).click()
    wait_for_app(tab)
    editor = tab.locator("[data-testid='stColumn']").filter(has=tab.get_by_role("heading", level=3))
    editor.get_by_role("heading", level=3).filter(has_text=cid).wait_for()
    return editor


def sidebar_text(tab: Any) -> str:
    return str(tab.locator("[data-testid='stSidebar']").inner_text())


def test_a_referent_signs_in_and_works_on_their_entity_only(tab: Any, shared_app: Shared) -> None:
    sign_in(tab, shared_app)
    side = sidebar_text(tab)
    assert "Connecté en tant que alice@example.org" in side
    assert "Vos rôles : Référent — Groupe ACME / Site de Lyon" in side
    nav = tab.locator("[data-testid='stSidebarNav']").inner_text()
    assert "Auto-évaluation" in nav
    assert "Rôles" not in nav
    assert "Administration" not in nav
    assert "Site de Lyon" in side
    assert "Groupe ACME" not in side.replace("Groupe ACME / Site de Lyon", ""), "the group is not hers"
    path = screenshot(tab, "login-referent")
    assert path.stat().st_size > 10_000
    # A change made in the browser is recorded under the signed-in identity.
    criterion = open_criterion(tab, "GOV-03")
    criterion.get_by_role("radiogroup", name="Réponse").get_by_text("Complète", exact=True).click()
    criterion.get_by_role("button", name="Enregistrer").click()
    wait_for_app(tab)
    criterion.get_by_text("Enregistré par alice@example.org", exact=False).wait_for()
    with open_store(
        data_dir=shared_app.data_dir,
        catalog=load_catalog([shared_app.data_dir.parent / "criteria"]),
        import_demo=False,
    ) as store:
        events = store.history(SITE, "GOV-03")  # never answered before: every event is hers
        assert events
        assert {e.actor for e in events} == {ALICE["email"]}


def test_user_text_shows_as_text_in_the_browser(tab: Any, shared_app: Shared) -> None:
    sign_in(tab, shared_app)
    open_criterion(tab, "GOV-02")
    main = tab.locator("[data-testid='stMain']")
    main.get_by_text("onerror", exact=False).first.wait_for()
    shown = main.inner_text()
    assert '<img src=x onerror="window.__xss = 2">' in shown, "the evidence title shows as typed"
    assert "[click me](javascript:window.__xss=3)" in shown
    injected = tab.evaluate(
        """() => ({
            flag: window.__xss ?? null,
            onerror: document.querySelectorAll('[onerror]').length,
            javascript: document.querySelectorAll('a[href^="javascript"]').length,
            inline: [...document.querySelectorAll('[data-testid="stMain"] script')].length,
        })"""
    )
    assert injected == {"flag": None, "onerror": 0, "javascript": 0, "inline": 0}
    assert tab.dialogs == []
    screenshot(tab, "login-user-text")


def test_a_signed_in_user_without_a_role_is_told_what_to_do_and_can_sign_out(
    tab: Any, shared_app: Shared
) -> None:
    sign_in(tab, shared_app, who="nora@example.org")
    main = tab.locator("[data-testid='stMain']")
    assert main.locator("h1").inner_text() == "Aucun rôle pour l'instant"
    assert "nora@example.org" in main.inner_text()
    assert "labelnr users grant nora@example.org referent ENTITY_ID" in main.inner_text()
    screenshot(tab, "login-no-role")
    main.get_by_role("button", name="Se déconnecter").click()
    tab.wait_for_url("**/oauth2/end_session**")  # the provider's own sign-out, then back to the app
    tab.get_by_role("button", name="End session").click()
    tab.wait_for_url(f"{shared_app.url}/**")
    wait_for_app(tab)
    assert tab.locator("[data-testid='stMain'] h1").inner_text() == "Connexion"
