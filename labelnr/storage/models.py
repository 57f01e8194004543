"""The tables (SQLAlchemy 2 typed ORM). Nothing outside ``labelnr.storage`` sees these objects.

Revisions: every answer, verdict and commitment row carries a ``revision`` that each
change increments; a save names the revision it was based on (optimistic concurrency).
The campaign's own ``revision`` counts every change to the campaign (exports record it).
Rows are never deleted to clear an answer or a verdict: their fields go back to null and
the revision keeps counting, so a stale save can never slip through after a clear.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

ID_LENGTH = 64
ACTOR_LENGTH = 320  # an e-mail address at most


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC datetimes on both backends (SQLite keeps naive text: we add UTC back)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware (UTC)")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(table_name)s_%(column_0_N_name)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
        }
    )
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dt.datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
        str: String(ID_LENGTH),
    }


class OrganisationRow(Base):
    __tablename__ = "organisations"

    id: Mapped[str] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class EntityRow(Base):
    """A node of an organisation's tree (group, IT department, site). Ids are unique store-wide."""

    __tablename__ = "entities"

    id: Mapped[str] = mapped_column(primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("entities.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    #: "unit" (a part of the organisation) or a digital service's kind: "website", "app", "api"
    #: (labelnr.assessment.EntityKind). A service is a leaf under a unit.
    kind: Mapped[str] = mapped_column(String(16), default="unit", server_default="unit")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class CampaignRow(Base):
    __tablename__ = "campaigns"
    # One campaign per entity, referential version and period (inheritance finds them by this key).
    __table_args__ = (
        UniqueConstraint(
            "entity_id", "referential_id", "referential_version", "period", name="uq_campaigns_key"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entity_id: Mapped[str] = mapped_column(ForeignKey("entities.id"), index=True)
    referential_id: Mapped[str]
    referential_version: Mapped[str]
    profile: Mapped[str | None]
    period: Mapped[str] = mapped_column(String(16))
    date: Mapped[dt.date] = mapped_column(Date)
    name: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="draft")
    applicability: Mapped[dict[str, Any]] = mapped_column(default=dict)
    revision: Mapped[int] = mapped_column(Integer, default=0)
    copied_from_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(ACTOR_LENGTH))
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(ACTOR_LENGTH))
    submitted_at: Mapped[dt.datetime | None]
    audited_at: Mapped[dt.datetime | None]
    closed_at: Mapped[dt.datetime | None]


class AnswerRow(Base):
    """A campaign's own answer to a criterion (inherited answers are not copied here)."""

    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("campaign_id", "criterion_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    criterion_id: Mapped[str]
    level: Mapped[str | None]
    na_reason: Mapped[str | None]
    na_justification: Mapped[str | None] = mapped_column(Text)
    na_approved_by: Mapped[str | None] = mapped_column(String(200))
    na_review_by: Mapped[dt.date | None] = mapped_column(Date)
    comment: Mapped[str | None] = mapped_column(Text)
    owner: Mapped[str | None] = mapped_column(String(200))
    revision: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(ACTOR_LENGTH))


class InheritedAnswerRow(Base):
    """An inherited answer frozen into a campaign when it is submitted (the snapshot)."""

    __tablename__ = "inherited_answers"

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), primary_key=True)
    criterion_id: Mapped[str] = mapped_column(primary_key=True)
    source_campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    source_entity_id: Mapped[str] = mapped_column(ForeignKey("entities.id"))
    #: The answer (without evidence: inherited evidence is copied as evidence rows).
    answer: Mapped[dict[str, Any]]


class VerdictRow(Base):
    __tablename__ = "verdicts"
    __table_args__ = (UniqueConstraint("campaign_id", "criterion_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    criterion_id: Mapped[str]
    verdict: Mapped[str | None] = mapped_column(String(16))
    comment: Mapped[str | None] = mapped_column(Text)
    auditor: Mapped[str | None] = mapped_column(String(200))
    date: Mapped[dt.date | None] = mapped_column(Date)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(ACTOR_LENGTH))


class EvidenceRow(Base):
    """A file (content-addressed blob) or a link backing a criterion's answer."""

    __tablename__ = "evidence"
    __table_args__ = (Index(None, "campaign_id", "criterion_id"), Index(None, "sha256"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    criterion_id: Mapped[str]
    #: "file" (a stored blob), "link", or "named": a file an imported assessment names but did
    #: not provide (listed and exported, nothing to download until it is uploaded).
    kind: Mapped[str] = mapped_column(String(8))
    type: Mapped[str] = mapped_column(String(16))  # documentation / means / result
    title: Mapped[str] = mapped_column(String(300))
    url: Mapped[str | None] = mapped_column(Text)
    sha256: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[int | None] = mapped_column(BigInteger)
    filename: Mapped[str | None] = mapped_column(String(200))
    media_type: Mapped[str | None] = mapped_column(String(100))
    effective_date: Mapped[dt.date | None] = mapped_column(Date)
    #: For "named" evidence: the file reference as the assessment gave it (exported back as is).
    reference: Mapped[str | None] = mapped_column(Text)
    #: Set on copies frozen from an ancestor's campaign at submission (not the campaign's own).
    inherited_from_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"))
    added_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    added_by: Mapped[str] = mapped_column(String(ACTOR_LENGTH))


class CommitmentRow(Base):
    __tablename__ = "commitments"
    __table_args__ = (Index(None, "campaign_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    position: Mapped[int] = mapped_column(Integer)
    #: The commitment as the interchange model holds it (title, scope, targets, indicator...).
    data: Mapped[dict[str, Any]]
    revision: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(ACTOR_LENGTH))


class TargetRow(Base):
    """The level planned for a criterion in year 1, 2 or 3 (the target trajectory)."""

    __tablename__ = "targets"

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), primary_key=True)
    criterion_id: Mapped[str] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    level: Mapped[str]


class EventRow(Base):
    """One change, append-only (database triggers refuse UPDATE and DELETE)."""

    __tablename__ = "events"
    __table_args__ = (Index(None, "campaign_id", "criterion_id"), Index(None, "organisation_id", "at"))

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[dt.datetime]
    actor: Mapped[str] = mapped_column(String(ACTOR_LENGTH))
    action: Mapped[str] = mapped_column(String(32))
    organisation_id: Mapped[str | None]
    entity_id: Mapped[str | None]
    campaign_id: Mapped[int | None] = mapped_column(Integer)
    criterion_id: Mapped[str | None]
    #: What inside the target changed (evidence id, commitment id...), when not the criterion.
    subject: Mapped[str | None]
    field: Mapped[str] = mapped_column(String(64))
    old: Mapped[Any | None] = mapped_column(JSON)
    new: Mapped[Any | None] = mapped_column(JSON)


class RoleGrantRow(Base):
    """``identity`` holds ``role`` on the organisation-tree node ``node`` (see labelnr.permissions)."""

    __tablename__ = "role_grants"
    __table_args__ = (UniqueConstraint("identity", "role", "node"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    identity: Mapped[str] = mapped_column(String(ACTOR_LENGTH))
    role: Mapped[str] = mapped_column(String(16))
    node: Mapped[str]
    granted_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    granted_by: Mapped[str] = mapped_column(String(ACTOR_LENGTH))
