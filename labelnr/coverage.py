"""RGESN coverage of a label criterion: the entity's services' declarations as evidence.

Given a crosswalk (label → RGESN), a label criterion and the RGESN assessments of the entity's
services, :func:`coverage` gathers for each linked RGESN criterion its status in each service,
each service's score per family and its declaration date, and derives a *proposed* answer for
the label criterion with the reasoning behind it. Nothing is written: the referent decides.

The coverage of one service is the official RGESN rule restricted to the linked criteria
(credit-weighted: Σ weights of those validated ÷ Σ weights of those applicable, "in
progress" and "to assess" in the denominator). Only ``equal`` and ``subset`` links propose an
answer (:data:`labelnr.crosswalk.IMPLIES_SOURCE`); the thresholds and how services combine
are the crosswalk's ``proposal`` rule (data, see ``docs/formats.md``).

Pass each service's latest assessment: which campaign counts is the caller's choice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from labelnr.assessment import Assessment
from labelnr.crosswalk import IMPLIES_SOURCE, Combine, Crosswalk, Link, ProposalRule
from labelnr.errors import LabelnrError, Msg
from labelnr.i18n import Term, translate
from labelnr.referential import Referential, Text
from labelnr.scoring import Scores, score_assessment


class CoverageError(LabelnrError):
    """The inputs do not fit the crosswalk (another referential or version)."""


@dataclass(frozen=True)
class ServiceAssessment:
    """One service's RGESN assessment, as the coverage reads it."""

    name: str
    scores: Scores
    #: The declaration's date (the campaign's date).
    date: dt.date


def service_assessment(name: str, ref: Referential, assessment: Assessment) -> ServiceAssessment:
    """A :class:`ServiceAssessment` from an interchange assessment (its own answers, scored)."""
    return ServiceAssessment(name, score_assessment(ref, assessment), assessment.campaign.date)


@dataclass(frozen=True)
class CriterionStatus:
    """One linked RGESN criterion in one service."""

    criterion: str
    family: str
    #: The scale level answered (``None``: not answered, or not applicable).
    status: str | None
    applicable: bool
    #: Share of the weight earned (0-1); ``None`` when not applicable.
    credit: float | None


@dataclass(frozen=True)
class ServiceCoverage:
    name: str
    date: dt.date
    #: The service's overall RGESN score (0-100; ``None``: nothing applies).
    score: float | None
    #: Family id → the service's score in that family, for the families of the linked criteria.
    families: dict[str, float | None]
    statuses: tuple[CriterionStatus, ...]
    #: The linked criteria's coverage (0-100); ``None`` when none of them applies to the service.
    percent: float | None


class Percent(float):
    """A 0-100 figure in a reasoning text: shown the language's way."""

    def shown(self, lang: str | None) -> str:
        from labelnr.formatting import format_percent

        return format_percent(self / 100, lang)


@dataclass(frozen=True)
class Shown:
    """A referential text (a level's label) as a reasoning parameter."""

    text: Text

    def shown(self, lang: str | None) -> str:
        return self.text.get(lang or "fr")


@dataclass(frozen=True)
class Reason:
    """A reasoning text: catalog key ``coverage.<key>`` and its parameters (formatted when shown)."""

    key: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def shown(self, lang: str | None) -> str:
        from labelnr.formatting import format_value

        return translate(f"coverage.{self.key}", lang,
                         **{k: format_value(v, lang) for k, v in self.params.items()})


@dataclass(frozen=True)
class Proposal:
    """An answer offered to the referent for the label criterion, never written by itself."""

    #: A level id of the label's scale; ``None``: nothing to propose (the reason says why).
    level: str | None
    reason: Reason
    #: The coverage figure the proposal stands on (0-100).
    percent: float | None = None

    def text(self, lang: str | None) -> str:
        return self.reason.shown(lang)


@dataclass(frozen=True)
class Coverage:
    criterion: str
    link: Link | None
    services: tuple[ServiceCoverage, ...]
    proposal: Proposal

    @property
    def targets(self) -> list[str]:
        return list(self.link.target) if self.link else []

    def by_criterion(self) -> dict[str, dict[str, CriterionStatus]]:
        """Linked RGESN criterion → service name → its status there (the evidence table)."""
        return {cid: {s.name: st for s in self.services for st in s.statuses if st.criterion == cid}
                for cid in self.targets}


def _check_sides(walk: Crosswalk, source: Referential, target: Referential,
                 services: Sequence[ServiceAssessment]) -> None:
    """Each input on the referential version the crosswalk joins."""
    expected = f"{walk.source.key} → {walk.target.key}"
    found = [(Msg("coverage_the_label_grid"), source.key, walk.source.key),
             (Msg("coverage_the_rgesn_grid"), target.key, walk.target.key)]
    found += [(Msg("coverage_the_service", service=s.name), s.scores.referential, walk.target.key)
              for s in services]
    for what, ref, wanted in found:
        if ref != wanted:
            raise CoverageError.of("coverage_wrong_referential", what=what, ref=ref, crosswalk=walk.id,
                                   expected=expected)


def _service(target: Referential, targets: Sequence[str], s: ServiceAssessment) -> ServiceCoverage:
    statuses = []
    earned = weight = 0.0
    for cid in targets:
        crit = target.criteria_by_id[cid]
        cs = s.scores.criteria.get(cid)  # absent: outside the service's profile
        applicable = cs is not None and cs.applicable
        statuses.append(CriterionStatus(cid, crit.theme, cs.level if cs else None, applicable,
                                        cs.credit if cs else None))
        if cs is not None and cs.applicable:
            earned += cs.weight * (cs.credit or 0.0)
            weight += cs.weight
    families = {}
    for st in statuses:
        theme = s.scores.themes.get(st.family)
        families[st.family] = theme.percent if theme else None
    return ServiceCoverage(s.name, s.date, s.scores.percent, families, tuple(statuses),
                           100.0 * earned / weight if weight else None)


def coverage(walk: Crosswalk, source: Referential, target: Referential, criterion_id: str,
             services: Sequence[ServiceAssessment]) -> Coverage:
    """The RGESN coverage of one label criterion across the entity's services, and a proposal."""
    _check_sides(walk, source, target, services)
    if criterion_id not in source.criteria_by_id:
        raise CoverageError.of("criterion_not_in_ref", criterion=criterion_id, ref=source.key)
    links = walk.links_from(criterion_id)
    link = links[0] if links else None
    covered = tuple(_service(target, link.target, s) for s in services) if link else ()
    return Coverage(criterion_id, link, covered, _propose(walk, source, criterion_id, link, covered))


def _propose(walk: Crosswalk, source: Referential, criterion_id: str, link: Link | None,
             services: Sequence[ServiceCoverage]) -> Proposal:
    if link is None:
        return Proposal(None, Reason("no_link", {"criterion": criterion_id, "crosswalk": walk.id}))
    base = {"criterion": criterion_id, "targets": list(link.target),
            "relation": Term("coverage.relation", link.relation.value)}
    if link.relation not in IMPLIES_SOURCE:
        return Proposal(None, Reason("not_implied", base))
    if walk.proposal is None:
        return Proposal(None, Reason("no_rule", {**base, "crosswalk": walk.id}))
    if not services:
        return Proposal(None, Reason("no_service", base))
    counted = [s for s in services if s.percent is not None]
    if not counted:
        return Proposal(None, Reason("none_applicable", base))
    percent, basis = _combine(walk.proposal, counted)
    step = next((st for st in walk.proposal.levels if percent >= st.min_percent - 1e-9), None)
    params = {**base, "percent": Percent(percent), "basis": basis}
    if step is None:
        lowest = walk.proposal.levels[-1]
        return Proposal(None, Reason("below", {**params, "threshold": Percent(lowest.min_percent)}), percent)
    level = source.scale.level(step.level)
    label = Shown(level.label) if level else step.level
    return Proposal(step.level, Reason("proposed", {**params, "threshold": Percent(step.min_percent),
                                                     "level": label}), percent)


def _combine(rule: ProposalRule, counted: Sequence[ServiceCoverage]) -> tuple[float, Reason]:
    """The figure the rule reads, and in words which service(s) it comes from."""
    if rule.services is Combine.MEAN:
        values = [s.percent for s in counted if s.percent is not None]
        return sum(values) / len(values), Reason("basis_mean", {"count": len(values)})
    worst = min(counted, key=lambda s: (s.percent if s.percent is not None else 0.0, s.name))
    return worst.percent or 0.0, Reason("basis_worst", {"service": worst.name, "date": worst.date})



@dataclass(frozen=True)
class EntityCoverage:
    """Every label criterion a crosswalk links, with the RGESN coverage of the entity's services
    (the workbook's sheet and the dossier's section)."""

    crosswalk: str
    #: The RGESN-shaped grid the services are assessed on (its statuses' labels).
    target: Referential
    services: tuple[ServiceAssessment, ...]
    items: tuple[Coverage, ...]


def entity_coverage(walk: Crosswalk, source: Referential, target: Referential,
                    services: Sequence[ServiceAssessment]) -> EntityCoverage:
    """:func:`coverage` of each criterion of ``source`` the crosswalk links, in the grid's order."""
    _check_sides(walk, source, target, services)
    linked = [c.id for c in source.criteria if walk.links_from(c.id)]
    return EntityCoverage(walk.id, target, tuple(services),
                          tuple(coverage(walk, source, target, cid, services) for cid in linked))


@dataclass(frozen=True)
class CoverageRow:
    """One label criterion × one service, in words (the workbook's sheet, the dossier's table)."""

    criterion: str
    title: str
    #: How the label criterion relates to the RGESN criteria, in words.
    relation: str
    #: The linked RGESN criteria's ids, comma-separated.
    targets: str
    service: str
    #: The service's declaration date (its campaign's date).
    date: dt.date
    #: The service's overall RGESN score (0-100; ``None``: nothing applies).
    score: float | None
    #: The linked criteria's coverage in that service (0-100; ``None``: none of them applies).
    percent: float | None
    #: Each linked criterion's status, in words: ``4.1 : Validé ; 4.2 : En cours``.
    statuses: str
    #: The answer proposed for the label criterion (its label in the scale), if any.
    proposed: str | None
    reason: str


def coverage_rows(found: EntityCoverage, source: Referential, lang: str) -> list[CoverageRow]:
    """Every covered label criterion with each service's statuses, in ``lang``."""
    colon, between = (" : ", " ; ") if lang == "fr" else (": ", "; ")

    def status(level: str | None) -> str:
        shown = found.target.scale.level(level) if level else None
        if shown is not None:
            return shown.label.get(lang)
        return translate("coverage.status_none", lang)

    rows = []
    for item in found.items:
        crit = source.criteria_by_id[item.criterion]
        level = source.scale.level(item.proposal.level) if item.proposal.level else None
        relation = translate(f"coverage.relation_{item.link.relation.value}", lang) if item.link else ""
        for s in item.services:
            statuses = between.join(f"{c.criterion}{colon}{status(c.status)}" for c in s.statuses)
            rows.append(CoverageRow(item.criterion, crit.title.get(lang), relation, ", ".join(item.targets),
                                    s.name, s.date, s.score, s.percent, statuses,
                                    level.label.get(lang) if level else None, item.proposal.text(lang)))
    return rows
