"""The RGESN coverage in a label campaign's evidence workbook (sheet written by
labelnr/excel/_coverage_sheet.py, data read by labelnr.services.label_coverage) on the demo
data: Hexapost Colis runs the tracking website, declared against RGESN on 10 February 2026 and
again on 12 November 2026."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from excel_helpers import ROOT, open_book

from labelnr.assessment import Answer
from labelnr.excel.export import workbook_bytes
from labelnr.excel.from_store import workbook
from labelnr.excel.reimport import preview, read_workbook
from labelnr.loader import load_catalog
from labelnr.permissions import LOCAL_USER
from labelnr.storage import ActorStore, open_store
from tests.support.demo import copy_demo


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ActorStore]:
    audits = copy_demo(tmp_path_factory.mktemp("demo") / "audits")
    with open_store(data_dir=audits, catalog=load_catalog([ROOT / "criteria"])) as store:
        yield store.as_actor(LOCAL_USER)


def _latest(data: ActorStore, entity: str) -> int:
    return max(data.campaigns(entity), key=lambda c: (c.date, c.id)).id


def _sheet(content: bytes, name: str) -> list[dict[str, Any]]:
    ws = open_book(content)[name]
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def test_a_label_campaign_s_workbook_has_its_services_rgesn_coverage(demo: ActorStore) -> None:
    data = workbook(demo, _latest(demo, "hexapost-colis"), "fr")
    assert data.coverage is not None
    content = workbook_bytes(data)
    rows = _sheet(content, "Couverture RGESN")
    ao14 = [r for r in rows if r["Critère du label"] == "AO-1.4"]
    assert len(ao14) == 1
    row = ao14[0]
    assert row["Service numérique"] == "Suivi de colis en ligne"
    assert row["Date de la déclaration"] == dt.datetime(2026, 11, 12)  # its latest declaration
    assert row["Réponse proposée"] == "Partielle"  # as the crosswalk rule proposes (see the panel test)
    assert "« Partielle »" in row["Pourquoi"]
    assert row["Score RGESN du service (%)"] == pytest.approx(demo.scores(
        _latest(demo, "hexapost-suivi")).self_assessed.percent, abs=1e-3)
    statuses = row["Statuts des critères liés"]
    assert all(f"{cid} : " in statuses for cid in row["Critères RGESN liés"].split(", "))
    assert {r["Service numérique"] for r in rows} == {"Suivi de colis en ligne"}  # not another entity's
    # The workbook still comes back as it went out: the extra sheet is read-only information.
    back = preview(read_workbook(io.BytesIO(content), "retour.xlsx"), data)
    assert back.empty


def test_the_sheet_reads_in_english(demo: ActorStore) -> None:
    content = workbook_bytes(workbook(demo, _latest(demo, "hexapost-colis"), "en"))
    row = next(r for r in _sheet(content, "RGESN coverage") if r["Label criterion"] == "AO-1.4")
    assert row["Proposed answer"] == "Partial"
    assert ": " in row["Statuses of the linked criteria"]
    assert " : " not in row["Statuses of the linked criteria"]


def test_no_sheet_without_services_nor_for_a_day_before_their_declaration(tmp_path: Path) -> None:
    audits = copy_demo(tmp_path / "audits")
    with open_store(data_dir=audits, catalog=load_catalog([ROOT / "criteria"])) as store:
        data = store.as_actor(LOCAL_USER)
        label = _latest(data, "hexapost-agences")
        agences = workbook(data, label, "fr")
        assert agences.coverage is None
        assert "Couverture RGESN" not in open_book(workbook_bytes(agences)).sheetnames
        data.create_service("hexapost-agences", "agences-rdv", "Prise de rendez-vous", "website")
        today = dt.datetime.now(dt.UTC).date()
        later = data.create_campaign("agences-rdv", "rgesn", "2024", "baseline",
                                     today + dt.timedelta(days=30))
        data.save_answer(later.id, "4.1", Answer(level="validated"), 0)
        found = workbook(data, label, "fr").coverage
        assert found is not None
        assert {s.name for s in found.services} == {"Prise de rendez-vous"}
        assert workbook(data, label, "fr", as_of=today).coverage is None  # declared after that day


def test_a_service_campaign_s_own_workbook_has_no_coverage(demo: ActorStore) -> None:
    assert workbook(demo, _latest(demo, "hexapost-suivi"), "fr").coverage is None
