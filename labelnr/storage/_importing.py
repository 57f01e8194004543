"""Importing validated assessments (read and checked by :mod:`labelnr.storage.sync`) in one
transaction, all or nothing; the demo data of an empty database."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from sqlalchemy import func, select

from labelnr.assessment import Assessment, Party
from labelnr.errors import InvalidFile, LabelnrError, Problem, ProblemLine
from labelnr.permissions import Action
from labelnr.storage._campaigns import create_campaign_row, put_applicability
from labelnr.storage._content import replace_content
from labelnr.storage._evidence_ops import may_read_blob, stored_file
from labelnr.storage._reading import ImportItem, assessment_files, read_items
from labelnr.storage._tree import create_entity_row, organisations
from labelnr.storage._unit import DRAFT, StoreCore, Tx
from labelnr.storage.errors import InvalidInput
from labelnr.storage.history import Target
from labelnr.storage.models import CampaignRow, EntityRow, OrganisationRow
from labelnr.storage.views import ImportResult

#: The identity recorded for the demo data imported into an empty database.
DEMO_ACTOR = "labelnr-demo-import"


def import_items(
    store: StoreCore, actor: str, items: Sequence[ImportItem], only_into_empty: bool = False
) -> list[ImportResult]:
    for item in items:
        for ev_file in item.files.values():
            if ev_file.data is not None:
                store.files.put(ev_file.data)
    results: list[ImportResult] = []
    with store._tx(actor) as tx:
        store.db.lock_exclusively(tx.session)
        if only_into_empty and tx.session.scalar(select(func.count()).select_from(OrganisationRow)):
            return []
        items = check_hash_only(store, tx, items)
        for item in _parents_first(items):
            results.append(import_one(store, tx, item))
    return results


def import_one(store: StoreCore, tx: Tx, item: ImportItem) -> ImportResult:
    s, a = tx.session, item.assessment
    before = tx.rec.count
    org = s.get(OrganisationRow, a.organisation.id)
    if org is None:
        store._authorize(s, tx.rec.actor, Action.MANAGE, None)
        s.add(OrganisationRow(id=a.organisation.id, name=a.organisation.name, created_at=tx.rec.at))
        s.flush()
        tx.rec.change(Target(a.organisation.id), "organisation", "name", None, a.organisation.name)
    elif org.name != a.organisation.name:
        store._authorize(s, tx.rec.actor, Action.MANAGE, org.id)
        tx.rec.change(Target(org.id), "organisation", "name", org.name, a.organisation.name)
        org.name = a.organisation.name
    entity = s.get(EntityRow, a.entity.id)
    if entity is None:
        entity = create_entity_row(store,
            tx, a.organisation.id, Party(id=a.entity.id, name=a.entity.name), a.entity.parent,
            a.entity.node_kind,
        )
        s.flush()
    else:
        _same_place(item.source, entity, a)
        if entity.name != a.entity.name:
            store._authorize(s, tx.rec.actor, Action.MANAGE, entity.id)
            tx.rec.change(
                Target(entity.organisation_id, entity.id), "entity", "name", entity.name, a.entity.name
            )
            entity.name = a.entity.name
    camp = s.scalars(
        select(CampaignRow).where(
            CampaignRow.entity_id == a.entity.id,
            CampaignRow.referential_id == a.referential.id,
            CampaignRow.referential_version == a.referential.version,
            CampaignRow.period == a.campaign.period.value,
        )
    ).one_or_none()
    created = camp is None
    if camp is None:
        camp = create_campaign_row(store,
            tx,
            a.entity.id,
            a.referential.id,
            a.referential.version,
            a.campaign.period,
            a.campaign.date,
            a.profile,
            a.campaign.name,
            dict(a.applicability),
        )
        target = Target(a.organisation.id, a.entity.id, camp.id)
    else:
        camp, target = store._campaign(tx, Action.IMPORT_ANSWERS, camp.id, DRAFT, "its content (import)")
        store._authorize(s, tx.rec.actor, Action.IMPORT_VERDICTS, a.entity.id)
        for name, old, new in (
            ("date", camp.date, a.campaign.date),
            ("name", camp.name, a.campaign.name),
            ("profile", camp.profile, a.profile),
        ):
            tx.rec.change(target, "campaign", name, old, new)
        camp.date, camp.name, camp.profile = a.campaign.date, a.campaign.name, a.profile
        put_applicability(tx, target, camp, dict(a.applicability))
    replace_content(store, tx, target, camp, a, item.files)
    tx.rec.change(target, "import", "file", None, item.source)
    s.flush()
    return ImportResult(
        item.source, camp.id, created, tx.rec.count - before - 1, tuple(ProblemLine(w) for w in item.warnings)
    )


def check_hash_only(store: StoreCore, tx: Tx, items: Sequence[ImportItem]) -> list[ImportItem]:
    """Refuse the import if evidence names a stored file by its sha256 alone and the importer
    may read no campaign holding that file: hashes are shown everywhere, so knowing one
    must not hand out the file (another organisation's evidence). Returns the items with
    the files so resolved added to their ``files``."""
    brought = {f.sha256 for item in items for f in item.files.values()}
    readable: dict[str, bool] = {}
    problems: list[Problem] = []
    checked: list[ImportItem] = []
    for item in items:
        resolved = dict(item.files)
        for cid, answer in sorted(item.assessment.answers.items()):
            for index, ref in enumerate(answer.evidence):
                stored = None if ref.url or (cid, index) in resolved else stored_file(store, ref)
                if stored is None:
                    continue
                sha = stored.sha256
                if sha not in readable:
                    readable[sha] = sha in brought or may_read_blob(store, tx, sha)
                if readable[sha]:
                    resolved[(cid, index)] = stored
                    continue
                problems.append(
                    Problem.of(item.source, item.by_hash.get((cid, index)), "evidence_hash_unreadable",
                               cid, file=ref.file)
                )
        checked.append(replace(item, files=resolved))
    if problems:
        raise InvalidFile(problems)
    return checked


def import_demo(store: StoreCore) -> list[ImportResult]:

    paths = assessment_files([store.data_dir]) if store.data_dir.is_dir() else []
    if not paths or organisations(store):
        return []
    try:
        items = read_items(paths, store.catalog, store.files)
        return import_items(store, DEMO_ACTOR, items, only_into_empty=True)
    except LabelnrError as exc:
        store.demo_problems = list(getattr(exc, "problems", [])) or [
            Problem(str(store.data_dir), None, str(exc))
        ]
        return []


def _same_place(source: str, entity: EntityRow, a: Assessment) -> None:
    if entity.organisation_id != a.organisation.id:
        raise InvalidInput.of("sync_other_organisation", source=source, entity=entity.id,
                              organisation=entity.organisation_id, file_organisation=a.organisation.id)
    if entity.parent_id != a.entity.parent:
        raise InvalidInput.of("sync_other_parent", source=source, entity=entity.id, parent=entity.parent_id,
                              file_parent=a.entity.parent)
    if entity.kind != a.entity.node_kind.value:
        raise InvalidInput.of("sync_other_kind", source=source, entity=entity.id, kind=entity.kind,
                              file_kind=a.entity.node_kind.value)


def _parents_first(items: Sequence[ImportItem]) -> list[ImportItem]:
    """Files ordered so that an entity's parent is created before the entity."""
    depth: dict[str, int] = {}
    parents = {i.assessment.entity.id: i.assessment.entity.parent for i in items}

    def level(entity_id: str, seen: frozenset[str] = frozenset()) -> int:
        if entity_id not in depth:
            parent = parents.get(entity_id)
            depth[entity_id] = (
                0
                if parent is None or parent in seen or parent not in parents
                else 1 + level(parent, seen | {entity_id})
            )
        return depth[entity_id]

    return sorted(items, key=lambda i: level(i.assessment.entity.id))
