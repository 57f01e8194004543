"""The self-assessment page's navigator: a theme at a time, filters, and the list of the
theme's criteria, each with its status, from which one criterion is opened.

Everything here is drawn with button groups (the language switch loads their scripts
anyway), so the list costs the page no request of its own. The criterion open is the one
the address names (``?criterion=``, :mod:`labelnr.ui.selection`): choosing one in the list,
or moving to the previous or next one, puts it there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import streamlit as st

from labelnr.referential import Criterion, Referential
from labelnr.scoring import mandatory_level
from labelnr.storage import CampaignView
from labelnr.ui.answer_drafts import answer_form
from labelnr.ui.drafts import touched
from labelnr.ui.selection import linked_criterion, open_criterion, refuse_criterion
from labelnr.ui.session import lang, t, tp
from labelnr.ui.widgets import ALL_THEMES, plain

THEME_KEY = "flt_theme"
ONLY_KEY = "flt_only"
PICK_KEY = "criterion_pick"
UNANSWERED, MISSING_EVIDENCE, MANDATORY = "unanswered", "missing_evidence", "mandatory"
FILTERS = (UNANSWERED, MISSING_EVIDENCE, MANDATORY)


@dataclass(frozen=True)
class Filters:
    theme: str | None
    unanswered: bool
    missing_evidence: bool
    mandatory: bool


def answer_status(ref: Referential, crit: Criterion, view: CampaignView, dirty: bool) -> str:
    """Where a criterion stands: answer, origin, evidence, mandatory level, draft."""
    lg = lang()
    answer = view.effective.get(crit.id)
    if answer is not None and answer.not_applicable is not None:
        parts = [t("assessment.status_na")]
    elif answer is not None and answer.level is not None:
        level = ref.scale.level(answer.level)
        parts = [level.label.get(lg) if level else answer.level]
    else:
        parts = [t("assessment.status_unanswered")]
    source = view.sources.get(crit.id)
    if source is not None and source.inherited:
        parts.append(t("assessment.status_inherited_from", entity=source.entity_name))
    parts.append(tp("assessment.status_evidence", len(view.evidence.get(crit.id, ()))))
    needed = mandatory_level(ref, crit.id)
    if needed is not None:
        parts.append(t("assessment.mandatory_level", level=needed.name.get(lg)))
    if dirty:
        parts.append(t("assessment.status_draft"))
    return t("assessment.status", id=crit.id, status=" · ".join(parts))


def _keep(ref: Referential, crit: Criterion, view: CampaignView, f: Filters) -> bool:
    if f.mandatory and mandatory_level(ref, crit.id) is None:
        return False
    if f.unanswered and crit.id in view.effective:
        return False
    return not (f.missing_evidence and view.evidence.get(crit.id))


def _remembered(campaign: int) -> str:
    """The criterion last open on the campaign: open again on coming back from another page."""
    return f"a{campaign}.open"


def choose(campaign: int, cid: str | None) -> None:
    """Open ``cid`` (``None``: close the criterion open); the address names it."""
    open_criterion(cid)
    if cid is None:
        st.session_state.pop(_remembered(campaign), None)
    else:
        st.session_state[_remembered(campaign)] = cid


def current_criterion(campaign: int, answerable: Sequence[Criterion]) -> str | None:
    """The criterion open: the one the address names, when the campaign asks it (else refused),
    or, with none named (back from another page), the one last open on the campaign."""
    asked = {c.id for c in answerable}
    linked = linked_criterion()
    if linked is None:
        kept = st.session_state.get(_remembered(campaign))
        if kept in asked:
            choose(campaign, kept)
            return str(kept)
        return None
    if linked not in asked:
        refuse_criterion(linked)
        return None
    st.session_state[_remembered(campaign)] = linked
    return linked


def _theme_changed(campaign: int, themes: dict[str, str]) -> None:
    """Another theme: the criterion open closes unless it belongs to it (the list shows that theme)."""
    theme = st.session_state.get(THEME_KEY)
    current = linked_criterion()
    if current is not None and theme != ALL_THEMES and themes.get(current) != theme:
        choose(campaign, None)


def _picked(campaign: int) -> None:
    choose(campaign, st.session_state.get(PICK_KEY))


def filters(ref: Referential, campaign: int, current: str | None) -> Filters:
    """The theme chooser (one theme at a time, or all) and the "show only" filters."""
    lg = lang()
    names = {th.id: th.name.get(lg) for th in ref.themes}
    state = st.session_state
    options = [*names, ALL_THEMES]
    if state.get(THEME_KEY) not in options:
        state[THEME_KEY] = options[0]
    if current is not None and state[THEME_KEY] != ALL_THEMES and ref.criteria_by_id[current].theme != \
            state[THEME_KEY]:
        state[THEME_KEY] = ref.criteria_by_id[current].theme  # a link or "next" opened another theme's
    st.header(t("assessment.criteria"))
    theme = st.segmented_control(
        t("assessment.filter_theme"), options, key=THEME_KEY, required=True, persist_state="session",
        format_func=lambda th: t("assessment.all_themes") if th == ALL_THEMES else names[th],
        on_change=_theme_changed, args=(campaign, {c.id: c.theme for c in ref.criteria}))
    labels = {UNANSWERED: t("assessment.filter_unanswered"),
              MISSING_EVIDENCE: t("assessment.filter_missing_evidence"),
              MANDATORY: t("assessment.filter_mandatory")}
    only = st.pills(t("assessment.filter_only"), FILTERS, selection_mode="multi", key=ONLY_KEY,
                    format_func=labels.__getitem__, persist_state="session") or []
    return Filters(None if theme in (None, ALL_THEMES) else theme, UNANSWERED in only,
                   MISSING_EVIDENCE in only, MANDATORY in only)


def sequence(ref: Referential, view: CampaignView, answerable: Sequence[Criterion], f: Filters,
             current: str | None) -> list[Criterion]:
    """The criteria the filters keep, in every theme (previous / next walk them), and the one open."""
    return [c for c in answerable if _keep(ref, c, view, f) or c.id == current]


def criterion_list(ref: Referential, view: CampaignView, walk: Sequence[Criterion], f: Filters,
                   total: int, current: str | None) -> None:
    """The chosen theme's criteria, each with its status; a click opens one (another closes it)."""
    shown = [c for c in walk if f.theme is None or c.theme == f.theme]
    st.caption(tp("assessment.shown", len(shown), total=total))
    if not shown:
        return
    labels = {c.id: plain(f"{answer_status(ref, c, view, touched(answer_form(view.id, c.id)))} — "
                          f"{c.title.get(lang())}") for c in shown}
    st.session_state[PICK_KEY] = current if current in labels else None
    st.pills(t("assessment.pick_criterion"), list(labels), key=PICK_KEY, format_func=labels.__getitem__,
             on_change=_picked, args=(view.id,), width="stretch", wrap=True)


def neighbours(walk: Sequence[Criterion], current: str) -> tuple[str | None, str | None]:
    """The criteria before and after ``current`` among those the filters keep (across themes)."""
    ids = [c.id for c in walk]
    at = ids.index(current)
    return (ids[at - 1] if at > 0 else None), (ids[at + 1] if at + 1 < len(ids) else None)
