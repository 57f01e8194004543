"""The dashboard's digital services section (labelnr/ui/services_panel.py) on the demo data:
per entity and for the organisation, each service's latest RGESN score and its trend; a reader
of one entity sees that entity's services only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from labelnr.loader import load_catalog
from labelnr.permissions import LOCAL_USER
from labelnr.storage import Store, open_store

from .conftest import APP, PAGES, ROOT, texts
from .test_context_selection import linked

COLIS = {"organisation": "hexapost", "entity": "hexapost-colis"}


def _lines(at: AppTest, name: str) -> list[str]:
    return [line for line in texts(at).splitlines() if f"| {name} |" in line]


@pytest.fixture
def demo_store(demo_dirs: Path) -> Any:
    with open_store(data_dir=demo_dirs, catalog=load_catalog([ROOT / "criteria"])) as opened:
        yield opened


def test_the_entity_dashboard_lists_its_services_with_score_and_trend(demo_dirs: Path) -> None:
    at = linked(COLIS, page="dashboard")
    assert "Services numériques (RGESN)" in [h.value for h in at.header]
    [row] = _lines(at, "Suivi de colis en ligne")
    assert ("| Site web | Révision de la déclaration RGESN (novembre 2026) | 12 novembre 2026 | 66,9\xa0% | "
            "+9,2 points depuis le 10 février 2026 |") in row
    assert "Appli Hexapost Courrier" not in texts(at)
    assert "1 service noté, score moyen 66,9\xa0%" in texts(at)
    link = next(m.value for m in at.markdown if "Voir les services numériques" in m.value)
    assert "services?organisation=hexapost&entity=hexapost-colis&campaign=" in link
    at.session_state["lang"] = "en"
    at.run()
    assert "Digital services (RGESN)" in [h.value for h in at.header]
    [row] = _lines(at, "Suivi de colis en ligne")
    assert ("| Website | Révision de la déclaration RGESN (novembre 2026) | November 12, 2026 | 66.9% | "
            "+9.2 points since February 10, 2026 |") in row


def test_the_organisation_dashboard_lists_every_entity_s_services(demo_dirs: Path) -> None:
    at = linked(COLIS, page="dashboard")
    at.segmented_control(key="dashboard.scope").set_value("organisation").run()
    assert not at.exception, [e.value for e in at.exception]
    [suivi] = _lines(at, "Suivi de colis en ligne")
    [appli] = _lines(at, "Appli Hexapost Courrier")
    assert suivi.startswith("| Hexapost Colis & Logistique | Suivi de colis en ligne | Site web |")
    assert appli.startswith("| Hexapost Courrier | Appli Hexapost Courrier | Application |")
    assert "2 services notés, score moyen" in texts(at)


def test_a_reader_of_one_entity_sees_only_its_services_for_the_organisation(demo_store: Store) -> None:
    from .test_roles_page import AUTH, signed_in

    demo_store.grant_role(LOCAL_USER, "sam@example.org", "steering", "hexapost-colis")
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.secrets["auth"] = AUTH
    at.user = signed_in("sam@example.org")
    at.query_params.update(COLIS)
    at.run()
    at.switch_page(f"{PAGES}/dashboard.py")
    at.query_params.update(COLIS)
    at.run()
    at.segmented_control(key="dashboard.scope").set_value("organisation").run()
    assert not at.exception, [e.value for e in at.exception]
    assert _lines(at, "Suivi de colis en ligne")
    assert "Appli Hexapost Courrier" not in texts(at)
    assert "1 service noté" in texts(at)


def test_an_entity_without_service_shows_no_services_section(demo_dirs: Path) -> None:
    at = linked({"organisation": "hexapost", "entity": "hexapost-agences"}, page="dashboard")
    assert "Services numériques (RGESN)" not in [h.value for h in at.header]
