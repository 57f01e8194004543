"""Digital services as their entity's readers see them: each service's RGESN campaigns scored,
the label criteria they cover, and RGESN answers read from a CSV file.

Everything here reads and writes through an :class:`~labelnr.storage.ActorStore`, so a reader
only ever sees the services of the entities they may read (a service inherits its entity's
readers). Scores are the store's, that is the official rule of :mod:`labelnr.scoring`
(validated weights ÷ weights of every applicable criterion, overall and per family).

Used by the services page and the dashboard (``labelnr.ui``), the ``import-csv`` command,
and the label campaign's workbook and dossier (:mod:`labelnr.excel.from_store`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from labelnr.clock import end_of
from labelnr.coverage import EntityCoverage, ServiceAssessment, entity_coverage, service_assessment
from labelnr.crosswalk import Crosswalk, load_crosswalks
from labelnr.csvanswers import CsvAnswer, parse_answers
from labelnr.loader import Catalog
from labelnr.referential import Referential
from labelnr.storage import ActorStore, AnswerChange, CampaignInfo, CampaignView, EntityInfo, NotFound


def is_service_grid(ref: Referential) -> bool:
    """A grid a digital service is assessed with (RGESN...): scored, but it awards no label level."""
    return not ref.scoring.levels


# --- each service's latest campaign, scored --------------------------------------------------------


@dataclass(frozen=True)
class ServiceCampaign:
    """One campaign of a service, scored by the official rule."""

    info: CampaignInfo
    #: 0-100; ``None`` when nothing applies.
    percent: float | None
    #: Family (theme) id → its score (0-100, ``None``: nothing applies there).
    families: dict[str, float | None]
    #: Criteria answered and criteria in the score.
    answered: int
    counted: int


@dataclass(frozen=True)
class ServiceRow:
    """A service with its latest campaign and the one before it on the same grid."""

    service: EntityInfo
    latest: ServiceCampaign | None = None
    previous: ServiceCampaign | None = None

    @property
    def trend(self) -> float | None:
        """Points (of 100) gained since the previous campaign; ``None`` without two scores."""
        if self.latest is None or self.previous is None:
            return None
        if self.latest.percent is None or self.previous.percent is None:
            return None
        return self.latest.percent - self.previous.percent


@dataclass(frozen=True)
class EntityServices:
    """An entity of the organisation and its services (for the organisation's view)."""

    entity: EntityInfo
    rows: list[ServiceRow] = field(default_factory=list)


def _order(c: CampaignInfo) -> tuple[dt.date, int, int]:
    return (c.date, c.period.index, c.id)


def _scored(data: ActorStore, info: CampaignInfo) -> ServiceCampaign:
    scores = data.scores(info.id).self_assessed
    counted = [cs for cs in scores.criteria.values() if cs.applicable]
    answered = sum(1 for cs in counted if cs.level is not None)
    return ServiceCampaign(info, scores.percent, {k: v.percent for k, v in scores.themes.items()},
                           answered, len(counted))


def service_row(data: ActorStore, service: EntityInfo) -> ServiceRow:
    """The service's latest campaign on a service grid and the previous one on the same grid."""
    held = sorted((c for c in data.campaigns(service.id)
                   if is_service_grid(data.referential(c.referential_id, c.referential_version))),
                  key=_order)
    if not held:
        return ServiceRow(service)
    latest = held[-1]
    before = [c for c in held[:-1] if c.referential_id == latest.referential_id]
    return ServiceRow(service, _scored(data, latest), _scored(data, before[-1]) if before else None)


def service_rows(data: ActorStore, entity_id: str) -> list[ServiceRow]:
    """The digital services of an entity the reader may read, each with its latest score."""
    return [service_row(data, s) for s in data.services(entity_id)]


def organisation_services(data: ActorStore, organisation_id: str) -> list[EntityServices]:
    """Every readable entity of the organisation that has services, in tree order."""
    readable = data.readable_entities(organisation_id)
    by_parent: dict[str, list[EntityInfo]] = {}
    for e in readable:
        if e.is_service and e.parent_id is not None:
            by_parent.setdefault(e.parent_id, []).append(e)
    return [EntityServices(e, [service_row(data, s)
                               for s in sorted(by_parent[e.id], key=lambda s: (s.name.casefold(), s.id))])
            for e in readable if e.id in by_parent]


# --- the label criteria they cover -----------------------------------------------------------------

_WALKS: dict[int, tuple[Catalog, list[Crosswalk]]] = {}


def crosswalk_from(catalog: Catalog, ref: Referential) -> Crosswalk | None:
    """The shipped crosswalk from ``ref`` (a label grid) to a service grid, if there is one."""
    known = _WALKS.get(id(catalog))
    if known is None or known[0] is not catalog:
        known = _WALKS[id(catalog)] = (catalog, load_crosswalks(catalog)[0])
    return next((w for w in known[1] if w.source.key == ref.key), None)


def latest_assessments(data: ActorStore, entity_id: str, target: Referential,
                       as_of: dt.date | None = None) -> list[ServiceAssessment]:
    """Each service of the entity with its latest campaign on ``target`` (``as_of``: held by then,
    as it stood at the end of that day)."""
    found: list[ServiceAssessment] = []
    for service in data.services(entity_id):
        held = sorted((c for c in data.campaigns(service.id) if c.referential_key == target.key
                       and (as_of is None or c.date <= as_of)), key=_order, reverse=True)
        for latest in held:
            if as_of is None:
                assessment = data.campaign(latest.id).assessment
            else:
                try:  # as it stood at the end of that day; a campaign entered later did not exist yet
                    assessment = data.campaign_as_of(latest.id, end_of(as_of)).assessment
                except NotFound:
                    continue
            found.append(service_assessment(service.name, target, assessment))
            break
    return found


def label_coverage(
    data: ActorStore, view: CampaignView, as_of: dt.date | None = None
) -> EntityCoverage | None:
    """The RGESN coverage of every mapped criterion of a label campaign by its entity's services;
    ``None`` when no crosswalk starts from its grid or no service holds a campaign on the target."""
    ref = data.referential(view.info.referential_id, view.info.referential_version)
    walk = crosswalk_from(data.catalog, ref)
    if walk is None:
        return None
    target = data.referential(walk.target.id, walk.target.version)
    services = latest_assessments(data, view.info.entity_id, target, as_of)
    return entity_coverage(walk, ref, target, services) if services else None


# --- RGESN answers from a CSV file -----------------------------------------------------------------


@dataclass(frozen=True)
class CsvChange:
    """One line of a CSV file against the campaign: the answer it gives, and what it replaces."""

    line: int
    criterion_id: str
    before: str | None
    after: str
    change: AnswerChange


def _shown(view: CampaignView, cid: str) -> str | None:
    own = view.assessment.answers.get(cid)
    if own is None:
        return None
    return "n/a" if own.not_applicable is not None else own.level


def read_csv(data: ActorStore, campaign_id: int, raw: bytes, file: str) -> list[CsvAnswer]:
    """The answers of a CSV file checked against the campaign's grid (:class:`~labelnr.errors.InvalidFile`
    lists every problem, each with its line)."""
    return parse_answers(raw, file, data.referential_of(campaign_id))


def csv_changes(data: ActorStore, campaign_id: int, parsed: Sequence[CsvAnswer]) -> list[CsvChange]:
    """What the CSV's answers change in the campaign. The file says status, N/A and justification;
    the owner and the rest of each answer stay as stored."""
    view = data.campaign(campaign_id)
    changes = []
    for row in parsed:
        own = view.assessment.answers.get(row.criterion_id)
        update = {"level": row.answer.level, "not_applicable": row.answer.not_applicable,
                  "comment": row.answer.comment or (own.comment if own else None)}
        answer = own.model_copy(update=update) if own else row.answer
        after = "n/a" if answer.not_applicable is not None else str(answer.level)
        revision = view.answer_revision(row.criterion_id)
        changes.append(CsvChange(row.line, row.criterion_id, _shown(view, row.criterion_id), after,
                                 AnswerChange(row.criterion_id, answer, revision)))
    return changes


def apply_csv(data: ActorStore, campaign_id: int, changes: Sequence[CsvChange], source: str) -> int:
    """Save the answers of :func:`csv_changes` in one transaction (all or none); the rows changed."""
    return data.import_changes(campaign_id, [c.change for c in changes], source=source)
