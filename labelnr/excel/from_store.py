"""The evidence workbook of a stored campaign, and applying a re-imported workbook to it.

:func:`workbook_data` reads a campaign through the :class:`~labelnr.storage.Store` API
(view, scores, history, evidence, the entity's other campaigns) into a
:class:`WorkbookData`; with ``as_of`` the campaign is replayed from its history to that
day (:mod:`labelnr.excel.asof`). :func:`apply_import` saves a checked :class:`Preview`
with :meth:`Store.import_changes`: one transaction, every answer and verdict or nothing,
each row only if its revision is still the one the workbook was exported at, so an edit
made between the preview and the save is refused as a conflict too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import PurePosixPath

from labelnr import __version__
from labelnr.assessment import Answer, Assessment, EvidenceRef
from labelnr.errors import InvalidFile, Msg, Problem
from labelnr.excel.asof import campaign_as_of
from labelnr.excel.collector import collector_paused
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
from labelnr.referential import Referential
from labelnr.scoring import Scores, score
from labelnr.services import label_coverage
from labelnr.storage import (
    ActorStore,
    AnswerChange,
    CampaignScores,
    CampaignView,
    ConflictError,
    EvidenceItem,
    Store,
    VerdictChange,
)
from labelnr.storage import Revision as StoreRevision
from labelnr.trajectory import PERIOD_YEAR, Start
from labelnr.verification import verify


def _revision(rev: StoreRevision | None) -> Revision:
    return Revision(rev.number, rev.updated_at, rev.updated_by) if rev else Revision(0)


def _authorize(store: Store, actor: str, action: Action, view: CampaignView) -> None:
    store.authorizer(actor, action, [view.info.organisation_id, *view.entity.path])


class _Evidence:
    """Evidence as workbook entries; files are located in the store by their SHA-256."""

    def __init__(self, store: Store, view: CampaignView) -> None:
        self.store, self.view = store, view
        self.names: dict[int, str] = {}
        self.locations: dict[str, str | None] = {}

    def _entity_name(self, campaign_id: int) -> str:
        if campaign_id not in self.names:
            self.names[campaign_id] = self.store.entity(self.store.campaign_info(campaign_id).entity_id).name
        return self.names[campaign_id]

    def _location(self, sha256: str | None) -> str | None:
        # Content-addressed: the path holds no user input (the export right was checked).
        # Looked up once per file, however many evidence items name it.
        if sha256 is None:
            return None
        if sha256 not in self.locations:
            path = self.store.files.path(sha256)
            self.locations[sha256] = str(path) if path.is_file() else None
        return self.locations[sha256]

    def item(self, item: EvidenceItem) -> EvidenceEntry:
        source = item.inherited_from_id or (item.campaign_id if item.campaign_id != self.view.id else None)
        inherited = self._entity_name(source) if source is not None else None
        if item.kind == "link":
            return EvidenceEntry(
                item.criterion_id,
                item.type,
                item.title,
                url=item.url,
                effective_date=item.effective_date,
                inherited_from=inherited,
            )
        if item.kind == "file":
            name, location = item.filename, self._location(item.sha256)
        else:  # named: a file an imported assessment names, never provided
            name, location = PurePosixPath(item.reference or item.filename or item.title).name, None
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

    def ref(self, criterion: str, ref: EvidenceRef, inherited: str | None) -> EvidenceEntry:
        """An evidence as a replayed history gives it (an interchange reference)."""
        if ref.url is not None:
            return EvidenceEntry(
                criterion,
                ref.type,
                ref.title,
                url=ref.url,
                effective_date=ref.effective_date,
                inherited_from=inherited,
            )
        # Only an uploaded file replays as ``evidence/<sha256>/<name>``; a named entry is just a
        # name, and its hash may be another organisation's file: never look that one up.
        uploaded = ref.sha256 is not None and (ref.file or "").startswith(f"evidence/{ref.sha256}/")
        location = self._location(ref.sha256) if uploaded else None
        size = self.store.files.path(ref.sha256).stat().st_size if location and ref.sha256 else None
        return EvidenceEntry(
            criterion,
            ref.type,
            ref.title,
            file_name=PurePosixPath(ref.file or "").name,
            sha256=ref.sha256,
            size=size,
            effective_date=ref.effective_date,
            location=location,
            inherited_from=inherited,
        )


def _actual(
    store: Store, view: CampaignView, own: CampaignScores
) -> tuple[tuple[ActualPoint, ...], int, dict[int, Start]]:
    """The entity's campaigns on this referential (any version), scored (``own``: this campaign's
    scores, already computed); the plan's first campaign; and, by year, the campaign of this version
    the projection starts from (the latest of its period)."""
    info = view.info
    same = [
        c
        for c in store.campaigns(info.entity_id)
        if c.referential_id == info.referential_id and c.period in PERIOD_YEAR
    ]
    points = []
    starts: dict[int, tuple[dt.date, Start]] = {}
    for c in same:
        other = view if c.id == view.id else store.campaign(c.id)
        scores = own if c.id == view.id else store.scores_of(other)
        points.append(
            ActualPoint(
                c.period,
                c.date,
                scores.self_assessed.points,
                scores.self_assessed.level,
                scores.verified.points,
            )
        )
        year = PERIOD_YEAR[c.period]
        if c.referential_version == info.referential_version and (
            year not in starts or c.date >= starts[year][0]
        ):
            a = other.assessment
            starts[year] = (c.date, Start(other.effective, a.profile, a.applicability))
    cycle = [c for c in same if c.referential_version == info.referential_version]
    first = min(cycle, key=lambda c: (c.period.index, c.date), default=info)
    return tuple(points), first.id, {year: start for year, (_, start) in starts.items()}


def _scores(ref: Referential, effective: Mapping[str, Answer], a: Assessment) -> tuple[Scores, Scores]:
    """Self-assessed and verified scores of answers that are not the store's current ones."""
    checked = verify(ref, effective, {c: v.verdict for c, v in a.verdicts.items()})
    return (
        score(ref, effective, a.profile, a.applicability),
        score(ref, checked.answers, a.profile, a.applicability),
    )


def workbook_data(
    store: Store,
    campaign_id: int,
    actor: str,
    lang: Lang = "fr",
    as_of: dt.date | None = None,
    exported_at: dt.datetime | None = None,
) -> WorkbookData:
    """Everything the workbook of a stored campaign shows (``as_of``: as it stood at the end of that day)."""
    with collector_paused():
        return _workbook_data(store, campaign_id, actor, lang, as_of, exported_at)


def _workbook_data(
    store: Store,
    campaign_id: int,
    actor: str,
    lang: Lang,
    as_of: dt.date | None,
    exported_at: dt.datetime | None,
) -> WorkbookData:
    view = store.campaign(campaign_id)
    _authorize(store, actor, Action.EXPORT, view)
    ref = store.referential(view.info.referential_id, view.info.referential_version)
    history = store.history(campaign_id)
    reader = _Evidence(store, view)
    scores = store.scores_of(view)
    actual, first, starts = _actual(store, view, scores)
    revisions: dict[str, RowRevisions] = {}
    if as_of is None:
        status, assessment, effective = view.info.status, view.assessment, view.effective
        self_scores, verified = scores.self_assessed, scores.verified
        inherited = {cid: src.entity_name for cid, src in view.sources.items() if src.inherited}
        evidence = tuple(reader.item(item) for items in view.evidence.values() for item in items)
        revisions = {
            cid: RowRevisions(
                _revision(view.answer_revisions.get(cid)), _revision(view.verdict_revisions.get(cid))
            )
            for cid in {*view.answer_revisions, *view.verdict_revisions}
        }
    else:
        past = campaign_as_of(store, view, as_of)
        status, assessment, effective = past.status, past.assessment, past.effective
        self_scores, verified = _scores(ref, effective, assessment)
        inherited = past.inherited_from
        evidence = tuple(reader.ref(cid, r, name) for cid, r, name in past.evidence)
        history = [e for e in history if e.at.date() <= as_of]
    return WorkbookData(
        source="store",
        campaign_id=str(campaign_id),
        status=status.value,
        assessment=assessment,
        referential=ref,
        referential_sha256=store.catalog.loaded[ref.key].sha256,
        effective=effective,
        self_scores=self_scores,
        verified_scores=verified,
        exported_by=actor,
        exported_at=exported_at or dt.datetime.now(dt.UTC).replace(microsecond=0),
        app_version=__version__,
        campaign_revision=view.info.revision,
        inherited_from=inherited,
        evidence=evidence,
        history=tuple(
            HistoryEntry(e.at, e.actor, e.action, e.criterion_id, e.field, e.old, e.new) for e in history
        ),
        revisions=revisions,
        actual=actual,
        plan_start=view.effective if first == view.id else store.campaign(first).effective,
        projection_starts=starts,
        as_of=as_of,
        lang=lang,
        coverage=label_coverage(store.as_actor(actor), view, as_of),
    )


def stored_campaign_id(data_campaign_id: str) -> int:
    try:
        return int(data_campaign_id)
    except ValueError:
        raise InvalidFile.coded("workbook", "not_a_stored_campaign", value=data_campaign_id) from None


def apply_import(store: Store, actor: str, current: WorkbookData, result: Preview) -> int:
    """Save every change of ``result`` in one transaction; returns the number of rows changed.

    ``current`` is the campaign the preview was checked against. A row changed by someone
    else since the export is refused (:class:`InvalidFile` naming the cell, who and when),
    and then nothing at all is saved.
    """
    if result.empty:
        return 0
    campaign_id = stored_campaign_id(current.campaign_id)
    answers = [
        AnswerChange(cid, answer, result.revisions.get(cid, (0, 0))[0])
        for cid, answer in new_answers(current, result).items()
    ]
    verdicts = [
        VerdictChange(cid, verdict, result.revisions.get(cid, (0, 0))[1])
        for cid, verdict in new_verdicts(current, result).items()
    ]
    try:
        return store.import_changes(
            actor, campaign_id, answers, verdicts, source=PurePosixPath(result.source).name
        )
    except ConflictError as exc:
        change = next(
            (c for c in result.changes if c.criterion == exc.criterion_id and c.group == exc.kind), None
        )
        where = f"{result.source} [sheet '{change.sheet}', cell {change.cell}]" if change else result.source
        conflict = Msg(exc.code, **exc.params) if exc.code else str(exc)
        problem = Problem.of(where, None, "store_conflict", exc.criterion_id, conflict=conflict)
        raise InvalidFile([problem]) from None


def workbook(
    view: ActorStore,
    campaign_id: int,
    lang: Lang = "fr",
    as_of: dt.date | None = None,
    exported_at: dt.datetime | None = None,
) -> WorkbookData:
    """The evidence workbook of a campaign as ``view``'s identity may export it (needs ``EXPORT``)."""
    return workbook_data(view.exporting(campaign_id), campaign_id, view.identity, lang, as_of, exported_at)


def apply_workbook(view: ActorStore, current: WorkbookData, result: Preview) -> int:
    """Write the changes of a previewed workbook as ``view``'s identity (needs ``IMPORT``)."""
    store = view.exporting(stored_campaign_id(current.campaign_id), readable=False)
    return apply_import(store, view.identity, current, result)
