"""Stored campaigns: export, import applied all or nothing, conflicts, as-of, evidence pack, CLI."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from excel_helpers import FIXTURES, ROOT, Text, column, edit, open_book, row_of

from labelnr.assessment import Answer, AuditorVerdict, Commitment, NotApplicable
from labelnr.errors import InvalidFile
from labelnr.excel.export import workbook_bytes
from labelnr.excel.from_store import apply_import, workbook_data
from labelnr.excel.model import WorkbookData
from labelnr.excel.pack import write_pack
from labelnr.excel.reimport import Preview, preview, read_workbook
from labelnr.loader import Catalog, load_catalog
from labelnr.storage import NotFound, Store, open_store
from labelnr.storage import service as store_service

SHEET_A, SHEET_B = "Thème A", "Thème B"
PDF = b"%PDF-1.4\n% evidence\n"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    loaded = load_catalog([FIXTURES / "mini.yaml", ROOT / "criteria"])
    assert not loaded.problems
    return loaded


class Clock:
    """The store's clock, set by the test (history dates decide what --as-of shows)."""

    def __init__(self) -> None:
        self.now = dt.datetime(2025, 1, 10, 9, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        self.now += dt.timedelta(seconds=1)
        return self.now

    def day(self, year: int, month: int, day: int) -> None:
        self.now = dt.datetime(year, month, day, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(store_service, "utcnow", fake)
    return fake


@pytest.fixture
def store(db_url: str, tmp_path: Path, catalog: Catalog, clock: Clock) -> Iterator[Store]:
    with open_store(db_url, tmp_path / "data", catalog, import_demo=False) as opened:
        yield opened


@pytest.fixture
def campaign(store: Store) -> int:
    """ACME's IT department on mini@1: answers, a file and a link, a verdict, a commitment, a target."""
    store.create_organisation("admin", "acme", "ACME")
    store.create_entity("admin", "acme", "group", "ACME Group")
    store.create_entity("admin", "acme", "dsi", "DSI", parent_id="group")
    cid = store.create_campaign("alice", "dsi", "mini", "1", "baseline", dt.date(2025, 1, 10)).id
    store.save_answer(
        "alice", cid, "A-1", Answer(level="partial", comment="Politique en cours", owner="Alice"), 0
    )
    store.save_answer(
        "alice",
        cid,
        "A-2",
        Answer(not_applicable=NotApplicable(reason="no-dc", justification="Pas de salle")),
        0,
    )
    store.add_evidence_file(
        "alice",
        cid,
        "A-1",
        "politique 2025.pdf",
        PDF,
        "documentation",
        effective_date=dt.date(2025, 1, 5),
        title="Politique signée",
    )
    store.add_evidence_link("alice", cid, "B-1", "https://example.org/rapport", "Rapport", "result")
    store.set_verdict("bob", cid, "A-1", AuditorVerdict(verdict="partial", comment="À compléter"), 0)
    store.add_commitment(
        "alice", cid, Commitment(title="Signer", criterion="A-1", target_level="full", target_year=1)
    )
    store.set_target("alice", cid, "A-1", 1, "full")
    return cid


def _export(
    store: Store, cid: int, actor: str = "auditor@example.org", **options: object
) -> tuple[WorkbookData, bytes]:
    data = workbook_data(store, cid, actor, exported_at=store_service.utcnow(), **options)  # type: ignore[arg-type]
    return data, workbook_bytes(data)


def _fill(content: bytes, cells: dict[tuple[str, str], object]) -> bytes:
    changes = {}
    for (criterion, key), value in cells.items():
        sheet = SHEET_A if criterion.startswith("A") else SHEET_B
        changes[(sheet, f"{column(key)}{row_of(content, sheet, criterion)}")] = value
    return edit(content, changes)


def _preview(store: Store, cid: int, content: bytes) -> tuple[WorkbookData, Preview]:
    current = workbook_data(store, cid, "auditor@example.org", exported_at=store_service.utcnow())
    return current, preview(read_workbook(io.BytesIO(content), "audit.xlsx"), current)


def test_workbook_of_a_stored_campaign(store: Store, campaign: int) -> None:
    data, content = _export(store, campaign)
    assert data.campaign_id == str(campaign)
    assert data.revisions["A-1"].answer.number == 1
    assert data.revisions["A-1"].answer.by == "alice"
    assert data.revisions["A-1"].verdict.by == "bob"
    files = [e for e in data.evidence if e.url is None]
    assert len(files) == 1
    assert files[0].sha256 == hashlib.sha256(PDF).hexdigest()
    assert files[0].location is not None
    assert Path(files[0].location).read_bytes() == PDF
    assert {e.action for e in data.history} >= {"answer", "verdict", "evidence", "commitment", "target"}
    book = open_book(content)
    assert book["Historique"].max_row == len(data.history) + 1
    assert book["À propos"]["B7"].value == f"{campaign} (base de données)"
    assert preview(read_workbook(io.BytesIO(content), "audit.xlsx"), data).changes == ()


def test_a_file_named_by_several_evidence_items_is_located_once(
    store: Store, campaign: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.add_evidence_file("alice", campaign, "B-1", "copie.pdf", PDF, "result", title="Même fichier")
    looked_up: list[str] = []
    real = store.files.path

    def path(sha256: str) -> Path:
        looked_up.append(sha256)
        return real(sha256)

    monkeypatch.setattr(store.files, "path", path)
    data, _ = _export(store, campaign)
    files = [e for e in data.evidence if e.url is None]
    assert [e.criterion for e in files] == ["A-1", "B-1"]
    assert {e.location for e in files} == {str(real(hashlib.sha256(PDF).hexdigest()))}
    assert looked_up == [hashlib.sha256(PDF).hexdigest()]


def test_import_applies_every_change_in_one_go(store: Store, campaign: int) -> None:
    _, content = _export(store, campaign)
    before = store.campaign_info(campaign).revision
    filled = _fill(
        content,
        {
            ("A-1", "verdict"): "Conforme",
            ("A-1", "verdict_comment"): Text("=ok, signed"),
            ("B-1", "verdict"): "Non conforme",
            ("B-1", "answer"): "Partielle",
            ("A-1", "comment"): "Politique signée en février",
        },
    )
    current, result = _preview(store, campaign, filled)
    assert len(result.changes) == 5
    assert (
        apply_import(store, "carol@example.org", current, result) == 4
    )  # the answers and verdicts of A-1 and B-1
    view = store.campaign(campaign)
    assert view.assessment.answers["A-1"].comment == "Politique signée en février"
    assert view.assessment.answers["A-1"].level == "partial"
    assert view.assessment.answers["B-1"].level == "partial"
    # A new verdict is signed by whoever imports it, on the day of the import.
    assert view.verdict("A-1") == AuditorVerdict(
        verdict="conform", comment="=ok, signed", auditor="carol@example.org", date=dt.date(2025, 1, 10)
    )
    b1 = view.verdict("B-1")
    assert b1 is not None
    assert b1.verdict.value == "non_conform"
    assert b1.auditor == "carol@example.org"
    assert store.campaign_info(campaign).revision == before + 1  # one transaction
    events = store.history(campaign)
    imported = [e for e in events if e.actor == "carol@example.org"]
    assert {e.action for e in imported} == {"answer", "verdict", "import"}
    assert next(e for e in imported if e.action == "import").new == "audit.xlsx"
    # The same workbook again: every cell already says what the campaign holds, nothing to change
    # (and no conflict about the importer's own changes).
    assert _preview(store, campaign, filled)[1].empty


def test_a_workbook_reimported_after_someone_else_changed_a_row_is_still_a_conflict(
    store: Store, campaign: int
) -> None:
    _, content = _export(store, campaign)
    filled = _fill(content, {("A-1", "comment"): "Signée", ("B-1", "verdict"): "Conforme"})
    current, result = _preview(store, campaign, filled)
    apply_import(store, "carol@example.org", current, result)
    store.save_answer("dave@example.org", campaign, "A-1", Answer(level="full", comment="Autre"), 2)
    with pytest.raises(InvalidFile) as caught:
        _preview(store, campaign, filled)
    [problem] = caught.value.problems
    assert problem.criterion == "A-1"
    assert "dave@example.org" in problem.message


def test_a_conflicting_row_stops_the_whole_import_and_names_who(store: Store, campaign: int) -> None:
    _, content = _export(store, campaign)
    store.save_answer("dave@example.org", campaign, "A-1", Answer(level="full", comment="Signée"), 1)
    filled = _fill(content, {("A-1", "comment"): "auditor's idea", ("B-1", "verdict"): "Conforme"})
    revision = store.campaign_info(campaign).revision
    with pytest.raises(InvalidFile) as caught:
        _preview(store, campaign, filled)
    [problem] = caught.value.problems
    assert problem.criterion == "A-1"
    assert f"cell {column('comment')}{row_of(content, SHEET_A, 'A-1')}" in problem.file
    assert "the answer was changed by dave@example.org at 2025-01-10" in problem.message
    assert "set level: partial → full" in problem.message
    assert store.campaign_info(campaign).revision == revision
    assert store.campaign(campaign).verdict("B-1") is None


def test_an_edit_between_preview_and_save_is_refused_and_nothing_is_saved(
    store: Store, campaign: int
) -> None:
    _, content = _export(store, campaign)
    filled = _fill(content, {("B-1", "verdict"): "Conforme", ("A-1", "verdict"): "Non conforme"})
    current, result = _preview(store, campaign, filled)
    store.set_verdict("erin@example.org", campaign, "A-1", AuditorVerdict(verdict="conform"), 1)
    revision = store.campaign_info(campaign).revision
    with pytest.raises(InvalidFile) as caught:
        apply_import(store, "carol@example.org", current, result)
    [problem] = caught.value.problems
    assert problem.criterion == "A-1"
    assert "erin@example.org" in problem.message
    assert "nothing was saved" in problem.message
    assert store.campaign(campaign).verdict("B-1") is None  # B-1 came first and was rolled back
    assert store.campaign_info(campaign).revision == revision


def test_submitted_campaign_takes_verdicts_only(store: Store, campaign: int) -> None:
    store.submit("alice", campaign)
    _, content = _export(store, campaign)
    book = open_book(content)
    assert book[SHEET_A][f"{column('answer')}2"].protection.locked
    current, result = _preview(store, campaign, _fill(content, {("B-1", "verdict"): "Conforme"}))
    assert apply_import(store, "carol@example.org", current, result) == 1
    store.mark_audited("carol@example.org", campaign)
    with pytest.raises(InvalidFile, match="is audited: it is read-only"):
        _preview(store, campaign, _fill(content, {("A-1", "verdict"): "Conforme"}))


def test_inherited_answer_is_shown_with_its_source_and_overridden_on_import(
    store: Store, campaign: int
) -> None:
    group = store.create_campaign("admin", "group", "mini", "1", "baseline", dt.date(2025, 1, 10)).id
    store.save_answer("gina", group, "B-1", Answer(level="full", comment="Groupe"), 0)
    data, content = _export(store, campaign)
    assert data.inherited_from == {"B-1": "ACME Group"}
    ws = open_book(content)[SHEET_B]
    assert ws[f"{column('inherited_from')}2"].value == "ACME Group"
    assert ws[f"{column('answer')}2"].value == "Complète"
    current, result = _preview(store, campaign, _fill(content, {("B-1", "comment"): "Vu localement"}))
    apply_import(store, "alice", current, result)
    view = store.campaign(campaign)
    assert view.assessment.answers["B-1"].comment == "Vu localement"
    assert view.assessment.answers["B-1"].level == "full"
    assert not view.sources["B-1"].inherited


def test_a_change_of_the_inherited_answer_is_a_conflict(store: Store, campaign: int) -> None:
    group = store.create_campaign("admin", "group", "mini", "1", "baseline", dt.date(2025, 1, 10)).id
    store.save_answer("gina", group, "B-1", Answer(level="full"), 0)
    _, content = _export(store, campaign)
    store.save_answer("gina", group, "B-1", Answer(level="none"), 1)
    with pytest.raises(InvalidFile, match="the answer inherited from ACME Group"):
        _preview(store, campaign, _fill(content, {("B-1", "comment"): "Vu"}))


def test_as_of_shows_the_campaign_and_evidence_as_they_stood(
    store: Store, campaign: int, clock: Clock
) -> None:
    first_file = next(
        e for items in store.campaign(campaign).evidence.values() for e in items if e.kind == "file"
    )
    clock.day(2025, 2, 10)
    store.save_answer("alice", campaign, "A-1", Answer(level="full", comment="Signée"), 1)
    store.remove_evidence("alice", first_file.id)
    store.add_evidence_file("alice", campaign, "A-1", "signed.pdf", PDF + b"signed", "result")
    store.set_verdict("bob", campaign, "A-1", AuditorVerdict(verdict="conform"), 1)
    store.submit("alice", campaign)

    past = workbook_data(store, campaign, "auditor", as_of=dt.date(2025, 1, 31))
    assert past.status == "draft"
    assert past.effective["A-1"].level == "partial"
    assert past.effective["A-1"].comment == "Politique en cours"
    assert past.verdict("A-1") == AuditorVerdict(
        verdict="partial", comment="À compléter", auditor="bob", date=dt.date(2025, 1, 10)
    )
    assert [e.title for e in past.evidence if e.criterion == "A-1"] == ["Politique signée"]
    assert all(e.at.date() <= dt.date(2025, 1, 31) for e in past.history)
    assert not past.answers_editable
    assert not past.verdicts_editable
    now = workbook_data(store, campaign, "auditor", as_of=dt.date(2025, 2, 10))
    assert now.status == "submitted"
    assert now.effective["A-1"].level == "full"
    assert [e.title for e in now.evidence if e.criterion == "A-1"] == ["signed.pdf"]
    with pytest.raises(NotFound, match="did not exist yet on 2025-01-09"):
        workbook_data(store, campaign, "auditor", as_of=dt.date(2025, 1, 9))


def test_as_of_inherits_what_the_parent_said_that_day(store: Store, campaign: int, clock: Clock) -> None:
    group = store.create_campaign("admin", "group", "mini", "1", "baseline", dt.date(2025, 1, 10)).id
    store.save_answer("gina", group, "B-1", Answer(level="full", comment="Groupe"), 0)
    store.add_evidence_link(
        "gina", group, "B-1", "https://example.org/groupe", "Charte groupe", "documentation"
    )
    clock.day(2025, 2, 10)
    store.save_answer("gina", group, "B-1", Answer(level="none"), 1)
    past = workbook_data(store, campaign, "auditor", as_of=dt.date(2025, 1, 31))
    assert past.inherited_from == {"B-1": "ACME Group"}
    assert past.effective["B-1"].level == "full"
    titles = {(e.criterion, e.title, e.inherited_from) for e in past.evidence}
    assert ("B-1", "Charte groupe", "ACME Group") in titles
    assert ("B-1", "Rapport", None) in titles  # the campaign's own link, alongside
    now = workbook_data(store, campaign, "auditor")
    assert now.effective["B-1"].level == "none"


def test_evidence_pack(store: Store, campaign: int, tmp_path: Path) -> None:
    data, content = _export(store, campaign)
    report = write_pack(data, content, tmp_path / "pack.zip", "campaign.xlsx")
    assert report.included == 1
    with zipfile.ZipFile(tmp_path / "pack.zip") as archive:
        names = archive.namelist()
        sha = hashlib.sha256(PDF).hexdigest()
        assert names == ["campaign.xlsx", f"evidence/{sha}/politique_2025.pdf", "manifest.json", "SHA256SUMS"]
        assert archive.read(f"evidence/{sha}/politique_2025.pdf") == PDF
        manifest = json.loads(archive.read("manifest.json"))
        sums = archive.read("SHA256SUMS").decode().splitlines()
        for line in sums:  # what `sha256sum -c SHA256SUMS` checks
            digest, name = line.split("  ", 1)
            assert hashlib.sha256(archive.read(name)).hexdigest() == digest
        assert len(sums) == 2
    assert manifest["campaign"] == str(campaign)
    assert manifest["workbook"]["sha256"] == hashlib.sha256(content).hexdigest()
    by_title = {e["title"]: e for e in manifest["evidence"]}
    assert by_title["Politique signée"] == {
        "criterion": "A-1",
        "type": "documentation",
        "title": "Politique signée",
        "status": "included",
        "path": f"evidence/{sha}/politique_2025.pdf",
        "url": None,
        "size": len(PDF),
        "sha256": sha,
        "effective_date": "2025-01-05",
        "inherited_from": None,
    }
    assert by_title["Rapport"]["status"] == "link"
    assert by_title["Rapport"]["url"] == "https://example.org/rapport"


def test_a_damaged_evidence_file_stops_the_pack(store: Store, campaign: int, tmp_path: Path) -> None:
    data, content = _export(store, campaign)
    blob = next(Path(e.location) for e in data.evidence if e.location)
    blob.chmod(0o644)
    blob.write_bytes(b"%PDF-1.4 tampered")
    out = tmp_path / "packs"
    with pytest.raises(InvalidFile, match="does not match its recorded SHA-256"):
        write_pack(data, content, out / "pack.zip", "campaign.xlsx")
    assert list(out.iterdir()) == []  # no zip, not even half of one


def test_as_of_pack_holds_the_files_of_that_day(
    store: Store, campaign: int, clock: Clock, tmp_path: Path
) -> None:
    first_file = next(
        e for items in store.campaign(campaign).evidence.values() for e in items if e.kind == "file"
    )
    clock.day(2025, 2, 10)
    store.remove_evidence("alice", first_file.id)
    past = workbook_data(store, campaign, "auditor", as_of=dt.date(2025, 1, 31))
    report = write_pack(past, workbook_bytes(past), tmp_path / "past.zip", "past.xlsx")
    assert [p.entry.title for p in report.evidence if p.status == "included"] == ["Politique signée"]
    assert not [e for e in workbook_data(store, campaign, "auditor").evidence if e.url is None]


# --- the command line ----------------------------------------------------------------------------


def _cli(store: Store, tmp_path: Path, *args: str) -> int:
    from labelnr.cli import main

    return main(
        [
            *args,
            "--database",
            str(store.db.engine.url.render_as_string(hide_password=False)),
            "--data-dir",
            str(tmp_path / "data"),
            "--criteria",
            str(FIXTURES / "mini.yaml"),
        ]
    )


def test_cli_export_and_import(
    store: Store, campaign: int, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """In French, the default: the workbook (its sheets, its drop-down lists) and every message."""
    monkeypatch.delenv("LABELNR_LANG", raising=False)
    out_xlsx, out_zip = tmp_path / "out" / "audit.xlsx", tmp_path / "out" / "audit.zip"
    assert _cli(store, tmp_path, "export", str(campaign), "--xlsx", str(out_xlsx), "--zip", str(out_zip)) == 0
    printed = capsys.readouterr().out
    assert f"{out_xlsx} écrit" in printed
    assert f"{out_zip} écrit" in printed
    assert zipfile.ZipFile(out_zip).namelist()[0] == "audit.xlsx"
    filled = tmp_path / "filled.xlsx"
    filled.write_bytes(_fill(out_xlsx.read_bytes(), {("B-1", "verdict"): "Conforme"}))
    # --as names who acts, and that identity's roles are checked like in the app.
    assert _cli(store, tmp_path, "import-xlsx", str(filled), "--yes", "--as", "carol@example.org") == 1
    assert "il n'y a pas de campagne" in capsys.readouterr().err  # carol may not see it: nothing leaks
    store.grant_role("admin", "carol@example.org", "auditor", "acme")
    # Without --yes (and no terminal to ask on): the preview, and nothing changed.
    assert _cli(store, tmp_path, "import-xlsx", str(filled), "--as", "carol@example.org") == 0
    printed = capsys.readouterr().out
    assert "B-1  Verdict de l'auditeur: (vide) → Conforme" in printed
    assert "rien n'a changé : relancez avec --yes" in printed
    assert store.campaign(campaign).verdict("B-1") is None
    assert _cli(store, tmp_path, "import-xlsx", str(filled), "--yes", "--as", "carol@example.org") == 0
    assert "importé dans la campagne" in (printed := capsys.readouterr().out)
    assert ": 1 modification sur 1 ligne" in printed
    assert store.campaign(campaign).verdict("B-1").auditor == "carol@example.org"  # type: ignore[union-attr]


def test_cli_refusals_are_plain_messages(
    store: Store, campaign: int, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LABELNR_LANG", "en")
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"not a workbook at all")
    assert _cli(store, tmp_path, "import-xlsx", str(junk), "--yes") == 1
    assert "not an .xlsx workbook: the file is not a zip archive" in capsys.readouterr().err
    assert _cli(store, tmp_path, "export", "no-such-file.yaml", "--xlsx", str(tmp_path / "x.xlsx")) == 1
    assert "neither a stored campaign id nor an interchange YAML file" in capsys.readouterr().err
    assert _cli(store, tmp_path, "export", str(campaign)) == 1
    assert "--xlsx OUT.xlsx and/or --zip OUT.zip" in capsys.readouterr().err
    as_of = tmp_path / "asof.xlsx"
    assert _cli(store, tmp_path, "export", str(campaign), "--xlsx", str(as_of), "--as-of", "2025-01-31") == 0
    capsys.readouterr()
    assert _cli(store, tmp_path, "import-xlsx", str(as_of), "--yes") == 1
    assert "a past state cannot be imported" in capsys.readouterr().err


def test_cli_round_trip_through_a_yaml_file(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """In French, the default (the drop-down lists say "Non conforme")."""
    from labelnr.cli import main

    monkeypatch.delenv("LABELNR_LANG", raising=False)
    from labelnr.interchange import load_assessment

    source = tmp_path / "hexapost-group-year1.yaml"
    source.write_text(
        (ROOT / "audits" / "hexapost-group-year1.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    out = tmp_path / "group.xlsx"
    criteria = ["--criteria", str(ROOT / "criteria")]
    assert main(["export", str(source), "--xlsx", str(out), *criteria]) == 0
    content = out.read_bytes()
    sheet = open_book(content).sheetnames[2]
    first = next(
        iter(open_book(content, read_only=True)[sheet].iter_rows(min_row=2, max_row=2, values_only=True))
    )
    cell = (sheet, f"{column('verdict')}{row_of(content, sheet, str(first[0]))}")
    out.write_bytes(edit(content, {cell: "Non conforme"}))
    assert main(["import-xlsx", str(out), "--yes", "--as", "auditor@example.org", *criteria]) == 0
    assert f"importé dans {source}" in capsys.readouterr().out
    assessment, _ = load_assessment(source, load_catalog([ROOT / "criteria"]))
    assert assessment.verdicts[str(first[0])].verdict.value == "non_conform"
    assert assessment.verdicts[str(first[0])].auditor == "auditor@example.org"
