"""Small helpers shared by the storage tests."""

from __future__ import annotations

import datetime as dt

from labelnr.storage import Store

DAY = dt.date(2025, 1, 15)


def campaign_of(store: Store, entity: str, period: str = "baseline") -> int:
    """The id of an entity's campaign for a period (mini@1)."""
    return next(c.id for c in store.campaigns(entity) if c.period.value == period)
