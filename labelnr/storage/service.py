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
    services(entity_id) -> list[EntityInfo]                     # the digital services under it
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
    events_matching(HistoryFilter(...)) -> list[HistoryEvent]     # the same, with one filter object
    evidence_item(evidence_id) -> EvidenceItem
    evidence_path(actor, evidence_id) -> Path                   # the stored blob, never a user path
    grants() -> list[Grant]
    check_integrity() -> IntegrityReport

Writing (each takes the ``actor`` identity first and is checked by :meth:`Store._authorize`)::

    create_organisation(actor, organisation_id, name) -> OrganisationInfo
    create_entity(actor, organisation_id, entity_id, name, parent_id=None) -> EntityInfo
    create_service(actor, entity_id, service_id, name, kind) -> EntityInfo  # website / app / api
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
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from labelnr.assessment import Answer, AuditorVerdict, Commitment, EntityKind, EvidenceRef, Period
from labelnr.loader import Catalog
from labelnr.migrate import MigrationReport
from labelnr.permissions import Grant, Role
from labelnr.referential import EvidenceType, Referential
from labelnr.storage import (
    _answers,
    _campaigns,
    _evidence_ops,
    _grants,
    _importing,
    _plan,
    _reporting,
    _tree,
    _upkeep,
)
from labelnr.storage import db as dbmod
from labelnr.storage._answers import AnswerChange, VerdictChange
from labelnr.storage._evidence_ops import EvidenceFile
from labelnr.storage._importing import DEMO_ACTOR
from labelnr.storage._reading import ImportItem
from labelnr.storage._unit import Authorizer, StoreCore, allow_everything, checked_actor
from labelnr.storage.history import HistoryEvent, HistoryFilter
from labelnr.storage.models import utcnow
from labelnr.storage.views import (
    CampaignInfo,
    CampaignScores,
    CampaignSnapshot,
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

if TYPE_CHECKING:
    from types import TracebackType

    from labelnr.storage.scoped import ActorStore

__all__ = [
    "DEMO_ACTOR",
    "AnswerChange",
    "Authorizer",
    "EvidenceFile",
    "HistoryFilter",
    "ImportItem",
    "Store",
    "VerdictChange",
    "allow_everything",
    "open_store",
]


class Store(StoreCore):
    """Assessments in a database, evidence on disk. Thread-safe; one per process is enough.

    A thin facade: each method hands over to the module of its aggregate, all sharing the
    unit of work (:class:`~labelnr.storage._unit.Tx`, the permission choke point, the
    campaign lock) of ``_unit``: ``_tree`` (organisations, entities), ``_campaigns`` (and
    their status changes), ``_answers`` (answers and verdicts), ``_evidence_ops``, ``_plan``
    (commitments, targets), ``_grants``, ``_reporting`` (history, portfolio), ``_upkeep``
    (integrity, sweep), ``_content`` (a campaign's content replaced at once) and
    ``_importing`` (files read by ``_reading``). A context manager:
    ``with open_store(...) as store:`` disposes of it at the end.
    """

    def as_actor(self, identity: str) -> ActorStore:
        """The store as ``identity`` reads and changes it (what the UI and the CLI use)."""
        from labelnr.storage.scoped import ActorStore

        return ActorStore(self, checked_actor(identity))

    def dispose(self) -> None:
        """Close the database connections (the store is unusable afterwards)."""
        self.db.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.dispose()

    def ensure_schema(self) -> bool:
        return dbmod.ensure_schema(self.db.engine)

    def _now(self) -> dt.datetime:
        return utcnow()  # looked up here at each call: tests freeze the clock by patching it

    def organisations(self) -> list[OrganisationInfo]:
        return _tree.organisations(self)

    def organisation(self, organisation_id: str) -> OrganisationInfo:
        return _tree.organisation(self, organisation_id)

    def entity_tree(self, organisation_id: str) -> list[EntityInfo]:
        """The organisation's entities depth-first (children by name), with depth and path."""
        return _tree.entity_tree(self, organisation_id)

    def entity(self, entity_id: str) -> EntityInfo:
        return _tree.entity(self, entity_id)

    def services(self, entity_id: str) -> list[EntityInfo]:
        """The digital services directly under an entity, by name."""
        return _tree.services(self, entity_id)

    def campaigns(self, entity_id: str) -> list[CampaignInfo]:
        """An entity's campaigns, by referential, then period order, then date."""
        return _campaigns.campaigns(self, entity_id)

    def organisation_campaigns(self, organisation_id: str) -> list[CampaignInfo]:
        return _campaigns.organisation_campaigns(self, organisation_id)

    def campaign_info(self, campaign_id: int) -> CampaignInfo:
        return _campaigns.campaign_info(self, campaign_id)

    def campaign(self, campaign_id: int) -> CampaignView:
        return _campaigns.campaign(self, campaign_id)

    def referential_of(self, campaign_id: int) -> Referential:
        return _campaigns.referential_of(self, campaign_id)

    def scores(self, campaign_id: int) -> CampaignScores:
        return _campaigns.scores(self, campaign_id)

    def scores_of(self, view: CampaignView) -> CampaignScores:
        """Self-assessed and verified scores of a campaign already read."""
        return _campaigns.scores_of(self, view)

    def history(self, campaign_id: int, criterion_id: str | None = None) -> list[HistoryEvent]:
        """Every change made to a campaign (or to one criterion of it), oldest first."""
        return _reporting.history(self, campaign_id, criterion_id)

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
        """Events matching every given filter, oldest first (see :meth:`events_matching`)."""
        where = HistoryFilter(
            organisation_id, entity_id, campaign_id, criterion_id, actor, since, until, limit
        )
        return self.events_matching(where)

    def events_matching(self, where: HistoryFilter) -> list[HistoryEvent]:
        """Events matching ``where``, oldest first (the newest ``where.limit`` when given)."""
        return _reporting.events(self, where)

    def campaign_as_of(self, campaign_id: int, when: dt.datetime | dt.date) -> CampaignSnapshot:
        """The campaign's own content and status as they stood at ``when`` (a date: the end of
        that day, UTC), rebuilt from the history."""
        return _reporting.campaign_as_of(self, campaign_id, when)

    def evidence_item(self, evidence_id: int) -> EvidenceItem:
        return _evidence_ops.evidence_item(self, evidence_id)

    def evidence_path(self, actor: str, evidence_id: int) -> Path:
        """Where a file's bytes are (content-addressed: the path holds no user input)."""
        return _evidence_ops.evidence_path(self, actor, evidence_id)

    def grants(self, identity: str | None = None) -> list[Grant]:
        """Every role grant, or those of one identity (as stored: lower-case)."""
        return _grants.grants(self, identity)

    def create_organisation(self, actor: str, organisation_id: str, name: str) -> OrganisationInfo:
        return _tree.create_organisation(self, actor, organisation_id, name)

    def create_entity(
        self, actor: str, organisation_id: str, entity_id: str, name: str, parent_id: str | None = None
    ) -> EntityInfo:
        return _tree.create_entity(self, actor, organisation_id, entity_id, name, parent_id)

    def create_service(
        self, actor: str, entity_id: str, service_id: str, name: str, kind: EntityKind | str
    ) -> EntityInfo:
        """A digital service (website, app, API) under the entity that runs it: a leaf of the
        tree, so its campaigns have everything an entity's have and its roles come from above."""
        return _tree.create_service(self, actor, entity_id, service_id, name, kind)

    def rename(self, actor: str, node_id: str, name: str) -> None:
        """Rename an organisation or an entity (ids never change: files and history use them)."""
        _tree.rename(self, actor, node_id, name)

    def update_campaign(
        self, actor: str, campaign_id: int, date: dt.date | None = None, name: str | None = None
    ) -> CampaignInfo:
        """Change a draft campaign's date or display name (None leaves it; "" clears the name)."""
        return _campaigns.update_campaign(self, actor, campaign_id, date, name)

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
        return _campaigns.create_campaign(
            self,
            actor,
            entity_id,
            referential_id,
            referential_version,
            period,
            date,
            profile,
            name,
            applicability,
        )

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
        return _campaigns.copy_campaign(self, actor, campaign_id, period, date, name)

    def migrate_campaign(
        self, actor: str, campaign_id: int, to_version: str
    ) -> tuple[CampaignInfo, list[MigrationReport]]:
        """A new draft on a newer referential version, carried over through the mappings.

        The campaign itself is left as it is (it stays pinned to its version); the new one
        has the same entity and period, and the reports list what a person must review.
        """
        return _campaigns.migrate_campaign(self, actor, campaign_id, to_version)

    def save_answer(
        self, actor: str, campaign_id: int, criterion_id: str, answer: Answer, expected_revision: int
    ) -> int:
        """Save one criterion's own answer; returns its new revision.

        ``answer.evidence`` is ignored: evidence has its own methods. Raises
        :class:`ConflictError` when the answer moved on since ``expected_revision``.
        """
        return _answers.save_answer(self, actor, campaign_id, criterion_id, answer, expected_revision)

    def clear_answer(self, actor: str, campaign_id: int, criterion_id: str, expected_revision: int) -> int:
        """Remove a criterion's own answer (an inherited one shows through again)."""
        return _answers.clear_answer(self, actor, campaign_id, criterion_id, expected_revision)

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
        return _answers.set_verdict(self, actor, campaign_id, criterion_id, verdict, expected_revision)

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
        return _answers.import_changes(self, actor, campaign_id, answers, verdicts, source)

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
        return _evidence_ops.add_evidence_file(
            self,
            actor,
            campaign_id,
            criterion_id,
            filename,
            data,
            type,
            effective_date,
            title,
        )

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
        return _evidence_ops.add_evidence_link(
            self,
            actor,
            campaign_id,
            criterion_id,
            url,
            title,
            type,
            effective_date,
        )

    def remove_evidence(self, actor: str, evidence_id: int) -> None:
        """Take evidence off a draft's criterion (the file stays until swept if unused; history keeps it)."""
        _evidence_ops.remove_evidence(self, actor, evidence_id)

    def add_commitment(self, actor: str, campaign_id: int, commitment: Commitment) -> CommitmentItem:
        return _plan.add_commitment(self, actor, campaign_id, commitment)

    def update_commitment(
        self, actor: str, commitment_id: int, commitment: Commitment, expected_revision: int
    ) -> CommitmentItem:
        return _plan.update_commitment(self, actor, commitment_id, commitment, expected_revision)

    def remove_commitment(self, actor: str, commitment_id: int, expected_revision: int) -> None:
        _plan.remove_commitment(self, actor, commitment_id, expected_revision)

    def set_target(
        self, actor: str, campaign_id: int, criterion_id: str, year: int, level: str | None
    ) -> None:
        """The level planned for a criterion in year 1, 2 or 3 (None removes it)."""
        _plan.set_target(self, actor, campaign_id, criterion_id, year, level)

    def set_applicability(self, actor: str, campaign_id: int, question_id: str, answer: bool | None) -> None:
        """Answer an applicability question (None: unanswered, which counts as yes)."""
        _campaigns.set_applicability(self, actor, campaign_id, question_id, answer)

    def submit(self, actor: str, campaign_id: int) -> CampaignInfo:
        """draft → submitted: the self-assessment becomes a dated snapshot (inherited answers frozen in)."""
        return _campaigns.submit(self, actor, campaign_id)

    def mark_audited(self, actor: str, campaign_id: int) -> CampaignInfo:
        """submitted → audited: the verdicts are final too."""
        return _campaigns.mark_audited(self, actor, campaign_id)

    def close_campaign(self, actor: str, campaign_id: int) -> CampaignInfo:
        """submitted or audited → closed (archived)."""
        return _campaigns.close_campaign(self, actor, campaign_id)

    def grant_role(self, actor: str, identity: str, role: Role | str, node: str) -> None:
        _grants.grant_role(self, actor, identity, role, node)

    def revoke_role(self, actor: str, identity: str, role: Role | str, node: str) -> None:
        _grants.revoke_role(self, actor, identity, role, node)

    def import_items(
        self, actor: str, items: Sequence[ImportItem], only_into_empty: bool = False
    ) -> list[ImportResult]:
        """Import validated assessments in one transaction: all of them or none.

        An existing draft campaign (same entity, referential version and period) is updated
        to match the file; a submitted one is refused. With ``only_into_empty``, nothing
        happens when the database already holds an organisation (demo import).
        """
        return _importing.import_items(self, actor, items, only_into_empty)

    def stored_file(self, ref: EvidenceRef) -> EvidenceFile | None:
        """The evidence store's copy of a file reference (by its sha256), if it holds one."""
        return _evidence_ops.stored_file(self, ref)

    def portfolio(self, organisation_id: str) -> list[PortfolioRow]:
        """Every campaign of an organisation with its self-assessed score (inheritance applied).

        Reads the answers of the whole organisation in a few queries and scores each
        referential version at once with :func:`labelnr.portfolio.score_portfolio`.
        """
        return _reporting.portfolio(self, organisation_id)

    def portfolio_plans(self, organisation_id: str) -> PortfolioPlans:
        """:meth:`portfolio` with every campaign's effective answers, targets and commitments:
        what the organisation dashboard needs, in a few queries for any number of entities
        (kept while the organisation's :meth:`data_revision` stays the same)."""
        return _reporting.portfolio_plans(self, organisation_id)

    def data_revision(self, organisation_id: str) -> tuple[Any, ...]:
        """Changes whenever anything a dashboard shows of the organisation changes: every write
        revises its campaign (see ``_tx``); entities are counted and their names hashed (the key
        is for this process's caches only: ``hash`` of text differs between processes)."""
        return _reporting.data_revision(self, organisation_id)

    def check_integrity(self) -> IntegrityReport:
        """Database consistency and every evidence file present with its recorded SHA-256."""
        return _upkeep.check_integrity(self)

    def sweep_evidence(self, grace: dt.timedelta = dt.timedelta(hours=1)) -> list[Path]:
        """Remove what crashes leave behind: temporary files, and blobs that neither an evidence
        row nor the history names (removed evidence stays, for the campaign as it stood)."""
        return _upkeep.sweep_evidence(self, grace)

    def import_demo(self) -> list[ImportResult]:
        """Fill an empty database with the demo assessments (``<data folder>/*.yaml``).

        Idempotent and all-or-nothing: nothing happens when an organisation exists, and a
        broken demo file leaves the database empty (its problems in ``demo_problems``).
        """
        return _importing.import_demo(self)


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
