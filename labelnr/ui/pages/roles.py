"""Roles: who holds which role on which node of the organisation tree (administrators only).

An administrator sees and changes the grants of the nodes they manage (an administrator of
the whole installation: every node). The store checks each grant and revocation again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import streamlit as st

from labelnr.auth import checked_identity
from labelnr.errors import LabelnrError
from labelnr.permissions import POLICY, ROOT, Action, Grant, Role, allowed
from labelnr.ui.auth import my_grants, role_name
from labelnr.ui.identity import config, current_identity
from labelnr.ui.resources import store
from labelnr.ui.session import error_text, t
from labelnr.ui.widgets import plain, table

FLASH = "roles_flash"


@dataclass(frozen=True)
class Node:
    id: str
    label: str  # indented name, for pickers
    where: str  # "Organisation / Entity / ...", for tables and messages


def manageable_nodes() -> list[Node]:
    """ROOT (when allowed), then each organisation and its entities, that the admin may manage."""
    who, grants, data = current_identity(), my_grants(), store()
    nodes: list[Node] = []
    if allowed(who, Action.MANAGE, [], grants):
        nodes.append(Node(ROOT, t("roles.whole_installation"), t("roles.whole_installation")))
    for org in data.organisations():
        if allowed(who, Action.MANAGE, [org.id], grants):
            nodes.append(Node(org.id, org.name, org.name))
        names: dict[str, str] = {}
        for entity in data.entity_tree(org.id):
            names[entity.id] = entity.name
            if allowed(who, Action.MANAGE, [org.id, *entity.path], grants):
                where = " / ".join([org.name, *(names.get(e, e) for e in entity.path)])
                nodes.append(Node(entity.id, "\u2003" * (entity.depth + 1) + entity.name, where))
    return nodes


def _change(grant: bool, identity: str, role: Role, node: Node) -> None:
    """Grant or revoke through the store; say what happened, or why it was refused."""
    try:
        who = checked_identity(identity)
        if grant:
            store().grant_role(who, role, node.id)
        else:
            store().revoke_role(who, role, node.id)
    except LabelnrError as exc:
        st.error(t("roles.refused", reason=plain(error_text(exc))))
        return
    key = "roles.granted" if grant else "roles.revoked"
    st.session_state[FLASH] = t(key, who=plain(who), role=role_name(role), where=plain(node.where))
    st.rerun()


def _grants_table(grants: list[Grant], where: dict[str, str]) -> None:
    st.header(t("roles.current"))
    if not grants:
        st.info(t("roles.none_yet"))
        return
    table([
        {
            t("roles.identity"): g.identity,
            t("roles.role"): role_name(g.role),
            t("roles.where"): where[g.node],
        }
        for g in grants
    ])


def _opener(label: str) -> Any:
    """A popover holding one action's form: drawn (and its widgets' scripts loaded) only when opened."""
    return st.popover(t("roles.open", action=label), width="stretch")


def _grant_form(nodes: list[Node]) -> None:
    by_id = {n.id: n for n in nodes}
    with _opener(t("roles.grant_title")), st.form("grant_role", clear_on_submit=True):
        identity = st.text_input(
            t("roles.identity"),
            key="grant_identity",
            help=t("roles.identity_help"),
            max_chars=320,
            placeholder="prenom.nom@example.org",
        )
        role = st.selectbox(t("roles.role"), list(Role), format_func=role_name, key="grant_role_pick")
        node = st.selectbox(
            t("roles.where"),
            list(by_id),
            format_func=lambda n: by_id[n].label,
            key="grant_node",
            help=t("roles.node_help"),
        )
        if st.form_submit_button(t("roles.grant"), type="primary") and role is not None and node is not None:
            _change(True, identity, role, by_id[node])


def _revoke_form(grants: list[Grant], nodes: dict[str, Node]) -> None:
    if not grants:
        return
    with _opener(t("roles.revoke_title")):
        choice = st.selectbox(
            t("roles.revoke_pick"),
            range(len(grants)),
            key="revoke_pick",
            format_func=lambda i: (
                f"{grants[i].identity} — {role_name(grants[i].role)} — {nodes[grants[i].node].where}"
            ),
        )
        if st.button(t("roles.revoke"), key="revoke") and choice is not None:
            grant = grants[choice]
            _change(False, grant.identity, grant.role, nodes[grant.node])


def _policy_table() -> None:
    # One row per action, one column per role: four narrow columns rather than eleven.
    with st.expander(t("roles.policy_title")):
        table([
            {
                t("roles.action"): t(f"roles.action_{a.value}"),
                **{role_name(role): t("roles.allowed") if a in POLICY[role] else t("roles.not_allowed")
                   for role in Role},
            }
            for a in Action
        ])


def main() -> None:
    st.title(t("roles.title"))
    st.caption(t("roles.intro"))
    if not config().shared:
        st.info(t("roles.local_note"))
    flash = st.session_state.pop(FLASH, None)
    if flash:
        st.success(flash)
    nodes = manageable_nodes()
    if not nodes:
        st.error(t("roles.admins_only"))
        return
    by_id = {n.id: n for n in nodes}
    grants = [g for g in store().grants() if g.node in by_id]
    _grants_table(grants, {n.id: n.where for n in nodes})
    left, right = st.columns(2)
    with left:
        _grant_form(nodes)
    with right:
        _revoke_form(grants, by_id)
    _policy_table()


main()
