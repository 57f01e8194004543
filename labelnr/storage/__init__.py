"""Assessments in a database (SQLite by default, PostgreSQL when shared) and evidence on disk.

Use :func:`open_store` and the :class:`Store` API (see ``labelnr.storage.service``).
"""

from labelnr.storage.errors import (
    AlreadyExists,
    CampaignLocked,
    ConflictError,
    InvalidEvidence,
    InvalidInput,
    NotFound,
    StoreBusy,
    StoreError,
    UnknownReferential,
)
from labelnr.storage.service import Store, open_store
from labelnr.storage.views import CampaignStatus

__all__ = [
    "AlreadyExists",
    "CampaignLocked",
    "CampaignStatus",
    "ConflictError",
    "InvalidEvidence",
    "InvalidInput",
    "NotFound",
    "Store",
    "StoreBusy",
    "StoreError",
    "UnknownReferential",
    "open_store",
]
