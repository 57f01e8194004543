"""Initial schema: organisation tree, campaigns, answers, verdicts, evidence, plan, history.

Revision ID: 0001
Revises:
Create Date: 2026-11-23

Written out in full (no import of the models): a migration must keep meaning what it
meant when it shipped, whatever the models become later.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

ID = sa.String(64)
ACTOR = sa.String(320)


def _stamp(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=f"fk_{table}_{column}_{target}")


def upgrade() -> None:
    op.create_table(
        "organisations",
        sa.Column("id", ID, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        _stamp("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_organisations"),
    )
    op.create_table(
        "entities",
        sa.Column("id", ID, nullable=False),
        sa.Column("organisation_id", ID, nullable=False),
        sa.Column("parent_id", ID, nullable=True),
        sa.Column("name", sa.String(200), nullable=False),
        _stamp("created_at"),
        _fk("entities", "organisation_id", "organisations"),
        _fk("entities", "parent_id", "entities"),
        sa.PrimaryKeyConstraint("id", name="pk_entities"),
    )
    op.create_index("ix_entities_organisation_id", "entities", ["organisation_id"])
    op.create_index("ix_entities_parent_id", "entities", ["parent_id"])
    op.create_table(
        "campaigns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entity_id", ID, nullable=False),
        sa.Column("referential_id", ID, nullable=False),
        sa.Column("referential_version", ID, nullable=False),
        sa.Column("profile", ID, nullable=True),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("name", sa.String(200), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("applicability", sa.JSON(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("copied_from_id", sa.Integer(), nullable=True),
        _stamp("created_at"),
        sa.Column("created_by", ACTOR, nullable=False),
        _stamp("updated_at"),
        sa.Column("updated_by", ACTOR, nullable=False),
        _stamp("submitted_at", nullable=True),
        _stamp("audited_at", nullable=True),
        _stamp("closed_at", nullable=True),
        _fk("campaigns", "copied_from_id", "campaigns"),
        _fk("campaigns", "entity_id", "entities"),
        sa.PrimaryKeyConstraint("id", name="pk_campaigns"),
        sa.UniqueConstraint(
            "entity_id",
            "referential_id",
            "referential_version",
            "period",
            name="uq_campaigns_key",
        ),
    )
    op.create_index("ix_campaigns_entity_id", "campaigns", ["entity_id"])
    op.create_table(
        "answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("criterion_id", ID, nullable=False),
        sa.Column("level", ID, nullable=True),
        sa.Column("na_reason", ID, nullable=True),
        sa.Column("na_justification", sa.Text(), nullable=True),
        sa.Column("na_approved_by", sa.String(200), nullable=True),
        sa.Column("na_review_by", sa.Date(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("owner", sa.String(200), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        _stamp("updated_at"),
        sa.Column("updated_by", ACTOR, nullable=False),
        _fk("answers", "campaign_id", "campaigns"),
        sa.PrimaryKeyConstraint("id", name="pk_answers"),
        sa.UniqueConstraint("campaign_id", "criterion_id", name="uq_answers_campaign_id_criterion_id"),
    )
    op.create_table(
        "inherited_answers",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("criterion_id", ID, nullable=False),
        sa.Column("source_campaign_id", sa.Integer(), nullable=False),
        sa.Column("source_entity_id", ID, nullable=False),
        sa.Column("answer", sa.JSON(), nullable=False),
        _fk("inherited_answers", "campaign_id", "campaigns"),
        sa.ForeignKeyConstraint(
            ["source_campaign_id"], ["campaigns.id"], name="fk_inherited_answers_source_campaign_id_campaigns"
        ),
        sa.ForeignKeyConstraint(
            ["source_entity_id"], ["entities.id"], name="fk_inherited_answers_source_entity_id_entities"
        ),
        sa.PrimaryKeyConstraint("campaign_id", "criterion_id", name="pk_inherited_answers"),
    )
    op.create_table(
        "verdicts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("criterion_id", ID, nullable=False),
        sa.Column("verdict", sa.String(16), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("auditor", sa.String(200), nullable=True),
        sa.Column("date", sa.Date(), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        _stamp("updated_at"),
        sa.Column("updated_by", ACTOR, nullable=False),
        _fk("verdicts", "campaign_id", "campaigns"),
        sa.PrimaryKeyConstraint("id", name="pk_verdicts"),
        sa.UniqueConstraint("campaign_id", "criterion_id", name="uq_verdicts_campaign_id_criterion_id"),
    )
    op.create_table(
        "evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("criterion_id", ID, nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("sha256", sa.String(64), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("filename", sa.String(200), nullable=True),
        sa.Column("media_type", sa.String(100), nullable=True),
        sa.Column("effective_date", sa.Date(), nullable=True),
        sa.Column("inherited_from_id", sa.Integer(), nullable=True),
        _stamp("added_at"),
        sa.Column("added_by", ACTOR, nullable=False),
        _fk("evidence", "campaign_id", "campaigns"),
        _fk("evidence", "inherited_from_id", "campaigns"),
        sa.PrimaryKeyConstraint("id", name="pk_evidence"),
    )
    op.create_index("ix_evidence_campaign_id_criterion_id", "evidence", ["campaign_id", "criterion_id"])
    op.create_index("ix_evidence_sha256", "evidence", ["sha256"])
    op.create_table(
        "commitments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        _stamp("updated_at"),
        sa.Column("updated_by", ACTOR, nullable=False),
        _fk("commitments", "campaign_id", "campaigns"),
        sa.PrimaryKeyConstraint("id", name="pk_commitments"),
    )
    op.create_index("ix_commitments_campaign_id_position", "commitments", ["campaign_id", "position"])
    op.create_table(
        "targets",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("criterion_id", ID, nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("level", ID, nullable=False),
        _fk("targets", "campaign_id", "campaigns"),
        sa.PrimaryKeyConstraint("campaign_id", "criterion_id", "year", name="pk_targets"),
    )
    op.create_table(
        "events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        _stamp("at"),
        sa.Column("actor", ACTOR, nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("organisation_id", ID, nullable=True),
        sa.Column("entity_id", ID, nullable=True),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("criterion_id", ID, nullable=True),
        sa.Column("subject", ID, nullable=True),
        sa.Column("field", sa.String(64), nullable=False),
        sa.Column("old", sa.JSON(), nullable=True),
        sa.Column("new", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_events"),
    )
    op.create_index("ix_events_campaign_id_criterion_id", "events", ["campaign_id", "criterion_id"])
    op.create_index("ix_events_organisation_id_at", "events", ["organisation_id", "at"])
    _append_only("events")
    op.create_table(
        "role_grants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("identity", ACTOR, nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("node", ID, nullable=False),
        _stamp("granted_at"),
        sa.Column("granted_by", ACTOR, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_role_grants"),
        sa.UniqueConstraint("identity", "role", "node", name="uq_role_grants_identity_role_node"),
    )


def _append_only(table: str) -> None:
    """History is evidence: the database itself refuses to rewrite or delete it."""
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} are append-only'); END"
            )
        return
    op.execute(
        f"CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$ BEGIN RAISE EXCEPTION '{table} are append-only'; END $$"
    )
    op.execute(
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()"
    )


def downgrade() -> None:
    for table in (
        "role_grants",
        "events",
        "targets",
        "commitments",
        "evidence",
        "verdicts",
        "inherited_answers",
        "answers",
        "campaigns",
        "entities",
        "organisations",
    ):
        op.drop_table(table)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION events_append_only()")
