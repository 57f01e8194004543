"""Time as the package reads it: every stored instant is UTC, a date given alone means its last instant."""

from __future__ import annotations

import datetime as dt


def now() -> dt.datetime:
    """The current instant, timezone-aware (UTC)."""
    return dt.datetime.now(dt.UTC)


def aware(value: dt.datetime) -> dt.datetime:
    """``value`` in UTC; a naive value (SQLite returns them) is taken as UTC already."""
    return value.astimezone(dt.UTC) if value.tzinfo else value.replace(tzinfo=dt.UTC)


def start_of(day: dt.date) -> dt.datetime:
    """The first instant of ``day`` (UTC)."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)


def end_of(day: dt.date) -> dt.datetime:
    """The last instant of ``day`` (UTC): "as of 31 March" includes everything done on the 31st."""
    return dt.datetime.combine(day, dt.time.max, tzinfo=dt.UTC)
