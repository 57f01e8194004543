"""Helpers of the Excel workbook tests: campaigns on the tiny referential, editing a workbook."""

from __future__ import annotations

import datetime as dt
import functools
import io
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.utils import get_column_letter

from labelnr.assessment import (
    Answer,
    Assessment,
    AuditorVerdict,
    Campaign,
    Commitment,
    Entity,
    EvidenceRef,
    NotApplicable,
    Party,
    Period,
    RefPin,
)
from labelnr.excel.export import theme_columns, workbook_bytes
from labelnr.excel.from_file import workbook_data
from labelnr.excel.model import WorkbookData
from labelnr.loader import LoadedReferential, load_referential
from labelnr.referential import Referential

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
EXPORTED_AT = dt.datetime(2025, 3, 1, 9, 30, tzinfo=dt.UTC)


def mini_assessment(**changes: Any) -> Assessment:
    base = Assessment(
        referential=RefPin(id="mini", version="1"),
        organisation=Party(id="acme", name="ACME"),
        entity=Entity(id="dsi", name="DSI"),
        campaign=Campaign(period=Period.BASELINE, date=dt.date(2025, 2, 1), name="Diagnostic"),
        answers={
            "A-1": Answer(
                level="partial",
                comment="Politique en cours",
                owner="Alice",
                evidence=[
                    EvidenceRef(
                        type="documentation",
                        title="Politique",
                        url="https://example.org/politique.pdf",
                        effective_date=dt.date(2025, 1, 10),
                    )
                ],
            ),
            "A-2": Answer(not_applicable=NotApplicable(reason="no-dc", justification="Pas de salle serveur")),
            "B-1": Answer(level="none"),
        },
        verdicts={
            "A-1": AuditorVerdict(
                verdict="partial", comment="À compléter", auditor="Bob", date=dt.date(2025, 2, 20)
            )
        },
        commitments=[
            Commitment(
                title="Signer la politique",
                criterion="A-1",
                target_level="full",
                target_year=1,
                owner="Alice",
                due=dt.date(2026, 1, 31),
            )
        ],
        targets={"A-1": {1: "full"}, "B-1": {2: "partial"}},
    )
    return base.model_copy(update=changes)


def column(key: str, ref: Referential | None = None) -> str:
    """The letter of a criteria sheet's column (of the tiny referential unless ``ref`` is given)."""
    columns = theme_columns(ref or load_referential(FIXTURES / "mini.yaml").referential)
    return get_column_letter(columns.index(key) + 1)


def open_book(content: bytes, **options: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return openpyxl.load_workbook(io.BytesIO(content), **options)


class Text(str):
    """A value typed as text (openpyxl would otherwise store a leading '=' as a formula)."""

    __slots__ = ()


def edit(content: bytes, cells: Mapping[tuple[str, str], Any]) -> bytes:
    """The workbook with cells changed as a user would in a spreadsheet program."""
    book = open_book(content)
    for (sheet, ref), value in cells.items():
        cell = book[sheet][ref]
        cell.value = value
        if isinstance(value, Text):
            cell.data_type = "s"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@functools.lru_cache(maxsize=64)
def _rows(content: bytes, sheet: str) -> dict[str, int]:
    book = open_book(content, read_only=True)
    try:
        return {
            str(row[0]): index
            for index, row in enumerate(book[sheet].iter_rows(values_only=True), start=1)
            if row and row[0]
        }
    finally:
        book.close()


def row_of(content: bytes, sheet: str, criterion: str) -> int:
    rows = _rows(content, sheet)
    assert criterion in rows, f"{criterion} not in {sheet}"
    return rows[criterion]


def exported(data: WorkbookData) -> bytes:
    return workbook_bytes(data)


def make_data(loaded: LoadedReferential, assessment: Assessment | None = None, **fields: Any) -> WorkbookData:
    """The workbook data of a campaign on the tiny referential (as exported from a YAML file)."""
    import dataclasses

    data = workbook_data(
        assessment or mini_assessment(),
        loaded,
        campaign_id="mini-baseline.yaml",
        exported_by="tester@example.org",
        exported_at=EXPORTED_AT,
        lang=fields.pop("lang", "fr"),
    )
    return dataclasses.replace(data, **fields) if fields else data
