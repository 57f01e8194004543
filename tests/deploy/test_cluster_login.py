"""Sign-in (OpenID Connect, ``st.login``) through the proxy of a three-replica cluster.

Every replica reads the same secrets file (``dev.py cluster --secrets FILE``): one
``cookie_secret``, and a ``redirect_uri`` on the proxy. A real sign-in against
``oidc-provider-mock`` goes through the proxy; then the browser's affinity cookie is
changed to each other replica in turn, and the next page load there must still know who is
signed in (the identity cookie is signed with the shared secret, not held by a process).
"""

from __future__ import annotations

import datetime as dt
import secrets
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from labelnr.loader import load_catalog
from labelnr.permissions import LOCAL_USER
from labelnr.storage import open_store
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, RUN_TIMEOUT_MS, wait_for_app
from tests.support.oidc import ALICE, MOCK, oidc_provider

from .conftest import ROOT, Running, free_port, missing, running_cluster

pytestmark = [pytest.mark.slow, pytest.mark.browser]

ORG, ENTITY, ENTITY_NAME = "grappe-oidc", "site-oidc", "Site connecté"
REPLICAS = ("app1", "app2", "app3")


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not CHROMIUM.exists():
        missing(f"browser tests need {CHROMIUM}: apt-get install -y chromium")
    if not MOCK.exists():
        missing(f"sign-in tests need {MOCK}: pip install oidc-provider-mock")
    with oidc_provider(tmp_path_factory.mktemp("oidc") / "oidc.log", timeout=60) as url:
        yield url


@pytest.fixture(scope="module")
def cluster(provider: str) -> Iterator[Running]:
    """Three replicas in shared mode behind the proxy; Alice referent of one site."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="labelnr-secrets-") as folder:
        secrets_file = Path(folder) / "secrets.toml"
        secrets_file.write_text(
            "[auth]\n"
            f'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
            f'cookie_secret = "{secrets.token_hex(32)}"\n'
            'client_id = "labelnr-cluster"\n'
            'client_secret = "cluster-client-secret"\n'
            f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n',
            encoding="utf-8")
        with running_cluster(len(REPLICAS), ["--secrets", str(secrets_file)], port=port) as running:
            with open_store(url=running.database_url, catalog=load_catalog([ROOT / "criteria"]),
                               import_demo=False) as store:
                ref = store.catalog.latest("label-nr")
                assert ref is not None
                store.create_organisation(LOCAL_USER, ORG, "Grappe connectée")
                store.create_entity(LOCAL_USER, ORG, ENTITY, ENTITY_NAME)
                store.create_campaign(LOCAL_USER, ENTITY, ref.id, ref.version, "baseline",
                                      dt.date(2026, 1, 5))
                store.grant_role(LOCAL_USER, str(ALICE["email"]), "referent", ENTITY)
            yield running


@pytest.fixture
def context() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        ctx = browser.new_context(viewport={"width": 1366, "height": 900}, locale="fr-FR")
        ctx.set_default_timeout(RUN_TIMEOUT_MS)
        yield ctx
        browser.close()


def replica_of(context: Any) -> str:
    values = [c["value"] for c in context.cookies() if c["name"] == "labelnr_replica"]
    assert len(values) == 1, context.cookies()
    return str(values[0])


def signed_in_text(tab: Any) -> str:
    return str(tab.locator("[data-testid='stSidebar']").inner_text())


def test_a_signed_in_user_stays_signed_in_on_every_replica(context: Any, cluster: Running) -> None:
    tab = context.new_page()
    tab.goto(cluster.url)
    wait_for_app(tab)
    assert tab.locator("[data-testid='stMain'] h1").inner_text() == "Connexion"
    tab.get_by_role("button", name="Se connecter").click()
    tab.wait_for_url("**/oauth2/authorize**")
    tab.get_by_role("button", name=ALICE["sub"]).click()
    tab.wait_for_url(f"{cluster.url}/**")
    wait_for_app(tab)
    side = signed_in_text(tab)
    assert "Connecté en tant que alice@example.org" in side
    assert "Vos rôles : Référent — Site connecté" in side
    home = replica_of(context)
    assert home in REPLICAS
    for other in [r for r in REPLICAS if r != home]:
        context.add_cookies([{"name": "labelnr_replica", "value": other, "url": cluster.url}])
        response = tab.goto(cluster.url)
        assert response is not None
        assert response.headers.get("x-served-by") == other
        wait_for_app(tab)
        assert replica_of(context) == other
        side = signed_in_text(tab)
        assert "Connecté en tant que alice@example.org" in side, f"signed out on {other}"
        assert "Vos rôles : Référent — Site connecté" in side
        assert tab.locator("[data-testid='stMain'] h1").inner_text() != "Connexion"


def test_the_sign_in_may_come_back_to_another_replica(context: Any, cluster: Running) -> None:
    """The provider's answer reaches another replica than the one that sent the user there:
    Streamlit keeps the sign-in's state in a cookie signed with the shared cookie_secret,
    not in the process, so a replica that dies mid-sign-in costs nobody their sign-in."""
    tab = context.new_page()
    tab.goto(cluster.url)
    wait_for_app(tab)
    tab.get_by_role("button", name="Se connecter").click()
    tab.wait_for_url("**/oauth2/authorize**")
    started = replica_of(context)
    other = next(r for r in REPLICAS if r != started)
    context.add_cookies([{"name": "labelnr_replica", "value": other, "url": cluster.url}])
    tab.get_by_role("button", name=ALICE["sub"]).click()
    tab.wait_for_url(f"{cluster.url}/**")
    wait_for_app(tab)
    assert replica_of(context) == other
    assert "Connecté en tant que alice@example.org" in signed_in_text(tab)
