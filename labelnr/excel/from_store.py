"""The evidence workbook of a stored campaign, and applying a re-imported workbook to it.

:func:`workbook_data` reads a campaign through the :class:`~labelnr.storage.Store` API
(view, scores, history, evidence, the entity's other campaigns) into a
:class:`WorkbookData`; :func:`apply_import` saves a checked :class:`Preview` in **one**
database transaction: every answer and verdict, or nothing. Each row is saved only if its
revision is still the one the workbook was exported at (the store's no-lost-update rule),
so an edit made between the preview and the save is refused as a conflict too.
"""

from __future__ import annotations

import datetime as dt
from pathlib import PurePosixPath

from sqlalchemy import select

from labelnr import __version__
from labelnr.assessment import Answer, AuditorVerdict
from labelnr.errors import InvalidFile, Problem
from labelnr.excel.asof import campaign_as_of
from labelnr.excel.model import (
    ActualPoint,
    EvidenceEntry,
    HistoryEntry,
    Revision,
    RowRevisions,
    WorkbookData,
)
from labelnr.excel.reimport import Preview, new_answers, new_verdicts
from labelnr.i18n import Lang
from labelnr.permissions import Action
from labelnr.storage import ConflictError, Store
from labelnr.storage import service as svc
from labelnr.storage.models import VerdictRow
from labelnr.storage.views import CampaignView, EvidenceItem
from labelnr.storage.views import Revision as StoreRevision
from labelnr.trajectory import PERIOD_YEAR


def _revision(rev: StoreRevision | None) -> Revision:
    return Revision(rev.number, rev.updated_at, rev.updated_by) if rev else Revision(0)


def _authorize(store: Store, actor: str, action: Action, view: CampaignView) -> None:
    store.authorizer(actor, action, [view.info.organisation_id, *view.entity.path])


class _EvidenceReader:
    """Evidence items as workbook entries (file locations checked through the store's rights)."""

    def __init__(self, store: Store, actor: str, view: CampaignView) -> None:
        self.store, self.actor, self.view = store, actor, view
        self.names: dict[int, str] = {}

    def entity_name(self, campaign_id: int) -> str:
        if campaign_id not in self.names:
            self.names[campaign_id] = self.store.entity(self.store.campaign_info(campaign_id).entity_id).name
        return self.names[campaign_id]

    def entry(self, item: EvidenceItem) -> EvidenceEntry:
        source = item.inherited_from_id or (item.campaign_id if item.campaign_id != self.view.id else None)
        inherited = self.entity_name(source) if source is not None else None
        if item.kind == "link":
            return EvidenceEntry(
                item.criterion_id,
                item.type,
                item.title,
                url=item.url,
                effective_date=item.effective_date,
                inherited_from=inherited,
            )
        location = None
        name = item.filename
        if item.kind == "file" and item.sha256 is not None and self.store.files.has(item.sha256):
            # Content-addressed: the path holds no user input (the export right was checked).
            location = str(self.store.files.path(item.sha256))
        else:  # named: a file an imported assessment names, never provided
            reference = getattr(item, "reference", None) or item.filename or item.title
            name = PurePosixPath(reference).name
        return EvidenceEntry(
            item.criterion_id,
            item.type,
            item.title,
            file_name=name,
            sha256=item.sha256,
            size=item.size,
            effective_date=item.effective_date,
            location=location,
            inherited_from=inherited,
        )


def _actual(store: Store, view: CampaignView) -> tuple[tuple[ActualPoint, ...], int]:
    """The entity's campaigns on this referential (any version), scored; and the plan's first campaign."""
    info = view.info
    same = [
        c
        for c in store.campaigns(info.entity_id)
        if c.referential_id == info.referential_id and c.period in PERIOD_YEAR
    ]
    points = []
    for c in same:
        scores = store.scores_of(view) if c.id == view.id else store.scores(c.id)
        points.append(
            ActualPoint(
                c.period,
                c.date,
                scores.self_assessed.points,
                scores.self_assessed.level,
                scores.verified.points,
            )
        )
    cycle = [c for c in same if c.referential_version == info.referential_version]
    first = min(cycle, key=lambda c: (c.period.index, c.date), default=info)
    return tuple(points), first.id


def workbook_data(
    store: Store,
    campaign_id: int,
    actor: str,
    lang: Lang = "fr",
    as_of: dt.date | None = None,
    exported_at: dt.datetime | None = None,
) -> WorkbookData:
    """Everything the workbook of a stored campaign shows (``as_of``: as it stood that day)."""
    view = store.campaign(campaign_id)
    _authorize(store, actor, Action.EXPORT, view)
    history = store.history(campaign_id)
    if as_of is not None:
        view = campaign_as_of(store, view, history, as_of)
        history = [e for e in history if e.at.date() <= as_of]
    ref = store.referential(view.info.referential_id, view.info.referential_version)
    loaded = store.catalog.loaded[ref.key]
    scores = store.scores_of(view)
    reader = _EvidenceReader(store, actor, view)
    evidence = tuple(reader.entry(item) for items in view.evidence.values() for item in items)
    actual, first = _actual(store, view)
    plan_start = view.effective if first == view.id else store.campaign(first).effective
    revisions = {
        cid: RowRevisions(
            _revision(view.answer_revisions.get(cid)), _revision(view.verdict_revisions.get(cid))
        )
        for cid in {*view.answer_revisions, *view.verdict_revisions}
    }
    return WorkbookData(
        source="store",
        campaign_id=str(campaign_id),
        status=view.info.status.value,
        assessment=view.assessment,
        referential=ref,
        referential_sha256=loaded.sha256,
        effective=view.effective,
        self_scores=scores.self_assessed,
        verified_scores=scores.verified,
        exported_by=actor,
        exported_at=exported_at or dt.datetime.now(dt.UTC).replace(microsecond=0),
        app_version=__version__,
        campaign_revision=view.info.revision,
        inherited_from={cid: src.entity_name for cid, src in view.sources.items() if src.inherited},
        evidence=evidence,
        history=tuple(
            HistoryEntry(e.at, e.actor, e.action, e.criterion_id, e.field, e.old, e.new) for e in history
        ),
        revisions=revisions,
        actual=actual,
        plan_start=plan_start,
        as_of=as_of,
        lang=lang,
    )


def stored_campaign_id(data_campaign_id: str) -> int:
    try:
        return int(data_campaign_id)
    except ValueError:
        raise InvalidFile.single("workbook", f"'{data_campaign_id}' is not a stored campaign id") from None


def apply_import(store: Store, actor: str, current: WorkbookData, result: Preview) -> int:
    """Save every change of ``result`` in one transaction; returns the number of rows saved.

    ``current`` is the campaign the preview was checked against. A row changed by someone
    else since the export is refused (:class:`InvalidFile` naming the row, who and when), and
    then nothing at all is saved.
    """
    if result.empty:
        return 0
    campaign_id = stored_campaign_id(current.campaign_id)
    answers = new_answers(current, result)
    verdicts = new_verdicts(current, result)
    cells = {(c.criterion, c.group): c for c in reversed(result.changes)}
    try:
        return _save(store, actor, campaign_id, result, answers, verdicts)
    except ConflictError as exc:
        group = "verdict" if "verdict" in exc.what else "answer"
        criterion = exc.what.rsplit(" ", 1)[-1]
        change = cells.get((criterion, group))
        where = f"{result.source} [sheet '{change.sheet}', cell {change.cell}]" if change else result.source
        raise InvalidFile([Problem(where, None, f"conflict: {exc}", criterion)]) from None


def _save(
    store: Store,
    actor: str,
    campaign_id: int,
    result: Preview,
    answers: dict[str, Answer],
    verdicts: dict[str, AuditorVerdict | None],
) -> int:
    # The store has no public batch method yet: this uses its transaction and row helpers so
    # that the whole workbook is one transaction (see the module docstring).
    allowed = svc._DRAFT if answers else svc._AUDITABLE
    what = "its answers" if answers else "its verdicts"
    action = Action.IMPORT_ANSWERS if answers else Action.IMPORT_VERDICTS
    saved = 0
    with store._tx(actor) as tx:
        camp, target = store._campaign(tx, action, campaign_id, allowed, what)
        if answers and verdicts:
            store._authorize(tx.session, tx.rec.actor, Action.IMPORT_VERDICTS, camp.entity_id)
        ref = store._ref(camp)
        for cid, answer in answers.items():
            svc._check_answer(ref, camp, cid, answer)
            row = store._answer_row(tx.session, campaign_id, cid)
            svc._expect(row, result.revisions.get(cid, (0, 0))[0], f"the answer to {cid}")
            store._put_answer(tx, target, campaign_id, cid, row, answer)
            saved += 1
        for cid, verdict in verdicts.items():
            if verdict is not None:
                verdict = verdict.model_copy(
                    update={
                        "auditor": verdict.auditor or tx.rec.actor[:200],
                        "date": verdict.date or tx.rec.at.date(),
                    }
                )
            row_v = tx.session.scalars(
                select(VerdictRow).where(
                    VerdictRow.campaign_id == campaign_id, VerdictRow.criterion_id == cid
                )
            ).one_or_none()
            svc._expect(row_v, result.revisions.get(cid, (0, 0))[1], f"the verdict on {cid}")
            store._put_verdict(tx, target, campaign_id, cid, row_v, verdict)
            saved += 1
        tx.rec.change(target, "import", "xlsx", None, PurePosixPath(result.source).name)
    return saved
