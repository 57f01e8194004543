"""The organisation tree: organisations and their entities (read, created, renamed)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from labelnr.assessment import EntityKind, Party
from labelnr.permissions import ROOT, Action
from labelnr.storage import repository as repo
from labelnr.storage._unit import StoreCore, Tx, validated
from labelnr.storage.errors import AlreadyExists, InvalidInput
from labelnr.storage.history import Target
from labelnr.storage.models import EntityRow, OrganisationRow
from labelnr.storage.views import EntityInfo, OrganisationInfo


def organisations(store: StoreCore) -> list[OrganisationInfo]:
    with store.db.reading() as s:
        rows = s.scalars(select(OrganisationRow).order_by(OrganisationRow.name, OrganisationRow.id))
        return [repo.organisation_info(r) for r in rows]


def organisation(store: StoreCore, organisation_id: str) -> OrganisationInfo:
    with store.db.reading() as s:
        return repo.organisation_info(repo.get_organisation(s, organisation_id))


def entity_tree(store: StoreCore, organisation_id: str) -> list[EntityInfo]:
    with store.db.reading() as s:
        repo.get_organisation(s, organisation_id)
        return repo.tree(s.scalars(select(EntityRow).where(EntityRow.organisation_id == organisation_id)))


def entity(store: StoreCore, entity_id: str) -> EntityInfo:
    with store.db.reading() as s:
        return repo.entity_info(repo.lineage(s, entity_id))


def create_organisation(store: StoreCore, actor: str, organisation_id: str, name: str) -> OrganisationInfo:
    party = validated(Party, {"id": organisation_id, "name": name}, "organisation")
    with store._tx(actor) as tx:
        store._authorize(tx.session, tx.rec.actor, Action.MANAGE, None)
        if tx.session.get(OrganisationRow, party.id) is not None:
            raise AlreadyExists.of("organisation_exists", organisation=party.id)
        tx.session.add(OrganisationRow(id=party.id, name=party.name, created_at=tx.rec.at))
        tx.rec.change(Target(party.id), "organisation", "name", None, party.name)
        return OrganisationInfo(party.id, party.name)


def create_entity(
    store: StoreCore,
    actor: str,
    organisation_id: str,
    entity_id: str,
    name: str,
    parent_id: str | None = None,
) -> EntityInfo:
    party = validated(Party, {"id": entity_id, "name": name}, "entity")
    with store._tx(actor) as tx:
        create_entity_row(store, tx, organisation_id, party, parent_id)
        tx.session.flush()
        return repo.entity_info(repo.lineage(tx.session, party.id))


def services(store: StoreCore, entity_id: str) -> list[EntityInfo]:
    """The digital services directly under an entity, by name."""
    with store.db.reading() as s:
        chain = repo.lineage(s, entity_id)
        rows = s.scalars(select(EntityRow).where(EntityRow.parent_id == entity_id, EntityRow.kind != "unit"))
        return sorted((repo.entity_info([r, *chain]) for r in rows), key=lambda e: (e.name.casefold(), e.id))


def create_service(
    store: StoreCore, actor: str, entity_id: str, service_id: str, name: str, kind: EntityKind | str
) -> EntityInfo:
    """A digital service (website, app, API) under the entity that runs it."""
    party = validated(Party, {"id": service_id, "name": name}, "service")
    service_kind = _service_kind(kind)
    with store._tx(actor) as tx:
        parent = repo.get_entity(tx.session, entity_id)
        create_entity_row(store, tx, parent.organisation_id, party, entity_id, service_kind)
        tx.session.flush()
        return repo.entity_info(repo.lineage(tx.session, party.id))


def _service_kind(kind: EntityKind | str) -> EntityKind:
    services = [k.value for k in EntityKind if k.is_service]
    try:
        value = EntityKind(kind)
    except ValueError:
        value = EntityKind.UNIT
    if not value.is_service:
        raise InvalidInput.of("service_kind", kind=str(kind), known=", ".join(services))
    return value


def create_entity_row(
    store: StoreCore,
    tx: Tx,
    organisation_id: str,
    party: Party,
    parent_id: str | None,
    kind: EntityKind = EntityKind.UNIT,
) -> EntityRow:
    s = tx.session
    repo.get_organisation(s, organisation_id)
    if parent_id is None and kind.is_service:
        raise InvalidInput.of("service_needs_entity", service=party.id)
    if parent_id is not None:
        parent = repo.get_entity(s, parent_id)
        if parent.organisation_id != organisation_id:
            raise InvalidInput.of("parent_elsewhere", parent=parent_id, organisation=organisation_id,
                                  parent_organisation=parent.organisation_id)
        if EntityKind(parent.kind).is_service:
            # A service is a leaf: what it is made of is assessed in its own grid, not as nodes.
            raise InvalidInput.of("under_a_service", entity=party.id, parent=parent_id)
    # A referent of the entity may add its digital services (SERVICE); any other node needs MANAGE.
    right = Action.SERVICE if kind.is_service else Action.MANAGE
    store._authorize(s, tx.rec.actor, right, parent_id or organisation_id)
    existing = s.get(EntityRow, party.id)
    if existing is not None:
        raise AlreadyExists.of("entity_exists", entity=party.id, organisation=existing.organisation_id)
    row = EntityRow(
        id=party.id,
        organisation_id=organisation_id,
        parent_id=parent_id,
        name=party.name,
        kind=kind.value,
        created_at=tx.rec.at,
    )
    s.add(row)
    target = Target(organisation_id, party.id)
    tx.rec.change(target, "entity", "name", None, party.name)
    tx.rec.change(target, "entity", "parent", None, parent_id)
    if kind.is_service:
        tx.rec.change(target, "entity", "kind", None, kind.value)
    return row


def rename(store: StoreCore, actor: str, node_id: str, name: str) -> None:
    party = validated(Party, {"id": "x", "name": name}, "name")
    with store._tx(actor) as tx:
        store._authorize(tx.session, tx.rec.actor, Action.MANAGE, node_id)
        target = node_target(tx.session, node_id)
        row: EntityRow | OrganisationRow | None = tx.session.get(EntityRow, node_id)
        if row is None:
            row = repo.get_organisation(tx.session, node_id)
        action = "entity" if isinstance(row, EntityRow) else "organisation"
        tx.rec.change(target, action, "name", row.name, party.name)
        row.name = party.name


def node_target(s: Session, node: str) -> Target:
    if node == ROOT:
        return Target(None)
    entity = s.get(EntityRow, node)
    if entity is not None:
        return Target(entity.organisation_id, entity.id)
    return Target(repo.get_organisation(s, node).id)
