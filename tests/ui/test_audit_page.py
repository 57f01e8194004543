"""The audit page: evidence with links and SHA-256, a verdict moves the verified score, conflicts
and incomplete verdicts refused, read-only audited campaigns, the Excel workbook out and back in.

Demo data: the group's baseline (campaign 1) answers GOV-01 "partial" (146.7 points) with a
link as evidence. A "non-conform" verdict caps the credit at 0 (verified 0 points); "partial"
caps it at 0.5, lowering "partial" (0.66) to "low" (0.33): 222.2 × 0.33 = 73.3.
"""

from __future__ import annotations

import hashlib
import io
import re
from pathlib import Path

import openpyxl
from streamlit.testing.v1 import AppTest

from labelnr.assessment import AuditorVerdict, Verdict
from labelnr.excel.export import workbook_bytes
from labelnr.excel.from_store import workbook_data
from labelnr.i18n import translate
from labelnr.storage import Store

from .conftest import figure, md_table, open_app, open_lazy, texts, unescape

GROUP = 1
FORM = f"audit.verdict.{GROUP}.GOV-01"
IMPORT = f"audit.import_open.{GROUP}"


def open_criterion(at: AppTest, cid: str) -> AppTest:
    """Pick the criterion to review (the picker behind the "Examiner un critère" button)."""
    at.session_state[f"audit.open.{GROUP}"] = cid
    return at.run()


def criteria(at: AppTest, column: str) -> list[str]:
    return [row[column] for row in md_table(at, "Verdict")]


def give_verdict(at: AppTest, verdict: Verdict | None, comment: str = "") -> AppTest:
    at.selectbox(key=f"{FORM}.verdict").set_value(verdict)
    at.text_area(key=f"{FORM}.comment").input(comment)
    at.button(key=f"{FORM}.submit").click()
    return open_criterion(at, "GOV-01")


def test_page_runs_with_the_demo(data_dirs: tuple[Path, Path]) -> None:
    at = open_app("audit")
    assert figure(at, "Points auto-évalués") == "147 / 1\u202f000"
    assert figure(at, "Points vérifiés") == "Non audité"  # no verdict yet
    assert figure(at, "Niveau vérifié") == "Non audité"
    assert "0 critère vérifié sur 5 par un verdict." in texts(at)
    assert "1 réponse sans verdict qui la confirme ; 0 réponse abaissée par un verdict." in texts(at)
    # One theme at a time, the first to begin with; every criterion's verdict state in a table.
    assert criteria(at, "Critère") == ["GOV-01", "GOV-02", "GOV-03"]
    assert set(criteria(at, "Verdict")) == {"– Pas de verdict"}
    assert criteria(at, "Preuves") == ["1", "0", "0"]
    assert criteria(at, "Points (auto-évalués → vérifiés)")[0] == "146,7 → 146,7"
    at.pills(key=f"audit.theme.{GROUP}").set_value("use").run()
    assert criteria(at, "Critère") == ["USE-01", "USE-03"]
    # No criterion is drawn until one is picked, nor the uploader until asked for.
    assert not list(at.get("form"))
    assert not at.get("file_uploader")
    # The scores per theme, side by side, one click away ("—" verified: no verdict yet).
    themes = md_table(open_lazy(at, f"audit.themes_open.{GROUP}"), "Auto-évalué")
    assert [(row["Thème"], row["Auto-évalué"], row["Vérifié"]) for row in themes] == [
        ("Stratégie et gouvernance", "22 %", "—"), ("Usages", "0 %", "—")]


def test_evidence_is_listed_with_links_and_hashes(data_dirs: tuple[Path, Path], other: Store) -> None:
    data = b"%PDF-1.4 politique signee\n"
    other.add_evidence_file("someone", GROUP, "GOV-01", "politique.pdf", data, "documentation")
    at = open_criterion(open_app("audit"), "GOV-01")
    evidence = md_table(at, "SHA-256")
    url = "https://intranet.example.org/politique"
    assert [row["Lien"] for row in evidence] == [f"[{url}]({url})", "—"]  # a link one can follow
    assert [row["SHA-256"] for row in evidence] == ["", hashlib.sha256(data).hexdigest()]
    assert [row["Type"] for row in evidence] == ["Documentation", "Documentation"]
    # Who added it and when, in words (not an ISO date in a French table).
    assert re.fullmatch(r"someone · \d{1,2}(er)? [a-zéû]+ \d{4}", evidence[1]["Ajoutée par"])
    downloads = at.get("download_button")
    assert [unescape(d.proto.label) for d in downloads] == ["Télécharger politique.pdf"]
    page = texts(at)
    assert "La politique signée" in page  # expected evidence from the referential
    assert "Politique votée en comité, publication en cours." in page


def test_a_verdict_moves_the_verified_score(data_dirs: tuple[Path, Path], other: Store) -> None:
    at = give_verdict(open_criterion(open_app("audit"), "GOV-01"), Verdict.NON_CONFORM, "Pas de preuve datée")
    assert not at.exception
    assert "Verdict enregistré pour GOV-01." in texts(at)
    assert figure(at, "Points auto-évalués") == "147 / 1\u202f000"
    assert figure(at, "Points vérifiés") == "0 / 1\u202f000"
    stored = other.campaign(GROUP).verdict("GOV-01")
    assert stored is not None
    assert (stored.verdict, stored.comment) == (Verdict.NON_CONFORM, "Pas de preuve datée")
    assert stored.auditor == "local"
    assert criteria(at, "Verdict")[0] == "✗ Non conforme → Aucune"
    # Partial: "partial" (0.66) is capped at 0.5 → "low" (0.33) → 73.3 points.
    at = open_criterion(give_verdict(at, Verdict.PARTIAL, ""), "GOV-01")
    assert figure(at, "Points vérifiés") == "73 / 1\u202f000"
    assert criteria(at, "Verdict")[0] == "◐ Partiellement conforme → Faible"
    # Points read with the French decimal comma.
    assert criteria(at, "Points (auto-évalués → vérifiés)")[0] == "146,7 → 73,3"


def test_a_comment_needs_a_verdict_and_a_stale_verdict_is_refused(data_dirs: tuple[Path, Path],
                                                                  other: Store) -> None:
    at = open_criterion(open_app("audit"), "GOV-01")
    at = give_verdict(at, None, "Un commentaire seul")
    assert "Choisissez un verdict pour enregistrer ce commentaire." in [e.value for e in at.error]
    assert other.campaign(GROUP).verdict("GOV-01") is None
    other.set_verdict("bob@example.org", GROUP, "GOV-01", AuditorVerdict(verdict=Verdict.CONFORM), 0)
    # The draft still names the revision the auditor read (0): the save is refused, naming who,
    # and what the auditor typed stays until they choose to reload.
    at = give_verdict(at, Verdict.NON_CONFORM, "Preuve insuffisante")
    errors = [unescape(e.value) for e in at.error]
    assert any("Rien n'a été enregistré" in e and "bob@example.org" in e for e in errors)
    stored = other.campaign(GROUP).verdict("GOV-01")
    assert stored is not None
    assert stored.verdict is Verdict.CONFORM
    assert at.text_area(key=f"{FORM}.comment").value == "Preuve insuffisante"
    at.button(key=f"{FORM}.reload").click()
    at = open_criterion(at, "GOV-01")
    assert not at.error
    assert at.selectbox(key=f"{FORM}.verdict").value is Verdict.CONFORM
    assert at.text_area(key=f"{FORM}.comment").value == ""


def test_audited_campaign_is_read_only(data_dirs: tuple[Path, Path], other: Store) -> None:
    other.set_verdict("auditor", GROUP, "GOV-01", AuditorVerdict(verdict=Verdict.CONFORM, comment="Vu"), 0)
    other.submit("someone", GROUP)
    other.mark_audited("auditor", GROUP)
    at = open_criterion(open_app("audit"), "GOV-01")
    assert any("ses verdicts ne peuvent plus être modifiés" in i.value for i in at.info)
    assert not at.get("form")
    assert "Vu" in texts(at)


def _filled_workbook(other: Store, verdict_label: str, comment: str) -> bytes:
    """The campaign's workbook as an auditor sends it back: GOV-01's verdict and comment filled in."""
    book = openpyxl.load_workbook(io.BytesIO(workbook_bytes(workbook_data(other, GROUP, "auditor", "fr"))))
    id_header = translate("excel.col_id", "fr")
    verdict_header = translate("excel.col_verdict", "fr")
    comment_header = translate("excel.col_verdict_comment", "fr")
    for ws in book.worksheets:
        rows = list(ws.iter_rows())
        for r, row in enumerate(rows):
            headers = [c.value for c in row]
            if id_header in headers and verdict_header in headers:
                for line in rows[r + 1:]:
                    if line[headers.index(id_header)].value == "GOV-01":
                        line[headers.index(verdict_header)].value = verdict_label
                        line[headers.index(comment_header)].value = comment
                        out = io.BytesIO()
                        book.save(out)
                        return out.getvalue()
    raise AssertionError("no GOV-01 row with a verdict column in the workbook")


def test_excel_export_then_reimport_with_a_preview(data_dirs: tuple[Path, Path], other: Store) -> None:
    at = open_lazy(open_app("audit"), IMPORT)
    at.button(key=f"audit.xlsx.{GROUP}.prepare").click()
    at.run()
    assert not at.exception
    labels = [d.proto.label for d in at.get("download_button")]
    assert "Télécharger le classeur (.xlsx)" in labels
    _, prepared = at.session_state[f"audit.xlsx.{GROUP}"]
    sheets = openpyxl.load_workbook(io.BytesIO(prepared), read_only=True).sheetnames
    assert "Stratégie et gouvernance" in sheets
    filled = _filled_workbook(other, translate("excel.verdict_non_conform", "fr"), "Preuve absente")
    at.file_uploader(key=f"audit.upload.{GROUP}.0").upload("revue.xlsx", filled, "application/octet-stream")
    open_lazy(at, IMPORT)
    assert not at.exception
    preview = md_table(at, "Avant")
    assert [row["Critère"] for row in preview] == ["GOV-01", "GOV-01"]
    assert [row["Après"] for row in preview] == [translate("excel.verdict_non_conform", "fr"),
                                                 "Preuve absente"]
    assert other.campaign(GROUP).verdict("GOV-01") is None  # nothing saved before "apply"
    at.button(key=f"audit.apply.{GROUP}").click()
    open_lazy(at, IMPORT)
    assert "2 changements importés depuis le classeur." in texts(at)
    stored = other.campaign(GROUP).verdict("GOV-01")
    assert stored is not None
    assert (stored.verdict, stored.comment) == (Verdict.NON_CONFORM, "Preuve absente")
    assert figure(at, "Points vérifiés") == "0 / 1\u202f000"
    assert at.file_uploader(key=f"audit.upload.{GROUP}.1").value is None  # a fresh uploader


def test_a_file_that_is_not_a_workbook_is_refused_plainly(data_dirs: tuple[Path, Path], other: Store) -> None:
    at = open_lazy(open_app("audit"), IMPORT)
    uploader = at.file_uploader(key=f"audit.upload.{GROUP}.0")
    uploader.upload("revue.xlsx", b"not a zip at all", "application/zip")
    open_lazy(at, IMPORT)
    assert not at.exception
    assert any("Classeur refusé, rien n'a été modifié" in e.value for e in at.error)
    # The core's refusal (excel/safety.py), in the page's language.
    assert any("le fichier n'est pas une archive zip" in unescape(m.value) for m in at.markdown)
    assert other.campaign(GROUP).verdict("GOV-01") is None


def test_a_formula_in_the_workbook_is_refused_with_its_cell(data_dirs: tuple[Path, Path],
                                                            other: Store) -> None:
    filled = _filled_workbook(other, translate("excel.verdict_conform", "fr"), "=HYPERLINK(\"x\")")
    at = open_lazy(open_app("audit"), IMPORT)
    at.file_uploader(key=f"audit.upload.{GROUP}.0").upload("revue.xlsx", filled, "application/octet-stream")
    open_lazy(at, IMPORT)
    assert any("Classeur refusé" in e.value for e in at.error)
    problems = next(unescape(m.value) for m in at.markdown if "| Problème |" in unescape(m.value))
    row = problems.splitlines()[2]  # the header, the rule, then the one problem
    assert "revue.xlsx" in row
    assert "| GOV-01 |" in row
    assert "une formule (=HYPERLINK" in row  # the core's import error, in the page's language
    assert not [b for b in at.button if b.key == f"audit.apply.{GROUP}"]
    assert other.campaign(GROUP).verdict("GOV-01") is None


def test_english(data_dirs: tuple[Path, Path]) -> None:
    at = open_app("audit", lang="en")
    assert at.title[0].value == "Audit"
    assert figure(at, "Verified points") == "Not audited"
    assert {row["Verdict"] for row in md_table(at, "Verdict")} == {"– No verdict"}


def test_a_service_campaign_offers_its_rgesn_declaration(demo_dirs: Path) -> None:
    from .test_context_selection import linked

    at = linked({"organisation": "hexapost", "entity": "hexapost-suivi"}, page="audit")
    prepare = [b for b in at.button if b.label == "Préparer la déclaration RGESN du service (PDF)"]
    assert len(prepare) == 1
    prepare[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    download = [b for b in at.get("download_button") if "déclaration RGESN" in b.proto.label]
    assert len(download) == 1
    label = linked({"organisation": "hexapost", "entity": "hexapost-colis"}, page="audit")
    assert not [b for b in label.button if "déclaration RGESN" in b.label]


def test_the_theme_chosen_stays_after_a_language_switch(data_dirs: tuple[Path, Path]) -> None:
    at = open_app("audit")
    at.pills(key=f"audit.theme.{GROUP}").set_value("use").run()
    at.sidebar.button_group(key="lang").set_value("en").run()
    themes = at.pills(key=f"audit.theme.{GROUP}")
    assert themes.value == "use"
    assert list(themes.options) == ["Strategy and governance", "Use"]
    assert criteria(at, "Criterion") == ["USE-01", "USE-03"]
