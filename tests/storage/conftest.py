"""A fresh store per test, on each backend (see ``db_url`` in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from storage_helpers import REFERENTIALS, plant_tree

from labelnr.loader import Catalog, load_catalog
from labelnr.storage import Store, open_store


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    loaded = load_catalog(REFERENTIALS)
    assert not loaded.problems
    return loaded


@pytest.fixture
def store(db_url: str, tmp_path: Path, catalog: Catalog) -> Iterator[Store]:
    with open_store(db_url, tmp_path / "data", catalog, import_demo=False) as opened:
        yield opened


@pytest.fixture
def tree(store: Store) -> Store:
    """A group with two IT departments, one with a site; a mini@1 baseline campaign each."""
    return plant_tree(store)
