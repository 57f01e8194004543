"""Fixtures of the dossier tests: the demo campaign, compiled once per language."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from labelnr.excel.from_file import from_path
from labelnr.excel.model import WorkbookData
from labelnr.loader import Catalog, load_catalog
from labelnr.report import campaign_pdf

ROOT = Path(__file__).resolve().parents[2]
#: The 61-criterion demo campaign.
DEMO = ROOT / "audits" / "clairconseil-baseline.yaml"
AT = dt.datetime(2026, 1, 15, 9, 30, tzinfo=dt.UTC)


def squeeze(text: str) -> str:
    """Text with no whitespace nor zero-width spaces: line wrapping cannot hide a match."""
    return re.sub(r"[\s\u200b]+", "", text)


#: The running footer ("<title> Page 3 / 18"), which cuts through text that spans two pages.
FOOTER = re.compile(r"^.*Page \d+ / \d+$", re.MULTILINE)


def pdf_text(pdf: bytes) -> str:
    text = "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)
    return FOOTER.sub("", text)


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    found = load_catalog([ROOT / "criteria"])
    assert not found.problems
    return found


def demo_data(catalog: Catalog, lang: str) -> WorkbookData:
    return from_path(DEMO, catalog, "comite@example.org", "en" if lang == "en" else "fr", exported_at=AT)


@pytest.fixture(scope="session", params=["fr", "en"])
def demo(request: pytest.FixtureRequest, catalog: Catalog) -> tuple[WorkbookData, bytes]:
    data = demo_data(catalog, request.param)
    return data, campaign_pdf(data)
