"""The RGESN declaration of a service: the official score worked out by hand, the criteria not
validated with their planned actions, the N/A justifications, in a PDF in French and English;
a campaign whose referential is not shaped like the RGESN is refused with a coded error."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from labelnr.assessment import CommitmentStatus
from labelnr.errors import render
from labelnr.excel.from_file import from_path
from labelnr.excel.from_store import workbook
from labelnr.excel.model import WorkbookData
from labelnr.loader import Catalog
from labelnr.report.declaration import (
    DeclarationError,
    declaration,
    declaration_pdf,
    document,
    file_name,
    shape_problems,
)
from tests.report.conftest import AT, ROOT, demo_data, pdf_text, squeeze

#: A website declared against the 78 criteria of the real RGESN 2024 grid (every criterion has a status).
PORTAIL = ROOT / "tests" / "fixtures" / "rgesn-declaration" / "portail-baseline.yaml"

# The official rule by hand: weights 1.5 (priority), 1.25 (recommended), 1 (moderate);
# score = Σ weights of validated ÷ Σ weights of applicable (in progress / to assess included).
#   family          applicable weights              validated weights           score
#   strategy        5×1.5 + 4×1.25 + 1      = 13.5  3×1.5 + 2×1.25 + 1 = 8      59.26 %
#   specifications  6×1.5 + 2×1.25          = 11.5  3×1.5 + 2×1.25     = 7      60.87 %
#   architecture    2×1.5 + 1.25 + 4×1      = 7.25  2×1.5 + 1.25 + 2×1 = 6.25   86.21 %
#   ux_ui           3×1.5 + 6×1.25 + 6×1    = 18    2×1.5 + 6×1.25 + 3 = 13.5   75 %
#   contents        2×1.5 + 3×1.25 + 2×1    = 8.75  1.5 + 2×1.25 + 2   = 6      68.57 %
#   frontend        4×1.25 + 3×1            = 8     3×1.25 + 2×1       = 5.75   71.875 %
#   backend         1.5 + 2×1.25            = 4     1.5 + 1.25         = 2.75   68.75 %
#   hosting         3×1.5 + 6×1.25          = 12    3×1.5 + 1.25       = 5.75   47.92 %
#   algorithms      1.5 (9.1; 9.2-9.7 N/A)  = 1.5   0                           0 %
#   overall                                   84.5                        55     65.09 %
FAMILIES = {
    "strategy": (8, 13.5, 8 / 13.5 * 100, 6, 10, 0),
    "specifications": (7, 11.5, 7 / 11.5 * 100, 5, 8, 2),
    "architecture": (6.25, 7.25, 6.25 / 7.25 * 100, 5, 6, 1),
    "ux_ui": (13.5, 18, 75.0, 11, 15, 0),
    "contents": (6, 8.75, 6 / 8.75 * 100, 5, 7, 1),
    "frontend": (5.75, 8, 71.875, 5, 7, 0),
    "backend": (2.75, 4, 68.75, 2, 3, 1),
    "hosting": (5.75, 12, 5.75 / 12 * 100, 4, 9, 1),
    "algorithms": (0, 1.5, 0.0, 0, 1, 6),
}
NOT_VALIDATED = ["1.4", "1.10", "2.4", "2.7", "3.3", "4.5", "4.9", "5.3", "6.4", "7.2", "9.1"]
IN_PROGRESS = ["1.5", "2.10", "4.13", "5.8", "8.4", "8.5", "8.6", "8.7"]
TO_ASSESS = ["1.8", "4.7", "6.7", "8.10"]
NOT_APPLICABLE = ["2.8", "2.9", "3.6", "5.5", "7.3", "8.8", "9.2", "9.3", "9.4", "9.5", "9.6", "9.7"]


def portail(catalog: Catalog, lang: str) -> WorkbookData:
    return from_path(PORTAIL, catalog, "referente@demoville.example", "en" if lang == "en" else "fr",
                     exported_at=AT)


@pytest.fixture(scope="module", params=["fr", "en"])
def declared(request: pytest.FixtureRequest, catalog: Catalog) -> tuple[WorkbookData, bytes]:
    data = portail(catalog, request.param)
    return data, declaration_pdf(data)


def test_the_score_overall_and_per_family_is_the_official_rule_by_hand(catalog: Catalog) -> None:
    decl = declaration(portail(catalog, "fr"))
    assert (decl.validated_weight, decl.applicable_weight) == (55, 84.5)
    assert decl.percent == pytest.approx(55 / 84.5 * 100)  # 65.09 %
    for f in decl.families:
        validated, applicable, percent, *counts = FAMILIES[f.id]
        assert (f.validated_weight, f.applicable_weight) == (validated, applicable), f.id
        assert f.percent == pytest.approx(percent), f.id
        assert [f.validated, f.applicable, f.not_applicable] == counts, f.id
    assert [f.id for f in decl.families] == list(FAMILIES)
    assert decl.statuses == {"validated": 43, "not_validated": 11, "in_progress": 8, "to_assess": 4}
    assert sum(f.applicable + f.not_applicable for f in decl.families) == 78


def test_every_criterion_not_validated_is_listed_with_its_planned_actions(catalog: Catalog) -> None:
    decl = declaration(portail(catalog, "fr"))
    assert sorted(c.id for c in decl.open) == sorted(NOT_VALIDATED + IN_PROGRESS + TO_ASSESS)
    assert {c.id: c.status for c in decl.open if c.id in ("1.4", "1.5", "1.8")} == {
        "1.4": "not_validated", "1.5": "in_progress", "1.8": "to_assess"}
    actions = {c.id: c.actions for c in decl.open if c.actions}
    assert set(actions) == {"1.4", "8.4"}  # 2.7's commitment was dropped; the frontend one is a theme's
    review, update = actions["1.4"]
    assert (review.owner, review.due, review.status) == (
        "Claire Martin (référente écoconception)", dt.date(2026, 9, 30), CommitmentStatus.IN_PROGRESS)
    # No due date: the end of its target year, counted from the cycle's first campaign (2026-02-10).
    assert update.due == dt.date(2028, 2, 10)
    assert actions["8.4"][0].due == dt.date(2027, 2, 10)
    assert [c.id for c in decl.exempt] == NOT_APPLICABLE
    assert all(c.justification and not c.by_rule for c in decl.exempt)


def _facts(lang: str) -> list[str]:
    fr = lang == "fr"
    return [
        "Déclaration d'écoconception RGESN — Portail des démarches en ligne" if fr
        else "RGESN eco-design declaration — Portail des démarches en ligne",
        "Ville de Démoville", "10 février 2026" if fr else "February 10, 2026",
        "Score global : 65,1 %" if fr else "Overall score: 65.1%",
        "Stratégie 59,3 %" if fr else "Strategy 59.3%",
        "Hébergement 47,9 %" if fr else "Hosting 47.9%",
        "Algorithmie 0 %" if fr else "Algorithms 0%",
        "(55) ÷", "(84,5)" if fr else "(84.5)",
        "Non validé" if fr else "Not validated", "En cours" if fr else "In progress",
        "Aucune action prévue" if fr else "No action planned",
        "Revue d'écoconception à chaque version majeure", "Claire Martin (référente écoconception)",
        "30 septembre 2026" if fr else "September 30, 2026",
        "Mesurer le PUE de la salle serveurs de la ville", "Paul Durand (exploitation)",
        "Le portail ne propose aucune vidéo.",
    ]


def test_the_pdf_states_it_all_in_the_campaign_language(declared: tuple[WorkbookData, bytes]) -> None:
    data, pdf = declared
    text = squeeze(pdf_text(pdf))
    for fact in _facts(data.lang):
        assert squeeze(fact) in text, fact
    for c in declaration(data).open:
        assert c.id in text
        assert squeeze(c.title.get(data.lang)) in text
    justifications = {c.justification for c in declaration(data).exempt}
    assert all(squeeze(j or "") in text for j in justifications)
    # The dropped commitment and the family's commitment are not planned actions of a criterion.
    assert squeeze("Stratégie de décommissionnement") not in text
    assert squeeze("Budget environnemental par écran") not in text
    other = "fr" if data.lang == "en" else "en"  # nothing of the other language
    assert squeeze(_facts(other)[0]) not in text
    assert squeeze("No action planned" if other == "en" else "Aucune action prévue") not in text
    root: Any = PdfReader(io.BytesIO(pdf)).trailer["/Root"]
    assert root["/Lang"] == data.lang
    assert "/StructTreeRoot" in root


def test_user_text_is_placed_as_text_not_markup(catalog: Catalog) -> None:
    data = portail(catalog, "en")
    hostile = data.assessment.model_copy(update={"entity": data.assessment.entity.model_copy(
        update={"name": '#set page(fill: red) *bold* $x$ "] '})})
    pdf = declaration_pdf(dataclasses.replace(data, assessment=hostile))
    assert squeeze('#set page(fill: red) *bold* $x$ "]') in squeeze(pdf_text(pdf))


def test_a_campaign_on_a_grid_not_shaped_like_the_rgesn_is_refused(catalog: Catalog) -> None:
    label = demo_data(catalog, "fr")  # the label's grid: a maturity scale, themes scored apart
    with pytest.raises(DeclarationError) as info:
        declaration_pdf(label)
    assert info.value.code == "declaration_not_rgesn"
    fr, en = render(info.value, "fr"), render(info.value, "en")
    assert "clairconseil-baseline.yaml" in fr
    assert "label-nr@2024" in fr
    assert "n'a pas la forme d'une grille RGESN" in fr
    assert "une échelle de statuts" in fr
    assert "not shaped like an RGESN grid" in en
    assert "a status scale" in en
    assert "weights by priority" in en
    assert "labelnr report" in en


def test_the_shape_is_read_from_the_referential_data_not_its_id(catalog: Catalog) -> None:
    data = portail(catalog, "fr")
    renamed = data.referential.model_copy(update={"id": "eco-grille", "version": "1"})
    decl = declaration(dataclasses.replace(data, referential=renamed))
    assert decl.validated_weight == 55
    scale = data.referential.scale.model_copy(update={"kind": "maturity"})
    flat = data.referential.model_copy(update={"scale": scale})
    assert [m.code for m in shape_problems(flat)] == ["rgesn_shape_status_scale"]
    with pytest.raises(DeclarationError):
        declaration(dataclasses.replace(data, referential=flat))
    scoring = data.referential.scoring.model_copy(update={"priority_weights": {}, "method": "themes"})
    unweighted = data.referential.model_copy(update={"scoring": scoring})
    assert [m.code for m in shape_problems(unweighted)] == ["rgesn_shape_priority_weights",
                                                            "rgesn_shape_pooled"]


def test_the_document_and_file_name() -> None:
    assert file_name("Portail / démarches", dt.date(2026, 2, 10)) == \
        "declaration-rgesn-Portail_démarches-2026-02-10.pdf"


def test_the_template_input_formats_every_number(catalog: Catalog) -> None:
    body = document(declaration(portail(catalog, "en")))["body"]
    assert body["score"] == "65.1%"
    assert [f["percent"] for f in body["families"]][:2] == ["59.3%", "60.9%"]
    assert body["open"][0]["actions"][0]["due"] == "September 30, 2026"


def test_a_stored_service_campaign_is_declared_through_the_store_workbook_read(
    catalog: Catalog, tmp_path: Path,
) -> None:
    from labelnr.auth import enforce_grants
    from labelnr.cli import main
    from labelnr.permissions import LOCAL_USER
    from labelnr.storage import Store

    assert main(["import", str(PORTAIL.parent), "--data-dir", str(tmp_path)]) == 0
    store = Store(None, tmp_path, catalog)
    try:
        data = workbook(enforce_grants(store).as_actor(LOCAL_USER), 1, "en", exported_at=AT)
    finally:
        store.dispose()
    decl = declaration(data)
    assert (decl.service, decl.campaign_id, decl.validated_weight, decl.applicable_weight) == (
        "Portail des démarches en ligne", "1", 55, 84.5)
    assert {c.id for c in decl.open if c.actions} == {"1.4", "8.4"}
    assert squeeze("Overall score: 65.1%") in squeeze(pdf_text(declaration_pdf(data)))


def test_cli_writes_a_service_declaration_from_a_file_and_from_the_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from labelnr.cli import main

    service = ROOT / "audits" / "hexapost-suivi-baseline.yaml"
    out = tmp_path / "declaration.pdf"
    assert main(["report", str(service), "--rgesn-declaration", str(out), "--lang", "en"]) == 0
    text = squeeze(pdf_text(out.read_bytes()))
    assert squeeze("Suivi de colis en ligne") in text
    data_dir = tmp_path / "data"
    assert main(["import", str(ROOT / "audits"), "--data-dir", str(data_dir)]) == 0
    capsys.readouterr()
    assert main(["export-yaml", "--all", str(tmp_path / "yaml"), "--data-dir", str(data_dir)]) == 0
    stored = next((tmp_path / "yaml").glob("hexapost-suivi--*.yaml"))
    assert main(["report", str(stored), "--rgesn-declaration", str(tmp_path / "s.pdf")]) == 0


def test_cli_refuses_a_declaration_of_a_label_campaign_or_without_one_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LABELNR_LANG", "en")  # the messages read below are the English ones
    from labelnr.cli import main

    out = tmp_path / "x.pdf"
    label = ROOT / "audits" / "clairconseil-baseline.yaml"
    assert main(["report", str(label), "--rgesn-declaration", str(out)]) != 0
    assert "not shaped like an RGESN grid" in capsys.readouterr().err
    service = str(ROOT / "audits" / "hexapost-suivi-baseline.yaml")
    assert main(["report", service, "--rgesn-declaration", str(out), "--pdf", str(out)]) != 0
    assert main(["report", service]) != 0
    assert "--rgesn-declaration FILE.pdf" in capsys.readouterr().err
    assert not out.exists()
