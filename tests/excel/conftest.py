"""Fixtures of the Excel workbook tests."""

from __future__ import annotations

import pytest
from excel_helpers import FIXTURES, ROOT

from labelnr.loader import Catalog, LoadedReferential, load_catalog, load_referential


@pytest.fixture(scope="session")
def mini() -> LoadedReferential:
    return load_referential(FIXTURES / "mini.yaml")


@pytest.fixture(scope="session")
def real_catalog() -> Catalog:
    catalog = load_catalog([ROOT / "criteria"])
    assert not catalog.problems
    return catalog
