"""Role grants (read by :mod:`labelnr.permissions`), given and taken back."""

from __future__ import annotations

from sqlalchemy import select

from labelnr.permissions import Action, Grant, Role
from labelnr.storage._tree import node_target
from labelnr.storage._unit import StoreCore
from labelnr.storage.errors import InvalidInput
from labelnr.storage.models import ACTOR_LENGTH, RoleGrantRow


def grants(store: StoreCore, identity: str | None = None) -> list[Grant]:
    """Read with Core (no ORM session): the store's authorizer reads an identity's grants at
    every check, so on every page rerun."""
    table = RoleGrantRow.__table__
    query = select(table.c.identity, table.c.role, table.c.node).order_by(
        table.c.node, table.c.identity, table.c.role
    )
    if identity is not None:
        query = query.where(table.c.identity == identity.strip().lower())
    with store.db.reading_core() as connection:
        return [Grant(who, Role(role), node) for who, role, node in connection.execute(query)]


def grant_role(store: StoreCore, actor: str, identity: str, role: Role | str, node: str) -> None:
    who, role_ = _identity(identity), Role(role)
    with store._tx(actor) as tx:
        store._authorize(tx.session, tx.rec.actor, Action.MANAGE, node)
        target = node_target(tx.session, node)
        exists = tx.session.scalars(
            select(RoleGrantRow).where(
                RoleGrantRow.identity == who, RoleGrantRow.role == role_.value, RoleGrantRow.node == node
            )
        ).first()
        if exists is None:
            tx.session.add(
                RoleGrantRow(
                    identity=who,
                    role=role_.value,
                    node=node,
                    granted_at=tx.rec.at,
                    granted_by=tx.rec.actor,
                )
            )
            tx.rec.change(target, "grant", f"{role_.value}:{who}", None, node)


def revoke_role(store: StoreCore, actor: str, identity: str, role: Role | str, node: str) -> None:
    who, role_ = _identity(identity), Role(role)
    with store._tx(actor) as tx:
        store._authorize(tx.session, tx.rec.actor, Action.MANAGE, node)
        target = node_target(tx.session, node)
        for row in tx.session.scalars(
            select(RoleGrantRow).where(
                RoleGrantRow.identity == who, RoleGrantRow.role == role_.value, RoleGrantRow.node == node
            )
        ):
            tx.session.delete(row)
            tx.rec.change(target, "grant", f"{role_.value}:{who}", node, None)


def _identity(value: str) -> str:
    who = value.strip().lower()
    if not who or len(who) > ACTOR_LENGTH:
        raise InvalidInput.of("identity_length")
    return who
