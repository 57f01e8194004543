"""The three-year plan page: commitments move the projected trajectory, flags for late work and
indicators off track, forms that refuse what is incomplete, conflicts, read-only snapshots.

Demo data: the group's baseline (campaign 1) has GOV-01 "partial". Theme gov weighs 2 of 3 →
666.7 points over GOV-01..03 (222.2 each); GOV-01 partial (0.66) earns 146.7 of 1000.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from streamlit.testing.v1 import AppTest

from labelnr.assessment import Answer, Commitment, CommitmentStatus, Indicator, Measure
from labelnr.storage import Store
from labelnr.trajectory import Progress, progress

from .conftest import md_table, open_app, open_lazy, table, texts, unescape

GROUP = 1
NEW = f"plan.form.{GROUP}.new"
PROJECTED = "Projeté (engagements)"
FAR = dt.date(2099, 1, 1)  # a due date that never passes: the page judges lateness on today's date


def projected(at: AppTest, column: str = PROJECTED) -> list[str]:
    """The projected points of each year (baseline to year 3), as the plan's table reads them."""
    return [row[column] for row in md_table(at, column)]


def commitments(at: AppTest, column: str) -> list[str]:
    return [row[column] for row in md_table(at, "Engagement")]


def new_form(at: AppTest) -> AppTest:
    """The "add a commitment" form, built only once its expander is opened."""
    return open_lazy(at, f"plan.add_open.{GROUP}")


def edit(at: AppTest) -> AppTest:
    """Run with the "edit or remove a commitment" expander open (AppTest sends back no open state)."""
    return open_lazy(at, f"plan.edit_open.{GROUP}")


def add_commitment(at: AppTest, title: str, scope: str, level: str | None, year: int) -> AppTest:
    at = new_form(at)
    at.text_input(key=f"{NEW}.title").input(title)
    at.selectbox(key=f"{NEW}.scope").set_value(scope)
    at.selectbox(key=f"{NEW}.target_level").set_value(level)
    at.selectbox(key=f"{NEW}.target_year").set_value(year)
    at.button(key=f"{NEW}.submit").click()
    return at.run()


def test_page_runs_with_the_demo_and_shows_the_projection(data_dirs: tuple[Path, Path]) -> None:
    at = open_app("plan")
    assert projected(at) == ["146,7"] * 4
    rows = md_table(at, PROJECTED)
    assert [row["Année"] for row in rows] == ["État initial", "Année 1", "Année 2", "Année 3"]
    assert {row["Niveau projeté"] for row in rows} == {"Aucun niveau"}
    assert [row["Réel"] for row in rows] == ["146,7", "—", "—", "—"]
    page = texts(at)
    assert "Aucun engagement pour l'instant" in page
    assert "Aucun engagement ne porte encore d'indicateur mesurable." in page
    assert "0 cible fixée" in page
    assert [h.value for h in at.header] == ["Score projeté par année", "Engagements", "Indicateurs",
                                            "Cibles par critère"]
    # No chart, no form, no target grid until asked: their scripts are not loaded at first.
    assert not at.get("plotly_chart")
    assert not at.get("form")
    assert not at.dataframe
    labels = [e.label for e in at.expander]
    assert "Afficher le graphique" in labels
    assert "Données du graphique, et le graphique" in labels
    at = open_lazy(at, "chart.plan.trajectory", "data.plan.themes", "chart.plan.themes.on")
    assert len(at.get("plotly_chart")) == 2  # trajectory and themes
    assert len(at.get("download_button")) == 2


def test_adding_a_commitment_changes_the_projected_trajectory(data_dirs: tuple[Path, Path],
                                                              other: Store) -> None:
    at = add_commitment(open_app("plan"), "Publier la politique", "criterion:GOV-01", "full", 2)
    assert not at.exception
    assert "Engagement « Publier la politique » ajouté." in texts(at)
    # GOV-01 full from year 2: 222.2 + 0 + 0 = 222.2; baseline and year 1 unchanged.
    assert projected(at) == ["146,7", "146,7", "222,2", "222,2"]
    assert [row["Gain sur l'année précédente (points)"] for row in md_table(at, PROJECTED)] == [
        "—", "—", "+75,5", "—"]
    stored = other.campaign(GROUP).commitments
    assert [(c.commitment.title, c.commitment.criterion, c.commitment.target_level, c.commitment.target_year)
            for c in stored] == [("Publier la politique", "GOV-01", "full", 2)]
    assert commitments(at, "Engagement") == ["Publier la politique"]
    assert commitments(at, "Cible (niveau, année)") == ["Complète, Année 2"]
    # No due date: due at the end of year 2 counted from the baseline (2024-03-01), judged today.
    # (AppTest cannot fill a date input that starts empty, so the form's due date stays empty here.)
    late = progress(stored[0].commitment, dt.date.today(), dt.date(2024, 3, 1)) is Progress.LATE
    assert commitments(at, "Avancement") == ["⚠ En retard (Prévu)" if late else "→ Dans les temps (Prévu)"]


def test_the_projection_starts_from_the_latest_campaign_held(data_dirs: tuple[Path, Path],
                                                              other: Store) -> None:
    # A year-1 campaign with GOV-01 and GOV-02 full: 222.2 × 2 → 444 / 1000, level 1. The plan
    # (on the baseline) has no commitment: years 1 to 3 stay at 444, not back at the baseline's 147.
    year1 = other.create_campaign("someone", "acme-group", "atelier", "2024", "year1", dt.date(2025, 3, 1),
                                  name="Année 1 groupe")
    for cid in ("GOV-01", "GOV-02"):
        other.save_answer("someone", year1.id, cid, Answer(level="full"), 0)
    at = open_app("plan")
    assert projected(at) == ["146,7", "444,4", "444,4", "444,4"]
    assert "« Année 1 groupe — 1er mars 2025 » (Année 1)" in texts(at)


def test_a_new_commitment_left_at_the_default_year_is_not_late(data_dirs: tuple[Path, Path],
                                                               other: Store) -> None:
    # The cycle started 400 days ago: year 1 is over, year 2 in progress, so the form offers year 2.
    other.update_campaign("someone", GROUP, date=dt.date.today() - dt.timedelta(days=400))
    at = new_form(open_app("plan"))
    at.text_input(key=f"{NEW}.title").input("Publier la politique")
    at.button(key=f"{NEW}.submit").click()
    at.run()
    assert [c.commitment.target_year for c in other.campaign(GROUP).commitments] == [2]
    assert commitments(at, "Avancement") == ["→ Dans les temps (Prévu)"]
    assert not any("en retard" in w.value for w in at.warning)


def test_theme_commitment_without_level_adds_its_expected_points(data_dirs: tuple[Path, Path]) -> None:
    at = new_form(open_app("plan"))
    at.text_input(key=f"{NEW}.title").input("Former les équipes")
    at.selectbox(key=f"{NEW}.scope").set_value("theme:use")
    at.number_input(key=f"{NEW}.expected").set_value(100.0)
    at.selectbox(key=f"{NEW}.target_year").set_value(1)
    at.button(key=f"{NEW}.submit").click()
    at.run()
    assert projected(at) == ["146,7", "246,7", "246,7", "246,7"]


def test_incomplete_forms_are_refused_with_a_message(data_dirs: tuple[Path, Path], other: Store) -> None:
    at = new_form(open_app("plan"))
    at.button(key=f"{NEW}.submit").click()
    at.run()
    assert "Donnez un intitulé à l'engagement." in [e.value for e in at.error]
    at.text_input(key=f"{NEW}.title").input("Réemploi")
    at.text_input(key=f"{NEW}.ind_name").input("Part réemployée")
    at.button(key=f"{NEW}.submit").click()
    at.run()
    assert any("Indicateur incomplet" in e.value for e in at.error)
    assert not at.exception
    assert other.campaign(GROUP).commitments == ()


def test_late_commitments_and_off_track_indicators_are_flagged(data_dirs: tuple[Path, Path],
                                                               other: Store) -> None:
    other.add_commitment("someone", GROUP, Commitment(
        title="Inventaire du parc", criterion="USE-01", target_level="partial", target_year=1,
        due=dt.date(2020, 1, 1)))
    other.add_commitment("someone", GROUP, Commitment(
        title="Réemployer", theme="use", target_year=2, due=FAR, indicator=Indicator(
            name="Part réemployée", unit="%", baseline=10, targets={1: 30},
            actuals=[Measure(year=1, value=20)])))
    at = open_app("plan")
    warnings = [w.value for w in at.warning]
    assert any("1 engagement en retard (" in w and "Inventaire du parc" in w for w in warnings)
    assert any("1 indicateur hors trajectoire" in w and "Part réemployée" in w for w in warnings)
    assert commitments(at, "Avancement") == ["⚠ En retard (Prévu)", "→ Dans les temps (Prévu)"]
    indicators = md_table(at, "État")
    assert [(row["Indicateur"], row["État"]) for row in indicators] == [
        ("Part réemployée", "⚠ Hors trajectoire")]
    assert [row["Dernière mesure"] for row in indicators] == ["20 (Année 1)"]


def test_an_actual_measure_entered_puts_the_indicator_back_on_track(data_dirs: tuple[Path, Path],
                                                                   other: Store) -> None:
    item = other.add_commitment("someone", GROUP, Commitment(
        title="Réemployer", theme="use", target_year=2, due=FAR, indicator=Indicator(
            name="Part réemployée", unit="%", baseline=10, targets={1: 30},
            actuals=[Measure(year=1, value=20)])))
    at = open_lazy(open_app("plan"), f"plan.measure_open.{item.id}")
    form = f"plan.measure.{item.id}"
    assert at.number_input(key=f"{form}.value").label == "Valeur (%)"
    at.number_input(key=f"{form}.value").set_value(35.0)
    at.selectbox(key=f"{form}.year").set_value(1)
    at.button(key=f"{form}.submit").click()
    at.run()
    assert not at.exception
    assert "Mesure enregistrée pour « Part réemployée »." in texts(at)
    ind = other.campaign(GROUP).commitments[0].commitment.indicator
    assert ind is not None
    assert [(m.year, m.value) for m in ind.actuals] == [(1, 20), (1, 35)]
    assert [row["État"] for row in md_table(at, "État")] == ["✓ Sur la trajectoire"]
    assert not at.warning


def test_targets_set_move_the_planned_trajectory(data_dirs: tuple[Path, Path], other: Store) -> None:
    other.set_target("someone", GROUP, "GOV-02", 1, "full")
    other.set_target("someone", GROUP, "USE-01", 3, "partial")
    at = open_app("plan")
    assert "2 cibles fixées" in texts(at)
    assert not at.dataframe  # the grid (and its scripts) only once asked for
    at = open_lazy(at, f"plan.targets_open.{GROUP}")
    editor = table(at, "Cible Année 1").fillna("")
    assert list(editor["Cible Année 1"]) == ["", "Complète", "", "", ""]
    assert list(editor["Cible Année 3"]) == ["", "", "", "Partielle", ""]
    page = texts(at)
    # planned: year 1 = 146.7 + 222.2 = 368.9; year 3 adds USE-01 partial: use 333.3 / 2 × 0.66 = 110.
    assert [row["Prévu (cibles)"] for row in md_table(at, "Prévu (cibles)")] == [
        "146,7", "368,9", "368,9", "478,9"]
    assert "368,9" in page


def test_editing_and_a_conflicting_edit(data_dirs: tuple[Path, Path], other: Store) -> None:
    item = other.add_commitment("someone", GROUP, Commitment(title="Budget", criterion="GOV-03",
                                                             target_year=1, due=FAR))
    at = edit(open_app("plan"))
    form = f"plan.form.{GROUP}.{item.id}"
    assert at.text_input(key=f"{form}.title").value == "Budget"
    at.selectbox(key=f"{form}.status").set_value(CommitmentStatus.DONE)
    at.text_input(key=f"{form}.owner").input("Direction financière")
    other.update_commitment("alice@example.org", item.id, Commitment(title="Budget voté", criterion="GOV-03",
                                                                       target_year=1, due=FAR), item.revision)
    at.button(key=f"{form}.submit").click()
    edit(at)
    errors = [unescape(e.value) for e in at.error]
    assert any("Rien n'a été enregistré" in e and "alice@example.org" in e for e in errors)
    assert other.campaign(GROUP).commitments[0].commitment.title == "Budget voté"
    # What the user typed is still there after the refusal and another rerun.
    edit(at)
    assert at.text_input(key=f"{form}.owner").value == "Direction financière"
    assert at.text_input(key=f"{form}.title").value == "Budget"
    at.button(key=f"{form}.submit").click()
    edit(at)
    at.button(key=f"{form}.reload").click()
    edit(at)
    assert at.text_input(key=f"{form}.title").value == "Budget voté"
    assert at.text_input(key=f"{form}.owner").value == ""
    at.selectbox(key=f"{form}.status").set_value(CommitmentStatus.DONE)
    at.button(key=f"{form}.submit").click()
    edit(at)
    saved = other.campaign(GROUP).commitments[0].commitment
    assert (saved.title, saved.status) == ("Budget voté", CommitmentStatus.DONE)
    assert commitments(at, "Avancement") == ["✓ Réalisé"]


def test_an_untouched_form_follows_a_change_made_elsewhere(data_dirs: tuple[Path, Path],
                                                           other: Store) -> None:
    item = other.add_commitment("someone", GROUP, Commitment(title="Budget", criterion="GOV-03",
                                                             target_year=1, due=FAR))
    at = edit(open_app("plan"))
    form = f"plan.form.{GROUP}.{item.id}"
    assert at.text_input(key=f"{form}.title").value == "Budget"
    other.update_commitment("alice@example.org", item.id, Commitment(title="Budget voté", criterion="GOV-03",
                                                                       target_year=1, due=FAR), item.revision)
    edit(at)
    assert at.text_input(key=f"{form}.title").value == "Budget voté"
    at.text_input(key=f"{form}.owner").input("DAF")
    at.button(key=f"{form}.submit").click()
    edit(at)
    saved = other.campaign(GROUP).commitments[0].commitment
    assert (saved.title, saved.owner) == ("Budget voté", "DAF")


def test_removing_a_commitment(data_dirs: tuple[Path, Path], other: Store) -> None:
    item = other.add_commitment("someone", GROUP, Commitment(title="Budget", criterion="GOV-03",
                                                             target_year=1, expected_points=50))
    at = edit(open_app("plan"))
    assert projected(at)[1] == "196,7"
    at.button(key=f"plan.remove.{item.id}").click()
    edit(at)
    assert "Engagement « Budget » supprimé." in texts(at)
    assert other.campaign(GROUP).commitments == ()
    assert projected(at) == ["146,7"] * 4


def test_submitted_campaign_is_read_only(data_dirs: tuple[Path, Path], other: Store) -> None:
    other.submit("someone", GROUP)
    at = open_app("plan")
    assert any("ne peut plus être modifié" in i.value for i in at.info)
    assert not [b for b in at.button if b.key and b.key.endswith(".submit")]


def test_english(data_dirs: tuple[Path, Path]) -> None:
    at = open_app("plan", lang="en")
    assert at.title[0].value == "Three-year plan"
    assert projected(at, "Projected (commitments)") == ["146.7"] * 4
    assert [row["Year"] for row in md_table(at, "Projected (commitments)")][1] == "Year 1"
    assert "Projected level" in md_table(at, "Projected (commitments)")[0]
