"""``labelnr export`` and ``import-xlsx`` given files they cannot read or write: one line, no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from excel_helpers import ROOT

from labelnr.cli import main


@pytest.fixture(autouse=True)
def _cli_in_english(monkeypatch: pytest.MonkeyPatch) -> None:
    """The commands here are read in English: LABELNR_LANG=en (French, the default, is tested in test_cli)."""
    monkeypatch.setenv("LABELNR_LANG", "en")


AUDIT = ROOT / "audits" / "hexapost-group-year1.yaml"
CRITERIA = ["--criteria", str(ROOT / "criteria")]


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str]]:
    code = main(list(args))
    return code, capsys.readouterr().err.splitlines()


@pytest.mark.parametrize(("name", "reason"), [
    ("missing.xlsx", "No such file or directory"), ("folder", "Is a directory")])
def test_import_xlsx_of_a_file_that_cannot_be_read(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                   name: str, reason: str) -> None:
    (tmp_path / "folder").mkdir()
    path = tmp_path / name
    code, err = _run(capsys, "import-xlsx", str(path), "--yes", *CRITERIA)
    assert (code, err) == (1, [f"{path}: cannot read the file: {reason}"])


def test_import_xlsx_of_a_file_that_is_not_a_workbook(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "notes.xlsx"
    path.write_text("not a workbook", encoding="utf-8")
    code, err = _run(capsys, "import-xlsx", str(path), "--yes", *CRITERIA)
    assert code == 1
    assert len(err) == 1
    assert err[0].startswith(f"{path}: not an .xlsx workbook")


@pytest.mark.parametrize("option", ["--xlsx", "--zip"])
def test_export_into_a_folder_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                             option: str) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    other = ["--xlsx", str(tmp_path / "b.xlsx")] if option == "--zip" else ["--zip", str(tmp_path / "p.zip")]
    code, err = _run(capsys, "export", str(AUDIT), option, str(folder), *other, *CRITERIA)
    assert (code, err) == (1, [f"{folder}: is a folder: give the name of the file to write"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    assert list(folder.iterdir()) == []


def test_export_where_no_file_can_be_created(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    target = blocker / "book.xlsx"  # a folder that is a file
    code, err = _run(capsys, "export", str(AUDIT), "--xlsx", str(target), *CRITERIA)
    assert code == 1
    (line,) = err
    assert line.startswith(f"{target}: cannot write the file: ")
