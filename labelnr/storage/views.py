"""What the store hands out: frozen dataclasses and pydantic models, never ORM objects."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

from labelnr.assessment import Answer, Assessment, AuditorVerdict, Commitment, EntityKind, EvidenceRef, Period
from labelnr.referential import EvidenceType
from labelnr.scoring import Scores


class CampaignStatus(StrEnum):
    """draft → submitted → audited → closed.

    A draft can be changed. A submitted campaign is a dated snapshot of the
    self-assessment: only the auditor's verdicts can still be set. Audited and closed
    campaigns are entirely read-only.
    """

    DRAFT = "draft"
    SUBMITTED = "submitted"
    AUDITED = "audited"
    CLOSED = "closed"


@dataclass(frozen=True)
class OrganisationInfo:
    id: str
    name: str


@dataclass(frozen=True)
class EntityInfo:
    id: str
    name: str
    organisation_id: str
    parent_id: str | None
    #: 0 for an entity without parent; the tree listing is depth-first.
    depth: int
    #: Entity ids from the top of the tree down to this one (inclusive).
    path: tuple[str, ...]
    #: "unit", or the kind of digital service ("website", "app", "api").
    kind: EntityKind = EntityKind.UNIT

    @property
    def is_service(self) -> bool:
        return self.kind.is_service


@dataclass(frozen=True)
class CampaignInfo:
    id: int
    organisation_id: str
    entity_id: str
    referential_id: str
    referential_version: str
    profile: str | None
    period: Period
    date: dt.date
    name: str | None
    status: CampaignStatus
    #: Counts every change made to the campaign (exports record it).
    revision: int
    copied_from_id: int | None
    created_at: dt.datetime
    created_by: str
    updated_at: dt.datetime
    updated_by: str
    submitted_at: dt.datetime | None
    audited_at: dt.datetime | None
    closed_at: dt.datetime | None

    @property
    def referential_key(self) -> str:
        return f"{self.referential_id}@{self.referential_version}"

    @property
    def editable(self) -> bool:
        return self.status is CampaignStatus.DRAFT


@dataclass(frozen=True)
class AnswerSource:
    """Where a campaign's effective answer to a criterion comes from."""

    campaign_id: int
    entity_id: str
    entity_name: str
    #: False for the campaign's own answer, True for one inherited from an ancestor entity.
    inherited: bool


@dataclass(frozen=True)
class Revision:
    """The version of one answer or verdict row: send ``number`` back when saving it."""

    number: int
    updated_at: dt.datetime
    updated_by: str


@dataclass(frozen=True)
class EvidenceItem:
    id: int
    campaign_id: int
    criterion_id: str
    #: "file" (stored blob, download through Store.evidence_path), "link", or "named" (a file an
    #: imported assessment names without providing it: nothing to download yet).
    kind: str
    type: EvidenceType
    title: str
    url: str | None
    sha256: str | None
    size: int | None
    filename: str | None
    media_type: str | None
    effective_date: dt.date | None
    added_at: dt.datetime
    added_by: str
    #: The ancestor's campaign this evidence was inherited from (frozen at submission), if any.
    inherited_from_id: int | None
    #: For "named" evidence: the file reference as given.
    reference: str | None = None

    def ref(self) -> EvidenceRef:
        """The evidence as the interchange file writes it (files under ``evidence/<sha256>/``)."""
        if self.kind == "link":
            return EvidenceRef(
                type=self.type, title=self.title, url=self.url, effective_date=self.effective_date
            )
        if self.kind == "named":
            return EvidenceRef(
                type=self.type,
                title=self.title,
                file=self.reference or self.filename,
                sha256=self.sha256,
                effective_date=self.effective_date,
            )
        return EvidenceRef(
            type=self.type,
            title=self.title,
            file=f"evidence/{self.sha256}/{self.filename}",
            sha256=self.sha256,
            effective_date=self.effective_date,
        )


@dataclass(frozen=True)
class CommitmentItem:
    id: int
    position: int
    revision: int
    commitment: Commitment
    updated_at: dt.datetime
    updated_by: str


@dataclass(frozen=True)
class CampaignView:
    """One campaign as a page needs it.

    ``assessment`` is the campaign's own data, exactly what ``export-yaml`` writes.
    ``effective`` holds the answer that counts for each answered criterion — the
    campaign's own, or the one inherited from an ancestor entity (``sources`` says which),
    with its evidence. Scores use ``effective``.
    """

    info: CampaignInfo
    organisation: OrganisationInfo
    entity: EntityInfo
    assessment: Assessment
    effective: dict[str, Answer]
    sources: dict[str, AnswerSource]
    answer_revisions: dict[str, Revision]
    verdict_revisions: dict[str, Revision]
    #: Evidence that backs each criterion's effective answer (own and inherited).
    evidence: dict[str, tuple[EvidenceItem, ...]]
    commitments: tuple[CommitmentItem, ...]

    @property
    def id(self) -> int:
        return self.info.id

    @property
    def status(self) -> CampaignStatus:
        return self.info.status

    def answer_revision(self, criterion_id: str) -> int:
        """The revision to send with a save of this criterion's answer (0: never answered)."""
        rev = self.answer_revisions.get(criterion_id)
        return rev.number if rev else 0

    def verdict_revision(self, criterion_id: str) -> int:
        rev = self.verdict_revisions.get(criterion_id)
        return rev.number if rev else 0

    def verdict(self, criterion_id: str) -> AuditorVerdict | None:
        return self.assessment.verdicts.get(criterion_id)


@dataclass(frozen=True)
class CampaignScores:
    """Self-assessed and auditor-verified scores side by side (see labelnr.verification)."""

    campaign_id: int
    self_assessed: Scores
    verified: Scores
    #: Answered criteria no verdict confirms yet.
    unverified: tuple[str, ...]
    #: Criteria a verdict lowered: (self-assessed, verified) level ids ("n/a" for N/A).
    lowered: dict[str, tuple[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class CampaignSnapshot:
    """A campaign's own content and status as they stood at a moment, rebuilt from the history."""

    campaign_id: int
    at: dt.datetime
    status: CampaignStatus
    assessment: Assessment


@dataclass(frozen=True)
class PortfolioRow:
    """One campaign of an organisation, scored (self-assessed) for dashboards."""

    campaign: CampaignInfo
    entity: EntityInfo
    points: float
    max_points: float
    #: None when no criterion applies (undefined, not 0 %).
    percent: float | None
    level: int
    answered: int
    applicable: int
    #: Percentage per theme id (None where no criterion of the theme applies).
    themes: dict[str, float | None]
    inherited: int


@dataclass(frozen=True)
class PortfolioPlans:
    """An organisation's portfolio with what its dashboard needs beyond the scores, read at once."""

    rows: list[PortfolioRow]
    #: Campaign id → criterion → (level, not applicable), inheritance applied.
    effective: dict[int, dict[str, tuple[str | None, bool]]]
    applicability: dict[int, dict[str, bool]]
    #: Campaign id → criterion → year → level planned.
    targets: dict[int, dict[str, dict[int, str]]]
    commitments: dict[int, list[Commitment]]


@dataclass(frozen=True)
class ImportResult:
    """What one imported file did."""

    source: str
    campaign_id: int
    created: bool
    changes: int
    #: Files the assessment names that were not provided (kept as "named" evidence, to upload).
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class IntegrityReport:
    problems: tuple[str, ...]
    checked_files: int

    @property
    def ok(self) -> bool:
        return not self.problems
