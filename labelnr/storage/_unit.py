"""The unit of work every part of the store shares: one write transaction (:class:`Tx`), the
permission choke point, the campaign lock, and the checks every aggregate makes."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import ValidationError
from sqlalchemy.orm import Session

from labelnr.errors import Problem
from labelnr.loader import Catalog, load_catalog
from labelnr.permissions import ROOT, Action
from labelnr.referential import Referential
from labelnr.storage import db as dbmod
from labelnr.storage import repository as repo
from labelnr.storage.errors import CampaignLocked, ConflictError, InvalidInput, NotFound, UnknownReferential
from labelnr.storage.evidence import EvidenceStore, max_upload_bytes
from labelnr.storage.history import Recorder, Target
from labelnr.storage.models import (
    ACTOR_LENGTH,
    AnswerRow,
    CampaignRow,
    CommitmentRow,
    VerdictRow,
    utcnow,
)
from labelnr.storage.views import CampaignScores, CampaignStatus, CampaignView, PortfolioPlans

if TYPE_CHECKING:  # labelnr.portfolio imports pandas (seconds): only the portfolio reads need it
    from labelnr.portfolio import CompiledReferential

#: ``authorizer(actor, action, path)`` raises (a LabelnrError) to refuse; ``path`` runs from
#: the organisation down to the entity concerned (empty for store-wide actions).
Authorizer = Callable[[str, Action, Sequence[str]], None]

DRAFT = frozenset({CampaignStatus.DRAFT})
AUDITABLE = frozenset({CampaignStatus.DRAFT, CampaignStatus.SUBMITTED})


def allow_everything(actor: str, action: Action, path: Sequence[str]) -> None:
    """The embedded default: one local user who may do everything (no sign-in)."""
    del actor, action, path


def checked_actor(actor: str) -> str:
    who = actor.strip() if isinstance(actor, str) else ""
    if not who or len(who) > ACTOR_LENGTH:
        raise InvalidInput.of("identity_needed")
    return who


#: The rows one criterion of a campaign has (at most one each).
_Row = TypeVar("_Row", AnswerRow, VerdictRow)


@dataclass
class Tx:
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


class StoreCore:
    """What every aggregate module works with: the database, the files, the catalog, the rules."""

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
        # Campaign views by campaign revision (see _campaigns.campaign).
        self._views: dict[tuple[Any, ...], CampaignView] = {}
        # The key of each campaign's newest cached view (a save derives the next view from it).
        self._latest_keys: dict[int, tuple[Any, ...]] = {}
        # Scores by the id of the (cached, immutable) view they score, the view kept beside them.
        self._scores: dict[int, tuple[CampaignView, CampaignScores]] = {}
        self._views_lock = threading.Lock()

    def _authorize(self, session: Session, actor: str, action: Action, node: str | None) -> None:
        """Every write passes here once, with the tree path of the node it touches."""
        # No node (or ROOT): a store-wide action, checked against roles held on ROOT only.
        self.authorizer(actor, action, self._path(session, node) if node and node != ROOT else [])

    def _path(self, session: Session, node: str) -> list[str]:
        found = repo.lineage_path(session.connection(), node)
        if found is None:
            repo.get_organisation(session, node)
            return [node]
        organisation_id, ids = found
        return [organisation_id, *ids]

    @contextmanager
    def _tx(self, actor: str) -> Iterator[Tx]:
        who = checked_actor(actor)
        with self.db.writing() as session:
            tx = Tx(session, Recorder(session, who, self._now()))
            yield tx
            for camp in tx.campaigns.values():
                if tx.rec.count:
                    tx.revise(camp)

    def _campaign(
        self, tx: Tx, action: Action, campaign_id: int, allowed: frozenset[CampaignStatus], what: str
    ) -> tuple[CampaignRow, Target]:
        """Lock the campaign row for this transaction, check the right and the status."""
        row = tx.session.get(CampaignRow, campaign_id, with_for_update=True, populate_existing=True)
        if row is None:
            raise NotFound.of("no_campaign", campaign=campaign_id)
        path = self._path(tx.session, row.entity_id)  # the entity exists (foreign key)
        self.authorizer(tx.rec.actor, action, path)
        if CampaignStatus(row.status) not in allowed:
            raise CampaignLocked(row.id, row.status, what)
        tx.campaigns[row.id] = row
        return row, Target(path[0], row.entity_id, row.id)

    def referential(self, ref_id: str, version: str) -> Referential:
        ref = self.catalog.get(ref_id, version)
        if ref is None:
            raise UnknownReferential(ref_id, version, [r.key for r in self.catalog.referentials])
        return ref

    def _ref(self, camp: CampaignRow) -> Referential:
        return self.referential(camp.referential_id, camp.referential_version)

    def _now(self) -> dt.datetime:
        """The time of a new transaction (the service overrides it: tests freeze its clock)."""
        return utcnow()


def validated(model: Any, data: dict[str, Any], what: str) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        details = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'value'}: {e['msg']}" for e in exc.errors()
        )
        raise InvalidInput.of("invalid_value", what=what, details=details) from None


def expect(
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


def check_criterion(ref: Referential, camp: CampaignRow, criterion_id: str) -> None:
    if criterion_id not in ref.criteria_by_id:
        raise InvalidInput.of("criterion_not_in_ref", criterion=criterion_id, ref=ref.key)
    if camp.profile is not None and criterion_id not in {c.id for c in ref.criteria_for(camp.profile)}:
        raise InvalidInput.of("criterion_not_in_profile", criterion=criterion_id, profile=camp.profile,
                              ref=ref.key)
