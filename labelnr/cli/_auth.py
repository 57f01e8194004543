"""``labelnr users``: who holds which role where (the command-line side of the roles page).

    labelnr users list [IDENTITY]                 every role grant (or one person's)
    labelnr users grant IDENTITY ROLE NODE        e.g. labelnr users grant ann@example.org referent dsi-a
    labelnr users revoke IDENTITY ROLE NODE

IDENTITY is the e-mail address people sign in with; ROLE one of referent, steering,
auditor, admin; NODE an organisation or entity id, or ``'*'`` for the whole installation
(quote it for the shell). A role holds on its node and every entity below it.

The command acts as ``--as IDENTITY`` (default: ``LABELNR_ACTOR`` or the local
administrator, who may do everything) and is checked like any change: the first
administrator of a shared deployment is granted by whoever runs the server::

    labelnr users grant it-admin@example.org admin '*'
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from labelnr.cli._common import Subparsers, add_store_options, err, message_lang, out, store_view, text
from labelnr.permissions import ROOT, Role

if TYPE_CHECKING:
    from labelnr.permissions import Grant
    from labelnr.storage import ActorStore


def node_label(store: ActorStore, node: str, lang: str = "fr") -> str:
    """``acme / group / dsi-a`` (names), or why the node is unknown (deleted since the grant)."""
    from labelnr.storage import NotFound

    if node == ROOT:
        return text(lang, "whole_installation")
    try:
        entity = store.entity(node)
    except NotFound:
        try:
            return store.organisation(node).name
        except NotFound:
            return text(lang, "node_gone")
    organisation = store.organisation(entity.organisation_id).name
    names = [store.entity(e).name for e in entity.path]
    return " / ".join([organisation, *names])


def render_grants(store: ActorStore, grants: list[Grant], lang: str = "fr") -> list[str]:
    """One aligned line per grant: identity, role, node id, where it is."""
    if not grants:
        return [text(lang, "no_grant")]
    rows = [(g.identity, g.role.value, g.node, node_label(store, g.node, lang)) for g in grants]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    return [f"{a:<{widths[0]}}  {b:<{widths[1]}}  {c:<{widths[2]}}  {d}" for a, b, c, d in rows]


def cmd_list(args: argparse.Namespace) -> int:
    from labelnr.auth import checked_identity

    with store_view(args) as store:  # it lists only the grants the --as identity may see
        who = checked_identity(args.identity) if args.identity else None
        for line in render_grants(store, store.grants(who), message_lang(args)):
            out(line)
    return 0


def _change(args: argparse.Namespace, grant: bool) -> int:
    from labelnr.auth import checked_identity

    who = checked_identity(args.identity)
    with store_view(args) as store:
        if grant:
            store.grant_role(who, args.role, args.node)
        else:
            held = any(g.role.value == args.role and g.node == args.node for g in store.grants(who))
            if not held:
                err("labelnr: " + text(args, "not_held", who=who, role=args.role, node=args.node))
                return 1
            store.revoke_role(who, args.role, args.node)
        where = node_label(store, args.node, message_lang(args))
        out(text(args, "now_holds" if grant else "no_longer_holds", who=who, role=args.role, node=args.node,
                 where=where))
    return 0


def cmd_grant(args: argparse.Namespace) -> int:
    return _change(args, grant=True)


def cmd_revoke(args: argparse.Namespace) -> int:
    return _change(args, grant=False)


def register(subparsers: Subparsers) -> None:
    """Add ``labelnr users`` to the main parser's ``add_subparsers()`` object."""
    users = subparsers.add_parser(
        "users", help="role grants: list, grant, revoke",
        description="Who holds which role where. A role holds on its node (organisation or entity id, "
                    "or '*' for the whole installation) and every entity below it.")
    commands = users.add_subparsers(dest="users_command", required=True, metavar="{list,grant,revoke}")
    listing = commands.add_parser("list", help="every role grant, or those of one identity")
    listing.add_argument("identity", nargs="?", metavar="IDENTITY", help="an e-mail address")
    add_store_options(listing)
    listing.set_defaults(func=cmd_list)
    roles = [r.value for r in Role]
    for name, func, what in (("grant", cmd_grant, "give"), ("revoke", cmd_revoke, "take back")):
        parser = commands.add_parser(name, help=f"{what} a role on a node of the organisation tree")
        parser.add_argument("identity", metavar="IDENTITY", help="the e-mail address people sign in with")
        parser.add_argument("role", choices=roles, metavar="ROLE", help=f"one of {', '.join(roles)}")
        parser.add_argument("node", metavar="NODE",
                            help="organisation or entity id, or '*' for the whole installation")
        add_store_options(parser)
        parser.set_defaults(func=func)
