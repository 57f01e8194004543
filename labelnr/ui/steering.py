"""What the plan and dashboard pages share: an entity's cycle read from the store, and its labels.

An entity's *cycle* is its campaigns on one referential (baseline, year 1, 2, 3). The
selected campaign carries the plan (targets and commitments); the planned and projected
trajectories start from the earliest campaign of the cycle made with the same referential
version (the baseline, usually), so that they sit beside the actual points of every year.
"""

from __future__ import annotations

import datetime as dt
import html
import math
from collections.abc import Callable, Hashable
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from pandas.io.formats.style import Styler

from labelnr.assessment import Commitment
from labelnr.i18n import catalog
from labelnr.referential import Referential
from labelnr.scoring import Scores
from labelnr.storage import ActorStore, CampaignInfo, CampaignScores, CampaignView
from labelnr.trajectory import (
    PERIOD_YEAR,
    YEARS,
    Held,
    IndicatorState,
    Progress,
    Start,
    YearScore,
    actual_trajectory,
    planned_trajectory,
    projected_trajectory,
)
from labelnr.ui import charts
from labelnr.ui.session import lang, num, t
from labelnr.ui.widgets import lazy, plain, table

#: Shown beside the words, never instead of them: the state must not depend on colour or icon alone.
#: Plain Unicode symbols that common system fonts draw (emoji would need an emoji font).
PROGRESS_ICON: dict[Progress, str] = {
    Progress.DONE: "✓",
    Progress.ON_TRACK: "→",
    Progress.LATE: "⚠",
    Progress.DROPPED: "✗",
}
INDICATOR_ICON: dict[IndicatorState, str] = {
    IndicatorState.ON_TRACK: "✓",
    IndicatorState.OFF_TRACK: "⚠",
    IndicatorState.NO_DATA: "–",
}


def progress_text(state: Progress) -> str:
    return f"{PROGRESS_ICON[state]} {t(f'steering.progress_{state.value}')}"


def indicator_text(state: IndicatorState) -> str:
    return f"{INDICATOR_ICON[state]} {t(f'steering.indicator_{state.value}')}"


def level_name(ref: Referential, level: int) -> str:
    for lv in ref.scoring.levels:
        if lv.level == level:
            return lv.name.get(lang())
    return t("steering.no_level")


def points_text(scores: Scores, total: float) -> str:
    """"147 / 1000", or "undefined" when no criterion applies (0 points of 0 is no score at all)."""
    return f"{num(scores.points)} / {num(total, 3)}" if scores.defined else t("steering.score_undefined")


def scale_label(ref: Referential, level_id: str | None) -> str:
    if level_id is None:
        return "—"
    level = ref.scale.level(level_id)
    return level.label.get(lang()) if level else level_id


def scope_label(ref: Referential, commitment: Commitment) -> str:
    """The criterion (id and title) or the theme a commitment is about."""
    lg = lang()
    if commitment.criterion is not None:
        crit = ref.criteria_by_id.get(commitment.criterion)
        return f"{commitment.criterion} — {crit.title.get(lg)}" if crit else commitment.criterion
    theme = ref.themes_by_id.get(commitment.theme or "")
    return t("steering.theme_scope", theme=theme.name.get(lg) if theme else commitment.theme)


def period_label(info: CampaignInfo) -> str:
    return t(f"context.period_{info.period.value}")


@dataclass(frozen=True)
class Cycle:
    """An entity's three-year cycle around one selected campaign."""

    ref: Referential
    view: CampaignView
    scores: CampaignScores
    #: The campaign the planned and projected trajectories start from, and its year (0-3).
    start: CampaignView
    start_year: int
    planned: list[YearScore]
    projected: list[YearScore]
    actual: dict[int, Held]
    #: The other campaigns of the cycle, by year, and the one just before the selected campaign.
    campaigns: dict[int, CampaignInfo]
    previous: CampaignInfo | None
    #: The baseline's date: commitments without due date are due a year per target year after it.
    cycle_start: dt.date | None
    #: The latest campaign held the projection starts from (earlier years start from their own
    #: campaign), and its year of the cycle.
    projected_from: CampaignInfo | None = None
    projected_year: int = 0


def cycle(data: ActorStore, campaign_id: int) -> Cycle:
    view = data.campaign(campaign_id)
    info = view.info
    ref = data.referential_of(campaign_id)
    same_ref = [c for c in data.campaigns(info.entity_id)
                if c.referential_id == info.referential_id and c.period in PERIOD_YEAR]
    # Each campaign read once: its points count as actual, its answers as a start of the projection.
    views = {c.id: view if c.id == view.id else data.campaign(c.id) for c in same_ref}
    scored = {cid: data.scores_of(v) for cid, v in views.items()}
    held = [Held(c.period, c.date, scored[c.id].self_assessed.points, scored[c.id].self_assessed.level, c.id)
            for c in same_ref]
    actual = actual_trajectory(held)
    by_year = {PERIOD_YEAR[c.period]: c for c in same_ref if actual.get(PERIOD_YEAR[c.period]) is not None
               and actual[PERIOD_YEAR[c.period]].campaign_id == c.id}
    same_version = [c for c in same_ref if c.referential_version == info.referential_version]
    first = min(same_version, key=lambda c: (c.period.index, c.date), default=info)
    start = views.get(first.id, view)
    a = view.assessment
    effective = start.effective
    planned = planned_trajectory(ref, effective, a.targets, a.profile, a.applicability)
    # Answers of another referential version would not match its criteria: only this version's.
    starts = {y: views[c.id] for y, c in by_year.items() if c.referential_version == info.referential_version}
    projected = projected_trajectory(
        ref, effective, [c.commitment for c in view.commitments], a.profile, a.applicability,
        {y: Start(v.effective, v.assessment.profile, v.assessment.applicability) for y, v in starts.items()})
    year = PERIOD_YEAR.get(info.period)
    earlier = [c for y, c in by_year.items() if year is not None and y < year]
    baseline = by_year.get(0)
    latest = max(starts, default=None)
    return Cycle(
        ref=ref, view=view, scores=scored.get(view.id) or data.scores_of(view), start=start,
        start_year=PERIOD_YEAR.get(first.period, 0), planned=planned, projected=projected, actual=actual,
        campaigns=by_year, previous=max(earlier, key=lambda c: c.period.index, default=None),
        cycle_start=baseline.date if baseline else None,
        projected_from=starts[latest].info if latest is not None else start.info,
        projected_year=latest if latest is not None else PERIOD_YEAR.get(first.period, 0),
    )


def trajectory_frame(c: Cycle) -> pd.DataFrame:
    """year, planned, projected, actual — planned and projected only from the start of the plan."""
    rows = []
    for year in YEARS:
        before_start = year < c.start_year
        rows.append({
            "year": year,
            "planned": math.nan if before_start else round(c.planned[year].points, 1),
            "projected": math.nan if before_start else round(c.projected[year].points, 1),
            "actual": round(c.actual[year].points, 1) if year in c.actual else math.nan,
        })
    return pd.DataFrame(rows)


def year_text(year: int) -> str:
    return t("charts.year_0") if year == 0 else t("charts.year_n", n=year)


def cell_number(value: float | None) -> str:
    """A number in a table cell, the language's way (up to one decimal); "—" where there is none."""
    return "—" if value is None or math.isnan(value) else num(value, 1)


def labelled(frame: pd.DataFrame) -> pd.DataFrame:
    """A chart's data as a table: year numbers as words, our column names translated (names that
    come from the data, such as themes or entities, stay as they are)."""
    table = frame.copy()
    if "year" in table:
        table["year"] = [year_text(int(y)) for y in table["year"]]
    # Text, not a Styler: the data grid's screen-reader table reads the raw cell ("316.2" in French).
    for column in table.columns:
        if column != "year" and pd.api.types.is_numeric_dtype(table[column]):
            table[column] = [cell_number(v) for v in table[column]]
    known = catalog()
    return table.rename(columns={c: t(f"steering.col_{c}") for c in table.columns
                                 if f"steering.col_{c}" in known})


def _one_decimal(value: object) -> str:
    return num(value, 1) if isinstance(value, int | float) else str(value)


def localised(frame: pd.DataFrame, na_rep: str = "—") -> Styler:
    """A table whose decimals read the language's way (``146,7`` in French): the Styler's text is
    shown, the cells keep their numbers, so a column still sorts by value."""
    floats: list[Hashable] = [c for c in frame.columns if pd.api.types.is_float_dtype(frame[c])]
    return frame.style.format(_one_decimal, subset=floats, na_rep=na_rep)


#: What the page's charts are about (entity and campaign), for the names of their downloads.
SUBJECT = "steering.chart_subject"


def name_downloads(*parts: str) -> None:
    """Name this run's chart downloads after what they show: ``trajectoire-<entity>-<campaign>.html``."""
    st.session_state[SUBJECT] = list(parts)


#: Beyond this many rows a chart's data is a sortable, searchable grid instead of a plain table.
GRID_ROWS = 30


def data_table(frame: pd.DataFrame) -> None:
    """A chart's data: a light Markdown table; a grid one can sort and search when it is long."""
    if len(frame) > GRID_ROWS:
        st.dataframe(localised(labelled(frame)), hide_index=True, width="stretch")
    else:
        table([{str(k): v for k, v in row.items()} for row in labelled(frame).to_dict("records")])


def show_chart(build: Callable[[], go.Figure], table: pd.DataFrame, summary: str, key: str, file_name: str,
               data_shown: bool = False, note: str | None = None) -> None:
    """A chart's sentence (after ``note``, Markdown the caller made safe), its data as a table (shown,
    or with ``data_shown`` False one click away), and the chart itself with an HTML download for
    slides, drawn only when the user asks for it: plotly's scripts (4.6 MB) load, and ``build``
    runs, only then. Downloads are named after the chart and, see :func:`name_downloads`, the
    entity and campaign."""
    sentence = plain(summary)  # summaries quote names people typed (entities, indicators)
    st.caption(sentence if note is None else f"{note}\n\n{sentence}")

    def draw() -> None:
        _draw(build(), summary, key, file_name)

    if data_shown:
        data_table(table)
        lazy(t("steering.show_chart"), f"chart.{key}", draw, icon=":material/bar_chart:")
        return

    def both() -> None:
        data_table(table)
        if st.toggle(t("steering.show_chart"), key=f"chart.{key}.on"):
            draw()

    lazy(t("steering.data_and_chart"), f"data.{key}", both, icon=":material/table:")


def _draw(fig: go.Figure, summary: str, key: str, file_name: str) -> None:
    fig.update_layout(separators=t("charts.separators"))  # hovers and ticks: "146,7" in French
    st.plotly_chart(fig, config=charts.PLOT_CONFIG, theme=None, key=f"chart.{key}.figure", alt=summary)
    title = html.unescape(str(fig.layout.title.text or file_name))
    st.download_button(t("steering.download_html"), lambda: charts.figure_html(fig, title),
                       file_name=f"{charts.file_slug(file_name, *st.session_state.get(SUBJECT, []))}.html",
                       mime="text/html", key=f"download.{key}",
                       help=t("steering.download_help"), icon=":material/download:", on_click="ignore")
