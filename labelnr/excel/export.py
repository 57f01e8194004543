"""Write the auditor's evidence workbook (.xlsx) from a :class:`WorkbookData`.

Written with XlsxWriter (faster than openpyxl on a formatted workbook; see
``benchmarks/bench_excel.py``), with ``strings_to_formulas``, ``strings_to_urls`` and
``strings_to_numbers`` off. Every piece of text goes through ``_cells._Writer.text``, which
uses ``write_string``: text a user typed is never a formula, whatever it starts with, and
text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return also gets Excel's
"quote prefix", so editing the cell later keeps it text. Hyperlinks are made only from
``http``/``https`` addresses and from the evidence pack's own relative file paths.

Sheets: About, Summary, one per theme, Evidence, Action plan, Trajectory (with a native
chart), History (those three in :mod:`labelnr.excel._plan_sheets`), and two hidden sheets
(drop-down lists; the export data a re-import checks against, see :mod:`labelnr.excel.meta`).
Every sheet is protected without a password; only the cells a re-import reads (auditor
columns, and the referent's answer columns for a draft) are unlocked, highlighted and validated.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from labelnr.assessment import Verdict
from labelnr.excel._cells import (
    _link_target,
    _protect,
    _quoted,
    _table,
    sheet_name,
)
from labelnr.excel._coverage_sheet import coverage_sheet
from labelnr.excel._plan_sheets import _PlanSheets
from labelnr.excel.collector import collector_paused
from labelnr.excel.meta import (
    LISTS_SHEET,
    META_SHEET,
    SheetLayout,
    build_records,
    text_of,
    with_checksum,
)
from labelnr.excel.model import MAX_LENGTH, WorkbookData, row_values
from labelnr.formatting import format_number
from labelnr.i18n import priority_label
from labelnr.referential import Criterion, Referential, Theme

#: Columns of a criteria sheet, in order; those a re-import may read are in EDITABLE.
THEME_COLUMNS: tuple[str, ...] = (
    "id",
    "principle",
    "title",
    "description",
    "priority",
    "weight",
    "level",
    "mandatory",
    "expected",
    "answer",
    "na_justification",
    "comment",
    "owner",
    "inherited_from",
    "points",
    "max_points",
    "evidence",
    "evidence_link",
    "sha256",
    "verdict",
    "verdict_comment",
    "verified_points",
)


def theme_columns(ref: Referential) -> tuple[str, ...]:
    """The columns of :data:`THEME_COLUMNS` that mean something for this referential's scoring:
    label level and mandatory only where it has label levels, priority only where its criteria
    carry one, weight where weights (or priorities) differ from one criterion to another."""
    weights = {ref.criterion_weight(c) for c in ref.criteria}
    shown = {
        "level": bool(ref.scoring.levels),
        "mandatory": bool(ref.scoring.levels),
        "priority": any(c.priority is not None for c in ref.criteria),
        "weight": len(weights) > 1,
    }
    return tuple(key for key in THEME_COLUMNS if shown.get(key, True))


REFERENT_COLUMNS = frozenset({"answer", "na_justification", "comment", "owner"})
AUDITOR_COLUMNS = frozenset({"verdict", "verdict_comment"})
WIDTHS: dict[str, float] = {
    "id": 10,
    "principle": 22,
    "title": 40,
    "description": 60,
    "priority": 14,
    "weight": 8,
    "level": 8,
    "mandatory": 11,
    "expected": 40,
    "answer": 16,
    "na_justification": 30,
    "comment": 40,
    "owner": 22,
    "inherited_from": 18,
    "points": 11,
    "max_points": 11,
    "evidence": 40,
    "evidence_link": 28,
    "sha256": 30,
    "verdict": 22,
    "verdict_comment": 40,
    "verified_points": 11,
}
EVIDENCE_COLUMNS: tuple[str, ...] = (
    "id",
    "theme",
    "type",
    "title",
    "evidence_link",
    "file",
    "sha256",
    "size",
    "effective_date",
    "inherited_from",
)
@dataclass(frozen=True)
class _Lists:
    """References to the drop-down lists in the hidden lists sheet."""

    answers: str
    answers_with_na: str
    verdicts: str


class WorkbookExport(_PlanSheets):
    """Builds one workbook; use :func:`write_workbook` or :func:`workbook_bytes`."""

    # --- the workbook -----------------------------------------------------------------------

    def run(self) -> None:
        data = self.data
        self.book.set_properties(
            {
                "title": self.t("excel.about_title"),
                "subject": f"{data.assessment.entity.name} — {self.ref.key} — {data.period.value}",
                "author": data.exported_by,
                "company": data.assessment.organisation.name,
                "comments": f"Label NR Workbook {data.app_version}",
                "created": data.exported_at.astimezone(dt.UTC).replace(tzinfo=None),
            }
        )
        about = self.book.add_worksheet(sheet_name(self.t("excel.sheet_about"), self.taken))
        summary = self.book.add_worksheet(sheet_name(self.t("excel.sheet_summary"), self.taken))
        themes = [t for t in self.ref.themes if any(c.theme == t.id for c in data.criteria)]
        theme_sheets = [
            (t, self.book.add_worksheet(sheet_name(t.name.get(self.lang), self.taken))) for t in themes
        ]
        evidence = self.book.add_worksheet(sheet_name(self.t("excel.sheet_evidence"), self.taken))
        plan = self.book.add_worksheet(sheet_name(self.t("excel.sheet_plan"), self.taken))
        trajectory = self.book.add_worksheet(sheet_name(self.t("excel.sheet_trajectory"), self.taken))
        history = self.book.add_worksheet(sheet_name(self.t("excel.sheet_history"), self.taken))
        coverage = (self.book.add_worksheet(sheet_name(self.t("excel.sheet_coverage"), self.taken))
                    if data.coverage else None)
        lists_ws = self.book.add_worksheet(LISTS_SHEET)
        meta_ws = self.book.add_worksheet(META_SHEET)

        lists = self._lists(lists_ws)
        evidence_rows = self._evidence_sheet(evidence)
        layouts = [
            self._theme_sheet(ws, theme, i, lists, evidence.name, evidence_rows)
            for i, (theme, ws) in enumerate(theme_sheets, start=1)
        ]
        records, digest = with_checksum(build_records(data, layouts))
        self._meta_sheet(meta_ws, records)
        self._about(about, [ws for ws in self.book.worksheets() if ws not in (lists_ws, meta_ws)])
        self._summary(summary, digest)
        self._plan(plan)
        self._trajectory(trajectory)
        self._history(history)
        if coverage is not None:
            coverage_sheet(self, coverage)
        for key, value in (
            ("labelnr_campaign_id", data.campaign_id),
            ("labelnr_referential", self.ref.key),
            ("labelnr_campaign_revision", str(data.campaign_revision)),
            ("labelnr_checksum", digest),
        ):
            self.book.set_custom_property(key, value)
        about.activate()
        self.book.close()
        _release(self.book)

    # --- hidden sheets ------------------------------------------------------------------------

    def _lists(self, ws: Any) -> _Lists:
        scale = [lv.label.get(self.lang) for lv in self.ref.scale.levels]
        verdicts = [self.t(f"excel.verdict_{v.value}") for v in Verdict]
        columns = (scale, [*scale, self.t("excel.not_applicable")], verdicts)
        refs: list[str] = []
        for col, values in enumerate(columns):
            for row, value in enumerate(values):
                ws.write_string(row, col, value)
            letter = chr(ord("A") + col)
            refs.append(f"={LISTS_SHEET}!${letter}$1:${letter}${len(values)}")
        ws.hide()
        _protect(ws, table=False)
        return _Lists(*refs)

    def _meta_sheet(self, ws: Any, records: Sequence[Sequence[str]]) -> None:
        for row, record in enumerate(records):
            for col, value in enumerate(record):
                if value:
                    ws.write_string(row, col, value)
        ws.hide()
        _protect(ws, table=False)

    # --- About and Summary -----------------------------------------------------------------

    def _campaign_label(self) -> str:
        c = self.data.assessment.campaign
        period = self.t(f"context.period_{c.period.value}")
        return f"{c.name} — {period}" if c.name else period

    def _pairs(self, ws: Any, row: int, pairs: Iterable[tuple[str, object]]) -> int:
        for label, value in pairs:
            ws.write_string(row, 0, label, self.w.fmt("bold"))
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                self.w.number(ws, row, 1, float(value), "integer" if isinstance(value, int) else "number")
            elif isinstance(value, dt.date):
                self.w.date(ws, row, 1, value)
            else:
                self.w.text(ws, row, 1, text_of(value))
            row += 1
        return row

    def _about(self, ws: Any, sheets: Sequence[Any]) -> None:
        data, a, t = self.data, self.data.assessment, self.t
        ws.set_column(0, 0, 34)
        ws.set_column(1, 1, 90)
        ws.write_string(0, 0, t("excel.about_title"), self.w.fmt("title"))
        ws.merge_range(1, 0, 1, 1, "", self.w.fmt("text"))
        self.w.text(ws, 1, 0, t("excel.about_howto"))
        ws.set_row(1, 48)
        pairs: list[tuple[str, object]] = [
            (t("excel.organisation"), f"{a.organisation.name} ({a.organisation.id})"),
            (t("excel.entity"), f"{a.entity.name} ({a.entity.id})"),
            (t("excel.campaign"), self._campaign_label()),
            (t("excel.campaign_id"), f"{data.campaign_id} ({t('excel.source_' + data.source)})"),
            (t("excel.campaign_date"), a.campaign.date),
            (t("excel.status"), t(f"context.status_{data.status}")),
            (t("excel.referential"), f"{self.ref.title.get(self.lang)} ({self.ref.id})"),
            (t("excel.referential_version"), self.ref.version),
            (t("excel.referential_sha256"), data.referential_sha256),
            (t("excel.profile"), self._profile_name()),
            (t("excel.revision"), data.campaign_revision),
            (t("excel.app_version"), data.app_version),
            (t("excel.generated_at"), data.exported_at.astimezone(dt.UTC).replace(tzinfo=None)),
            (t("excel.generated_by"), data.exported_by),
        ]
        if data.as_of is not None:
            pairs.append((t("excel.about_as_of"), data.as_of))
        row = self._pairs(ws, 3, pairs) + 1
        ws.write_string(row, 0, t("excel.about_index"), self.w.fmt("bold"))
        for sheet in sheets:
            row += 1
            self.w.link(ws, row, 0, f"internal:{_quoted(sheet.name)}!A1", sheet.name)
        _protect(ws, table=False)

    def _profile_name(self) -> str | None:
        profile = self.ref.profile(self.data.assessment.profile)
        return profile.name.get(self.lang) if profile else None

    def _summary(self, ws: Any, digest: str) -> None:
        data, t, a = self.data, self.t, self.data.assessment
        ws.set_column(0, 0, 34)
        ws.set_column(1, 6, 22)
        row = (
            self._pairs(
                ws,
                0,
                [
                    (t("excel.organisation"), a.organisation.name),
                    (t("excel.entity"), a.entity.name),
                    (t("excel.campaign"), self._campaign_label()),
                    (t("excel.referential"), f"{self.ref.id} {self.ref.version}"),
                    (t("excel.generated_at"), data.exported_at.astimezone(dt.UTC).replace(tzinfo=None)),
                    (t("excel.checksum"), digest),
                ],
            )
            + 1
        )
        s, v = data.self_scores, data.verified_scores
        self.w.header(
            ws, row, [t("excel.summary_metric"), t("excel.summary_self"), t("excel.summary_verified")]
        )
        # Where no criterion applies there is no score: written so, never as 0 points or 0 %.
        lines: list[tuple[str, float | None, float | None, str]] = [
            (t("excel.summary_points", total=format_number(s.total_points, self.lang, "#,##0.###")),
             s.points if s.defined else None, v.points if v.defined else None, "number"),
            (t("excel.summary_percent"), s.percent, v.percent, "percent"),
            (t("excel.summary_level"), s.level, v.level, "integer"),
            (t("excel.summary_answered"), s.answered, v.answered, "integer"),
        ]
        for label, mine, checked, kind in lines:
            row += 1
            ws.write_string(row, 0, label, self.w.fmt("bold"))
            for col, value in ((1, mine), (2, checked)):
                if value is None:
                    self.w.text(ws, row, col, t("excel.score_undefined"))
                else:
                    self.w.number(ws, row, col, value, kind)
        row += 2
        self.w.header(
            ws,
            row,
            [
                t("excel.summary_theme"),
                t("excel.summary_theme_self"),
                t("excel.summary_theme_verified"),
                t("excel.summary_theme_points"),
                t("excel.summary_theme_max"),
            ],
        )
        for theme in self.ref.themes:
            mine_t, checked_t = s.themes.get(theme.id), v.themes.get(theme.id)
            if mine_t is None or checked_t is None:
                continue
            row += 1
            self.w.text(ws, row, 0, theme.name.get(self.lang))
            for col, pct in ((1, mine_t.percent), (2, checked_t.percent)):
                if pct is None:
                    self.w.text(ws, row, col, t("excel.score_undefined"))
                else:
                    self.w.number(ws, row, col, pct, "percent")
            self.w.number(ws, row, 3, mine_t.points)
            self.w.number(ws, row, 4, mine_t.max_points)
        row += 2
        self._gaps(ws, row)
        _protect(ws, table=False)

    def _gaps(self, ws: Any, row: int) -> None:
        t = self.t
        ws.write_string(row, 0, t("excel.summary_gaps"), self.w.fmt("bold"))
        row += 1
        keys = (
            "summary_level",
            "summary_basis",
            "summary_reached",
            "summary_needed",
            "summary_short",
            "summary_missing",
            "summary_below",
        )
        self.w.header(ws, row, [t(f"excel.{key}") for key in keys])
        for basis, scores in (
            (t("excel.summary_self"), self.data.self_scores),
            (t("excel.summary_verified"), self.data.verified_scores),
        ):
            for gap in scores.gaps:
                row += 1
                self.w.text(ws, row, 0, gap.name.get(self.lang))
                self.w.text(ws, row, 1, basis)
                self.w.text(ws, row, 2, t("excel.word_yes") if gap.reached else t("excel.word_no"))
                self.w.number(ws, row, 3, gap.points_needed)
                self.w.number(ws, row, 4, gap.points_short)
                self.w.text(ws, row, 5, ", ".join(gap.missing_mandatory))
                below = [
                    f"{self.theme_name(b.theme)} ({format_number(b.percent, self.lang)} % "
                    f"< {format_number(b.minimum, self.lang)} %)"
                    for b in gap.themes_below_minimum
                ]
                self.w.text(ws, row, 6, "; ".join(below))

    # --- criteria sheets ---------------------------------------------------------------------

    def _theme_sheet(
        self,
        ws: Any,
        theme: Theme,
        index: int,
        lists: _Lists,
        evidence_sheet: str,
        evidence_rows: dict[str, int],
    ) -> SheetLayout:
        data, t = self.data, self.t
        criteria = [c for c in data.criteria if c.theme == theme.id]
        columns = theme_columns(self.ref)
        headers = [t(f"excel.col_{key}") for key in columns]
        col = {key: i for i, key in enumerate(columns)}
        for key, i in col.items():
            ws.set_column(i, i, WIDTHS[key])
        answers_open = data.answers_editable
        verdicts_open = data.verdicts_editable
        principles = {p.id: p.name.get(self.lang) for p in theme.principles}
        for row, crit in enumerate(criteria, start=1):
            self._criterion_row(
                ws,
                row,
                crit,
                col,
                principles,
                evidence_sheet,
                evidence_rows,
                answers_open and crit.id not in data.forced_na,
                verdicts_open,
            )
        last = len(criteria)
        _table(self.w, ws, f"criteria_{index}", last, headers)
        ws.freeze_panes(1, 1)
        if last:
            self._validations(ws, criteria, col, lists, answers_open, verdicts_open)
        _protect(ws)
        return SheetLayout(ws.name, theme.id, columns)

    def _criterion_row(
        self,
        ws: Any,
        row: int,
        crit: Criterion,
        col: dict[str, int],
        principles: dict[str, str],
        evidence_sheet: str,
        evidence_rows: dict[str, int],
        answers_open: bool,
        verdicts_open: bool,
    ) -> None:
        data, w, lg = self.data, self.w, self.lang
        mine = data.self_scores.criteria.get(crit.id)
        checked = data.verified_scores.criteria.get(crit.id)
        w.text(ws, row, col["id"], crit.id)
        w.text(ws, row, col["principle"], principles.get(crit.principle or ""))
        w.text(ws, row, col["title"], crit.title.get(lg))
        w.text(ws, row, col["description"], crit.description.get(lg))
        if "priority" in col:
            w.text(ws, row, col["priority"], priority_label(crit.priority, lg) if crit.priority else None)
        if "weight" in col:
            w.number(ws, row, col["weight"], self.ref.criterion_weight(crit))
        if "level" in col:
            w.number(ws, row, col["level"], crit.level, "integer")
            w.text(ws, row, col["mandatory"], self.t("excel.word_yes" if crit.mandatory else "excel.word_no"))
        expected = [
            f"[{self.t('excel.evidence_' + e.type.value)}] {e.description.get(lg)}" for e in crit.evidence
        ]
        w.text(ws, row, col["expected"], "\n".join(expected))
        values = row_values(data, crit.id)
        w.text(ws, row, col["answer"], self.answer_label(values["answer"]), editable=answers_open)
        w.text(ws, row, col["na_justification"], values["na_justification"], editable=answers_open)
        w.text(ws, row, col["comment"], values["comment"], editable=answers_open)
        w.text(ws, row, col["owner"], values["owner"], editable=answers_open)
        w.text(ws, row, col["inherited_from"], data.inherited_from.get(crit.id))
        w.number(ws, row, col["points"], mine.points if mine and mine.applicable else None)
        w.number(ws, row, col["max_points"], mine.max_points if mine and mine.applicable else None)
        self._evidence_cells(ws, row, col, crit.id, evidence_sheet, evidence_rows)
        w.text(ws, row, col["verdict"], self.verdict_label(values["verdict"]), editable=verdicts_open)
        w.text(ws, row, col["verdict_comment"], values["verdict_comment"], editable=verdicts_open)
        w.number(ws, row, col["verified_points"], checked.points if checked and checked.applicable else None)

    def _evidence_cells(
        self,
        ws: Any,
        row: int,
        col: dict[str, int],
        criterion: str,
        evidence_sheet: str,
        evidence_rows: dict[str, int],
    ) -> None:
        entries = self.evidence_by_criterion.get(criterion, [])
        lines = []
        for e in entries:
            date = f" ({self.date_text(e.effective_date)})" if e.effective_date else ""
            lines.append(f"[{self.evidence_types[e.type]}] {e.title}{date}")
        self.w.text(ws, row, col["evidence"], "\n".join(lines))
        if len(entries) == 1:
            self.w.link(
                ws,
                row,
                col["evidence_link"],
                _link_target(entries[0]),
                entries[0].url or entries[0].pack_path or entries[0].title,
            )
        elif entries:
            first = evidence_rows[criterion] + 1
            self.w.link(
                ws,
                row,
                col["evidence_link"],
                f"internal:{_quoted(evidence_sheet)}!A{first}",
                self.t("excel.evidence_several", count=len(entries)),
            )
        else:
            self.w.text(ws, row, col["evidence_link"], None)
        self.w.text(ws, row, col["sha256"], "\n".join(e.sha256 for e in entries if e.sha256))

    def _validations(
        self,
        ws: Any,
        criteria: Sequence[Criterion],
        col: dict[str, int],
        lists: _Lists,
        answers_open: bool,
        verdicts_open: bool,
    ) -> None:
        t = self.t
        base = {
            "error_title": t("excel.validation_title"),
            "error_message": t("excel.validation_message"),
            "ignore_blank": True,
        }
        last = len(criteria)
        if verdicts_open:
            ws.data_validation(
                1,
                col["verdict"],
                last,
                col["verdict"],
                {"validate": "list", "source": lists.verdicts, **base},
            )
            self._length(ws, col["verdict_comment"], last, MAX_LENGTH["verdict_comment"])
        if not answers_open:
            return
        # One validation per run of rows that allow (or not) "not applicable".
        start = 0
        for i in range(1, last + 1):
            if i == last or criteria[i].not_applicable.allowed != criteria[start].not_applicable.allowed:
                source = lists.answers_with_na if criteria[start].not_applicable.allowed else lists.answers
                ws.data_validation(
                    start + 1, col["answer"], i, col["answer"], {"validate": "list", "source": source, **base}
                )
                start = i
        for key in ("na_justification", "comment", "owner"):
            self._length(ws, col[key], last, MAX_LENGTH[key])

    def _length(self, ws: Any, column: int, last: int, maximum: int) -> None:
        ws.data_validation(
            1,
            column,
            last,
            column,
            {
                "validate": "length",
                "criteria": "<=",
                "value": maximum,
                "ignore_blank": True,
                "error_title": self.t("excel.validation_length"),
                "error_message": self.t("excel.validation_length_message", max=maximum),
            },
        )

    # --- evidence, plan, trajectory, history ---------------------------------------------------

    def _evidence_sheet(self, ws: Any) -> dict[str, int]:
        """One row per evidence; returns the first row (0-based) of each criterion's evidence."""
        t, w = self.t, self.w
        headers = [t(f"excel.col_{key}") for key in EVIDENCE_COLUMNS]
        widths = (10, 22, 14, 40, 40, 24, 30, 12, 12, 18)
        for i, width in enumerate(widths):
            ws.set_column(i, i, width)
        criteria = {c.id: c for c in self.data.criteria}
        order = {c.id: i for i, c in enumerate(self.data.criteria)}
        entries = sorted(
            (e for e in self.data.evidence if e.criterion in criteria), key=lambda e: order[e.criterion]
        )
        themes = {cid: self.theme_name(c.theme) for cid, c in criteria.items()}
        first: dict[str, int] = {}
        for row, e in enumerate(entries, start=1):
            first.setdefault(e.criterion, row)
            w.text(ws, row, 0, e.criterion)
            w.text(ws, row, 1, themes[e.criterion])
            w.text(ws, row, 2, self.evidence_types[e.type])
            w.text(ws, row, 3, e.title)
            w.link(ws, row, 4, _link_target(e), e.url or e.pack_path or "")
            w.text(ws, row, 5, e.file_name)
            w.text(ws, row, 6, e.sha256)
            w.number(ws, row, 7, e.size, "integer")
            w.date(ws, row, 8, e.effective_date)
            w.text(ws, row, 9, e.inherited_from)
        _table(self.w, ws, "evidence", len(entries), headers)
        ws.freeze_panes(1, 1)
        _protect(ws)
        return first

def _release(book: Any) -> None:
    """Drop the cells XlsxWriter keeps once the workbook is written. They are only reachable
    through reference cycles, so they would otherwise wait for the cyclic collector, which then
    walks every one of them after each workbook (5 to 15 % of an export's CPU time: tens of
    thousands of cells per workbook)."""
    for ws in book.worksheets():
        ws.table.clear()
        ws.table_cells.clear()
    book.str_table.string_table.clear()


def write_workbook(data: WorkbookData, output: IO[bytes]) -> None:
    """Write the workbook of ``data`` to a binary stream."""
    with collector_paused():
        WorkbookExport(data, output).run()


def workbook_bytes(data: WorkbookData) -> bytes:
    buffer = io.BytesIO()
    write_workbook(data, buffer)
    return buffer.getvalue()


def save_workbook(data: WorkbookData, path: Path) -> None:
    """Write the workbook to ``path`` through a temporary file, so a crash never leaves half a file."""
    from labelnr.files import write_atomic

    write_atomic(path, workbook_bytes(data))
