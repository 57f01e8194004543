"""A throwaway PostgreSQL server, for the test suite and the benchmarks (never for the app).

Uses the binaries of Debian's ``postgresql`` package (``/usr/lib/postgresql/<v>/bin``) or
those on PATH. The cluster lives in a temporary folder, listens on a free loopback port,
trusts local connections, skips fsync (its data is thrown away) and is removed by
:meth:`TempPostgres.stop`. Run as root, the server runs as the ``postgres`` user, since
PostgreSQL refuses to run as root.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from .ports import free_port


class PostgresUnavailable(Exception):
    """No PostgreSQL binaries, or the server would not start (the message says which)."""


def _bin_dir() -> Path | None:
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if versions:
        return versions[-1].parent
    found = shutil.which("initdb")
    return Path(found).parent if found else None


@dataclass
class TempPostgres:
    url: str
    folder: Path
    bin_dir: Path
    prefix: tuple[str, ...]

    def stop(self) -> None:
        subprocess.run(  # our own arguments
            [
                *self.prefix,
                str(self.bin_dir / "pg_ctl"),
                "-D",
                str(self.folder / "data"),
                "-m",
                "immediate",
                "-w",
                "stop",
            ],
            capture_output=True,
            check=False,
            timeout=60,
        )
        shutil.rmtree(self.folder, ignore_errors=True)


def start() -> TempPostgres:
    """Start a private server; raise :class:`PostgresUnavailable` with the reason when impossible."""
    bin_dir = _bin_dir()
    if bin_dir is None:
        raise PostgresUnavailable("PostgreSQL binaries not found (Debian package 'postgresql')")
    folder = Path(tempfile.mkdtemp(prefix="labelnr-pg-"))
    prefix: tuple[str, ...] = ()
    if os.geteuid() == 0:
        runuser = shutil.which("runuser")
        if runuser is None:
            raise PostgresUnavailable("running as root without 'runuser' to start PostgreSQL as 'postgres'")
        prefix = (runuser, "-u", "postgres", "--")
        shutil.chown(folder, "postgres", "postgres")
    port = free_port()
    server = TempPostgres(f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres", folder, bin_dir, prefix)
    options = (
        f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    )
    steps = [
        [
            str(bin_dir / "initdb"),
            "-D",
            str(folder / "data"),
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--no-sync",
        ],
        [
            str(bin_dir / "pg_ctl"),
            "-D",
            str(folder / "data"),
            "-o",
            options,
            "-l",
            str(folder / "server.log"),
            "-w",
            "-t",
            "60",
            "start",
        ],
    ]
    for step in steps:
        done = subprocess.run([*prefix, *step], capture_output=True, text=True, check=False, timeout=120)
        if done.returncode != 0:
            log = (
                (folder / "server.log").read_text(errors="replace")[-2000:]
                if (folder / "server.log").exists()
                else ""
            )
            server.stop()
            raise PostgresUnavailable(
                f"{Path(step[0]).name} failed: {done.stderr.strip()[-2000:]} {log}".strip()
            )
    return server


def fresh_schema(url: str) -> str:
    """A URL on the same database whose tables live in a new, empty schema (one per test)."""
    schema = f"t_{uuid.uuid4().hex[:16]}"
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    finally:
        engine.dispose()
    return (
        make_url(url)
        .update_query_dict({"options": f"-csearch_path={schema}"})
        .render_as_string(hide_password=False)
    )


def drop_schema(url: str) -> None:
    """Remove the schema a :func:`fresh_schema` URL points to (best effort)."""
    parsed = make_url(url)
    options = str(parsed.query.get("options", ""))
    schema = options.removeprefix("-csearch_path=")
    if not schema.startswith("t_"):
        return
    engine = create_engine(parsed.difference_update_query(["options"]))
    try:
        with engine.begin() as connection:
            connection.execute(text("SET lock_timeout = '5s'"))
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    except Exception:  # a leftover schema in a throwaway database is harmless
        pass
    finally:
        engine.dispose()
