"""Self-assessment: answer each criterion of a campaign, with evidence, and watch the score move.

Kept light on a 60-criterion referential: each criterion sits in a lazy expander, so
only the criteria a user opens draw widgets, and the score panel is a keyed fragment that
a change of answer reruns alone (the rest of the page stays as it is).

The criterion editors are deliberately *not* fragments: a text field commits when it loses
focus, and when that happens because the user clicked another page, a fragment rerun
arriving after the page switch is dropped by Streamlit (the typed text is lost and the
new page stays blank). A full rerun is coalesced with the page switch instead.

What a user types is a *draft* held in session state (widgets with
``persist_state="session"``) until they save it: it survives page switches and a
conflicting save, which is refused by the store and shown with who made the other change.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import streamlit as st

from labelnr.assessment import Answer
from labelnr.errors import LabelnrError
from labelnr.formatting import format_datetime
from labelnr.i18n import weight_text
from labelnr.permissions import Action
from labelnr.referential import Criterion, Referential
from labelnr.scoring import mandatory_level
from labelnr.storage import CampaignView, ConflictError
from labelnr.ui.answer_drafts import (
    answer_form,
    answer_key,
    blank,
    flash,
    open_draft,
    to_answer,
)
from labelnr.ui.auth import can
from labelnr.ui.coverage_panel import coverage_panel
from labelnr.ui.drafts import forget, saved, started_from, touched, typed
from labelnr.ui.evidence_panel import evidence_forms, evidence_list
from labelnr.ui.resources import store
from labelnr.ui.scope import Scope, scope_of
from labelnr.ui.score_panel import SCORES_FRAGMENT, scores_panel
from labelnr.ui.selection import linked_criterion, open_criterion, pick_campaign, refuse_criterion
from labelnr.ui.session import day, error_text, lang, t, tp
from labelnr.ui.widgets import plain, table, theme_filter

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


# --- one criterion --------------------------------------------------------------------------


def _label(ref: Referential, crit: Criterion) -> str:
    """The expander's label: stable, since Streamlit makes a new expander when its label changes."""
    needed = mandatory_level(ref, crit.id)
    mandatory = f" ({t('assessment.mandatory_level', level=needed.name.get(lang()))})" if needed else ""
    return f"{plain(crit.id)} — {plain(crit.title.get(lang()))}{plain(mandatory)}"


def _status(ref: Referential, crit: Criterion, view: CampaignView, dirty: bool) -> str:
    """Where a criterion stands, shown above its expander: answer, origin, evidence, draft."""
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
    evidence = len(view.evidence.get(crit.id, ()))
    parts.append(tp("assessment.status_evidence", evidence))
    if dirty:
        parts.append(t("assessment.status_draft"))
    return t("assessment.status", id=crit.id, status=" · ".join(parts))


def _expected(ref: Referential, crit: Criterion) -> None:
    lg = lang()
    weight = weight_text(ref, crit, lg)
    if weight:
        st.caption(weight)
    st.markdown(plain(crit.description.get(lg)))
    if crit.evidence:
        st.markdown(f"**{t('assessment.expected_evidence')}**\n\n" + "\n".join(
            f"- {t('assessment.evidence_' + e.type.value)} : {plain(e.description.get(lg))}"
            for e in crit.evidence))


def _inherited_note(view: CampaignView, ref: Referential, cid: str) -> None:
    source = view.sources.get(cid)
    if source is None or not source.inherited:
        return
    answer = view.effective[cid]
    st.info(t("assessment.inherited", entity=plain(source.entity_name),
              answer=plain(_answer_text(ref, answer))))


def _answer_text(ref: Referential, answer: Answer) -> str:
    if answer.not_applicable is not None:
        return f"{t('assessment.status_na')} ({answer.not_applicable.justification})"
    level = ref.scale.level(answer.level or "")
    return level.label.get(lang()) if level else t("assessment.status_unanswered")


def _read_only(ref: Referential, crit: Criterion, view: CampaignView) -> None:
    _expected(ref, crit)
    _inherited_note(view, ref, crit.id)
    answer = view.effective.get(crit.id)
    if answer is None:
        st.markdown(t("assessment.status_unanswered"))
    else:
        st.markdown(f"**{t('assessment.answer')}** : {plain(_answer_text(ref, answer))}")
        if answer.comment:
            st.markdown(f"**{t('assessment.comment')}** : {plain(answer.comment)}")
        if answer.owner:
            st.markdown(f"**{t('assessment.owner')}** : {plain(answer.owner)}")
    evidence_list(view, crit.id, editable=False)


def _writable(view: CampaignView) -> bool:
    """A draft the user's role lets them answer (the store refuses the rest anyway)."""
    return view.info.editable and can(Action.ANSWER, view.info.entity_id)


def _editor(campaign: int, cid: str) -> None:
    """One criterion: its text, the answer widgets, the save state and the evidence."""
    data = store()
    view = data.campaign(campaign)
    ref = data.referential(view.info.referential_id, view.info.referential_version)
    crit = ref.criteria_by_id[cid]
    if not _writable(view):
        _read_only(ref, crit, view)
        return
    open_draft(view, cid)  # also follows an answer saved elsewhere while nothing was typed here
    _expected(ref, crit)
    _inherited_note(view, ref, cid)
    coverage_panel(view, ref, cid)
    _answer_widgets(ref, crit, campaign)
    _save_state(view, campaign, cid)
    evidence_list(view, cid, editable=True)
    evidence_forms(campaign, cid)


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


def _save_state(view: CampaignView, campaign: int, cid: str) -> None:
    flash = st.session_state.pop(answer_key(campaign, cid, "flash"), None)
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
        ref = store().referential(view.info.referential_id, view.info.referential_version)
        st.markdown(f"**{t('assessment.their_version')}** : "
                    + (plain(_answer_text(ref, theirs)) if theirs else t("assessment.status_unanswered")))
        if theirs is not None and theirs.comment:
            st.markdown(f"**{t('assessment.comment')}** : {plain(theirs.comment)}")
        left, right = st.columns(2)
        left.button(t("assessment.keep_mine"), key=answer_key(campaign, cid, "overwrite"), on_click=_save,
                    args=(campaign, cid, True), type="primary")
        right.button(t("assessment.take_theirs"), key=answer_key(campaign, cid, "theirs"),
                     on_click=_take_theirs, args=(campaign, cid))
        return
    if flash is not None:
        kind, text = flash
        (st.error if kind == "error" else st.success)(text)
    if dirty:
        st.caption(t("assessment.unsaved"))
    elif current is not None:
        st.caption(t("assessment.saved_by", who=plain(current.updated_by),
                     when=f"{format_datetime(current.updated_at, lang())} UTC"))
    st.button(t("assessment.save"), key=answer_key(campaign, cid, "save"), on_click=_save,
              args=(campaign, cid), type="primary")


# --- the page -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    theme: str | None
    unanswered: bool
    missing_evidence: bool
    mandatory: bool


def _filters(ref: Referential) -> Filters:
    st.header(t("assessment.criteria"))
    cols = st.columns([2, 1, 1, 1])
    theme = theme_filter(cols[0], ref, t("assessment.filter_theme"), t("assessment.all_themes"), "flt_theme")
    unanswered = cols[1].checkbox(t("assessment.filter_unanswered"), key="flt_unanswered",
                                  persist_state="session")
    missing = cols[2].checkbox(t("assessment.filter_missing_evidence"), key="flt_missing",
                               persist_state="session")
    mandatory = cols[3].checkbox(t("assessment.filter_mandatory"), key="flt_mandatory",
                                 persist_state="session")
    return Filters(theme, unanswered, missing, mandatory)


def _keep(ref: Referential, crit: Criterion, view: CampaignView, f: Filters) -> bool:
    if f.theme is not None and crit.theme != f.theme:
        return False
    if f.mandatory and mandatory_level(ref, crit.id) is None:
        return False
    if f.unanswered and crit.id in view.effective:
        return False
    return not (f.missing_evidence and view.evidence.get(crit.id))


def _criteria(ref: Referential, view: CampaignView, f: Filters) -> None:
    lg = lang()
    scope = scope_of(ref, view)
    linked = linked_criterion()
    if linked is not None and linked not in {c.id for c in scope.answerable}:
        refuse_criterion(linked)
        linked = None
    shown = [c for c in scope.answerable if _keep(ref, c, view, f) or c.id == linked]
    st.caption(tp("assessment.shown", len(shown), total=len(scope.answerable)))
    for theme in ref.themes:
        in_theme = [c for c in shown if c.theme == theme.id]
        if not in_theme:
            continue
        st.subheader(theme.name.get(lg))
        principles = {p.id: p.name.get(lg) for p in theme.principles}
        current: str | None = None
        for crit in in_theme:
            if crit.principle != current and crit.principle in principles:
                current = crit.principle
                st.markdown(f"**{plain(principles[crit.principle])}**")
            _criterion(ref, crit, view, crit.id == linked)
    _not_answerable(ref, view, scope)


def _not_answerable(ref: Referential, view: CampaignView, scope: Scope) -> None:
    """Criteria the page does not ask: N/A by rule (an answer they hold is ignored) and out of scope."""
    lg = lang()
    if scope.forced:
        st.subheader(t("assessment.forced_title", count=len(scope.forced)))
        st.caption(t("assessment.forced_help"))
        table([{t("assessment.col_criterion"): cid,
                t("assessment.col_title"): ref.criteria_by_id[cid].title.get(lg),
                t("assessment.col_reason"): reason,
                t("assessment.col_ignored"): _ignored(ref, view, cid)}
               for cid, reason in scope.forced.items()])
    if scope.out:
        st.subheader(t("assessment.out_title", count=len(scope.out)))
        st.caption(t("assessment.out_help"))
        table([{t("assessment.col_criterion"): cid,
                t("assessment.col_title"): ref.criteria_by_id[cid].title.get(lg),
                t("assessment.col_reason"): reason}
               for cid, reason in scope.out.items()])


def _ignored(ref: Referential, view: CampaignView, cid: str) -> str:
    answer = view.effective.get(cid)
    if answer is None:
        return "—"
    text = _answer_text(ref, answer)
    source = view.sources.get(cid)
    if source is not None and source.inherited:
        text += f" · {t('assessment.status_inherited_from', entity=source.entity_name)}"
    return text


def _toggled(key: str, cid: str) -> None:
    """An expander opened or closed: the address names the criterion open (a link to share)."""
    open_criterion(cid if st.session_state.get(key) else None)


def _criterion(ref: Referential, crit: Criterion, view: CampaignView, linked: bool = False) -> None:
    st.caption(plain(_status(ref, crit, view, touched(answer_form(view.id, crit.id)))))
    key = f"exp.{view.id}.{crit.id}"
    if linked:
        st.session_state[key] = True  # the link opens it
    box = st.expander(_label(ref, crit), key=key, on_change=_toggled, args=(key, crit.id))
    with box:
        if box.open:
            _editor(view.id, crit.id)


def _header(ref: Referential, view: CampaignView) -> None:
    info = view.info
    st.caption(t("assessment.campaign_caption", entity=plain(view.entity.name), referential=plain(
        ref.title.get(lang())), version=plain(ref.version), period=t(f"context.period_{info.period.value}"),
        date=day(info.date), status=t(f"context.status_{info.status.value}")))
    if not info.editable:
        st.info(t("assessment.read_only", status=t(f"context.status_{info.status.value}")))
    elif not _writable(view):
        st.info(t("assessment.read_only_role"))


def main() -> None:
    st.title(t("assessment.title"))
    selection = pick_campaign()
    if selection is None:
        return
    data = store()
    try:
        view = data.campaign(selection.campaign)
        ref = data.referential(view.info.referential_id, view.info.referential_version)
    except LabelnrError as exc:
        st.error(t("assessment.cannot_open", reason=plain(error_text(exc))))
        return
    _header(ref, view)
    scores_panel(view.id)
    _criteria(ref, view, _filters(ref))


main()
