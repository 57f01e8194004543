"""History: who changed what and when, filterable (every change is an append-only event)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import streamlit as st

from labelnr.errors import LabelnrError
from labelnr.storage.history import HistoryEvent
from labelnr.ui.context import csv_text, pick_campaign, store, t

#: Events shown at most (the newest): enough to review, light enough for the page.
LIMIT = 2000
SCOPES = ("campaign", "entity", "organisation")
KINDS = ("answer", "evidence", "verdict", "commitment", "target", "status", "campaign", "entity",
         "organisation", "grant", "import")


def _text(value: Any) -> str:
    """A stored value as one line of text (never interpreted as Markdown or HTML)."""
    if value is None or value == {} or value == []:
        return "—"
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_text(v)}" for k, v in value.items())
    return json.dumps(value, ensure_ascii=False)


def _rows(events: list[HistoryEvent], entities: dict[str, str]) -> list[dict[str, str]]:
    return [
        {
            t("history.when"): f"{e.at:%Y-%m-%d %H:%M:%S}",
            t("history.who"): e.actor,
            t("history.what"): t(f"history.kind_{e.action}") if e.action in KINDS else e.action,
            t("history.field"): e.field,
            t("history.entity"): entities.get(e.entity_id or "", e.entity_id or ""),
            t("history.campaign"): str(e.campaign_id or ""),
            t("history.criterion"): e.criterion_id or "",
            t("history.old"): _text(e.old),
            t("history.new"): _text(e.new),
        }
        for e in reversed(events)  # newest first
    ]


def main() -> None:
    st.title(t("history.title"))
    selection = pick_campaign()
    if selection is None:
        return
    cols = st.columns(3)
    scope = cols[0].selectbox(t("history.scope"), SCOPES, key="hist_scope", persist_state="session",
                              format_func=lambda s: t(f"history.scope_{s}"))
    kinds = cols[1].multiselect(t("history.kinds"), KINDS, key="hist_kinds", persist_state="session",
                                format_func=lambda k: t(f"history.kind_{k}"),
                                placeholder=t("history.all_kinds"))
    criterion = cols[2].text_input(t("history.criterion_filter"), key="hist_criterion",
                                   persist_state="session").strip()
    cols = st.columns(3)
    who = cols[0].text_input(t("history.actor_filter"), key="hist_actor", persist_state="session").strip()
    today = dt.datetime.now(dt.UTC).date()
    since = cols[1].date_input(t("history.since"), value=None, max_value=today, key="hist_since",
                               persist_state="session", format="YYYY-MM-DD")
    until = cols[2].date_input(t("history.until"), value=None, key="hist_until", persist_state="session",
                               format="YYYY-MM-DD")
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
            since=dt.datetime.combine(since, dt.time.min) if isinstance(since, dt.date) else None,
            until=dt.datetime.combine(until, dt.time.max) if isinstance(until, dt.date) else None,
            limit=LIMIT,
        )
    except LabelnrError as exc:
        st.error(t("history.unavailable", reason=str(exc)))
        return
    if kinds:
        events = [e for e in events if e.action in kinds]
    st.caption(t("history.count", count=len(events), limit=LIMIT))
    if not events:
        st.info(t("history.none"))
        return
    entities = {e.id: e.name for e in store().entity_tree(selection.organisation)}
    rows = _rows(events, entities)
    st.dataframe(rows, hide_index=True, width="stretch")
    st.download_button(t("history.download"), csv_text(rows), file_name="labelnr-history.csv",
                       mime="text/csv", on_click="ignore")


main()
