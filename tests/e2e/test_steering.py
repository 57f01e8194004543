"""The steering pages in Chromium: the dashboard draws its charts (and exports one for slides),
a commitment typed in the plan moves the projection, the audit page opens a criterion.

Works on the demo's Groupe Hexapost (a group and three entities, baseline and year 1) and
on the empty "Atelier E2E" campaign of the session's server. Screenshots go to
``test-artifacts/screenshots/steering-*.png``.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from playwright.sync_api import expect

from labelnr.assessment import Commitment
from labelnr.loader import load_catalog
from labelnr.storage import open_store

from .conftest import E2E_ENTITY, E2E_ENTITY_NAME, ROOT, Server, screenshot, wait_for_app
from .test_pages import _own_violations

pytestmark = [pytest.mark.browser, pytest.mark.slow]

GROUP_ENTITY = "Groupe Hexapost — périmètre groupe"
YEAR_ONE = re.compile(r"^Revue annuelle 2026 \(année 1\)")


def pick(page: Any, label: str, option: str | re.Pattern[str]) -> None:
    """The sidebar's picker, behind its "Changer…" popover (one helper for every browser test)."""
    from .conftest import pick as sidebar_pick

    sidebar_pick(page, label, option)


def choose(page: Any, within: Any, label: str, typed: str, option: re.Pattern[str]) -> None:
    """Pick in a selectbox by typing to filter its list, then wait for the list to close."""
    box = within.get_by_role("combobox", name=label)
    box.click()
    box.fill(typed)
    page.get_by_role("option", name=option).first.click()
    expect(page.get_by_role("listbox")).to_have_count(0)


def open_hexapost_year_one(page: Any, url: str) -> None:
    page.goto(url)
    wait_for_app(page)
    pick(page, "Organisation", "Groupe Hexapost")
    pick(page, "Entité", GROUP_ENTITY)
    pick(page, "Campagne", YEAR_ONE)
    expect(page.get_by_text(re.compile(r"Groupe Hexapost — périmètre groupe ·")).first).to_be_visible()


def _unanswered(server: Server, entity: str) -> str:
    """A criterion the entity's first campaign leaves unanswered (other tests answer some)."""
    with open_store(data_dir=server.data_dir, catalog=load_catalog([ROOT / "criteria"])) as store:
        view = store.campaign(store.campaigns(entity)[0].id)
        ref = store.referential_of(view.id)
        return next(c.id for c in reversed(ref.criteria_for(view.assessment.profile))
                    if c.id not in view.effective)


def _commitments(server: Server, entity: str) -> list[Commitment]:
    """The plan of the entity's first campaign, read from the server's database."""
    with open_store(data_dir=server.data_dir, catalog=load_catalog([ROOT / "criteria"])) as store:
        campaign = store.campaigns(entity)[0]
        return [item.commitment for item in store.campaign(campaign.id).commitments]


def assert_accessible(page: Any) -> None:
    """axe-core on the page as it stands (charts drawn, criterion open), Streamlit's own markup aside."""
    from axe_playwright_python.sync_playwright import Axe

    own = _own_violations(Axe().run(page).response["violations"])
    assert not own, "\n".join(own)


def charts(page: Any) -> Any:
    return page.locator("[data-testid='stPlotlyChart']")


def test_dashboard_shows_its_charts_for_an_entity_and_the_organisation(app_server: Server, page: Any) -> None:
    open_hexapost_year_one(page, f"{app_server.url}/dashboard")
    # radar, trajectory, burn-up (the demo plan has commitments) and heatmap, each drawn as SVG.
    expect(charts(page)).to_have_count(4)
    for index in range(4):
        expect(charts(page).nth(index).locator(".main-svg").first).to_be_visible()
    trajectory = charts(page).nth(1)
    expect(trajectory.get_by_text("Niveau 1 (300)")).to_be_visible()  # the level line is named
    expect(trajectory.get_by_text("Réel").first).to_be_visible()
    assert page.locator("[data-testid='stException']").count() == 0
    screenshot(page, "steering-dashboard-entity")
    assert_accessible(page)

    # The slides download: a standalone HTML page named after the chart and the campaign, that
    # draws its chart with no network at all (plotly.js inlined).
    with page.expect_download() as download:
        page.get_by_role("button", name="Télécharger le graphique (HTML)").nth(1).click()
    html = download.value.path().read_text(encoding="utf-8")
    assert "<title>Trajectoire sur trois ans</title>" in html
    assert download.value.suggested_filename == "trajectoire-groupe-hexapost-perimetre-groupe-annee-1.html"
    offline = page.context.new_page()
    offline.route("**/*", lambda route: route.abort())  # any request at all fails
    offline.set_content(html)
    expect(offline.locator(".main-svg").first).to_be_visible()
    expect(offline.get_by_text("Réel").first).to_be_visible()
    offline.close()

    # The chart's data as a table, for those who cannot read the chart.
    page.get_by_text("Données du graphique").nth(1).click()
    table = page.locator("[data-testid='stDataFrame']").filter(has_text="Projeté (engagements)")
    expect(table).to_be_visible()

    page.get_by_text("Toute l'organisation", exact=True).click()
    wait_for_app(page)
    expect(page.get_by_text(re.compile(r"Moyenne des 4 entités"))).to_be_visible()
    expect(charts(page)).to_have_count(4)
    expect(charts(page).nth(3).locator(".main-svg").first).to_be_visible()
    screenshot(page, "steering-dashboard-organisation")
    assert_accessible(page)


def test_a_commitment_typed_in_the_plan_moves_the_projection(app_server: Server, page: Any) -> None:
    page.goto(f"{app_server.url}/plan")
    wait_for_app(page)
    pick(page, "Entité", E2E_ENTITY_NAME)
    year3 = page.locator("[data-testid='stMetric']").filter(has_text="Année 3 (projeté)")
    before = year3.locator("[data-testid='stMetricValue']").inner_text()

    page.get_by_text("Ajouter un engagement").click()
    form = page.locator("[data-testid='stForm']").first
    title = "Publier la politique numérique responsable"
    form.get_by_label("Intitulé de l'engagement (obligatoire)").fill(title)
    criterion = _unanswered(app_server, E2E_ENTITY)
    choose(page, form, "Critère ou thème concerné", criterion, re.compile(rf"^{re.escape(criterion)} — "))
    choose(page, form, "Niveau visé", "Raisonnable", re.compile(r"^Raisonnable$"))
    choose(page, form, "Année cible", "Année 2", re.compile(r"^Année 2$"))
    # Digits typed into the date segments are not committed by this Streamlit version: pick
    # the 15th of next month in the calendar instead.
    form.get_by_role("spinbutton", name="year, Échéance (facultative)").click()
    calendar = page.locator("#stFloatingOverlayPortal")
    calendar.locator("button[slot=next]").click()
    calendar.get_by_role("gridcell").filter(has_text="15").first.click()
    today = dt.date.today()
    due = (today.replace(day=1) + dt.timedelta(days=32)).replace(day=15)
    form.get_by_role("button", name="Ajouter l'engagement").click()
    wait_for_app(page)
    expect(page.get_by_text(f"Engagement « {title} » ajouté.")).to_be_visible()
    saved = _commitments(app_server, E2E_ENTITY)
    assert [(c.title, c.criterion, c.target_level, c.target_year, c.due) for c in saved] == [
        (title, criterion, "reasonable", 2, due)]
    after = year3.locator("[data-testid='stMetricValue']").inner_text()
    assert after != before
    expect(charts(page).first.locator(".main-svg").first).to_be_visible()
    screenshot(page, "steering-plan-added")


def test_plan_page_with_a_plan_in_progress(app_server: Server, page: Any) -> None:
    open_hexapost_year_one(page, f"{app_server.url}/plan")
    expect(page.get_by_text(re.compile(r"engagements? en retard"))).to_be_visible()
    expect(charts(page)).to_have_count(3)  # projection, one indicator, targets per theme
    for index in range(3):
        expect(charts(page).nth(index).locator(".main-svg").first).to_be_visible()
    assert page.locator("[data-testid='stException']").count() == 0
    screenshot(page, "steering-plan")
    assert_accessible(page)


def test_audit_page_opens_a_criterion_with_its_evidence_and_verdict_form(app_server: Server,
                                                                          page: Any) -> None:
    open_hexapost_year_one(page, f"{app_server.url}/audit")
    expect(page.get_by_text("Points vérifiés")).to_be_visible()
    page.locator("[data-testid='stExpander'] summary").first.click()
    wait_for_app(page)
    expect(page.get_by_role("button", name="Enregistrer le verdict")).to_be_visible()
    assert page.locator("[data-testid='stException']").count() == 0
    screenshot(page, "steering-audit")
    assert_accessible(page)
