"""Hostile workbooks are refused before any XML parser reads them, with bounded memory."""

from __future__ import annotations

import io
import os
import struct
import tracemalloc
import zipfile
import zlib
from collections.abc import Callable

import pytest
from excel_helpers import exported, make_data

from labelnr.errors import InvalidFile
from labelnr.excel.reimport import read_workbook
from labelnr.excel.safety import Limits, check_xlsx
from labelnr.loader import LoadedReferential

GIB = 1 << 30


@pytest.fixture(scope="module")
def zeros_gib() -> tuple[bytes, int]:
    """1 GiB of zeros, deflated (about 1 MB), and its CRC.

    A full flush after a chunk makes the next chunk compress independently, so the
    deflated stream is one chunk's output repeated: built in a fraction of a second.
    """
    chunk = bytes(1 << 20)
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = packer.compress(chunk) + packer.flush(zlib.Z_FULL_FLUSH)
    count = GIB // len(chunk)
    crc = 0
    for _ in range(count):
        crc = zlib.crc32(chunk, crc)
    stream = block * count + packer.flush()
    assert zlib.decompressobj(-15).decompress(stream[: 2 * len(block)]) == bytes(2 << 20)
    return stream, crc


def raw_zip(entries: list[tuple[str, bytes, int, int]]) -> bytes:
    """A zip written by hand: (name, deflated data, crc, *declared* inflated size) per entry."""
    out = io.BytesIO()
    central = []
    for name, data, crc, declared in entries:
        offset = out.tell()
        encoded = name.encode()
        out.write(
            struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, len(data), declared, len(encoded), 0)
            + encoded
            + data
        )
        central.append(
            struct.pack(
                "<IHHHHHHIIIHHHHHII",
                0x02014B50,
                20,
                20,
                0,
                8,
                0,
                0,
                crc,
                len(data),
                declared,
                len(encoded),
                0,
                0,
                0,
                0,
                0,
                offset,
            )
            + encoded
        )
    start = out.tell()
    directory = b"".join(central)
    out.write(directory)
    out.write(
        struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(directory), start, 0)
    )
    return out.getvalue()


def _deflate(data: bytes) -> tuple[bytes, int]:
    packer = zlib.compressobj(6, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush(), zlib.crc32(data)


def _skeleton(extra: list[tuple[str, bytes, int, int]]) -> bytes:
    """The two parts every workbook has, plus ``extra``."""
    entries = []
    for name, text in (("[Content_Types].xml", b"<Types/>"), ("xl/workbook.xml", b"<workbook/>")):
        data, crc = _deflate(text)
        entries.append((name, data, crc, len(text)))
    return raw_zip(entries + extra)


def _refused(content: bytes, *words: str, limits: Limits | None = None) -> str:
    with pytest.raises(InvalidFile) as caught:
        check_xlsx(io.BytesIO(content), "hostile.xlsx", limits or Limits())
    message = str(caught.value)
    assert message.startswith("hostile.xlsx: "), message
    for word in words:
        assert word in message, message
    return message


def _peak(action: Callable[[], object]) -> int:
    tracemalloc.start()
    try:
        with pytest.raises(InvalidFile):
            action()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _rezip(content: bytes, replace: dict[str, bytes | None], add: dict[str, bytes] | None = None) -> bytes:
    """A copy of a workbook with parts replaced, removed (None) or added."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename in replace:
                if replace[info.filename] is not None:
                    dst.writestr(info.filename, replace[info.filename] or b"")
                continue
            dst.writestr(info, src.read(info))
        for name, data in (add or {}).items():
            dst.writestr(name, data)
    return out.getvalue()


@pytest.fixture(scope="module")
def good(mini: LoadedReferential) -> bytes:
    return exported(make_data(mini))


def test_a_real_workbook_passes(good: bytes) -> None:
    check_xlsx(io.BytesIO(good), "ok.xlsx")


def test_zip_bomb_is_refused_from_its_directory(zeros_gib: tuple[bytes, int]) -> None:
    data, crc = zeros_gib
    bomb = _skeleton([("xl/worksheets/sheet1.xml", data, crc, GIB)])
    assert len(bomb) < 2 * 1024 * 1024
    assert _peak(lambda: check_xlsx(io.BytesIO(bomb), "bomb.xlsx")) < 16 * 1024 * 1024
    _refused(bomb, "xl/worksheets/sheet1.xml", "zip bomb")


def test_zip_bomb_lying_about_its_size_is_never_inflated_past_what_it_declares(
    zeros_gib: tuple[bytes, int],
) -> None:
    data, crc = zeros_gib
    liar = _skeleton([("xl/worksheets/sheet1.xml", data, crc, 10_000)])
    assert _peak(lambda: check_xlsx(io.BytesIO(liar), "liar.xlsx")) < 16 * 1024 * 1024
    _refused(liar, "damaged or truncated")


def test_suspicious_compression_ratio_is_refused() -> None:
    size = 64 * 1024 * 1024
    data, crc = _deflate(bytes(size))
    _refused(_skeleton([("xl/sharedStrings.xml", data, crc, size)]), "compressed", "zip bomb")


def test_too_much_in_total_is_refused() -> None:
    text = os.urandom(1 << 20).hex().encode()  # 2 MB that do not compress much
    data, crc = _deflate(text)
    parts = [(f"xl/media/image{i}.xml", data, crc, len(text)) for i in range(6)]
    _refused(_skeleton(parts), "more than", limits=Limits(max_total_bytes=10 * 1024 * 1024))


def test_too_many_entries_is_refused() -> None:
    data, crc = _deflate(b"<x/>")
    parts = [(f"xl/x{i}.xml", data, crc, 4) for i in range(20)]
    _refused(_skeleton(parts), "22 parts", limits=Limits(max_entries=10))


def test_entity_bomb_is_refused(good: bytes) -> None:
    laughs = (
        b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
        + b"".join(
            f' <!ENTITY lol{i} "{"&lol" + str(i - 1) + ";" if i > 1 else "&lol;"}'.encode()
            + b"&lol;" * 9
            + b'">\n'
            for i in range(1, 10)
        )
        + b']>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row>'
        b"</sheetData></worksheet>"
    )
    bomb = _rezip(good, {"xl/worksheets/sheet3.xml": laughs})
    _refused(bomb, "xl/worksheets/sheet3.xml", "DOCTYPE or ENTITY")
    with pytest.raises(InvalidFile, match="DOCTYPE or ENTITY"):
        read_workbook(io.BytesIO(bomb), "bomb.xlsx")


def test_external_entity_in_shared_strings_is_refused(good: bytes) -> None:
    xxe = (
        b'<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&x;</t></si></sst>'
    )
    _refused(_rezip(good, {"xl/sharedStrings.xml": xxe}), "DOCTYPE or ENTITY")


def test_macros_are_refused(good: bytes) -> None:
    _refused(_rezip(good, {}, {"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0 fake"}), "macros", "vbaProject.bin")
    with zipfile.ZipFile(io.BytesIO(good)) as archive:
        types = archive.read("[Content_Types].xml")
    macro_types = types.replace(b"spreadsheetml.sheet.main+xml", b"ms-excel.sheet.macroEnabled.main+xml")
    assert macro_types != types
    _refused(_rezip(good, {"[Content_Types].xml": macro_types}), "macro-enabled")


def test_external_links_and_connections_are_refused(good: bytes) -> None:
    link = b'<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>'
    _refused(_rezip(good, {}, {"xl/externalLinks/externalLink1.xml": link}), "external workbooks")
    _refused(_rezip(good, {}, {"xl/connections.xml": b"<connections/>"}), "data connections")
    _refused(_rezip(good, {}, {"xl/activeX/activeX1.xml": b"<x/>"}), "ActiveX")


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"PK" + os.urandom(4000), id="random bytes after a zip signature"),
        pytest.param(b"\x00" + os.urandom(4000), id="random bytes"),
        pytest.param(b"id;verdict\nA-1;conform\n", id="a CSV"),
        pytest.param(b"", id="empty"),
    ],
)
def test_not_a_zip_is_refused(content: bytes) -> None:
    _refused(content, "not")


def test_truncated_workbook_is_refused(good: bytes) -> None:
    _refused(good[: len(good) // 2], "damaged or truncated")
    with pytest.raises(InvalidFile, match="damaged or truncated"):
        read_workbook(io.BytesIO(good[:-200]), "cut.xlsx")


def test_corrupted_part_is_refused(good: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(good)) as archive:
        info = archive.getinfo("xl/worksheets/sheet3.xml")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra) + 10
    damaged = bytearray(good)
    for i in range(start, start + 8):
        damaged[i] ^= 0xFF
    _refused(bytes(damaged), "sheet3.xml", "damaged")


def test_a_zip_that_is_not_a_workbook_is_refused() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("document.txt", "hello")
    _refused(out.getvalue(), "[Content_Types].xml", "missing")


def test_an_xlsx_without_our_hidden_sheet_is_refused() -> None:
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    book.add_worksheet("Sheet1").write_string(0, 0, "hello")
    book.close()
    with pytest.raises(InvalidFile, match="not a Label NR evidence workbook"):
        read_workbook(io.BytesIO(out.getvalue()), "other.xlsx")


def test_an_oversized_file_is_refused_before_reading(good: bytes) -> None:
    _refused(good, "bytes", limits=Limits(max_file_bytes=1000))
