"""Numbers, dates and plurals as each language writes them (through Babel).

French writes ``1 234,5`` and ``3 décembre 2026``; English ``1,234.5`` and ``December 3, 2026``.
A sentence with a count picks its plural form from the catalog: key ``<key>_one`` or
``<key>_other`` (French treats 0 and 1 as singular, English only 1).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from babel import Locale
from babel.dates import format_date as _babel_date
from babel.dates import format_datetime as _babel_datetime
from babel.dates import get_date_format
from babel.numbers import format_decimal
from babel.numbers import format_percent as _babel_percent

from labelnr.i18n import Lang, Term, normalise, translate

#: One decimal at most, as the dashboards show scores.
NUMBER_PATTERN = "#,##0.#"
#: A date and time in a sentence: "3 décembre 2026 14:05" / "December 3, 2026 14:05".
_DATETIME = {"fr": "d MMMM y HH:mm", "en": "MMMM d, y HH:mm"}


def format_number(value: float, lang: str | None = None, pattern: str = NUMBER_PATTERN) -> str:
    """``1234.5`` → ``1 234,5`` (fr) or ``1,234.5`` (en)."""
    return str(format_decimal(value, format=pattern, locale=normalise(lang)))


def format_percent(ratio: float, lang: str | None = None, pattern: str = "#,##0.#\u00a0%") -> str:
    """A ratio (0.425) as a percentage: ``42,5 %`` (fr) or ``42.5%`` (en)."""
    lang_ = normalise(lang)
    return str(_babel_percent(ratio, format=pattern if lang_ == "fr" else "#,##0.#%", locale=lang_))


_STYLES: dict[str, Literal["short", "medium", "long", "full"]] = {
    "short": "short", "medium": "medium", "long": "long", "full": "full"}


def _ordinal_first(pattern: str, value: dt.date, lang: Lang) -> str:
    """French writes the first of the month as an ordinal, "1er mars" (CLDR patterns say "1 mars").

    The day field ``d`` (not ``dd``, nor inside a quoted literal) becomes ``d'er'``.
    """
    if lang != "fr" or value.day != 1:
        return pattern
    parts = re.split(r"('[^']*')", pattern)
    for i in range(0, len(parts), 2):  # odd parts are quoted literals
        replaced, n = re.subn(r"(?<!d)d(?!d)", "d'er'", parts[i], count=1)
        if n:
            parts[i] = replaced
            break
    return "".join(parts)


def format_date(value: dt.date, lang: str | None = None, style: str = "long") -> str:
    """``3 décembre 2026``, ``1er mars 2026`` (fr) or ``December 3, 2026`` (en)."""
    lang_ = normalise(lang)
    named = _STYLES.get(style)
    pattern = str(get_date_format(named, locale=lang_).pattern) if named else style
    return str(_babel_date(value, format=_ordinal_first(pattern, value, lang_), locale=lang_))


def format_datetime(value: dt.datetime, lang: str | None = None, pattern: str | None = None) -> str:
    """A date and time to the minute, in the time zone it carries (UTC for stored times)."""
    lang_ = normalise(lang)
    pattern = _ordinal_first(pattern or _DATETIME[lang_], value, lang_)
    return str(_babel_datetime(value, pattern, locale=lang_))


def plural_form(count: float, lang: str | None = None) -> str:
    """The CLDR plural category of ``count``: ``one`` or ``other`` for our languages."""
    form = Locale(normalise(lang)).plural_form(count)
    return "one" if form == "one" else "other"


def plural(key: str, count: float, lang: str | None = None, /, **fields: Any) -> str:
    """The catalog text ``<key>_one`` or ``<key>_other`` for ``count``, ``{count}`` formatted."""
    lang_: Lang = normalise(lang)
    return translate(f"{key}_{plural_form(count, lang_)}", lang_, count=format_number(count, lang_), **fields)


def format_value(value: Any, lang: str | None = None) -> str:
    """A message parameter as text: numbers, dates and lists the language's way; ids unchanged."""
    shown = getattr(value, "shown", None)  # a Term or a nested message (labelnr.errors.Msg)
    if isinstance(value, Term) or callable(shown):
        return str(value.shown(lang))
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, float):
        return format_number(value, lang)
    if isinstance(value, dt.datetime):
        return format_datetime(value, lang)
    if isinstance(value, dt.date):
        return format_date(value, lang)
    if isinstance(value, Mapping):
        return ", ".join(f"{k}={format_value(v, lang)}" for k, v in value.items())
    if isinstance(value, Sequence) and not isinstance(value, str):
        return ", ".join(format_value(v, lang) for v in value)
    return str(value)  # ints are ids, revisions and line numbers more often than amounts
