"""Errors the store raises on purpose; each says what happened and what to do about it."""

from __future__ import annotations

import datetime as dt
import re

from labelnr.errors import LabelnrError, Msg, message
from labelnr.i18n import Term


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
        params = {"campaign": campaign_id, "status": Term("context.status", status),
                  "what": Term("errors.locked", what)}
        super().__init__(message("campaign_locked", params, None), code="campaign_locked", params=params)


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
        # Short: who changed what and when; the revisions stay attributes, not text.
        code = "conflict_at" if changed_at else "conflict"
        params: dict[str, object] = {"what": _subject(what, criterion_id, kind),
                                     "who": changed_by or Msg("someone")}
        if changed_at:
            params["when"] = changed_at
        super().__init__(message(code, params, None), code=code, params=params)


def _subject(what: str, criterion_id: str | None, kind: str | None) -> str | Msg:
    """What changed, as a message that translates (the English ``what`` stays its log text)."""
    if kind in ("answer", "verdict") and criterion_id and what == SUBJECTS[kind].format(criterion_id):
        return Msg(f"conflict_{kind}", criterion=criterion_id)
    title = re.fullmatch(r"commitment '(.*)'", what, re.DOTALL)
    if kind == "commitment" and title:
        return Msg("conflict_commitment", title=title.group(1))
    return what


SUBJECTS = {"answer": "the answer to {}", "verdict": "the verdict on {}"}


class InvalidEvidence(StoreError):
    """An uploaded file or link that the evidence rules refuse (size, type, content, scheme)."""


class StoreBusy(StoreError):
    """The database stayed locked by another writer for longer than the busy timeout."""

    def __init__(self) -> None:
        super().__init__(message("store_busy", {}, None), code="store_busy")


class UnknownReferential(StoreError):
    def __init__(self, ref_id: str, version: str, known: list[str]) -> None:
        params = {"ref": ref_id, "version": version, "known": ", ".join(known) or "none"}
        code = "unknown_referential"
        super().__init__(message(code, params, None), code=code, params=params)
