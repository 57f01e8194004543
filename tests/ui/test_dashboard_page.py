"""The steering dashboard: level and gap, charts each with a text and a table, the three-year
trajectory from real campaigns, commitments burn-up, the whole organisation, English.

Demo data: the group's baseline (campaign 1) has GOV-01 "partial" → 146.7 points; the Lyon
site's baseline (campaign 2) inherits it and adds USE-01 "low" → 201.7. Level 1 needs more
than 300 points and GOV-01 fully met (mandatory, minimum credit 1); level 2 at least 500.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest

from labelnr.assessment import Answer, AuditorVerdict, Commitment, Verdict
from labelnr.storage import Store

from .conftest import figure, md_table, open_app, open_lazy, table, texts

GROUP = 1


def num_fr(value: float) -> str:
    return f"{value:.1f}".replace(".", ",").removesuffix(",0")


def charts_opened(at: AppTest, scope: str = "entity", gaps: str = f"dashboard.gaps.{GROUP}") -> AppTest:
    """Every chart asked for (its data, then the chart), and the top gaps opened."""
    keys = [f"chart.{scope}.trajectory", gaps]
    for name in ("radar", "burn_up", "heatmap"):
        keys += [f"data.{scope}.{name}", f"chart.{scope}.{name}.on"]
    return open_lazy(at, *keys)


def shown(at: AppTest, column: str, cells: str) -> list[str]:
    """The text a reader sees in ``cells`` of the table holding ``column`` (its Styler's display values)."""
    from streamlit import dataframe_util

    element = next(d for d in at.dataframe if column in d.value.columns)
    display = dataframe_util.convert_arrow_bytes_to_pandas_df(element.proto.arrow_data.styler.display_values)
    return [str(v) for v in display[cells]]


def year_one(other: Store) -> int:
    """The group's year-1 campaign: GOV-02 now full, a plan with targets and three commitments."""
    info = other.copy_campaign("someone", GROUP, "year1", dt.date(2025, 3, 1))
    other.save_answer("someone", info.id, "GOV-02", Answer(level="full"), 0)
    other.set_target("someone", info.id, "GOV-01", 2, "full")
    other.set_target("someone", info.id, "USE-01", 3, "partial")
    other.add_commitment("someone", info.id, Commitment(
        title="Politique publiée", criterion="GOV-01", target_level="full", target_year=2, status="done"))
    other.add_commitment("someone", info.id, Commitment(
        title="Inventaire", criterion="USE-01", target_level="partial", target_year=1,
        due=dt.date(2020, 1, 1)))
    other.add_commitment("someone", info.id, Commitment(
        title="Impressions", criterion="USE-03", target_level="low", target_year=3, due=dt.date(2099, 1, 1)))
    return info.id


def test_page_runs_with_the_demo(data_dirs: tuple[Path, Path]) -> None:
    at = open_app("dashboard")
    assert [h.value for h in at.header] == ["Niveau atteint", "Trajectoire sur trois ans", "Engagements",
                                            "Score par thème", "Entités × thèmes", "Principaux écarts"]
    assert figure(at, "Points (auto-évaluation)") == "147 / 1\u202f000"
    assert figure(at, "Points vérifiés") == "Non audité"
    assert figure(at, "Niveau du label") == "Aucun niveau"
    # What is left to gain, in words: no arrow nor a minus sign.
    assert figure(at, "Niveau suivant") == "Niveau 1 (encore 153,3 points)"
    page = texts(at)
    assert ("Pour atteindre « Niveau 1 » : il manque 153,3 points ; "
            "critères obligatoires à atteindre : GOV-01 (Politique numérique responsable).") in page
    assert "Après les verdicts de l'auditeur : 0 critère vérifié sur 5." in page
    # The trajectory's numbers are on the page; no chart is drawn (nor plotly loaded) until asked.
    assert [row["Prévu (cibles)"] for row in md_table(at, "Prévu (cibles)")] == ["146,7"] * 4
    assert not at.get("plotly_chart")
    assert not at.get("download_button")
    # radar and heatmap: data and chart one click away; no burn-up without commitments, said in words.
    assert "Aucun engagement dans le plan" in page
    assert [e.label for e in at.expander].count("Données du graphique, et le graphique") == 2
    assert [e.label for e in at.expander].count("Afficher le graphique") == 1
    at = charts_opened(at)
    assert not at.exception
    # Every chart has its data as a table and a download for slides.
    assert len(at.get("plotly_chart")) == 3
    assert len(at.get("download_button")) == 3
    heat = md_table(at, "Entité")
    assert [row["Entité"] for row in heat] == ["Groupe ACME", "Site de Lyon"]
    assert [row["Usages"] for row in heat] == ["0", "16,5"]
    gaps = md_table(at, "Points manquants")
    assert [row["Critère"] for row in gaps][:2] == ["GOV-02", "GOV-03"]
    # What the reader sees: decimal commas in the tables and in the charts' hovers and ticks.
    assert [row["Points manquants"] for row in gaps][:2] == ["222,2", "222,2"]
    assert gaps[0]["Ouvrir"] == ("[Ouvrir le critère]"
                                 "(assessment?organisation=acme&entity=acme-group&campaign=1&criterion=GOV-02)")
    assert {json.loads(c.proto.spec)["layout"]["separators"] for c in at.get("plotly_chart")} == {",\u202f"}


def test_trajectory_holds_planned_projected_and_actual(data_dirs: tuple[Path, Path], other: Store) -> None:
    campaign = year_one(other)
    at = open_app("dashboard")
    at.sidebar.selectbox(key="pick_campaign").set_value(campaign).run()
    assert not at.exception
    # year 1: GOV-01 partial 146.7 + GOV-02 full 222.2 = 368.9, GOV-01 still not fully met → no level.
    assert figure(at, "Points (auto-évaluation)") == "369 / 1\u202f000"
    assert figure(at, "Niveau du label") == "Aucun niveau"
    traj = pd.DataFrame(md_table(at, "Réel"))
    # Actual: the baseline (146.7) and year 1 (368.9). Planned starts from the baseline answers:
    # planned year 2: GOV-01 full 222.2; year 3: + USE-01 partial 333.3 / 2 × 0.66 = 110 → 332.2.
    # Projected starts from the latest campaign held at or before each year (progress counts):
    # year 1 from year 1's 368.9 + Inventaire (USE-01 partial) 110 = 478.9; year 2 GOV-01 full
    # (+ 75.5) → 554.4; year 3 USE-03 low 166.7 × 0.33 = 55 → 609.4. Never below the actual.
    assert list(traj["Réel"]) == ["146,7", "368,9", "—", "—"]
    assert list(traj["Prévu (cibles)"]) == ["146,7", "146,7", "222,2", "332,2"]
    assert list(traj["Projeté (engagements)"]) == ["146,7", "478,9", "554,4", "609,4"]
    assert "depuis la dernière campagne tenue, « Année 1 (1er mars 2025) » (Année 1)" in texts(at)
    # Each level's threshold the way the referential counts it (strictly above, or from).
    assert "Seuils : Niveau 1 au-delà de 300 points, Niveau 2 dès 500 points." in texts(at)
    at = charts_opened(at, gaps=f"dashboard.gaps.{campaign}")
    radar = pd.DataFrame(md_table(at, "Campagne précédente (%)"))
    assert list(radar["Campagne précédente (%)"]) == ["22", "0"]
    assert list(radar["Campagne actuelle (%)"]) == ["55,3", "0"]
    # Commitments: one done, one late, one on track, all due by year 3.
    burn = pd.DataFrame(md_table(at, "Engagements dus (cumul)"))
    assert list(burn["Engagements dus (cumul)"]) == ["1", "2", "3"]
    assert list(burn["En retard"]) == ["1", "1", "1"]
    assert list(burn["Réalisés"]) == ["0", "1", "1"]
    page = texts(at)
    assert "3 engagements dus d'ici l'année 3 : ✓ Réalisé 1, → Dans les temps 1, ⚠ En retard 1." in page
    assert any("1 engagement en retard :" in w.value and "Inventaire" in w.value for w in at.warning)
    assert len(at.get("plotly_chart")) == 4


def test_a_verdict_moves_the_verified_points(data_dirs: tuple[Path, Path], other: Store) -> None:
    other.set_verdict("auditor", GROUP, "GOV-01", AuditorVerdict(verdict=Verdict.NON_CONFORM), 0)
    at = open_app("dashboard")
    assert figure(at, "Points (auto-évaluation)") == "147 / 1\u202f000"
    assert figure(at, "Points vérifiés") == "0 / 1\u202f000"
    assert "Après les verdicts de l'auditeur : 1 critère vérifié sur 5." in texts(at)


def test_whole_organisation(data_dirs: tuple[Path, Path]) -> None:
    at = open_app("dashboard")
    at.segmented_control(key="dashboard.scope").set_value("organisation").run()
    assert not at.exception
    assert figure(at, "Entités") == "2"
    assert figure(at, "Points moyens") == "174 / 1\u202f000"  # (146.7 + 201.7) / 2
    assert figure(at, "Atteignent « Niveau 1 »") == "0 / 2"
    ranking = md_table(at, "Vers le niveau suivant")
    assert [row["Entité"] for row in ranking] == ["Site de Lyon", "Groupe ACME"]
    assert [row["Points"] for row in ranking] == ["201,7", "146,7"]  # the French decimal comma
    assert not at.get("plotly_chart")
    at = charts_opened(at, "org", "dashboard.gaps.org")
    gaps = md_table(at, "Entités concernées")
    assert [row["Entités concernées"] for row in gaps][:2] == ["2", "2"]
    assert len(at.get("plotly_chart")) == 3


def test_english(data_dirs: tuple[Path, Path]) -> None:
    at = open_app("dashboard", lang="en")
    assert at.title[0].value == "Steering dashboard"
    assert figure(at, "Points (self-assessed)") == "147 / 1,000"
    assert figure(at, "Next level") == "Level 1 (153.3 points to go)"
    assert ("To reach “Level 1”: 153.3 points short; mandatory criteria to meet: "
            "GOV-01 (Responsible digital policy).") in texts(at)
    assert [e.label for e in at.expander].count("Chart data, and the chart") == 2
    at = charts_opened(at)
    assert {json.loads(c.proto.spec)["layout"]["separators"] for c in at.get("plotly_chart")} == {".,"}


# --- what a signed-in reader sees of the organisation --------------------------------------------


def test_a_reader_of_one_entity_sees_no_other_entity_in_the_peer_comparison(other: Store) -> None:
    from labelnr.permissions import LOCAL_USER

    from .test_roles_page import app, signed_in

    DAY = dt.date(2025, 1, 15)
    other.create_entity(LOCAL_USER, "acme", "acme-paris", "Site de Paris", parent_id="acme-group")
    paris = other.create_campaign(LOCAL_USER, "acme-paris", "atelier", "2024", "baseline", DAY)
    other.save_answer(LOCAL_USER, paris.id, "GOV-01", Answer(level="full"), 0)
    other.grant_role(LOCAL_USER, "ann@example.org", "steering", "acme-lyon")
    at = app(signed_in("ann@example.org"), page="dashboard")
    at.segmented_control(key="dashboard.scope").set_value("organisation").run()
    assert not at.exception, [e.value for e in at.exception]
    assert figure(at, "Entités") == "1"
    assert figure(at, "Points moyens") == "202 / 1\u202f000"  # Lyon's 201.7 alone
    assert [row["Entité"] for row in md_table(at, "Vers le niveau suivant")] == ["Site de Lyon"]
    at = charts_opened(at, "org", "dashboard.gaps.org")
    shown = texts(at)
    assert "Site de Paris" not in shown, [line for line in shown.splitlines() if "Paris" in line]
    heatmap = md_table(at, "Entité")
    assert [row["Entité"] for row in heatmap] == ["Site de Lyon"]


def test_many_entities_get_one_box_per_theme_and_a_paged_ranking(data_dirs: tuple[Path, Path],
                                                                 other: Store) -> None:
    """Beyond 30 entities a heatmap is a wall of cells: a box per theme instead, the table kept."""
    for i in range(32):
        other.create_entity("someone", "acme", f"site-{i:02d}", f"Site {i:02d}", "acme-group")
        info = other.create_campaign("someone", f"site-{i:02d}", "atelier", "2024", "baseline",
                                     dt.date(2024, 3, 1))
        if i == 0:
            other.save_answer("someone", info.id, "USE-01", Answer(level="full"), 0)
    at = open_app("dashboard")
    at.segmented_control(key="dashboard.scope").set_value("organisation").run()
    assert not at.exception
    assert figure(at, "Entités") == "34"
    # The ranking opens on the 10 furthest ahead, a light table; "all" is a grid one can sort.
    ranking = md_table(at, "Vers le niveau suivant")
    assert len(ranking) == 10
    assert ranking[0]["Entité"] == "Site 00"  # inherits the group's answers and adds USE-01
    at = charts_opened(at, "org", "dashboard.gaps.org")
    traces = {trace["type"] for c in at.get("plotly_chart") for trace in json.loads(c.proto.spec)["data"]}
    assert "box" in traces
    assert "heatmap" not in traces
    assert "34 entités, trop pour un tableau de couleurs lisible" in texts(at)
    assert len(table(at, "Usages")) == 34  # every entity's row in the chart's data, a sortable grid
    at.segmented_control(key="dashboard.ranking").set_value("worst").run()
    worst = md_table(at, "Vers le niveau suivant")
    assert len(worst) == 10
    assert "Site 00" not in [row["Entité"] for row in worst]
    at.segmented_control(key="dashboard.ranking").set_value("all").run()
    everyone = table(at, "Vers le niveau suivant")
    assert len(everyone) == 34
    assert everyone["Entité"].iloc[0] == "Site 00"
    # Points with the French decimal comma; the column keeps numbers, so it still sorts by value.
    assert shown(at, "Vers le niveau suivant", "Points")[0] == num_fr(everyone["Points"].iloc[0])
