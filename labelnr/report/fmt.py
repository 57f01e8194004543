"""Locale formatting of the dossier's numbers and dates (Babel), in one place.

Kept small on purpose: when a shared helper (``labelnr.formatting``) exists, these
functions become thin calls to it.
"""

from __future__ import annotations

import datetime as dt

from babel.numbers import format_decimal

from labelnr import formatting
from labelnr.clock import aware
from labelnr.i18n import Lang

#: Babel locale per app language.
LOCALES: dict[Lang, str] = {"fr": "fr_FR", "en": "en_GB"}


def number(value: float | None, lang: Lang, digits: int = 1) -> str:
    """``1 234,5`` / ``1,234.5``; at most ``digits`` decimals, none when the value is whole."""
    if value is None:
        return "–"
    pattern = "#,##0" + ("." + "#" * digits if digits else "")
    return format_decimal(round(value, digits), format=pattern, locale=LOCALES[lang])


def percent(value: float | None, lang: Lang) -> str:
    """A 0-100 percentage: ``42,5 %`` / ``42.5%``."""
    if value is None:
        return "–"
    sign = "\u202f%" if lang == "fr" else "%"
    return number(value, lang, 1) + sign


def date(value: dt.date | None, lang: Lang) -> str:
    """A date as the app writes it (``1er mars 2026`` / ``March 1, 2026``)."""
    return "–" if value is None else formatting.format_date(value, lang)


def datetime(value: dt.datetime, lang: Lang) -> str:
    """Date and time in UTC, as the exports record them, to the minute as the app writes them."""
    utc = aware(value)
    return formatting.format_datetime(utc, lang) + " UTC"


def size(value: int | None, lang: Lang) -> str:
    """A file size in bytes, KB or MB (decimal units, as file managers show them)."""
    if value is None:
        return "–"
    if value < 1000:
        return f"{number(value, lang, 0)} B"
    if value < 1_000_000:
        return f"{number(value / 1000, lang, 1)} KB"
    return f"{number(value / 1_000_000, lang, 1)} MB"
