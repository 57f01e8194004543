"""Small helpers shared by the storage tests."""

from __future__ import annotations

import datetime as dt
import multiprocessing
from multiprocessing.context import ForkServerContext
from pathlib import Path

from labelnr.storage import Store

DAY = dt.date(2025, 1, 15)
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
#: The referentials the storage tests use (mini@1, profiles-test@1, evo@1 and evo@2).
REFERENTIALS = [
    FIXTURES / name for name in ("mini.yaml", "scoring-profiles.yaml", "v1-ref.yaml", "v2-ref.yaml")
]

#: Child processes for the concurrency and crash tests. A fork server imports the store once,
#: so children start fast and share no database connection with the test process (the server
#: cannot import the test folder's modules; preloading the package is what matters).
PROCESSES: ForkServerContext = multiprocessing.get_context("forkserver")
PROCESSES.set_forkserver_preload(["labelnr.storage.service", "labelnr.loader"])


def plant_tree(store: Store) -> Store:
    """A group with two IT departments, one with a site; a mini@1 baseline campaign each."""
    store.create_organisation("admin", "acme", "ACME")
    store.create_entity("admin", "acme", "group", "ACME Group")
    store.create_entity("admin", "acme", "dsi-a", "IT A", parent_id="group")
    store.create_entity("admin", "acme", "dsi-b", "IT B", parent_id="group")
    store.create_entity("admin", "acme", "site-a1", "Site A1", parent_id="dsi-a")
    for entity in ("group", "dsi-a", "dsi-b", "site-a1"):
        store.create_campaign("admin", entity, "mini", "1", "baseline", DAY)
    return store


def campaign_of(store: Store, entity: str, period: str = "baseline") -> int:
    """The id of an entity's campaign for a period (mini@1)."""
    return next(c.id for c in store.campaigns(entity) if c.period.value == period)
