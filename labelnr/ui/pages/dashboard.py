"""Steering dashboard: for an entity or the whole organisation, where the label stands and where
the three-year plan takes it.

Each chart comes with a sentence that says what it shows, its data as a table and an HTML
download for slides (see :mod:`labelnr.ui.charts`). Organisation figures are averages over
the entities that hold a campaign of the selected period on the same referential.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

import pandas as pd
import streamlit as st

from labelnr.errors import LabelnrError
from labelnr.referential import Referential
from labelnr.scoring import LevelGap, Scores, mandatory_level
from labelnr.storage.service import Store
from labelnr.storage.views import CampaignInfo, PortfolioRow
from labelnr.trajectory import PERIOD_YEAR, YEARS, Progress, burn_up, progress
from labelnr.ui import charts
from labelnr.ui.context import Selection, lang, link, pick_campaign, plain, store, t
from labelnr.ui.steering import (
    Cycle,
    cycle,
    level_name,
    period_label,
    progress_text,
    show_chart,
    trajectory_frame,
    year_text,
)
from labelnr.verification import audited, to_verify

TOP_GAPS = 10
SCOPES = ("entity", "organisation")


def _today() -> dt.date:
    return dt.date.today()


# --- level reached -------------------------------------------------------------------------------


def _next_gap(scores: Scores) -> LevelGap | None:
    return next((g for g in scores.gaps if not g.reached), None)


def _gap_text(ref: Referential, scores: Scores) -> str:
    """What stands between the answers and the next level, in words."""
    gap = _next_gap(scores)
    if gap is None:
        return t("dashboard.top_level") if ref.scoring.levels else t("dashboard.no_levels")
    lg = lang()
    parts = [t("dashboard.gap_points", points=f"{gap.points_short:.0f}")] if gap.points_short > 0 else []
    if gap.missing_mandatory:
        parts.append(t("dashboard.gap_mandatory", criteria=", ".join(
            f"{cid} ({ref.criteria_by_id[cid].title.get(lg)})" for cid in gap.missing_mandatory)))
    for short in gap.themes_below_minimum:
        theme = ref.themes_by_id.get(short.theme)
        parts.append(t("dashboard.gap_theme", theme=theme.name.get(lg) if theme else short.theme,
                       percent=f"{short.percent:.0f}", minimum=f"{short.minimum:g}"))
    what = t("dashboard.list_separator").join(parts) or t("dashboard.gap_lower")
    return t("dashboard.gap_to", level=gap.name.get(lg), what=what)


def _level_metrics(c: Cycle) -> None:
    ref, scores = c.ref, c.scores
    total = ref.scoring.total_points
    mine, verified = scores.self_assessed, scores.verified
    gap = _next_gap(mine)
    cols = st.columns(4)
    cols[0].metric(t("dashboard.points"), f"{mine.points:.0f} / {total:g}",
                   help=t("dashboard.points_help"))
    asked = to_verify(ref, c.view.assessment)
    covered = audited(asked, {cid: v.verdict for cid, v in c.view.assessment.verdicts.items()})
    cols[1].metric(t("dashboard.verified_points"),
                   f"{verified.points:.0f} / {total:g}" if covered else t("dashboard.not_audited"),
                   help=t("dashboard.verified_count", verified=len(covered), total=len(asked)))
    cols[2].metric(t("dashboard.level"), level_name(ref, mine.level))
    cols[3].metric(t("dashboard.next_level"), gap.name.get(lang()) if gap else "—",
                   f"-{gap.points_short:.0f} {t('dashboard.points_unit')}" if gap and gap.points_short > 0
                   else None, delta_color="off")
    st.markdown(plain(_gap_text(ref, mine)))
    _missing_mandatory(c, gap)


def _missing_mandatory(c: Cycle, gap: LevelGap | None) -> None:
    """Each mandatory criterion the next level still misses: id, title, the level it needs, a link."""
    if gap is None or not gap.missing_mandatory:
        return
    lg = lang()
    info = c.view.info
    here = Selection(info.organisation_id, info.entity_id, info.id)
    lines = []
    for cid in gap.missing_mandatory:
        level = (mandatory_level(c.ref, cid) or gap).name.get(lg)
        title = c.ref.criteria_by_id[cid].title.get(lg)
        lines.append(f"- [{plain(cid)} — {plain(title)}]({link('assessment', here, cid)}) · "
                     + t("dashboard.mandatory_for", level=level))
    st.markdown("\n".join(lines))


# --- charts --------------------------------------------------------------------------------------


def _radar(ref: Referential, current: dict[str, float | None], previous: dict[str, float | None] | None,
           target: dict[str, float | None], key: str, what: str) -> None:
    lg = lang()
    rows = [
        {"theme": th.name.get(lg), "current": _round(current.get(th.id)),
         "previous": _round(previous.get(th.id)) if previous is not None else math.nan,
         "target": _round(target.get(th.id))}
        for th in ref.themes
    ]
    frame = pd.DataFrame(rows)
    if previous is None:
        frame = frame.drop(columns=["previous"])
    fig = charts.radar(frame, t)
    named = [(th.name.get(lg), current.get(th.id)) for th in ref.themes]
    scored = [(name, value) for name, value in named if value is not None]
    summary = t("dashboard.radar_summary", what=what,
                themes=", ".join(f"{name} {value:.0f} %" for name, value in scored) or "—",
                weakest=min(scored, key=lambda nv: nv[1])[0] if scored else "—")
    show_chart(fig, frame, summary, f"{key}.radar", "themes")


def _round(value: float | None) -> float:
    return math.nan if value is None else round(value, 1)


def _trajectory(ref: Referential, frame: pd.DataFrame, key: str, what: str) -> None:
    thresholds = [charts.Threshold(lv.name.get(lang()), lv.min_points) for lv in ref.scoring.levels]
    fig = charts.trajectory(frame, thresholds, ref.scoring.total_points, t)
    held = frame.dropna(subset=["actual"])
    last_actual = (t("dashboard.actual_last", year=year_text(int(held["year"].iloc[-1])),
                     points=f"{held['actual'].iloc[-1]:.0f}") if len(held) else t("dashboard.no_actual"))
    planned = frame["planned"].iloc[-1]
    projected = frame["projected"].iloc[-1]
    summary = t("dashboard.trajectory_summary", what=what, actual=last_actual,
                planned="—" if pd.isna(planned) else f"{planned:.0f}",
                projected="—" if pd.isna(projected) else f"{projected:.0f}",
                levels=", ".join(f"{th.name} {th.points:g}" for th in thresholds) or "—")
    show_chart(fig, frame, summary, f"{key}.trajectory", "trajectoire")


def _burn_up(commitments: Sequence[tuple[Cycle, int]], key: str) -> None:
    today = _today()
    rows: list[dict[str, int]] = []
    per_cycle = [burn_up([i.commitment for i in c.view.commitments], today, c.cycle_start)
                 for c, _ in commitments]
    for index, year in enumerate(YEARS[1:]):
        row = {"year": year, "scope": 0, "done": 0, "on_track": 0, "late": 0}
        for lines in per_cycle:
            line = lines[index]
            row["scope"] += line.scope
            row["done"] += line.done
            row["on_track"] += line.on_track
            row["late"] += line.late
        rows.append(row)
    totals = rows[-1]
    if not totals["scope"]:
        st.info(t("dashboard.no_commitment"))
        return
    frame = pd.DataFrame(rows)
    fig = charts.burn_up(frame, t)
    summary = t("dashboard.burn_up_summary", scope=totals["scope"],
                done=f"{progress_text(Progress.DONE)} {totals['done']}",
                on_track=f"{progress_text(Progress.ON_TRACK)} {totals['on_track']}",
                late=f"{progress_text(Progress.LATE)} {totals['late']}")
    show_chart(fig, frame, summary, f"{key}.burn_up", "engagements")
    late = [(c, i.commitment) for c, _ in commitments for i in c.view.commitments
            if progress(i.commitment, today, c.cycle_start) is Progress.LATE]
    if late:
        st.warning(t("dashboard.late_list", count=len(late)) + "\n\n" + "\n".join(
            f"- {plain(cm.title)} — {plain(c.view.entity.name)}"
            + (f" ({t('dashboard.due', date=cm.due.isoformat())})" if cm.due else "")
            for c, cm in late), icon=":material/warning:")


def _heatmap(ref: Referential, rows: Sequence[PortfolioRow], key: str) -> None:
    if not rows:
        return
    lg = lang()
    names = {th.id: th.name.get(lg) for th in ref.themes}
    frame = pd.DataFrame(
        [[_round(r.themes.get(tid)) for tid in names] for r in rows],
        index=[r.entity.name for r in rows], columns=list(names.values()),
    )
    fig = charts.heatmap(frame, t)
    cells = [(r.entity.name, names[tid], v) for r in rows for tid in names
             if (v := r.themes.get(tid)) is not None]
    low = min(cells, key=lambda c: c[2], default=None)
    high = max(cells, key=lambda c: c[2], default=None)
    summary = t("dashboard.heatmap_summary", entities=len(rows), themes=len(names),
                low=f"{low[0]} · {low[1]} {low[2]:.0f} %" if low else "—",
                high=f"{high[0]} · {high[1]} {high[2]:.0f} %" if high else "—")
    table = frame.reset_index(names=t("dashboard.col_entity"))
    show_chart(fig, table, summary, f"{key}.heatmap", "entites-themes")


# --- top gaps ------------------------------------------------------------------------------------


def _top_gaps(cycles: Sequence[Cycle]) -> None:
    """The criteria that leave the most points on the table (summed over the entities)."""
    ref = cycles[0].ref
    lg = lang()
    missing: dict[str, float] = {}
    entities: dict[str, int] = {}
    for c in cycles:
        for cid, cs in c.scores.self_assessed.criteria.items():
            lost = cs.max_points - cs.points
            if lost > 1e-9:
                missing[cid] = missing.get(cid, 0.0) + lost
                entities[cid] = entities.get(cid, 0) + 1
    ranked = sorted(missing.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_GAPS]
    if not ranked:
        st.success(t("dashboard.no_gap"))
        return
    rows = []
    for cid, lost in ranked:
        crit = ref.criteria_by_id[cid]
        row = {
            t("dashboard.col_criterion"): cid,
            t("dashboard.col_title"): crit.title.get(lg),
            t("dashboard.col_theme"): ref.themes_by_id[crit.theme].name.get(lg),
            t("dashboard.col_missing"): round(lost, 1),
            t("dashboard.col_mandatory"): needed.name.get(lg) if (needed := mandatory_level(ref, cid))
            else t("dashboard.answer_no"),
        }
        if len(cycles) > 1:
            row[t("dashboard.col_entities")] = entities[cid]
        else:
            answer = cycles[0].view.effective.get(cid)
            level = ref.scale.level(answer.level) if answer and answer.level else None
            row[t("dashboard.col_answer")] = level.label.get(lg) if level else t("dashboard.unanswered")
            info = cycles[0].view.info
            row[t("dashboard.col_open")] = link(
                "assessment", Selection(info.organisation_id, info.entity_id, info.id), cid)
        rows.append(row)
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", column_config={
        t("dashboard.col_open"): st.column_config.LinkColumn(t("dashboard.col_open"),
                                                             display_text=t("dashboard.open_criterion"))})


# --- the two scopes ----------------------------------------------------------------------------


def _entity(data: Store, c: Cycle) -> None:
    info = c.view.info
    st.header(t("dashboard.level_reached"))
    _level_metrics(c)
    what = c.view.entity.name
    st.header(t("dashboard.themes"))
    previous = data.scores(c.previous.id).self_assessed.themes if c.previous else None
    st.caption(t("dashboard.radar_caption", previous=_campaign_text(c.previous) if c.previous
                 else t("dashboard.none")))
    _radar(c.ref, {k: v.percent for k, v in c.scores.self_assessed.themes.items()},
           {k: v.percent for k, v in previous.items()} if previous else None, c.planned[-1].themes,
           "entity", what)
    st.header(t("dashboard.trajectory"))
    st.caption(t("dashboard.trajectory_caption", start=year_text(c.start_year)))
    _trajectory(c.ref, trajectory_frame(c), "entity", what)
    st.header(t("dashboard.commitments"))
    _burn_up([(c, info.id)], "entity")
    st.header(t("dashboard.heatmap"))
    st.caption(t("dashboard.heatmap_caption", period=period_label(info)))
    _heatmap(c.ref, _peers(data, info), "entity")
    st.header(t("dashboard.top_gaps"))
    _top_gaps([c])


def _campaign_text(info: CampaignInfo) -> str:
    return f"{info.name or period_label(info)} ({info.date.isoformat()})"


def _peers(data: Store, info: CampaignInfo) -> list[PortfolioRow]:
    """Every entity's campaign of the same referential version and period."""
    return [r for r in data.portfolio(info.organisation_id)
            if r.campaign.referential_key == info.referential_key and r.campaign.period == info.period]


def _organisation(data: Store, info: CampaignInfo) -> None:
    rows = _peers(data, info)
    cycles: list[Cycle] = []
    for row in rows:
        try:
            cycles.append(cycle(data, row.campaign.id))
        except LabelnrError as exc:
            st.warning(t("dashboard.entity_skipped", entity=plain(row.entity.name), reason=plain(str(exc))))
    if not cycles:
        st.info(t("dashboard.no_peer"))
        return
    ref = cycles[0].ref
    total = ref.scoring.total_points
    st.caption(t("dashboard.organisation_caption", count=len(cycles), period=period_label(info),
                 referential=plain(ref.title.get(lang())), version=plain(ref.version)))
    st.header(t("dashboard.level_reached"))
    mean = sum(c.scores.self_assessed.points for c in cycles) / len(cycles)
    cols = st.columns(2 + len(ref.scoring.levels))
    cols[0].metric(t("dashboard.entities"), len(cycles))
    cols[1].metric(t("dashboard.mean_points"), f"{mean:.0f} / {total:g}")
    for col, lv in zip(cols[2:], ref.scoring.levels, strict=True):
        reached = sum(1 for c in cycles if c.scores.self_assessed.level >= lv.level)
        col.metric(t("dashboard.reaching", level=lv.name.get(lang())), f"{reached} / {len(cycles)}")
    st.dataframe(pd.DataFrame([
        {t("dashboard.col_entity"): c.view.entity.name,
         t("dashboard.col_points"): round(c.scores.self_assessed.points, 1),
         t("dashboard.col_level"): level_name(ref, c.scores.self_assessed.level),
         t("dashboard.col_next"): _gap_text(ref, c.scores.self_assessed)}
        for c in sorted(cycles, key=lambda c: -c.scores.self_assessed.points)
    ]), hide_index=True, width="stretch")
    what = t("dashboard.whole_organisation")
    st.header(t("dashboard.themes"))
    previous_rows = _previous_rows(data, info)
    st.caption(t("dashboard.radar_caption_org"))
    current = [{k: v.percent for k, v in c.scores.self_assessed.themes.items()} for c in cycles]
    _radar(ref, _mean_themes(current),
           _mean_themes([r.themes for r in previous_rows]) if previous_rows else None,
           _mean_themes([c.planned[-1].themes for c in cycles]), "org", what)
    st.header(t("dashboard.trajectory"))
    st.caption(t("dashboard.trajectory_caption_org"))
    _trajectory(ref, _mean_trajectory(cycles), "org", what)
    st.header(t("dashboard.commitments"))
    _burn_up([(c, c.view.id) for c in cycles], "org")
    st.header(t("dashboard.heatmap"))
    _heatmap(ref, rows, "org")
    st.header(t("dashboard.top_gaps"))
    st.caption(t("dashboard.top_gaps_org"))
    _top_gaps(cycles)


def _previous_rows(data: Store, info: CampaignInfo) -> list[PortfolioRow]:
    year = PERIOD_YEAR.get(info.period)
    if not year:
        return []
    before = [p for p, y in PERIOD_YEAR.items() if y == year - 1]
    return [r for r in data.portfolio(info.organisation_id)
            if r.campaign.referential_id == info.referential_id and r.campaign.period in before]


def _mean_themes(values: Sequence[dict[str, float | None]]) -> dict[str, float | None]:
    keys = {k for v in values for k in v}
    result: dict[str, float | None] = {}
    for k in keys:
        known = [v[k] for v in values if v.get(k) is not None]
        result[k] = sum(x for x in known if x is not None) / len(known) if known else None
    return result


def _mean_trajectory(cycles: Sequence[Cycle]) -> pd.DataFrame:
    frames = [trajectory_frame(c).set_index("year") for c in cycles]
    return pd.concat(frames).groupby(level=0).mean().round(1).reset_index()


def main() -> None:
    st.title(t("dashboard.title"))
    selection: Selection | None = pick_campaign()
    if selection is None:
        return
    data = store()
    scope = st.segmented_control(t("dashboard.scope"), SCOPES,
                                 format_func=lambda s: t(f"dashboard.scope_{s}"), selection_mode="single",
                                 required=True, default="entity",
                                 key="dashboard.scope", persist_state="session")
    try:
        if scope == "organisation":
            _organisation(data, data.campaign_info(selection.campaign))
        else:
            c = cycle(data, selection.campaign)
            st.caption(t("dashboard.entity_caption", entity=plain(c.view.entity.name),
                         campaign=plain(_campaign_text(c.view.info)),
                         referential=plain(c.ref.title.get(lang())), version=plain(c.ref.version)))
            _entity(data, c)
    except LabelnrError as exc:
        st.error(t("dashboard.cannot_open", reason=plain(str(exc))), icon=":material/error:")


main()
