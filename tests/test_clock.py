"""One reading of time: UTC instants, a date alone spans its whole day."""

from __future__ import annotations

import datetime as dt

from labelnr import clock


def test_a_naive_instant_is_taken_as_utc_and_an_aware_one_converted() -> None:
    assert clock.aware(dt.datetime(2026, 3, 1, 9, 30)) == dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC)
    paris = dt.timezone(dt.timedelta(hours=1))
    converted = clock.aware(dt.datetime(2026, 3, 1, 9, 30, tzinfo=paris))
    assert (converted.tzinfo, converted.hour) == (dt.UTC, 8)


def test_a_day_spans_from_its_first_to_its_last_instant() -> None:
    day = dt.date(2026, 3, 31)
    assert clock.start_of(day) == dt.datetime(2026, 3, 31, tzinfo=dt.UTC)
    assert clock.end_of(day) == dt.datetime(2026, 3, 31, 23, 59, 59, 999999, tzinfo=dt.UTC)
    assert clock.end_of(day) < clock.start_of(day + dt.timedelta(days=1))


def test_now_is_aware() -> None:
    assert clock.now().tzinfo is dt.UTC
