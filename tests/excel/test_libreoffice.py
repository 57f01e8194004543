"""Round trip: export → open and save in LibreOffice (headless) → import gives back exactly the same data."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from excel_helpers import Text, column, edit, exported, make_data, mini_assessment, row_of

from labelnr.assessment import Answer, AuditorVerdict, NotApplicable
from labelnr.excel.from_file import from_path
from labelnr.excel.model import WorkbookData
from labelnr.excel.reimport import preview, read_workbook
from labelnr.loader import Catalog, LoadedReferential

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None:
        reason = (
            "LibreOffice is needed for the round-trip test: apt-get install -y libreoffice-calc "
            "(Debian package)"
        )
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return found


def _through_libreoffice(soffice: str, content: bytes, tmp: Path) -> bytes:
    """Open the workbook in LibreOffice Calc and save it again as .xlsx."""
    source = tmp / "in" / "workbook.xlsx"
    source.parent.mkdir(parents=True, exist_ok=True)
    source.write_bytes(content)
    out = tmp / "out"
    profile = (tmp / "profile").as_uri()  # a profile of its own: runs never share a lock
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--calc",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(out),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    saved = (out / "workbook.xlsx").read_bytes()
    assert saved != content  # really rewritten by LibreOffice
    return saved


def _hostile_data(mini: LoadedReferential) -> WorkbookData:
    a = mini_assessment()
    answers = {
        **a.answers,
        "A-1": a.answers["A-1"].model_copy(
            update={"comment": "=SUM(1,2) multi-line\nsecond line\r\nthird  ", "owner": "  @alice  "}
        ),
        "A-2": Answer(
            not_applicable=NotApplicable(reason="no-dc", justification="-\tpas de salle ; «ok» 🌱")
        ),
        "B-1": Answer(level="to_assess", comment="+33 1 23 45 67 89", owner="0042"),
    }
    verdicts = {"A-1": AuditorVerdict(verdict="partial", comment="\rCR first, _x000D_ literal? no: plain")}
    return make_data(mini, a.model_copy(update={"answers": answers, "verdicts": verdicts}))


def test_round_trip_gives_back_exactly_the_same_data(
    soffice: str, mini: LoadedReferential, tmp_path: Path
) -> None:
    data = _hostile_data(mini)
    saved = _through_libreoffice(soffice, exported(data), tmp_path)
    assert preview(read_workbook(io.BytesIO(saved), "saved.xlsx"), data).changes == ()


def test_round_trip_of_a_real_campaign(soffice: str, real_catalog: Catalog, tmp_path: Path) -> None:
    data = from_path(ROOT / "audits" / "hexapost-courrier-year1.yaml", real_catalog, "tester")
    saved = _through_libreoffice(soffice, exported(data), tmp_path)
    assert preview(read_workbook(io.BytesIO(saved), "saved.xlsx"), data).changes == ()


def test_changes_survive_libreoffice(soffice: str, mini: LoadedReferential, tmp_path: Path) -> None:
    data = _hostile_data(mini)
    content = exported(data)
    filled = edit(
        content,
        {
            ("Thème A", f"{column('verdict')}{row_of(content, 'Thème A', 'A-1')}"): "Conforme",
            ("Thème A", f"{column('verdict_comment')}{row_of(content, 'Thème A', 'A-1')}"): Text(
                "=vu, ok\nligne 2"
            ),
            ("Thème B", f"{column('answer')}{row_of(content, 'Thème B', 'B-1')}"): "Complète",
        },
    )
    saved = _through_libreoffice(soffice, filled, tmp_path)
    result = preview(read_workbook(io.BytesIO(saved), "saved.xlsx"), data)
    assert {(c.criterion, c.field, c.new) for c in result.changes} == {
        ("A-1", "verdict", "conform"),
        ("A-1", "verdict_comment", "=vu, ok\nligne 2"),
        ("B-1", "answer", "full"),
    }
