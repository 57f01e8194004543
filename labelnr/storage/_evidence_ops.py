"""Evidence attached to criteria: files (bytes in :mod:`labelnr.storage.evidence`), links, named files."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from sqlalchemy import select

from labelnr.assessment import EvidenceRef
from labelnr.errors import LabelnrError
from labelnr.permissions import Action
from labelnr.referential import EvidenceType
from labelnr.storage import repository as repo
from labelnr.storage._unit import DRAFT, StoreCore, Tx, check_criterion, checked_actor
from labelnr.storage.errors import CampaignLocked, InvalidInput, NotFound
from labelnr.storage.evidence import ALLOWED, check_upload, check_url, sanitise_filename
from labelnr.storage.history import Target
from labelnr.storage.models import CampaignRow, EvidenceRow
from labelnr.storage.views import CampaignStatus, EvidenceItem


@dataclass(frozen=True)
class EvidenceFile:
    """A file named by an imported assessment, already checked (``data`` None: already stored)."""

    sha256: str
    size: int
    filename: str
    media_type: str
    data: bytes | None


def evidence_key(
    cid: str,
    kind: str,
    type_: str,
    title: str,
    url: str | None,
    sha256: str | None,
    effective_date: dt.date | None,
) -> tuple[Any, ...]:
    return (cid, kind, type_, title, url, sha256, effective_date)


def evidence_row(
    campaign_id: int, cid: str, kind: str, ref: EvidenceRef, stored: EvidenceFile | None
) -> EvidenceRow:
    """The row of an interchange evidence entry: a link, a stored file, or a file only named."""
    row = EvidenceRow(
        campaign_id=campaign_id,
        criterion_id=cid,
        kind=kind,
        type=ref.type.value,
        title=ref.title,
        url=ref.url,
        sha256=ref.sha256,
        effective_date=ref.effective_date,
    )
    if stored is not None:
        row.sha256, row.size, row.filename, row.media_type = (
            stored.sha256,
            stored.size,
            stored.filename,
            stored.media_type,
        )
    elif kind == "named" and ref.file is not None:
        row.reference = ref.file
        row.filename = sanitise_filename(PurePosixPath(ref.file).name)
    return row


def evidence_item(store: StoreCore, evidence_id: int) -> EvidenceItem:
    with store.db.reading() as s:
        row = s.get(EvidenceRow, evidence_id)
        if row is None:
            raise NotFound.of("no_evidence", evidence=evidence_id)
        return repo.evidence_item(row)


def evidence_path(store: StoreCore, actor: str, evidence_id: int) -> Path:
    with store.db.reading() as s:
        row = s.get(EvidenceRow, evidence_id)
        if row is None:
            raise NotFound.of("no_evidence", evidence=evidence_id)
        entity_id = repo.get_campaign(s, row.campaign_id).entity_id
        store._authorize(s, checked_actor(actor), Action.READ, entity_id)
        if row.kind == "link":
            raise InvalidInput.of("evidence_is_link", evidence=evidence_id, url=row.url)
        if row.kind != "file" or row.sha256 is None:
            raise InvalidInput.of("evidence_never_uploaded", evidence=evidence_id, filename=row.filename)
        return store.files.path(row.sha256)


def add_evidence_file(
    store: StoreCore,
    actor: str,
    campaign_id: int,
    criterion_id: str,
    filename: str,
    data: bytes,
    type: EvidenceType | str,
    effective_date: dt.date | None = None,
    title: str | None = None,
) -> EvidenceItem:
    safe, media_type = check_upload(filename, data, store.files.max_bytes)
    kind = _evidence_type(type)
    # Refuse early, before any byte reaches the disk, when the write would be refused anyway.
    with store.db.reading() as s:
        camp = repo.get_campaign(s, campaign_id)
        store._authorize(s, checked_actor(actor), Action.EVIDENCE, camp.entity_id)
        if camp.status != CampaignStatus.DRAFT.value:
            raise CampaignLocked(campaign_id, camp.status, "its evidence")
    digest = store.files.put(data)  # durable on disk before the row that names it commits
    with store._tx(actor) as tx:
        camp, target = store._campaign(tx, Action.EVIDENCE, campaign_id, DRAFT, "its evidence")
        check_criterion(store._ref(camp), camp, criterion_id)
        row = add_evidence_row(
            tx,
            target,
            EvidenceRow(
                campaign_id=campaign_id,
                criterion_id=criterion_id,
                kind="file",
                type=kind.value,
                title=_title(title or safe),
                sha256=digest,
                size=len(data),
                filename=safe,
                media_type=media_type,
                effective_date=effective_date,
            ),
        )
        return repo.evidence_item(row)


def add_evidence_link(
    store: StoreCore,
    actor: str,
    campaign_id: int,
    criterion_id: str,
    url: str,
    title: str,
    type: EvidenceType | str,
    effective_date: dt.date | None = None,
) -> EvidenceItem:
    link = check_url(url)
    kind = _evidence_type(type)
    with store._tx(actor) as tx:
        camp, target = store._campaign(tx, Action.EVIDENCE, campaign_id, DRAFT, "its evidence")
        check_criterion(store._ref(camp), camp, criterion_id)
        row = add_evidence_row(
            tx,
            target,
            EvidenceRow(
                campaign_id=campaign_id,
                criterion_id=criterion_id,
                kind="link",
                type=kind.value,
                title=_title(title),
                url=link,
                effective_date=effective_date,
            ),
        )
        return repo.evidence_item(row)


def add_evidence_row(tx: Tx, target: Target, row: EvidenceRow) -> EvidenceRow:
    row.added_at, row.added_by = tx.rec.at, tx.rec.actor
    tx.session.add(row)
    tx.session.flush()
    tx.rec.change(target, "evidence", "added", None, _evidence_record(row), row.criterion_id, row.id)
    return row


def remove_evidence(store: StoreCore, actor: str, evidence_id: int) -> None:
    with store._tx(actor) as tx:
        row = tx.session.get(EvidenceRow, evidence_id)
        if row is None:
            raise NotFound.of("no_evidence", evidence=evidence_id)
        _, target = store._campaign(tx, Action.EVIDENCE, row.campaign_id, DRAFT, "its evidence")
        remove_evidence_row(tx, target, row)


def remove_evidence_row(tx: Tx, target: Target, row: EvidenceRow) -> None:
    tx.rec.change(target, "evidence", "removed", _evidence_record(row), None, row.criterion_id, row.id)
    tx.session.delete(row)


def stored_file(store: StoreCore, ref: EvidenceRef) -> EvidenceFile | None:
    if ref.file is None or ref.sha256 is None or not store.files.has(ref.sha256):
        return None
    name = sanitise_filename(PurePosixPath(ref.file).name)
    kind = ALLOWED.get(PurePosixPath(name).suffix.lower())
    size = store.files.path(ref.sha256).stat().st_size
    return EvidenceFile(
        ref.sha256, size, name, kind.media_type if kind else "application/octet-stream", None
    )


def may_read_blob(store: StoreCore, tx: Tx, sha256: str) -> bool:
    """Whether the actor may read some campaign holding ``sha256`` as a file (not merely named)."""
    entities = tx.session.scalars(
        select(CampaignRow.entity_id)
        .join(EvidenceRow, EvidenceRow.campaign_id == CampaignRow.id)
        .where(EvidenceRow.sha256 == sha256, EvidenceRow.kind == "file")
        .distinct()
    )
    for entity_id in entities:
        try:
            store._authorize(tx.session, tx.rec.actor, Action.READ, entity_id)
        except LabelnrError:
            continue
        return True
    return False


def _evidence_type(value: EvidenceType | str) -> EvidenceType:
    try:
        return EvidenceType(value)
    except ValueError:
        raise InvalidInput.of("not_an_evidence_type", value=value,
                              known=[t.value for t in EvidenceType]) from None


def _title(value: str) -> str:
    title = value.strip()
    if not title or len(title) > 300:
        raise InvalidInput.of("evidence_title_length")
    return title


def _evidence_record(row: EvidenceRow) -> dict[str, Any]:
    record = {
        "kind": row.kind,
        "type": row.type,
        "title": row.title,
        "url": row.url,
        "sha256": row.sha256,
        "size": row.size,
        "filename": row.filename,
        "media_type": row.media_type,
        "reference": row.reference,
        "effective_date": row.effective_date,
    }
    return {k: v for k, v in record.items() if v is not None}
