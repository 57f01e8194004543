"""What the pages show is what the score counts — over the demo data of ``audits/``.

Hexapost's agencies (year 1) answer "no" to software development (AO-1.1, AO-1.3, AO-1.5 and
FC-2.3 leave the campaign) and to an own data centre (AO-2.1 and AO-2.2 are not applicable,
although the group's answers would be inherited); nobody has given a verdict on them yet.
"""

from __future__ import annotations

import re
from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests.ui.conftest import figure, md_table, open_lazy, tables, texts, unescape
from tests.ui.test_context_selection import AGENCIES, linked


def agencies(page: str = "assessment", lang: str | None = None) -> AppTest:
    return linked(AGENCIES, page, lang)  # opens on the latest campaign, year 1


def test_the_criteria_offered_are_those_the_score_counts(demo_dirs: Path) -> None:
    at = agencies()
    campaign = at.query_params["campaign"]
    at.button_group(key="flt_theme").set_value("*").run()  # every theme
    offered = [unescape(o).split(" : ")[0] for o in at.button_group(key="criterion_pick").options]
    assert len(offered) == 51  # 57 in the profile, 4 excluded by a "no", 2 not applicable by rule
    for cid in ("AO-1.1", "AO-1.3", "AO-1.5", "FC-2.3", "AO-2.1", "AO-2.2"):
        assert cid not in offered, cid
    assert score_line(at)["Critères répondus"].endswith("/ 51")
    shown = texts(at)
    assert "51 critères affichés sur 51" in shown
    assert not tables(at), "the criteria not asked are drawn once their box is opened"
    at.session_state[f"not_asked.{campaign}"] = True  # AppTest does not send an expander's state back
    at.run()
    forced, out = tables(at)[-2:]
    assert [r["Critère"] for r in forced] == ["AO-2.1", "AO-2.2"]
    assert forced[0]["Raison"].startswith("Pas de centre de données")
    assert "hérité de Groupe Hexapost" in forced[0]["Réponse ignorée"]  # shown, and said to be ignored
    assert {"AO-1.1", "AO-1.3", "AO-1.5", "FC-2.3"} <= {r["Critère"] for r in out}
    assert "Réponse « non » à" in next(r["Raison"] for r in out if r["Critère"] == "AO-1.1")
    assert f"a{campaign}.AO-1.1.level" not in at.session_state  # nothing to save it with


def score_line(at: AppTest) -> dict[str, str]:
    """The self-assessment's score line "Points : **x** · Niveau atteint : **y** · …", label → value."""
    line = next(unescape(m.value) for m in at.markdown if m.value.startswith(("Points :", "Points:")))
    return {label.strip(): value for label, value in re.findall(r"([^·*]+?)\s?: \*\*(.+?)\*\*", line)}


def test_the_score_panel_names_missing_mandatory_criteria_by_id_and_title(demo_dirs: Path) -> None:
    shown = texts(agencies())
    line = next(s for s in shown.splitlines() if "critères obligatoires à satisfaire" in s)
    assert "FC-2.1 (Formation certifiante du référent et de l’équipe projet)" in unescape(line), line


def test_the_score_panel_opens_a_missing_mandatory_criterion_and_shows_the_themes(demo_dirs: Path) -> None:
    at = agencies()
    campaign = at.query_params["campaign"]
    at.session_state[f"scores.detail.{campaign}"] = True  # AppTest does not send an expander's state back
    at.run()
    [themes] = tables(at)
    assert [r["Thème"] for r in themes] == ["Gouvernance et stratégie", "Formation", "Approches transverses",
                                            "Utilisateurs", "Organisation"]
    assert sum(int(r["Critères répondus"].split(" / ")[1]) for r in themes) == 51  # the score's denominator
    missing = next(b for b in at.button if unescape(b.label).startswith("FC-2.1 — Formation certifiante"))
    missing.click().run()
    assert at.query_params["criterion"] == "FC-2.1"
    assert at.button_group(key="criterion_pick").value == "FC-2.1"
    assert at.button_group(key="flt_theme").value == "formation"  # its theme's list
    assert at.radio(key=f"a{campaign}.FC-2.1.level") is not None  # its editor


def test_no_verdict_yet_says_not_audited_instead_of_a_verified_level(demo_dirs: Path) -> None:
    at = agencies("audit")
    assert figure(at, "Niveau vérifié") == "Non audité"
    assert figure(at, "Points vérifiés") == "Non audité"
    assert ("Pas encore audité : aucun verdict, le score vérifié n'existe pas encore. "
            "0 critère vérifié sur 51 par un verdict. 51 réponses sans verdict") in texts(at)
    campaign = at.query_params["campaign"]
    at.pills(key=f"audit.theme.{campaign}").set_value("organisation").run()  # AO-2.1's theme
    listed = md_table(at, "Verdict")
    self_assessed = {row["Critère"]: row["Réponse auto-évaluée"] for row in listed}
    assert self_assessed["AO-2.1"].startswith("Non applicable d'office (Pas de centre")  # not "Partielle"
    by_theme = md_table(open_lazy(at, f"audit.themes_open.{campaign}"), "Vérifié")
    assert {row["Vérifié"] for row in by_theme} == {"—"}  # no verified percentage per theme either
    board = agencies("dashboard")
    assert figure(board, "Points vérifiés") == "Non audité"


def test_verdicts_give_a_verified_level(demo_dirs: Path) -> None:
    at = linked({"organisation": "hexapost", "entity": "hexapost-group"}, "audit")
    assert figure(at, "Niveau vérifié") != "Non audité"
    assert "6 critères vérifiés sur 57 par un verdict." in texts(at)  # the 7th is "not verified"


def test_mandatory_means_the_same_in_the_gap_line_and_the_gap_table(demo_dirs: Path) -> None:
    at = agencies("dashboard")
    shown = texts(at)
    # The next level is 1: its mandatory criterion is named with its title, the level and a link.
    assert "critères obligatoires à atteindre : FC-2.1 (Formation certifiante" in shown
    link = unescape(str(next(m.value for m in at.markdown if m.value.startswith("- [FC"))))
    campaign = at.query_params["campaign"]
    assert link.startswith("- [FC-2.1 — Formation certifiante du référent et de l’équipe projet]"
                           f"(assessment?organisation=hexapost&entity=hexapost-agences&campaign={campaign}"
                           "&criterion=FC-2.1)")
    assert link.endswith("obligatoire pour le Niveau 1")
    gaps = md_table(open_lazy(at, f"dashboard.gaps.{campaign}"), "Obligatoire pour")
    mandatory = {row["Critère"]: row["Obligatoire pour"] for row in gaps}
    assert mandatory["FC-2.1"] == "Niveau 1"
    assert mandatory["GS-2.2"] == "Niveau 2"  # the level's own list: was "Non"
    assert mandatory["AT-3.1"] == "Niveau 2"
    assert mandatory["GS-2.5"] == "Non"
    opened = {row["Critère"]: row["Ouvrir"] for row in gaps}
    assert opened["GS-2.2"].startswith("[Ouvrir le critère](assessment?")
    assert opened["GS-2.2"].endswith(f"campaign={campaign}&criterion=GS-2.2)")


def test_gap_links_and_scope_read_in_english(demo_dirs: Path) -> None:
    at = agencies("dashboard", lang="en")
    assert any("mandatory for" in str(m.value) for m in at.markdown)
    assert figure(at, "Verified points") == "Not audited"
    page = agencies(lang="en")
    assert page.expander[-1].label == "Criteria not asked: 2 not applicable by rule, 12 out of scope"
    page.session_state[f"not_asked.{page.query_params['campaign']}"] = True
    assert "Not applicable by rule (2)" in texts(page.run())
