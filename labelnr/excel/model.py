"""What an evidence workbook is made of: one campaign, its referential, scores and provenance.

:class:`WorkbookData` is the single input of the export, the re-import check and the
evidence pack. It is plain frozen data, built either from a stored campaign
(:mod:`labelnr.excel.from_store`) or from an interchange YAML file
(:mod:`labelnr.excel.from_file`), so that everything downstream is a pure function.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

from labelnr.assessment import (
    Answer,
    Assessment,
    AuditorVerdict,
    Commitment,
    Period,
    excluded_and_forced_na,
)
from labelnr.coverage import EntityCoverage
from labelnr.referential import Criterion, EvidenceType, Referential
from labelnr.scoring import Scores
from labelnr.trajectory import Start

#: The workbook format written in the hidden sheet; a re-import refuses any other.
FORMAT = "labelnr-workbook/1"

#: The answer column's value for "not applicable". It contains a '/', so it can never be
#: the id of a scale level (ids are ``[A-Za-z0-9][A-Za-z0-9._-]*``).
NOT_APPLICABLE = "n/a"

Status = Literal["draft", "submitted", "audited", "closed"]
#: Where the campaign comes from: the database (re-import applies there) or a YAML file.
Source = Literal["store", "file"]

#: Fields a workbook row carries that a re-import may change, in column order.
ANSWER_FIELDS: tuple[str, ...] = ("answer", "na_justification", "comment", "owner")
VERDICT_FIELDS: tuple[str, ...] = ("verdict", "verdict_comment")
EDITABLE_FIELDS: tuple[str, ...] = ANSWER_FIELDS + VERDICT_FIELDS
#: The longest text the interchange model accepts in each free-text editable field.
MAX_LENGTH: dict[str, int] = {
    "na_justification": 4000,
    "comment": 8000,
    "owner": 200,
    "verdict_comment": 8000,
}


_UNSAFE_NAME = re.compile(r"[^\w.-]+")


def safe_file_name(name: str) -> str:
    """A file name safe in any zip and file system: no folders, no leading dot, 120 characters at most."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    clean = _UNSAFE_NAME.sub("_", base).lstrip("._")[-120:]
    return clean or "file"


@dataclass(frozen=True)
class Revision:
    """The version of one stored row: a save must name it (0: the row never existed)."""

    number: int
    at: dt.datetime | None = None
    by: str | None = None


NO_REVISION = Revision(0)


@dataclass(frozen=True)
class RowRevisions:
    """The revisions of a criterion's own answer and of its verdict."""

    answer: Revision = NO_REVISION
    verdict: Revision = NO_REVISION


@dataclass(frozen=True)
class HistoryEntry:
    """One change of the campaign's history (values as plain JSON data)."""

    at: dt.datetime
    actor: str
    #: answer, verdict, evidence, commitment, target, status, campaign, import...
    action: str
    criterion: str | None
    field: str
    old: Any
    new: Any


@dataclass(frozen=True)
class EvidenceEntry:
    """One piece of evidence behind a criterion: a link, or a file identified by its SHA-256."""

    criterion: str
    type: EvidenceType
    title: str
    url: str | None = None
    #: The file's name (no folders), for a file.
    file_name: str | None = None
    sha256: str | None = None
    size: int | None = None
    effective_date: dt.date | None = None
    #: Where the evidence pack reads the file from: the store's blob or a path next to the
    #: YAML file. Never written into the workbook.
    location: str | None = None
    #: The entity the evidence is inherited from, when it is not the campaign's own.
    inherited_from: str | None = None

    @property
    def is_file(self) -> bool:
        return self.url is None

    @property
    def pack_path(self) -> str | None:
        """Where the evidence pack puts the file (and where the workbook's link points)."""
        if self.url is not None or self.file_name is None:
            return None
        return f"evidence/{self.sha256 or 'unhashed'}/{safe_file_name(self.file_name)}"


@dataclass(frozen=True)
class ActualPoint:
    """A campaign held by the entity: its period and its self-assessed and verified points."""

    period: Period
    date: dt.date
    points: float
    level: int
    verified_points: float | None = None


@dataclass(frozen=True)
class WorkbookData:
    """Everything an evidence workbook shows, and what its re-import is checked against."""

    source: Source
    #: The stored campaign id, or the YAML file's name for a file.
    campaign_id: str
    status: Status
    #: The campaign's own data (answers, verdicts, commitments, targets).
    assessment: Assessment
    referential: Referential
    referential_sha256: str
    #: The answer that counts for each answered criterion (own or inherited).
    effective: Mapping[str, Answer]
    self_scores: Scores
    verified_scores: Scores
    exported_by: str
    exported_at: dt.datetime
    app_version: str
    #: Counts every change of the campaign (0 for a file).
    campaign_revision: int = 0
    #: Criterion id → the entity name its effective answer is inherited from.
    inherited_from: Mapping[str, str] = field(default_factory=dict)
    evidence: tuple[EvidenceEntry, ...] = ()
    history: tuple[HistoryEntry, ...] = ()
    revisions: Mapping[str, RowRevisions] = field(default_factory=dict)
    #: The entity's campaigns on this referential, for the trajectory's actual points.
    actual: tuple[ActualPoint, ...] = ()
    #: The answers the planned trajectory starts from (the cycle's first campaign);
    #: ``None``: this campaign's effective answers.
    plan_start: Mapping[str, Answer] | None = None
    #: Year of the cycle → the campaign held that year (this referential version): each projected
    #: year starts from the latest one at or before it, as on the plan page.
    projection_starts: Mapping[int, Start] = field(default_factory=dict)
    #: The date the data stands at, when exported ``--as-of`` a past date.
    as_of: dt.date | None = None
    lang: Literal["fr", "en"] = "fr"
    #: The RGESN coverage of the mapped criteria by the entity's digital services (a label
    #: campaign whose entity has services assessed on the crosswalk's target grid).
    coverage: EntityCoverage | None = None

    @property
    def commitments(self) -> list[Commitment]:
        return self.assessment.commitments

    @property
    def period(self) -> Period:
        return self.assessment.campaign.period

    @property
    def criteria(self) -> list[Criterion]:
        """The criteria the workbook lists: those in the score (profile and questions applied)."""
        return [c for c in self.referential.criteria if c.id in self.self_scores.criteria]

    def verdict(self, criterion_id: str) -> AuditorVerdict | None:
        return self.assessment.verdicts.get(criterion_id)

    def revision(self, criterion_id: str) -> RowRevisions:
        return self.revisions.get(criterion_id, RowRevisions())

    @cached_property
    def forced_na(self) -> frozenset[str]:
        """Criteria not applicable by the profile or an applicability question (nobody answers them)."""
        _, forced = excluded_and_forced_na(
            self.referential, self.assessment.profile, dict(self.assessment.applicability)
        )
        return frozenset(forced)

    @property
    def answers_editable(self) -> bool:
        """The referent's columns can be filled in offline only while the campaign is a draft
        (and never in a workbook showing a past date)."""
        return self.status == "draft" and self.as_of is None

    @property
    def verdicts_editable(self) -> bool:
        return self.status in ("draft", "submitted") and self.as_of is None


def row_values(data: WorkbookData, criterion_id: str) -> dict[str, str | None]:
    """The editable fields of a criterion's row as the workbook shows them (ids, not labels).

    A criterion made not applicable by the profile or a question shows "not applicable"
    with the reason as its justification, whatever its stored answer.
    """
    answer = data.effective.get(criterion_id)
    verdict = data.verdict(criterion_id)
    level: str | None = None
    justification: str | None = None
    if criterion_id in data.forced_na:
        level = NOT_APPLICABLE
        scored = data.self_scores.criteria.get(criterion_id)
        reason = scored.not_applicable_reason if scored else None
        justification = reason if isinstance(reason, str) or reason is None else reason.get(data.lang)
    elif answer is not None:
        if answer.not_applicable is not None:
            level, justification = NOT_APPLICABLE, answer.not_applicable.justification
        else:
            level = answer.level
    return {
        "answer": level,
        "na_justification": justification,
        "comment": answer.comment if answer else None,
        "owner": answer.owner if answer else None,
        "verdict": verdict.verdict.value if verdict else None,
        "verdict_comment": verdict.comment if verdict else None,
    }
