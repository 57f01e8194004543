"""Plotly figures of the plan and dashboard pages, built from plain DataFrames.

The only module (with the pages that draw charts) that imports plotly, so that the
self-assessment page never loads it. Builders are pure: data and a translator in, a
figure out; each page shows the same DataFrame as a table beside the chart.

Accessibility: colours come from the Okabe–Ito palette (distinguishable with the common
colour-vision deficiencies) and every series also differs by line dash, marker symbol or
bar pattern; the heatmap writes its values in the cells. For slides, :func:`figure_html`
gives a standalone HTML file (plotly.js inlined: it draws offline) and the chart toolbar's
camera button saves a PNG in the browser (:data:`PLOT_CONFIG`) — no server-side image export,
which would need kaleido and a Chrome binary on the server.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

#: ``tr("charts.key", **fields)`` — the page's translator (``labelnr.ui.session.t``).
Tr = Callable[..., str]

#: Okabe & Ito (2008), "Color Universal Design".
OKABE_ITO: dict[str, str] = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
}
#: Series colours in order, for charts with one series per theme (yellow last: weak on white).
SERIES = ("blue", "orange", "green", "vermillion", "purple", "sky_blue", "black", "yellow")
DASHES = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")
SYMBOLS = ("circle", "square", "diamond", "triangle-up", "cross", "x", "star", "pentagon")
GRID = "#d9d9d9"
#: Cividis is light from about half its range: values at or above this percentage get dark text.
HEAT_LIGHT = 50.0
THRESHOLD = "#555555"

#: ``st.plotly_chart(fig, config=PLOT_CONFIG)``: a PNG download in the toolbar, no plotly logo.
PLOT_CONFIG: dict[str, Any] = {
    "displaylogo": False,
    "toImageButtonOptions": {"format": "png", "scale": 2, "filename": "labelnr-chart"},
}


@dataclass(frozen=True)
class Threshold:
    """A label level drawn as a horizontal line."""

    name: str
    points: float


def safe(text: object) -> str:
    """Text typed by users, shown literally: plotly reads a few HTML tags (links among them) in labels."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def colour(index: int) -> str:
    return OKABE_ITO[SERIES[index % len(SERIES)]]


def year_label(tr: Tr, year: int) -> str:
    return tr("charts.year_0") if year == 0 else tr("charts.year_n", n=year)


#: The trace types the builders draw: the template keeps only their defaults.
TRACE_TYPES = ("bar", "box", "heatmap", "scatter", "scatterpolar")
#: Layout parts of plotly_white for charts we never draw (maps, 3-D, ternary plots).
UNUSED_LAYOUT = ("geo", "scene", "ternary")


@cache
def template() -> go.layout.Template:
    """plotly_white cut to what the builders use, built once per process.

    Given by name, plotly validates and copies the whole template (24 trace types) for every
    figure, and its first use imports every one of their validators: seconds on a process's
    first plan. The look is the same: the same layout, the same defaults for our trace types.
    """
    white = pio.templates["plotly_white"].to_plotly_json()
    layout = {k: v for k, v in white["layout"].items() if k not in UNUSED_LAYOUT}
    data = {k: v for k, v in white["data"].items() if k in TRACE_TYPES}
    return go.layout.Template(layout=layout, data=data)


def _layout(fig: go.Figure, title: str, **extra: Any) -> go.Figure:
    layout: dict[str, Any] = {
        "title": {"text": safe(title), "x": 0, "xanchor": "left"},
        "template": template(),
        "font": {"family": "sans-serif", "size": 13, "color": "#262730"},
        "legend": {"orientation": "h", "yanchor": "top", "y": -0.15, "xanchor": "left", "x": 0},
        "margin": {"l": 60, "r": 20, "t": 60, "b": 60},
        "height": 400,
    }
    fig.update_layout(**{**layout, **extra})
    return fig


def _values(series: pd.Series) -> list[float | None]:
    return [None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v) for v in series]


# --- trajectory ------------------------------------------------------------------------------

#: Columns a trajectory DataFrame may hold (besides ``year``), with their look.
TRAJECTORY_SERIES: dict[str, tuple[str, str, str]] = {
    # column: (colour, dash, marker symbol)
    "planned": ("blue", "dash", "square"),
    "projected": ("orange", "dot", "diamond"),
    "actual": ("black", "solid", "circle"),
}


def trajectory(data: pd.DataFrame, thresholds: Sequence[Threshold], total_points: float, tr: Tr,
               title: str | None = None) -> go.Figure:
    """Points per year of the cycle: ``year`` (0-3) and any of ``planned``, ``projected``, ``actual``.

    Label levels are drawn as horizontal lines named on the chart.
    """
    fig = go.Figure()
    x = [year_label(tr, int(y)) for y in data["year"]]
    for column, (hue, dash, symbol) in TRAJECTORY_SERIES.items():
        if column not in data:
            continue
        fig.add_trace(go.Scatter(
            x=x, y=_values(data[column]), name=tr(f"charts.series_{column}"), mode="lines+markers",
            line={"color": OKABE_ITO[hue], "dash": dash, "width": 3},
            marker={"symbol": symbol, "size": 10}, connectgaps=False,
            hovertemplate="%{x}: %{y:.0f} " + tr("charts.points_unit") + "<extra>%{fullData.name}</extra>",
        ))
    for level in thresholds:
        fig.add_hline(y=level.points, line={"color": THRESHOLD, "dash": "dashdot", "width": 1},
                      annotation_text=f"{safe(level.name)} ({level.points:g})",
                      annotation_position="top right", annotation_font={"color": THRESHOLD})
    fig.update_yaxes(title=tr("charts.axis_points"), range=[0, total_points * 1.02], gridcolor=GRID)
    fig.update_xaxes(title=None, type="category", categoryorder="array",
                     categoryarray=[year_label(tr, y) for y in range(4)])
    return _layout(fig, title or tr("charts.title_trajectory"))


# --- themes ----------------------------------------------------------------------------------

RADAR_SERIES: dict[str, tuple[str, str, str]] = {
    "current": ("blue", "solid", "circle"),
    "previous": ("orange", "dot", "square"),
    "target": ("purple", "dash", "diamond"),
}


def radar(data: pd.DataFrame, tr: Tr, title: str | None = None) -> go.Figure:
    """Percentage per theme: ``theme`` (its name) and any of ``current``, ``previous``, ``target``."""
    fig = go.Figure()
    themes = [safe(t) for t in data["theme"]]
    for column, (hue, dash, symbol) in RADAR_SERIES.items():
        if column not in data or data[column].isna().all():
            continue
        values = _values(data[column])
        fig.add_trace(go.Scatterpolar(
            r=[*values, values[0]], theta=[*themes, themes[0]], name=tr(f"charts.series_{column}"),
            mode="lines+markers", line={"color": OKABE_ITO[hue], "dash": dash, "width": 3},
            marker={"symbol": symbol, "size": 9},
            hovertemplate="%{theta}: %{r:.0f} %<extra>%{fullData.name}</extra>",
        ))
    # First theme at the top, clockwise; the radial scale sits between the first two themes so
    # that its numbers do not run over a theme's name.
    step = 360 / max(len(themes), 1)
    fig.update_polars(
        radialaxis={"range": [0, 100], "ticksuffix": " %", "gridcolor": GRID, "angle": 90 - step / 2,
                    "tickangle": 90 - step / 2, "tickfont": {"size": 10, "color": THRESHOLD}},
        angularaxis={"gridcolor": GRID, "rotation": 90, "direction": "clockwise"},
    )
    return _layout(fig, title or tr("charts.title_radar"), height=440)


def theme_trajectory(data: pd.DataFrame, tr: Tr, title: str | None = None) -> go.Figure:
    """Planned percentage per theme and year: columns ``theme``, ``year``, ``percent``."""
    fig = go.Figure()
    for i, (theme, rows) in enumerate(data.groupby("theme", sort=False)):
        fig.add_trace(go.Scatter(
            x=[year_label(tr, int(y)) for y in rows["year"]], y=_values(rows["percent"]), name=safe(theme),
            mode="lines+markers", line={"color": colour(i), "dash": DASHES[i % len(DASHES)], "width": 3},
            marker={"symbol": SYMBOLS[i % len(SYMBOLS)], "size": 9},
            hovertemplate="%{x}: %{y:.0f} %<extra>%{fullData.name}</extra>",
        ))
    fig.update_yaxes(title=tr("charts.axis_percent"), range=[0, 102], ticksuffix=" %", gridcolor=GRID)
    fig.update_xaxes(type="category", categoryorder="array",
                     categoryarray=[year_label(tr, y) for y in range(4)])
    return _layout(fig, title or tr("charts.title_theme_trajectory"))


def heatmap(data: pd.DataFrame, tr: Tr, title: str | None = None) -> go.Figure:
    """Entities (index) × themes (columns) percentages, the value written in every cell."""
    z = [[None if pd.isna(v) else float(v) for v in row] for row in data.to_numpy()]
    x = [safe(c) for c in data.columns]
    y = [safe(i) for i in data.index]
    text = [["—" if v is None else f"{v:.0f} %" for v in row] for row in z]
    fig = go.Figure(go.Heatmap(
        z=z, x=x, y=y, text=text, zmin=0, zmax=100, colorscale="Cividis",
        colorbar={"title": {"text": "%"}, "ticksuffix": " %"}, xgap=2, ygap=2,
        hovertemplate="%{y} · %{x}: %{text}<extra></extra>",
    ))
    # Values written on the cells, dark on the light half of the scale and white on the dark
    # half, so that each stays readable (plotly gives heatmap text a single colour). All in one
    # list: ``add_annotation`` per cell re-validates every earlier one (quadratic in cells).
    notes = [
        {"x": label_x, "y": label_y, "showarrow": False, "text": "—" if value is None else f"{value:.0f} %",
         "font": {"color": "#000000" if value is not None and value >= HEAT_LIGHT
                  else "#ffffff" if value is not None else "#262730"}}
        for row, label_y in zip(z, y, strict=True) for value, label_x in zip(row, x, strict=True)
    ]
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(type="category", side="top")
    height = max(260, 90 + 44 * len(data.index))
    return _layout(fig, title or tr("charts.title_heatmap"), height=height, annotations=notes,
                   margin={"l": 160, "r": 20, "t": 110, "b": 20})


def distribution(data: pd.DataFrame, tr: Tr, title: str | None = None) -> go.Figure:
    """Entities (index) × themes (columns) percentages as one box per theme: the readable view of
    many entities (quartiles, median, mean, every entity a point named on hover)."""
    fig = go.Figure()
    names = [safe(i) for i in data.index]
    for i, column in enumerate(data.columns):
        values = _values(data[column])
        fig.add_trace(go.Box(
            y=values, name=safe(column), text=names, boxpoints="all", jitter=0.4, pointpos=0,
            boxmean=True, marker={"color": colour(i), "symbol": SYMBOLS[i % len(SYMBOLS)], "size": 5,
                                  "opacity": 0.6},
            line={"color": OKABE_ITO["black"], "width": 1.5}, fillcolor="rgba(0,0,0,0)",
            hovertemplate="%{text}: %{y:.0f} %<extra>%{fullData.name}</extra>",
        ))
    fig.update_yaxes(title=tr("charts.axis_percent"), range=[0, 102], ticksuffix=" %", gridcolor=GRID)
    fig.update_xaxes(type="category")
    return _layout(fig, title or tr("charts.title_distribution"), showlegend=False, height=440)


# --- commitments and indicators ---------------------------------------------------------------

BURN_UP_SERIES: dict[str, tuple[str, str]] = {
    # column: (colour, bar pattern)
    "done": ("green", ""),
    "on_track": ("sky_blue", "/"),
    "late": ("vermillion", "x"),
}


def burn_up(data: pd.DataFrame, tr: Tr, title: str | None = None) -> go.Figure:
    """Commitments due by each year (``year``, ``scope``) split into ``done``, ``on_track``, ``late``."""
    x = [year_label(tr, int(y)) for y in data["year"]]
    fig = go.Figure()
    for column, (hue, pattern) in BURN_UP_SERIES.items():
        fig.add_trace(go.Bar(
            x=x, y=_values(data[column]), name=tr(f"charts.series_{column}"),
            marker={"color": OKABE_ITO[hue], "line": {"color": "#333333", "width": 1},
                    "pattern": {"shape": pattern, "fgcolor": "#333333"}},
            text=[str(int(v)) if v else "" for v in data[column]], textposition="inside",
            hovertemplate="%{x}: %{y}<extra>%{fullData.name}</extra>",
        ))
    fig.add_trace(go.Scatter(
        x=x, y=_values(data["scope"]), name=tr("charts.series_scope"), mode="lines+markers",
        line={"color": OKABE_ITO["black"], "dash": "dash", "width": 2}, marker={"symbol": "line-ew-open",
                                                                               "size": 14},
        hovertemplate="%{x}: %{y}<extra>%{fullData.name}</extra>",
    ))
    fig.update_layout(barmode="stack")
    fig.update_yaxes(title=tr("charts.axis_commitments"), rangemode="tozero", dtick=1 if
                     float(data["scope"].max() or 0) <= 10 else None, gridcolor=GRID)
    fig.update_xaxes(type="category")
    return _layout(fig, title or tr("charts.title_burn_up"))


def indicator(data: pd.DataFrame, unit: str, tr: Tr, title: str) -> go.Figure:
    """An indicator's ``planned`` and ``actual`` values per ``year`` (0-3)."""
    x = [year_label(tr, int(y)) for y in data["year"]]
    fig = go.Figure()
    fig.add_trace(go.Scatter(
        x=x, y=_values(data["planned"]), name=tr("charts.series_target"), mode="lines+markers",
        line={"color": OKABE_ITO["blue"], "dash": "dash", "width": 3}, marker={"symbol": "square", "size": 9},
        hovertemplate="%{x}: %{y:g}<extra>%{fullData.name}</extra>",
    ))
    fig.add_trace(go.Scatter(
        x=x, y=_values(data["actual"]), name=tr("charts.series_actual"), mode="lines+markers",
        line={"color": OKABE_ITO["black"], "width": 3}, marker={"symbol": "circle", "size": 10},
        connectgaps=True,
        hovertemplate="%{x}: %{y:g}<extra>%{fullData.name}</extra>",
    ))
    fig.update_yaxes(title=safe(unit), gridcolor=GRID, rangemode="tozero")
    fig.update_xaxes(type="category", categoryorder="array",
                     categoryarray=[year_label(tr, y) for y in range(4)])
    return _layout(fig, title, height=320)


# --- export ----------------------------------------------------------------------------------


def figure_html(fig: go.Figure, title: str) -> str:
    """A standalone HTML page of the chart for slides, drawn without any network access.

    plotly.js is inlined (about 4.6 MB): a page that loads it from its CDN is blank offline or
    behind a proxy that blocks it, which is where slides are often shown.
    """
    html = str(fig.to_html(include_plotlyjs=True, full_html=True, config=PLOT_CONFIG))
    return html.replace("<head>", f"<head><title>{safe(title)}</title>", 1)


def file_slug(*parts: str) -> str:
    """``file_slug("Trajectoire", "Hexapost Réseau", "Année 1")`` → ``trajectoire-hexapost-reseau-annee-1``:
    a file name any system accepts, accents folded, without the characters names may hold."""
    folded = unicodedata.normalize("NFKD", " ".join(parts)).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")[:120].rstrip("-") or "chart"
