"""The digital services page (labelnr/ui/pages/services.py) on the demo data: Hexapost Colis runs
the parcel-tracking website, Hexapost Courrier the mail app; each holds an RGESN declaration."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from labelnr.assessment import Answer
from labelnr.formatting import format_number, format_percent
from labelnr.interchange import load_assessment
from labelnr.loader import load_catalog
from labelnr.permissions import LOCAL_USER
from labelnr.scoring import score_assessment
from labelnr.storage import Store, open_store

from .conftest import APP, PAGES, ROOT, texts
from .test_context_selection import linked

COLIS = {"organisation": "hexapost", "entity": "hexapost-colis"}
SUIVI = "hexapost-suivi"


@pytest.fixture
def demo_store(demo_dirs: Path) -> Any:
    """The demo database as the app opens it (filled with the demo files on first open)."""
    with open_store(data_dir=demo_dirs, catalog=load_catalog([ROOT / "criteria"])) as opened:
        yield opened


def _campaign(store: Store, service: str) -> int:
    return max(store.campaigns(service), key=lambda c: (c.date, c.id)).id


def _official_percent(period: str = "year1") -> float:
    """The tracking website's score by labelnr.scoring, straight from its demo declaration file."""
    assessment, ref = load_assessment(ROOT / "audits" / f"hexapost-suivi-{period}.yaml",
                                      load_catalog([ROOT / "criteria"]))
    percent = score_assessment(ref, assessment).percent
    assert percent is not None
    return percent


def _row(at: AppTest, service: str) -> str:
    return next(line for line in texts(at).splitlines() if line.startswith(f"| {service} |"))


def _lines(at: AppTest, service: str) -> list[str]:
    return [line for line in texts(at).splitlines() if line.startswith(f"| {service} |")]


def _pct(value: float, lang: str) -> str:
    """A percentage as a table cell shows it (the no-break space kept: "66,9 %" never wraps)."""
    return format_percent(value / 100, lang)


def test_the_entity_s_services_show_kind_campaign_date_and_the_official_score_in_french_and_english(
    demo_dirs: Path,
) -> None:
    at = linked(COLIS, page="services")
    assert at.title[0].value == "Services numériques"
    row = _row(at, "Suivi de colis en ligne")
    official = _official_percent()
    assert f"| {_pct(official, 'fr')} |" in row, row
    assert "| Site web | Révision de la déclaration RGESN (novembre 2026) | 12 novembre 2026 |" in row
    gained = official - _official_percent("baseline")
    assert f"| +{format_number(gained, 'fr', '#,##0.#')} points depuis le 10 février 2026 |" in row, row
    assert "Appli Hexapost Courrier" not in texts(at)  # another entity's service
    families = texts(at)
    assert "| Stratégie |" in families
    assert "| Algorithmie |" in families
    detail = "Suivi de colis en ligne — Révision de la déclaration RGESN (novembre 2026), 12 novembre 2026"
    assert [e.label for e in at.expander] == [detail]
    at.session_state["lang"] = "en"
    at.run()
    assert at.title[0].value == "Digital services"
    row = _row(at, "Suivi de colis en ligne")
    assert f"| {_pct(official, 'en')} |" in row, row
    assert "| Website | Révision de la déclaration RGESN (novembre 2026) | November 12, 2026 |" in row
    assert f"| +{format_number(gained, 'en', '#,##0.#')} points since February 10, 2026 |" in row, row
    assert "| Strategy |" in texts(at)


def test_a_service_picked_in_the_sidebar_shows_its_entity_s_services(demo_dirs: Path) -> None:
    at = linked({"organisation": "hexapost", "entity": SUIVI}, page="services")
    shown = texts(at)
    assert "« Suivi de colis en ligne » est un service numérique" in shown
    assert _row(at, "Suivi de colis en ligne")


def test_a_new_campaign_gives_the_trend_against_the_one_before_and_the_families_beside_it(
    demo_store: Store,
) -> None:
    latest = _campaign(demo_store, SUIVI)
    copied = demo_store.copy_campaign(LOCAL_USER, latest, "year2", dt.date(2027, 2, 10))
    before = demo_store.scores(latest).self_assessed.percent
    view = demo_store.campaign(copied.id)
    cid = next(c for c, a in view.effective.items() if a.level in ("in_progress", "to_assess"))
    demo_store.save_answer(LOCAL_USER, copied.id, cid, Answer(level="validated"), view.answer_revision(cid))
    after = demo_store.scores(copied.id).self_assessed.percent
    assert before is not None
    assert after is not None
    assert after > before
    at = linked(COLIS, page="services")
    row = _row(at, "Suivi de colis en ligne")
    assert "| 10 février 2027 |" in row
    gained = format_number(after - before, "fr", "#,##0.#")
    assert f"| +{gained} points depuis le 12 novembre 2026 |" in row, row
    assert "Campagne précédente" in texts(at)
    at.session_state["lang"] = "en"
    at.run()
    gained = format_number(after - before, "en", "#,##0.#")
    assert f"| +{gained} points since November 12, 2026 |" in _row(at, "Suivi de colis en ligne")


def test_the_local_administrator_creates_a_service_and_starts_its_rgesn_campaign(demo_dirs: Path) -> None:
    at = linked(COLIS, page="services")
    at.text_input(key="services.create.name").set_value("API de suivi")
    at.selectbox(key="services.create.kind.fr").set_value(at.selectbox(key="services.create.kind.fr").options[2])
    next(b for b in at.button if b.label == "Créer le service").click().run()
    assert not at.exception, [e.value for e in at.exception]
    shown = texts(at)
    assert "Service « API de suivi » créé sous Hexapost Colis & Logistique." in shown
    assert "| API de suivi | API | aucune campagne RGESN |" in shown
    pick = at.selectbox(key="services.start.service")
    assert pick.value == "hexapost-colis-api-de-suivi"  # the new service is preselected
    next(b for b in at.button if b.label == "Démarrer la campagne").click().run()
    assert not at.exception, [e.value for e in at.exception]
    shown = texts(at)
    assert "Campagne créée pour API de suivi." in shown
    link = next(line for line in shown.splitlines() if "Remplir la grille RGESN de API de suivi" in line)
    assert "assessment?organisation=hexapost&entity=hexapost-colis-api-de-suivi&campaign=" in link
    assert "| API de suivi | API | État initial |" in texts(at)
    assert "| première campagne | 0 sur 78 |" in _row(at, "API de suivi")
    made = at.selectbox(key="services.import.campaign.fr")  # the CSV import is offered for it
    assert made.value == int(link.split("campaign=")[1].split(")")[0])
    # Starting the same period again is refused with the store's reason, in words.
    next(b for b in at.button if b.label == "Démarrer la campagne").click().run()
    assert any("Refusé" in e.value for e in at.error)
    # The same name again is a second service, with an id of its own.
    at.text_input(key="services.create.name").set_value("API de suivi")
    next(b for b in at.button if b.label == "Créer le service").click().run()
    assert len(_lines(at, "API de suivi")) == 2


def _shared(user: str, params: dict[str, str], lang: str = "fr") -> AppTest:
    from .test_roles_page import AUTH, signed_in

    at = AppTest.from_file(str(APP), default_timeout=60)
    at.secrets["auth"] = AUTH
    at.user = signed_in(user)
    at.session_state["lang"] = lang
    at.query_params.update(params)
    at.run()
    at.switch_page(f"{PAGES}/services.py")
    at.query_params.update(params)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_a_referent_creates_a_service_under_their_entity_in_english(demo_store: Store) -> None:
    demo_store.grant_role(LOCAL_USER, "ines@example.org", "referent", "hexapost-colis")
    at = _shared("ines@example.org", COLIS, lang="en")
    assert "Create a digital service" in texts(at)
    at.text_input(key="services.create.name").set_value("Delivery slots")
    next(b for b in at.button if b.label == "Create the service").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Service 'Delivery slots' created under Hexapost Colis & Logistique." in texts(at)
    next(b for b in at.button if b.label == "Start the campaign").click().run()
    assert "Campaign created for Delivery slots." in texts(at)
    made = demo_store.services("hexapost-colis")
    assert [s.name for s in made] == ["Delivery slots", "Suivi de colis en ligne"]
    events = demo_store.events(entity_id="hexapost-colis-delivery-slots", limit=100)
    assert {e.actor for e in events} == {"ines@example.org"}


def test_steering_sees_the_services_but_no_form(demo_store: Store) -> None:
    demo_store.grant_role(LOCAL_USER, "sam@example.org", "steering", "hexapost-colis")
    at = _shared("sam@example.org", COLIS)
    assert _row(at, "Suivi de colis en ligne")
    shown = texts(at)
    assert "Créer un service numérique" not in shown
    assert "Démarrer une campagne RGESN" not in shown
    assert "Importer des réponses RGESN (CSV)" not in shown


CSV_BAD = "critère;statut;justification\n1.1;Validé;\n9.99;Validé;\n1.2;Peut-être;\n"
CSV_GOOD = "criterion,status,justification\n1.1,Validated,Done in sprint 12\n2.1,In progress,\n"


def test_a_csv_of_rgesn_answers_is_previewed_then_imported_all_or_nothing(demo_store: Store) -> None:
    campaign = _campaign(demo_store, SUIVI)
    before = demo_store.campaign(campaign).assessment.answers
    at = linked(COLIS, page="services")
    at.file_uploader(key="services.import.file.0").upload("grille.csv", CSV_BAD.encode(), "text/csv").run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("Fichier refusé, rien n'a été importé (2 problèmes)" in e.value for e in at.error)
    problems = texts(at)
    assert "| grille.csv | 3 | 9.99 |" in problems.replace("9\\.99", "9.99")
    assert "| grille.csv | 4 | 1.2 |" in problems.replace("1\\.2", "1.2")
    assert demo_store.campaign(campaign).assessment.answers == before
    at.file_uploader(key="services.import.file.0").upload("grille.csv", CSV_GOOD.encode(), "text/csv").run()
    assert "2 réponses lues, à importer :" in texts(at)
    old = before["1.1"].level
    assert old is not None
    next(b for b in at.button if b.label == "Importer les 2 réponses").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("2 réponses importées" in s.value for s in at.success)
    after = demo_store.campaign(campaign).assessment.answers
    assert (after["1.1"].level, after["1.1"].comment) == ("validated", "Done in sprint 12")
    assert after["2.1"].level == "in_progress"
    assert after["2.1"].owner == before["2.1"].owner  # what the file does not say stays


def test_the_csv_problems_read_in_english(demo_dirs: Path) -> None:
    at = linked(COLIS, page="services", lang="en")
    at.file_uploader(key="services.import.file.0").upload("grid.csv", CSV_BAD.encode(), "text/csv").run()
    assert any("File refused, nothing was imported (2 problems)" in e.value for e in at.error)
    assert "| grid.csv | 4 |" in texts(at)


def test_the_declaration_is_prepared_and_downloaded_from_the_page(demo_dirs: Path) -> None:
    at = linked(COLIS, page="services", lang="en")
    prepare = [b for b in at.button if b.label.startswith("Prepare the service's RGESN declaration")]
    assert len(prepare) == 1, [b.label for b in at.button]
    prepare[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    downloads = [b for b in at.get("download_button") if "RGESN declaration" in b.proto.label]
    assert len(downloads) == 1


def test_an_entity_without_any_campaign_declares_its_first_service(demo_store: Store) -> None:
    # A new IT department: no label campaign yet, and its referent starts with its digital services.
    demo_store.create_entity(LOCAL_USER, "hexapost", "hexapost-dsi-sud", "DSI Sud", "hexapost-colis")
    demo_store.grant_role(LOCAL_USER, "ines@example.org", "referent", "hexapost-dsi-sud")
    params = {"organisation": "hexapost", "entity": "hexapost-dsi-sud"}
    at = _shared("ines@example.org", params)
    shown = texts(at)
    assert "Aucune campagne" not in shown
    assert "Entité : **DSI Sud**" in shown
    assert "Campagne :" not in shown  # the sidebar names no campaign
    at.text_input(key="services.create.name").set_value("Portail agents")
    next(b for b in at.button if b.label == "Créer le service").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Service « Portail agents » créé sous DSI Sud." in texts(at)
    assert [s.name for s in demo_store.services("hexapost-dsi-sud")] == ["Portail agents"]
    assert at.query_params["entity"] == "hexapost-dsi-sud"
    assert "campaign" not in at.query_params
