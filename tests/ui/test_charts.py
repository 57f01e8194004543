"""Figure builders: the right series, told apart by more than colour, with texts translated."""

from __future__ import annotations

import math
import re

import pandas as pd
import pytest

from labelnr.i18n import Translator
from labelnr.ui import charts
from labelnr.ui.charts import OKABE_ITO, Threshold

FR = Translator("fr")
EN = Translator("en")


def _styles(fig: charts.go.Figure) -> set[tuple[str, str]]:
    return {(trace.line.dash or "solid", trace.marker.symbol) for trace in fig.data}


def test_trajectory_draws_planned_projected_actual_and_the_level_lines() -> None:
    data = pd.DataFrame({"year": [0, 1, 2, 3], "planned": [250, 400, 550, 700],
                         "projected": [250, 380, 600, 640], "actual": [250, 410, math.nan, math.nan]})
    fig = charts.trajectory(data, [Threshold("Niveau 1", 300), Threshold("Niveau 2", 500)], 1000, FR)
    assert [t.name for t in fig.data] == ["Prévu (cibles)", "Projeté (engagements)", "Réel"]
    assert list(fig.data[0].x) == ["État initial", "Année 1", "Année 2", "Année 3"]
    assert list(fig.data[2].y) == [250, 410, None, None]  # years not held yet are gaps, not zeros
    assert len(_styles(fig)) == 3  # each series has its own dash and marker
    assert {t.line.color for t in fig.data} <= set(OKABE_ITO.values())
    assert sorted(s.y0 for s in fig.layout.shapes) == [300, 500]
    assert [a.text for a in fig.layout.annotations] == ["Niveau 1 (300)", "Niveau 2 (500)"]
    assert fig.layout.yaxis.range == (0, 1020)
    assert fig.layout.title.text == "Trajectoire sur trois ans"


def test_trajectory_draws_only_the_series_given_in_english() -> None:
    data = pd.DataFrame({"year": [0, 1, 2, 3], "planned": [1, 2, 3, 4]})
    fig = charts.trajectory(data, [], 100, EN)
    assert [t.name for t in fig.data] == ["Planned (targets)"]
    assert list(fig.data[0].x) == ["Baseline", "Year 1", "Year 2", "Year 3"]
    assert not fig.layout.shapes


def test_radar_closes_each_loop_and_skips_empty_series() -> None:
    data = pd.DataFrame({"theme": ["Gouvernance", "Usages", "Achats"], "current": [60.0, 40.0, 20.0],
                         "previous": [None, None, None], "target": [80.0, 70.0, 50.0]})
    fig = charts.radar(data, FR)
    assert [t.name for t in fig.data] == ["Campagne actuelle", "Cible"]
    assert list(fig.data[0].theta) == ["Gouvernance", "Usages", "Achats", "Gouvernance"]
    assert list(fig.data[0].r) == [60, 40, 20, 60]
    assert len(_styles(fig)) == 2


def test_heatmap_writes_every_value_and_a_dash_where_no_criterion_applies() -> None:
    data = pd.DataFrame({"Gouvernance": [62.4, None], "Usages": [10.0, 100.0]}, index=["Groupe", "Lyon"])
    fig = charts.heatmap(data, FR)
    heat = fig.data[0]
    assert list(heat.y) == ["Groupe", "Lyon"]
    assert [list(r) for r in heat.text] == [["62 %", "10 %"], ["—", "100 %"]]
    notes = {(a.y, a.x): (a.text, a.font.color) for a in fig.layout.annotations}
    assert notes[("Groupe", "Gouvernance")] == ("62 %", "#000000")  # dark text on the light half
    assert notes[("Groupe", "Usages")] == ("10 %", "#ffffff")
    assert notes[("Lyon", "Gouvernance")][0] == "—"
    assert heat.colorscale[0][1] != heat.colorscale[-1][1]
    assert (heat.zmin, heat.zmax) == (0, 100)


def test_burn_up_stacks_status_with_patterns_and_the_scope_line() -> None:
    data = pd.DataFrame({"year": [1, 2, 3], "scope": [2, 3, 4], "done": [1, 1, 2], "on_track": [0, 1, 1],
                         "late": [1, 1, 1]})
    fig = charts.burn_up(data, EN)
    assert [t.name for t in fig.data] == ["Done", "On track", "Late", "Commitments due (cumulative)"]
    assert fig.layout.barmode == "stack"
    assert len({t.marker.pattern.shape for t in fig.data[:3]}) == 3
    assert list(fig.data[0].text) == ["1", "1", "2"]
    assert list(fig.data[1].text) == ["", "1", "1"]  # no "0" written on empty bars
    assert list(fig.data[3].y) == [2, 3, 4]


def test_theme_trajectory_one_distinct_line_per_theme() -> None:
    rows = [(theme, y, 10.0 * y + i) for i, theme in enumerate(["A", "B", "C"]) for y in range(4)]
    fig = charts.theme_trajectory(pd.DataFrame(rows, columns=["theme", "year", "percent"]), FR)
    assert [t.name for t in fig.data] == ["A", "B", "C"]
    assert len(_styles(fig)) == 3
    assert list(fig.data[1].y) == [1, 11, 21, 31]


def test_indicator_planned_and_actual() -> None:
    data = pd.DataFrame({"year": [0, 1, 2, 3], "planned": [20, 30, 40, 50], "actual": [20, 35, None, None]})
    fig = charts.indicator(data, "%", EN, "Reused devices")
    assert [t.name for t in fig.data] == ["Target", "Actual"]
    assert list(fig.data[1].y) == [20, 35, None, None]
    assert fig.layout.yaxis.title.text == "%"


@pytest.mark.parametrize("hostile", ["<a href='https://evil.example'>x</a>", "<b>bold</b> & co"])
def test_user_text_is_shown_literally(hostile: str) -> None:
    data = pd.DataFrame({hostile: [50.0]}, index=[hostile])
    heat = charts.heatmap(data, FR, title=hostile).data[0]
    assert "<" not in heat.x[0]
    assert "<" not in heat.y[0]
    fig = charts.indicator(pd.DataFrame({"year": [0], "planned": [1], "actual": [1]}), hostile, FR, hostile)
    assert "<" not in fig.layout.title.text
    assert "<" not in fig.layout.yaxis.title.text
    assert charts.safe("<b>") == "&lt;b&gt;"


def test_figure_html_is_standalone_and_draws_offline() -> None:
    fig = charts.trajectory(pd.DataFrame({"year": [0, 1], "actual": [1, 2]}), [], 10, FR)
    html = charts.figure_html(fig, "Trajectoire <ACME>")
    assert html.lower().startswith("<!doctype html>")
    assert "<title>Trajectoire &lt;ACME&gt;</title>" in html
    # plotly.js is inlined: nothing is fetched from a CDN or any other address.
    assert not re.search(r"<script[^>]+src=", html)
    assert "Plotly.newPlot" in html
    assert len(html) > 3_000_000


def test_file_slug_names_a_download_after_the_chart_and_the_campaign() -> None:
    slug = charts.file_slug
    assert slug("trajectoire", "Hexapost Réseau", "Année 1") == "trajectoire-hexapost-reseau-annee-1"
    assert slug("themes", "ACME / Lyon: l'«agence»", "Year 2") == "themes-acme-lyon-l-agence-year-2"
    assert slug("", "***") == "chart"


def test_every_chart_looks_plotly_white_with_only_the_defaults_of_its_trace_types() -> None:
    white = charts.pio.templates["plotly_white"].to_plotly_json()
    data = pd.DataFrame({"year": [0, 1, 2, 3], "planned": [1, 2, 3, 4]})
    heat = pd.DataFrame({"T1": [10.0, 80.0]}, index=["a", "b"])
    figures = [charts.trajectory(data, [], 100, FR), charts.heatmap(heat, FR), charts.distribution(heat, FR)]
    for fig in figures:
        template = fig.layout.template.to_plotly_json()
        assert template["layout"] == {k: v for k, v in white["layout"].items() if k not in ("geo", "scene",
                                                                                              "ternary")}
        assert set(template["data"]) <= set(charts.TRACE_TYPES)  # not plotly's 24 trace types
        assert {t.type for t in fig.data} <= set(charts.TRACE_TYPES)
        for kind, defaults in template["data"].items():
            assert defaults == white["data"][kind]
    assert charts.template() is charts.template()  # built once per process
