"""Re-import: the preview of every change, and every refusal (sheet, cell, criterion; nothing changed)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from excel_helpers import EXPORTED_AT, Text, column, edit, exported, make_data, open_book, row_of

from labelnr.assessment import Answer, AuditorVerdict, NotApplicable, Verdict
from labelnr.errors import InvalidFile
from labelnr.excel.meta import META_SHEET
from labelnr.excel.model import HistoryEntry, Revision, RowRevisions, WorkbookData
from labelnr.excel.reimport import (
    Change,
    Preview,
    apply_to_assessment,
    describe,
    new_answers,
    new_verdicts,
    preview,
    read_workbook,
)
from labelnr.loader import Catalog, LoadedReferential

SHEET = "Thème A"


def _cell(content: bytes, criterion: str, key: str, sheet: str = SHEET) -> tuple[str, str]:
    return sheet, f"{column(key)}{row_of(content, sheet, criterion)}"


def _changed(content: bytes, changes: dict[tuple[str, str], Any]) -> bytes:
    """Fill in cells (criterion, column key) of the criteria sheets like an auditor would."""
    cells = {}
    for (criterion, key), value in changes.items():
        sheet = SHEET if criterion.startswith("A") else "Thème B"
        cells[_cell(content, criterion, key, sheet)] = value
    return edit(content, cells)


def _preview(content: bytes, current: WorkbookData) -> Preview:
    return preview(read_workbook(io.BytesIO(content), "audit.xlsx"), current)


def _problems(content: bytes, current: WorkbookData) -> list[str]:
    with pytest.raises(InvalidFile) as caught:
        _preview(content, current)
    return [str(p) for p in caught.value.problems]


@pytest.fixture
def data(mini: LoadedReferential) -> WorkbookData:
    return make_data(mini)


@pytest.fixture
def content(data: WorkbookData) -> bytes:
    return exported(data)


def test_an_untouched_workbook_changes_nothing(content: bytes, data: WorkbookData) -> None:
    assert _preview(content, data).changes == ()
    # Saved again by another program (openpyxl here), still nothing.
    assert _preview(edit(content, {}), data).changes == ()


def test_every_change_is_previewed_with_its_old_and_new_value(content: bytes, data: WorkbookData) -> None:
    filled = _changed(
        content,
        {
            ("A-1", "verdict"): "Conforme",
            ("A-1", "verdict_comment"): "Vu la politique signée",
            ("B-1", "verdict"): "Non conforme",
            ("A-1", "comment"): Text("=not a formula, just text"),
            ("B-1", "answer"): "Partielle",
        },
    )
    result = _preview(filled, data)
    assert {(c.criterion, c.field, c.old, c.new) for c in result.changes} == {
        ("A-1", "verdict", "partial", "conform"),
        ("A-1", "verdict_comment", "À compléter", "Vu la politique signée"),
        ("B-1", "verdict", None, "non_conform"),
        ("A-1", "comment", "Politique en cours", "=not a formula, just text"),
        ("B-1", "answer", "none", "partial"),
    }
    verdict_change = next(c for c in result.changes if c.field == "verdict" and c.criterion == "A-1")
    assert (verdict_change.sheet, verdict_change.cell) == _cell(content, "A-1", "verdict")
    lines = describe(data, result, "fr")
    assert "A-1  Verdict de l'auditeur: Partiellement conforme → Conforme" in lines
    assert "B-1  Réponse: Aucune → Partielle" in lines
    answers = new_answers(data, result)
    assert answers["A-1"].comment == "=not a formula, just text"
    assert answers["A-1"].level == "partial"
    assert answers["B-1"] == Answer(level="partial")
    verdicts = new_verdicts(data, result)
    assert verdicts["A-1"] == AuditorVerdict(verdict=Verdict.CONFORM, comment="Vu la politique signée")
    assert verdicts["B-1"] == AuditorVerdict(verdict=Verdict.NON_CONFORM)


def test_labels_ids_and_case_are_all_accepted(content: bytes, data: WorkbookData) -> None:
    filled = _changed(content, {("B-1", "verdict"): "  non conforme ", ("A-1", "verdict"): "conform"})
    result = _preview(filled, data)
    assert {(c.criterion, c.new) for c in result.changes} == {("B-1", "non_conform"), ("A-1", "conform")}


def test_clearing_a_verdict(content: bytes, data: WorkbookData) -> None:
    filled = _changed(content, {("A-1", "verdict"): None, ("A-1", "verdict_comment"): None})
    result = _preview(filled, data)
    assert new_verdicts(data, result) == {"A-1": None}
    updated = apply_to_assessment(data, result, "auditor@example.org", dt.date(2025, 3, 2))
    assert "A-1" not in updated.verdicts


def test_apply_to_the_interchange_assessment(content: bytes, data: WorkbookData) -> None:
    filled = _changed(content, {("B-1", "verdict"): "Conforme", ("A-2", "na_justification"): "Hébergé"})
    result = _preview(filled, data)
    updated = apply_to_assessment(data, result, "auditor@example.org", dt.date(2025, 3, 2))
    assert updated.verdicts["B-1"] == AuditorVerdict(
        verdict=Verdict.CONFORM, auditor="auditor@example.org", date=dt.date(2025, 3, 2)
    )
    assert updated.answers["A-2"].not_applicable == NotApplicable(reason="no-dc", justification="Hébergé")
    assert updated.answers["A-1"] == data.assessment.answers["A-1"]  # evidence kept, nothing else touched
    assert updated.verdicts["A-1"] == data.assessment.verdicts["A-1"]


def test_declaring_not_applicable_needs_a_justification_and_the_right(
    content: bytes, data: WorkbookData
) -> None:
    problems = _problems(_changed(content, {("B-1", "answer"): "Non applicable"}), data)
    assert len(problems) == 1
    assert "criterion B-1: this criterion cannot be declared not applicable" in problems[0]
    na = _changed(content, {("A-2", "na_justification"): None})
    assert "'not applicable' needs a justification" in _problems(na, data)[0]
    stray = _changed(content, {("B-1", "na_justification"): "Sans objet"})
    assert "only for a 'not applicable' answer" in _problems(stray, data)[0]


def test_a_formula_in_a_verdict_cell_is_refused(content: bytes, data: WorkbookData) -> None:
    filled = _changed(content, {("A-1", "verdict"): '=IF(1,"Conforme")', ("B-1", "verdict"): "Conforme"})
    problems = _problems(filled, data)
    sheet, ref = _cell(content, "A-1", "verdict")
    assert problems == [
        f"audit.xlsx [sheet '{sheet}', cell {ref}]: criterion A-1: a formula "
        f'(=IF(1,"Conforme")) where a value is expected: type the value itself'
    ]


def test_a_formula_in_a_comment_cell_is_refused(content: bytes, data: WorkbookData) -> None:
    problems = _problems(_changed(content, {("A-1", "verdict_comment"): "=1+1"}), data)
    assert "a formula (=1+1) where a value is expected" in problems[0]


def test_values_outside_the_drop_down_lists_are_refused(content: bytes, data: WorkbookData) -> None:
    filled = _changed(content, {("A-1", "verdict"): "Excellent", ("B-1", "answer"): "Totale"})
    problems = _problems(filled, data)
    assert len(problems) == 2
    assert any(
        "'Excellent' is not in the drop-down list of verdicts (Conforme, Partiellement conforme, "
        "Non conforme, Non vérifié)" in p
        for p in problems
    )
    assert any(
        "'Totale' is not in the drop-down list of answers (Aucune, Partielle, Complète, À évaluer, "
        "Non applicable)" in p
        for p in problems
    )


def test_unknown_and_duplicated_criteria_are_refused(content: bytes, data: WorkbookData) -> None:
    filled = edit(
        content,
        {
            (SHEET, f"A{row_of(content, SHEET, 'A-2')}"): "Z-9",
            ("Thème B", f"A{row_of(content, 'Thème B', 'B-1')}"): "A-1",
        },
    )
    problems = _problems(filled, data)
    assert any("criterion Z-9: unknown criterion id 'Z-9' in mini@1" in p for p in problems)
    assert any("criterion A-1: criterion A-1 is listed twice" in p for p in problems)


def test_text_too_long_is_refused(content: bytes, data: WorkbookData) -> None:
    problems = _problems(_changed(content, {("A-1", "owner"): "x" * 201}), data)
    assert "201 characters long; 200 at most" in problems[0]


def test_another_campaign_is_refused(content: bytes, data: WorkbookData) -> None:
    other = dataclasses.replace(data, campaign_id="other.yaml")
    problems = _problems(content, other)
    assert problems == [
        "audit.xlsx: this workbook was exported from the file mini-baseline.yaml, not from "
        "the file other.yaml: import it into that campaign"
    ]
    moved = dataclasses.replace(
        data,
        assessment=data.assessment.model_copy(
            update={"entity": data.assessment.entity.model_copy(update={"id": "site"})}
        ),
    )
    assert "it is from another database" in _problems(content, moved)[0]


def test_another_referential_version_is_refused(content: bytes, data: WorkbookData) -> None:
    newer = dataclasses.replace(data, referential=data.referential.model_copy(update={"version": "2"}))
    assert _problems(content, newer) == [
        "audit.xlsx: this workbook was made with mini version 1; the campaign now uses mini version 2: "
        "export the campaign again"
    ]


def test_an_edited_hidden_sheet_is_refused(content: bytes, data: WorkbookData) -> None:
    tampered = edit(content, {(META_SHEET, "B3"): "someone-else"})
    problems = _problems(tampered, data)
    assert problems == [
        f"audit.xlsx [sheet {META_SHEET}]: the workbook's hidden export data was modified: "
        "export the campaign again"
    ]


def test_submitted_campaign_takes_verdicts_only(mini: LoadedReferential) -> None:
    data = make_data(mini, status="submitted")
    content = exported(data)
    # The answer cells are locked in this workbook; someone unprotected the sheet anyway.
    filled = _changed(content, {("A-1", "verdict"): "Conforme", ("A-1", "comment"): "changed"})
    problems = _problems(filled, data)
    assert len(problems) == 1
    assert "the campaign is submitted: the referent's answers can no longer change" in problems[0]
    ok = _preview(_changed(content, {("A-1", "verdict"): "Conforme"}), data)
    assert [c.field for c in ok.changes] == ["verdict"]


def test_campaign_submitted_since_a_draft_export_refuses_answer_changes(
    content: bytes, data: WorkbookData
) -> None:
    now = dataclasses.replace(data, status="submitted")
    problems = _problems(_changed(content, {("B-1", "answer"): "Complète"}), now)
    assert "the campaign is submitted" in problems[0]


def test_audited_campaign_takes_nothing(content: bytes, data: WorkbookData) -> None:
    now = dataclasses.replace(data, status="audited")
    problems = _problems(_changed(content, {("A-1", "verdict"): "Conforme"}), now)
    assert problems[0] == (
        "audit.xlsx: campaign mini-baseline.yaml is audited: it is read-only, nothing can be imported into it"
    )


def test_a_row_changed_since_the_export_is_a_conflict_naming_who(mini: LoadedReferential) -> None:
    revisions = {"A-1": RowRevisions(Revision(3), Revision(2)), "B-1": RowRevisions(Revision(1))}
    data = make_data(mini, revisions=revisions, exported_at=dt.datetime(2025, 3, 1, 9, 30, tzinfo=dt.UTC))
    content = exported(data)
    # Since the export, carol changed A-1's verdict in the database.
    at = dt.datetime(2025, 3, 3, 14, 5, tzinfo=dt.UTC)
    a = data.assessment
    now = dataclasses.replace(
        data,
        assessment=a.model_copy(
            update={"verdicts": {"A-1": AuditorVerdict(verdict="conform", comment="OK")}}
        ),
        revisions={**revisions, "A-1": RowRevisions(Revision(3), Revision(3, at, "carol@example.org"))},
        history=(
            HistoryEntry(at, "carol@example.org", "verdict", "A-1", "verdict", "partial", "conform"),
            HistoryEntry(at, "carol@example.org", "verdict", "A-1", "comment", "À compléter", "OK"),
        ),
    )
    filled = _changed(
        content,
        {
            ("A-1", "verdict"): "Non conforme",
            ("B-1", "verdict"): "Conforme",
            ("A-1", "comment"): "answer edit, no conflict",
        },
    )
    problems = _problems(filled, now)
    assert len(problems) == 1
    sheet, ref = _cell(content, "A-1", "verdict")
    assert problems[0] == (
        f"audit.xlsx [sheet '{sheet}', cell {ref}]: criterion A-1: conflict: the verdict was changed by "
        "carol@example.org at 2025-03-03 14:05 UTC after this workbook was exported (carol@example.org at "
        "2025-03-03 14:05 UTC set verdict: partial → conform; carol@example.org at 2025-03-03 14:05 UTC set "
        "comment: À compléter → OK); nothing was imported: export the campaign again and redo this change"
    )
    # Rows nobody touched in between import fine on their own.
    fine = _changed(content, {("B-1", "verdict"): "Conforme", ("A-1", "comment"): "answer edit"})
    assert len(_preview(fine, now).changes) == 2


def test_a_changed_value_without_revisions_is_a_conflict_too(content: bytes, data: WorkbookData) -> None:
    """A YAML file has no revisions: a value changed in the file since the export is the conflict."""
    a = data.assessment
    answers = {**a.answers, "B-1": Answer(level="full")}
    now = make_data(
        LoadedReferential(data.referential, Path("x"), data.referential_sha256),
        a.model_copy(update={"answers": answers}),
    )
    problems = _problems(_changed(content, {("B-1", "answer"): "Partielle"}), now)
    assert "conflict: the answer was changed by someone" in problems[0]
    assert "answer: none → full" in problems[0]


def test_every_problem_is_reported_at_once(content: bytes, data: WorkbookData) -> None:
    filled = _changed(
        content, {("A-1", "verdict"): "=1", ("B-1", "verdict"): "Peut-être", ("A-2", "owner"): "y" * 300}
    )
    assert len(_problems(filled, data)) == 3


def test_a_preview_never_changes_the_data(content: bytes, data: WorkbookData) -> None:
    before = data.assessment.model_dump()
    _preview(_changed(content, {("A-1", "verdict"): "Conforme"}), data)
    assert data.assessment.model_dump() == before


def test_numbers_typed_in_text_cells_come_back_as_text(content: bytes, data: WorkbookData) -> None:
    result = _preview(_changed(content, {("A-1", "verdict_comment"): 42, ("B-1", "owner"): 1.5}), data)
    assert {(c.criterion, c.field, c.new) for c in result.changes} == {
        ("A-1", "verdict_comment", "42"),
        ("B-1", "owner", "1.5"),
    }


def test_change_groups() -> None:
    assert Change("A-1", "comment", None, "x").group == "answer"
    assert Change("A-1", "verdict_comment", None, "x").group == "verdict"


def test_english_workbook_reads_english_labels(mini: LoadedReferential) -> None:
    data = make_data(mini, lang="en")
    content = exported(data)
    cells = {("Theme A", f"{column('verdict')}{row_of(content, 'Theme A', 'A-1')}"): "Conform"}
    result = _preview(edit(content, cells), data)
    assert [(c.field, c.new) for c in result.changes] == [("verdict", "conform")]


def test_forced_not_applicable_rows_show_the_reason_and_cannot_be_answered(real_catalog: Catalog) -> None:
    """A question answered "no" makes criteria not applicable: shown as such, locked, refused on import."""
    from pathlib import Path

    from labelnr.excel.from_file import from_path

    demo = Path(__file__).resolve().parents[2] / "audits" / "hexapost-group-year1.yaml"
    base = from_path(demo, real_catalog, "tester", exported_at=EXPORTED_AT)
    a = base.assessment.model_copy(
        update={"applicability": {**base.assessment.applicability, "own_datacenter": False}}
    )
    data = make_data(real_catalog.loaded["label-nr@2024"], a)
    assert {"AO-2.1", "AO-2.2"} <= data.forced_na
    content = exported(data)
    sheet = next(name for name in open_book(content).sheetnames if name.startswith("Organisation"))
    row = row_of(content, sheet, "AO-2.1")
    ws = open_book(content)[sheet]
    assert ws[f"{column('answer')}{row}"].value == "Non applicable"
    assert ws[f"{column('na_justification')}{row}"].value  # the question's reason
    assert ws[f"{column('answer')}{row}"].protection.locked
    assert _preview(content, data).changes == ()
    problems = _problems(edit(content, {(sheet, f"{column('answer')}{row}"): "Partielle"}), data)
    assert "not applicable by the profile or an applicability question" in problems[0]
