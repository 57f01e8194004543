"""The dossier's pages render to PNG with poppler's pdftoppm, as a reader's viewer would draw them."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from labelnr.excel.model import WorkbookData

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def pdftoppm() -> str:
    found = shutil.which("pdftoppm")
    if found is None:
        reason = (
            "pdftoppm is needed to render the dossier's pages: apt-get install -y poppler-utils "
            "(Debian package)"
        )
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return found


def test_every_page_renders_to_png(pdftoppm: str, demo: tuple[WorkbookData, bytes], tmp_path: Path) -> None:
    _data, pdf = demo
    source = tmp_path / "dossier.pdf"
    source.write_bytes(pdf)
    subprocess.run([pdftoppm, "-r", "40", "-png", str(source), str(tmp_path / "page")], check=True,
                   capture_output=True, timeout=120)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) == len(PdfReader(io.BytesIO(pdf)).pages) > 5
    for page in pages:
        content = page.read_bytes()
        assert content.startswith(PNG_SIGNATURE)
    # pdftoppm writes nothing on stderr for a sound PDF (it complains about broken ones).
    result = subprocess.run([pdftoppm, "-r", "20", "-png", "-f", "1", "-l", "1", str(source),
                             str(tmp_path / "first")], capture_output=True, text=True, timeout=60, check=True)
    assert result.stderr == ""
