"""The assessment model: one entity's answers to one referential version, for one campaign.

This is also the interchange file (YAML) that people write by hand, import and
export; :func:`check_against` validates it against its referential.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from labelnr.errors import Problem
from labelnr.referential import EvidenceType, Referential, Text
from labelnr.yamlpos import Located

Year = Annotated[int, Field(ge=1, le=3)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Period(StrEnum):
    """Where a campaign stands in the three-year cycle."""

    BASELINE = "baseline"
    YEAR1 = "year1"
    YEAR2 = "year2"
    YEAR3 = "year3"
    RENEWAL = "renewal"

    # Shadows ``str.index`` (callers sort campaigns by it); nothing calls str.index on a Period.
    @property
    def index(self) -> int:  # type: ignore[override]
        return list(Period).index(self)


class RefPin(_Strict):
    """The exact referential version an assessment was made with."""

    id: str = Field(description="Referential id (e.g. 'label-nr').")
    version: str = Field(description="Referential version, quoted (e.g. \"2024\").")


class Party(_Strict):
    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    name: str = Field(min_length=1, max_length=200)


class EntityKind(StrEnum):
    """What a node of the organisation tree is: a part of the organisation, or one of its digital
    services (assessed on its own, e.g. with RGESN, under the entity that runs it)."""

    UNIT = "unit"
    WEBSITE = "website"
    APP = "app"
    API = "api"

    @property
    def is_service(self) -> bool:
        return self is not EntityKind.UNIT


class Entity(Party):
    parent: str | None = Field(default=None, description="The parent entity's id (a group above its IT "
                               "departments); none for the top.")
    kind: EntityKind | None = Field(default=None, description="For a digital service assessed under its "
                                    "parent entity: website, app or api; none (or unit) for a part of the "
                                    "organisation.")

    @property
    def node_kind(self) -> EntityKind:
        return self.kind or EntityKind.UNIT


class Campaign(_Strict):
    period: Period = Field(description="Where it stands in the three-year cycle: baseline, year1, year2, "
                           "year3 or renewal.")
    date: dt.date = Field(description="Date of the assessment (YYYY-MM-DD).")
    name: str | None = None


class NotApplicable(_Strict):
    reason: str = Field(min_length=1, max_length=64, description="A short reason code (e.g. 'no-dc').")
    justification: str = Field(min_length=1, max_length=4000, description="Why the criterion does not apply.")
    approved_by: str | None = Field(default=None, description="Who approved the exemption.")
    review_by: dt.date | None = Field(default=None, description="When the exemption must be reviewed.")


class EvidenceRef(_Strict):
    type: EvidenceType = Field(description="documentation, means or result.")
    title: str = Field(min_length=1, max_length=300)
    url: str | None = Field(default=None, description="Where to read it (give a url or a file).")
    file: str | None = Field(default=None, description="A file name next to the assessment (or a url).")
    sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the file.")
    effective_date: dt.date | None = Field(default=None, description="Date the evidence is valid from.")

    @model_validator(mode="after")
    def _url_or_file(self) -> EvidenceRef:
        if (self.url is None) == (self.file is None):
            raise ValueError("evidence needs either a 'url' or a 'file', not both or neither")
        return self


class Answer(_Strict):
    level: str | None = Field(default=None, description="An answer id of the referential's scale.")
    not_applicable: NotApplicable | None = Field(default=None, description="Instead of a level, when the "
                                                 "criterion allows it.")
    comment: str | None = Field(default=None, max_length=8000)
    owner: str | None = Field(default=None, max_length=200)
    evidence: list[EvidenceRef] = Field(default_factory=list)

    @model_validator(mode="after")
    def _level_or_na(self) -> Answer:
        if self.level is not None and self.not_applicable is not None:
            raise ValueError("an answer is either a level or 'not applicable', not both")
        return self


class Verdict(StrEnum):
    CONFORM = "conform"
    PARTIAL = "partial"
    NON_CONFORM = "non_conform"
    NOT_VERIFIED = "not_verified"


class AuditorVerdict(_Strict):
    verdict: Verdict
    comment: str | None = Field(default=None, max_length=8000)
    auditor: str | None = None
    date: dt.date | None = None


class CommitmentStatus(StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    DROPPED = "dropped"


class Direction(StrEnum):
    HIGHER = "higher"
    LOWER = "lower"


class Measure(_Strict):
    year: Annotated[int, Field(ge=0, le=3)]
    value: float
    source: str | None = None
    date: dt.date | None = None


class Indicator(_Strict):
    """A measurable commitment (share of devices reused, people trained...)."""

    name: str = Field(min_length=1, max_length=200)
    unit: str = Field(min_length=1, max_length=40)
    direction: Direction = Direction.HIGHER
    baseline: float
    targets: dict[Year, float] = Field(default_factory=dict)
    actuals: list[Measure] = Field(default_factory=list)


class Commitment(_Strict):
    """A line of the three-year improvement plan."""

    title: str = Field(min_length=1, max_length=300)
    criterion: str | None = Field(default=None, description="The criterion id it improves (or a theme).")
    theme: str | None = Field(default=None, description="The theme id it improves (or a criterion).")
    target_level: str | None = Field(default=None, description="Answer of the scale aimed for.")
    target_year: Year = Field(description="Year of the three-year plan (1-3) it is due in.")
    owner: str | None = None
    due: dt.date | None = None
    status: CommitmentStatus = CommitmentStatus.PLANNED
    expected_points: float | None = Field(default=None, ge=0)
    indicator: Indicator | None = None

    @model_validator(mode="after")
    def _scope(self) -> Commitment:
        if (self.criterion is None) == (self.theme is None):
            raise ValueError("a commitment is about either one 'criterion' or one 'theme'")
        return self

    def is_late(self, today: dt.date) -> bool:
        open_ = self.status in (CommitmentStatus.PLANNED, CommitmentStatus.IN_PROGRESS)
        return open_ and self.due is not None and self.due < today


class Assessment(_Strict):
    """An entity's self-assessment for one campaign: the interchange file format."""

    format: Literal["labelnr-assessment/1"] = Field(default="labelnr-assessment/1",
                                                     description="Marks the file as a Label NR assessment.")
    referential: RefPin = Field(description="The referential version the answers were given for.")
    profile: str | None = Field(default=None, description="A profile id of the referential.")
    applicability: dict[str, bool] = Field(default_factory=dict, description="Answers to the referential's "
                                           "applicability questions, by question id.")
    organisation: Party
    entity: Entity = Field(description="The entity assessed (the organisation itself or one of its parts).")
    campaign: Campaign
    answers: dict[str, Answer] = Field(default_factory=dict, description="Answers by criterion id.")
    verdicts: dict[str, AuditorVerdict] = Field(default_factory=dict, description="Auditor verdicts by "
                                                "criterion id.")
    commitments: list[Commitment] = Field(default_factory=list, description="The three-year plan.")
    targets: dict[str, dict[Year, str]] = Field(default_factory=dict, description="Planned answer per "
                                                "criterion id for year 1, 2 and 3 (the target trajectory).")


def excluded_and_forced_na(
    ref: Referential, profile_id: str | None, applicability: dict[str, bool]
) -> tuple[set[str], dict[str, Text]]:
    """Criteria the profile and applicability answers remove, and those they make N/A (with why)."""
    excluded: set[str] = set()
    forced: dict[str, Text] = {}
    profile = ref.profile(profile_id)
    if profile:
        for effect in profile.not_applicable:
            for cid in effect.criteria:
                forced[cid] = effect.reason
    for question in ref.questions:
        if applicability.get(question.id, True):
            continue
        excluded.update(question.if_no_exclude)
        if question.if_no_not_applicable:
            for cid in question.if_no_not_applicable.criteria:
                forced[cid] = question.if_no_not_applicable.reason
    return excluded, forced




def applicability_warnings(ref: Referential, assessment: Assessment, located: Located | None = None,
                           file: str = "<assessment>") -> list[Problem]:
    """Answers that an applicability "no" sets aside: valid, but the referent should know.

    An excluded criterion loses whatever answer it had; one made not applicable loses its
    level (a declared "not applicable" stays one)."""
    warnings: list[Problem] = []
    for question in ref.questions:
        if assessment.applicability.get(question.id, True):
            continue
        na = question.if_no_not_applicable.criteria if question.if_no_not_applicable else []
        for ids, excluded in ((question.if_no_exclude, True), (na, False)):
            hit = [cid for cid in ids if cid in assessment.answers
                   and (excluded or assessment.answers[cid].level is not None)]
            if hit:
                loc = ("applicability", question.id)
                code = "applicability_leaves_out" if excluded else "applicability_makes_na"
                warnings.append(Problem.of(located.file if located else file,
                                           located.line_of(loc) if located else None, code,
                                           question=question.id, criteria=hit))
    return warnings


def check_against(ref: Referential, assessment: Assessment, located: Located | None = None,
                  file: str = "<assessment>") -> list[Problem]:
    """Everything in ``assessment`` that its referential does not allow, located when possible."""
    problems: list[Problem] = []

    def at(loc: tuple[str | int, ...], code: str, criterion: str | None = None, /, **params: Any) -> None:
        line = located.line_of(loc) if located else None
        problems.append(Problem.of(located.file if located else file, line, code, criterion, **params))

    if (assessment.referential.id, assessment.referential.version) != (ref.id, ref.version):
        made = f"{assessment.referential.id} {assessment.referential.version}"
        at(("referential",), "made_with_another", made=made, ref=ref.key)
    if assessment.profile is not None and ref.profile(assessment.profile) is None:
        known = ", ".join(p.id for p in ref.profiles) or "none"
        at(("profile",), "unknown_profile_here", profile=assessment.profile, known=known)
    questions = {q.id for q in ref.questions}
    for qid in assessment.applicability:
        if qid not in questions:
            at(("applicability", qid), "unknown_question_here", question=qid)
    in_scope = {c.id for c in ref.criteria_for(assessment.profile)}
    scale = set(ref.scale.ids)
    for cid, answer in assessment.answers.items():
        crit = ref.criteria_by_id.get(cid)
        if crit is None:
            at(("answers", cid), "unknown_criterion_in", cid, id=cid, ref=ref.key)
            continue
        if cid not in in_scope:
            at(("answers", cid), "not_in_profile", cid, profile=assessment.profile)
        if answer.level is not None and answer.level not in scale:
            at(("answers", cid, "level"), "not_in_scale", cid, level=answer.level, scale=list(ref.scale.ids))
        if answer.not_applicable is not None and not crit.not_applicable.allowed:
            at(("answers", cid, "not_applicable"), "na_not_allowed_here", cid)
        if answer.not_applicable is not None and not answer.not_applicable.justification.strip():
            # Blank passes the model's length check; the store would refuse it on import.
            at(("answers", cid, "not_applicable", "justification"), "na_needs_justification_here", cid)
    for cid in assessment.verdicts:
        if cid not in ref.criteria_by_id:
            at(("verdicts", cid), "unknown_criterion_in", cid, id=cid, ref=ref.key)
    for i, commitment in enumerate(assessment.commitments):
        if commitment.criterion is not None and commitment.criterion not in ref.criteria_by_id:
            at(("commitments", i, "criterion"), "unknown_criterion", commitment.criterion,
               id=commitment.criterion)
        if commitment.theme is not None and commitment.theme not in ref.themes_by_id:
            at(("commitments", i, "theme"), "unknown_theme", theme=commitment.theme)
        if commitment.target_level is not None and commitment.target_level not in scale:
            at(("commitments", i, "target_level"), "not_a_scale_answer", commitment.criterion,
               level=commitment.target_level)
    for cid, by_year in assessment.targets.items():
        if cid not in ref.criteria_by_id:
            at(("targets", cid), "unknown_criterion", cid, id=cid)
            continue
        for year, level in by_year.items():
            if level not in scale:
                at(("targets", cid, year), "not_a_scale_answer", cid, level=level)
    return problems
