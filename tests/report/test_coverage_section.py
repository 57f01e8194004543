"""The committee dossier's RGESN coverage section (labelnr/report/data.coverage_section and
dossier.typ) for a label campaign whose entity runs a digital service (the demo's Hexapost Colis)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from labelnr.excel.from_store import workbook
from labelnr.loader import load_catalog
from labelnr.permissions import LOCAL_USER
from labelnr.report import campaign_pdf
from labelnr.report.data import campaign_dossier
from labelnr.storage import ActorStore, open_store
from tests.support.demo import copy_demo

from .conftest import ROOT, pdf_text, squeeze


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ActorStore]:
    audits = copy_demo(tmp_path_factory.mktemp("demo") / "audits")
    with open_store(data_dir=audits, catalog=load_catalog([ROOT / "criteria"])) as store:
        yield store.as_actor(LOCAL_USER)


def _latest(data: ActorStore, entity: str) -> int:
    return max(data.campaigns(entity), key=lambda c: (c.date, c.id)).id


def test_the_section_lists_each_mapped_criterion_with_the_services_statuses(demo: ActorStore) -> None:
    data = workbook(demo, _latest(demo, "hexapost-colis"), "fr")
    section = campaign_dossier(data)["coverage"]
    assert [s["name"] for s in section["services"]] == ["Suivi de colis en ligne"]
    assert section["services"][0]["date"] == "12 novembre 2026"
    ao14 = next(i for i in section["items"] if i["criterion"] == "AO-1.4")
    assert ao14["proposed"] == "Partielle"
    assert [s["service"] for s in ao14["services"]] == ["Suivi de colis en ligne"]
    text = squeeze(pdf_text(campaign_pdf(data)))
    assert squeeze("Couverture RGESN des services numériques") in text
    assert squeeze("Réponse proposée : Partielle") in text
    assert squeeze("12 novembre 2026") in text


def test_the_section_reads_in_english_and_is_absent_without_services(demo: ActorStore) -> None:
    text = squeeze(pdf_text(campaign_pdf(workbook(demo, _latest(demo, "hexapost-colis"), "en"))))
    assert squeeze("RGESN coverage by the digital services") in text
    assert squeeze("Proposed answer: Partial") in text
    assert squeeze("November 12, 2026") in text
    agences = workbook(demo, _latest(demo, "hexapost-agences"), "fr")
    assert campaign_dossier(agences)["coverage"] is None
    assert squeeze("Couverture RGESN") not in squeeze(pdf_text(campaign_pdf(agences)))
