"""Assessments in a database (SQLite by default, PostgreSQL when shared) and evidence on disk.

Use :func:`open_store` and the :class:`Store` API (see ``labelnr.storage.service``).
"""

from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
    from labelnr.storage.service import Store, open_store
    from labelnr.storage.views import CampaignStatus

#: Imported on first use: the service pulls in SQLAlchemy and pandas, which commands of this
#: package that never open a store (``labelnr --help``) must not pay for.
_LAZY = {"Store": "labelnr.storage.service", "open_store": "labelnr.storage.service",
         "CampaignStatus": "labelnr.storage.views"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
