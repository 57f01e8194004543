"""The store as one identity sees it: :meth:`Store.as_actor` returns an :class:`ActorStore`.

The UI and the CLI use only this view. Every read and every write goes through the
store's authorizer for the view's identity; writes take no actor argument (the view's
identity makes them and the history records it).

What an identity may read (``READ`` is in every role of :data:`labelnr.permissions.POLICY`):

- **Readable node**: an organisation or entity on which the identity holds a role, or one
  below such a node (roles are inherited down the tree); :data:`~labelnr.permissions.ROOT`
  makes everything readable. The campaigns of a readable entity — their answers, scores,
  evidence (files too), commitments, history, past states (``campaign_as_of``) and
  portfolio rows — are readable.
- **Visible node**: a readable node, or a node on the path down to one (its organisation
  and the entities above it). Of a visible node one sees only its id, name and place in the
  tree (``organisations``, ``organisation``, ``entity``, ``entity_tree``), never its
  campaigns, scores or history.
- A readable campaign carries what it inherits: the answers and evidence its entity
  inherits from an ancestor's campaign show in it, with that ancestor's name, as they count
  in its score. The ancestor's campaign itself is not readable.
- Everything else (siblings, other organisations) is **invisible**.

Refusals: what names an invisible node (an entity, organisation, campaign, evidence or
commitment id) raises :class:`~labelnr.storage.errors.NotFound` with the message of an id
that does not exist, so nobody learns what exists outside their part of the tree. What
names a visible node the identity may not read (or change) raises
:class:`~labelnr.permissions.PermissionDenied`. Lists (organisations, entity tree,
campaigns of an organisation, portfolio, events, grants) leave out what may not be read.
Role grants listed are the identity's own and those on nodes it administers (``MANAGE``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from labelnr.assessment import Answer, AuditorVerdict, Commitment, EntityKind, Period
from labelnr.auth import GrantAuthorizer
from labelnr.errors import Problem
from labelnr.loader import Catalog
from labelnr.migrate import MigrationReport
from labelnr.permissions import ROOT, Action, Grant, Role
from labelnr.referential import EvidenceType, Referential
from labelnr.storage._visibility import ActorRights, VisibleTree
from labelnr.storage.errors import AlreadyExists, NotFound
from labelnr.storage.history import HistoryEvent, HistoryFilter
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

    from labelnr.storage.service import AnswerChange, ImportItem, Store, VerdictChange

class ActorStore(ActorRights):
    """The store seen and changed by ``identity`` (see the module docstring for the rules)."""

    # --- what needs no right ----------------------------------------------------------------------

    @property
    def catalog(self) -> Catalog:
        return self._store.catalog

    @property
    def data_dir(self) -> Path:
        return self._store.data_dir

    @property
    def demo_problems(self) -> list[Problem]:
        """Why the demo files could not be imported, if they could not (shown to everyone)."""
        return self._store.demo_problems

    def referential(self, ref_id: str, version: str) -> Referential:
        return self._store.referential(ref_id, version)

    def scores_of(self, view: CampaignView) -> CampaignScores:
        """Scores of a campaign already read through this view."""
        return self._store.scores_of(view)

    def dispose(self) -> None:
        self._store.dispose()

    def __enter__(self) -> ActorStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.dispose()

    # --- reading ------------------------------------------------------------------------------------

    def organisations(self) -> list[OrganisationInfo]:
        may = self._rights()
        everything = self._store.organisations()
        if may(Action.READ, []):
            return everything
        candidates = self._granted_organisations()
        return [
            o
            for o in everything
            if (candidates is None or o.id in candidates)
            and (may(Action.READ, [o.id]) or self._tree(o.id, may).organisation_visible)
        ]

    def _granted_organisations(self) -> set[str] | None:
        """The organisations holding the identity's grants (None: the authorizer does not say)."""
        auth = self._store.authorizer
        if not isinstance(auth, GrantAuthorizer):
            return None
        found: set[str] = set()
        for grant in auth.grants_of(self.identity):
            try:
                found.add(self._node_path(grant.node)[0])
            except (NotFound, IndexError):  # a node removed since, or ROOT (handled before)
                continue
        return found

    def organisation(self, organisation_id: str) -> OrganisationInfo:
        self._visible_organisation(organisation_id)
        return self._store.organisation(organisation_id)

    def entity_tree(self, organisation_id: str) -> list[EntityInfo]:
        """The visible entities: readable ones and the entities above them (names only)."""
        tree = self._visible_organisation(organisation_id)
        return [e for e in tree.entities if e.id in tree.visible]

    def readable_entities(self, organisation_id: str) -> list[EntityInfo]:
        """The entities whose campaigns the identity may read, in tree order."""
        tree = self._visible_organisation(organisation_id)
        return [e for e in tree.entities if e.id in tree.readable]

    def entity(self, entity_id: str) -> EntityInfo:
        entity = self._store.entity(entity_id)
        if not self._visible(entity):
            raise NotFound.of("no_entity", entity=entity_id)
        return entity

    def services(self, entity_id: str) -> list[EntityInfo]:
        """The digital services under a visible entity (they inherit its readers)."""
        self.entity(entity_id)
        return [e for e in self._store.services(entity_id) if self._visible(e)]

    def campaigns(self, entity_id: str) -> list[CampaignInfo]:
        self._readable_entity(entity_id)
        return self._store.campaigns(entity_id)

    def organisation_campaigns(self, organisation_id: str) -> list[CampaignInfo]:
        tree = self._visible_organisation(organisation_id)
        return [
            c for c in self._store.organisation_campaigns(organisation_id) if c.entity_id in tree.readable
        ]

    def campaign_info(self, campaign_id: int) -> CampaignInfo:
        return self._readable_campaign(campaign_id)

    def campaign(self, campaign_id: int) -> CampaignView:
        # The view (cached by revision: the common case on a rerun) tells where the campaign
        # is; the right to read is checked on that place before the view is handed out.
        view = self._store.campaign(campaign_id)
        self._require(Action.READ, view.entity, NotFound.of("no_campaign", campaign=campaign_id))
        return view

    def referential_of(self, campaign_id: int) -> Referential:
        info = self._readable_campaign(campaign_id)
        return self._store.referential(info.referential_id, info.referential_version)

    def scores(self, campaign_id: int) -> CampaignScores:
        return self.scores_of(self.campaign(campaign_id))

    def history(self, campaign_id: int, criterion_id: str | None = None) -> list[HistoryEvent]:
        self._readable_campaign(campaign_id)
        return self._store.history(campaign_id, criterion_id)

    def campaign_as_of(self, campaign_id: int, when: dt.datetime | dt.date) -> CampaignSnapshot:
        self._readable_campaign(campaign_id)
        return self._store.campaign_as_of(campaign_id, when)

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
        """The events the identity may read: those of readable entities and their campaigns,
        and those of an organisation itself (its name, its grants) when the organisation is
        readable; installation-wide events only for a reader of the whole installation."""
        may = self._rights()
        everything = may(Action.READ, [])
        where = HistoryFilter(
            organisation_id, entity_id, campaign_id, criterion_id, actor, since, until, limit
        )
        found = self._store.events_matching(where if everything else replace(where, limit=None))
        if everything:
            return found
        trees: dict[str, VisibleTree] = {}

        def readable(event: HistoryEvent) -> bool:
            if event.organisation_id is None:
                return False
            if event.entity_id is None:
                return may(Action.READ, [event.organisation_id])
            if event.organisation_id not in trees:
                trees[event.organisation_id] = self._tree(event.organisation_id, may)
            return event.entity_id in trees[event.organisation_id].readable

        kept = [e for e in found if readable(e)]
        if limit is not None:  # the newest ``limit`` the identity may read, as the store gives
            kept = kept[max(len(kept) - limit, 0) :] if limit > 0 else []
        return kept

    def evidence_item(self, evidence_id: int) -> EvidenceItem:
        return self._readable_evidence(evidence_id)

    def evidence_path(self, evidence_id: int) -> Path:
        """Where a readable evidence file's bytes are (the download of an evidence file)."""
        self._readable_evidence(evidence_id)
        return self._store.evidence_path(self.identity, evidence_id)

    def grants(self, identity: str | None = None) -> list[Grant]:
        """The identity's own grants, and those on nodes it administers (``MANAGE``)."""
        may = self._rights()
        paths: dict[str, list[str]] = {ROOT: []}
        for org in self._store.organisations():
            paths[org.id] = [org.id]
            for e in self._store.entity_tree(org.id):
                paths[e.id] = [org.id, *e.path]
        me = self.identity.strip().lower()
        return [
            g
            for g in self._store.grants(identity)
            if g.identity == me or (g.node in paths and may(Action.MANAGE, paths[g.node]))
        ]

    def portfolio(self, organisation_id: str) -> list[PortfolioRow]:
        """The organisation's campaigns scored, readable entities only (dashboards, peers)."""
        rows = self._store.portfolio(organisation_id)
        may = self._rights()
        kept = [r for r in rows if may(Action.READ, [organisation_id, *r.entity.path])]
        if not kept:
            self._visible_organisation(organisation_id)  # NotFound for an invisible organisation
        return kept

    def portfolio_plans(self, organisation_id: str) -> PortfolioPlans:
        """:meth:`portfolio` with the readable campaigns' answers, targets and commitments."""
        plans = self._store.portfolio_plans(organisation_id)
        may = self._rights()
        rows = [r for r in plans.rows if may(Action.READ, [organisation_id, *r.entity.path])]
        if not rows:
            self._visible_organisation(organisation_id)
        keep = {r.campaign.id for r in rows}

        def mine(values: dict[int, Any]) -> dict[int, Any]:
            return {cid: v for cid, v in values.items() if cid in keep}

        return PortfolioPlans(rows=rows, effective=mine(plans.effective),
                              applicability=mine(plans.applicability), targets=mine(plans.targets),
                              commitments=mine(plans.commitments))

    def data_revision(self, organisation_id: str) -> tuple[Any, ...]:
        """Changes whenever anything of the organisation changes (a key for caches of what it shows)."""
        self._visible_organisation(organisation_id)
        return self._store.data_revision(organisation_id)

    @property
    def database_url(self) -> str:
        return self._store.db.url

    # --- upkeep (the whole installation) ---------------------------------------------------------

    def check_integrity(self) -> IntegrityReport:
        self._store.authorizer(self.identity, Action.MANAGE, [])
        return self._store.check_integrity()

    def sweep_evidence(self, grace: dt.timedelta = dt.timedelta(hours=1)) -> list[Path]:
        self._store.authorizer(self.identity, Action.MANAGE, [])
        return self._store.sweep_evidence(grace)

    # --- exports and imports (each checks its own right: export, import) ---------------------------

    def exporting(self, campaign_id: int, *, readable: bool = True) -> Store:
        """The store an exporter of an upper layer (the Excel workbook) works on for one campaign.

        Refused (NotFound, as a missing id) unless the identity may read the campaign, or with
        ``readable=False`` at least see it (an import names it). The exporter checks its own
        right (``EXPORT``, ``IMPORT``) for :attr:`identity`: the store it gets is not scoped.
        """
        if readable:
            self._readable_campaign(campaign_id)
        else:
            self._visible_campaign(campaign_id)
        return self._store

    def export_yaml(self, campaign_id: int) -> str:
        from labelnr.storage.sync import export_campaign

        self._readable_campaign(campaign_id)
        return export_campaign(self._store, campaign_id, self.identity)

    def export_all(self, folder: Path, with_files: bool = True) -> list[Path]:
        """Every campaign the identity may export, one YAML file each."""
        from labelnr.storage.sync import export_all

        may = self._rights()
        exportable: dict[str, bool] = {}

        def mine(info: CampaignInfo) -> bool:
            if info.entity_id not in exportable:
                exportable[info.entity_id] = may(Action.EXPORT, self._node_path(info.entity_id))
            return exportable[info.entity_id]

        return export_all(self._store, folder, with_files, self.identity, only=mine)

    def import_paths(self, paths: list[Path]) -> list[ImportResult]:
        from labelnr.storage.sync import import_paths

        return import_paths(self._store, self.identity, paths)

    # --- writing (the view's identity is the actor) -------------------------------------------------

    def create_organisation(self, organisation_id: str, name: str) -> OrganisationInfo:
        return self._store.create_organisation(self.identity, organisation_id, name)

    def create_entity(
        self, organisation_id: str, entity_id: str, name: str, parent_id: str | None = None
    ) -> EntityInfo:
        self._visible_node(parent_id or organisation_id)
        return self._store.create_entity(self.identity, organisation_id, entity_id, name, parent_id)

    def create_service(
        self, entity_id: str, service_id: str, name: str, kind: EntityKind | str
    ) -> EntityInfo:
        self.entity(entity_id)
        try:
            return self._store.create_service(self.identity, entity_id, service_id, name, kind)
        except AlreadyExists:
            # Referents create services: the id may be taken where they cannot see. Say only that.
            taken = self._store.entity(service_id)
            if self._visible(taken):
                raise
            raise AlreadyExists.of("id_taken", id=service_id) from None

    def rename(self, node_id: str, name: str) -> None:
        self._visible_node(node_id)
        self._store.rename(self.identity, node_id, name)

    def update_campaign(
        self, campaign_id: int, date: dt.date | None = None, name: str | None = None
    ) -> CampaignInfo:
        self._visible_campaign(campaign_id)
        return self._store.update_campaign(self.identity, campaign_id, date, name)

    def create_campaign(
        self,
        entity_id: str,
        referential_id: str,
        referential_version: str,
        period: Period | str,
        date: dt.date,
        profile: str | None = None,
        name: str | None = None,
        applicability: dict[str, bool] | None = None,
    ) -> CampaignInfo:
        self._visible_node(entity_id)
        return self._store.create_campaign(
            self.identity,
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
        self, campaign_id: int, period: Period | str, date: dt.date | None = None, name: str | None = None
    ) -> CampaignInfo:
        self._visible_campaign(campaign_id)
        return self._store.copy_campaign(self.identity, campaign_id, period, date, name)

    def migrate_campaign(
        self, campaign_id: int, to_version: str
    ) -> tuple[CampaignInfo, list[MigrationReport]]:
        self._visible_campaign(campaign_id)
        return self._store.migrate_campaign(self.identity, campaign_id, to_version)

    def save_answer(self, campaign_id: int, criterion_id: str, answer: Answer, expected_revision: int) -> int:
        with self._refused_as_missing(campaign_id):
            return self._store.save_answer(
                self.identity, campaign_id, criterion_id, answer, expected_revision
            )

    def clear_answer(self, campaign_id: int, criterion_id: str, expected_revision: int) -> int:
        with self._refused_as_missing(campaign_id):
            return self._store.clear_answer(self.identity, campaign_id, criterion_id, expected_revision)

    def set_verdict(
        self, campaign_id: int, criterion_id: str, verdict: AuditorVerdict | None, expected_revision: int
    ) -> int:
        self._visible_campaign(campaign_id)
        return self._store.set_verdict(self.identity, campaign_id, criterion_id, verdict, expected_revision)

    def import_changes(
        self,
        campaign_id: int,
        answers: Sequence[AnswerChange] = (),
        verdicts: Sequence[VerdictChange] = (),
        source: str | None = None,
    ) -> int:
        self._visible_campaign(campaign_id)
        return self._store.import_changes(self.identity, campaign_id, answers, verdicts, source)

    def add_evidence_file(
        self,
        campaign_id: int,
        criterion_id: str,
        filename: str,
        data: bytes,
        type: EvidenceType | str,
        effective_date: dt.date | None = None,
        title: str | None = None,
    ) -> EvidenceItem:
        self._visible_campaign(campaign_id)
        return self._store.add_evidence_file(
            self.identity, campaign_id, criterion_id, filename, data, type, effective_date, title
        )

    def add_evidence_link(
        self,
        campaign_id: int,
        criterion_id: str,
        url: str,
        title: str,
        type: EvidenceType | str,
        effective_date: dt.date | None = None,
    ) -> EvidenceItem:
        self._visible_campaign(campaign_id)
        return self._store.add_evidence_link(
            self.identity, campaign_id, criterion_id, url, title, type, effective_date
        )

    def remove_evidence(self, evidence_id: int) -> None:
        item = self._store.evidence_item(evidence_id)
        try:
            self._visible_campaign(item.campaign_id)
        except NotFound:
            raise NotFound.of("no_evidence", evidence=evidence_id) from None
        self._store.remove_evidence(self.identity, evidence_id)

    def add_commitment(self, campaign_id: int, commitment: Commitment) -> CommitmentItem:
        self._visible_campaign(campaign_id)
        return self._store.add_commitment(self.identity, campaign_id, commitment)

    def update_commitment(
        self, commitment_id: int, commitment: Commitment, expected_revision: int
    ) -> CommitmentItem:
        self._visible_commitment(commitment_id)
        return self._store.update_commitment(self.identity, commitment_id, commitment, expected_revision)

    def remove_commitment(self, commitment_id: int, expected_revision: int) -> None:
        self._visible_commitment(commitment_id)
        self._store.remove_commitment(self.identity, commitment_id, expected_revision)

    def set_target(self, campaign_id: int, criterion_id: str, year: int, level: str | None) -> None:
        self._visible_campaign(campaign_id)
        self._store.set_target(self.identity, campaign_id, criterion_id, year, level)

    def set_applicability(self, campaign_id: int, question_id: str, answer: bool | None) -> None:
        self._visible_campaign(campaign_id)
        self._store.set_applicability(self.identity, campaign_id, question_id, answer)

    def submit(self, campaign_id: int) -> CampaignInfo:
        self._visible_campaign(campaign_id)
        return self._store.submit(self.identity, campaign_id)

    def mark_audited(self, campaign_id: int) -> CampaignInfo:
        self._visible_campaign(campaign_id)
        return self._store.mark_audited(self.identity, campaign_id)

    def close_campaign(self, campaign_id: int) -> CampaignInfo:
        self._visible_campaign(campaign_id)
        return self._store.close_campaign(self.identity, campaign_id)

    def grant_role(self, identity: str, role: Role | str, node: str) -> None:
        self._visible_node(node)
        self._store.grant_role(self.identity, identity, role, node)

    def revoke_role(self, identity: str, role: Role | str, node: str) -> None:
        self._visible_node(node)
        self._store.revoke_role(self.identity, identity, role, node)

    def import_items(self, items: Sequence[ImportItem]) -> list[ImportResult]:
        return self._store.import_items(self.identity, items)
