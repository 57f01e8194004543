"""Sign-in for the app: the gate before any page, who is working, and what they may do.

    from labelnr.ui.auth import can
    if can(Action.ANSWER, selection.entity): ...   # hide what the role cannot do

Local mode (no ``[auth]`` in the secrets): nobody signs in, the local administrator
works. Shared mode: Streamlit's OpenID Connect sign-in (``st.login``); the identity is the
e-mail claim of ``st.user``. Either way the store refuses what the grants do not allow;
:func:`can` only spares users buttons that would be refused.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import streamlit as st

from labelnr.auth import (
    DEFAULT_PROVIDER,
    AuthConfig,
    AuthConfigError,
    NoUsableIdentity,
    identity_of,
    roles_by_node,
)
from labelnr.permissions import LOCAL_USER, POLICY, ROOT, Action, Grant, Role, allowed
from labelnr.storage import EntityInfo, NotFound, OrganisationInfo
from labelnr.ui.identity import config, current_identity, signed_in
from labelnr.ui.resources import store
from labelnr.ui.session import language_switch, t
from labelnr.ui.widgets import plain

# --- the gate ---------------------------------------------------------------------------------------


def gate() -> bool:
    """Before the navigation: True when a page may run; otherwise the sign-in screen (or the
    reason nobody can work) has been drawn and the caller stops."""
    try:
        cfg = config()
    except AuthConfigError as exc:
        st.error(t("auth.config_broken"))
        st.code("\n".join(p.message for p in exc.problems), language=None)
        return False
    if not cfg.shared:
        return True
    user = st.user
    if user.get("is_logged_in") is not True:
        _sign_in_screen(cfg)
        return False
    try:
        who = identity_of(user)
    except NoUsableIdentity as exc:
        st.title(t("auth.sign_in_title"))
        st.error(t(f"auth.identity_{exc.reason}"))
        _logout_button(st)
        return False
    if not store().grants(who):
        st.title(t("auth.no_role_title"))
        st.warning(t("auth.no_role", who=plain(who)))
        st.code(f"labelnr users grant {who} referent ENTITY_ID", language=None)
        _logout_button(st)
        return False
    return True


def _sign_in_screen(cfg: AuthConfig) -> None:
    st.title(t("auth.sign_in_title"))
    st.write(t("auth.sign_in_intro"))
    for provider in cfg.providers:
        label = (
            t("auth.sign_in")
            if provider == DEFAULT_PROVIDER
            else t("auth.sign_in_with", provider=provider.capitalize())
        )
        if st.button(label, key=f"login_{provider}", type="primary", icon=":material/login:"):
            st.login(None if provider == DEFAULT_PROVIDER else provider)


def _logout_button(where: Any, key: str = "logout") -> None:
    if where.button(t("auth.logout"), key=key, icon=":material/logout:"):
        st.logout()


# --- the sidebar ----------------------------------------------------------------------------------


def show_identity() -> None:
    """Who is working, plainly: local mode, or the signed-in address, its roles and sign-out."""
    who = signed_in()
    if who is None:
        return
    if who == LOCAL_USER:
        st.sidebar.caption(t("auth.local_mode"))
        return
    st.sidebar.caption(t("auth.signed_in_as", who=plain(who)))
    held = roles_by_node(who, store().grants(who))
    if held:
        lines = [
            t("auth.role_on", role=role_name(role), where=plain(node_name(node)))
            for node, roles in held.items()
            for role in roles
        ]
        st.sidebar.caption(t("auth.your_roles", roles=" · ".join(lines)))
        _logout_button(st.sidebar, "logout_sidebar")  # without a role, the page itself offers it


def role_name(role: Role) -> str:
    return t(f"roles.role_{role.value}")


def node_name(node: str) -> str:
    """An organisation's or entity's name (``Group / IT A`` for an entity), for display."""
    if node == ROOT:
        return t("roles.whole_installation")
    data = store()
    try:
        entity = data.entity(node)
    except NotFound:
        try:
            return data.organisation(node).name
        except NotFound:
            return t("roles.unknown_node", node=node)
    return " / ".join(data.entity(e).name for e in entity.path)


# --- what the identity may do ---------------------------------------------------------------------


def my_grants() -> list[Grant]:
    who = current_identity()
    return [] if who == LOCAL_USER else store().grants(who)


def path_of(node: str | None) -> list[str]:
    """The node's path from its organisation down (empty for the whole installation)."""
    if node is None or node == ROOT:
        return []
    data = store()
    try:
        entity = data.entity(node)
    except NotFound:
        return [node]
    return [entity.organisation_id, *entity.path]


def can(action: Action, node: str | None = None, grants: Iterable[Grant] | None = None) -> bool:
    """Whether the current identity may ``action`` on ``node`` (None: the whole installation).

    Pass ``grants`` (from :func:`my_grants`) when checking many nodes in one run.
    """
    who = current_identity()
    if who == LOCAL_USER:
        return True
    return allowed(who, action, path_of(node), my_grants() if grants is None else grants)


def can_anywhere(action: Action) -> bool:
    """Whether some grant of the current identity allows ``action`` somewhere (menus)."""
    who = signed_in()
    if who is None:
        return False
    return who == LOCAL_USER or any(action in POLICY[g.role] for g in my_grants())


def readable_organisations(orgs: list[OrganisationInfo]) -> list[OrganisationInfo]:
    """The organisations the current identity may see something of."""
    who = current_identity()
    if who == LOCAL_USER:
        return orgs
    nodes = {g.node for g in my_grants() if Action.READ in POLICY[g.role]}
    if ROOT in nodes:
        return orgs
    seen = {path_of(node)[0] for node in nodes}
    return [o for o in orgs if o.id in seen]


def readable_entities(entities: list[EntityInfo]) -> list[EntityInfo]:
    """The entities (of one organisation) the current identity may read, tree order kept."""
    who = current_identity()
    if who == LOCAL_USER:
        return entities
    grants = my_grants()
    return [e for e in entities if allowed(who, Action.READ, [e.organisation_id, *e.path], grants)]


def sidebar() -> None:
    """What the sidebar shows on every page: the language switch and who is working."""
    language_switch()
    show_identity()
