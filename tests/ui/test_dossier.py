"""The committee's dossier on the audit and dashboard pages: made on click only, named after the campaign."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from labelnr.storage.errors import NotFound

from .conftest import open_app, unescape

GROUP = 1


def _downloads(at: object) -> list[str]:
    return [d.proto.label for d in at.get("download_button")]  # type: ignore[attr-defined]


def test_audit_page_prepares_the_dossier_on_click(data_dirs: tuple[Path, Path]) -> None:
    at = open_app("audit")
    key = f"report.pdf.campaign.{GROUP}"
    assert key not in at.session_state, "nothing is compiled on a plain run"
    assert "Télécharger le dossier (.pdf)" not in _downloads(at)
    at.button(key=f"{key}.prepare").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Télécharger le dossier (.pdf)" in _downloads(at)
    _, pdf = at.session_state[key]
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.trailer["/Root"]["/Lang"] == "fr"  # type: ignore[index]
    # A rerun keeps the prepared PDF without compiling again.
    at.run()
    assert at.session_state[key][1] is pdf


def test_dashboard_prepares_the_group_dossier(data_dirs: tuple[Path, Path]) -> None:
    at = open_app("dashboard")
    at.segmented_control(key="dashboard.scope").set_value("organisation").run()
    button = next(b for b in at.button if str(b.key).startswith("report.pdf.org."))
    key = str(button.key).removesuffix(".prepare")
    button.click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Télécharger le dossier (.pdf)" in _downloads(at)
    _, pdf = at.session_state[key]
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Vue de groupe" in text


def test_a_dossier_that_cannot_be_made_says_why_in_french(data_dirs: tuple[Path, Path],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object) -> bytes:
        raise NotFound.of("no_campaign", campaign=99)

    monkeypatch.setattr("labelnr.report.campaign_pdf", refuse)
    at = open_app("audit")
    at.button(key=f"report.pdf.campaign.{GROUP}.prepare").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert [unescape(e.value) for e in at.error] == [
        "Le dossier n'a pas pu être préparé : il n'y a pas de campagne 99"]
