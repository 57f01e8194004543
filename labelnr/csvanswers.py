"""Answers from a CSV of ``criterion id, status, justification`` — the form RGESN tools export.

The file may use commas or semicolons (French spreadsheets write semicolons), may start with a
byte-order mark, and may name its columns in French or English. A status is matched against
the referential's scale: an answer id (``validated``), a label in either language
(``Validé``, ``In progress``) or one of the level's ``aliases`` (``Conforme``), ignoring case
and accents; "not applicable" (``Non applicable``, ``N/A``) declares the criterion N/A and
then needs its justification. Every problem of the file is reported at once, with its line.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from labelnr.assessment import Answer, NotApplicable
from labelnr.errors import InvalidFile, Problem
from labelnr.referential import Referential

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
#: Reason code given to N/A declarations that come from a CSV (the justification says why).
CSV_NA_REASON = "declared"

_COLUMNS = {
    "criterion": {"criterion", "criterion id", "id", "critere", "numero", "n°", "no", "number", "critère"},
    "status": {"status", "statut", "etat", "état", "answer", "reponse", "réponse"},
    "justification": {"justification", "comment", "commentaire", "remarks", "remarques"},
}
_NOT_APPLICABLE = {"na", "n/a", "n.a.", "not applicable", "non applicable", "non-applicable", "sans objet"}


def _fold(text: str) -> str:
    """Lower case without accents or surrounding spaces: 'À évaluer ' → 'a evaluer'."""
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@dataclass(frozen=True)
class CsvAnswer:
    criterion_id: str
    answer: Answer
    line: int


def _status_index(ref: Referential) -> dict[str, str]:
    index: dict[str, str] = {}
    for level in ref.scale.levels:
        for name in (level.id, level.label.fr, level.label.en or level.label.fr, *level.aliases):
            index[_fold(name)] = level.id
    return index


def _header(row: list[str]) -> dict[str, int] | None:
    folded = [_fold(cell) for cell in row]
    found: dict[str, int] = {}
    for key, names in _COLUMNS.items():
        wanted = {_fold(n) for n in names}
        for i, cell in enumerate(folded):
            if cell in wanted:
                found[key] = i
                break
    return found if {"criterion", "status"} <= found.keys() else None


def _decode(raw: bytes, file: str) -> str:
    if len(raw) > MAX_BYTES:
        raise InvalidFile.coded(file, "file_too_large", megabytes=MAX_BYTES // (1024 * 1024))
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InvalidFile.coded(file, "csv_not_utf8", line=line) from None


def parse_answers(raw: bytes, file: str, ref: Referential) -> list[CsvAnswer]:
    """The answers of a CSV file, checked against ``ref``; :class:`InvalidFile` lists every problem."""
    text = _decode(raw, file)
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    rows = [r for r in rows if any(cell.strip() for cell in r)] if rows else rows
    if not rows:
        raise InvalidFile.coded(file, "csv_empty", line=1)
    columns = _header(rows[0])
    if columns is None:
        raise InvalidFile.coded(file, "csv_no_header", line=1)
    if len(rows) - 1 > MAX_ROWS:
        raise InvalidFile.coded(file, "csv_too_many_rows", limit=MAX_ROWS)
    statuses = _status_index(ref)
    known = [lv.label.fr for lv in ref.scale.levels]
    problems: list[Problem] = []
    answers: list[CsvAnswer] = []
    seen: dict[str, int] = {}
    line_of = _line_numbers(text, delimiter)
    for n, row in enumerate(rows[1:], start=1):
        line = line_of[n] if n < len(line_of) else None

        def cell(key: str, row: list[str] = row) -> str:
            i = columns.get(key)
            return row[i].strip() if i is not None and i < len(row) else ""

        cid, status, why = cell("criterion"), cell("status"), cell("justification")
        crit = ref.criteria_by_id.get(cid)
        if crit is None:
            problems.append(Problem.of(file, line, "unknown_criterion_in", cid or None, id=cid, ref=ref.key))
            continue
        if cid in seen:
            problems.append(Problem.of(file, line, "csv_answered_twice", cid, first=seen[cid]))
            continue
        seen[cid] = line or 0
        if _fold(status) in _NOT_APPLICABLE:
            if not crit.not_applicable.allowed:
                problems.append(Problem.of(file, line, "na_not_allowed_here", cid))
            elif not why:
                problems.append(Problem.of(file, line, "na_needs_justification_here", cid))
            else:
                na = NotApplicable(reason=CSV_NA_REASON, justification=why[:4000])
                answers.append(CsvAnswer(cid, Answer(not_applicable=na), line or 0))
            continue
        level = statuses.get(_fold(status))
        if level is None:
            problems.append(Problem.of(file, line, "csv_unknown_status", cid, status=status, known=known))
            continue
        answers.append(CsvAnswer(cid, Answer(level=level, comment=why[:8000] or None), line or 0))
    if problems:
        raise InvalidFile(problems)
    return answers


def _line_numbers(text: str, delimiter: str) -> list[int]:
    """The line (1-based) each non-blank CSV record starts on (quoted cells may span lines)."""
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    starts: list[int] = []
    previous_end = 0
    for row in reader:
        start = previous_end + 1
        previous_end = reader.line_num
        if any(cell.strip() for cell in row):
            starts.append(start)
    return starts


def read_answers(path: Path, ref: Referential) -> list[CsvAnswer]:
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise InvalidFile.coded(path, "cannot_read", reason=exc.strerror) from None
    return parse_answers(raw, str(path), ref)
