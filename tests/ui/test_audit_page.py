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

from .conftest import metric, open_app, table, texts, unescape

GROUP = 1
FORM = f"audit.verdict.{GROUP}.GOV-01"


def open_criterion(at: AppTest, cid: str) -> AppTest:
    # AppTest does not send an expander's open state back: set it before every run.
    at.session_state[f"audit.exp.{GROUP}.{cid}"] = True
    return at.run()


def give_verdict(at: AppTest, verdict: Verdict | None, comment: str = "") -> AppTest:
    at.selectbox(key=f"{FORM}.verdict").set_value(verdict)
    at.text_area(key=f"{FORM}.comment").input(comment)
    at.button(key=f"{FORM}.submit").click()
    return open_criterion(at, "GOV-01")


def test_page_runs_with_the_demo(data_dirs: tuple[Path, Path]) -> None:
    at = open_app("audit")
    assert metric(at, "Points auto-évalués") == "147 / 1\u202f000"
    assert metric(at, "Points vérifiés") == "Non audité"  # no verdict yet
    assert metric(at, "Niveau vérifié") == "Non audité"
    assert "0 critère vérifié sur 5 par un verdict." in texts(at)
    assert "1 réponse sans verdict qui la confirme ; 0 réponse abaissée par un verdict." in texts(at)
    summary = table(at, "Verdict")
    assert list(summary["Critère"]) == ["GOV-01", "GOV-02", "GOV-03", "USE-01", "USE-03"]
    assert set(summary["Verdict"]) == {"– Pas de verdict"}
    assert list(summary["Preuves"]) == [1, 0, 0, 0, 0]
    # Criteria draw nothing until opened.
    assert not list(at.get("form"))


def test_evidence_is_listed_with_links_and_hashes(data_dirs: tuple[Path, Path], other: Store) -> None:
    data = b"%PDF-1.4 politique signee\n"
    other.add_evidence_file("someone", GROUP, "GOV-01", "politique.pdf", data, "documentation")
    at = open_criterion(open_app("audit"), "GOV-01")
    evidence = table(at, "SHA-256")
    assert list(evidence["Lien"].fillna("")) == ["https://intranet.example.org/politique", ""]
    assert list(evidence["SHA-256"]) == ["", hashlib.sha256(data).hexdigest()]
    assert list(evidence["Type"]) == ["Documentation", "Documentation"]
    # Who added it and when, in words (not an ISO date in a French table).
    assert re.fullmatch(r"someone · \d{1,2}(er)? [a-zéû]+ \d{4}", evidence["Ajoutée par"].iloc[1])
    downloads = at.get("download_button")
    assert [unescape(d.proto.label) for d in downloads] == ["Télécharger politique.pdf"]
    page = texts(at)
    assert "La politique signée" in page  # expected evidence from the referential
    assert "Politique votée en comité, publication en cours." in page


def test_a_verdict_moves_the_verified_score(data_dirs: tuple[Path, Path], other: Store) -> None:
    at = give_verdict(open_criterion(open_app("audit"), "GOV-01"), Verdict.NON_CONFORM, "Pas de preuve datée")
    assert not at.exception
    assert "Verdict enregistré pour GOV-01." in texts(at)
    # A saved verdict reruns the page, and AppTest loses the expander's open state on a rerun.
    at = open_criterion(at, "GOV-01")
    assert metric(at, "Points auto-évalués") == "147 / 1\u202f000"
    assert metric(at, "Points vérifiés") == "0 / 1\u202f000"
    stored = other.campaign(GROUP).verdict("GOV-01")
    assert stored is not None
    assert (stored.verdict, stored.comment) == (Verdict.NON_CONFORM, "Pas de preuve datée")
    assert stored.auditor == "local"
    summary = table(at, "Verdict")
    assert summary["Verdict"].iloc[0] == "✗ Non conforme"
    assert summary["Réponse vérifiée"].iloc[0] == "Aucune"
    # Partial: "partial" (0.66) is capped at 0.5 → "low" (0.33) → 73.3 points.
    at = open_criterion(give_verdict(at, Verdict.PARTIAL, ""), "GOV-01")
    assert metric(at, "Points vérifiés") == "73 / 1\u202f000"
    assert table(at, "Verdict")["Réponse vérifiée"].iloc[0] == "Faible"
    # Points read with the French decimal comma (the cells keep their numbers for sorting).
    from streamlit import dataframe_util

    element = next(d for d in at.dataframe if "Verdict" in d.value.columns)
    display = dataframe_util.convert_arrow_bytes_to_pandas_df(element.proto.arrow_data.styler.display_values)
    assert (display["Points auto-évalués"].iloc[0], display["Points vérifiés"].iloc[0]) == ("146,7", "73,3")
    assert element.value["Points vérifiés"].iloc[0] == 73.3


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
    at = open_app("audit")
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
    at.run()
    assert not at.exception
    preview = table(at, "Avant")
    assert list(preview["Critère"]) == ["GOV-01", "GOV-01"]
    assert list(preview["Après"]) == [translate("excel.verdict_non_conform", "fr"), "Preuve absente"]
    assert other.campaign(GROUP).verdict("GOV-01") is None  # nothing saved before "apply"
    at.button(key=f"audit.apply.{GROUP}").click()
    at.run()
    assert "2 changements importés depuis le classeur." in texts(at)
    stored = other.campaign(GROUP).verdict("GOV-01")
    assert stored is not None
    assert (stored.verdict, stored.comment) == (Verdict.NON_CONFORM, "Preuve absente")
    assert metric(at, "Points vérifiés") == "0 / 1\u202f000"
    assert at.file_uploader(key=f"audit.upload.{GROUP}.1").value is None  # a fresh uploader


def test_a_file_that_is_not_a_workbook_is_refused_plainly(data_dirs: tuple[Path, Path], other: Store) -> None:
    at = open_app("audit")
    uploader = at.file_uploader(key=f"audit.upload.{GROUP}.0")
    uploader.upload("revue.xlsx", b"not a zip at all", "application/zip")
    at.run()
    assert not at.exception
    assert any("Classeur refusé, rien n'a été modifié" in e.value for e in at.error)
    # The core's refusal (excel/safety.py), in the page's language.
    assert any("le fichier n'est pas une archive zip" in unescape(m.value) for m in at.markdown)
    assert other.campaign(GROUP).verdict("GOV-01") is None


def test_a_formula_in_the_workbook_is_refused_with_its_cell(data_dirs: tuple[Path, Path],
                                                            other: Store) -> None:
    filled = _filled_workbook(other, translate("excel.verdict_conform", "fr"), "=HYPERLINK(\"x\")")
    at = open_app("audit")
    at.file_uploader(key=f"audit.upload.{GROUP}.0").upload("revue.xlsx", filled, "application/octet-stream")
    at.run()
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
    assert metric(at, "Verified points") == "Not audited"
    assert set(table(at, "Verdict")["Verdict"]) == {"– No verdict"}


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


def test_the_theme_filter_reads_all_themes_after_a_language_switch(data_dirs: tuple[Path, Path]) -> None:
    at = open_app("audit")
    at.sidebar.button_group(key="lang").set_value("en").run()
    box = at.selectbox(key="audit.theme.en").proto
    # A value of None sets no index, and the browser then shows its placeholder ("Choose an option").
    assert box.HasField("default")
    assert box.options[box.default] == "All themes"
