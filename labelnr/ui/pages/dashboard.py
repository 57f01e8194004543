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
from functools import partial

import pandas as pd
import streamlit as st

from labelnr import organisation
from labelnr.assessment import Commitment
from labelnr.errors import LabelnrError
from labelnr.portfolio import CompiledReferential
from labelnr.referential import Referential
from labelnr.scoring import LevelGap, Scores, mandatory_level
from labelnr.storage import ActorStore, CampaignInfo, CampaignView, PortfolioPlans, PortfolioRow
from labelnr.trajectory import PERIOD_YEAR, Progress, burn_up, progress
from labelnr.ui import charts
from labelnr.ui.dossier import dossier_download
from labelnr.ui.resources import store
from labelnr.ui.selection import Selection, link, pick_campaign
from labelnr.ui.services_panel import dashboard_services
from labelnr.ui.session import day, error_text, lang, num, t, tp
from labelnr.ui.steering import (
    Cycle,
    cycle,
    level_name,
    localised,
    name_downloads,
    period_label,
    points_text,
    progress_text,
    show_chart,
    trajectory_frame,
    year_text,
)
from labelnr.ui.widgets import Link, lazy, plain, table
from labelnr.verification import audited, to_verify

TOP_GAPS = 10
#: Beyond this many entities the entities × themes heatmap gives way to one box per theme.
HEATMAP_MAX = 30
#: The ranking's "first / last N" pages, and the height of a long table (it scrolls).
RANKED = 10
TABLE_HEIGHT = 420
#: Late commitments named under the burn-up (the count says how many more).
LATE_SHOWN = 20
SCOPES = ("entity", "organisation")


def _today() -> dt.date:
    return dt.date.today()


# --- level reached -------------------------------------------------------------------------------


def _next_gap(scores: Scores) -> LevelGap | None:
    return next((g for g in scores.gaps if not g.reached), None)


def _gap_text(ref: Referential, gap: LevelGap | None) -> str:
    """What stands between the answers and the next level (``gap``), in words."""
    if gap is None:
        return t("dashboard.top_level") if ref.scoring.levels else t("dashboard.no_levels")
    lg = lang()
    parts = [t("dashboard.gap_points", points=num(gap.points_short, 1))] if gap.points_short > 0 else []
    if gap.missing_mandatory:
        parts.append(t("dashboard.gap_mandatory", criteria=", ".join(
            f"{cid} ({ref.criteria_by_id[cid].title.get(lg)})" for cid in gap.missing_mandatory)))
    for short in gap.themes_below_minimum:
        theme = ref.themes_by_id.get(short.theme)
        parts.append(t("dashboard.gap_theme", theme=theme.name.get(lg) if theme else short.theme,
                       percent=num(short.percent), minimum=num(short.minimum, 3)))
    what = t("dashboard.list_separator").join(parts) or t("dashboard.gap_lower")
    return t("dashboard.gap_to", level=gap.name.get(lg), what=what)


def _level_metrics(c: Cycle) -> None:
    """The key figures as one light table (what is left to gain in words: no arrow, no colour)."""
    ref, scores = c.ref, c.scores
    total = ref.scoring.total_points
    mine, verified = scores.self_assessed, scores.verified
    gap = _next_gap(mine)
    asked = to_verify(ref, c.view.assessment)
    covered = audited(asked, {cid: v.verdict for cid, v in c.view.assessment.verdicts.items()})
    following = gap.name.get(lang()) if gap else "—"
    if gap and gap.points_short > 0:
        following += f" ({tp('dashboard.points_to_go', round(gap.points_short, 1))})"
    table([{
        t("dashboard.points"): points_text(mine, total),
        t("dashboard.verified_points"):
            points_text(verified, total) if covered else t("dashboard.not_audited"),
        t("dashboard.level"): level_name(ref, mine.level),
        t("dashboard.next_level"): following,
    }])
    st.markdown(plain(_gap_text(ref, gap)) + "\n\n"
                + tp("dashboard.verified_count", len(covered), total=len(asked)))
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
           target: dict[str, float | None], key: str, what: str, note: str) -> None:
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
    named = [(th.name.get(lg), current.get(th.id)) for th in ref.themes]
    scored = [(name, value) for name, value in named if value is not None]
    summary = t("dashboard.radar_summary", what=what,
                themes=", ".join(f"{name} {num(value)} %" for name, value in scored) or "—",
                weakest=min(scored, key=lambda nv: nv[1])[0] if scored else "—")
    show_chart(lambda: charts.radar(frame, t), frame, summary, f"{key}.radar", "themes", note=note)


def _round(value: float | None) -> float:
    return math.nan if value is None else round(value, 1)


def _trajectory(ref: Referential, frame: pd.DataFrame, key: str, what: str, note: str) -> None:
    thresholds = [charts.Threshold(lv.name.get(lang()), lv.min_points) for lv in ref.scoring.levels]
    held = frame.dropna(subset=["actual"])
    last_actual = (t("dashboard.actual_last", year=year_text(int(held["year"].iloc[-1])),
                     points=num(held['actual'].iloc[-1])) if len(held) else t("dashboard.no_actual"))
    planned = frame["planned"].iloc[-1]
    projected = frame["projected"].iloc[-1]
    summary = t("dashboard.trajectory_summary", what=what, actual=last_actual,
                planned="—" if pd.isna(planned) else num(planned),
                projected="—" if pd.isna(projected) else num(projected),
                levels=", ".join(t("dashboard.level_above" if lv.strictly_above else "dashboard.level_from",
                                 level=lv.name.get(lang()), points=num(lv.min_points, 3))
                               for lv in ref.scoring.levels) or "—")
    show_chart(lambda: charts.trajectory(frame, thresholds, ref.scoring.total_points, t), frame, summary,
               f"{key}.trajectory", "trajectoire", data_shown=True, note=note)


def _burn_up(rows: list[dict[str, int]], late: Sequence[tuple[str, Commitment]], key: str) -> None:
    """Commitments due by each year, summed; then the late ones, named (the first :data:`LATE_SHOWN`)."""
    totals = rows[-1]
    if not totals["scope"]:
        st.info(t("dashboard.no_commitment"))
        return
    frame = pd.DataFrame(rows)
    summary = tp("dashboard.burn_up_summary", totals["scope"],
                done=f"{progress_text(Progress.DONE)} {totals['done']}",
                on_track=f"{progress_text(Progress.ON_TRACK)} {totals['on_track']}",
                late=f"{progress_text(Progress.LATE)} {totals['late']}")
    show_chart(lambda: charts.burn_up(frame, t), frame, summary, f"{key}.burn_up", "engagements")
    if late:
        lines = [f"- {plain(cm.title)} — {plain(entity)}"
                 + (f" ({t('dashboard.due', date=day(cm.due))})" if cm.due else "")
                 for entity, cm in late[:LATE_SHOWN]]
        if len(late) > LATE_SHOWN:
            lines.append(tp("dashboard.late_more", len(late) - LATE_SHOWN))
        st.warning(tp("dashboard.late_list", len(late)) + "\n\n" + "\n".join(lines),
                   icon=":material/warning:")


def _theme_frame(ref: Referential, rows: Sequence[PortfolioRow]) -> pd.DataFrame:
    names = {th.id: th.name.get(lang()) for th in ref.themes}
    return pd.DataFrame(
        [[_round(r.themes.get(tid)) for tid in names] for r in rows],
        index=[r.entity.name for r in rows], columns=list(names.values()),
    )


def _themes_by_entity(ref: Referential, rows: Sequence[PortfolioRow], key: str,
                      note: str | None = None) -> None:
    """Every entity's percentage per theme: a heatmap up to :data:`HEATMAP_MAX` entities, one box
    per theme beyond (a grid of hundreds of rows is unreadable); the full table either way."""
    if not rows:
        return
    frame = _theme_frame(ref, rows)
    cells = [(name, theme, v) for name, values in zip(frame.index, frame.to_numpy(), strict=True)
             for theme, v in zip(frame.columns, values, strict=True) if not math.isnan(v)]
    low = min(cells, key=lambda c: c[2], default=None)
    high = max(cells, key=lambda c: c[2], default=None)
    low_text = f"{low[0]} · {low[1]} {num(low[2])} %" if low else "—"
    high_text = f"{high[0]} · {high[1]} {num(high[2])} %" if high else "—"
    if len(rows) <= HEATMAP_MAX:
        build = partial(charts.heatmap, frame, t)
        summary = t("dashboard.heatmap_summary", entities=tp("dashboard.entities", len(rows)),
                    themes=tp("dashboard.themes", len(frame.columns)), low=low_text, high=high_text)
    else:
        build = partial(charts.distribution, frame, t)
        medians = frame.median(skipna=True)
        shown = ", ".join(f"{name} {num(v)} %" for name, v in medians.items() if not math.isnan(v))
        summary = tp("dashboard.distribution_summary", len(rows), low=low_text, high=high_text,
                     medians=shown or "—")
    table = frame.reset_index(names=t("dashboard.col_entity"))
    show_chart(build, table, summary, f"{key}.heatmap", "entites-themes", note=note)


# --- top gaps ------------------------------------------------------------------------------------


def _lost(scores: Scores) -> dict[str, tuple[float, int]]:
    return {cid: (cs.max_points - cs.points, 1) for cid, cs in scores.criteria.items()
            if cs.max_points - cs.points > 1e-9}


def _top_gaps(ref: Referential, lost: dict[str, tuple[float, int]], view: CampaignView | None) -> None:
    """The criteria that leave the most points on the table (summed over the entities); with one
    entity's ``view``, its answer to each and a link that opens it instead of the number of
    entities concerned. Built only when the user opens it."""
    lg = lang()
    ranked = sorted(lost.items(), key=lambda kv: (-kv[1][0], kv[0]))[:TOP_GAPS]
    if not ranked:
        st.success(t("dashboard.no_gap"))
        return

    def draw() -> None:
        rows = []
        for cid, (points, count) in ranked:
            crit = ref.criteria_by_id[cid]
            row: dict[str, object] = {
                t("dashboard.col_criterion"): cid,
                t("dashboard.col_title"): crit.title.get(lg),
                t("dashboard.col_theme"): ref.themes_by_id[crit.theme].name.get(lg),
                t("dashboard.col_missing"): round(points, 1),
                t("dashboard.col_mandatory"): needed.name.get(lg) if (needed := mandatory_level(ref, cid))
                else t("dashboard.answer_no"),
            }
            if view is None:
                row[t("dashboard.col_entities")] = count
            else:
                answer = view.effective.get(cid)
                level = ref.scale.level(answer.level) if answer and answer.level else None
                row[t("dashboard.col_answer")] = level.label.get(lg) if level else t("dashboard.unanswered")
                info = view.info
                row[t("dashboard.col_open")] = Link(t("dashboard.open_criterion"), link(
                    "assessment", Selection(info.organisation_id, info.entity_id, info.id), cid))
            rows.append(row)
        table(rows)

    lazy(tp("dashboard.top_gaps_show", len(ranked)), f"dashboard.gaps.{'org' if view is None else view.id}",
         draw, icon=":material/format_list_numbered:")


# --- the organisation's data, read once per change ---------------------------------------------


def _plans(data: ActorStore, organisation_id: str) -> PortfolioPlans:
    """The organisation's dashboard data as this reader may see it. The store keeps the whole
    organisation's data per data revision; the view cuts it down to the reader's entities."""
    return data.portfolio_plans(organisation_id)


def _summary(data: ActorStore, info: CampaignInfo) -> tuple[PortfolioPlans, organisation.Summary]:
    plans = _plans(data, info.organisation_id)
    # What a reader sees is part of the key: two readers of different entities never share a
    # summary, and any write (a new data revision) gives a new key, so nothing stale is shown.
    readable = tuple(sorted(r.campaign.id for r in plans.rows))
    return plans, _cached_summary(plans, data, data.database_url,
                                  data.data_revision(info.organisation_id), readable, info)


# ``cache_resource``, not ``cache_data``: the results are read-only and unpickling a copy of
# 500 entities' figures on every rerun would cost more than half the page.
@st.cache_resource(show_spinner=False, max_entries=8)
def _cached_summary(_plans: PortfolioPlans, _data: ActorStore, url: object, revision: tuple[object, ...],
                    readable: tuple[int, ...], info: CampaignInfo) -> organisation.Summary:
    ref = _data.referential(info.referential_id, info.referential_version)
    return organisation.summarise(CompiledReferential.of(ref), _plans, info)


# --- the two scopes ----------------------------------------------------------------------------


def _entity(data: ActorStore, c: Cycle) -> None:
    """What the committee came for first (level, trajectory, commitments), then the detail."""
    info = c.view.info
    st.header(t("dashboard.level_reached"), anchor=False)
    _level_metrics(c)
    what = c.view.entity.name
    st.header(t("dashboard.trajectory"), anchor=False)
    source = c.projected_from or c.start.info
    _trajectory(c.ref, trajectory_frame(c), "entity", what, t(
        "dashboard.trajectory_caption", start=year_text(c.start_year),
        projected=plain(_campaign_text(source)), year=year_text(c.projected_year)))
    st.header(t("dashboard.commitments"), anchor=False)
    today = _today()
    commitments = [i.commitment for i in c.view.commitments]
    rows = [{"year": b.year, "scope": b.scope, "done": b.done, "on_track": b.on_track, "late": b.late}
            for b in burn_up(commitments, today, c.cycle_start)]
    _burn_up(rows, [(c.view.entity.name, cm) for cm in commitments
                    if progress(cm, today, c.cycle_start) is Progress.LATE], "entity")
    st.header(t("dashboard.themes"), anchor=False)
    previous = data.scores(c.previous.id).self_assessed.themes if c.previous else None
    note = t("dashboard.radar_caption", previous=plain(_campaign_text(c.previous)) if c.previous
             else t("dashboard.none"))
    _radar(c.ref, {k: v.percent for k, v in c.scores.self_assessed.themes.items()},
           {k: v.percent for k, v in previous.items()} if previous else None, c.planned[-1].themes,
           "entity", what, note)
    st.header(t("dashboard.heatmap"), anchor=False)
    _themes_by_entity(c.ref, organisation.peers_of(_plans(data, info.organisation_id).rows, info), "entity",
                      t("dashboard.heatmap_caption", period=period_label(info)))
    st.header(t("dashboard.top_gaps"), anchor=False)
    _top_gaps(c.ref, _lost(c.scores.self_assessed), c.view)


def _campaign_text(info: CampaignInfo) -> str:
    return f"{info.name or period_label(info)} ({day(info.date)})"


def _ranking(ref: Referential, peers: Sequence[organisation.Peer]) -> None:
    """Entities by points, best first: the first or last :data:`RANKED`, or all of them in a grid
    one can sort and search (the only place the dashboard needs one)."""
    # An entity where nothing applies has no score: listed last, its points shown as undefined.
    ranked = sorted(peers, key=lambda p: (p.row.percent is None, -p.row.points))
    shown = ranked
    choice = "all"
    if len(ranked) > RANKED:
        choice = str(st.segmented_control(
            t("dashboard.ranking_show"), ("best", "worst", "all"), selection_mode="single", required=True,
            default="best", key="dashboard.ranking",
            format_func=lambda o: t(f"dashboard.ranking_{o}", n=RANKED if o != "all" else len(ranked))))
        pages = {"best": ranked[:RANKED], "worst": ranked[-RANKED:][::-1], "all": ranked}
        shown = pages[choice]
    points = t("dashboard.col_points")
    undefined = t("steering.score_undefined")
    if len(shown) > RANKED:
        frame = pd.DataFrame([
            {t("dashboard.col_entity"): p.row.entity.name,
             points: round(p.row.points, 1) if p.row.percent is not None else math.nan,
             t("dashboard.col_level"): level_name(ref, p.row.level),
             t("dashboard.col_next"): _gap_text(ref, p.gap)}
            for p in shown
        ])
        st.caption(t("dashboard.ranking_caption"))
        st.dataframe(localised(frame, na_rep=undefined), hide_index=True, width="stretch",
                     height=TABLE_HEIGHT)
        return
    table([
        {t("dashboard.col_entity"): p.row.entity.name,
         points: round(p.row.points, 1) if p.row.percent is not None else undefined,
         t("dashboard.col_level"): level_name(ref, p.row.level),
         t("dashboard.col_next"): _gap_text(ref, p.gap)}
        for p in shown
    ])


def _organisation(data: ActorStore, info: CampaignInfo) -> None:
    plans, summary = _summary(data, info)
    peers = summary.peers
    if not peers:
        st.info(t("dashboard.no_peer"))
        return
    ref = data.referential(info.referential_id, info.referential_version)
    total = ref.scoring.total_points
    st.caption(tp("dashboard.organisation_caption", len(peers), period=period_label(info),
                 referential=plain(ref.title.get(lang())), version=plain(ref.version)))
    st.header(t("dashboard.level_reached"), anchor=False)
    # An entity where nothing applies has no score: it does not pull the mean down as a 0.
    defined = [p.row.points for p in peers if p.row.percent is not None]
    mean = (f"{num(sum(defined) / len(defined))} / {num(total, 3)}" if defined
            else t("steering.score_undefined"))
    table([{
        t("dashboard.entities"): str(len(peers)),
        t("dashboard.mean_points"): mean,
        **{t("dashboard.reaching", level=lv.name.get(lang())):
           f"{sum(1 for p in peers if p.row.level >= lv.level)} / {len(peers)}" for lv in ref.scoring.levels},
    }])
    _ranking(ref, peers)
    what = t("dashboard.whole_organisation")
    st.header(t("dashboard.trajectory"), anchor=False)
    _trajectory(ref, organisation.mean_trajectory(summary), "org", what,
                t("dashboard.trajectory_caption_org"))
    st.header(t("dashboard.commitments"), anchor=False)
    today = _today()
    _burn_up(organisation.burn_up_rows(summary, today),
             [(row.entity.name, cm) for row, cm in organisation.late(summary, today)], "org")
    st.header(t("dashboard.themes"), anchor=False)
    previous_rows = _previous_rows(plans.rows, info)
    _radar(ref, _mean_themes([p.row.themes for p in peers]),
           _mean_themes([r.themes for r in previous_rows]) if previous_rows else None,
           _mean_themes([p.target_themes for p in peers]), "org", what, t("dashboard.radar_caption_org"))
    st.header(t("dashboard.heatmap"), anchor=False)
    _themes_by_entity(ref, [p.row for p in peers], "org")
    st.header(t("dashboard.top_gaps"), anchor=False)
    st.caption(t("dashboard.top_gaps_org"))
    _top_gaps(ref, summary.lost, None)


def _previous_rows(rows: Sequence[PortfolioRow], info: CampaignInfo) -> list[PortfolioRow]:
    year = PERIOD_YEAR.get(info.period)
    if not year:
        return []
    before = [p for p, y in PERIOD_YEAR.items() if y == year - 1]
    return [r for r in rows
            if r.campaign.referential_id == info.referential_id and r.campaign.period in before]


def _mean_themes(values: Sequence[dict[str, float | None]]) -> dict[str, float | None]:
    keys = {k for v in values for k in v}
    result: dict[str, float | None] = {}
    for k in keys:
        known = [v[k] for v in values if v.get(k) is not None]
        result[k] = sum(x for x in known if x is not None) / len(known) if known else None
    return result


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
        dossier_download(data.campaign_info(selection.campaign), organisation=scope == "organisation")
        if scope == "organisation":
            info = data.campaign_info(selection.campaign)
            name_downloads(data.organisation(info.organisation_id).name, period_label(info))
            _organisation(data, info)
        else:
            c = cycle(data, selection.campaign)
            name_downloads(c.view.entity.name, period_label(c.view.info))
            st.caption(t("dashboard.entity_caption", entity=plain(c.view.entity.name),
                         campaign=plain(_campaign_text(c.view.info)),
                         referential=plain(c.ref.title.get(lang())), version=plain(c.ref.version)))
            _entity(data, c)
        dashboard_services(data, data.campaign_info(selection.campaign), str(scope))
    except LabelnrError as exc:
        st.error(t("dashboard.cannot_open", reason=plain(error_text(exc))), icon=":material/error:")


main()
