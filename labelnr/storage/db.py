"""Where the data lives and how we talk to it: URL, engine, pragmas, sessions, schema upgrades.

- Data folder: ``LABELNR_DATA_DIR`` or ``audits/`` at the project root. The SQLite
  database (``labelnr.db``) and the evidence store (``evidence/``) live there.
- Database: ``LABELNR_DATABASE_URL`` (``postgresql+psycopg://user:pw@host/db`` for a shared
  server; ``postgresql://`` is read as psycopg) or the SQLite file of the data folder.
- SQLite runs in WAL mode with foreign keys on and a busy timeout. Writers open their
  transaction with ``BEGIN IMMEDIATE`` so two writers queue for the lock instead of
  failing half-way when a read transaction tries to become a write one.
- PostgreSQL reads run in REPEATABLE READ so a page sees one consistent state; writes run
  in READ COMMITTED and rely on row locks and compare-and-set updates (see ``service``).
- The schema is created or upgraded with Alembic (``labelnr/migrations``) by
  :func:`ensure_schema`, serialised between processes that start at the same time.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from labelnr import settings
from labelnr.storage.errors import AlreadyExists, StoreBusy, StoreError

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
SQLITE_FILE = "labelnr.db"
#: How long a writer waits for another one before giving up with :class:`StoreBusy`.
BUSY_TIMEOUT_MS = 30_000
#: Arbitrary constant naming our PostgreSQL advisory lock (schema upgrades, demo import).
_PG_LOCK_KEY = 0x1AB1_E0_2


def data_dir() -> Path:
    """The data folder: ``LABELNR_DATA_DIR`` or ``audits/`` beside ``criteria/``."""
    return settings.load().data_dir


def database_url(folder: Path | None = None) -> str:
    """``LABELNR_DATABASE_URL`` or the SQLite file of the data folder."""
    configured = settings.load().database_url
    if configured:
        return configured
    return f"sqlite:///{(folder or data_dir()) / SQLITE_FILE}"


def _normalised(raw: str) -> URL:
    try:
        url = make_url(raw)
    except ArgumentError:
        raise StoreError.of("db_bad_url", url=raw) from None
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    if url.drivername not in ("sqlite", "sqlite+pysqlite", "postgresql+psycopg"):
        shown = url.render_as_string(hide_password=True)
        raise StoreError.of("db_unsupported", driver=url.drivername, url=shown)
    return url


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event emit BEGIN: pysqlite's own implicit BEGIN comes too late
    # (after the first read), which breaks IMMEDIATE locking and transactional DDL.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode = WAL")
    # FULL: a committed answer survives a power cut, not only a process crash.
    cursor.execute("PRAGMA synchronous = FULL")
    cursor.close()


def _on_sqlite_begin(connection: Connection) -> None:
    mode = "IMMEDIATE" if connection.get_execution_options().get("labelnr_write") else "DEFERRED"
    connection.exec_driver_sql(f"BEGIN {mode}")


def make_engine(raw_url: str) -> Engine:
    """An engine with our pragmas and transaction rules for SQLite or PostgreSQL."""
    url = _normalised(raw_url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            folder = Path(url.database).parent
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError.of("db_no_folder", folder=folder, reason=exc.strerror or str(exc)) from None
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
        event.listen(engine, "connect", _on_sqlite_connect)
        event.listen(engine, "begin", _on_sqlite_begin)
        return engine
    try:
        return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)
    except ModuleNotFoundError:
        raise StoreError.of("db_no_psycopg") from None


def _is_duplicate(exc: IntegrityError) -> bool:
    """A unique constraint violated (PostgreSQL SQLSTATE 23505, SQLite's own message)."""
    return getattr(exc.orig, "sqlstate", None) == "23505" or "UNIQUE constraint failed" in str(exc.orig)


def _is_busy(exc: OperationalError) -> bool:
    text = str(exc.orig).lower()
    return "database is locked" in text or "database is busy" in text


class Database:
    """One engine and its two kinds of sessions (consistent reads, serialised writes)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.backend = self.engine.dialect.name
        read_engine = self.engine
        if self.backend == "postgresql":
            read_engine = self.engine.execution_options(isolation_level="REPEATABLE READ")
        self._read_engine = read_engine
        self._reader = sessionmaker(read_engine, expire_on_commit=False)
        self._writer = sessionmaker(self.engine.execution_options(labelnr_write=True), expire_on_commit=False)

    @property
    def display_url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    @contextmanager
    def reading(self) -> Iterator[Session]:
        try:
            with self._reader() as session, session.begin():
                yield session
        except OperationalError as exc:
            raise self._unavailable(exc) from exc

    @contextmanager
    def reading_core(self) -> Iterator[Connection]:
        """A read transaction on a bare connection (no ORM session): for the few small reads
        made on every page rerun (a campaign's revision key, an identity's grants), where the
        session's bookkeeping costs more than the query."""
        try:
            with self._read_engine.begin() as connection:
                yield connection
        except OperationalError as exc:
            raise self._unavailable(exc) from exc

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """A write transaction: committed when the block ends, rolled back on any error.

        A unique constraint hit by a change made at the same moment elsewhere (two people
        creating the same campaign) becomes :class:`AlreadyExists`; a database that is locked
        or unreachable, a clear :class:`StoreError`.
        """
        try:
            with self._writer() as session, session.begin():
                yield session
        except IntegrityError as exc:
            if not _is_duplicate(exc):
                raise
            raise AlreadyExists.of("db_collision") from exc
        except OperationalError as exc:
            if self.backend == "sqlite" and _is_busy(exc):
                raise StoreBusy() from exc
            raise self._unavailable(exc) from exc

    def _unavailable(self, exc: OperationalError) -> StoreError:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        return StoreError.of("db_unavailable", url=self.display_url, reason=reason)

    def lock_exclusively(self, session: Session) -> None:
        """Serialise one-off jobs (demo import) between processes, until the transaction ends.

        SQLite writers already hold the database lock (BEGIN IMMEDIATE); PostgreSQL takes an
        advisory lock.
        """
        if self.backend == "postgresql":
            session.connection().exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_LOCK_KEY})")

    def dispose(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.dispose()


def alembic_config() -> Config:
    """Alembic configured in code: no alembic.ini to ship or to find."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    config.set_main_option("path_separator", "os")
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def ensure_schema(engine: Engine) -> bool:
    """Create or upgrade the schema to the newest migration; True when something was applied.

    Processes starting together take turns: the PostgreSQL advisory lock or SQLite's
    write lock is held for the whole upgrade, which runs in one transaction.
    """
    head = head_revision()
    try:
        if current_revision(engine) == head:
            return False
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise StoreError.of("db_unavailable", url=engine.url.render_as_string(hide_password=True),
                            reason=reason) from exc
    config = alembic_config()
    with engine.connect().execution_options(labelnr_write=True) as connection, connection.begin():
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_LOCK_KEY})")
        if MigrationContext.configure(connection).get_current_revision() == head:
            return False
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    return True
