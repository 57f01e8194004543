"""Assessments in a database (SQLite by default, PostgreSQL when shared) and evidence on disk.

The public surface: :func:`open_store` gives a :class:`Store`; ``store.as_actor(identity)`` gives
the :class:`ActorStore` every page and command works through. The records they return
(``CampaignView``, ``PortfolioRow``...) and the errors they raise are re-exported here; modules
named with a leading underscore are internals of the store. ``backup``, ``db``, ``evidence`` and
``models`` are subsystems of their own, imported by name where needed.
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
from labelnr.storage.views import (
    AnswerSource,
    CampaignInfo,
    CampaignScores,
    CampaignSnapshot,
    CampaignStatus,
    CampaignView,
    CommitmentItem,
    EntityInfo,
    EvidenceItem,
    ImportResult,
    IntegrityReport,
    OrganisationInfo,
    PortfolioPlans,
    PortfolioRow,
    Revision,
)

if TYPE_CHECKING:
    from labelnr.storage.history import HistoryEvent, HistoryFilter, Target
    from labelnr.storage.scoped import ActorStore
    from labelnr.storage.service import (
        AnswerChange,
        EvidenceFile,
        ImportItem,
        Store,
        VerdictChange,
        open_store,
    )

#: Imported on first use: the store pulls in SQLAlchemy and pandas, which commands that never
#: open a store (``labelnr --help``) must not pay for.
_LAZY = {
    "Store": "labelnr.storage.service", "open_store": "labelnr.storage.service",
    "AnswerChange": "labelnr.storage.service", "VerdictChange": "labelnr.storage.service",
    "ImportItem": "labelnr.storage.service", "EvidenceFile": "labelnr.storage.service",
    "ActorStore": "labelnr.storage.scoped",
    "HistoryEvent": "labelnr.storage.history", "HistoryFilter": "labelnr.storage.history",
    "Target": "labelnr.storage.history",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "ActorStore",
    "AlreadyExists",
    "AnswerChange",
    "AnswerSource",
    "CampaignInfo",
    "CampaignLocked",
    "CampaignScores",
    "CampaignSnapshot",
    "CampaignStatus",
    "CampaignView",
    "CommitmentItem",
    "ConflictError",
    "EntityInfo",
    "EvidenceFile",
    "EvidenceItem",
    "HistoryEvent",
    "HistoryFilter",
    "ImportItem",
    "ImportResult",
    "IntegrityReport",
    "InvalidEvidence",
    "InvalidInput",
    "NotFound",
    "OrganisationInfo",
    "PortfolioPlans",
    "PortfolioRow",
    "Revision",
    "Store",
    "StoreBusy",
    "StoreError",
    "Target",
    "UnknownReferential",
    "VerdictChange",
    "open_store",
]
