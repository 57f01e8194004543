"""Cells of the evidence workbook: XlsxWriter formats, safe text (no formula from user text),
links only to checked addresses, sheet names Excel accepts, protected sheets and tables."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

from labelnr.excel.model import EvidenceEntry

#: First characters that make a spreadsheet read text as a formula (or a DDE call).
DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_DANGEROUS_FIRST = frozenset(DANGEROUS_PREFIXES)

_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\\x00-\x1f]")
_LINKABLE = re.compile(r"^https?://[^\s\"<>]+$", re.IGNORECASE)
_MAX_URL = 2079  # Excel's limit on a hyperlink's address
_MAX_CELL = 32767  # Excel's limit on a cell's text
#: Day 0 of Excel's (1900) date system, as its serial numbers count (valid after 1900-03-01).
_EPOCH = dt.datetime(1899, 12, 30)


def is_dangerous(text: str) -> bool:
    return text.startswith(DANGEROUS_PREFIXES)


def sheet_name(wanted: str, taken: set[str]) -> str:
    """A valid, unique (case-insensitive) sheet name close to ``wanted``."""
    base = _SHEET_NAME_BAD.sub("-", wanted).strip().strip("'")[:31].strip() or "Sheet"
    name, n = base, 1
    while name.casefold() in taken:
        n += 1
        suffix = f" ({n})"
        name = base[: 31 - len(suffix)] + suffix
    taken.add(name.casefold())
    return name


def _quoted(sheet: str) -> str:
    """A sheet name as a cell reference writes it: in quotes, with its own quotes doubled."""
    return "'" + sheet.replace("'", "''") + "'"


def _link_target(entry: EvidenceEntry) -> str | None:
    """Where an evidence's hyperlink may point: a web address, or the pack's relative file path."""
    if entry.url is not None:
        ok = len(entry.url) <= _MAX_URL and _LINKABLE.match(entry.url) and "#" not in entry.url[:8]
        return entry.url if ok else None
    path = entry.pack_path
    if path is None or "#" in path or len(path) > 255:
        return None
    return "external:" + path


class _Writer:
    """Formats and safe writes for one workbook."""

    def __init__(self, book: Any) -> None:
        self.book = book
        self._formats: dict[tuple[str, bool, bool], Any] = {}

    def fmt(self, kind: str, editable: bool = False, quote: bool = False) -> Any:
        key = (kind, editable, quote)
        if key not in self._formats:
            props: dict[str, Any] = {"valign": "top", "locked": not editable}
            if kind in ("text", "link"):
                props["text_wrap"] = True
            if kind == "link":
                props.update(font_color="#0563C1", underline=1)
            elif kind == "header":
                props.update(bold=True, text_wrap=True, bg_color="#DDE5F0", border=1)
            elif kind == "title":
                props.update(bold=True, font_size=14)
            elif kind == "bold":
                props.update(bold=True)
            elif kind == "number":
                props["num_format"] = "0.0"
            elif kind == "integer":
                props["num_format"] = "0"
            elif kind == "percent":
                props["num_format"] = "0.0"
            elif kind == "date":
                props["num_format"] = "yyyy-mm-dd"
            elif kind == "datetime":
                props["num_format"] = "yyyy-mm-dd hh:mm:ss"
            if editable:
                props["bg_color"] = "#FFF2CC"
            if quote:
                props["quote_prefix"] = True
            self._formats[key] = self.book.add_format(props)
        return self._formats[key]

    def text(
        self, ws: Any, row: int, col: int, value: str | None, kind: str = "text", editable: bool = False
    ) -> None:
        """User or referential text, always as an inert string (never a formula).

        An empty cell is written only when it is editable (it carries the unlocked format).
        """
        if not value:
            if editable:
                ws.write_blank(row, col, None, self.fmt(kind, editable))
            return
        if len(value) > _MAX_CELL:
            value = value[:_MAX_CELL]
        quote = value[0] in _DANGEROUS_FIRST
        fmt = self._formats.get((kind, editable, quote)) or self.fmt(kind, editable, quote)
        ws.write_string(row, col, value, fmt)

    def number(self, ws: Any, row: int, col: int, value: float | None, kind: str = "number") -> None:
        if value is not None:
            ws.write_number(row, col, round(value, 4), self.fmt(kind))

    def date(self, ws: Any, row: int, col: int, value: dt.date | None) -> None:
        """A date or a (naive UTC) date and time, as Excel's serial number with a date format."""
        if value is None:
            return
        if isinstance(value, dt.datetime):
            delta = value.replace(tzinfo=None) - _EPOCH
            serial = delta.days + delta.seconds / 86400
            ws.write_number(row, col, serial, self.fmt("datetime"))
        else:
            ws.write_number(row, col, (value - _EPOCH.date()).days, self.fmt("date"))

    def link(self, ws: Any, row: int, col: int, target: str | None, label: str) -> None:
        """A hyperlink whose label is inert text; plain text when the target is not linkable."""
        if target is None:
            self.text(ws, row, col, label)
            return
        label = label[:_MAX_CELL] or target
        ws.write_url(row, col, target, self.fmt("link", quote=is_dangerous(label)), string=label)

    def header(self, ws: Any, row: int, labels: Sequence[str]) -> None:
        for col, label in enumerate(labels):
            ws.write_string(row, col, label, self.fmt("header"))


def _protect(ws: Any, table: bool = True) -> None:
    """Protection against accidental edits, without a password; filters and widths stay usable.

    Also the print layout: one page wide, and for tables landscape with the header row on
    every page.
    """
    ws.protect("", {"autofilter": True, "sort": True, "format_columns": True, "format_rows": True})
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    if table:
        ws.set_landscape()
        ws.repeat_rows(0)
        ws.set_row(0, 45)  # room for the wrapped headers


def _table(w: _Writer, ws: Any, name: str, last_row: int, headers: Sequence[str]) -> None:
    """Header row, and an Excel table (with its filter buttons) over rows 0..last_row."""
    if last_row < 1:  # a table needs a data row: a filtered header alone
        w.header(ws, 0, headers)
        ws.autofilter(0, 0, 0, len(headers) - 1)
        return
    ws.add_table(
        0,
        0,
        last_row,
        len(headers) - 1,
        {
            "name": name,
            "style": "Table Style Light 1",
            "columns": [{"header": h, "header_format": w.fmt("header")} for h in headers],
            "autofilter": True,
        },
    )
