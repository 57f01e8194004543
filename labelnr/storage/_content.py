"""A campaign's whole own content made that of an assessment at once (copies, migrations, imports)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select

from labelnr.assessment import Assessment
from labelnr.storage._answers import put_answer, put_verdict
from labelnr.storage._evidence_ops import (
    EvidenceFile,
    add_evidence_row,
    evidence_key,
    evidence_row,
    may_read_blob,
    remove_evidence_row,
    stored_file,
)
from labelnr.storage._plan import add_commitment_row, delete_commitment_row, put_target, update_commitment_row
from labelnr.storage._unit import StoreCore, Tx
from labelnr.storage.history import Target
from labelnr.storage.models import AnswerRow, CampaignRow, CommitmentRow, EvidenceRow, TargetRow, VerdictRow


def replace_content(
    store: StoreCore,
    tx: Tx,
    target: Target,
    camp: CampaignRow,
    a: Assessment,
    files: dict[tuple[str, int], EvidenceFile],
) -> None:
    """Make the campaign's own answers, evidence, verdicts, plan and targets those of ``a``."""
    s = tx.session
    answers = {
        r.criterion_id: r for r in s.scalars(select(AnswerRow).where(AnswerRow.campaign_id == camp.id))
    }
    for cid in sorted(set(answers) | set(a.answers)):
        wanted = a.answers.get(cid)
        put_answer(tx, target, camp.id, cid, answers.get(cid), wanted)
    replace_evidence(store, tx, target, camp, a, files)
    verdicts = {
        r.criterion_id: r for r in s.scalars(select(VerdictRow).where(VerdictRow.campaign_id == camp.id))
    }
    for cid in sorted(set(verdicts) | set(a.verdicts)):
        put_verdict(tx, target, camp.id, cid, verdicts.get(cid), a.verdicts.get(cid))
    existing = list(
        s.scalars(
            select(CommitmentRow)
            .where(CommitmentRow.campaign_id == camp.id)
            .order_by(CommitmentRow.position, CommitmentRow.id)
        )
    )
    for position, commitment in enumerate(a.commitments, start=1):
        if position <= len(existing):
            existing[position - 1].position = position
            update_commitment_row(tx, target, existing[position - 1], commitment)
        else:
            add_commitment_row(tx, target, camp.id, position, commitment)
    for row in existing[len(a.commitments) :]:
        delete_commitment_row(tx, target, row)
    current = {
        (t.criterion_id, t.year): t
        for t in s.scalars(select(TargetRow).where(TargetRow.campaign_id == camp.id))
    }
    wanted_targets = {
        (cid, year): level for cid, years in a.targets.items() for year, level in years.items()
    }
    for cid, year in sorted(set(current) | set(wanted_targets)):
        put_target(
            tx, target, camp.id, cid, year, wanted_targets.get((cid, year)), current.get((cid, year))
        )


def replace_evidence(
    store: StoreCore,
    tx: Tx,
    target: Target,
    camp: CampaignRow,
    a: Assessment,
    files: dict[tuple[str, int], EvidenceFile],
) -> None:
    s = tx.session
    existing: dict[tuple[Any, ...], list[EvidenceRow]] = defaultdict(list)
    for row in s.scalars(
        select(EvidenceRow)
        .where(EvidenceRow.campaign_id == camp.id, EvidenceRow.inherited_from_id.is_(None))
        .order_by(EvidenceRow.id)
    ):
        existing[
            evidence_key(
                row.criterion_id, row.kind, row.type, row.title, row.url, row.sha256, row.effective_date
            )
        ].append(row)
    for cid, answer in sorted(a.answers.items()):
        for index, ref in enumerate(answer.evidence):
            stored = None if ref.url else files.get((cid, index)) or stored_file(store, ref)
            by_hash = stored is not None and (cid, index) not in files
            if by_hash and stored is not None and not may_read_blob(store, tx, stored.sha256):
                stored = None  # a hash the actor cannot read stays a name (copies, migrations)
            kind = "link" if ref.url else "file" if stored else "named"
            key = evidence_key(
                cid, kind, ref.type.value, ref.title, ref.url, ref.sha256, ref.effective_date
            )
            if existing.get(key):
                existing[key].pop(0)
                continue
            add_evidence_row(tx, target, evidence_row(camp.id, cid, kind, ref, stored))
    for rows in existing.values():
        for row in rows:
            remove_evidence_row(tx, target, row)
