"""The state every sheet of the evidence workbook writes with, and its labels (answers, verdicts,
dates, themes) in the workbook's language; the sheets are in :mod:`labelnr.excel.export` and
:mod:`labelnr.excel._plan_sheets`."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import IO, Any

import xlsxwriter

from labelnr.excel._cells import _Writer
from labelnr.excel.meta import LISTS_SHEET, META_SHEET
from labelnr.excel.model import NOT_APPLICABLE, EvidenceEntry, WorkbookData
from labelnr.formatting import format_date
from labelnr.i18n import Translator
from labelnr.referential import EvidenceType

OPTIONS: dict[str, Any] = {
    "in_memory": True,
    "strings_to_formulas": False,
    "strings_to_urls": False,  # links are made on purpose, from checked addresses only
    "strings_to_numbers": False,
    "default_date_format": "yyyy-mm-dd",
}


class _SheetWriter:
    """One workbook being written: its data, book, cell writer and labels."""

    def __init__(self, data: WorkbookData, output: IO[bytes]) -> None:
        self.data = data
        self.ref = data.referential
        self.t = Translator(data.lang)
        self.lang = self.t.lang
        self.book = xlsxwriter.Workbook(output, OPTIONS)
        self.w = _Writer(self.book)
        self.taken: set[str] = {META_SHEET, LISTS_SHEET}
        self.evidence_by_criterion: dict[str, list[EvidenceEntry]] = defaultdict(list)
        for entry in data.evidence:
            self.evidence_by_criterion[entry.criterion].append(entry)
        # Looked up once per export, not once per evidence row (10,000 rows: Babel and the catalog
        # cost more than writing the cells).
        self.evidence_types = {kind: self.t(f"excel.evidence_{kind.value}") for kind in EvidenceType}
        self._dates: dict[dt.date, str] = {}

    # --- labels ---------------------------------------------------------------------------

    def answer_label(self, level: str | None) -> str | None:
        if level is None:
            return None
        if level == NOT_APPLICABLE:
            return self.t("excel.not_applicable")
        scale = self.ref.scale.level(level)
        return scale.label.get(self.lang) if scale else level

    def verdict_label(self, verdict: str | None) -> str | None:
        return self.t(f"excel.verdict_{verdict}") if verdict else None

    def date_text(self, day: dt.date) -> str:
        """``3 décembre 2026``: formatted once per distinct day."""
        text = self._dates.get(day)
        if text is None:
            text = self._dates[day] = format_date(day, self.lang)
        return text

    def theme_name(self, theme_id: str) -> str:
        theme = self.ref.themes_by_id.get(theme_id)
        return theme.name.get(self.lang) if theme else theme_id
