"""The dossier writes numbers and dates as the app does (through labelnr.formatting)."""

from __future__ import annotations

import datetime as dt

from labelnr.report import fmt


def test_dates_follow_the_app_formatting_including_the_first_of_the_month() -> None:
    assert fmt.date(dt.date(2025, 3, 1), "fr") == "1er mars 2025"
    assert fmt.date(dt.date(2025, 3, 1), "en") == "March 1, 2025"
    assert fmt.date(None, "fr") == "–"
    assert fmt.datetime(dt.datetime(2025, 3, 1, 9, 5, tzinfo=dt.UTC), "fr") == "1er mars 2025 09:05 UTC"
    assert fmt.datetime(dt.datetime(2025, 3, 2, 9, 5), "en") == "March 2, 2025 09:05 UTC"
