"""Evidence named but not uploaded: keep the file reference an imported assessment gave.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23

Assessments written by hand or exported elsewhere name documents ("policy.pdf") that do
not travel with them. Such evidence is kept as kind ``named``: listed and exported with
the reference as given, never downloadable until someone uploads the file.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("evidence", sa.Column("reference", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("evidence") as batch:
        batch.drop_column("reference")
