"""Numbers, dates and plurals the way each language writes them (Babel)."""

from __future__ import annotations

import datetime as dt

import pytest

from labelnr.formatting import (
    format_date,
    format_datetime,
    format_number,
    format_percent,
    plural,
    plural_form,
)
from labelnr.i18n import catalog

NNBSP = "\u202f"  # French groups thousands with a narrow no-break space


def test_numbers() -> None:
    assert format_number(1234.5, "fr") == f"1{NNBSP}234,5"
    assert format_number(1234.5, "en") == "1,234.5"
    assert format_number(1000, "fr") == f"1{NNBSP}000"
    assert format_number(2.0, "en") == "2"


def test_percentages() -> None:
    assert format_percent(0.425, "fr") == "42,5\u00a0%"
    assert format_percent(0.425, "en") == "42.5%"


def test_dates_are_words_in_sentences() -> None:
    assert format_date(dt.date(2026, 12, 3), "fr") == "3 décembre 2026"
    assert format_date(dt.date(2026, 12, 3), "en") == "December 3, 2026"
    at = dt.datetime(2026, 12, 3, 14, 5, tzinfo=dt.UTC)
    assert format_datetime(at, "fr") == "3 décembre 2026 14:05"
    assert format_datetime(at, "en") == "December 3, 2026 14:05"


def test_french_writes_the_first_of_the_month_as_an_ordinal() -> None:
    assert format_date(dt.date(2026, 3, 1), "fr") == "1er mars 2026"
    assert format_date(dt.date(2026, 3, 1), "fr", "full") == "dimanche 1er mars 2026"
    assert format_date(dt.date(2026, 3, 1), "fr", "short") == "01/03/2026"
    assert format_date(dt.date(2026, 3, 11), "fr") == "11 mars 2026"
    assert format_date(dt.date(2026, 3, 21), "fr") == "21 mars 2026"
    assert format_date(dt.date(2026, 3, 1), "en") == "March 1, 2026"
    assert format_datetime(dt.datetime(2026, 12, 1, 9, 5, tzinfo=dt.UTC), "fr") == "1er décembre 2026 09:05"


@pytest.mark.parametrize(("count", "fr", "en"),
                         [(0, "one", "other"), (1, "one", "one"), (2, "other", "other")])
def test_plural_forms_differ_between_languages(count: int, fr: str, en: str) -> None:
    assert (plural_form(count, "fr"), plural_form(count, "en")) == (fr, en)


def test_plural_picks_the_catalog_form_and_formats_the_count() -> None:
    assert plural("history.count", 1, "fr", limit="2") == \
        "1 changement, du plus récent au plus ancien (2 au plus)."
    assert plural("history.count", 1, "en", limit="2").startswith("1 change, newest")
    assert plural("history.count", 1500, "fr", limit="2").startswith(f"1{NNBSP}500 changements")
    assert plural("history.count", 0, "en", limit="2").startswith("0 changes")


def test_every_plural_has_both_forms() -> None:
    keys = set(catalog())
    stems = {k.rsplit("_", 1)[0] for k in keys if k.endswith(("_one", "_other"))}
    assert stems, "no plural entry at all"
    missing = [s for s in stems if {f"{s}_one", f"{s}_other"} - keys]
    assert not missing, missing


def test_no_parenthesised_plurals_left_in_the_catalogs() -> None:
    """"entit(y/ies)", "preuve(s)": a count picks its plural form instead."""
    odd = [k for k, texts in catalog().items() for text in texts.values()
           if "(s)" in text or "(y/ies)" in text or "(x)" in text]
    assert not odd, odd
