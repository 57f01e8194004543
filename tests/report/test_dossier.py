"""The committee's dossier: every criterion, justification and commitment is in the PDF's text,
in French and in English; the document language and the bookmarks are set; user text is text."""

from __future__ import annotations

import dataclasses
import io
import json
import re
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from labelnr.assessment import Answer, NotApplicable
from labelnr.cli import main
from labelnr.excel.export import workbook_bytes
from labelnr.excel.model import WorkbookData, row_values
from labelnr.excel.pack import write_pack
from labelnr.loader import Catalog
from labelnr.report import campaign_pdf, file_name
from labelnr.report.data import pack_index
from tests.report.conftest import DEMO, ROOT, demo_data, pdf_text, squeeze


def _bookmarks(reader: PdfReader) -> list[str]:
    titles: list[str] = []

    def walk(items: Sequence[object]) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                titles.append(str(item.title))  # type: ignore[attr-defined]

    walk(reader.outline)
    return titles


def _justifications(data: WorkbookData) -> list[str]:
    """Every N/A justification (declared, or the profile's and questions' reasons) and comment."""
    rows = [row_values(data, c.id) for c in data.criteria]
    texts = [r[f] for r in rows for f in ("na_justification", "comment", "verdict_comment") if r[f]]
    assert any(r["na_justification"] for r in rows), "the demo campaign should hold N/A justifications"
    return [t for t in texts if t is not None]


def test_every_criterion_justification_and_commitment_is_in_the_text(
    demo: tuple[WorkbookData, bytes],
) -> None:
    data, pdf = demo
    text = squeeze(pdf_text(pdf))
    assert len(data.criteria) == 61
    missing = [c.id for c in data.criteria if squeeze(c.title.get(data.lang)) not in text or c.id not in text]
    assert missing == []
    for justification in _justifications(data):
        assert squeeze(justification) in text
    assert data.commitments
    for commitment in data.commitments:
        assert squeeze(commitment.title) in text
    for entry in data.evidence:
        assert squeeze(entry.title) in text


def test_the_document_language_title_and_theme_bookmarks_are_set(demo: tuple[WorkbookData, bytes]) -> None:
    data, pdf = demo
    reader = PdfReader(io.BytesIO(pdf))
    root: Any = reader.trailer["/Root"]
    assert root["/Lang"] == data.lang
    assert "/StructTreeRoot" in root, "the PDF is tagged"
    assert b"<pdfuaid:part>1</pdfuaid:part>" in pdf, "the PDF declares PDF/UA-1"
    assert reader.metadata is not None
    assert data.assessment.entity.name in str(reader.metadata.title)
    bookmarks = " | ".join(_bookmarks(reader))
    for theme in data.referential.themes:
        assert theme.name.get(data.lang) in bookmarks


def test_words_and_numbers_follow_the_language(catalog: Catalog) -> None:
    # Babel's French grouping and percent spaces are narrow no-break spaces.
    fr = re.sub(r"[\u202f\u00a0]", " ", pdf_text(campaign_pdf(demo_data(catalog, "fr"))))
    en = pdf_text(campaign_pdf(demo_data(catalog, "en")))
    assert "Plan à trois ans" in fr
    assert "Three-year plan" in en
    assert "Points (sur 1 000)" in fr
    assert "Points (out of 1,000)" in en
    assert "28 janvier 2025" in fr
    assert "January 28, 2025" in en  # dates as the app writes them (labelnr.formatting)


HOSTILE = (
    '#panic("injected") *bold* $x^2$ ] ) } <label> @ref \\ \\u{41} // comment /* open `raw '
    + "W" * 300
)


def _with_hostile_text(data: WorkbookData, cid: str) -> WorkbookData:
    answer = Answer(
        not_applicable=NotApplicable(reason="test", justification=HOSTILE, approved_by="#strong[x]"),
        comment="] #set page(width: 1cm) [" + "z" * 300,
        owner="$$ <b>",
    )
    effective = {**data.effective, cid: answer}
    return dataclasses.replace(data, effective=effective)


def test_markup_and_a_300_character_word_are_shown_as_typed(catalog: Catalog) -> None:
    data = demo_data(catalog, "fr")
    cid = next(c.id for c in data.criteria if c.not_applicable.allowed and c.id not in data.forced_na)
    pdf = campaign_pdf(_with_hostile_text(data, cid))
    raw = pdf_text(pdf)
    # The 300-character words wrap inside the page instead of running off it.
    assert "W" * 300 not in raw
    assert "z" * 300 not in raw
    text = squeeze(raw)
    assert squeeze(HOSTILE) in text
    assert squeeze("] #set page(width: 1cm) [" + "z" * 300) in text
    assert "#strong[x]" in text
    assert "$$<b>" in text
    reader = PdfReader(io.BytesIO(pdf))
    # The injected "#set page(width: 1cm)" stayed text: every page is still A4.
    assert {round(float(p.mediabox.width)) for p in reader.pages} == {595}


def test_the_annex_lists_the_evidence_as_the_pack_manifest_does(catalog: Catalog, tmp_path: Path) -> None:
    data = demo_data(catalog, "en")
    workbook = workbook_bytes(data)
    write_pack(data, workbook, tmp_path / "pack.zip", "wb.xlsx")
    with zipfile.ZipFile(tmp_path / "pack.zip") as z:
        manifest = json.loads(z.read("manifest.json"))
    keys = ("criterion", "type", "title", "status", "path", "url", "size", "sha256")
    assert [{k: e[k] for k in keys} for e in manifest["evidence"]] == [
        {k: e[k] for k in keys} for e in pack_index(data)
    ]


def test_cli_writes_the_dossier_of_a_file_and_of_a_stored_organisation(tmp_path: Path) -> None:
    out = tmp_path / "dossier.pdf"
    assert main(["report", str(DEMO), "--pdf", str(out), "--lang", "en"]) == 0
    root: Any = PdfReader(out).trailer["/Root"]
    assert root["/Lang"] == "en"
    data_dir = tmp_path / "data"
    assert main(["import", str(ROOT / "audits"), "--data-dir", str(data_dir)]) == 0
    org = tmp_path / "org.pdf"
    assert main(["report", "--organisation", "hexapost", "--pdf", str(org), "--data-dir", str(data_dir)]) == 0
    text = squeeze(pdf_text(org.read_bytes()))
    assert squeeze("Vue de groupe") in text
    for entity in ("Hexapost Courrier", "Hexapost Colis & Logistique", "Hexapost Réseau des agences"):
        assert squeeze(entity) in text


def test_cli_refuses_as_of_for_a_file_and_a_missing_target(tmp_path: Path) -> None:
    out = tmp_path / "x.pdf"
    assert main(["report", str(DEMO), "--pdf", str(out), "--as-of", "2025-01-01"]) != 0
    assert main(["report", "--pdf", str(out)]) != 0
    assert not out.exists()


def test_file_name_is_safe() -> None:
    assert file_name("a/b c", "year1", "2026-01-02") == "labelnr-dossier-a_b_c-year1-2026-01-02.pdf"


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_report_word_exists_in_both_languages(lang: str) -> None:
    from labelnr.report.data import labels

    words = labels(lang)  # type: ignore[arg-type]
    template = (ROOT / "labelnr" / "report" / "dossier.typ").read_text(encoding="utf-8")
    used = set(re.findall(r"\bt\.([a-z_0-9]+)\b(?!\()", template))
    used |= set(re.findall(r'fill-t\("([a-z_0-9]+)"', template))
    assert used - set(words) == set()


def test_cli_honours_the_identity_s_roles(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LABELNR_LANG", "en")  # the messages read below are the English ones
    data_dir = tmp_path / "data"
    assert main(["import", str(ROOT / "audits"), "--data-dir", str(data_dir)]) == 0
    out = tmp_path / "x.pdf"
    base = ["--pdf", str(out), "--data-dir", str(data_dir), "--as", "nobody@example.org"]
    # Without a role, nothing of the installation exists for that identity (nothing leaks).
    assert main(["report", "3", *base]) == 1
    assert "there is no campaign 3" in capsys.readouterr().err
    assert main(["report", "--organisation", "hexapost", *base]) == 1
    assert "there is no organisation 'hexapost'" in capsys.readouterr().err
    assert not out.exists()


def test_a_campaign_without_verdicts_reads_not_audited_and_projects_from_its_own_year(
        catalog: Catalog) -> None:
    """Réseau des agences, year 1, no verdict yet: no "verified" figure passes for an audited one,
    and no projected year falls below the points already held (issue 10's truths, in the dossier)."""
    from labelnr.excel.from_file import from_path
    from labelnr.report.data import campaign_dossier

    data = from_path(ROOT / "audits" / "hexapost-agences-year1.yaml", catalog, "comite@example.org", "fr")
    body = campaign_dossier(data)
    summary = body["summary"]
    assert summary["audited"] is False
    assert summary["verified"]["points"] == "Non audité"
    assert summary["gaps_verified"] == []
    # The self-assessed count is of the criteria one may answer (N/A by rule are not asked).
    answered, asked = summary["self"]["answered"].split(" / ")
    assert answered == asked
    series = {s["key"]: s["values"] for s in body["plan"]["chart"]["series"]}
    held = [(p, a) for p, a in zip(series["projected"], series["actual"], strict=True) if a is not None]
    assert len(held) == 2  # baseline and year 1
    assert all(p >= a - 0.05 for p, a in held), series
