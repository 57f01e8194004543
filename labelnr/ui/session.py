"""The user's language and the text helpers every page uses: ``t``, ``tp``, ``num``, ``day``.

The language the user picked lives in ``st.session_state`` (key ``lang``), so it survives
switching pages.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import streamlit as st

from labelnr.errors import render
from labelnr.formatting import format_date, format_number, plural
from labelnr.i18n import DEFAULT_LANG, LANGUAGES, Lang, normalise, translate

LANG_KEY = "lang"
LANGUAGE_NAMES: dict[Lang, str] = {"fr": "Français", "en": "English"}


def lang() -> Lang:
    """The language the user picked (French until they pick another)."""
    return normalise(st.session_state.get(LANG_KEY))


def t(key: str, /, **fields: Any) -> str:
    """``t("assessment.title")``: the text of a catalog key in the user's language."""
    return translate(key, lang(), **fields)


def num(value: float, decimals: int = 0) -> str:
    """A number the user's way, with up to ``decimals`` decimals: ``1 234,5`` (fr), ``1,234.5`` (en)."""
    return format_number(value, lang(), "#,##0" + ("." + "#" * decimals if decimals else ""))


def day(value: dt.date) -> str:
    """A date in words: ``3 décembre 2026`` (fr) or ``December 3, 2026`` (en)."""
    return format_date(value, lang())


def tp(key: str, count: float, /, **fields: Any) -> str:
    """``tp("audit.imported", 3)``: the plural form of ``key`` for ``count``, in the user's language."""
    return plural(key, count, lang(), **fields)


def error_text(error: BaseException) -> str:
    """A core error in the user's language (its English text when it has no catalog code)."""
    return render(error, lang())


def language_switch() -> None:
    """The language picker, in the sidebar of every page (its label reads in both languages)."""
    if st.session_state.get(LANG_KEY) not in LANGUAGES:
        st.session_state[LANG_KEY] = DEFAULT_LANG
    st.sidebar.segmented_control(
        t("context.language"),
        LANGUAGES,
        key=LANG_KEY,
        format_func=lambda code: LANGUAGE_NAMES[code],
        selection_mode="single",
        required=True,
        persist_state="session",
    )
    document_language()


def document_language() -> None:
    """Tell the browser (screen readers, hyphenation, translation offers) the page's language:
    Streamlit's index.html says ``lang="en"`` whatever the app shows."""
    st.sidebar.html(language_script(lang()), unsafe_allow_javascript=True, width="content")


def language_script(code: Lang) -> str:
    """The only HTML the app sends: a constant script per language (never any user text)."""
    return {"fr": "<script>document.documentElement.lang = 'fr';</script>",
            "en": "<script>document.documentElement.lang = 'en';</script>"}[code]
