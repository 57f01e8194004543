"""Digital services as nodes of the organisation tree: an entity's ``kind``.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03

A website, an app or an API run by an entity is assessed on its own (RGESN campaigns) with
everything an entity campaign has — answers, evidence, history, roles inherited from the
entity above. It is stored as a child entity whose ``kind`` says which kind of service it
is; every existing entity is a ``unit`` (a part of the organisation).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("entities", sa.Column("kind", sa.String(16), nullable=False, server_default="unit"))


def downgrade() -> None:
    with op.batch_alter_table("entities") as batch:
        batch.drop_column("kind")
