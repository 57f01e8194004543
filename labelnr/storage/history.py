"""The change log: one append-only event per changed field (who, when, what, old → new)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from labelnr.storage.models import EventRow


@dataclass(frozen=True)
class HistoryEvent:
    """One change. ``old``/``new`` are plain JSON values (dates as ISO text)."""

    id: int
    at: dt.datetime
    actor: str
    #: What kind of thing changed: answer, verdict, evidence, commitment, target, status,
    #: campaign, entity, organisation, grant, import.
    action: str
    organisation_id: str | None
    entity_id: str | None
    campaign_id: int | None
    criterion_id: str | None
    #: The evidence or commitment id, when the change is about one of them.
    subject: str | None
    field: str
    old: Any
    new: Any


def plain(value: Any) -> Any:
    """A JSON-ready copy of ``value`` (models dumped without empty fields, dates as text)."""
    if isinstance(value, BaseModel):
        return plain(value.model_dump(mode="json", exclude_none=True))
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


@dataclass(frozen=True)
class Target:
    """Where a change happens in the organisation tree."""

    organisation_id: str | None
    entity_id: str | None = None
    campaign_id: int | None = None


class Recorder:
    """Writes the events of one transaction: one actor, one timestamp, committed with the change."""

    def __init__(self, session: Session, actor: str, at: dt.datetime) -> None:
        self.session = session
        self.actor = actor
        self.at = at
        self.count = 0

    def change(
        self,
        target: Target,
        action: str,
        field: str,
        old: Any,
        new: Any,
        criterion: str | None = None,
        subject: str | int | None = None,
    ) -> bool:
        """Record ``field`` going from ``old`` to ``new``; nothing when they are equal."""
        old_p, new_p = plain(old), plain(new)
        if old_p == new_p:
            return False
        self.session.add(
            EventRow(
                at=self.at,
                actor=self.actor,
                action=action,
                organisation_id=target.organisation_id,
                entity_id=target.entity_id,
                campaign_id=target.campaign_id,
                criterion_id=criterion,
                subject=None if subject is None else str(subject),
                field=field,
                old=old_p,
                new=new_p,
            )
        )
        self.count += 1
        return True

    def fields(
        self,
        target: Target,
        action: str,
        old: Mapping[str, Any],
        new: Mapping[str, Any],
        criterion: str | None = None,
        subject: str | int | None = None,
    ) -> int:
        """One event per key whose value differs between ``old`` and ``new``."""
        changed = 0
        for key in [*new, *(k for k in old if k not in new)]:
            changed += self.change(target, action, key, old.get(key), new.get(key), criterion, subject)
        return changed


def _event(row: EventRow) -> HistoryEvent:
    return HistoryEvent(
        row.id,
        row.at,
        row.actor,
        row.action,
        row.organisation_id,
        row.entity_id,
        row.campaign_id,
        row.criterion_id,
        row.subject,
        row.field,
        row.old,
        row.new,
    )


@dataclass(frozen=True)
class HistoryFilter:
    """Which events to read: every field given must match (None: any); the newest ``limit``."""

    organisation_id: str | None = None
    entity_id: str | None = None
    campaign_id: int | None = None
    criterion_id: str | None = None
    actor: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    limit: int | None = None


def query(session: Session, where: HistoryFilter) -> list[HistoryEvent]:
    """Events matching ``where``, oldest first (the newest ``limit`` when given)."""
    stmt = select(EventRow)
    for column, wanted in (
        (EventRow.organisation_id, where.organisation_id),
        (EventRow.entity_id, where.entity_id),
        (EventRow.campaign_id, where.campaign_id),
        (EventRow.criterion_id, where.criterion_id),
        (EventRow.actor, where.actor),
    ):
        if wanted is not None:
            stmt = stmt.where(column == wanted)
    if where.since is not None:
        stmt = stmt.where(EventRow.at >= where.since)
    if where.until is not None:
        stmt = stmt.where(EventRow.at <= where.until)
    limit = where.limit
    if limit is not None:
        rows = list(session.scalars(stmt.order_by(EventRow.id.desc()).limit(limit)))
        rows.reverse()
    else:
        rows = list(session.scalars(stmt.order_by(EventRow.id)))
    return [_event(r) for r in rows]


@dataclass
class Replayed:
    """A campaign's own content rebuilt from its events (see :func:`replay`)."""

    campaign: dict[str, Any]
    applicability: dict[str, Any]
    status: str | None
    answers: dict[str, dict[str, Any]]
    verdicts: dict[str, dict[str, Any]]
    #: Evidence id → (criterion, evidence record as recorded when added).
    evidence: dict[int, tuple[str, dict[str, Any]]]
    #: Commitment id → its data.
    commitments: dict[int, dict[str, Any]]
    targets: dict[tuple[str, int], str]


def replay(events: list[HistoryEvent]) -> Replayed:
    """Apply a campaign's events in order: the state they lead to.

    Every change the store makes to a campaign's own content is an event with its old and
    new value, so replaying the events up to a date gives the campaign as it stood then.
    """
    state = Replayed({}, {}, None, {}, {}, {}, {}, {})
    for event in events:
        field, new, crit = event.field, event.new, event.criterion_id
        if event.action == "campaign":
            if field.startswith("applicability."):
                _put(state.applicability, field.removeprefix("applicability."), new)
            elif field == "applicability":
                state.applicability = dict(new or {})
            else:
                state.campaign[field] = new
        elif event.action == "status":
            state.status = new
        elif event.action == "answer" and crit is not None:
            _put(state.answers.setdefault(crit, {}), field, new)
        elif event.action == "verdict" and crit is not None:
            _put(state.verdicts.setdefault(crit, {}), field, new)
        elif event.action == "evidence" and crit is not None and event.subject is not None:
            if field == "added":
                state.evidence[int(event.subject)] = (crit, dict(new))
            else:
                state.evidence.pop(int(event.subject), None)
        elif event.action == "commitment" and event.subject is not None:
            subject = int(event.subject)
            if field == "commitment":
                _put(state.commitments, subject, None if new is None else dict(new))
            else:
                _put(state.commitments.setdefault(subject, {}), field, new)
        elif event.action == "target" and crit is not None:
            _put(state.targets, (crit, int(field.removeprefix("year"))), new)
    return state


def _put(mapping: dict[Any, Any], key: Any, value: Any) -> None:
    if value is None:
        mapping.pop(key, None)
    else:
        mapping[key] = value
