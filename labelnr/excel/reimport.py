"""Read back an evidence workbook filled in offline, and say exactly what it would change.

Three steps, each a pure function of its input:

1. :func:`read_workbook` — the hostile-file checks of :mod:`labelnr.excel.safety`, then
   openpyxl in read-only mode (formulas kept as formulas, never evaluated), then the
   hidden sheet (:mod:`labelnr.excel.meta`) and the editable cells of every criteria sheet.
2. :func:`preview` — checks the workbook against the campaign as it is *now*
   (:class:`WorkbookData`): same campaign and referential version, known criteria, values
   from the drop-down lists, no formulas, columns the campaign's status still accepts, and
   no conflict — a row whose answer or verdict changed in the database since the export is
   refused, saying who changed what. Returns every :class:`Change` (criterion, field,
   old → new), or raises :class:`InvalidFile` listing every problem (sheet, cell, criterion).
3. :func:`new_answers` / :func:`new_verdicts` give what to save (the store adapter applies
   them in one transaction); :func:`apply_to_assessment` applies them to an interchange
   assessment.
"""

from __future__ import annotations

import datetime as dt
import io
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from openpyxl.utils import get_column_letter
from pydantic import ValidationError

from labelnr.assessment import Answer, Assessment, AuditorVerdict, NotApplicable, Verdict
from labelnr.errors import InvalidFile, Msg, Problem
from labelnr.excel.meta import META_SHEET, Meta, MetaError, canonical, parse_records, unescape
from labelnr.excel.model import (
    ANSWER_FIELDS,
    EDITABLE_FIELDS,
    MAX_LENGTH,
    NOT_APPLICABLE,
    VERDICT_FIELDS,
    HistoryEntry,
    WorkbookData,
    row_values,
)
from labelnr.excel.safety import DEFAULT_LIMITS, Limits, check_xlsx
from labelnr.i18n import Term, translate

#: The reason code given to a "not applicable" declared in a workbook (when it had none).
WORKBOOK_NA_REASON = "workbook"


# --- reading -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    sheet: str
    ref: str
    value: str | None
    formula: bool = False


@dataclass(frozen=True)
class WorkbookRow:
    criterion: str
    id_cell: Cell
    cells: dict[str, Cell]


@dataclass(frozen=True)
class ImportedWorkbook:
    source: str
    meta: Meta
    rows: tuple[WorkbookRow, ...]


def _text(value: Any) -> str | None:
    """A cell's value as text: OOXML control-character escapes undone, numbers without '.0'."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date().isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return unescape(str(value)) or None


def _cell(sheet: str, row: tuple[Any, ...], number: int, column: int) -> Cell:
    """The cell of ``row`` (1-based ``number``) in 0-based ``column``; missing cells are empty."""
    ref = f"{get_column_letter(column + 1)}{number}"
    if column >= len(row):
        return Cell(sheet, ref, None)
    cell = row[column]
    formula = getattr(cell, "data_type", None) == "f"
    value = cell.value
    if formula and not isinstance(value, str):  # array or data-table formulas
        value = getattr(value, "text", None) or "="
    return Cell(sheet, ref, _text(value), formula)


def _rows(ws: Any) -> Iterator[tuple[Any, ...]]:
    ws.reset_dimensions()  # do not trust the file's stated dimensions: read every row
    yield from ws.iter_rows()


def read_workbook(
    stream: IO[bytes], source: str = "<workbook>", limits: Limits = DEFAULT_LIMITS
) -> ImportedWorkbook:
    """Check, open and read an evidence workbook; raises :class:`InvalidFile` when it is not one."""
    check_xlsx(stream, source, limits)
    stream.seek(0)
    import openpyxl

    try:
        with warnings.catch_warnings():
            # openpyxl warns about parts it does not keep (extensions, printer settings...):
            # irrelevant for reading values.
            warnings.simplefilter("ignore")
            book = openpyxl.load_workbook(stream, read_only=True, data_only=False, keep_links=False)
    except Exception as exc:  # openpyxl raises many kinds on damaged files; all mean the same here
        raise InvalidFile.coded(source, "xlsx_unreadable", reason=f"{type(exc).__name__}: {exc}") from None
    try:
        return _read(book, source)
    finally:
        book.close()


def read_path(path: Path, limits: Limits = DEFAULT_LIMITS) -> ImportedWorkbook:
    with path.open("rb") as handle:
        return read_workbook(io.BytesIO(handle.read(limits.max_file_bytes + 1)), str(path), limits)


def _read(book: Any, source: str) -> ImportedWorkbook:
    if META_SHEET not in book.sheetnames:
        raise InvalidFile.coded(source, "xlsx_no_meta")
    records = []
    for row in _rows(book[META_SHEET]):
        texts = [_text(c.value) or "" for c in row]
        if any(texts):
            records.append(tuple(texts))
    try:
        meta = parse_records(records)
    except MetaError as exc:
        where = f"{source} [sheet {META_SHEET}]"
        raise InvalidFile([Problem.of(where, None, exc.code, None, **exc.params)]) from None
    rows: list[WorkbookRow] = []
    for layout in meta.sheets:
        if layout.name not in book.sheetnames:
            raise InvalidFile.coded(source, "xlsx_sheet_missing", sheet=layout.name)
        position = {key: i for i, key in enumerate(layout.columns)}
        for index, row in enumerate(_rows(book[layout.name])):
            if index == 0:
                continue
            id_cell = _cell(layout.name, row, index + 1, position["id"])
            if id_cell.value is None and not id_cell.formula:
                continue
            cells = {f: _cell(layout.name, row, index + 1, position[f]) for f in EDITABLE_FIELDS}
            rows.append(WorkbookRow(id_cell.value or "", id_cell, cells))
    return ImportedWorkbook(source, meta, tuple(rows))


# --- preview -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One field of one criterion changed in the workbook: ``old`` as exported, ``new`` as read."""

    criterion: str
    field: str
    old: str | None
    new: str | None
    sheet: str = ""
    cell: str = ""

    @property
    def group(self) -> str:
        return "answer" if self.field in ANSWER_FIELDS else "verdict"


@dataclass(frozen=True)
class Preview:
    """What importing the workbook would do, checked against the campaign as it is now."""

    source: str
    campaign_id: str
    changes: tuple[Change, ...]
    #: Criterion → (answer revision, verdict revision) the workbook was exported at.
    revisions: dict[str, tuple[int, int]]
    exported_at: dt.datetime | None

    @property
    def empty(self) -> bool:
        return not self.changes

    def criteria(self, group: str) -> list[str]:
        seen: dict[str, None] = {}
        for change in self.changes:
            if change.group == group:
                seen.setdefault(change.criterion)
        return list(seen)


def _same(a: str | None, b: str | None) -> bool:
    return canonical(a or "") == canonical(b or "")


class _Checker:
    """Collects every problem of a workbook against the current campaign."""

    def __init__(self, imported: ImportedWorkbook, current: WorkbookData) -> None:
        self.imported = imported
        self.current = current
        self.meta = imported.meta
        self.problems: list[Problem] = []
        lang = self.meta.get("lang") or current.lang
        ref = current.referential
        self.answer_values: dict[str, str] = {}
        for level in ref.scale.levels:
            for name in (level.id, level.label.get(lang)):
                self.answer_values[name.casefold()] = level.id
        for name in (NOT_APPLICABLE, translate("excel.not_applicable", lang)):
            self.answer_values[name.casefold()] = NOT_APPLICABLE
        self.answer_labels = [lv.label.get(lang) for lv in ref.scale.levels]
        self.na_label = translate("excel.not_applicable", lang)
        self.verdict_values: dict[str, str] = {}
        for verdict in Verdict:
            for name in (verdict.value, translate(f"excel.verdict_{verdict.value}", lang)):
                self.verdict_values[name.casefold()] = verdict.value
        self.verdict_labels = [translate(f"excel.verdict_{v.value}", lang) for v in Verdict]

    def problem(self, cell: Cell | None, code: str, criterion: str | None = None, /, **params: Any) -> None:
        where = (
            f"{self.imported.source} [sheet '{cell.sheet}', cell {cell.ref}]"
            if cell
            else self.imported.source
        )
        self.problems.append(Problem.of(where, None, code, criterion, **params))

    # --- the workbook as a whole ---------------------------------------------------------------

    def check_identity(self) -> bool:
        m, c = self.meta, self.current
        a = c.assessment
        if (m.get("source"), m.get("campaign_id")) != (c.source, c.campaign_id):
            self.problem(None, "xlsx_other_campaign", exported=_what(m.get("source"), m.get("campaign_id")),
                         current=_what(c.source, c.campaign_id))
            return False
        if (m.get("organisation_id"), m.get("entity_id"), m.get("period")) != (
            a.organisation.id,
            a.entity.id,
            a.campaign.period.value,
        ):
            self.problem(None, "xlsx_other_database", entity=m.get("entity_id"), period=m.get("period"),
                         organisation=m.get("organisation_id"), campaign=c.campaign_id,
                         current_entity=a.entity.id, current_organisation=a.organisation.id,
                         current_period=a.campaign.period.value)
            return False
        ref = c.referential
        if (m.get("referential_id"), m.get("referential_version")) != (ref.id, ref.version):
            self.problem(None, "xlsx_other_referential", ref=m.get("referential_id"), current_ref=ref.id,
                         version=m.get("referential_version"), current_version=ref.version)
            return False
        return True

    # --- rows ------------------------------------------------------------------------------------

    def parse(self, field: str, cell: Cell, criterion: str) -> tuple[bool, str | None]:
        """(ok, value as an id or text) of one editable cell."""
        if cell.formula:
            self.problem(cell, "xlsx_formula", criterion, formula=cell.value)
            return False, None
        value = cell.value
        if value is None or (field in ("answer", "verdict") and not value.strip()):
            return True, None
        if field == "answer":
            found = self.answer_values.get(value.strip().casefold())
            if found is None:
                allowed = ", ".join([*self.answer_labels, self.na_label])
                self.problem(cell, "xlsx_not_an_answer", criterion, value=value, allowed=allowed)
                return False, None
            return True, found
        if field == "verdict":
            found = self.verdict_values.get(value.strip().casefold())
            if found is None:
                self.problem(cell, "xlsx_not_a_verdict", criterion, value=value, allowed=self.verdict_labels)
                return False, None
            return True, found
        if len(value) > MAX_LENGTH[field]:
            self.problem(cell, "xlsx_too_long", criterion, length=len(value), limit=MAX_LENGTH[field])
            return False, None
        return True, value

    def row_changes(self, row: WorkbookRow) -> list[Change]:
        cid = row.criterion
        exported = self.meta.rows[cid]
        # What the campaign holds now: a cell that already says it (the workbook was applied,
        # or someone made the same change) changes nothing and cannot conflict.
        now = row_values(self.current, cid)
        changes: list[Change] = []
        for field in EDITABLE_FIELDS:
            cell = row.cells.get(field)
            if cell is None:
                continue
            ok, value = self.parse(field, cell, cid)
            if ok and not _same(value, exported.values.get(field)) and not _same(value, now.get(field)):
                changes.append(Change(cid, field, exported.values.get(field), value, cell.sheet, cell.ref))
        return changes

    def check_rows(self) -> list[Change]:
        ref = self.current.referential
        seen: dict[str, Cell] = {}
        changes: list[Change] = []
        for row in self.imported.rows:
            cid = row.criterion
            if row.id_cell.formula:
                self.problem(row.id_cell, "xlsx_formula_id")
                continue
            if cid not in ref.criteria_by_id:
                self.problem(row.id_cell, "unknown_criterion_in", cid, id=cid, ref=ref.key)
                continue
            if cid in seen:
                self.problem(row.id_cell, "xlsx_listed_twice", cid, id=cid, also=seen[cid].ref)
                continue
            seen[cid] = row.id_cell
            if cid not in self.meta.rows:
                self.problem(row.id_cell, "xlsx_not_exported", cid, id=cid)
                continue
            changes.extend(self.row_changes(row))
        return changes

    # --- what the campaign accepts -----------------------------------------------------------------

    def check_allowed(self, changes: Sequence[Change]) -> None:
        c = self.current
        status = Term("context.status", c.status)
        in_scope = {crit.id for crit in c.criteria}
        for change in changes:
            cell = Cell(change.sheet, change.cell, change.new)
            if change.criterion not in in_scope:
                self.problem(cell, "xlsx_out_of_scope", change.criterion)
            elif change.group == "verdict" and not c.verdicts_editable:
                self.problem(cell, "xlsx_verdicts_locked", change.criterion, status=status)
            elif change.group == "answer" and not c.answers_editable:
                self.problem(cell, "xlsx_answers_locked", change.criterion, status=status)
            elif change.group == "answer" and change.criterion in c.forced_na:
                self.problem(cell, "xlsx_forced_na", change.criterion)

    def check_conflicts(self, changes: Sequence[Change]) -> None:
        """A changed row whose database row moved on since the export is a conflict."""
        c = self.current
        exported_at = _parse_datetime(self.meta.get("exported_at"))
        done: set[tuple[str, str]] = set()
        for change in changes:
            key = (change.criterion, change.group)
            if key in done:
                continue
            done.add(key)
            exported = self.meta.rows[change.criterion]
            revision = c.revision(change.criterion)
            now = revision.answer if change.group == "answer" else revision.verdict
            then = exported.answer_revision if change.group == "answer" else exported.verdict_revision
            fields = ANSWER_FIELDS if change.group == "answer" else VERDICT_FIELDS
            values = row_values(c, change.criterion)
            moved = [f for f in fields if not _same(values[f], exported.values.get(f))]
            if now.number == then and not moved:
                continue
            who: str | Msg = now.by or Msg("someone")
            when = now.at
            what = _history_text(c.history, change.criterion, change.group, exported_at)
            if not what and moved:
                what = "; ".join(
                    f"{f}: {_short(exported.values.get(f))} → {_short(values[f])}" for f in moved
                )
            inherited = c.inherited_from.get(change.criterion) if change.group == "answer" else None
            if now.number == then and inherited:
                who, when = Msg("xlsx_inherited", entity=inherited), None
            params: dict[str, Any] = {"group": Msg(f"xlsx_group_{change.group}"), "who": who,
                                      "what": what or f"revision {now.number}, workbook has {then}"}
            if when is not None:
                params["when"] = when
            code = "xlsx_conflict_at" if when is not None else "xlsx_conflict"
            self.problem(Cell(change.sheet, change.cell, change.new), code, change.criterion, **params)

    def check_consistency(self, changes: Sequence[Change]) -> None:
        """The new values of each changed criterion must make a valid answer and verdict."""
        c = self.current
        for cid in dict.fromkeys(ch.criterion for ch in changes):
            mine = [ch for ch in changes if ch.criterion == cid]
            first = Cell(mine[0].sheet, mine[0].cell, mine[0].new)
            if any(ch.group == "answer" for ch in mine):
                try:
                    _answer(c, cid, mine)
                except (ValueError, ValidationError) as exc:
                    self.problem(first, "xlsx_invalid_row", cid, reason=_message(exc))
            if any(ch.group == "verdict" for ch in mine):
                try:
                    _verdict(c, cid, mine)
                except (ValueError, ValidationError) as exc:
                    self.problem(first, "xlsx_invalid_row", cid, reason=_message(exc))


def _what(source: str, campaign_id: str) -> Msg:
    if source == "store":
        return Msg("xlsx_campaign", campaign=campaign_id)
    return Msg("xlsx_file", file=campaign_id)


def _short(value: str | None, limit: int = 60) -> str:
    if value is None or value == "":
        return "(empty)"
    flat = value.replace("\n", " ")
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _parse_datetime(value: str) -> dt.datetime | None:
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _history_text(
    history: Sequence[HistoryEntry], criterion: str, group: str, since: dt.datetime | None
) -> str:
    """The changes of one criterion's answer or verdict recorded after ``since``: who, when, what."""
    lines = []
    for event in history:
        if event.criterion != criterion or event.action != group:
            continue
        if since is not None and _aware(event.at) <= since:
            continue
        old, new = _short(_flat(event.old), 40), _short(_flat(event.new), 40)
        lines.append(
            f"{event.actor} at {_aware(event.at):%Y-%m-%d %H:%M} UTC set {event.field}: {old} → {new}"
        )
    return "; ".join(lines)


def _flat(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items())
    return str(value)


def _message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
    return str(exc)


def preview(imported: ImportedWorkbook, current: WorkbookData) -> Preview:
    """Every change the workbook makes to ``current``; :class:`InvalidFile` listing every problem."""
    checker = _Checker(imported, current)
    changes: list[Change] = []
    if checker.check_identity():
        if current.status in ("audited", "closed") and not checker.problems:
            checker.problem(None, "xlsx_read_only", campaign=current.campaign_id,
                            status=Term("context.status", current.status))
        changes = checker.check_rows()
        if changes:
            checker.check_allowed(changes)
            checker.check_consistency(changes)
            checker.check_conflicts(changes)
    if checker.problems:
        raise InvalidFile(checker.problems)
    meta = imported.meta
    revisions = {cid: (row.answer_revision, row.verdict_revision) for cid, row in meta.rows.items()}
    return Preview(
        imported.source,
        current.campaign_id,
        tuple(changes),
        revisions,
        _parse_datetime(meta.get("exported_at")),
    )


# --- what to save ----------------------------------------------------------------------------


def _new_values(current: WorkbookData, criterion: str, changes: Sequence[Change]) -> dict[str, str | None]:
    values = row_values(current, criterion)
    for change in changes:
        if change.criterion == criterion:
            values[change.field] = change.new
    return values


def _answer(current: WorkbookData, criterion: str, changes: Sequence[Change]) -> Answer:
    """The criterion's own answer once the workbook's changes are made (evidence left out)."""
    values = _new_values(current, criterion, changes)
    crit = current.referential.criteria_by_id[criterion]
    before = current.effective.get(criterion) or Answer()
    level, justification = values["answer"], values["na_justification"]
    na: NotApplicable | None = None
    if level == NOT_APPLICABLE:
        if not crit.not_applicable.allowed:
            raise ValueError("this criterion cannot be declared not applicable")
        if not justification:
            raise ValueError("'not applicable' needs a justification (N/A justification column)")
        kept = before.not_applicable
        na = NotApplicable(
            reason=kept.reason if kept else WORKBOOK_NA_REASON,
            justification=justification,
            approved_by=kept.approved_by if kept else None,
            review_by=kept.review_by if kept else None,
        )
        level = None
    elif justification:
        raise ValueError(
            "an N/A justification is only for a 'not applicable' answer: clear it, or answer 'not applicable'"
        )
    return Answer(level=level, not_applicable=na, comment=values["comment"], owner=values["owner"])


def _verdict(current: WorkbookData, criterion: str, changes: Sequence[Change]) -> AuditorVerdict | None:
    values = _new_values(current, criterion, changes)
    if values["verdict"] is None:
        if values["verdict_comment"]:
            raise ValueError("an auditor's comment needs a verdict: pick one in the verdict column")
        return None
    before = current.verdict(criterion)
    same = before is not None and before.verdict.value == values["verdict"]
    return AuditorVerdict(
        verdict=Verdict(values["verdict"]),
        comment=values["verdict_comment"],
        auditor=before.auditor if same and before else None,
        date=before.date if same and before else None,
    )


def new_answers(current: WorkbookData, result: Preview) -> dict[str, Answer]:
    """Criterion → its new own answer, for every criterion whose answer columns changed."""
    return {cid: _answer(current, cid, result.changes) for cid in result.criteria("answer")}


def new_verdicts(current: WorkbookData, result: Preview) -> dict[str, AuditorVerdict | None]:
    """Criterion → its new verdict (None: cleared), for every criterion whose verdict columns changed."""
    return {cid: _verdict(current, cid, result.changes) for cid in result.criteria("verdict")}


def apply_to_assessment(current: WorkbookData, result: Preview, auditor: str, today: dt.date) -> Assessment:
    """The interchange assessment with the workbook's changes made (verdicts signed by ``auditor``)."""
    a = current.assessment
    answers = dict(a.answers)
    for cid, answer in new_answers(current, result).items():
        kept = answers.get(cid)
        answers[cid] = answer.model_copy(update={"evidence": list(kept.evidence) if kept else []})
    verdicts = dict(a.verdicts)
    for cid, verdict in new_verdicts(current, result).items():
        if verdict is None:
            verdicts.pop(cid, None)
        else:
            verdicts[cid] = verdict.model_copy(
                update={"auditor": verdict.auditor or auditor, "date": verdict.date or today}
            )
    return a.model_copy(update={"answers": answers, "verdicts": dict(sorted(verdicts.items()))})


# --- showing the preview -----------------------------------------------------------------------


FIELD_KEYS: Mapping[str, str] = {
    "answer": "excel.col_answer",
    "na_justification": "excel.col_na_justification",
    "comment": "excel.col_comment",
    "owner": "excel.col_owner",
    "verdict": "excel.col_verdict",
    "verdict_comment": "excel.col_verdict_comment",
}


def shown_value(current: WorkbookData, field: str, value: str | None, lang: str) -> str:
    """A change's value as the user saw it in the workbook (labels, not ids)."""
    if value is None or value == "":
        return "(empty)" if lang == "en" else "(vide)"
    if field == "answer":
        if value == NOT_APPLICABLE:
            return translate("excel.not_applicable", lang)
        level = current.referential.scale.level(value)
        return level.label.get(lang) if level else value
    if field == "verdict":
        return translate(f"excel.verdict_{value}", lang)
    return _short(value, 80)


def describe(current: WorkbookData, result: Preview, lang: str = "fr") -> list[str]:
    """One line per change: ``CRITERION  field: old → new``."""
    lines = []
    for change in result.changes:
        label = translate(FIELD_KEYS[change.field], lang)
        old = shown_value(current, change.field, change.old, lang)
        new = shown_value(current, change.field, change.new, lang)
        lines.append(f"{change.criterion}  {label}: {old} → {new}")
    return lines
