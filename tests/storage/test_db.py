"""Database settings, pragmas, schema migrations and append-only history on both backends."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from labelnr import settings
from labelnr.storage import db as dbmod
from labelnr.storage.errors import StoreError
from labelnr.storage.models import Base


def test_data_folder_and_database_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv(settings.DATABASE_URL, raising=False)
    monkeypatch.delenv(settings.DATA_DIR, raising=False)
    assert dbmod.data_dir() == settings.DEFAULT_DATA_DIR
    assert settings.DEFAULT_DATA_DIR.name == "audits"
    monkeypatch.setenv(settings.DATA_DIR, str(tmp_path))
    assert dbmod.data_dir() == tmp_path
    assert dbmod.database_url() == f"sqlite:///{tmp_path / 'labelnr.db'}"
    monkeypatch.setenv(settings.DATABASE_URL, "postgresql+psycopg://u:p@db/labelnr")
    assert dbmod.database_url() == "postgresql+psycopg://u:p@db/labelnr"


def test_bad_database_urls_are_explained_without_the_password() -> None:
    with pytest.raises(StoreError, match="is not a database URL"):
        dbmod.make_engine("not a url")
    with pytest.raises(
        StoreError, match=r"unsupported database 'mysql\+pymysql' in mysql\+pymysql://u:\*\*\*@h/d"
    ):
        dbmod.make_engine("mysql+pymysql://u:secret@h/d")
    engine = dbmod.make_engine("postgresql://u:secret@localhost/d")  # read as psycopg
    assert engine.url.drivername == "postgresql+psycopg"
    engine.dispose()


def test_sqlite_runs_in_wal_mode_with_foreign_keys_and_a_busy_timeout(tmp_path: Path) -> None:
    database = dbmod.Database(f"sqlite:///{tmp_path / 'sub' / 'x.db'}")
    try:
        with database.reading() as s:
            pragmas = {
                name: s.execute(text(f"PRAGMA {name}")).scalar()
                for name in ("journal_mode", "foreign_keys", "busy_timeout", "synchronous")
            }
        assert pragmas == {
            "journal_mode": "wal",
            "foreign_keys": 1,
            "busy_timeout": dbmod.BUSY_TIMEOUT_MS,
            "synchronous": 2,
        }
    finally:
        database.dispose()


def test_the_migrations_build_exactly_the_models_and_run_once(db_url: str) -> None:
    database = dbmod.Database(db_url)
    try:
        assert dbmod.ensure_schema(database.engine) is True
        assert dbmod.ensure_schema(database.engine) is False
        assert dbmod.current_revision(database.engine) == dbmod.head_revision()
        with database.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        database.dispose()


def test_the_database_refuses_to_rewrite_or_delete_history(db_url: str) -> None:
    database = dbmod.Database(db_url)
    try:
        dbmod.ensure_schema(database.engine)
        with database.writing() as s:
            s.execute(
                text(
                    "INSERT INTO events (at, actor, action, field) VALUES "
                    "(CURRENT_TIMESTAMP, 'alice', 'answer', 'level')"
                )
            )
        for statement in ("UPDATE events SET actor = 'mallory'", "DELETE FROM events"):
            with pytest.raises(DBAPIError, match="append-only"), database.writing() as s:
                s.execute(text(statement))
        with database.reading() as s:
            assert s.execute(text("SELECT actor FROM events")).scalars().all() == ["alice"]
    finally:
        database.dispose()


def test_an_unreachable_or_unwritable_database_is_explained(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    with pytest.raises(StoreError, match="cannot create the data folder"):
        dbmod.make_engine(f"sqlite:///{blocked / 'sub' / 'x.db'}")
    engine = dbmod.make_engine("postgresql+psycopg://u:secret@127.0.0.1:1/db")
    try:
        with pytest.raises(StoreError, match=r"cannot use the database postgresql\+psycopg://u:\*\*\*@127"):
            dbmod.ensure_schema(engine)
    finally:
        engine.dispose()
