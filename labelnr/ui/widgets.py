"""Shared widgets: user text shown as typed, small tables, CSV downloads, validation problems."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from labelnr.errors import Problem
from labelnr.referential import Referential
from labelnr.ui.session import lang, num, t

_BREAKS = re.compile(r"[ \t\r\n\f\v]+")
_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:])")


def plain(text: str) -> str:
    """Escape Markdown so that text typed by a user is shown as typed, never interpreted."""
    return _MARKDOWN_SPECIALS.sub(r"\\\1", text).replace("\n", "  \n")


@dataclass(frozen=True)
class Link:
    """A table cell that is a link: its text is escaped, its address is ours (never typed by a user)."""

    text: str
    url: str


def table(rows: Sequence[Mapping[str, object]]) -> None:
    """A small static table, drawn from Markdown: a real HTML table for screen readers, without
    the Arrow serialisation (about 0.8 MB of scripts) that st.table and st.dataframe load.
    Every cell is escaped, so it shows as written; a :class:`Link` cell is a link."""
    if not rows:
        return
    columns = list(rows[0])

    def cell(value: object) -> str:
        if isinstance(value, Link):
            return f"[{plain(value.text)}]({value.url.replace(' ', '%20').replace(')', '%29')})"
        if isinstance(value, float):  # a score or a percentage: the language's decimal mark
            return "—" if value != value else num(value, 1)
        # Line breaks and tabs would break the row; no-break spaces ("1 000") stay unbroken.
        text = "—" if value is None else _BREAKS.sub(" ", str(value)).strip()
        return plain(text) or " "

    lines = ["| " + " | ".join(cell(c) for c in columns) + " |", "|" + " --- |" * len(columns)]
    lines.extend("| " + " | ".join(cell(row.get(c)) for c in columns) + " |" for row in rows)
    st.markdown("\n".join(lines))


def lazy(label: str, key: str, draw: Callable[[], None], icon: str | None = None) -> bool:
    """An expander whose content is built only while it is open: nothing of it is sent, drawn or
    loaded (no widget scripts, no plotly) until the user asks for it. Returns whether it is open."""
    box = st.expander(label, key=key, on_change="rerun", icon=icon)
    with box:
        if box.open:
            draw()
    return bool(box.open)


#: A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_text(rows: Sequence[Mapping[str, object]]) -> str:
    """Rows as CSV for a download; a cell that a spreadsheet would run as a formula stays text."""
    out = io.StringIO()
    if not rows:
        return ""
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    for row in rows:
        cells = {k: "" if v is None else str(v) for k, v in row.items()}
        writer.writerow({k: "'" + v if v.startswith(FORMULA_START) else v for k, v in cells.items()})
    return out.getvalue()

def show_problems(problems: Sequence[Problem], title: str) -> None:
    """Validation problems as a plain table: file, line, criterion, what is wrong."""
    st.error(title)
    table([
        {
            t("context.problem_file"): Path(p.file).name,
            t("context.problem_line"): p.line or None,
            t("context.problem_criterion"): p.criterion or "",
            t("context.problem_message"): p.text(lang()),
        }
        for p in problems
    ])


#: The value of "all themes" in a theme picker: not None, which Streamlit shows as no selection
#: ("Choose an option") once the options' labels change language.
ALL_THEMES = "*"


def theme_filter(
    container: DeltaGenerator, ref: Referential, label: str, all_label: str, key: str
) -> str | None:
    """A theme picker (kept for the session) with an "all themes" choice first; None for all."""
    lg = lang()
    names = {th.id: th.name.get(lg) for th in ref.themes}
    theme = translated_selectbox(container, label, [ALL_THEMES, *names], key,
                                 lambda th: all_label if th == ALL_THEMES else names[th])
    return None if theme == ALL_THEMES else theme


def translated_selectbox(
    container: DeltaGenerator, label: str, options: list[str], key: str, format_func: Callable[[str], str]
) -> str:
    """A selectbox over translated labels that keeps its choice, by value, across a language switch.

    Streamlit knows a keyed selectbox's choice by its label: after a switch it holds the other
    language's label, which matches no option (or, worse, a label a lenient ``format_func`` gives
    an unknown value). The choice is kept under ``key`` and the widget is keyed per language.
    """
    kept = st.session_state.get(key)
    index = options.index(kept) if kept in options else 0
    value = container.selectbox(label, options, index=index, key=f"{key}.{lang()}", format_func=format_func)
    st.session_state[key] = value
    return value
