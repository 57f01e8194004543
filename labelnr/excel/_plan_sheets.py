"""The evidence workbook's plan sheets: the action plan, the three-year trajectory (with its
native chart) and the history of changes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from labelnr.excel._cells import _protect, _table
from labelnr.excel._sheets import _SheetWriter
from labelnr.trajectory import PERIOD_YEAR, YEARS, planned_trajectory, progress, projected_trajectory


class _PlanSheets(_SheetWriter):
    """Action plan, Trajectory and History."""

    def _plan(self, ws: Any) -> None:
        t, w, data = self.t, self.w, self.data
        keys = (
            "commitment",
            "scope",
            "target_level",
            "target_year",
            "owner",
            "due",
            "commitment_status",
            "progress",
            "expected_points",
            "indicator",
        )
        widths = (40, 26, 16, 10, 22, 12, 14, 14, 12, 50)
        headers = [t(f"excel.col_{k}") for k in keys]
        for i, width in enumerate(widths):
            ws.set_column(i, i, width)
        baseline = next((p.date for p in data.actual if PERIOD_YEAR.get(p.period) == 0), None)
        today = data.as_of or data.exported_at.date()
        for row, c in enumerate(data.commitments, start=1):
            scope = c.criterion if c.criterion is not None else self.theme_name(c.theme or "")
            w.text(ws, row, 0, c.title)
            w.text(ws, row, 1, scope)
            w.text(ws, row, 2, self.answer_label(c.target_level))
            w.number(ws, row, 3, c.target_year, "integer")
            w.text(ws, row, 4, c.owner)
            w.date(ws, row, 5, c.due)
            w.text(ws, row, 6, t(f"excel.commitment_{c.status.value}"))
            w.text(ws, row, 7, t(f"excel.progress_{progress(c, today, baseline).value}"))
            w.number(ws, row, 8, c.expected_points)
            w.text(ws, row, 9, _indicator_text(c.indicator) if c.indicator else None)
        _table(self.w, ws, "plan", len(data.commitments), headers)
        ws.freeze_panes(1, 1)
        _protect(ws)

    def _trajectory(self, ws: Any) -> None:
        t, w, data, ref = self.t, self.w, self.data, self.ref
        a = data.assessment
        start = data.plan_start if data.plan_start is not None else data.effective
        planned = planned_trajectory(ref, start, a.targets, a.profile, a.applicability)
        projected = projected_trajectory(ref, start, a.commitments, a.profile, a.applicability,
                                         data.projection_starts)
        actual: dict[int, tuple[float, float | None]] = {}
        for point in sorted(data.actual, key=lambda p: p.date):
            year = PERIOD_YEAR.get(point.period)
            if year is not None:
                actual[year] = (point.points, point.verified_points)
        levels = ref.scoring.levels
        keys = ("col_year", "col_planned", "col_projected", "col_actual", "col_actual_verified")
        headers = [t(f"excel.{key}") for key in keys]
        headers += [t("excel.trajectory_level", name=lv.name.get(self.lang)) for lv in levels]
        ws.set_column(0, len(headers) - 1, 16)
        for row, year in enumerate(YEARS, start=1):
            label = t("excel.year_baseline") if year == 0 else t("excel.year_label", year=year)
            w.text(ws, row, 0, label)
            w.number(ws, row, 1, planned[year].points)
            w.number(ws, row, 2, projected[year].points)
            mine, checked = actual.get(year, (None, None))
            w.number(ws, row, 3, mine)
            w.number(ws, row, 4, checked)
            for i, lv in enumerate(levels):
                w.number(ws, row, 5 + i, lv.min_points)
        _table(self.w, ws, "trajectory", len(YEARS), headers)
        self._chart(ws, len(headers))
        _protect(ws)

    def _chart(self, ws: Any, columns: int) -> None:
        chart = self.book.add_chart({"type": "line"})
        last = len(YEARS)
        styles = {
            1: ("#0072B2", "solid", "circle"),
            2: ("#E69F00", "dash", "diamond"),
            3: ("#009E73", "solid", "square"),
            4: ("#CC79A7", "round_dot", "triangle"),
        }
        for col in range(1, columns):
            # Thresholds of the label levels: grey, a dash pattern of their own, no marker.
            threshold = ("#595959", "long_dash" if col % 2 else "dash", "none")
            color, dash, marker = styles.get(col, threshold)
            chart.add_series(
                {
                    "name": [ws.name, 0, col],
                    "categories": [ws.name, 1, 0, last, 0],
                    "values": [ws.name, 1, col, last, col],
                    "line": {"color": color, "dash_type": dash, "width": 2.25 if col < 5 else 1},
                    "marker": {
                        "type": marker,
                        "size": 7,
                        "fill": {"color": color},
                        "border": {"color": color},
                    },
                }
            )
        chart.set_title({"name": self.t("excel.trajectory_title")})
        chart.set_y_axis(
            {"name": self.t("excel.trajectory_points"), "min": 0, "max": self.ref.scoring.total_points}
        )
        chart.set_legend({"position": "bottom"})
        chart.show_blanks_as("gap")
        chart.set_size({"width": 720, "height": 400})
        ws.insert_chart(len(YEARS) + 3, 0, chart, {"description": self.t("excel.trajectory_alt")})

    def _history(self, ws: Any) -> None:
        t, w = self.t, self.w
        keys = ("when", "who", "action", "id", "field", "old", "new")
        widths = (20, 26, 14, 10, 22, 40, 40)
        for i, width in enumerate(widths):
            ws.set_column(i, i, width)
        for row, event in enumerate(self.data.history, start=1):
            w.date(ws, row, 0, event.at.astimezone(dt.UTC) if event.at.tzinfo else event.at)
            w.text(ws, row, 1, event.actor)
            w.text(ws, row, 2, event.action)
            w.text(ws, row, 3, event.criterion)
            w.text(ws, row, 4, event.field)
            w.text(ws, row, 5, _plain_text(event.old))
            w.text(ws, row, 6, _plain_text(event.new))
        headers = [t(f"excel.col_{k}") for k in keys]
        _table(self.w, ws, "history", len(self.data.history), headers)
        ws.freeze_panes(1, 0)
        _protect(ws)


def _plain_text(value: object) -> str | None:
    """A history value (JSON data) as one line of text."""
    if value is None:
        return None
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_plain_text(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_plain_text(v) or "" for v in value)
    return str(value)


def _indicator_text(indicator: Any) -> str:
    targets = ", ".join(f"{year}: {value:g}" for year, value in sorted(indicator.targets.items()))
    actuals = ", ".join(f"{m.year}: {m.value:g}" for m in indicator.actuals)
    return (
        f"{indicator.name} ({indicator.unit}, {indicator.direction.value}) — {indicator.baseline:g}"
        f" → [{targets}] — {actuals}"
    )
