"""Alembic environment: always driven from code with a live connection (see storage.db)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from labelnr.storage.models import Base

connection = context.config.attributes.get("connection")
if not isinstance(connection, Connection):
    raise RuntimeError("run migrations through 'labelnr db upgrade' (labelnr.storage.db.ensure_schema)")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    transactional_ddl=True,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
