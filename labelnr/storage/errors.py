"""Errors the store raises on purpose; each says what happened and what to do about it."""

from __future__ import annotations

import datetime as dt

from labelnr.errors import LabelnrError


class StoreError(LabelnrError):
    """Base of the store's own errors."""


class NotFound(StoreError):
    """An organisation, entity, campaign, commitment or evidence id that does not exist."""


class AlreadyExists(StoreError):
    """Creating something whose id (or campaign key) is already taken."""


class InvalidInput(StoreError):
    """A value the referential or the store does not accept (unknown criterion, bad level...)."""


class CampaignLocked(StoreError):
    """A write to a campaign whose status freezes that part of it (submitted, audited, closed)."""

    def __init__(self, campaign_id: int, status: str, what: str) -> None:
        self.campaign_id, self.status = campaign_id, status
        super().__init__(
            f"campaign {campaign_id} is {status}: {what} can no longer be changed "
            "(it is a dated snapshot; copy it to start a new campaign)"
        )


class ConflictError(StoreError):
    """A save based on a stale read: someone else changed the same item in between."""

    def __init__(
        self,
        what: str,
        changed_by: str | None,
        changed_at: dt.datetime | None,
        current_revision: int,
        expected_revision: int,
        criterion_id: str | None = None,
        kind: str | None = None,
    ) -> None:
        self.what = what
        #: The criterion concerned and the kind of row ("answer", "verdict", "commitment").
        self.criterion_id = criterion_id
        self.kind = kind
        self.changed_by = changed_by
        self.changed_at = changed_at
        self.current_revision = current_revision
        self.expected_revision = expected_revision
        who = changed_by or "someone"
        when = f" at {changed_at:%Y-%m-%d %H:%M:%S} UTC" if changed_at else ""
        super().__init__(
            f"{what} was changed by {who}{when} after you opened it (revision {current_revision}, "
            f"you had {expected_revision}); nothing was saved: reload to see their version, "
            "then redo your change"
        )


class InvalidEvidence(StoreError):
    """An uploaded file or link that the evidence rules refuse (size, type, content, scheme)."""


class StoreBusy(StoreError):
    """The database stayed locked by another writer for longer than the busy timeout."""

    def __init__(self) -> None:
        super().__init__("the database is busy with another writer; nothing was saved, try again in a moment")


class UnknownReferential(StoreError):
    def __init__(self, ref_id: str, version: str, known: list[str]) -> None:
        super().__init__(
            f"referential {ref_id} version {version} is not available "
            f"(known: {', '.join(known) or 'none'}); add its YAML file under criteria/"
        )
