"""History: who changed what and when, filterable (every change is an append-only event)."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import streamlit as st

from labelnr.clock import end_of, start_of
from labelnr.errors import LabelnrError
from labelnr.formatting import format_date, format_datetime, format_number, plural
from labelnr.i18n import Term
from labelnr.storage import EntityInfo, HistoryEvent
from labelnr.ui.resources import catalog, store
from labelnr.ui.selection import campaign_title, pick_campaign
from labelnr.ui.session import error_text, lang, t
from labelnr.ui.widgets import csv_text, plain, table

#: Events read at most (the newest): enough to review; all of them go to the CSV download.
LIMIT = 2000
#: Events per page of the table (each row is a dozen elements of the page).
PAGE_SIZE = 15
#: A value longer than this is cut in the table (the CSV keeps it whole).
CELL = 160
SCOPES = ("campaign", "entity", "organisation")
#: How a date field reads (Streamlit offers only numeric orders): French day first.
DATE_FORMAT = {"fr": "DD/MM/YYYY", "en": "YYYY-MM-DD"}
KINDS = ("answer", "evidence", "verdict", "commitment", "target", "status", "campaign", "entity",
         "organisation", "grant", "import")


def _text(value: Any) -> str:
    """A stored value as one line of text (never interpreted as Markdown or HTML)."""
    if value is None or value == {} or value == []:
        return "—"
    if isinstance(value, bool):
        return t("history.value_yes") if value else t("history.value_no")
    if isinstance(value, str):
        return _date(value)
    if isinstance(value, int | float):
        return format_number(value, lang())
    if isinstance(value, dict):
        return "; ".join(f"{_field(k)} : {_text(v)}" if lang() == "fr" else f"{_field(k)}: {_text(v)}"
                         for k, v in value.items())
    return json.dumps(value, ensure_ascii=False)


def _date(text: str) -> str:
    """Dates are stored as ISO text; a sentence or a table shows them the language's way."""
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return format_date(dt.date.fromisoformat(text), lang())
    return text


#: Fields of a target event: the plan's year, whose values are answer levels.
TARGET_YEARS = ("year1", "year2", "year3")


def _field(name: str) -> str:
    if name in TARGET_YEARS:  # a target: "Année 1", not "year1"
        return t(f"context.period_{name}")
    return Term("history.field", name).shown(lang())


def _value(field: str, value: Any, levels: dict[str, str]) -> str:
    """A stored value as the pages show it: verdicts, statuses and answer levels by their names."""
    if isinstance(value, str):
        if field == "verdict":
            return Term("excel.verdict", value).shown(lang())
        if field == "status":
            return Term("context.status", value).shown(lang())
        if field in ("level", "target_level", *TARGET_YEARS):
            return levels.get(value, value)
        if field == "period":
            return Term("context.period", value).shown(lang())
    return _text(value)


def _level_names() -> dict[str, str]:
    """Answer levels by id in the user's language, from every referential (ids are shared)."""
    names: dict[str, str] = {}
    for ref in catalog().referentials:
        for level in ref.scale.levels:
            names.setdefault(level.id, level.label.get(lang()))
    return names


def _campaign_titles(entities: list[EntityInfo]) -> dict[int, str]:
    return {
        c.id: campaign_title(c.period, c.name, format_date(c.date, lang()), c.status)
        for e in entities
        for c in store().campaigns(e.id)
    }


def _rows(events: list[HistoryEvent], entities: dict[str, str], campaigns: dict[int, str],
          levels: dict[str, str]) -> list[dict[str, str]]:
    return [
        {
            t("history.when"): format_datetime(e.at, lang()),
            t("history.who"): e.actor,
            t("history.what"): t(f"history.kind_{e.action}") if e.action in KINDS else e.action,
            t("history.field"): _field(e.field),
            t("history.entity"): entities.get(e.entity_id or "", e.entity_id or ""),
            t("history.campaign"): campaigns.get(e.campaign_id, "") if e.campaign_id else "",
            t("history.criterion"): e.criterion_id or "",
            t("history.old"): _value(e.field, e.old, levels),
            t("history.new"): _value(e.field, e.new, levels),
        }
        for e in reversed(events)  # newest first
    ]


def _filters(since: object, until: object, kinds: list[str], criterion: str, who: str) -> str:
    """The filters in force, as a sentence (they sit behind a popover, so the page says them)."""
    parts = []
    if kinds:
        parts.append(t("history.active_kinds", kinds=", ".join(t(f"history.kind_{k}") for k in kinds)))
    if criterion:
        parts.append(t("history.active_criterion", value=plain(criterion)))
    if who:
        parts.append(t("history.active_actor", value=plain(who)))
    if isinstance(since, dt.date):
        parts.append(t("history.active_since", date=format_date(since, lang())))
    if isinstance(until, dt.date):
        parts.append(t("history.active_until", date=format_date(until, lang())))
    return t("history.active", filters=" · ".join(parts)) if parts else t("history.no_filter")


def _short(rows: list[dict[str, str]], scope: str) -> list[dict[str, str]]:
    """Rows for the page's table: without the columns the scope makes constant (the sidebar names
    the entity and campaign), long values cut. The CSV download keeps every column, whole."""
    constant = {"campaign": {t("history.entity"), t("history.campaign")},
                "entity": {t("history.entity")}}.get(scope, set())
    return [{k: v if len(v) <= CELL else v[: CELL - 1].rstrip() + "…" for k, v in row.items()
             if k not in constant} for row in rows]


def _page(rows: list[dict[str, str]], signature: tuple[object, ...]) -> list[dict[str, str]]:
    """The page of ``rows`` to show (PAGE_SIZE at most), with buttons to the newer and older ones;
    a change of filters goes back to the newest."""
    state = st.session_state
    if state.get("hist_signature") != signature:
        state["hist_signature"], state["hist_page"] = signature, 0
    pages = max(1, -(-len(rows) // PAGE_SIZE))
    index = min(int(state.get("hist_page", 0)), pages - 1)
    first = index * PAGE_SIZE
    shown = rows[first: first + PAGE_SIZE]
    if pages > 1:
        left, middle, right = st.columns([1, 2, 1], vertical_alignment="center")
        if left.button(t("history.newer"), key="hist_newer", disabled=index == 0):
            state["hist_page"] = index - 1
            st.rerun()
        middle.caption(t("history.range", first=format_number(first + 1, lang()),
                         last=format_number(first + len(shown), lang()),
                         count=format_number(len(rows), lang())))
        if right.button(t("history.older"), key="hist_older", disabled=index == pages - 1):
            state["hist_page"] = index + 1
            st.rerun()
    return shown


def main() -> None:
    st.title(t("history.title"))
    selection = pick_campaign()
    if selection is None:
        return
    if st.session_state.get("hist_scope") not in SCOPES:
        st.session_state["hist_scope"] = SCOPES[0]
    scope = st.segmented_control(t("history.scope"), SCOPES, key="hist_scope", persist_state="session",
                                 format_func=lambda s: t(f"history.scope_{s}"), required=True,
                                 selection_mode="single") or SCOPES[0]
    # The other filters wait in a popover: drawn (and their scripts loaded) only when opened.
    left, right = st.columns([1, 3], vertical_alignment="center")
    with left.popover(t("history.more_filters"), width="stretch"):
        kinds = st.multiselect(t("history.kinds"), KINDS, key="hist_kinds", persist_state="session",
                               format_func=lambda k: t(f"history.kind_{k}"),
                               placeholder=t("history.all_kinds"))
        criterion = st.text_input(t("history.criterion_filter"), key="hist_criterion",
                                  persist_state="session").strip()
        who = st.text_input(t("history.actor_filter"), key="hist_actor", persist_state="session").strip()
        today = dt.datetime.now(dt.UTC).date()
        shown = DATE_FORMAT[lang()]
        since = st.date_input(t("history.since"), value=None, max_value=today, key="hist_since",
                              persist_state="session", format=shown)
        until = st.date_input(t("history.until"), value=None, key="hist_until", persist_state="session",
                              format=shown)
    right.caption(_filters(since, until, kinds, criterion, who))
    where: dict[str, Any] = {"organisation_id": selection.organisation}
    if scope == "entity":
        where["entity_id"] = selection.entity
    elif scope == "campaign":
        where["campaign_id"] = selection.campaign
    try:
        events = store().events(
            **where,
            criterion_id=criterion or None,
            actor=who or None,
            since=start_of(since) if isinstance(since, dt.date) else None,
            until=end_of(until) if isinstance(until, dt.date) else None,
            limit=LIMIT,
        )
    except LabelnrError as exc:
        st.error(t("history.unavailable", reason=error_text(exc)))
        return
    if kinds:
        events = [e for e in events if e.action in kinds]
    st.caption(plural("history.count", len(events), lang(), limit=format_number(LIMIT, lang())))
    if not events:
        st.info(t("history.none"))
        return
    tree = store().entity_tree(selection.organisation)
    entities = {e.id: e.name for e in tree}
    rows = _rows(events, entities, _campaign_titles(tree), _level_names())
    signature = (selection, scope, tuple(kinds), criterion, who, since, until)
    table(_short(_page(rows, signature), scope))
    st.download_button(t("history.download"), csv_text(rows), file_name="labelnr-history.csv",
                       mime="text/csv", on_click="ignore")


main()
