"""The hidden sheet: what a re-import needs to know about the export it reads.

It holds, as rows of plain text: the campaign and referential the workbook belongs to,
the campaign revision it was exported at, which sheet shows which theme and in which
column order, and for every criterion the revisions and the values of its editable
fields as exported. A re-import compares the visible cells with these values to find
what the auditor changed, and the revisions with the database's to find conflicts.
A SHA-256 over all of it (the *checksum* shown on the Summary sheet) tells whether the
hidden sheet was edited.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from labelnr.errors import message
from labelnr.excel.model import EDITABLE_FIELDS, FORMAT, WorkbookData, row_values

#: Names of the hidden sheets (never translated: the re-import looks them up).
META_SHEET = "labelnr"
LISTS_SHEET = "lists"

Record = tuple[str, ...]


def text_of(value: object) -> str:
    """A record cell's text, as the hidden sheet stores it (empty for nothing)."""
    if value is None:
        return ""
    return str(value)


#: Excel's escape of a control character (``_x000D_`` is a carriage return).
_ESCAPED = re.compile(r"_x(00[01][0-9A-Fa-f])_")


def unescape(text: str) -> str:
    """Undo Excel's ``_xHHHH_`` escapes of control characters.

    openpyxl leaves them in place, and drops the escape of a literal ``_xHHHH_`` typed by a
    user, so the two cannot be told apart once read: both count as the control character.
    """
    return _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text


def canonical(value: str) -> str:
    """A value as compared after a round trip: escapes undone, line ends as one '\n' each
    (spreadsheet programs may rewrite them on save)."""
    return unescape(value).replace("\r\n", "\n").replace("\r", "\n")


def checksum(records: Iterable[Sequence[str]]) -> str:
    """SHA-256 of the records, independent of trailing empty cells and line-end style."""
    rows = []
    for record in records:
        cells = [canonical(c) for c in record]
        while cells and cells[-1] == "":
            cells.pop()
        rows.append(cells)
    payload = json.dumps(rows, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class SheetLayout:
    """One criteria sheet: its name, its theme and its columns' keys in order."""

    name: str
    theme: str
    columns: tuple[str, ...]


@dataclass(frozen=True)
class ExportedRow:
    """A criterion's editable fields and revisions as they stood at export."""

    criterion: str
    answer_revision: int
    verdict_revision: int
    values: dict[str, str | None]
    #: Not applicable by the profile or a question: nobody can answer it.
    forced_na: bool = False


@dataclass(frozen=True)
class Meta:
    """The content of the hidden sheet."""

    values: dict[str, str]
    sheets: tuple[SheetLayout, ...]
    rows: dict[str, ExportedRow]
    checksum: str

    def get(self, key: str) -> str:
        return self.values.get(key, "")


META_KEYS: tuple[str, ...] = (
    "source",
    "campaign_id",
    "organisation_id",
    "entity_id",
    "period",
    "campaign_date",
    "status",
    "referential_id",
    "referential_version",
    "referential_sha256",
    "profile",
    "campaign_revision",
    "exported_at",
    "exported_by",
    "app_version",
    "lang",
    "as_of",
)


def meta_values(data: WorkbookData) -> dict[str, str]:
    a = data.assessment
    return {
        "source": data.source,
        "campaign_id": data.campaign_id,
        "organisation_id": a.organisation.id,
        "entity_id": a.entity.id,
        "period": a.campaign.period.value,
        "campaign_date": a.campaign.date.isoformat(),
        "status": data.status,
        "referential_id": data.referential.id,
        "referential_version": data.referential.version,
        "referential_sha256": data.referential_sha256,
        "profile": a.profile or "",
        "campaign_revision": str(data.campaign_revision),
        "exported_at": data.exported_at.isoformat(timespec="seconds"),
        "exported_by": data.exported_by,
        "app_version": data.app_version,
        "lang": data.lang,
        "as_of": data.as_of.isoformat() if data.as_of else "",
    }


def build_records(data: WorkbookData, sheets: Sequence[SheetLayout]) -> list[Record]:
    """Every record of the hidden sheet but the checksum, in a stable order."""
    records: list[Record] = [("format", FORMAT)]
    records.extend(("meta", key, value) for key, value in meta_values(data).items())
    for sheet in sheets:
        records.append(("sheet", sheet.theme, sheet.name, *sheet.columns))
    forced = data.forced_na
    for crit in data.criteria:
        rev = data.revision(crit.id)
        values = row_values(data, crit.id)
        records.append(
            (
                "row",
                crit.id,
                str(rev.answer.number),
                str(rev.verdict.number),
                "1" if crit.id in forced else "",
                *(text_of(values[f]) for f in EDITABLE_FIELDS),
            )
        )
    return records


def with_checksum(records: list[Record]) -> tuple[list[Record], str]:
    digest = checksum(records)
    return [*records, ("checksum", digest)], digest


class MetaError(ValueError):
    """The hidden sheet is missing, malformed or altered (the message says which)."""

    def __init__(self, code: str, /, **params: Any) -> None:
        self.code, self.params = code, params
        super().__init__(message(code, params, None))


def parse_records(records: Sequence[Sequence[str]]) -> Meta:
    """Read the hidden sheet back; raises :class:`MetaError` when it is not one we wrote."""
    if not records or list(records[0][:2]) != ["format", FORMAT]:
        found = records[0][1] if records and len(records[0]) > 1 else "nothing"
        raise MetaError("xlsx_format", found=repr(found), expected=repr(FORMAT))
    body = [tuple(r) for r in records if r and r[0] != "checksum"]
    stated = [r for r in records if r and r[0] == "checksum"]
    if len(stated) != 1 or len(stated[0]) < 2:
        raise MetaError("xlsx_no_checksum")
    digest = stated[0][1]
    if checksum(body) != digest:
        raise MetaError("xlsx_modified")
    values: dict[str, str] = {}
    sheets: list[SheetLayout] = []
    rows: dict[str, ExportedRow] = {}
    width = len(EDITABLE_FIELDS)
    for record in body[1:]:
        cells = list(record) + [""] * (5 + width)
        kind = cells[0]
        if kind == "meta":
            values[cells[1]] = cells[2]
        elif kind == "sheet":
            columns = tuple(c for c in record[3:] if c)
            sheets.append(SheetLayout(cells[2], cells[1], columns))
        elif kind == "row":
            try:
                answer_rev, verdict_rev = int(cells[2] or 0), int(cells[3] or 0)
            except ValueError:
                raise MetaError("xlsx_bad_revision", criterion=cells[1]) from None
            fields = {name: (cells[5 + i] or None) for i, name in enumerate(EDITABLE_FIELDS)}
            rows[cells[1]] = ExportedRow(cells[1], answer_rev, verdict_rev, fields, cells[4] == "1")
        else:
            raise MetaError("xlsx_unknown_record", kind=repr(kind))
    return Meta(values, tuple(sheets), rows, digest)
