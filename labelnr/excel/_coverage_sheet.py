"""The evidence workbook's RGESN coverage sheet: for each label criterion a crosswalk links, each
of the entity's digital services with its declaration date, its scores, the linked RGESN
criteria's statuses and the answer proposed (never written: the referent decides)."""

from __future__ import annotations

from typing import Any

from labelnr.coverage import coverage_rows
from labelnr.excel._cells import _protect, _table
from labelnr.excel._sheets import _SheetWriter

COLUMNS = ("criterion", "title", "relation", "targets", "service", "date", "score", "percent", "statuses",
           "proposed", "reason")
WIDTHS = (10, 36, 18, 14, 26, 12, 10, 12, 40, 16, 60)


def coverage_sheet(sw: _SheetWriter, ws: Any) -> None:
    """Write the coverage of ``sw.data`` (which has one) on ``ws``."""
    found = sw.data.coverage
    if found is None:
        return
    w = sw.w
    rows = coverage_rows(found, sw.ref, sw.lang)
    for i, width in enumerate(WIDTHS):
        ws.set_column(i, i, width)
    for n, r in enumerate(rows, start=1):
        w.text(ws, n, 0, r.criterion)
        w.text(ws, n, 1, r.title)
        w.text(ws, n, 2, r.relation)
        w.text(ws, n, 3, r.targets)
        w.text(ws, n, 4, r.service)
        w.date(ws, n, 5, r.date)
        w.number(ws, n, 6, r.score, "percent")
        w.number(ws, n, 7, r.percent, "percent")
        w.text(ws, n, 8, r.statuses)
        w.text(ws, n, 9, r.proposed)
        w.text(ws, n, 10, r.reason)
    _table(w, ws, "coverage", len(rows), [sw.t(f"excel.coverage_{k}") for k in COLUMNS])
    ws.freeze_panes(1, 1)
    _protect(ws)
