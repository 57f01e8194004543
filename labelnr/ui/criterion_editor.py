"""One criterion's editor on the self-assessment page: its text, the answer as a draft, the
save (and a conflict with who made the other change), its evidence, previous / next.

The editor is deliberately *not* a fragment: a text field commits when it loses focus, and
when that happens because the user clicked another page, a fragment rerun arriving after
the page switch is dropped by Streamlit (the typed text is lost and the new page stays
blank). A full rerun is coalesced with the page switch instead. A change of level reruns
the score fragment alone.

What a user types is a *draft* held in session state (widgets with
``persist_state="session"``) until they save it: it survives page switches and a
conflicting save, which is refused by the store and shown with who made the other change.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from labelnr.assessment import Answer
from labelnr.errors import LabelnrError
from labelnr.formatting import format_datetime
from labelnr.i18n import weight_text
from labelnr.referential import Criterion, Referential
from labelnr.scoring import mandatory_level
from labelnr.storage import CampaignView, ConflictError
from labelnr.ui.answer_drafts import answer_form, answer_key, blank, flash, open_draft, to_answer
from labelnr.ui.coverage_panel import coverage_panel
from labelnr.ui.criterion_list import answer_status, choose
from labelnr.ui.drafts import forget, saved, started_from, touched, typed
from labelnr.ui.evidence_panel import evidence_forms, evidence_list
from labelnr.ui.resources import store
from labelnr.ui.score_panel import SCORES_FRAGMENT
from labelnr.ui.session import error_text, lang, t
from labelnr.ui.widgets import plain

# --- saving (widget callbacks: they run before the page is drawn again) -----------------------


def _save(campaign: int, cid: str, overwrite: bool = False) -> None:
    form = answer_form(campaign, cid)
    values, base = typed(form), started_from(form)
    if values is None or base is None:
        return
    if values["na"] and not values["just"].strip():
        flash(campaign, cid, "error", t("assessment.na_needs_justification"))
        return
    conflict = st.session_state.get(answer_key(campaign, cid, "conflict"))
    expected = conflict["revision"] if overwrite and conflict else base
    data = store()
    try:
        if blank(values):
            revision = data.clear_answer(campaign, cid, expected)
        else:
            revision = data.save_answer(campaign, cid, to_answer(values), expected)
    except ConflictError as exc:
        st.session_state[answer_key(campaign, cid, "conflict")] = {
            "by": exc.changed_by or "?",
            "at": exc.changed_at,
            "revision": exc.current_revision,
        }
        return
    except LabelnrError as exc:
        flash(campaign, cid, "error", t("assessment.not_saved", reason=plain(error_text(exc))))
        return
    st.session_state.pop(answer_key(campaign, cid, "conflict"), None)
    saved(form, revision, values)
    flash(campaign, cid, "success", t("assessment.saved"))


def _take_theirs(campaign: int, cid: str) -> None:
    view = store().campaign(campaign)
    forget(answer_form(campaign, cid))  # the conflict too
    open_draft(view, cid)


def _rescore() -> None:
    """A changed answer: rerun the score panel only (the radio shows its new choice by itself)."""
    st.rerun(SCORES_FRAGMENT)


# --- what the criterion asks --------------------------------------------------------------------


def label(ref: Referential, crit: Criterion) -> str:
    """Id, title and the level the criterion is mandatory for."""
    needed = mandatory_level(ref, crit.id)
    mandatory = f" ({t('assessment.mandatory_level', level=needed.name.get(lang()))})" if needed else ""
    return f"{plain(crit.id)} — {plain(crit.title.get(lang()))}{plain(mandatory)}"


def _expected(ref: Referential, crit: Criterion) -> None:
    lg = lang()
    weight = weight_text(ref, crit, lg)
    if weight:
        st.caption(weight)
    st.markdown(plain(crit.description.get(lg)))
    if crit.evidence:
        st.markdown(f"**{t('assessment.expected_evidence')}**\n\n" + "\n".join(
            "- " + t("assessment.field", label=t("assessment.evidence_" + e.type.value),
                     value=plain(e.description.get(lg)))
            for e in crit.evidence))


def _inherited_note(view: CampaignView, ref: Referential, cid: str) -> None:
    source = view.sources.get(cid)
    if source is None or not source.inherited:
        return
    answer = view.effective[cid]
    st.info(t("assessment.inherited", entity=plain(source.entity_name),
              answer=plain(answer_text(ref, answer))))


def answer_text(ref: Referential, answer: Answer) -> str:
    if answer.not_applicable is not None:
        return f"{t('assessment.status_na')} ({answer.not_applicable.justification})"
    level = ref.scale.level(answer.level or "")
    return level.label.get(lang()) if level else t("assessment.status_unanswered")


def _field(name: str, value: str) -> str:
    """"**Label** : value" in French, "**Label**: value" in English."""
    return t("assessment.field", label=f"**{t('assessment.' + name)}**", value=value)


def _read_only(ref: Referential, crit: Criterion, view: CampaignView) -> None:
    _expected(ref, crit)
    _inherited_note(view, ref, crit.id)
    answer = view.effective.get(crit.id)
    if answer is None:
        st.markdown(t("assessment.status_unanswered"))
    else:
        st.markdown(_field("answer", plain(answer_text(ref, answer))))
        if answer.comment:
            st.markdown(_field("comment", plain(answer.comment)))
        if answer.owner:
            st.markdown(_field("owner", plain(answer.owner)))
    evidence_list(view, crit.id, editable=False)


# --- the editor ---------------------------------------------------------------------------------


def editor(view: CampaignView, ref: Referential, cid: str, writable: bool,
           neighbours: tuple[str | None, str | None]) -> None:
    """One criterion: its text, the answer widgets, the save state, the evidence, previous / next."""
    crit = ref.criteria_by_id[cid]
    st.subheader(label(ref, crit))
    theme = ref.themes_by_id.get(crit.theme)
    principle = next((p for p in theme.principles if p.id == crit.principle), None) if theme else None
    if theme is not None:
        where = theme.name.get(lang()) + (f" · {principle.name.get(lang())}" if principle else "")
        st.caption(plain(where))
    if not writable:
        st.caption(plain(answer_status(ref, crit, view, dirty=False)))
        _read_only(ref, crit, view)
    else:
        open_draft(view, cid)  # also follows an answer saved elsewhere while nothing was typed here
        st.caption(plain(answer_status(ref, crit, view, touched(answer_form(view.id, cid)))))
        _expected(ref, crit)
        _inherited_note(view, ref, cid)
        coverage_panel(view, ref, cid)
        _answer_widgets(ref, crit, view.id)
        _save_state(view, ref, view.id, cid)
        evidence_list(view, cid, editable=True)
        evidence_forms(view.id, cid)
    _walk(view.id, cid, neighbours)


def _walk(campaign: int, cid: str, neighbours: tuple[str | None, str | None]) -> None:
    before, after = neighbours
    left, right = st.columns(2)
    left.button(t("assessment.previous", id=before or "—"), key=f"a{campaign}.{cid}.previous",
                on_click=choose, args=(campaign, before), disabled=before is None)
    right.button(t("assessment.next", id=after or "—"), key=f"a{campaign}.{cid}.next",
                 on_click=choose, args=(campaign, after), disabled=after is None)


def _answer_widgets(ref: Referential, crit: Criterion, campaign: int) -> None:
    lg = lang()
    cid = crit.id
    labels = {lv.id: lv.label.get(lg) for lv in ref.scale.levels}
    na = bool(st.session_state.get(answer_key(campaign, cid, "na")))
    st.radio(t("assessment.answer"), list(labels), format_func=labels.__getitem__, index=None,
             key=answer_key(campaign, cid, "level"), horizontal=True, disabled=na, persist_state="session",
             on_change=_rescore)
    if crit.not_applicable.allowed:
        condition = crit.not_applicable.condition
        st.checkbox(t("assessment.not_applicable"), key=answer_key(campaign, cid, "na"),
                    persist_state="session", help=condition.get(lg) if condition else t("assessment.na_help"))
        if na:
            st.text_area(t("assessment.justification"), key=answer_key(campaign, cid, "just"), max_chars=4000,
                         persist_state="session", help=t("assessment.justification_help"))
    st.text_area(t("assessment.comment"), key=answer_key(campaign, cid, "comment"), max_chars=8000,
                 persist_state="session")
    st.text_input(t("assessment.owner"), key=answer_key(campaign, cid, "owner"), max_chars=200,
                  persist_state="session")


def _save_state(view: CampaignView, ref: Referential, campaign: int, cid: str) -> None:
    shown = st.session_state.pop(answer_key(campaign, cid, "flash"), None)
    conflict = st.session_state.get(answer_key(campaign, cid, "conflict"))
    dirty = touched(answer_form(campaign, cid))
    base = started_from(answer_form(campaign, cid))
    current = view.answer_revisions.get(cid)
    if conflict is None and dirty and base is not None and current is not None \
            and current.number != base:
        conflict = {"by": current.updated_by, "at": current.updated_at, "revision": current.number}
        st.session_state[answer_key(campaign, cid, "conflict")] = conflict
    if conflict is not None:
        at = conflict["at"]
        when = f"{format_datetime(at, lang())} UTC" if isinstance(at, dt.datetime) else "?"
        st.warning(t("assessment.conflict", who=plain(str(conflict["by"])), when=when))
        theirs = view.assessment.answers.get(cid)
        st.markdown(_field("their_version", plain(answer_text(ref, theirs)) if theirs
                           else t("assessment.status_unanswered")))
        if theirs is not None and theirs.comment:
            st.markdown(_field("comment", plain(theirs.comment)))
        left, right = st.columns(2)
        left.button(t("assessment.keep_mine"), key=answer_key(campaign, cid, "overwrite"), on_click=_save,
                    args=(campaign, cid, True), type="primary")
        right.button(t("assessment.take_theirs"), key=answer_key(campaign, cid, "theirs"),
                     on_click=_take_theirs, args=(campaign, cid))
        return
    if shown is not None:
        kind, text = shown
        (st.error if kind == "error" else st.success)(text)
    if dirty:
        st.caption(t("assessment.unsaved"))
    elif current is not None:
        st.caption(t("assessment.saved_by", who=plain(current.updated_by),
                     when=f"{format_datetime(current.updated_at, lang())} UTC"))
    st.button(t("assessment.save"), key=answer_key(campaign, cid, "save"), on_click=_save,
              args=(campaign, cid), type="primary")
