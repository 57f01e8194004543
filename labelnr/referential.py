"""The referential model: themes, principles, criteria, answer scale and scoring rules.

A referential is pure data. Every number that decides a score (weights, credits,
thresholds, mandatory criteria) lives in the YAML file, never in code.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Mapping as MappingOf
from enum import StrEnum
from functools import cached_property
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

Id = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$", max_length=64)]


class _Strict(BaseModel):
    """Unknown keys are an error: a typo in the YAML must not pass silently."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(_Strict):
    """A text in each language of the referential (French is the default).

    English may be left out when the referential declares ``languages: [fr]``; it then
    reads in French (the loader requires it when ``en`` is declared)."""

    fr: str = Field(min_length=1, description="French text (the default language).")
    en: str | None = Field(default=None, min_length=1, description="English text (required unless the "
                           "referential declares languages: [fr]; shown in French when absent).")

    def get(self, lang: str) -> str:
        return self.en if lang == "en" and self.en is not None else self.fr


class EvidenceType(StrEnum):
    DOCUMENTATION = "documentation"
    MEANS = "means"
    RESULT = "result"


class ExpectedEvidence(_Strict):
    """A piece of evidence the auditor expects to see."""

    type: EvidenceType = Field(description="documentation (a written document), means (a tool, budget "
                               "or team) or result (a measured outcome).")
    description: Text = Field(description="What the evidence shows, in each language.")


class ScaleLevel(_Strict):
    """One answer of the scale and the share of the criterion's weight it earns."""

    id: Id = Field(description="The answer as written in assessments (e.g. 'partial', 'validated').")
    label: Text
    credit: float = Field(ge=0.0, le=1.0,
                          description="Share of the criterion's weight this answer earns (0-1).")
    pending: bool = Field(default=False, description="True for 'not assessed yet' answers (to assess, in "
                          "progress): they earn nothing and stay in the denominator.")
    aliases: list[str] = Field(default_factory=list, description="Other names tools give this answer "
                               "(e.g. 'Conforme' for 'validated'), accepted when importing a CSV.")

    @model_validator(mode="after")
    def _pending_earns_nothing(self) -> ScaleLevel:
        if self.pending and self.credit > 0:
            raise ValueError(f"'{self.id}' means 'not assessed yet' (pending) and so must have credit 0")
        return self


class Scale(_Strict):
    kind: Literal["maturity", "status"] = Field(
        default="maturity", description="maturity (none → full) or status (validated / not validated...).")
    levels: list[ScaleLevel] = Field(min_length=2, description="The possible answers, weakest first.")

    @model_validator(mode="after")
    def _unique_ids(self) -> Scale:
        seen: set[str] = set()
        for i, level in enumerate(self.levels):
            if level.id in seen:
                raise PydanticCustomError(
                    "duplicate_id", "answer level '{id}' is defined twice (each id must be unique)",
                    {"id": level.id, "at": ("levels", i, "id")})
            seen.add(level.id)
        return self

    def level(self, level_id: str) -> ScaleLevel | None:
        return next((lv for lv in self.levels if lv.id == level_id), None)

    @property
    def ids(self) -> list[str]:
        return [lv.id for lv in self.levels]


class LabelLevel(_Strict):
    """A label level and what it takes to reach it."""

    level: int = Field(ge=1, le=9, description="The level number (1, 2...), listed in increasing order.")
    name: Text
    min_points: float = Field(ge=0, description="Points needed, out of scoring.total_points.")
    strictly_above: bool = Field(default=False, description="True when the rule reads 'more than N' rather "
                                 "than 'at least N'.")
    theme_minimums: dict[str, float] = Field(default_factory=dict, description="Minimum percentage (0-100) "
                                             "per theme id: no compensation between themes.")
    mandatory: list[str] = Field(default_factory=list, description="Criterion ids that must be met for this "
                                 "level, beyond those flagged mandatory on the criteria.")

    @field_validator("theme_minimums")
    @classmethod
    def _percentages(cls, value: dict[str, float]) -> dict[str, float]:
        for theme, pct in value.items():
            if not 0 <= pct <= 100:
                raise PydanticCustomError(
                    "theme_minimum", "minimum for theme '{theme}' must be between 0 and 100 %, not {pct}",
                    {"theme": theme, "pct": f"{pct:g}", "at": (theme,)})
        return value

    def reached_by(self, points: float) -> bool:
        return points > self.min_points if self.strictly_above else points >= self.min_points


VerdictName = Literal["conform", "partial", "non_conform", "not_verified"]

#: Conform keeps the self-assessed credit, partial caps it at half, non-conform takes it
#: away; "not verified" keeps it (the criterion is flagged as unverified instead).
DEFAULT_VERDICT_MAX_CREDIT: dict[VerdictName, float] = {
    "conform": 1.0, "partial": 0.5, "non_conform": 0.0, "not_verified": 1.0,
}


class ScoringRules(_Strict):
    total_points: float = Field(gt=0, description="Points the referential is worth (1000 for the label).")
    #: ``themes``: each theme is worth its share of the points (theme weight);
    #: ``pooled``: one weighted ratio over every applicable criterion (RGESN style).
    method: Literal["themes", "pooled"] = Field(
        default="themes", description="themes: each theme is worth its weight's share of the points; "
        "pooled: one weighted ratio over every applicable criterion (RGESN style).")
    priority_weights: dict[str, Annotated[float, Field(gt=0)]] = Field(
        default_factory=dict,
        description="Weight of each priority name, for criteria that give a priority instead of a weight.")
    mandatory_min_credit: float = Field(default=1.0, ge=0.0, le=1.0, description="Credit (0-1) a mandatory "
                                        "criterion must earn to count as met.")
    levels: list[LabelLevel] = Field(default_factory=list, description="Label levels and what each takes.")
    #: The most credit a criterion keeps under each auditor verdict (the verified score,
    #: see labelnr.verification); verdicts left out keep their default.
    verdict_max_credit: dict[VerdictName, Annotated[float, Field(ge=0.0, le=1.0)]] = Field(
        default_factory=lambda: dict(DEFAULT_VERDICT_MAX_CREDIT))

    @field_validator("verdict_max_credit")
    @classmethod
    def _every_verdict(cls, value: dict[VerdictName, float]) -> dict[VerdictName, float]:
        return {**DEFAULT_VERDICT_MAX_CREDIT, **value}

    @model_validator(mode="after")
    def _levels_ordered(self) -> ScoringRules:
        # ``at`` (in the error context) points below ``scoring`` so that the error names
        # the line of the offending level, not the line of ``scoring:``.
        for i, (lower, upper) in enumerate(itertools.pairwise(self.levels), start=1):
            if upper.level <= lower.level:
                raise PydanticCustomError(
                    "level_order", "label levels must be listed once each, in increasing order "
                    "(level {level} comes after level {previous})",
                    {"level": upper.level, "previous": lower.level, "at": ("levels", i, "level")})
        previous = -1.0
        for i, lv in enumerate(self.levels):
            if lv.min_points > self.total_points:
                raise PydanticCustomError(
                    "level_points",
                    "level {level} needs {needed} points but the referential only has {total}",
                    {"level": lv.level, "needed": f"{lv.min_points:g}", "total": f"{self.total_points:g}",
                     "at": ("levels", i, "min_points")})
            if lv.min_points < previous:
                raise PydanticCustomError(
                    "level_points_order", "level {level} needs fewer points than the level below it",
                    {"level": lv.level, "at": ("levels", i, "min_points")})
            previous = lv.min_points
        return self


class Principle(_Strict):
    id: Id
    name: Text


class Theme(_Strict):
    id: Id
    name: Text
    weight: float = Field(default=1.0, gt=0, description="Share of the total points relative to the other "
                          "themes.")
    principles: list[Principle] = Field(default_factory=list, description="Principles of action.")


class NotApplicableRule(_Strict):
    allowed: bool = Field(default=True, description="Whether 'not applicable' may be declared.")
    condition: Text | None = Field(default=None, description="When it may be declared, shown to the referent "
                                   "and the auditor.")


class Criterion(_Strict):
    id: Id = Field(description="Stable id: assessments, mappings and commitments refer to it.")
    theme: str = Field(description="Id of the theme it belongs to.")
    principle: str | None = Field(default=None, description="Id of a principle of that theme.")
    title: Text
    description: Text
    level: int = Field(default=1, ge=1, le=9, description="Label level the criterion belongs to.")
    mandatory: bool = Field(default=False, description="Must be met to reach its label level.")
    weight: float | None = Field(default=None, gt=0, description="Weight within its theme (default 1).")
    priority: str | None = Field(default=None, description="Priority name whose weight is in "
                                 "scoring.priority_weights (instead of a weight).")
    not_applicable: NotApplicableRule = Field(default=NotApplicableRule(allowed=False),
                                              description="Whether and when it may be declared N/A.")
    evidence: list[ExpectedEvidence] = Field(default_factory=list, description="What the auditor expects.")
    profiles: list[str] = Field(default_factory=list, description="Only part of the referential for these "
                                "profile ids (empty: every profile).")
    difficulty: Literal["low", "medium", "high"] | None = Field(
        default=None, description="How hard it is to meet (RGESN: faible / moyen / fort).")
    jobs: list[str] = Field(default_factory=list, description="Ids of the jobs concerned, from the "
                            "referential's 'jobs' list.")
    hint: Text | None = Field(default=None, description="How to meet it or check it, for the referent.")

    @model_validator(mode="after")
    def _weight_or_priority(self) -> Criterion:
        if self.weight is not None and self.priority is not None:
            raise ValueError("give either a weight or a priority, not both")
        return self


class Job(_Strict):
    """A job (trade) that criteria name as concerned: developer, designer, hosting manager..."""

    id: Id
    name: Text


class NotApplicableEffect(_Strict):
    criteria: list[str] = Field(min_length=1, description="Criterion ids made not applicable.")
    reason: Text = Field(description="Why, shown in place of a justification.")


class Profile(_Strict):
    """A variant of the referential (IT service companies, local authorities...)."""

    id: Id
    name: Text
    exclude: list[str] = Field(default_factory=list, description="Criterion ids left out for this profile.")
    not_applicable: list[NotApplicableEffect] = Field(default_factory=list, description="Criteria that are "
                                                      "not applicable for this profile, with the reason.")


class Question(_Strict):
    """An applicability question: answering "no" excludes or neutralises criteria."""

    id: Id
    text: Text = Field(description="A yes/no question (answered in the assessment's applicability).")
    if_no_exclude: list[str] = Field(default_factory=list, description="Criterion ids left out when the "
                                     "answer is no.")
    if_no_not_applicable: NotApplicableEffect | None = Field(default=None, description="Criteria made not "
                                                             "applicable when the answer is no.")


class MappingKind(StrEnum):
    RENAMED = "renamed"
    SPLIT = "split"
    MERGED = "merged"
    REMOVED = "removed"


class MappingEntry(_Strict):
    kind: MappingKind = Field(description="renamed (1 → 1), split (1 → many), merged (many → 1) or removed.")
    old: list[str] = Field(min_length=1, description="Criterion id(s) in the older version.")
    new: list[str] = Field(default_factory=list, description="Criterion id(s) in this version (none when "
                           "removed).")
    note: Text | None = None

    @field_validator("old", "new", mode="before", json_schema_input_type=str | list[str])
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value

    @model_validator(mode="after")
    def _shape(self) -> MappingEntry:
        shapes = {
            MappingKind.RENAMED: (1, 1),
            MappingKind.SPLIT: (1, None),
            MappingKind.MERGED: (None, 1),
        }
        if self.kind is MappingKind.REMOVED:
            if self.new:
                raise ValueError("a removed criterion maps to nothing: leave 'new' out")
            return self
        n_old, n_new = shapes[self.kind]
        if n_old is not None and len(self.old) != n_old:
            raise ValueError(f"a {self.kind.value} entry takes exactly {n_old} old id")
        if n_new is not None and len(self.new) != n_new:
            raise ValueError(f"a {self.kind.value} entry takes exactly {n_new} new id")
        if not self.new:
            raise ValueError(f"a {self.kind.value} entry needs at least one new id")
        return self


class Mapping(_Strict):
    """How the criteria of an older version became the criteria of this one.

    Ids that stand in both versions and are listed nowhere are unchanged.
    """

    from_version: str = Field(description="The older version of this referential the changes start from.")
    changes: list[MappingEntry] = Field(default_factory=list, description="Criteria renamed, split, merged "
                                        "or removed; ids present in both versions and listed nowhere are "
                                        "unchanged.")


class Referential(_Strict):
    """A versioned referential: themes, criteria, answer scale and scoring rules."""

    id: Id = Field(description="Referential id, the same across versions (e.g. 'label-nr').")
    version: str = Field(min_length=1, description="Version (quote it: \"2024\"); assessments pin it.")
    effective_date: dt.date = Field(description="Date the version takes effect (YYYY-MM-DD).")
    source: str = Field(description="Where the criteria come from.")
    title: Text
    languages: list[Literal["fr", "en"]] = Field(
        default=["fr", "en"], min_length=1,
        description="Languages its texts are given in: [fr] for French only (English then reads in French).")
    scale: Scale = Field(description="The answer scale and the credit each answer earns.")
    scoring: ScoringRules
    themes: list[Theme] = Field(min_length=1)
    criteria: list[Criterion] = Field(min_length=1)
    profiles: list[Profile] = Field(default_factory=list, description="Variants (IT service companies, "
                                    "local authorities...).")
    questions: list[Question] = Field(default_factory=list, description="Applicability questions.")
    jobs: list[Job] = Field(default_factory=list, description="Jobs that criteria name as concerned.")
    mapping: Mapping | None = Field(default=None, description="How the criteria of the previous version "
                                    "became those of this one.")

    model_config = ConfigDict(extra="forbid", frozen=True, ignored_types=(cached_property,))

    # Cross-reference checks live in labelnr.validation so that each error can name
    # the criterion and the YAML line; the model itself stays declarative.

    def model_copy(self, *, update: MappingOf[str, Any] | None = None, deep: bool = False) -> Self:
        # The cached indexes live in the instance dict, which a copy shares: drop them so
        # that a copy with other criteria or themes does not answer with the old ones.
        copy = super().model_copy(update=update, deep=deep)
        for name in ("criteria_by_id", "themes_by_id"):
            copy.__dict__.pop(name, None)
        return copy

    @cached_property
    def criteria_by_id(self) -> dict[str, Criterion]:
        return {c.id: c for c in self.criteria}

    @cached_property
    def themes_by_id(self) -> dict[str, Theme]:
        return {t.id: t for t in self.themes}

    @property
    def key(self) -> str:
        return f"{self.id}@{self.version}"

    def criterion_weight(self, criterion: Criterion) -> float:
        if criterion.priority is not None:
            return self.scoring.priority_weights[criterion.priority]
        return criterion.weight if criterion.weight is not None else 1.0

    def profile(self, profile_id: str | None) -> Profile | None:
        if profile_id is None:
            return None
        return next((p for p in self.profiles if p.id == profile_id), None)

    def criteria_for(self, profile_id: str | None = None) -> list[Criterion]:
        """The criteria that make up the referential under a profile, in file order."""
        profile = self.profile(profile_id)
        excluded = set(profile.exclude) if profile else set()
        return [
            c
            for c in self.criteria
            if c.id not in excluded and (not c.profiles or (profile_id in c.profiles))
        ]

    def mandatory_for(self, level: LabelLevel) -> list[str]:
        """Criteria that must be met to reach ``level`` (those of lower levels included)."""
        ids = [c.id for c in self.criteria if c.mandatory and c.level <= level.level]
        for lower in self.scoring.levels:
            if lower.level <= level.level:
                ids.extend(i for i in lower.mandatory if i not in ids)
        return ids
