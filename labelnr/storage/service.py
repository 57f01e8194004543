"""The store: the one API the UI, the CLI and the exports use to read and change assessments.

Open it with :func:`open_store` (schema upgraded, demo files imported into an empty
database). The UI and the CLI use it only through ``store.as_actor(identity)``
(:class:`labelnr.storage.scoped.ActorStore`), which checks every read as well. Every
method returns plain dataclasses or pydantic models; no database session or ORM object
ever leaves this package.

Reading::

    organisations() -> list[OrganisationInfo]
    entity_tree(organisation_id) -> list[EntityInfo]            # depth-first, with depth and path
    entity(entity_id) -> EntityInfo
    campaigns(entity_id) -> list[CampaignInfo]
    organisation_campaigns(organisation_id) -> list[CampaignInfo]
    campaign_info(campaign_id) -> CampaignInfo
    campaign(campaign_id) -> CampaignView                       # own + effective answers, sources, revisions
    campaign_as_of(campaign_id, when) -> CampaignSnapshot        # own content and status then (history)
    referential_of(campaign_id) -> Referential
    scores(campaign_id) -> CampaignScores                       # self-assessed and verified
    portfolio(organisation_id) -> list[PortfolioRow]            # every campaign scored
    history(campaign_id, criterion_id=None) -> list[HistoryEvent]
    events(organisation_id=, entity_id=, campaign_id=, criterion_id=, actor=, since=, until=, limit=)
    evidence_item(evidence_id) -> EvidenceItem
    evidence_path(actor, evidence_id) -> Path                   # the stored blob, never a user path
    grants() -> list[Grant]
    check_integrity() -> IntegrityReport

Writing (each takes the ``actor`` identity first and is checked by :meth:`Store._authorize`)::

    create_organisation(actor, organisation_id, name) -> OrganisationInfo
    create_entity(actor, organisation_id, entity_id, name, parent_id=None) -> EntityInfo
    rename(actor, organisation_or_entity_id, name)
    update_campaign(actor, campaign_id, date=None, name=None) -> CampaignInfo
    create_campaign(actor, entity_id, referential_id, referential_version, period, date,
                    profile=None, name=None, applicability=None) -> CampaignInfo
    copy_campaign(actor, campaign_id, period, date=None, name=None) -> CampaignInfo
    migrate_campaign(actor, campaign_id, to_version) -> (CampaignInfo, list[MigrationReport])
    save_answer(actor, campaign_id, criterion_id, answer, expected_revision) -> int
    clear_answer(actor, campaign_id, criterion_id, expected_revision) -> int
    set_verdict(actor, campaign_id, criterion_id, verdict | None, expected_revision) -> int
    add_evidence_file(actor, campaign_id, criterion_id, filename, data, type,
                      effective_date=None, title=None) -> EvidenceItem
    add_evidence_link(actor, campaign_id, criterion_id, url, title, type, effective_date=None)
    remove_evidence(actor, evidence_id)
    add_commitment(actor, campaign_id, commitment) -> CommitmentItem
    update_commitment(actor, commitment_id, commitment, expected_revision) -> CommitmentItem
    remove_commitment(actor, commitment_id, expected_revision)
    set_target(actor, campaign_id, criterion_id, year, level | None)
    set_applicability(actor, campaign_id, question_id, answer: bool | None)
    submit(actor, campaign_id) / mark_audited(actor, campaign_id) / close_campaign(actor, campaign_id)
    grant_role(actor, identity, role, node) / revoke_role(actor, identity, role, node)
    import_items(actor, items) -> list[ImportResult]            # see labelnr.storage.sync
    import_changes(actor, campaign_id, answers: [AnswerChange], verdicts: [VerdictChange], source) -> int

No lost update: answers, verdicts and commitments carry a revision. A save names the
revision its author read (``CampaignView.answer_revision(criterion)``, 0 for a criterion
never answered); if the row has moved on since, nothing is written and
:class:`ConflictError` says who changed it and when. Saves of different criteria never
conflict. Writers of one campaign take turns on its row (``SELECT ... FOR UPDATE`` on
PostgreSQL, the database write lock on SQLite), so the check and the write are atomic.

Status rules: drafts take every change; a submitted campaign only takes verdicts;
audited and closed campaigns take nothing (:class:`CampaignLocked`).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, TypeVar

import pandas as pd
from pydantic import ValidationError
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from labelnr.assessment import (
    Answer,
    Assessment,
    AuditorVerdict,
    Commitment,
    EvidenceRef,
    Party,
    Period,
    excluded_and_forced_na,
)
from labelnr.errors import InvalidFile, LabelnrError, Problem
from labelnr.loader import Catalog, load_catalog
from labelnr.migrate import MigrationReport, migrate_through, migration_path
from labelnr.permissions import ROOT, Action, Grant, Role
from labelnr.portfolio import CompiledReferential, score_portfolio, theme_column
from labelnr.referential import EvidenceType, Referential
from labelnr.scoring import score
from labelnr.storage import db as dbmod
from labelnr.storage import history as hist
from labelnr.storage import repository as repo
from labelnr.storage.errors import (
    AlreadyExists,
    CampaignLocked,
    ConflictError,
    InvalidInput,
    NotFound,
    UnknownReferential,
)
from labelnr.storage.evidence import (
    ALLOWED,
    EvidenceStore,
    check_upload,
    check_url,
    max_upload_bytes,
    sanitise_filename,
)
from labelnr.storage.history import HistoryEvent, Recorder, Target
from labelnr.storage.models import (
    ACTOR_LENGTH,
    AnswerRow,
    CampaignRow,
    CommitmentRow,
    EntityRow,
    EventRow,
    EvidenceRow,
    InheritedAnswerRow,
    OrganisationRow,
    RoleGrantRow,
    TargetRow,
    VerdictRow,
    utcnow,
)
from labelnr.storage.views import (
    CampaignInfo,
    CampaignScores,
    CampaignSnapshot,
    CampaignStatus,
    CampaignView,
    CommitmentItem,
    EntityInfo,
    EvidenceItem,
    ImportResult,
    IntegrityReport,
    OrganisationInfo,
    PortfolioPlans,
    PortfolioRow,
)
from labelnr.verification import verify

if TYPE_CHECKING:
    from labelnr.storage.scoped import ActorStore

#: The identity recorded for the demo data imported into an empty database.
DEMO_ACTOR = "labelnr-demo-import"

#: ``authorizer(actor, action, path)`` raises (a LabelnrError) to refuse; ``path`` runs from
#: the organisation down to the entity concerned (empty for store-wide actions).
Authorizer = Callable[[str, Action, Sequence[str]], None]

_DRAFT = frozenset({CampaignStatus.DRAFT})
_AUDITABLE = frozenset({CampaignStatus.DRAFT, CampaignStatus.SUBMITTED})


def allow_everything(actor: str, action: Action, path: Sequence[str]) -> None:
    """The embedded default: one local user who may do everything (no sign-in)."""
    del actor, action, path


def _actor(actor: str) -> str:
    who = actor.strip() if isinstance(actor, str) else ""
    if not who or len(who) > ACTOR_LENGTH:
        raise InvalidInput.of("identity_needed")
    return who


#: The rows one criterion of a campaign has (at most one each).
_Row = TypeVar("_Row", AnswerRow, VerdictRow)


@dataclass
class _Tx:
    """One write transaction: its session, its history recorder, the campaigns it touched."""

    session: Session
    rec: Recorder
    campaigns: dict[int, CampaignRow] = field(default_factory=dict)

    def revise(self, row: CampaignRow | AnswerRow | VerdictRow | CommitmentRow) -> None:
        """One more revision of the row, stamped with this transaction's time and actor."""
        row.revision += 1
        row.updated_at, row.updated_by = self.rec.at, self.rec.actor

    def put(
        self, model: type[_Row], row: _Row | None, campaign_id: int, criterion_id: str, values: dict[str, Any]
    ) -> _Row:
        """The row of a campaign's criterion holding ``values``: created at revision 1, or revised."""
        if row is None:
            row = model(
                campaign_id=campaign_id,
                criterion_id=criterion_id,
                revision=1,
                updated_at=self.rec.at,
                updated_by=self.rec.actor,
                **values,
            )
            self.session.add(row)
        else:
            for key, value in values.items():
                setattr(row, key, value)
            self.revise(row)
        return row


@dataclass(frozen=True)
class EvidenceFile:
    """A file named by an imported assessment, already checked (``data`` None: already stored)."""

    sha256: str
    size: int
    filename: str
    media_type: str
    data: bytes | None


@dataclass(frozen=True)
class AnswerChange:
    """One answer of a batch (:meth:`Store.import_changes`); ``answer`` None clears it."""

    criterion_id: str
    answer: Answer | None
    expected_revision: int


@dataclass(frozen=True)
class VerdictChange:
    """One verdict of a batch; ``verdict`` None clears it."""

    criterion_id: str
    verdict: AuditorVerdict | None
    expected_revision: int


@dataclass(frozen=True)
class ImportItem:
    """One validated assessment file to import, with its evidence files resolved."""

    source: str
    assessment: Assessment
    referential: Referential
    #: (criterion id, index in its evidence list) → the file.
    files: dict[tuple[str, int], EvidenceFile] = field(default_factory=dict)
    #: Evidence files the assessment names but that are not beside it: kept as "named" evidence.
    warnings: tuple[Problem, ...] = ()
    #: (criterion id, index) → line of evidence given only by the sha256 of a stored file
    #: (checked by :meth:`Store.import_items`; an entry not listed is checked all the same).
    by_hash: dict[tuple[str, int], int | None] = field(default_factory=dict)


class Store:
    """Assessments in a database, evidence on disk. Thread-safe; one per process is enough."""

    def __init__(
        self,
        url: str | None = None,
        data_dir: Path | None = None,
        catalog: Catalog | None = None,
        authorizer: Authorizer | None = None,
        max_evidence_bytes: int | None = None,
    ) -> None:
        self.data_dir = data_dir if data_dir is not None else dbmod.data_dir()
        self.db = dbmod.Database(url or dbmod.database_url(self.data_dir))
        self.catalog = catalog if catalog is not None else load_catalog()
        self.files = EvidenceStore(self.data_dir / "evidence", max_evidence_bytes or max_upload_bytes())
        self.authorizer: Authorizer = authorizer or allow_everything
        #: Problems of the demo files when they could not be imported (see :func:`open_store`).
        self.demo_problems: list[Problem] = []
        self._compiled: dict[str, CompiledReferential] = {}
        # The organisation dashboard's data, by organisation and data revision (a few entries:
        # any write gives a new revision). Read for the whole organisation; each reader's
        # ActorStore cuts it down to what they may read.
        self._plans: dict[tuple[Any, ...], PortfolioPlans] = {}
        self._plans_lock = threading.Lock()

    def as_actor(self, identity: str) -> ActorStore:
        """The store as ``identity`` reads and changes it (what the UI and the CLI use)."""
        from labelnr.storage.scoped import ActorStore

        return ActorStore(self, _actor(identity))

    def dispose(self) -> None:
        """Close the database connections (the store is unusable afterwards)."""
        self.db.dispose()

    def ensure_schema(self) -> bool:
        return dbmod.ensure_schema(self.db.engine)

    # --- the permission choke point ---------------------------------------------------------

    def _authorize(self, session: Session, actor: str, action: Action, node: str | None) -> None:
        """Every write passes here once, with the tree path of the node it touches."""
        # No node (or ROOT): a store-wide action, checked against roles held on ROOT only.
        self.authorizer(actor, action, self._path(session, node) if node and node != ROOT else [])

    def _path(self, session: Session, node: str) -> list[str]:
        entity = session.get(EntityRow, node)
        if entity is None:
            repo.get_organisation(session, node)
            return [node]
        chain = repo.lineage(session, node)
        return [entity.organisation_id, *(e.id for e in reversed(chain))]

    # --- transactions -----------------------------------------------------------------------

    @contextmanager
    def _tx(self, actor: str) -> Iterator[_Tx]:
        who = _actor(actor)
        with self.db.writing() as session:
            tx = _Tx(session, Recorder(session, who, utcnow()))
            yield tx
            for camp in tx.campaigns.values():
                if tx.rec.count:
                    tx.revise(camp)

    def _campaign(
        self, tx: _Tx, action: Action, campaign_id: int, allowed: frozenset[CampaignStatus], what: str
    ) -> tuple[CampaignRow, Target]:
        """Lock the campaign row for this transaction, check the right and the status."""
        row = tx.session.get(CampaignRow, campaign_id, with_for_update=True, populate_existing=True)
        if row is None:
            raise NotFound.of("no_campaign", campaign=campaign_id)
        entity = repo.get_entity(tx.session, row.entity_id)
        self._authorize(tx.session, tx.rec.actor, action, row.entity_id)
        if CampaignStatus(row.status) not in allowed:
            raise CampaignLocked(row.id, row.status, what)
        tx.campaigns[row.id] = row
        return row, Target(entity.organisation_id, entity.id, row.id)

    def referential(self, ref_id: str, version: str) -> Referential:
        ref = self.catalog.get(ref_id, version)
        if ref is None:
            raise UnknownReferential(ref_id, version, [r.key for r in self.catalog.referentials])
        return ref

    def _ref(self, camp: CampaignRow) -> Referential:
        return self.referential(camp.referential_id, camp.referential_version)

    # --- reading ----------------------------------------------------------------------------

    def organisations(self) -> list[OrganisationInfo]:
        with self.db.reading() as s:
            rows = s.scalars(select(OrganisationRow).order_by(OrganisationRow.name, OrganisationRow.id))
            return [repo.organisation_info(r) for r in rows]

    def organisation(self, organisation_id: str) -> OrganisationInfo:
        with self.db.reading() as s:
            return repo.organisation_info(repo.get_organisation(s, organisation_id))

    def entity_tree(self, organisation_id: str) -> list[EntityInfo]:
        """The organisation's entities depth-first (children by name), with depth and path."""
        with self.db.reading() as s:
            repo.get_organisation(s, organisation_id)
            return repo.tree(s.scalars(select(EntityRow).where(EntityRow.organisation_id == organisation_id)))

    def entity(self, entity_id: str) -> EntityInfo:
        with self.db.reading() as s:
            return repo.entity_info(repo.lineage(s, entity_id))

    def campaigns(self, entity_id: str) -> list[CampaignInfo]:
        """An entity's campaigns, by referential, then period order, then date."""
        with self.db.reading() as s:
            entity = repo.get_entity(s, entity_id)
            rows = s.scalars(select(CampaignRow).where(CampaignRow.entity_id == entity_id))
            return _sorted([repo.campaign_info(r, entity.organisation_id) for r in rows])

    def organisation_campaigns(self, organisation_id: str) -> list[CampaignInfo]:
        with self.db.reading() as s:
            repo.get_organisation(s, organisation_id)
            rows = s.scalars(
                select(CampaignRow)
                .join(EntityRow, EntityRow.id == CampaignRow.entity_id)
                .where(EntityRow.organisation_id == organisation_id)
            )
            return _sorted([repo.campaign_info(r, organisation_id) for r in rows])

    def campaign_info(self, campaign_id: int) -> CampaignInfo:
        with self.db.reading() as s:
            row = repo.get_campaign(s, campaign_id)
            return repo.campaign_info(row, repo.get_entity(s, row.entity_id).organisation_id)

    def campaign(self, campaign_id: int) -> CampaignView:
        with self.db.reading() as s:
            return repo.build_view(s, repo.get_campaign(s, campaign_id))

    def referential_of(self, campaign_id: int) -> Referential:
        info = self.campaign_info(campaign_id)
        return self.referential(info.referential_id, info.referential_version)

    def scores(self, campaign_id: int) -> CampaignScores:
        return self.scores_of(self.campaign(campaign_id))

    def scores_of(self, view: CampaignView) -> CampaignScores:
        """Self-assessed and verified scores of a campaign already read."""
        ref = self.referential(view.info.referential_id, view.info.referential_version)
        profile, said = view.assessment.profile, view.assessment.applicability
        verified = verify(ref, view.effective, {c: v.verdict for c, v in view.assessment.verdicts.items()})
        return CampaignScores(
            view.id,
            score(ref, view.effective, profile, said),
            score(ref, verified.answers, profile, said),
            tuple(verified.unverified),
            verified.lowered,
        )

    def history(self, campaign_id: int, criterion_id: str | None = None) -> list[HistoryEvent]:
        """Every change made to a campaign (or to one criterion of it), oldest first."""
        with self.db.reading() as s:
            repo.get_campaign(s, campaign_id)
            return hist.query(s, campaign_id=campaign_id, criterion_id=criterion_id)

    def events(
        self,
        *,
        organisation_id: str | None = None,
        entity_id: str | None = None,
        campaign_id: int | None = None,
        criterion_id: str | None = None,
        actor: str | None = None,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        limit: int | None = None,
    ) -> list[HistoryEvent]:
        with self.db.reading() as s:
            return hist.query(
                s,
                organisation_id=organisation_id,
                entity_id=entity_id,
                campaign_id=campaign_id,
                criterion_id=criterion_id,
                actor=actor,
                since=since,
                until=until,
                limit=limit,
            )

    def campaign_as_of(self, campaign_id: int, when: dt.datetime | dt.date) -> CampaignSnapshot:
        """The campaign's own content and status as they stood at ``when`` (a date: the end of
        that day, UTC), rebuilt from the history."""
        if not isinstance(when, dt.datetime):
            when = dt.datetime.combine(when, dt.time.max, tzinfo=dt.UTC)
        with self.db.reading() as s:
            row = repo.get_campaign(s, campaign_id)
            entity = repo.get_entity(s, row.entity_id)
            org = repo.get_organisation(s, entity.organisation_id)
            events = hist.query(s, campaign_id=campaign_id, until=when)
        if not events:
            raise NotFound.of("campaign_not_yet", campaign=campaign_id, when=when)
        state = hist.replay(events)
        status = CampaignStatus(state.status or CampaignStatus.DRAFT.value)
        return CampaignSnapshot(campaign_id, when, status, repo.replayed_assessment(state, org, entity))

    def evidence_item(self, evidence_id: int) -> EvidenceItem:
        with self.db.reading() as s:
            row = s.get(EvidenceRow, evidence_id)
            if row is None:
                raise NotFound.of("no_evidence", evidence=evidence_id)
            return repo.evidence_item(row)

    def evidence_path(self, actor: str, evidence_id: int) -> Path:
        """Where a file's bytes are (content-addressed: the path holds no user input)."""
        with self.db.reading() as s:
            row = s.get(EvidenceRow, evidence_id)
            if row is None:
                raise NotFound.of("no_evidence", evidence=evidence_id)
            self._authorize(s, _actor(actor), Action.READ, repo.get_campaign(s, row.campaign_id).entity_id)
            if row.kind == "link":
                raise InvalidInput.of("evidence_is_link", evidence=evidence_id, url=row.url)
            if row.kind != "file" or row.sha256 is None:
                raise InvalidInput.of("evidence_never_uploaded", evidence=evidence_id, filename=row.filename)
            return self.files.path(row.sha256)

    def grants(self, identity: str | None = None) -> list[Grant]:
        """Every role grant, or those of one identity (as stored: lower-case)."""
        with self.db.reading() as s:
            query = select(RoleGrantRow).order_by(RoleGrantRow.node, RoleGrantRow.identity, RoleGrantRow.role)
            if identity is not None:
                query = query.where(RoleGrantRow.identity == identity.strip().lower())
            return [Grant(r.identity, Role(r.role), r.node) for r in s.scalars(query)]

    # --- organisations, entities, campaigns -------------------------------------------------

    def create_organisation(self, actor: str, organisation_id: str, name: str) -> OrganisationInfo:
        party = _validated(Party, {"id": organisation_id, "name": name}, "organisation")
        with self._tx(actor) as tx:
            self._authorize(tx.session, tx.rec.actor, Action.MANAGE, None)
            if tx.session.get(OrganisationRow, party.id) is not None:
                raise AlreadyExists.of("organisation_exists", organisation=party.id)
            tx.session.add(OrganisationRow(id=party.id, name=party.name, created_at=tx.rec.at))
            tx.rec.change(Target(party.id), "organisation", "name", None, party.name)
            return OrganisationInfo(party.id, party.name)

    def create_entity(
        self, actor: str, organisation_id: str, entity_id: str, name: str, parent_id: str | None = None
    ) -> EntityInfo:
        party = _validated(Party, {"id": entity_id, "name": name}, "entity")
        with self._tx(actor) as tx:
            self._create_entity(tx, organisation_id, party, parent_id)
            tx.session.flush()
            return repo.entity_info(repo.lineage(tx.session, party.id))

    def _create_entity(self, tx: _Tx, organisation_id: str, party: Party, parent_id: str | None) -> EntityRow:
        s = tx.session
        repo.get_organisation(s, organisation_id)
        if parent_id is not None:
            parent = repo.get_entity(s, parent_id)
            if parent.organisation_id != organisation_id:
                raise InvalidInput.of("parent_elsewhere", parent=parent_id, organisation=organisation_id,
                                      parent_organisation=parent.organisation_id)
        self._authorize(s, tx.rec.actor, Action.MANAGE, parent_id or organisation_id)
        existing = s.get(EntityRow, party.id)
        if existing is not None:
            raise AlreadyExists.of("entity_exists", entity=party.id, organisation=existing.organisation_id)
        row = EntityRow(
            id=party.id,
            organisation_id=organisation_id,
            parent_id=parent_id,
            name=party.name,
            created_at=tx.rec.at,
        )
        s.add(row)
        target = Target(organisation_id, party.id)
        tx.rec.change(target, "entity", "name", None, party.name)
        tx.rec.change(target, "entity", "parent", None, parent_id)
        return row

    def rename(self, actor: str, node_id: str, name: str) -> None:
        """Rename an organisation or an entity (ids never change: files and history use them)."""
        party = _validated(Party, {"id": "x", "name": name}, "name")
        with self._tx(actor) as tx:
            self._authorize(tx.session, tx.rec.actor, Action.MANAGE, node_id)
            target = self._node_target(tx.session, node_id)
            row: EntityRow | OrganisationRow | None = tx.session.get(EntityRow, node_id)
            if row is None:
                row = repo.get_organisation(tx.session, node_id)
            action = "entity" if isinstance(row, EntityRow) else "organisation"
            tx.rec.change(target, action, "name", row.name, party.name)
            row.name = party.name

    def update_campaign(
        self, actor: str, campaign_id: int, date: dt.date | None = None, name: str | None = None
    ) -> CampaignInfo:
        """Change a draft campaign's date or display name (None leaves it; "" clears the name)."""
        with self._tx(actor) as tx:
            camp, target = self._campaign(tx, Action.MANAGE, campaign_id, _DRAFT, "its date and name")
            if date is not None:
                tx.rec.change(target, "campaign", "date", camp.date, date)
                camp.date = date
            if name is not None:
                clean = name.strip()[:200] or None
                tx.rec.change(target, "campaign", "name", camp.name, clean)
                camp.name = clean
            tx.session.flush()
            return repo.campaign_info(camp, target.organisation_id or "")

    def create_campaign(
        self,
        actor: str,
        entity_id: str,
        referential_id: str,
        referential_version: str,
        period: Period | str,
        date: dt.date,
        profile: str | None = None,
        name: str | None = None,
        applicability: dict[str, bool] | None = None,
    ) -> CampaignInfo:
        with self._tx(actor) as tx:
            row = self._create_campaign(
                tx,
                entity_id,
                referential_id,
                referential_version,
                _period(period),
                date,
                profile,
                name,
                applicability or {},
            )
            tx.session.flush()
            return repo.campaign_info(row, repo.get_entity(tx.session, entity_id).organisation_id)

    def _create_campaign(
        self,
        tx: _Tx,
        entity_id: str,
        referential_id: str,
        version: str,
        period: Period,
        date: dt.date,
        profile: str | None,
        name: str | None,
        applicability: dict[str, bool],
        copied_from: int | None = None,
    ) -> CampaignRow:
        s = tx.session
        entity = repo.get_entity(s, entity_id)
        self._authorize(s, tx.rec.actor, Action.MANAGE, entity_id)
        ref = self.referential(referential_id, version)
        if profile is not None and ref.profile(profile) is None:
            known = ", ".join(p.id for p in ref.profiles) or "none"
            raise InvalidInput.of("unknown_profile", profile=profile, ref=ref.key, known=known)
        questions = {q.id for q in ref.questions}
        for qid in applicability:
            if qid not in questions:
                raise InvalidInput.of("unknown_question", question=qid, ref=ref.key)
        clash = s.scalars(
            select(CampaignRow.id).where(
                CampaignRow.entity_id == entity_id,
                CampaignRow.referential_id == referential_id,
                CampaignRow.referential_version == version,
                CampaignRow.period == period.value,
            )
        ).first()
        if clash is not None:
            raise AlreadyExists.of("campaign_exists", entity=entity_id, period=period.value, ref=ref.key,
                                   campaign=clash)
        row = CampaignRow(
            entity_id=entity_id,
            referential_id=referential_id,
            referential_version=version,
            profile=profile,
            period=period.value,
            date=date,
            name=name,
            status="draft",
            applicability=dict(applicability),
            revision=0,
            copied_from_id=copied_from,
            created_at=tx.rec.at,
            created_by=tx.rec.actor,
            updated_at=tx.rec.at,
            updated_by=tx.rec.actor,
        )
        s.add(row)
        try:
            s.flush()
        except IntegrityError:
            raise AlreadyExists.of("campaign_exists_now", entity=entity_id, period=period.value,
                                   ref=ref.key) from None
        tx.campaigns[row.id] = row
        target = Target(entity.organisation_id, entity_id, row.id)
        tx.rec.fields(
            target,
            "campaign",
            {},
            {
                "referential": ref.key,
                "profile": profile,
                "period": period.value,
                "date": date,
                "name": name,
                "applicability": applicability or None,
                "copied_from": copied_from,
            },
        )
        return row

    def copy_campaign(
        self,
        actor: str,
        campaign_id: int,
        period: Period | str,
        date: dt.date | None = None,
        name: str | None = None,
    ) -> CampaignInfo:
        """A new draft for the next period, starting from a campaign's own answers, evidence,
        plan, targets and applicability (not its verdicts, which belong to its audit)."""
        with self._tx(actor) as tx:
            s = tx.session
            src = repo.get_campaign(s, campaign_id)
            self._authorize(s, tx.rec.actor, Action.READ, src.entity_id)
            new = self._create_campaign(
                tx,
                src.entity_id,
                src.referential_id,
                src.referential_version,
                _period(period),
                date or dt.datetime.now(dt.UTC).date(),
                src.profile,
                name,
                dict(src.applicability),
                copied_from=src.id,
            )
            target = Target(repo.get_entity(s, src.entity_id).organisation_id, src.entity_id, new.id)
            content = repo.build_view(s, src).assessment.model_copy(update={"verdicts": {}})
            self._replace_content(tx, target, new, content, {})
            s.flush()
            return repo.campaign_info(new, target.organisation_id or "")

    def migrate_campaign(
        self, actor: str, campaign_id: int, to_version: str
    ) -> tuple[CampaignInfo, list[MigrationReport]]:
        """A new draft on a newer referential version, carried over through the mappings.

        The campaign itself is left as it is (it stays pinned to its version); the new one
        has the same entity and period, and the reports list what a person must review.
        """
        with self._tx(actor) as tx:
            s = tx.session
            src = repo.get_campaign(s, campaign_id)
            self._authorize(s, tx.rec.actor, Action.READ, src.entity_id)
            old_ref, new_ref = self._ref(src), self.referential(src.referential_id, to_version)
            path = migration_path(self.catalog.versions(src.referential_id), old_ref, new_ref)
            migrated, reports = migrate_through(path, repo.build_view(s, src).assessment)
            new = self._create_campaign(
                tx,
                src.entity_id,
                new_ref.id,
                new_ref.version,
                Period(src.period),
                src.date,
                migrated.profile,
                src.name,
                dict(migrated.applicability),
                copied_from=src.id,
            )
            target = Target(repo.get_entity(s, src.entity_id).organisation_id, src.entity_id, new.id)
            self._replace_content(tx, target, new, migrated, {})
            tx.rec.change(target, "campaign", "migrated_from", None, old_ref.key)
            s.flush()
            return repo.campaign_info(new, target.organisation_id or ""), reports

    # --- answers ----------------------------------------------------------------------------

    def save_answer(
        self, actor: str, campaign_id: int, criterion_id: str, answer: Answer, expected_revision: int
    ) -> int:
        """Save one criterion's own answer; returns its new revision.

        ``answer.evidence`` is ignored: evidence has its own methods. Raises
        :class:`ConflictError` when the answer moved on since ``expected_revision``.
        """
        answer = _validated(Answer, answer.model_dump(), f"answer to {criterion_id}")
        with self._tx(actor) as tx:
            camp, target = self._campaign(tx, Action.ANSWER, campaign_id, _DRAFT, "its answers")
            ref = self._ref(camp)
            _check_answer(ref, camp, criterion_id, answer)
            _check_in_scope(ref, camp, criterion_id, answer)
            row = self._answer_row(tx.session, campaign_id, criterion_id)
            _expect(row, expected_revision, f"the answer to {criterion_id}", criterion_id, "answer")
            return self._put_answer(tx, target, campaign_id, criterion_id, row, answer)

    def clear_answer(self, actor: str, campaign_id: int, criterion_id: str, expected_revision: int) -> int:
        """Remove a criterion's own answer (an inherited one shows through again)."""
        with self._tx(actor) as tx:
            _, target = self._campaign(tx, Action.ANSWER, campaign_id, _DRAFT, "its answers")
            row = self._answer_row(tx.session, campaign_id, criterion_id)
            _expect(row, expected_revision, f"the answer to {criterion_id}", criterion_id, "answer")
            return self._put_answer(tx, target, campaign_id, criterion_id, row, None)

    @staticmethod
    def _answer_row(s: Session, campaign_id: int, criterion_id: str) -> AnswerRow | None:
        return s.scalars(
            select(AnswerRow).where(
                AnswerRow.campaign_id == campaign_id, AnswerRow.criterion_id == criterion_id
            )
        ).one_or_none()

    def _put_answer(
        self,
        tx: _Tx,
        target: Target,
        campaign_id: int,
        criterion_id: str,
        row: AnswerRow | None,
        answer: Answer | None,
    ) -> int:
        old = repo.history_fields(repo.row_answer(row) if row else None)
        new = repo.history_fields(answer)
        if old == new:
            return row.revision if row else 0
        row = tx.put(AnswerRow, row, campaign_id, criterion_id, repo.answer_fields(answer or Answer()))
        tx.rec.fields(target, "answer", old, new, criterion=criterion_id)
        return row.revision

    # --- verdicts ---------------------------------------------------------------------------

    def set_verdict(
        self,
        actor: str,
        campaign_id: int,
        criterion_id: str,
        verdict: AuditorVerdict | None,
        expected_revision: int,
    ) -> int:
        """Record (or clear, with None) the auditor's verdict; auditor and date default to the
        actor and today. Allowed on drafts and submitted campaigns."""
        with self._tx(actor) as tx:
            camp, target = self._campaign(tx, Action.VERDICT, campaign_id, _AUDITABLE, "its verdicts")
            change = VerdictChange(criterion_id, verdict, expected_revision)
            return self._set_verdict_in(tx, target, camp, self._ref(camp), change)[1]

    def _put_verdict(
        self,
        tx: _Tx,
        target: Target,
        campaign_id: int,
        criterion_id: str,
        row: VerdictRow | None,
        verdict: AuditorVerdict | None,
    ) -> int:
        old_v = repo.verdict_of(row) if row else None
        old = old_v.model_dump() if old_v else {}
        new = verdict.model_dump() if verdict else {}
        if hist.plain(old) == hist.plain(new):
            return row.revision if row else 0
        values = {
            "verdict": verdict.verdict.value if verdict else None,
            "comment": verdict.comment if verdict else None,
            "auditor": verdict.auditor if verdict else None,
            "date": verdict.date if verdict else None,
        }
        row = tx.put(VerdictRow, row, campaign_id, criterion_id, values)
        tx.rec.fields(target, "verdict", old, new, criterion=criterion_id)
        return row.revision

    def import_changes(
        self,
        actor: str,
        campaign_id: int,
        answers: Sequence[AnswerChange] = (),
        verdicts: Sequence[VerdictChange] = (),
        source: str | None = None,
    ) -> int:
        """Several answers and verdicts saved in one transaction, all or nothing (a workbook
        filled in offline). Each change carries the revision it was based on: the first one
        that moved on since raises :class:`ConflictError` (with its criterion) and nothing is
        saved. Answers need a draft; verdicts alone may go to a submitted campaign.
        Returns the number of rows changed."""
        answers = [
            replace(c, answer=_validated(Answer, c.answer.model_dump(), f"answer to {c.criterion_id}"))
            if c.answer is not None
            else c
            for c in answers
        ]
        action = Action.IMPORT_ANSWERS if answers else Action.IMPORT_VERDICTS
        allowed = _DRAFT if answers else _AUDITABLE
        with self._tx(actor) as tx:
            camp, target = self._campaign(
                tx, action, campaign_id, allowed, "its answers" if answers else "its verdicts"
            )
            if answers and verdicts:
                self._authorize(tx.session, tx.rec.actor, Action.IMPORT_VERDICTS, camp.entity_id)
            ref = self._ref(camp)
            changed = 0
            for change in answers:
                cid = change.criterion_id
                if change.answer is not None:
                    _check_answer(ref, camp, cid, change.answer)
                row = self._answer_row(tx.session, campaign_id, cid)
                _expect(row, change.expected_revision, f"the answer to {cid}", cid, "answer")
                before = row.revision if row else 0
                changed += self._put_answer(tx, target, campaign_id, cid, row, change.answer) != before
            for vchange in verdicts:
                before, after = self._set_verdict_in(tx, target, camp, ref, vchange)
                changed += after != before
            if source is not None and tx.rec.count:
                tx.rec.change(target, "import", "file", None, source)
            return changed

    def _set_verdict_in(
        self, tx: _Tx, target: Target, camp: CampaignRow, ref: Referential, change: VerdictChange
    ) -> tuple[int, int]:
        """Check and save one verdict; (revision before, revision after)."""
        cid, verdict = change.criterion_id, change.verdict
        if cid not in ref.criteria_by_id:
            raise InvalidInput.of("criterion_not_in_ref", criterion=cid, ref=ref.key)
        if verdict is not None:
            verdict = _validated(
                AuditorVerdict,
                {
                    **verdict.model_dump(),
                    "auditor": verdict.auditor or tx.rec.actor[:200],
                    "date": verdict.date or tx.rec.at.date(),
                },
                f"verdict on {cid}",
            )
        row = tx.session.scalars(
            select(VerdictRow).where(VerdictRow.campaign_id == camp.id, VerdictRow.criterion_id == cid)
        ).one_or_none()
        _expect(row, change.expected_revision, f"the verdict on {cid}", cid, "verdict")
        before = row.revision if row else 0
        return before, self._put_verdict(tx, target, camp.id, cid, row, verdict)

    # --- evidence ---------------------------------------------------------------------------

    def add_evidence_file(
        self,
        actor: str,
        campaign_id: int,
        criterion_id: str,
        filename: str,
        data: bytes,
        type: EvidenceType | str,
        effective_date: dt.date | None = None,
        title: str | None = None,
    ) -> EvidenceItem:
        """Store an uploaded file as evidence (checked, content-addressed, then recorded)."""
        safe, media_type = check_upload(filename, data, self.files.max_bytes)
        kind = _evidence_type(type)
        # Refuse early, before any byte reaches the disk, when the write would be refused anyway.
        with self.db.reading() as s:
            camp = repo.get_campaign(s, campaign_id)
            self._authorize(s, _actor(actor), Action.EVIDENCE, camp.entity_id)
            if camp.status != CampaignStatus.DRAFT.value:
                raise CampaignLocked(campaign_id, camp.status, "its evidence")
        digest = self.files.put(data)  # durable on disk before the row that names it commits
        with self._tx(actor) as tx:
            camp, target = self._campaign(tx, Action.EVIDENCE, campaign_id, _DRAFT, "its evidence")
            _check_criterion(self._ref(camp), camp, criterion_id)
            row = self._add_evidence(
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
        self,
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
        with self._tx(actor) as tx:
            camp, target = self._campaign(tx, Action.EVIDENCE, campaign_id, _DRAFT, "its evidence")
            _check_criterion(self._ref(camp), camp, criterion_id)
            row = self._add_evidence(
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

    def _add_evidence(self, tx: _Tx, target: Target, row: EvidenceRow) -> EvidenceRow:
        row.added_at, row.added_by = tx.rec.at, tx.rec.actor
        tx.session.add(row)
        tx.session.flush()
        tx.rec.change(target, "evidence", "added", None, _evidence_record(row), row.criterion_id, row.id)
        return row

    def remove_evidence(self, actor: str, evidence_id: int) -> None:
        """Take evidence off a draft's criterion (the file stays until swept if unused; history keeps it)."""
        with self._tx(actor) as tx:
            row = tx.session.get(EvidenceRow, evidence_id)
            if row is None:
                raise NotFound.of("no_evidence", evidence=evidence_id)
            _, target = self._campaign(tx, Action.EVIDENCE, row.campaign_id, _DRAFT, "its evidence")
            self._remove_evidence(tx, target, row)

    def _remove_evidence(self, tx: _Tx, target: Target, row: EvidenceRow) -> None:
        tx.rec.change(target, "evidence", "removed", _evidence_record(row), None, row.criterion_id, row.id)
        tx.session.delete(row)

    # --- the three-year plan -----------------------------------------------------------------

    def add_commitment(self, actor: str, campaign_id: int, commitment: Commitment) -> CommitmentItem:
        commitment = _validated(Commitment, commitment.model_dump(), "commitment")
        with self._tx(actor) as tx:
            camp, target = self._campaign(tx, Action.COMMITMENT, campaign_id, _DRAFT, "its commitments")
            _check_commitment(self._ref(camp), commitment)
            last = tx.session.scalar(
                select(func.max(CommitmentRow.position)).where(CommitmentRow.campaign_id == campaign_id)
            )
            row = self._add_commitment(tx, target, campaign_id, (last or 0) + 1, commitment)
            return _commitment_item(row)

    def _add_commitment(
        self, tx: _Tx, target: Target, campaign_id: int, position: int, commitment: Commitment
    ) -> CommitmentRow:
        data = commitment.model_dump(mode="json", exclude_none=True)
        row = CommitmentRow(
            campaign_id=campaign_id,
            position=position,
            data=data,
            revision=1,
            updated_at=tx.rec.at,
            updated_by=tx.rec.actor,
        )
        tx.session.add(row)
        tx.session.flush()
        tx.rec.change(target, "commitment", "commitment", None, data, commitment.criterion, row.id)
        return row

    def update_commitment(
        self, actor: str, commitment_id: int, commitment: Commitment, expected_revision: int
    ) -> CommitmentItem:
        commitment = _validated(Commitment, commitment.model_dump(), "commitment")
        with self._tx(actor) as tx:
            row = self._commitment_row(tx.session, commitment_id)
            camp, target = self._campaign(tx, Action.COMMITMENT, row.campaign_id, _DRAFT, "its commitments")
            _check_commitment(self._ref(camp), commitment)
            _expect(
                row,
                expected_revision,
                f"commitment '{row.data.get('title')}'",
                row.data.get("criterion"),
                "commitment",
            )
            self._update_commitment(tx, target, row, commitment)
            return _commitment_item(row)

    def _update_commitment(self, tx: _Tx, target: Target, row: CommitmentRow, commitment: Commitment) -> None:
        data = commitment.model_dump(mode="json", exclude_none=True)
        if data == row.data:
            return
        tx.rec.fields(target, "commitment", row.data, data, commitment.criterion, row.id)
        row.data = data
        tx.revise(row)

    def remove_commitment(self, actor: str, commitment_id: int, expected_revision: int) -> None:
        with self._tx(actor) as tx:
            row = self._commitment_row(tx.session, commitment_id)
            _, target = self._campaign(tx, Action.COMMITMENT, row.campaign_id, _DRAFT, "its commitments")
            _expect(
                row,
                expected_revision,
                f"commitment '{row.data.get('title')}'",
                row.data.get("criterion"),
                "commitment",
            )
            tx.rec.change(
                target, "commitment", "commitment", row.data, None, row.data.get("criterion"), row.id
            )
            tx.session.delete(row)

    @staticmethod
    def _commitment_row(s: Session, commitment_id: int) -> CommitmentRow:
        row = s.get(CommitmentRow, commitment_id)
        if row is None:
            raise NotFound.of("no_commitment", commitment=commitment_id)
        return row

    def set_target(
        self, actor: str, campaign_id: int, criterion_id: str, year: int, level: str | None
    ) -> None:
        """The level planned for a criterion in year 1, 2 or 3 (None removes it)."""
        if year not in (1, 2, 3):
            raise InvalidInput.of("target_year", year=year)
        with self._tx(actor) as tx:
            camp, target = self._campaign(tx, Action.COMMITMENT, campaign_id, _DRAFT, "its targets")
            ref = self._ref(camp)
            _check_criterion(ref, camp, criterion_id)
            if level is not None and level not in ref.scale.ids:
                raise InvalidInput.of("not_in_scale", level=level, scale=list(ref.scale.ids))
            row = tx.session.get(TargetRow, (campaign_id, criterion_id, year))
            self._put_target(tx, target, campaign_id, criterion_id, year, level, row)

    def _put_target(
        self,
        tx: _Tx,
        target: Target,
        campaign_id: int,
        criterion_id: str,
        year: int,
        level: str | None,
        row: TargetRow | None,
    ) -> None:
        old = row.level if row else None
        if old == level:
            return
        if row is None:
            tx.session.add(
                TargetRow(campaign_id=campaign_id, criterion_id=criterion_id, year=year, level=level)
            )
        elif level is None:
            tx.session.delete(row)
        else:
            row.level = level
        tx.rec.change(target, "target", f"year{year}", old, level, criterion_id)

    def set_applicability(self, actor: str, campaign_id: int, question_id: str, answer: bool | None) -> None:
        """Answer an applicability question (None: unanswered, which counts as yes)."""
        with self._tx(actor) as tx:
            camp, target = self._campaign(tx, Action.ANSWER, campaign_id, _DRAFT, "its applicability answers")
            ref = self._ref(camp)
            if question_id not in {q.id for q in ref.questions}:
                raise InvalidInput.of("unknown_question", question=question_id, ref=ref.key)
            self._put_applicability(tx, target, camp, {**camp.applicability, question_id: answer})

    def _put_applicability(self, tx: _Tx, target: Target, camp: CampaignRow, wanted: dict[str, Any]) -> None:
        new = {k: v for k, v in sorted(wanted.items()) if v is not None}
        old = dict(camp.applicability)
        for qid in sorted(set(old) | set(new)):
            tx.rec.change(target, "campaign", f"applicability.{qid}", old.get(qid), new.get(qid))
        camp.applicability = new

    # --- status -------------------------------------------------------------------------------

    def submit(self, actor: str, campaign_id: int) -> CampaignInfo:
        """draft → submitted: the self-assessment becomes a dated snapshot (inherited answers frozen in)."""
        with self._tx(actor) as tx:
            camp, target = self._campaign(tx, Action.SUBMIT, campaign_id, _DRAFT, "its status")
            self._freeze_inherited(tx, camp)
            self._set_status(tx, target, camp, CampaignStatus.SUBMITTED)
            camp.submitted_at = tx.rec.at
            return repo.campaign_info(camp, target.organisation_id or "")

    def mark_audited(self, actor: str, campaign_id: int) -> CampaignInfo:
        """submitted → audited: the verdicts are final too."""
        with self._tx(actor) as tx:
            camp, target = self._campaign(
                tx, Action.VERDICT, campaign_id, frozenset({CampaignStatus.SUBMITTED}), "its status"
            )
            self._set_status(tx, target, camp, CampaignStatus.AUDITED)
            camp.audited_at = tx.rec.at
            return repo.campaign_info(camp, target.organisation_id or "")

    def close_campaign(self, actor: str, campaign_id: int) -> CampaignInfo:
        """submitted or audited → closed (archived)."""
        with self._tx(actor) as tx:
            camp, target = self._campaign(
                tx,
                Action.MANAGE,
                campaign_id,
                frozenset({CampaignStatus.SUBMITTED, CampaignStatus.AUDITED}),
                "its status",
            )
            self._set_status(tx, target, camp, CampaignStatus.CLOSED)
            camp.closed_at = tx.rec.at
            return repo.campaign_info(camp, target.organisation_id or "")

    @staticmethod
    def _set_status(tx: _Tx, target: Target, camp: CampaignRow, status: CampaignStatus) -> None:
        tx.rec.change(target, "status", "status", camp.status, status.value)
        camp.status = status.value

    def _freeze_inherited(self, tx: _Tx, camp: CampaignRow) -> None:
        """Copy the live inherited answers and evidence into the campaign being submitted."""
        chain = repo.campaign_chain(tx.session, camp)
        own = chain[0]
        for cid in repo.criteria_of(chain):
            resolved = repo.resolve(chain, cid)
            for ev in resolved.evidence:
                if ev.campaign_id == camp.id:
                    continue
                tx.session.add(
                    EvidenceRow(
                        campaign_id=camp.id,
                        criterion_id=cid,
                        kind=ev.kind,
                        type=ev.type,
                        title=ev.title,
                        url=ev.url,
                        sha256=ev.sha256,
                        size=ev.size,
                        filename=ev.filename,
                        media_type=ev.media_type,
                        reference=ev.reference,
                        effective_date=ev.effective_date,
                        inherited_from_id=ev.inherited_from_id or ev.campaign_id,
                        added_at=tx.rec.at,
                        added_by=tx.rec.actor,
                    )
                )
            if resolved.source is own or resolved.answer is None:
                continue
            if resolved.source is not None and isinstance(resolved.answer, AnswerRow):
                answer = repo.row_answer(resolved.answer).model_dump(
                    mode="json", exclude_none=True, exclude={"evidence"}
                )
                source = (resolved.source.row.id, resolved.source.entity.id)
            else:
                assert resolved.frozen_source is not None
                assert isinstance(resolved.answer, dict)
                answer, source = resolved.answer, resolved.frozen_source
            tx.session.add(
                InheritedAnswerRow(
                    campaign_id=camp.id,
                    criterion_id=cid,
                    source_campaign_id=source[0],
                    source_entity_id=source[1],
                    answer=answer,
                )
            )

    # --- role grants (used by labelnr.permissions) -------------------------------------------

    def grant_role(self, actor: str, identity: str, role: Role | str, node: str) -> None:
        who, role_ = _identity(identity), Role(role)
        with self._tx(actor) as tx:
            self._authorize(tx.session, tx.rec.actor, Action.MANAGE, node)
            target = self._node_target(tx.session, node)
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

    def revoke_role(self, actor: str, identity: str, role: Role | str, node: str) -> None:
        who, role_ = _identity(identity), Role(role)
        with self._tx(actor) as tx:
            self._authorize(tx.session, tx.rec.actor, Action.MANAGE, node)
            target = self._node_target(tx.session, node)
            for row in tx.session.scalars(
                select(RoleGrantRow).where(
                    RoleGrantRow.identity == who, RoleGrantRow.role == role_.value, RoleGrantRow.node == node
                )
            ):
                tx.session.delete(row)
                tx.rec.change(target, "grant", f"{role_.value}:{who}", node, None)

    @staticmethod
    def _node_target(s: Session, node: str) -> Target:
        if node == ROOT:
            return Target(None)
        entity = s.get(EntityRow, node)
        if entity is not None:
            return Target(entity.organisation_id, entity.id)
        return Target(repo.get_organisation(s, node).id)

    # --- import (files are read and checked by labelnr.storage.sync) -------------------------

    def import_items(
        self, actor: str, items: Sequence[ImportItem], only_into_empty: bool = False
    ) -> list[ImportResult]:
        """Import validated assessments in one transaction: all of them or none.

        An existing draft campaign (same entity, referential version and period) is updated
        to match the file; a submitted one is refused. With ``only_into_empty``, nothing
        happens when the database already holds an organisation (demo import).
        """
        for item in items:
            for ev_file in item.files.values():
                if ev_file.data is not None:
                    self.files.put(ev_file.data)
        results: list[ImportResult] = []
        with self._tx(actor) as tx:
            self.db.lock_exclusively(tx.session)
            if only_into_empty and tx.session.scalar(select(func.count()).select_from(OrganisationRow)):
                return []
            items = self._check_hash_only(tx, items)
            for item in _parents_first(items):
                results.append(self._import_one(tx, item))
        return results

    def _import_one(self, tx: _Tx, item: ImportItem) -> ImportResult:
        s, a = tx.session, item.assessment
        before = tx.rec.count
        org = s.get(OrganisationRow, a.organisation.id)
        if org is None:
            self._authorize(s, tx.rec.actor, Action.MANAGE, None)
            s.add(OrganisationRow(id=a.organisation.id, name=a.organisation.name, created_at=tx.rec.at))
            s.flush()
            tx.rec.change(Target(a.organisation.id), "organisation", "name", None, a.organisation.name)
        elif org.name != a.organisation.name:
            self._authorize(s, tx.rec.actor, Action.MANAGE, org.id)
            tx.rec.change(Target(org.id), "organisation", "name", org.name, a.organisation.name)
            org.name = a.organisation.name
        entity = s.get(EntityRow, a.entity.id)
        if entity is None:
            entity = self._create_entity(
                tx, a.organisation.id, Party(id=a.entity.id, name=a.entity.name), a.entity.parent
            )
            s.flush()
        else:
            _same_place(item.source, entity, a)
            if entity.name != a.entity.name:
                self._authorize(s, tx.rec.actor, Action.MANAGE, entity.id)
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
            camp = self._create_campaign(
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
            camp, target = self._campaign(tx, Action.IMPORT_ANSWERS, camp.id, _DRAFT, "its content (import)")
            self._authorize(s, tx.rec.actor, Action.IMPORT_VERDICTS, a.entity.id)
            for name, old, new in (
                ("date", camp.date, a.campaign.date),
                ("name", camp.name, a.campaign.name),
                ("profile", camp.profile, a.profile),
            ):
                tx.rec.change(target, "campaign", name, old, new)
            camp.date, camp.name, camp.profile = a.campaign.date, a.campaign.name, a.profile
            self._put_applicability(tx, target, camp, dict(a.applicability))
        self._replace_content(tx, target, camp, a, item.files)
        tx.rec.change(target, "import", "file", None, item.source)
        s.flush()
        return ImportResult(
            item.source, camp.id, created, tx.rec.count - before - 1, tuple(str(w) for w in item.warnings)
        )

    def _check_hash_only(self, tx: _Tx, items: Sequence[ImportItem]) -> list[ImportItem]:
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
                    stored = None if ref.url or (cid, index) in resolved else self.stored_file(ref)
                    if stored is None:
                        continue
                    sha = stored.sha256
                    if sha not in readable:
                        readable[sha] = sha in brought or self._may_read_blob(tx, sha)
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

    def _may_read_blob(self, tx: _Tx, sha256: str) -> bool:
        """Whether the actor may read some campaign holding ``sha256`` as a file (not merely named)."""
        entities = tx.session.scalars(
            select(CampaignRow.entity_id)
            .join(EvidenceRow, EvidenceRow.campaign_id == CampaignRow.id)
            .where(EvidenceRow.sha256 == sha256, EvidenceRow.kind == "file")
            .distinct()
        )
        for entity_id in entities:
            try:
                self._authorize(tx.session, tx.rec.actor, Action.READ, entity_id)
            except LabelnrError:
                continue
            return True
        return False

    def _replace_content(
        self,
        tx: _Tx,
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
            self._put_answer(tx, target, camp.id, cid, answers.get(cid), wanted)
        self._replace_evidence(tx, target, camp, a, files)
        verdicts = {
            r.criterion_id: r for r in s.scalars(select(VerdictRow).where(VerdictRow.campaign_id == camp.id))
        }
        for cid in sorted(set(verdicts) | set(a.verdicts)):
            self._put_verdict(tx, target, camp.id, cid, verdicts.get(cid), a.verdicts.get(cid))
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
                self._update_commitment(tx, target, existing[position - 1], commitment)
            else:
                self._add_commitment(tx, target, camp.id, position, commitment)
        for row in existing[len(a.commitments) :]:
            tx.rec.change(
                target, "commitment", "commitment", row.data, None, row.data.get("criterion"), row.id
            )
            s.delete(row)
        current = {
            (t.criterion_id, t.year): t
            for t in s.scalars(select(TargetRow).where(TargetRow.campaign_id == camp.id))
        }
        wanted_targets = {
            (cid, year): level for cid, years in a.targets.items() for year, level in years.items()
        }
        for cid, year in sorted(set(current) | set(wanted_targets)):
            self._put_target(
                tx, target, camp.id, cid, year, wanted_targets.get((cid, year)), current.get((cid, year))
            )

    def _replace_evidence(
        self,
        tx: _Tx,
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
                _evidence_key(
                    row.criterion_id, row.kind, row.type, row.title, row.url, row.sha256, row.effective_date
                )
            ].append(row)
        for cid, answer in sorted(a.answers.items()):
            for index, ref in enumerate(answer.evidence):
                stored = None if ref.url else files.get((cid, index)) or self.stored_file(ref)
                by_hash = stored is not None and (cid, index) not in files
                if by_hash and stored is not None and not self._may_read_blob(tx, stored.sha256):
                    stored = None  # a hash the actor cannot read stays a name (copies, migrations)
                kind = "link" if ref.url else "file" if stored else "named"
                key = _evidence_key(
                    cid, kind, ref.type.value, ref.title, ref.url, ref.sha256, ref.effective_date
                )
                if existing.get(key):
                    existing[key].pop(0)
                    continue
                self._add_evidence(tx, target, _evidence_row(camp.id, cid, kind, ref, stored))
        for rows in existing.values():
            for row in rows:
                self._remove_evidence(tx, target, row)

    def stored_file(self, ref: EvidenceRef) -> EvidenceFile | None:
        """The evidence store's copy of a file reference (by its sha256), if it holds one."""
        if ref.file is None or ref.sha256 is None or not self.files.has(ref.sha256):
            return None
        name = sanitise_filename(PurePosixPath(ref.file).name)
        kind = ALLOWED.get(PurePosixPath(name).suffix.lower())
        size = self.files.path(ref.sha256).stat().st_size
        return EvidenceFile(
            ref.sha256, size, name, kind.media_type if kind else "application/octet-stream", None
        )

    # --- dashboards ---------------------------------------------------------------------------

    def portfolio(self, organisation_id: str) -> list[PortfolioRow]:
        """Every campaign of an organisation with its self-assessed score (inheritance applied).

        Reads the answers of the whole organisation in a few queries and scores each
        referential version at once with :func:`labelnr.portfolio.score_portfolio`.
        """
        with self.db.reading() as s:
            repo.get_organisation(s, organisation_id)
            data = repo.load_portfolio(s, organisation_id)
        return self._portfolio_rows(data, repo.effective_levels(data))

    def portfolio_plans(self, organisation_id: str) -> PortfolioPlans:
        """:meth:`portfolio` with every campaign's effective answers, targets and commitments:
        what the organisation dashboard needs, in a few queries for any number of entities
        (kept while the organisation's :meth:`data_revision` stays the same)."""
        key = self.data_revision(organisation_id)
        with self._plans_lock:
            cached = self._plans.get(key)
        if cached is not None:
            return cached
        plans = self._read_plans(organisation_id)
        with self._plans_lock:
            if len(self._plans) >= 8:
                self._plans.pop(next(iter(self._plans)))
            self._plans[key] = plans
        return plans

    def _read_plans(self, organisation_id: str) -> PortfolioPlans:
        with self.db.reading() as s:
            repo.get_organisation(s, organisation_id)
            data = repo.load_portfolio(s, organisation_id)
            mine = (
                select(CampaignRow.id)
                .join(EntityRow, EntityRow.id == CampaignRow.entity_id)
                .where(EntityRow.organisation_id == organisation_id)
            )
            targets: dict[int, dict[str, dict[int, str]]] = defaultdict(lambda: defaultdict(dict))
            # Plain column queries: no ORM objects for thousands of rows.
            columns = (TargetRow.campaign_id, TargetRow.criterion_id, TargetRow.year, TargetRow.level)
            for campaign_id, criterion, year, level in s.execute(
                select(*columns).where(TargetRow.campaign_id.in_(mine))
            ):
                targets[campaign_id][criterion][year] = level
            commitments: dict[int, list[Commitment]] = defaultdict(list)
            query = select(CommitmentRow.campaign_id, CommitmentRow.data)
            query = query.where(CommitmentRow.campaign_id.in_(mine))
            order = (CommitmentRow.campaign_id, CommitmentRow.position, CommitmentRow.id)
            for campaign_id, commitment in s.execute(query.order_by(*order)):
                commitments[campaign_id].append(Commitment.model_validate(commitment))
        effective = repo.effective_levels(data)
        return PortfolioPlans(
            rows=self._portfolio_rows(data, effective),
            effective={cid: answers for cid, (answers, _) in effective.items()},
            applicability=data.applicability,
            targets={cid: {k: dict(sorted(v.items())) for k, v in t.items()} for cid, t in targets.items()},
            commitments=dict(commitments),
        )

    def data_revision(self, organisation_id: str) -> tuple[Any, ...]:
        """Changes whenever anything a dashboard shows of the organisation changes: every write
        revises its campaign (see ``_tx``); entities are counted and their names hashed (the key
        is for this process's caches only: ``hash`` of text differs between processes)."""
        with self.db.reading() as s:
            campaigns = s.execute(
                select(func.count(), func.sum(CampaignRow.revision), func.max(CampaignRow.updated_at))
                .join(EntityRow, EntityRow.id == CampaignRow.entity_id)
                .where(EntityRow.organisation_id == organisation_id)
            ).one()
            names = s.execute(
                select(EntityRow.id, EntityRow.name, EntityRow.parent_id)
                .where(EntityRow.organisation_id == organisation_id)
                .order_by(EntityRow.id)
            ).all()
        return (organisation_id, *campaigns, hash(tuple(tuple(n) for n in names)))

    def _portfolio_rows(
        self, data: repo.PortfolioData, effective: dict[int, tuple[dict[str, repo.LevelNa], int]]
    ) -> list[PortfolioRow]:
        entities = {e.id: e for e in data.entities}
        by_ref: dict[tuple[str, str], list[CampaignInfo]] = defaultdict(list)
        for info in data.campaigns:
            by_ref[(info.referential_id, info.referential_version)].append(info)
        rows: list[PortfolioRow] = []
        for (ref_id, version), group in sorted(by_ref.items()):
            comp = self._compiled_ref(self.referential(ref_id, version))
            table = score_portfolio(comp, *_portfolio_frames(group, effective, data.applicability))
            keys = zip(
                table.index.get_level_values(0).tolist(),
                table.index.get_level_values(1).tolist(),
                strict=True,
            )
            position = {key: i for i, key in enumerate(keys)}
            columns = {name: table[name].to_numpy() for name in table.columns}
            for info in group:
                i = position[(info.entity_id, info.id)]
                rows.append(
                    PortfolioRow(
                        campaign=info,
                        entity=entities[info.entity_id],
                        points=float(columns["points"][i]),
                        max_points=float(columns["max_points"][i]),
                        percent=_number(columns["percent"][i]),
                        level=int(columns["level"][i]),
                        answered=int(columns["answered"][i]),
                        applicable=int(columns["applicable"][i]),
                        themes={t: _number(columns[theme_column(t)][i]) for t in comp.theme_ids},
                        inherited=effective[info.id][1],
                    )
                )
        order = {e: i for i, e in enumerate(entities)}
        rows.sort(key=lambda r: (order[r.entity.id], r.campaign.referential_key, r.campaign.period.index))
        return rows

    def _compiled_ref(self, ref: Referential) -> CompiledReferential:
        comp = self._compiled.get(ref.key)
        if comp is None or comp.ref is not ref:
            comp = self._compiled[ref.key] = CompiledReferential.of(ref)
        return comp

    # --- upkeep -------------------------------------------------------------------------------

    def check_integrity(self) -> IntegrityReport:
        """Database consistency and every evidence file present with its recorded SHA-256."""
        problems: list[str] = []
        with self.db.reading() as s:
            if self.db.backend == "sqlite":
                verdict = [r[0] for r in s.execute(text("PRAGMA integrity_check"))]
                if verdict != ["ok"]:
                    problems.extend(f"database: {v}" for v in verdict)
                problems.extend(
                    f"database: broken reference in {r[0]} row {r[1]}"
                    for r in s.execute(text("PRAGMA foreign_key_check"))
                )
            blobs = s.execute(
                select(EvidenceRow.id, EvidenceRow.sha256, EvidenceRow.size).where(EvidenceRow.kind == "file")
            ).all()
        checked: dict[str, str | None] = {}
        for evidence_id, sha, size in blobs:
            if sha is None:
                problems.append(f"evidence {evidence_id}: a file without SHA-256")
                continue
            if sha not in checked:
                checked[sha] = self.files.verify(sha, size)
            if checked[sha]:
                problems.append(f"evidence {evidence_id}: {checked[sha]}")
        return IntegrityReport(tuple(problems), len(checked))

    def sweep_evidence(self, grace: dt.timedelta = dt.timedelta(hours=1)) -> list[Path]:
        """Remove what crashes leave behind: temporary files, and blobs that neither an evidence
        row nor the history names (removed evidence stays, for the campaign as it stood)."""
        with self.db.reading() as s:
            used = {sha for sha in s.scalars(select(EvidenceRow.sha256)) if sha}
            for old, new in s.execute(
                select(EventRow.old, EventRow.new).where(EventRow.action == "evidence")
            ):
                used.update(r["sha256"] for r in (old, new) if isinstance(r, dict) and r.get("sha256"))
        return self.files.sweep(used, grace)

    def import_demo(self) -> list[ImportResult]:
        """Fill an empty database with the demo assessments (``<data folder>/*.yaml``).

        Idempotent and all-or-nothing: nothing happens when an organisation exists, and a
        broken demo file leaves the database empty (its problems in ``demo_problems``).
        """
        from labelnr.storage.sync import assessment_files, read_items

        paths = assessment_files([self.data_dir]) if self.data_dir.is_dir() else []
        if not paths or self.organisations():
            return []
        try:
            items = read_items(paths, self.catalog, self.files)
            return self.import_items(DEMO_ACTOR, items, only_into_empty=True)
        except LabelnrError as exc:
            self.demo_problems = list(getattr(exc, "problems", [])) or [
                Problem(str(self.data_dir), None, str(exc))
            ]
            return []


def open_store(
    url: str | None = None,
    data_dir: Path | None = None,
    catalog: Catalog | None = None,
    authorizer: Authorizer | None = None,
    import_demo: bool = True,
) -> Store:
    """The store of this process: schema created or upgraded, demo data in an empty database."""
    store = Store(url, data_dir, catalog, authorizer)
    store.ensure_schema()
    if import_demo:
        store.import_demo()
    return store


# --- helpers ----------------------------------------------------------------------------------


def _sorted(infos: list[CampaignInfo]) -> list[CampaignInfo]:
    return sorted(
        infos, key=lambda c: (c.referential_id, c.referential_version, c.period.index, c.date, c.id)
    )


def _validated(model: Any, data: dict[str, Any], what: str) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        details = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'value'}: {e['msg']}" for e in exc.errors()
        )
        raise InvalidInput.of("invalid_value", what=what, details=details) from None


def _period(value: Period | str) -> Period:
    try:
        return Period(value)
    except ValueError:
        raise InvalidInput.of("not_a_period", value=value, known=[p.value for p in Period]) from None


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


def _identity(value: str) -> str:
    who = value.strip().lower()
    if not who or len(who) > ACTOR_LENGTH:
        raise InvalidInput.of("identity_length")
    return who


def _expect(
    row: AnswerRow | VerdictRow | CommitmentRow | None,
    expected: int,
    what: str,
    criterion_id: str | None = None,
    kind: str | None = None,
) -> None:
    current = row.revision if row is not None else 0
    if current != expected:
        raise ConflictError(
            what,
            row.updated_by if row else None,
            row.updated_at if row else None,
            current,
            expected,
            criterion_id,
            kind,
        )


def _check_criterion(ref: Referential, camp: CampaignRow, criterion_id: str) -> None:
    if criterion_id not in ref.criteria_by_id:
        raise InvalidInput.of("criterion_not_in_ref", criterion=criterion_id, ref=ref.key)
    if camp.profile is not None and criterion_id not in {c.id for c in ref.criteria_for(camp.profile)}:
        raise InvalidInput.of("criterion_not_in_profile", criterion=criterion_id, profile=camp.profile,
                              ref=ref.key)


def _check_answer(ref: Referential, camp: CampaignRow, criterion_id: str, answer: Answer) -> None:
    _check_criterion(ref, camp, criterion_id)
    if answer.level is not None and answer.level not in ref.scale.ids:
        raise InvalidInput.of("answer_not_in_scale", criterion=criterion_id, level=answer.level,
                              scale=list(ref.scale.ids))
    if answer.not_applicable is not None:
        if not ref.criteria_by_id[criterion_id].not_applicable.allowed:
            raise InvalidInput.of("na_not_allowed", criterion=criterion_id)
        if not answer.not_applicable.justification.strip():
            raise InvalidInput.of("na_needs_justification", criterion=criterion_id)


def _check_in_scope(ref: Referential, camp: CampaignRow, criterion_id: str, answer: Answer) -> None:
    """A level or N/A saved on a criterion the campaign's profile or applicability answers leave
    out (or make N/A by rule) would count for nothing: refuse it rather than save it silently.
    Comments and owners may still be noted there, and imports only warn (see the loader)."""
    if answer.level is None and answer.not_applicable is None:
        return
    excluded, forced = excluded_and_forced_na(ref, camp.profile, dict(camp.applicability or {}))
    if criterion_id in excluded or criterion_id in forced:
        raise InvalidInput.of("answer_out_of_scope", criterion=criterion_id)


def _check_commitment(ref: Referential, commitment: Commitment) -> None:
    if commitment.criterion is not None and commitment.criterion not in ref.criteria_by_id:
        raise InvalidInput.of("commitment_criterion", title=commitment.title, criterion=commitment.criterion,
                              ref=ref.key)
    if commitment.theme is not None and commitment.theme not in ref.themes_by_id:
        raise InvalidInput.of("commitment_theme", title=commitment.title, theme=commitment.theme, ref=ref.key)
    if commitment.target_level is not None and commitment.target_level not in ref.scale.ids:
        raise InvalidInput.of("commitment_level", title=commitment.title, level=commitment.target_level,
                              scale=list(ref.scale.ids))


def _commitment_item(row: CommitmentRow) -> CommitmentItem:
    return CommitmentItem(
        row.id,
        row.position,
        row.revision,
        Commitment.model_validate(row.data),
        row.updated_at,
        row.updated_by,
    )


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


def _evidence_key(
    cid: str,
    kind: str,
    type_: str,
    title: str,
    url: str | None,
    sha256: str | None,
    effective_date: dt.date | None,
) -> tuple[Any, ...]:
    return (cid, kind, type_, title, url, sha256, effective_date)


def _evidence_row(
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


def _same_place(source: str, entity: EntityRow, a: Assessment) -> None:
    if entity.organisation_id != a.organisation.id:
        raise InvalidInput.of("sync_other_organisation", source=source, entity=entity.id,
                              organisation=entity.organisation_id, file_organisation=a.organisation.id)
    if entity.parent_id != a.entity.parent:
        raise InvalidInput.of("sync_other_parent", source=source, entity=entity.id, parent=entity.parent_id,
                              file_parent=a.entity.parent)


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


def _number(value: Any) -> float | None:
    number = float(value)
    return None if number != number else number  # NaN: no applicable criterion (in the theme)


def _portfolio_frames(
    group: Sequence[CampaignInfo],
    effective: dict[int, tuple[dict[str, tuple[str | None, bool]], int]],
    applicability: dict[int, dict[str, bool]],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The answers and profiles tables of :func:`score_portfolio`, built column by column."""
    entity: list[str] = []
    campaign: list[int] = []
    criterion: list[str] = []
    level: list[str | None] = []
    not_applicable: list[bool] = []
    for info in group:
        answers = effective[info.id][0]
        entity.extend([info.entity_id] * len(answers))
        campaign.extend([info.id] * len(answers))
        criterion.extend(answers)
        for lv, na in answers.values():
            level.append(lv)
            not_applicable.append(na)
    answers_frame = pd.DataFrame(
        {
            "entity": entity,
            "campaign": campaign,
            "criterion": criterion,
            "level": level,
            "not_applicable": not_applicable,
        }
    )
    contexts = pd.DataFrame(
        {
            "entity": [c.entity_id for c in group],
            "campaign": [c.id for c in group],
            "profile": [c.profile for c in group],
            "applicability": [applicability.get(c.id, {}) for c in group],
        }
    )
    return answers_frame, contexts
