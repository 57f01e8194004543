"""Backups that restore on either backend: every table as JSON lines, the evidence they use, a manifest.

``backup`` reads the whole database in one consistent snapshot (PostgreSQL REPEATABLE READ,
SQLite's read transaction), writes each table to ``tables/<name>.jsonl``, copies every evidence
file that a row or the history names to ``evidence/<sha256>`` (each checked against its hash),
and writes ``manifest.json`` last, with the schema revision, the row counts and the SHA-256 of
every file. The folder appears complete or not at all (written beside it, then renamed).

``restore`` checks the whole backup first (manifest, every file's hash, evidence hashes), then
refuses a database that already holds data, copies the evidence, and loads every row in one
transaction at the backup's schema revision before upgrading to this version's head: all or
nothing. A backup taken on SQLite restores on PostgreSQL and the other way round.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import Date, DateTime, Integer, Table, func, insert, inspect, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.types import TypeDecorator

from labelnr.storage.db import Database, alembic_config, head_revision
from labelnr.storage.errors import StoreError
from labelnr.storage.evidence import EvidenceStore
from labelnr.storage.models import Base

FORMAT = "labelnr-backup"
FORMAT_VERSION = 1
_CHUNK = 1 << 20


class BackupError(StoreError):
    """A backup that cannot be written or restored; the message says what and where."""


@dataclass(frozen=True)
class BackupReport:
    folder: Path
    revision: str | None
    rows: dict[str, int]
    evidence_files: int

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def _referenced_blobs(table: Table, row: dict[str, Any]) -> Iterator[str]:
    if table.name == "evidence" and row.get("sha256"):
        yield str(row["sha256"])
    if table.name == "events":
        for side in (row.get("old"), row.get("new")):
            if isinstance(side, dict) and isinstance(side.get("sha256"), str):
                yield side["sha256"]


def backup(database: Database, files: EvidenceStore, folder: Path) -> BackupReport:
    """Write a complete backup of the database and its evidence to ``folder`` (which must not exist)."""
    if folder.exists() and any(folder.iterdir()):
        raise BackupError.of("backup_folder_not_empty", folder=folder)
    partial = folder.with_name(f".{folder.name}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    (partial / "tables").mkdir(parents=True)
    (partial / "evidence").mkdir()
    rows: dict[str, int] = {}
    hashes: dict[str, str] = {}
    blobs: set[str] = set()
    try:
        with database.reading() as session:
            connection = session.connection()
            revision = current_revision_in(connection)
            for table in Base.metadata.sorted_tables:
                path = partial / "tables" / f"{table.name}.jsonl"
                count = 0
                with path.open("w", encoding="utf-8") as out:
                    order = list(table.primary_key.columns)
                    for record in connection.execute(select(table).order_by(*order)).mappings():
                        row = dict(record)
                        blobs.update(_referenced_blobs(table, row))
                        out.write(json.dumps({k: _jsonable(v) for k, v in row.items()}, ensure_ascii=False,
                                             sort_keys=True))
                        out.write("\n")
                        count += 1
                rows[table.name] = count
                hashes[f"tables/{table.name}.jsonl"] = _sha256_file(path)
        copied = 0
        missing = []
        for sha in sorted(blobs):
            source = files.path(sha)
            if not source.is_file():
                missing.append(sha)
                continue
            target = partial / "evidence" / sha
            shutil.copyfile(source, target)
            if _sha256_file(target) != sha:
                raise BackupError.of("backup_evidence_hash", file=source)
            copied += 1
        manifest = {
            "format": FORMAT, "format_version": FORMAT_VERSION, "revision": revision,
            "backend": database.backend, "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "rows": rows, "files": hashes, "evidence": copied, "evidence_missing": missing,
        }
        (partial / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True),
                                               encoding="utf-8")
        if folder.exists():
            folder.rmdir()
        partial.rename(folder)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return BackupReport(folder, revision, rows, copied)


def current_revision_in(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


def _manifest(folder: Path) -> dict[str, Any]:
    path = folder / "manifest.json"
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError.of("backup_no_manifest", folder=folder) from None
    except (OSError, ValueError) as exc:
        raise BackupError.of("backup_manifest_unreadable", file=path, reason=str(exc)) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError.of("backup_not_a_manifest", file=path)
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError.of("backup_format", file=path, found=str(manifest.get("format_version")),
                             expected=FORMAT_VERSION)
    return manifest


def verify(folder: Path) -> dict[str, Any]:
    """Check a backup without touching any database; its manifest when every file is intact."""
    manifest = _manifest(folder)
    for name, sha in sorted(manifest["files"].items()):
        path = folder / name
        if not path.is_file() or path.is_symlink():
            raise BackupError.of("backup_file_missing", file=path)
        if _sha256_file(path) != sha:
            raise BackupError.of("backup_file_damaged", file=path)
    for path in sorted((folder / "evidence").iterdir()):
        if path.is_symlink() or not path.is_file() or _sha256_file(path) != path.name:
            raise BackupError.of("backup_evidence_name", file=path)
    known = {t.name for t in Base.metadata.sorted_tables}
    unknown = set(manifest["rows"]) - known
    if unknown:
        raise BackupError.of("backup_unknown_tables", folder=folder, tables=sorted(unknown))
    return manifest


def _python_type(column: Any) -> type | None:
    kind = column.type
    if isinstance(kind, TypeDecorator):
        kind = kind.impl_instance
    if isinstance(kind, DateTime):
        return dt.datetime
    if isinstance(kind, Date):
        return dt.date
    return None


def _decode(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    """JSON gave dates and times back as ISO strings: turn them into what each column takes."""
    out = dict(row)
    for column in table.columns:
        value = out.get(column.name)
        if not isinstance(value, str):
            continue
        kind = _python_type(column)
        if kind is dt.datetime:
            out[column.name] = dt.datetime.fromisoformat(value)
        elif kind is dt.date:
            out[column.name] = dt.date.fromisoformat(value)
    return out


def _parents_first(table: Table, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows of a table that points to itself (an entity's parent), each after the row it names."""
    links = [(fk.parent.name, fk.column.name) for fk in table.foreign_keys if fk.column.table is table]
    if not links:
        return rows
    done: set[Any] = set()
    ordered: list[dict[str, Any]] = []
    pending = rows
    while pending:
        ready = [r for r in pending if all(r.get(col) is None or r[col] in done for col, _ in links)]
        if not ready:  # a cycle cannot be stored with the constraints on: keep the order given
            ordered.extend(pending)
            break
        for row in ready:
            done.add(row[links[0][1]])
        ordered.extend(ready)
        pending = [r for r in pending if r not in ready]
    return ordered


def _is_empty(connection: Connection) -> bool:
    names = set(inspect(connection).get_table_names())
    for table in Base.metadata.sorted_tables:
        if table.name in names and connection.execute(select(func.count()).select_from(table)).scalar_one():
            return False
    return True


def restore(database: Database, files: EvidenceStore, folder: Path) -> BackupReport:
    """Load a backup into an empty database (all or nothing), then upgrade its schema to head."""
    manifest = verify(folder)
    revision = manifest["revision"]
    head = head_revision()
    config = alembic_config()
    with database.engine.connect().execution_options(labelnr_write=True) as connection, connection.begin():
        if not _is_empty(connection):
            raise BackupError.of("backup_database_not_empty", url=database.display_url)
        present = current_revision_in(connection)
        if present not in (None, revision):
            raise BackupError.of("backup_other_revision", url=database.display_url, present=present,
                                 revision=revision)
        for path in sorted((folder / "evidence").iterdir()):
            files.put_file(path)
        config.attributes["connection"] = connection
        if revision is not None and present is None:
            command.upgrade(config, revision)
        for table in Base.metadata.sorted_tables:
            path = folder / "tables" / f"{table.name}.jsonl"
            if not path.exists():
                continue
            with path.open(encoding="utf-8") as source:
                rows = [_decode(table, json.loads(line)) for line in source]
            for start in range(0, len(rows), 500):
                connection.execute(insert(table), _parents_first(table, rows)[start:start + 500])
        if connection.dialect.name == "postgresql":
            _reset_sequences(connection)
        if head != revision:
            command.upgrade(config, "head")
    return BackupReport(folder, revision, dict(manifest["rows"]), int(manifest["evidence"]))


def _reset_sequences(connection: Connection) -> None:
    """Rows were inserted with their ids: move each id sequence past the largest one."""
    for table in Base.metadata.sorted_tables:
        pk = list(table.primary_key.columns)
        if len(pk) != 1 or not isinstance(pk[0].type, Integer) or pk[0].autoincrement is False:
            continue
        # Table and column names come from our own models, never from input.
        connection.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{table.name}', '{pk[0].name}'), "  # noqa: S608
            f"COALESCE((SELECT MAX({pk[0].name}) FROM {table.name}), 0) + 1, false)"))
