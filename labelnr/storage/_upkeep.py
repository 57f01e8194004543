"""Upkeep: the integrity check and the sweep of evidence files nothing names any more."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select, text

from labelnr.errors import Msg
from labelnr.storage._unit import StoreCore
from labelnr.storage.models import EventRow, EvidenceRow
from labelnr.storage.views import IntegrityReport


def check_integrity(store: StoreCore) -> IntegrityReport:
    problems: list[str] = []
    with store.db.reading() as s:
        if store.db.backend == "sqlite":
            verdict = [r[0] for r in s.execute(text("PRAGMA integrity_check"))]
            if verdict != ["ok"]:
                problems.extend(Msg("integrity_database", detail=v) for v in verdict)
            problems.extend(
                Msg("integrity_broken_reference", table=r[0], row=r[1])
                for r in s.execute(text("PRAGMA foreign_key_check"))
            )
        blobs = s.execute(
            select(EvidenceRow.id, EvidenceRow.sha256, EvidenceRow.size).where(EvidenceRow.kind == "file")
        ).all()
    checked: dict[str, str | None] = {}
    for evidence_id, sha, size in blobs:
        if sha is None:
            problems.append(Msg("integrity_no_sha256", evidence=evidence_id))
            continue
        if sha not in checked:
            checked[sha] = store.files.verify(sha, size)
        if checked[sha]:
            problems.append(Msg("integrity_evidence", evidence=evidence_id, problem=checked[sha]))
    return IntegrityReport(tuple(problems), len(checked))


def sweep_evidence(store: StoreCore, grace: dt.timedelta = dt.timedelta(hours=1)) -> list[Path]:
    with store.db.reading() as s:
        used = {sha for sha in s.scalars(select(EvidenceRow.sha256)) if sha}
        for old, new in s.execute(
            select(EventRow.old, EventRow.new).where(EventRow.action == "evidence")
        ):
            used.update(r["sha256"] for r in (old, new) if isinstance(r, dict) and r.get("sha256"))
    return store.files.sweep(used, grace)
