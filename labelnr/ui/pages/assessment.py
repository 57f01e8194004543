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
from typing import Any

import streamlit as st

from labelnr.assessment import Answer, NotApplicable, excluded_and_forced_na
from labelnr.errors import LabelnrError
from labelnr.formatting import format_datetime
from labelnr.i18n import weight_text
from labelnr.permissions import Action
from labelnr.referential import Criterion, EvidenceType, Referential
from labelnr.scoring import Scores, mandatory_level, score
from labelnr.storage.errors import ConflictError
from labelnr.storage.views import CampaignView, EvidenceItem
from labelnr.ui.auth import can
from labelnr.ui.context import (
    day,
    error_text,
    lang,
    linked_criterion,
    num,
    open_criterion,
    pick_campaign,
    plain,
    refuse_criterion,
    store,
    t,
    table,
    tp,
)

NA_REASON = "declared"
FIELDS = ("level", "na", "just", "comment", "owner")
SCORES_FRAGMENT = "scores"

# --- drafts ---------------------------------------------------------------------------------


def _key(campaign: int, cid: str, name: str) -> str:
    return f"a{campaign}.{cid}.{name}"


def _values(answer: Answer | None) -> dict[str, Any]:
    """An answer as the editor's widget values."""
    na = answer.not_applicable if answer else None
    return {
        "level": answer.level if answer else None,
        "na": na is not None,
        "just": na.justification if na else "",
        "comment": (answer.comment or "") if answer else "",
        "owner": (answer.owner or "") if answer else "",
    }


@dataclass(frozen=True)
class Base:
    """The saved answer a draft started from: its revision is sent back with the save."""

    revision: int
    values: dict[str, Any]


def _base(campaign: int, cid: str) -> Base | None:
    # Kept in session state as plain data: this module (and its classes) is re-executed
    # on every run, so an instance from an earlier run would not be a ``Base`` of this one.
    stored = st.session_state.get(_key(campaign, cid, "base"))
    if not isinstance(stored, tuple):
        return None
    revision, values = stored
    return Base(revision, dict(values))


def _set_base(campaign: int, cid: str, revision: int, values: dict[str, Any], reset: bool) -> None:
    """Remember what the widgets started from; ``reset`` also puts those values in the widgets."""
    state = st.session_state
    state[_key(campaign, cid, "base")] = (revision, dict(values))
    opened: set[str] = state.setdefault(f"a{campaign}.opened", set())
    opened.add(cid)
    if reset:
        for name in FIELDS:
            state[_key(campaign, cid, name)] = values[name]


def _draft(campaign: int, cid: str) -> dict[str, Any] | None:
    base = _base(campaign, cid)
    if base is None:
        return None
    return {name: st.session_state.get(_key(campaign, cid, name), base.values[name]) for name in FIELDS}


def _dirty(campaign: int, cid: str) -> bool:
    base = _base(campaign, cid)
    return base is not None and _draft(campaign, cid) != base.values


def _blank(values: dict[str, Any]) -> bool:
    return values["level"] is None and not values["na"] and not values["comment"] and not values["owner"]


def _to_answer(values: dict[str, Any]) -> Answer:
    """Widget values as an answer (a N/A without justification gets a placeholder for previews)."""
    na = None
    if values["na"]:
        na = NotApplicable(reason=NA_REASON, justification=values["just"].strip() or "…")
    return Answer(
        level=None if na else values["level"],
        not_applicable=na,
        comment=values["comment"].strip() or None,
        owner=values["owner"].strip() or None,
    )


def _preview(view: CampaignView) -> tuple[dict[str, Answer], int]:
    """Effective answers with the unsaved drafts laid over them, and how many drafts there are."""
    answers = dict(view.effective)
    pending = 0
    for cid in st.session_state.get(f"a{view.id}.opened", set()):
        if not _dirty(view.id, cid):
            continue
        pending += 1
        values = _draft(view.id, cid)
        if values is None:
            continue
        if _blank(values):
            answers.pop(cid, None)
            inherited = view.sources.get(cid)
            if inherited is not None and inherited.inherited:
                answers[cid] = view.effective[cid]
        else:
            answers[cid] = _to_answer(values)
    return answers, pending


# --- saving (widget callbacks: they run before the page is drawn again) -----------------------


def _flash(campaign: int, cid: str, kind: str, text: str) -> None:
    st.session_state[_key(campaign, cid, "flash")] = (kind, text)


def _save(campaign: int, cid: str, overwrite: bool = False) -> None:
    values = _draft(campaign, cid)
    base = _base(campaign, cid)
    if values is None or base is None:
        return
    if values["na"] and not values["just"].strip():
        _flash(campaign, cid, "error", t("assessment.na_needs_justification"))
        return
    conflict = st.session_state.get(_key(campaign, cid, "conflict"))
    expected = conflict["revision"] if overwrite and conflict else base.revision
    data = store()
    try:
        if _blank(values):
            revision = data.clear_answer(campaign, cid, expected)
        else:
            revision = data.save_answer(campaign, cid, _to_answer(values), expected)
    except ConflictError as exc:
        st.session_state[_key(campaign, cid, "conflict")] = {
            "by": exc.changed_by or "?",
            "at": exc.changed_at,
            "revision": exc.current_revision,
        }
        return
    except LabelnrError as exc:
        _flash(campaign, cid, "error", t("assessment.not_saved", reason=plain(error_text(exc))))
        return
    st.session_state.pop(_key(campaign, cid, "conflict"), None)
    _set_base(campaign, cid, revision, values, reset=False)
    _flash(campaign, cid, "success", t("assessment.saved"))


def _take_theirs(campaign: int, cid: str) -> None:
    view = store().campaign(campaign)
    st.session_state.pop(_key(campaign, cid, "conflict"), None)
    _set_base(campaign, cid, view.answer_revision(cid), _values(view.assessment.answers.get(cid)), reset=True)


def _rescore() -> None:
    """A changed answer: rerun the score panel only (the radio shows its new choice by itself)."""
    st.rerun(SCORES_FRAGMENT)


# --- the score panel ------------------------------------------------------------------------


@st.fragment(key=SCORES_FRAGMENT)
def _scores_panel(campaign: int) -> None:
    data = store()
    view = data.campaign(campaign)
    ref = data.referential(view.info.referential_id, view.info.referential_version)
    answers, pending = _preview(view)
    scores = score(ref, answers, view.assessment.profile, view.assessment.applicability)
    _show_scores(ref, scores, pending, _scope(ref, view))


def _level_name(ref: Referential, level: int) -> str:
    found = next((lv for lv in ref.scoring.levels if lv.level == level), None)
    return found.name.get(lang()) if found else t("assessment.no_level")


def _not_answered_text(ref: Referential, scores: Scores) -> str:
    """The criteria not answered yet, each pending answer apart ("in progress" is not "to assess")."""
    counts = scores.pending_counts()
    parts = [t("assessment.count_of", label=lv.label.get(lang()), count=counts.get(lv.id, 0))
             for lv in ref.scale.levels if lv.pending]
    parts.append(t("assessment.count_of", label=t("assessment.unanswered_label"), count=scores.unanswered))
    return " · ".join(parts)


def _show_scores(ref: Referential, scores: Scores, pending: int, scope: Scope) -> None:
    lg = lang()
    st.header(t("assessment.score"))
    if pending:
        st.caption(tp("assessment.preview", pending))
    cols = st.columns(3)
    # Nothing applicable: no score at all, not 0 points (the dashboard says the same).
    cols[0].metric(t("assessment.points"), f"{num(scores.points)} / {num(scores.total_points, 3)}"
                   if scores.defined else t("steering.score_undefined"))
    cols[1].metric(t("assessment.level_reached"), _level_name(ref, scores.level))
    # Criteria made N/A by rule are not answerable: they count neither as answered nor as asked.
    answerable = [c for cid, c in scores.criteria.items() if cid not in scope.forced]
    cols[2].metric(t("assessment.answered"), f"{sum(c.answered for c in answerable)} / {len(answerable)}")
    cols[2].caption(_not_answered_text(ref, scores))
    st.caption(tp("assessment.in_score", sum(1 for c in scores.criteria.values() if c.applicable),
                  forced=tp("assessment.forced_na", len(scope.forced)), out=num(len(scope.out))))
    for gap in scores.gaps:
        name = gap.name.get(lg)
        if gap.reached:
            st.markdown(f"✔ {t('assessment.gap_reached', level=name)}")
            continue
        parts = [t("assessment.gap_points", level=name, points=num(gap.points_short),
                   needed=num(gap.points_needed, 3))] if gap.points_short > 0 else [
            t("assessment.gap_points_ok", level=name)]
        if gap.missing_mandatory:
            # By id and title, as the dashboard and the dossier name them.
            named = [f"{cid} ({ref.criteria_by_id[cid].title.get(lg)})" if cid in ref.criteria_by_id else cid
                     for cid in gap.missing_mandatory]
            parts.append(t("assessment.gap_mandatory", ids=plain(", ".join(named))))
        for short in gap.themes_below_minimum:
            theme = ref.themes_by_id.get(short.theme)
            parts.append(t("assessment.gap_theme", theme=theme.name.get(lg) if theme else short.theme,
                           percent=num(short.percent), minimum=num(short.minimum, 3)))
        st.markdown("✘ " + t("assessment.list_separator").join(parts))
    table([
        {
            t("assessment.theme"): theme.name.get(lg),
            t("assessment.theme_percent"): "—" if (ts := scores.themes[theme.id]).percent is None
            else f"{num(ts.percent)} %",
            t("assessment.points"): f"{num(ts.points)} / {num(ts.max_points)}",
            t("assessment.answered"): f"{ts.answered} / {ts.in_scope}",
        }
        for theme in ref.themes
    ])


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
    _evidence_list(view, crit.id, editable=False)


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
    saved = view.assessment.answers.get(cid)
    base = _base(campaign, cid)
    if base is None:
        _set_base(campaign, cid, view.answer_revision(cid), _values(saved), reset=True)
    elif base.revision != view.answer_revision(cid) and not _dirty(campaign, cid):
        # Someone saved this criterion meanwhile and nothing was typed here: show their answer.
        _set_base(campaign, cid, view.answer_revision(cid), _values(saved), reset=True)
    _expected(ref, crit)
    _inherited_note(view, ref, cid)
    _answer_widgets(ref, crit, campaign)
    _save_state(view, campaign, cid)
    _evidence_list(view, cid, editable=True)
    _evidence_forms(campaign, cid)


def _answer_widgets(ref: Referential, crit: Criterion, campaign: int) -> None:
    lg = lang()
    cid = crit.id
    labels = {lv.id: lv.label.get(lg) for lv in ref.scale.levels}
    na = bool(st.session_state.get(_key(campaign, cid, "na")))
    st.radio(t("assessment.answer"), list(labels), format_func=labels.__getitem__, index=None,
             key=_key(campaign, cid, "level"), horizontal=True, disabled=na, persist_state="session",
             on_change=_rescore)
    if crit.not_applicable.allowed:
        condition = crit.not_applicable.condition
        st.checkbox(t("assessment.not_applicable"), key=_key(campaign, cid, "na"), persist_state="session",
                    help=condition.get(lg) if condition else t("assessment.na_help"))
        if na:
            st.text_area(t("assessment.justification"), key=_key(campaign, cid, "just"), max_chars=4000,
                         persist_state="session", help=t("assessment.justification_help"))
    st.text_area(t("assessment.comment"), key=_key(campaign, cid, "comment"), max_chars=8000,
                 persist_state="session")
    st.text_input(t("assessment.owner"), key=_key(campaign, cid, "owner"), max_chars=200,
                  persist_state="session")


def _save_state(view: CampaignView, campaign: int, cid: str) -> None:
    flash = st.session_state.pop(_key(campaign, cid, "flash"), None)
    conflict = st.session_state.get(_key(campaign, cid, "conflict"))
    dirty = _dirty(campaign, cid)
    base = _base(campaign, cid)
    current = view.answer_revisions.get(cid)
    if conflict is None and dirty and base is not None and current is not None \
            and current.number != base.revision:
        conflict = {"by": current.updated_by, "at": current.updated_at, "revision": current.number}
        st.session_state[_key(campaign, cid, "conflict")] = conflict
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
        left.button(t("assessment.keep_mine"), key=_key(campaign, cid, "overwrite"), on_click=_save,
                    args=(campaign, cid, True), type="primary")
        right.button(t("assessment.take_theirs"), key=_key(campaign, cid, "theirs"), on_click=_take_theirs,
                     args=(campaign, cid))
        return
    if flash is not None:
        kind, text = flash
        (st.error if kind == "error" else st.success)(text)
    if dirty:
        st.caption(t("assessment.unsaved"))
    elif current is not None:
        st.caption(t("assessment.saved_by", who=plain(current.updated_by),
                     when=f"{format_datetime(current.updated_at, lang())} UTC"))
    st.button(t("assessment.save"), key=_key(campaign, cid, "save"), on_click=_save, args=(campaign, cid),
              type="primary")


def _evidence_list(view: CampaignView, cid: str, editable: bool) -> None:
    items = view.evidence.get(cid, ())
    if not items:
        st.caption(t("assessment.no_evidence"))
        return
    st.markdown(f"**{t('assessment.evidence')}**")
    for item in items:
        cols = st.columns([5, 1]) if editable and item.inherited_from_id is None else [st.container()]
        cols[0].markdown(_evidence_line(item))
        if len(cols) > 1:
            cols[1].button(t("assessment.remove"), key=f"rm-ev-{item.id}", on_click=_remove_evidence,
                           args=(view.id, cid, item.id),
                           help=t("assessment.remove_help", title=plain(item.title)))


def _evidence_line(item: EvidenceItem) -> str:
    kind = t(f"assessment.evidence_{item.type.value}")
    if item.kind == "link" and item.url:
        where = f" — {plain(item.url)}"
    else:
        name = "" if item.filename == item.title else f" — {plain(item.filename or '')}"
        where = f"{name} ({_size(item.size or 0)}, SHA-256 {(item.sha256 or '')[:12]}…)"
    inherited = f" · {t('assessment.status_inherited')}" if item.inherited_from_id is not None else ""
    return f"- {kind} — {plain(item.title)}{where}{inherited}"


def _size(size: int) -> str:
    if size < 1024:
        return t("assessment.bytes", size=size)
    if size < 1024 * 1024:
        return t("assessment.kilobytes", size=num(size / 1024))
    return t("assessment.megabytes", size=num(size / 1024 / 1024, 1))


def _remove_evidence(campaign: int, cid: str, evidence_id: int) -> None:
    try:
        store().remove_evidence(evidence_id)
    except LabelnrError as exc:
        _flash(campaign, cid, "error", t("assessment.not_saved", reason=plain(error_text(exc))))


def _evidence_forms(campaign: int, cid: str) -> None:
    types = list(EvidenceType)
    label = {e: t(f"assessment.evidence_{e.value}") for e in types}
    upload, link = st.columns(2)
    with upload.form(key=_key(campaign, cid, "upload_form"), clear_on_submit=True, border=True):
        st.markdown(f"**{t('assessment.add_file')}**")
        file = st.file_uploader(t("assessment.file"), key=_key(campaign, cid, "file"),
                                help=t("assessment.file_help"))
        kind = st.selectbox(t("assessment.evidence_type"), types, format_func=label.__getitem__,
                            key=_key(campaign, cid, "file_type"))
        if st.form_submit_button(t("assessment.attach")):
            if file is None:
                st.error(t("assessment.no_file"))
            else:
                _attach(lambda: store().add_evidence_file(campaign, cid, file.name, file.getvalue(),
                                                          kind))
    with link.form(key=_key(campaign, cid, "link_form"), clear_on_submit=True, border=True):
        st.markdown(f"**{t('assessment.add_link')}**")
        url = st.text_input(t("assessment.url"), key=_key(campaign, cid, "url"), placeholder="https://…")
        title = st.text_input(t("assessment.link_title"), key=_key(campaign, cid, "link_title"))
        kind = st.selectbox(t("assessment.evidence_type"), types, format_func=label.__getitem__,
                            key=_key(campaign, cid, "link_type"))
        if st.form_submit_button(t("assessment.add")):
            if not url.strip() or not title.strip():
                st.error(t("assessment.link_incomplete"))
            else:
                _attach(lambda: store().add_evidence_link(campaign, cid, url.strip(), title.strip(),
                                                          kind))


def _attach(add: Any) -> None:
    try:
        add()
    except LabelnrError as exc:
        st.error(t("assessment.evidence_refused", reason=plain(error_text(exc))))
        return
    st.rerun()  # the list, the filters and the labels show the new evidence


# --- the page -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    theme: str | None
    unanswered: bool
    missing_evidence: bool
    mandatory: bool


def _filters(ref: Referential) -> Filters:
    lg = lang()
    names = {th.id: th.name.get(lg) for th in ref.themes}
    options: list[str | None] = [None, *names]
    st.header(t("assessment.criteria"))
    cols = st.columns([2, 1, 1, 1])
    theme = cols[0].selectbox(t("assessment.filter_theme"), options, key="flt_theme", persist_state="session",
                              format_func=lambda th: names[th] if th else t("assessment.all_themes"))
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


@dataclass(frozen=True)
class Scope:
    """What the profile and the applicability answers make of the referential, with why."""

    answerable: list[Criterion]
    #: Criteria made not applicable by rule (shown N/A, never answered): id → reason.
    forced: dict[str, str]
    #: Criteria outside the campaign (other profiles, or excluded by a "no"): id → reason.
    out: dict[str, str]


def _scope(ref: Referential, view: CampaignView) -> Scope:
    lg = lang()
    a = view.assessment
    excluded, forced = excluded_and_forced_na(ref, a.profile, dict(a.applicability))
    profile = ref.profile(a.profile)
    in_profile = {c.id for c in ref.criteria_for(a.profile)}
    out = {c.id: t("assessment.out_profile", profile=profile.name.get(lg) if profile
                   else t("assessment.no_profile")) for c in ref.criteria if c.id not in in_profile}
    for question in ref.questions:
        if not a.applicability.get(question.id, True):
            for cid in question.if_no_exclude:
                if cid in in_profile:
                    out[cid] = t("assessment.out_question", question=question.text.get(lg))
    kept = [c for c in ref.criteria_for(a.profile) if c.id not in excluded]
    return Scope(
        answerable=[c for c in kept if c.id not in forced],
        forced={c.id: forced[c.id].get(lg) for c in kept if c.id in forced},
        out=out,
    )


def _criteria(ref: Referential, view: CampaignView, f: Filters) -> None:
    lg = lang()
    scope = _scope(ref, view)
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
    st.caption(plain(_status(ref, crit, view, _dirty(view.id, crit.id))))
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
    _scores_panel(view.id)
    _criteria(ref, view, _filters(ref))


main()
