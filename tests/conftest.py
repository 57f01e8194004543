"""Fixtures shared by several test folders."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from tests.support.properties import register_profiles

# --- property tests: few examples locally, the full count in CI ------------------------------
# HYPOTHESIS_PROFILE=full runs the CI count locally.
register_profiles()
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "full" if os.environ.get("CI") else "quick"))

# --- databases: SQLite and a real PostgreSQL (storage) -------------------------------------
# ``db_url`` runs a test once per backend, each time on a new empty database (a SQLite file
# in tmp_path, or a new schema on the PostgreSQL server). The server comes from
# LABELNR_TEST_POSTGRES_URL, else a throwaway one is started from the Debian 'postgresql'
# package; without either the PostgreSQL runs are skipped — except under CI, where they fail.


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    configured = os.environ.get("LABELNR_TEST_POSTGRES_URL")
    if configured:
        yield configured
        return
    from tests.support.pgserver import PostgresUnavailable, start

    try:
        server = start()
    except PostgresUnavailable as exc:
        reason = (f"PostgreSQL tests need a server: {exc}; install the Debian package 'postgresql' "
                  "or set LABELNR_TEST_POSTGRES_URL")
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    yield server.url
    server.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'labelnr.db'}"
        return
    from tests.support.pgserver import drop_schema, fresh_schema

    url = fresh_schema(request.getfixturevalue("postgres_server"))
    yield url
    drop_schema(url)


# --- end of databases ------------------------------------------------------------------------
