"""Three-year plan: commitments and their indicators, targets per criterion, projected score per year.

The selected campaign holds the plan. Every change goes through the store with the
revision the user read, so a stale edit is refused with who changed it; forms keep the
text typed until it is saved.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st
from pydantic import ValidationError

from labelnr.assessment import Commitment, CommitmentStatus, Direction, Indicator, Measure
from labelnr.errors import LabelnrError
from labelnr.referential import Referential
from labelnr.storage import CommitmentItem, ConflictError
from labelnr.trajectory import (
    YEARS,
    IndicatorState,
    Progress,
    check_indicator,
    current_year,
    indicator_series,
    progress,
)
from labelnr.ui import charts
from labelnr.ui.drafts import draft, forget
from labelnr.ui.resources import store
from labelnr.ui.selection import pick_campaign
from labelnr.ui.session import day, error_text, lang, num, t, tp
from labelnr.ui.steering import (
    Cycle,
    cycle,
    indicator_text,
    level_name,
    name_downloads,
    period_label,
    progress_text,
    scale_label,
    scope_label,
    show_chart,
    trajectory_frame,
    year_text,
)
from labelnr.ui.widgets import lazy, plain, table

FLASH = "plan.flash"
FLASH_ERROR = "plan.flash_error"


def _today() -> dt.date:
    return dt.date.today()


def _write(action: Callable[[], object], success: str, form: str | None = None) -> None:
    """Run one change; on success forget the form's draft and say so after the rerun.

    When the store refuses, nothing is saved and the draft stays as typed, with the reason
    (for a conflict: who changed the item) and a button to reload the stored version.
    """
    try:
        action()
    except LabelnrError as exc:
        st.error(t("plan.refused", reason=plain(error_text(exc))), icon=":material/error:")
        if isinstance(exc, ConflictError) and form is not None:
            st.button(t("plan.reload"), key=f"{form}.reload", on_click=forget, args=(form,),
                      icon=":material/refresh:")
        return
    if form is not None:
        forget(form)
    st.session_state[FLASH] = success
    st.rerun()


def _remove(commitment_id: int, revision: int, title: str) -> None:
    try:
        store().remove_commitment(commitment_id, revision)
    except LabelnrError as exc:
        st.session_state[FLASH_ERROR] = t("plan.refused", reason=plain(error_text(exc)))
        return
    st.session_state[FLASH] = t("plan.removed", title=title)


def _flash() -> None:
    message = st.session_state.pop(FLASH, None)
    if isinstance(message, str):
        st.success(message, icon=":material/check_circle:")
    error = st.session_state.pop(FLASH_ERROR, None)
    if isinstance(error, str):
        st.error(error, icon=":material/error:")


# --- header and flags --------------------------------------------------------------------------


def _header(c: Cycle) -> None:
    info = c.view.info
    st.caption(t("plan.caption", entity=plain(c.view.entity.name), period=period_label(info),
                 date=day(info.date), referential=plain(c.ref.title.get(lang())),
                 version=plain(c.ref.version)))
    if not info.editable:
        st.info(t("plan.read_only", status=t(f"context.status_{info.status.value}")),
                icon=":material/lock:")


def _flags(c: Cycle) -> None:
    """Late commitments and indicators off track, in words (with an icon, never colour alone)."""
    today = _today()
    late = [i.commitment for i in c.view.commitments
            if progress(i.commitment, today, c.cycle_start) is Progress.LATE]
    off = [i.commitment for i in c.view.commitments if i.commitment.indicator is not None
           and check_indicator(i.commitment.indicator).state is IndicatorState.OFF_TRACK]
    if late:
        st.warning(tp("plan.late_flag", len(late)) + "\n\n" + "\n".join(
            f"- {plain(cm.title)} ({plain(scope_label(c.ref, cm))})" for cm in late),
            icon=":material/warning:")
    if off:
        st.warning(tp("plan.off_track_flag", len(off)) + "\n\n" + "\n".join(
            f"- {plain(cm.indicator.name)} ({plain(cm.title)})" for cm in off if cm.indicator),
            icon=":material/warning:")


# --- projected score -------------------------------------------------------------------------------


def _projection(c: Cycle) -> None:
    st.header(t("plan.projection"), anchor=False)
    source = c.projected_from or c.start.info
    campaign = f"{source.name or period_label(source)} — {day(source.date)}"
    note = t("plan.projection_help", campaign=plain(campaign), year=year_text(c.projected_year))
    total = c.ref.scoring.total_points
    frame = trajectory_frame(c)
    # One light table per year: the projection (its level, its gain over the year before) beside
    # the planned and actual points; the chart draws the same three series on demand.
    shown = frame[["year", "projected"]].copy()
    held = [not math.isnan(v) for v in frame["projected"]]  # planned and projected from the plan's start
    shown["level"] = [level_name(c.ref, c.projected[year].level) if held[year] else "—" for year in YEARS]
    # From the points as shown (one decimal), so that the table adds up for its reader.
    shown_points = [round(c.projected[year].points, 1) for year in YEARS]
    gains = [shown_points[year] - shown_points[year - 1] if year and held[year - 1] else 0.0
             for year in YEARS]
    shown["gain"] = [("+" if gain > 0 else "") + num(gain, 1) if round(gain, 1) else "—" for gain in gains]
    shown["planned"] = frame["planned"]
    shown["actual"] = frame["actual"]
    thresholds = [charts.Threshold(lv.name.get(lang()), lv.min_points) for lv in c.ref.scoring.levels]
    show_chart(lambda: charts.trajectory(frame, thresholds, total, t), shown, _trajectory_summary(c),
               "plan.trajectory", "trajectoire", data_shown=True, note=note)


def _trajectory_summary(c: Cycle) -> str:
    last = c.projected[-1]
    planned = c.planned[-1]
    return t("plan.trajectory_summary", projected=num(last.points), level=level_name(c.ref, last.level),
             planned=num(planned.points), planned_level=level_name(c.ref, planned.level),
             total=num(c.ref.scoring.total_points, 3))


# --- commitments -----------------------------------------------------------------------------------


def _commitments(c: Cycle) -> None:
    st.header(t("plan.commitments"), anchor=False)
    items = c.view.commitments
    if not items:
        st.info(t("plan.no_commitment"))
    else:
        today = _today()
        table([_commitment_row(c, i, today) for i in items])
    if not c.view.info.editable:
        return
    # The forms are built (and their widgets' scripts loaded) only when the user opens them.
    lazy(t("plan.add_commitment"), f"plan.add_open.{c.view.id}", lambda: _commitment_form(c, None),
         icon=":material/add:")
    if items:
        lazy(t("plan.edit_commitment"), f"plan.edit_open.{c.view.id}", lambda: _edit(c, items),
             icon=":material/edit:")


def _edit(c: Cycle, items: tuple[CommitmentItem, ...]) -> None:
    labels = {i.id: f"{i.position}. {i.commitment.title}" for i in items}
    chosen = st.selectbox(t("plan.which_commitment"), list(labels), format_func=labels.__getitem__,
                          key=f"plan.edit_pick.{c.view.id}")
    item = next((i for i in items if i.id == chosen), None)
    if item is not None:
        _commitment_form(c, item)
        # The revision shown is the one removed: a commitment changed meanwhile is kept.
        st.button(t("plan.remove"), key=f"plan.remove.{item.id}", icon=":material/delete:",
                  on_click=_remove, args=(item.id, item.revision, item.commitment.title))


def _commitment_row(c: Cycle, item: CommitmentItem, today: dt.date) -> dict[str, Any]:
    cm = item.commitment
    return {
        t("plan.col_position"): item.position,
        t("plan.col_title"): cm.title,
        t("plan.col_scope"): scope_label(c.ref, cm),
        t("plan.col_target"): (f"{scale_label(c.ref, cm.target_level)}, {year_text(cm.target_year)}"
                               if cm.target_level else year_text(cm.target_year)),
        t("plan.col_owner"): cm.owner or "",
        t("plan.col_due"): day(cm.due) if cm.due else "",
        t("plan.col_progress"): _progress(cm, progress(cm, today, c.cycle_start)),
        t("plan.col_expected_points"): num(cm.expected_points, 1) if cm.expected_points is not None else "",
    }


def _progress(cm: Commitment, state: Progress) -> str:
    """Where a commitment stands, and its status when that says more ("⚠ En retard (en cours)")."""
    if state in (Progress.DONE, Progress.DROPPED):
        return progress_text(state)
    status = t(f"plan.status_{cm.status.value}")
    return t("plan.progress_status", progress=progress_text(state), status=status)


def _scopes(ref: Referential) -> dict[str, str]:
    """Form choices: "theme:<id>" and "criterion:<id>", labelled."""
    lg = lang()
    options = {f"theme:{th.id}": t("steering.theme_scope", theme=th.name.get(lg)) for th in ref.themes}
    options.update({f"criterion:{cr.id}": f"{cr.id} — {cr.title.get(lg)}" for cr in ref.criteria})
    return options


def _optional(value: float | None) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)


def _commitment_values(ref: Referential, base: Commitment | None, year: int) -> dict[str, Any]:
    """A commitment as the form's widget values (the defaults of a new one)."""
    ind = base.indicator if base else None
    scope = (f"criterion:{base.criterion}" if base and base.criterion else
             f"theme:{base.theme}" if base else f"theme:{ref.themes[0].id}")
    values: dict[str, Any] = {
        "title": base.title if base else "", "scope": scope,
        "target_level": base.target_level if base else None,
        "target_year": base.target_year if base else year,
        "status": base.status if base else CommitmentStatus.PLANNED,
        "owner": (base.owner or "") if base else "", "due": base.due if base else None,
        "expected": base.expected_points if base else None,
        "ind_name": ind.name if ind else "", "ind_unit": ind.unit if ind else "",
        "ind_direction": ind.direction if ind else Direction.HIGHER,
        "ind_baseline": ind.baseline if ind else None,
    }
    values.update({f"ind_target{y}": ind.targets.get(y) if ind else None for y in (1, 2, 3)})
    return values


def _commitment_form(c: Cycle, item: CommitmentItem | None) -> None:
    ref = c.ref
    base = item.commitment if item else None
    form = f"plan.form.{c.view.id}.{item.id if item else 'new'}"
    revision = draft(form, item.revision if item else 0,
                     _commitment_values(ref, base, current_year(c.cycle_start, _today())))
    scopes = _scopes(ref)
    levels: list[str | None] = [None, *[lv.id for lv in ref.scale.levels if not lv.pending]]

    def k(name: str) -> str:
        return f"{form}.{name}"

    with st.form(form):
        title = st.text_input(t("plan.f_title"), max_chars=300, key=k("title"))
        scope = st.selectbox(t("plan.f_scope"), list(scopes), format_func=scopes.__getitem__, key=k("scope"))
        left, middle, right = st.columns(3)
        target_level = left.selectbox(
            t("plan.f_target_level"), levels, key=k("target_level"),
            format_func=lambda lv: t("plan.none") if lv is None else scale_label(ref, lv))
        target_year = middle.selectbox(t("plan.f_target_year"), [1, 2, 3], format_func=year_text,
                                       key=k("target_year"))
        status = right.selectbox(t("plan.f_status"), list(CommitmentStatus), key=k("status"),
                                 format_func=lambda s: t(f"plan.status_{s.value}"))
        left, middle, right = st.columns(3)
        owner = left.text_input(t("plan.f_owner"), max_chars=200, key=k("owner"))
        due = middle.date_input(t("plan.f_due"), format="YYYY-MM-DD", key=k("due"))
        expected = right.number_input(t("plan.f_expected_points"), min_value=0.0, key=k("expected"),
                                      help=t("plan.f_expected_points_help"))
        st.markdown(f"**{t('plan.f_indicator')}**")
        st.caption(t("plan.f_indicator_help"))
        left, middle, right = st.columns(3)
        ind_name = left.text_input(t("plan.f_ind_name"), max_chars=200, key=k("ind_name"))
        ind_unit = middle.text_input(t("plan.f_ind_unit"), max_chars=40, key=k("ind_unit"))
        direction = right.selectbox(t("plan.f_ind_direction"), list(Direction), key=k("ind_direction"),
                                    format_func=lambda d: t(f"plan.direction_{d.value}"))
        cols = st.columns(4)
        baseline = cols[0].number_input(t("plan.f_ind_baseline"), key=k("ind_baseline"))
        yearly = [cols[y].number_input(t("plan.f_ind_target", year=year_text(y)), key=k(f"ind_target{y}"))
                  for y in (1, 2, 3)]
        submitted = st.form_submit_button(t("plan.save") if item else t("plan.add"), key=k("submit"),
                                          icon=":material/save:", type="primary")
    if not submitted:
        return
    fields: dict[str, Any] = {
        "title": title.strip(), "target_level": target_level, "target_year": target_year,
        "owner": owner.strip() or None, "due": due if isinstance(due, dt.date) else None, "status": status,
        "expected_points": _optional(expected),
    }
    kind, _, scope_id = str(scope).partition(":")
    fields[kind] = scope_id
    ind = base.indicator if base else None
    commitment = _build(fields, ind_name.strip(), ind_unit.strip(), direction or Direction.HIGHER,
                        _optional(baseline),
                        [_optional(v) for v in yearly], ind.actuals if ind else [])
    if commitment is None:
        return
    if item is None:
        _write(lambda: store().add_commitment(c.view.id, commitment),
               t("plan.added", title=commitment.title), form)
    else:
        _write(lambda: store().update_commitment(item.id, commitment, revision),
               t("plan.updated", title=commitment.title), form)


def _build(fields: dict[str, Any], name: str, unit: str, direction: Direction, baseline: float | None,
           yearly: list[float | None], actuals: list[Measure]) -> Commitment | None:
    """The commitment the form describes, or None after saying plainly what is missing."""
    if not fields["title"]:
        st.error(t("plan.title_required"), icon=":material/error:")
        return None
    if name or unit or baseline is not None or any(v is not None for v in yearly):
        if not name or not unit or baseline is None:
            st.error(t("plan.indicator_incomplete"), icon=":material/error:")
            return None
        fields["indicator"] = Indicator(
            name=name, unit=unit, direction=direction, baseline=baseline,
            targets={y: v for y, v in zip((1, 2, 3), yearly, strict=True) if v is not None}, actuals=actuals)
    try:
        return Commitment.model_validate(fields)
    except ValidationError as exc:
        st.error(t("plan.invalid", reason="; ".join(e["msg"] for e in exc.errors())), icon=":material/error:")
        return None


# --- indicators ------------------------------------------------------------------------------------


def _indicators(c: Cycle) -> None:
    with_ind = [i for i in c.view.commitments if i.commitment.indicator is not None]
    st.header(t("plan.indicators"), anchor=False)
    if not with_ind:
        st.info(t("plan.no_indicator"))
        return
    rows = []
    for item in with_ind:
        ind = item.commitment.indicator
        assert ind is not None
        check = check_indicator(ind)
        rows.append({
            t("plan.col_indicator"): ind.name,
            t("plan.col_unit"): ind.unit,
            t("plan.col_direction"): t(f"plan.direction_{ind.direction.value}"),
            t("plan.col_baseline"): ind.baseline,
            **{t("plan.col_target_year", year=year_text(y)): ind.targets.get(y) for y in (1, 2, 3)},
            t("plan.col_latest"): (f"{num(check.actual, 3)} ({year_text(check.year)})"
                                   if check.actual is not None and check.year is not None else ""),
            t("plan.col_expected"): num(check.expected, 3) if check.expected is not None else "",
            t("plan.col_state"): indicator_text(check.state),
        })
    table(rows)
    labels = {i.id: f"{i.commitment.indicator.name} ({i.commitment.title})"
              for i in with_ind if i.commitment.indicator}
    chosen = st.pills(t("plan.indicator_to_show"), list(labels), format_func=labels.__getitem__,
                      required=True, default=next(iter(labels)), key=f"plan.indicator_pick.{c.view.id}") \
        if len(labels) > 1 else next(iter(labels))
    item = next((i for i in with_ind if i.id == chosen), with_ind[0])
    ind = item.commitment.indicator
    assert ind is not None
    series = pd.DataFrame([{"year": p.year, "planned": p.planned, "actual": p.actual}
                           for p in indicator_series(ind)])
    title = t("plan.indicator_chart", name=ind.name)
    show_chart(lambda: charts.indicator(series, ind.unit, t, title), series, _indicator_summary(ind),
               f"plan.indicator.{item.id}", "indicateur")
    if c.view.info.editable:
        lazy(t("plan.add_measure", name=plain(ind.name)), f"plan.measure_open.{item.id}",
             lambda: _measure_form(item), icon=":material/add_chart:")


def _indicator_summary(ind: Indicator) -> str:
    check = check_indicator(ind)
    if check.actual is None or check.year is None or check.expected is None:
        return t("plan.indicator_summary_none", name=ind.name, baseline=num(ind.baseline, 3), unit=ind.unit)
    return t("plan.indicator_summary", name=ind.name, actual=num(check.actual, 3), unit=ind.unit,
             year=year_text(check.year), expected=num(check.expected, 3), state=indicator_text(check.state))


def _measure_form(item: CommitmentItem) -> None:
    ind = item.commitment.indicator
    assert ind is not None
    form = f"plan.measure.{item.id}"
    revision = draft(form, item.revision, {"year": 1, "value": None, "source": "", "date": _today()})
    with st.form(form):
        cols = st.columns(4)
        year = cols[0].selectbox(t("plan.f_measure_year"), list(YEARS), format_func=year_text,
                                 key=f"{form}.year")
        value = cols[1].number_input(t("plan.f_measure_value", unit=plain(ind.unit)), key=f"{form}.value")
        source = cols[2].text_input(t("plan.f_measure_source"), max_chars=300, key=f"{form}.source")
        when = cols[3].date_input(t("plan.f_measure_date"), format="YYYY-MM-DD", key=f"{form}.date")
        submitted = st.form_submit_button(t("plan.save_measure"), icon=":material/add_chart:",
                                          key=f"{form}.submit")
    if not submitted:
        return
    if value is None:
        st.error(t("plan.measure_value_required"), icon=":material/error:")
        return
    measure = Measure(year=year, value=float(value), source=source.strip() or None,
                      date=when if isinstance(when, dt.date) else None)
    updated = item.commitment.model_copy(
        update={"indicator": ind.model_copy(update={"actuals": [*ind.actuals, measure]})})
    _write(lambda: store().update_commitment(item.id, updated, revision),
           t("plan.measure_saved", name=ind.name), form)


# --- targets per criterion ---------------------------------------------------------------------------


def _targets(c: Cycle) -> None:
    st.header(t("plan.targets"), anchor=False)
    view = c.view
    count = sum(1 for by_year in view.assessment.targets.values() for level in by_year.values() if level)
    st.markdown(f"{tp('plan.targets_count', count)}\n\n{t('plan.targets_help')}")
    # The per-criterion grid (a data editor: 1.7 MB of scripts) is built only when opened.
    label = t("plan.edit_targets") if view.info.editable else t("plan.show_targets")
    lazy(label, f"plan.targets_open.{view.id}", lambda: _target_editor(c), icon=":material/edit_note:")
    _theme_trajectory(c)


def _target_editor(c: Cycle) -> None:
    ref, view = c.ref, c.view
    lg = lang()
    labels = {lv.id: lv.label.get(lg) for lv in ref.scale.levels if not lv.pending}
    by_label = {v: k for k, v in labels.items()}
    year_cols = {y: t("plan.col_target_year", year=year_text(y)) for y in (1, 2, 3)}
    rows = []
    for crit in ref.criteria_for(view.assessment.profile):
        answer = view.effective.get(crit.id)
        current = (t("plan.na") if answer and answer.not_applicable else scale_label(ref, answer.level)
                   if answer else "—")
        targets = view.assessment.targets.get(crit.id, {})
        rows.append({
            t("plan.col_criterion"): crit.id,
            t("plan.col_criterion_title"): crit.title.get(lg),
            t("plan.col_theme"): ref.themes_by_id[crit.theme].name.get(lg),
            t("plan.col_current"): current,
            **{col: labels.get(targets.get(y, "")) for y, col in year_cols.items()},
        })
    frame = pd.DataFrame(rows)
    editable = view.info.editable
    edited = st.data_editor(
        frame, hide_index=True, width="stretch",
        disabled=[t("plan.col_criterion"), t("plan.col_criterion_title"), t("plan.col_theme"),
                  t("plan.col_current")] if editable else True,
        placeholder="—",
        column_config={col: st.column_config.SelectboxColumn(col, options=list(by_label), required=False)
                       for col in year_cols.values()},
        key=f"plan.targets.{view.id}.editor",
    )
    if editable and st.button(t("plan.save_targets"), icon=":material/save:",
                              key=f"plan.targets.{view.id}.save"):
        changes = []
        for before, after in zip(frame.to_dict("records"), edited.to_dict("records"), strict=True):
            for y, col in year_cols.items():
                old, new = before[col], after[col]
                if (old or None) != (new or None):
                    cid = str(before[t("plan.col_criterion")])
                    changes.append((cid, y, by_label.get(new) if new else None))
        if not changes:
            st.info(t("plan.no_target_change"))
        else:
            _write(lambda: _save_targets(view.id, changes), tp("plan.targets_saved", len(changes)),
                   f"plan.targets.{view.id}")


def _save_targets(campaign_id: int, changes: list[tuple[str, int, str | None]]) -> None:
    data = store()
    for cid, year, level in changes:
        data.set_target(campaign_id, cid, year, level)


def _theme_trajectory(c: Cycle) -> None:
    lg = lang()
    rows = [{"theme": th.name.get(lg), "year": ys.year,
             "percent": round(p, 1) if (p := ys.themes.get(th.id)) is not None else math.nan}
            for th in c.ref.themes for ys in c.planned]
    frame = pd.DataFrame(rows)
    last = c.planned[-1].themes
    ends = ", ".join(f"{th.name.get(lg)} {num(last.get(th.id) or 0)} %" for th in c.ref.themes)
    show_chart(lambda: charts.theme_trajectory(frame, t), frame, t("plan.theme_summary", themes=ends),
               "plan.themes", "trajectoire-themes")


def main() -> None:
    st.title(t("plan.title"))
    selection = pick_campaign()
    if selection is None:
        return
    _flash()
    try:
        c = cycle(store(), selection.campaign)
    except LabelnrError as exc:
        st.error(t("plan.cannot_open", reason=plain(error_text(exc))), icon=":material/error:")
        return
    name_downloads(c.view.entity.name, period_label(c.view.info))
    _header(c)
    _flags(c)
    _projection(c)
    _commitments(c)
    _indicators(c)
    _targets(c)


main()
