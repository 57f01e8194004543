"""Sign-in and roles in the app: local mode, the sign-in gate of a shared deployment, a signed-in
user without a role, the roles page of an administrator, and what a referent is shown."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from labelnr.loader import load_catalog
from labelnr.permissions import LOCAL_USER, ROOT, Role
from labelnr.storage import Store, open_store

from .conftest import APP, PAGES, popovers, tables, texts

AUTH = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "a-long-random-cookie-secret-for-the-tests-0123456789",
    "client_id": "workbook",
    "client_secret": "not-so-secret",
    "server_metadata_url": "http://127.0.0.1:9400/.well-known/openid-configuration",
}


@pytest.fixture
def data(data_dirs: tuple[Path, Path]) -> Store:
    """The store of the demo data (acme → acme-group → acme-lyon), as the server would open it."""
    criteria, audits = data_dirs
    return open_store(data_dir=audits, catalog=load_catalog([criteria]))


def app(
    user: dict[str, Any] | None = None, auth: dict[str, Any] | None = None, page: str | None = None
) -> AppTest:
    """The app in shared mode (``[auth]`` configured) with ``user`` as ``st.user``."""
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.secrets["auth"] = AUTH if auth is None else auth
    at.user = user if user is not None else {"is_logged_in": False}
    at.run()
    if page is not None:
        at.switch_page(f"{PAGES}/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def signed_in(email: str, **claims: Any) -> dict[str, Any]:
    return {"is_logged_in": True, "sub": email.split("@")[0], "email": email, **claims}


def button(at: AppTest, label: str) -> Any:
    return next(b for b in (*at.button, *at.sidebar.button) if b.label == label)


def grant_with_form(at: AppTest, identity: str, role: Role, node: str) -> AppTest:
    at.text_input(key="grant_identity").set_value(identity)
    at.selectbox(key="grant_role_pick").set_value(role)
    at.selectbox(key="grant_node").set_value(node)
    return button(at, "Attribuer").click().run()


# --- local mode ---------------------------------------------------------------------------------------


def test_local_mode_needs_no_sign_in_and_says_so(data_dirs: tuple[Path, Path]) -> None:
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.run()
    assert not at.exception
    assert [c.value for c in at.sidebar.caption] == [
        "Mode local : vous êtes l'administrateur local (pas de connexion)."
    ]
    assert not any(b.label == "Se déconnecter" for b in at.sidebar.button)
    at.session_state["lang"] = "en"
    at.run()
    assert "Local mode: you are the local administrator (no sign-in)." in [
        c.value for c in at.sidebar.caption
    ]


def test_the_local_administrator_grants_and_revokes_roles(data: Store) -> None:
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.run()
    at.switch_page(f"{PAGES}/roles.py").run()
    assert "Aucun rôle attribué pour l'instant." in texts(at)
    assert list(at.selectbox(key="grant_node").options)[:2] == ["Toute l'installation", "ACME"]
    at = grant_with_form(at, " Ann@Example.org", Role.REFERENT, "acme-lyon")
    assert not at.exception
    assert [s.value for s in at.success] == [
        r"ann@example\.org est désormais Référent sur ACME / Groupe ACME / Site de Lyon."
    ]
    assert [(g.identity, g.role, g.node) for g in data.grants()] == [
        ("ann@example.org", Role.REFERENT, "acme-lyon")
    ]
    assert not at.dataframe, "light tables: no data grid (32 requests, 1.7 MB at first load)"
    assert tables(at)[0] == [
        {
            "Personne (e-mail)": "ann@example.org",
            "Rôle": "Référent",
            "Où": "ACME / Groupe ACME / Site de Lyon",
        }
    ]
    assert [e.actor for e in data.events(actor=LOCAL_USER) if e.action == "grant"] == [LOCAL_USER]
    at.selectbox(key="revoke_pick").set_value(0)
    at = button(at, "Retirer").click().run()
    assert data.grants() == []
    assert "n'est plus Référent" in at.success[0].value


def test_the_forms_wait_behind_buttons_and_the_policy_reads_per_action(data: Store) -> None:
    data.grant_role(LOCAL_USER, "ann@example.org", "referent", "acme-lyon")
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.run()
    at.switch_page(f"{PAGES}/roles.py").run()
    grant, revoke = popovers(at.main)
    assert grant.proto.popover.label == "Attribuer un rôle…"
    assert revoke.proto.popover.label == "Retirer un rôle…"
    assert [w.key for w in grant.selectbox] == ["grant_role_pick", "grant_node"]
    assert [w.key for w in revoke.selectbox] == ["revoke_pick"]
    assert len(at.main.selectbox) == 3, "no picker outside the popovers"
    policy = tables(at)[1]
    assert list(policy[0]) == ["Action", "Référent", "Comité de pilotage", "Auditeur", "Administrateur"]
    rows = {row["Action"]: row for row in policy}
    assert rows["Verdicts d'audit"]["Auditeur"] == "oui"
    assert rows["Verdicts d'audit"]["Référent"] == "non"
    assert rows["Organisations, entités, campagnes, rôles"]["Administrateur"] == "oui"


def test_an_identity_that_is_not_an_email_is_refused_on_the_page(data: Store) -> None:
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.run()
    at.switch_page(f"{PAGES}/roles.py").run()
    at = grant_with_form(at, "ann", Role.ADMIN, ROOT)
    assert "Refusé" in at.error[0].value
    # A core error, in the page's language (French by default).
    assert "n'est pas une adresse e\\-mail" in at.error[0].value
    assert data.grants() == []


# --- shared mode: the gate ------------------------------------------------------------------------------


def test_a_shared_deployment_asks_to_sign_in_before_any_page(data: Store) -> None:
    at = app()
    assert [t.value for t in at.title] == ["Connexion"]
    assert [b.label for b in at.button] == ["Se connecter"]
    assert not at.sidebar.caption, "nobody is shown as working"
    assert not at.selectbox, "no page ran"


def test_named_providers_each_get_a_button(data: Store) -> None:
    named = {k: AUTH[k] for k in ("redirect_uri", "cookie_secret")}
    named["okta"] = {k: AUTH[k] for k in ("client_id", "client_secret", "server_metadata_url")}
    named["microsoft"] = dict(named["okta"])
    assert [b.label for b in app(auth=named).button] == [
        "Se connecter avec Microsoft",
        "Se connecter avec Okta",
    ]


def test_a_broken_configuration_says_what_to_fix(data: Store) -> None:
    at = app(auth={"client_id": "workbook"})
    assert "La connexion est mal configurée" in at.error[0].value
    problems = at.code[0].value
    assert "redirect_uri is missing" in problems
    assert "cookie_secret is missing" in problems
    assert not at.button


def test_a_signed_in_user_without_a_role_is_told_what_to_do(data: Store) -> None:
    at = app(signed_in("newcomer@example.org"))
    assert [t.value for t in at.title] == ["Aucun rôle pour l'instant"]
    assert "newcomer@example\\.org" in at.warning[0].value
    assert at.code[0].value == "labelnr users grant newcomer@example.org referent ENTITY_ID"
    assert "Se déconnecter" in [b.label for b in at.button]
    assert not at.selectbox, "no page ran"


@pytest.mark.parametrize(
    ("claims", "message"),
    [
        ({"email_verified": False}, "n'est pas vérifiée"),
        ({"email": None}, "n'a pas transmis d'adresse e-mail"),
    ],
)
def test_an_unusable_identity_is_explained(data: Store, claims: dict[str, Any], message: str) -> None:
    at = app({**signed_in("eve@example.org"), **claims})
    assert message in at.error[0].value
    assert not at.selectbox


# --- shared mode: signed in with roles -------------------------------------------------------------


def test_a_referent_works_on_their_entities_only(data: Store) -> None:
    data.grant_role(LOCAL_USER, "ann@example.org", "referent", "acme-lyon")
    at = app(signed_in("Ann@Example.org"))
    captions = [c.value for c in at.sidebar.caption]
    assert captions[0] == r"Connecté en tant que ann@example\.org"
    assert captions[1] == r"Vos rôles : Référent — Groupe ACME / Site de Lyon"
    assert at.sidebar.selectbox(key="pick_entity").options == ["\u2003Site de Lyon"]
    assert "Se déconnecter" in [b.label for b in at.sidebar.button]
    for page in ("roles", "admin"):  # not in the menu of a referent
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(f"{PAGES}/{page}.py")


def test_an_organisation_administrator_manages_its_subtree_only(data: Store) -> None:
    data.create_organisation(LOCAL_USER, "globex", "Globex")
    data.grant_role(LOCAL_USER, "boss@example.org", "admin", "acme")
    data.grant_role(LOCAL_USER, "root@example.org", "admin", ROOT)
    data.grant_role(LOCAL_USER, "gus@example.org", "referent", "globex")
    at = app(signed_in("boss@example.org"), page="roles")
    assert [row["Personne (e-mail)"] for row in tables(at)[0]] == ["boss@example.org"]
    nodes = at.selectbox(key="grant_node")
    assert nodes.options == ["ACME", "\u2003Groupe ACME", "\u2003\u2003Site de Lyon"]
    at = grant_with_form(at, "vic@example.org", Role.AUDITOR, "acme-group")
    assert ("vic@example.org", Role.AUDITOR, "acme-group") in {
        (g.identity, g.role, g.node) for g in data.grants()
    }
    granted = [e for e in data.events(organisation_id="acme") if e.action == "grant" and "vic" in e.field]
    assert [e.actor for e in granted] == ["boss@example.org"], "the history names the signed-in identity"


# --- can(): what pages ask before showing a control -----------------------------------------------


def _report_can() -> None:
    import streamlit as st

    from labelnr.permissions import Action
    from labelnr.ui.auth import can, can_anywhere

    checks = {
        "answer lyon": can(Action.ANSWER, "acme-lyon"),
        "answer group": can(Action.ANSWER, "acme-group"),
        "read organisation": can(Action.READ, "acme"),
        "read lyon": can(Action.READ, "acme-lyon"),
        "verdict lyon": can(Action.VERDICT, "acme-lyon"),
        "manage installation": can(Action.MANAGE),
        "manage somewhere": can_anywhere(Action.MANAGE),
    }
    st.text(" ".join(name.replace(" ", "-") for name, ok in checks.items() if ok))


@pytest.mark.parametrize(
    ("user", "expected"),
    [
        (
            None,
            "answer-lyon answer-group read-organisation read-lyon verdict-lyon manage-installation "
            "manage-somewhere",
        ),
        ("ann@example.org", "answer-lyon read-lyon"),
        ("vic@example.org", "read-organisation read-lyon verdict-lyon"),
    ],
)
def test_can_tells_pages_what_the_identity_may_do(data: Store, user: str | None, expected: str) -> None:
    data.grant_role(LOCAL_USER, "ann@example.org", "referent", "acme-lyon")
    data.grant_role(LOCAL_USER, "vic@example.org", "auditor", "acme")
    at = AppTest.from_function(_report_can, default_timeout=30)
    if user is not None:
        at.secrets["auth"] = AUTH
        at.user = signed_in(user)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.text[0].value == expected
