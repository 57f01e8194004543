"""Inspect an uploaded .xlsx before any XML parser touches it.

An .xlsx is a zip of XML parts. A hostile one can be a zip bomb (a small file that inflates
to gigabytes), an XML entity bomb ("billion laughs"), carry macros or links to other
workbooks, or not be a zip at all. :func:`check_xlsx` looks at the zip's directory, then
streams every part through a bounded inflater (never more bytes than the part declares,
never more than the limits below, in total) and refuses, with a plain message and before
anything is parsed:

- a file that is not a zip, is damaged or truncated (bad directory or checksum);
- too many entries, too much inflated data in total or in one part, a suspicious
  compression ratio;
- macros (``vbaProject.bin``, macro-enabled content types), ActiveX controls, links to
  external workbooks (``externalLinks/``) and data connections;
- a ``DOCTYPE`` or ``ENTITY`` declaration in any XML part (no workbook needs one; they are
  how entity bombs and external-entity attacks work).

openpyxl then reads the file with defusedxml installed, which refuses the same things a
second time.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from labelnr.errors import InvalidFile
from labelnr.i18n import Term

_CHUNK = 64 * 1024


@dataclass(frozen=True)
class Limits:
    #: Size of the .xlsx file itself.
    max_file_bytes: int = 50 * 1024 * 1024
    max_entries: int = 1000
    #: Inflated size of all parts together, and of any single part.
    max_total_bytes: int = 256 * 1024 * 1024
    max_entry_bytes: int = 128 * 1024 * 1024
    #: Inflated ÷ compressed, for parts larger than ``ratio_floor`` once inflated.
    max_ratio: float = 200.0
    ratio_floor: int = 1024 * 1024


DEFAULT_LIMITS = Limits()

_MACRO_PARTS = re.compile(r"(^|/)(vbaProject\.bin|vbaProjectSignature\.bin|vbaData\.xml)$", re.IGNORECASE)
_FORBIDDEN_FOLDERS: tuple[tuple[str, str], ...] = (
    ("xl/externallinks/", "links to external workbooks"),
    ("xl/activex/", "ActiveX controls"),
    ("xl/macrosheets/", "Excel 4 macro sheets"),
    ("xl/dialogsheets/", "dialog sheets"),
)
_FORBIDDEN_FILES: dict[str, str] = {
    "xl/connections.xml": "data connections to external sources",
}
_MACRO_TYPES = re.compile(
    rb"macroEnabled|vbaProject|ms-office\.activeX|ms-excel\.controlproperties", re.IGNORECASE
)
_DECLARATION = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
#: A declaration split across two chunks is found in the overlap kept from the previous one.
_OVERLAP = 32


def _refuse(source: str, code: str, /, **params: Any) -> InvalidFile:
    return InvalidFile.coded(source, code, **params)


def check_xlsx(stream: IO[bytes], source: str = "<workbook>", limits: Limits = DEFAULT_LIMITS) -> None:
    """Raise :class:`InvalidFile` unless ``stream`` is a zip a spreadsheet reader may safely parse.

    ``stream`` must be seekable; it is left at an undefined position.
    """
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(0)
    if size > limits.max_file_bytes:
        raise _refuse(source, "xlsx_file_size", size=size, limit=limits.max_file_bytes)
    head = stream.read(4)
    stream.seek(0)
    if head[:2] != b"PK":
        raise _refuse(source, "xlsx_not_zip")
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _refuse(source, "xlsx_damaged", reason=str(exc)) from None
    with archive:
        _check_directory(archive, source, limits)
        _check_content(archive, source, limits)


def check_path(path: Path, limits: Limits = DEFAULT_LIMITS) -> None:
    with path.open("rb") as handle:
        check_xlsx(handle, str(path), limits)


def _check_directory(archive: zipfile.ZipFile, source: str, limits: Limits) -> None:
    infos = archive.infolist()
    if len(infos) > limits.max_entries:
        raise _refuse(source, "xlsx_parts", parts=len(infos), limit=limits.max_entries)
    names = {i.filename for i in infos}
    for required in ("[Content_Types].xml", "xl/workbook.xml"):
        if required not in names:
            raise _refuse(source, "xlsx_part_missing", part=required)
    total = 0
    for info in infos:
        name = info.filename
        lower = name.lower()
        if info.flag_bits & 0x1:
            raise _refuse(source, "xlsx_encrypted", part=name)
        if _MACRO_PARTS.search(name):
            raise _refuse(source, "xlsx_macros", part=name)
        for folder, what in _FORBIDDEN_FOLDERS:
            if lower.startswith(folder):
                raise _refuse(source, "xlsx_forbidden", what=Term("errors.forbidden", what), part=name)
        if lower in _FORBIDDEN_FILES:
            what = _FORBIDDEN_FILES[lower]
            raise _refuse(source, "xlsx_forbidden_file", what=Term("errors.forbidden", what), part=name)
        if info.file_size > limits.max_entry_bytes:
            raise _refuse(source, "xlsx_part_size", part=name, size=info.file_size,
                          limit=limits.max_entry_bytes)
        if info.file_size > limits.ratio_floor:
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > limits.max_ratio:
                raise _refuse(source, "xlsx_ratio", part=name, ratio=round(ratio),
                              limit=round(limits.max_ratio))
        total += info.file_size
        if total > limits.max_total_bytes:
            raise _refuse(source, "xlsx_total_size", limit=limits.max_total_bytes)


def _check_content(archive: zipfile.ZipFile, source: str, limits: Limits) -> None:
    """Inflate every part, bounded, checking CRCs and looking for DTD declarations in XML."""
    total = 0
    for info in archive.infolist():
        if info.is_dir():
            continue
        is_xml = info.filename.lower().endswith((".xml", ".rels", ".vml"))
        tail = b""
        read = 0
        try:
            with archive.open(info) as part:
                while chunk := part.read(_CHUNK):
                    read += len(chunk)
                    total += len(chunk)
                    if read > info.file_size or total > limits.max_total_bytes:
                        raise _refuse(source, "xlsx_inflates_more", part=info.filename)
                    if is_xml:
                        window = tail + chunk
                        if _DECLARATION.search(window):
                            raise _refuse(source, "xlsx_doctype", part=info.filename)
                        if info.filename == "[Content_Types].xml" and _MACRO_TYPES.search(window):
                            raise _refuse(source, "xlsx_macro_types")
                        tail = window[-_OVERLAP:]
        except InvalidFile:
            raise
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, NotImplementedError) as exc:
            raise _refuse(source, "xlsx_part_damaged", part=info.filename, reason=str(exc)) from None
