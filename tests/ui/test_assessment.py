"""The self-assessment page: answers move the score, N/A needs a justification, conflicts keep
the user's text, evidence uploads, read-only snapshots, filters, drafts across pages, English."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

from streamlit.testing.v1 import AppTest

from labelnr.assessment import Answer
from labelnr.loader import load_catalog
from labelnr.storage import Store, open_store

from .conftest import APP, open_app, texts, unescape

PICK, THEME, ONLY = "criterion_pick", "flt_theme", "flt_only"

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
GROUP, SITE = 1, 2  # campaign ids of the demo: the group, then its Lyon site


def site_page() -> AppTest:
    at = open_app("assessment")
    at.sidebar.selectbox(key="pick_entity").set_value("acme-lyon").run()
    return at


def listed(at: AppTest) -> list[str]:
    """The criteria the list offers, in order (each option reads "ID : status — title")."""
    return [re.split(r"[ :]", unescape(o))[0] for o in at.button_group(key=PICK).options]


def statuses(at: AppTest) -> list[str]:
    """The status of each criterion of the list, as the user reads it, in list order."""
    return [unescape(o) for o in at.button_group(key=PICK).options]


def open_criterion(at: AppTest, cid: str) -> AppTest:
    """Click the criterion in the list (after choosing every theme when it is in another one)."""
    if not any(b.key == PICK for b in at.button_group):
        at.run()  # after a score-only rerun, AppTest's tree holds the fragment alone
    if cid not in listed(at):
        at.button_group(key=THEME).set_value("*").run()
    return at.button_group(key=PICK).set_value(cid).run()


def score_line(at: AppTest) -> dict[str, str]:
    """The score panel's line "Points : **x** · Niveau atteint : **y** · …", label → value."""
    line = next(unescape(m.value) for m in at.markdown if m.value.startswith(("Points :", "Points:")))
    return {label.strip(): value for label, value in re.findall(r"([^·*]+?)\s?: \*\*(.+?)\*\*", line)}


def points(at: AppTest) -> str:
    return score_line(at)["Points"]


def test_page_shows_campaign_scores_and_inherited_answers(data_dirs: tuple[Path, Path]) -> None:
    at = site_page()
    assert listed(at) == ["GOV-01", "GOV-02", "GOV-03"]  # one theme at a time: the first
    assert "hérité de Groupe ACME" in statuses(at)[0]  # GOV-01 answered by the group
    assert "3 critères affichés sur 5." in texts(at)
    assert points(at) == "202 / 1\u202f000"
    assert score_line(at)["Critères répondus"] == "2 / 5"  # GOV-01 (inherited), USE-01; of the 5 listed
    assert not at.radio, "no editor until a criterion is chosen"
    at = open_criterion(at, "GOV-01")
    assert "Réponse héritée de Groupe ACME" in texts(at)
    assert at.query_params["criterion"] == "GOV-01"
    assert at.button_group(key=PICK).value == "GOV-01"
    at.button_group(key=THEME).set_value("*").run()
    assert listed(at) == ["GOV-01", "GOV-02", "GOV-03", "USE-01", "USE-03"]


def test_answering_moves_the_score_before_and_after_saving(data_dirs: tuple[Path, Path],
                                                           other: Store) -> None:
    at = open_criterion(site_page(), "GOV-02")
    before = points(at)
    at.radio(key=f"a{SITE}.GOV-02.level").set_value("full")
    at = open_criterion(at, "GOV-02")
    # Only the score fragment reran: AppTest's tree holds that fragment alone.
    assert not at.button_group
    assert not at.radio
    assert points(at) != before
    assert "Inclut 1 modification non enregistrée." in texts(at)
    at = open_criterion(at, "GOV-02")  # a full run, as the next interaction would bring
    assert "modifié, non enregistré" in statuses(at)[1]
    at.button(key=f"a{SITE}.GOV-02.save").click()
    at = open_criterion(at, "GOV-02")
    assert not at.exception
    saved = other.campaign(SITE)
    assert saved.assessment.answers["GOV-02"].level == "full"
    assert saved.answer_revisions["GOV-02"].updated_by == "local"
    assert "non enregistrée" not in texts(at)
    assert "Complète" in statuses(at)[1]


def test_not_applicable_without_justification_is_refused(data_dirs: tuple[Path, Path], other: Store) -> None:
    at = open_criterion(site_page(), "USE-03")
    at.checkbox(key=f"a{SITE}.USE-03.na").check()
    at = open_criterion(at, "USE-03")
    at.button(key=f"a{SITE}.USE-03.save").click()
    at = open_criterion(at, "USE-03")
    assert any("doit être justifié" in e.value for e in at.error)
    assert "USE-03" not in other.campaign(SITE).assessment.answers
    at.text_area(key=f"a{SITE}.USE-03.just").input("Pas d'imprimante sur ce site.")
    at.button(key=f"a{SITE}.USE-03.save").click()
    at = open_criterion(at, "USE-03")
    na = other.campaign(SITE).assessment.answers["USE-03"].not_applicable
    assert na is not None
    assert na.justification == "Pas d'imprimante sur ce site."


def test_conflict_names_the_other_author_and_keeps_the_draft(data_dirs: tuple[Path, Path],
                                                             other: Store) -> None:
    at = open_criterion(site_page(), "GOV-02")
    at.radio(key=f"a{SITE}.GOV-02.level").set_value("full")
    at.text_area(key=f"a{SITE}.GOV-02.comment").input("Nommé en mars.")
    at = open_criterion(at, "GOV-02")
    at = open_criterion(at, "GOV-02")  # the answer change reran the score fragment only
    other.save_answer("alice@example.org", SITE, "GOV-02", Answer(level="low"), 0)
    at.button(key=f"a{SITE}.GOV-02.save").click()
    at = open_criterion(at, "GOV-02")
    warning = unescape(" ".join(w.value for w in at.warning))
    assert "alice@example.org" in warning
    assert at.text_area(key=f"a{SITE}.GOV-02.comment").value == "Nommé en mars."
    assert other.campaign(SITE).assessment.answers["GOV-02"].level == "low"
    at.button(key=f"a{SITE}.GOV-02.overwrite").click()
    at = open_criterion(at, "GOV-02")
    answer = other.campaign(SITE).assessment.answers["GOV-02"]
    assert (answer.level, answer.comment) == ("full", "Nommé en mars.")


def test_taking_their_version_replaces_the_draft(data_dirs: tuple[Path, Path], other: Store) -> None:
    at = open_criterion(site_page(), "GOV-02")
    at.radio(key=f"a{SITE}.GOV-02.level").set_value("full")
    at = open_criterion(at, "GOV-02")
    other.save_answer("alice@example.org", SITE, "GOV-02", Answer(level="low", comment="Par Alice"), 0)
    at = open_criterion(at, "GOV-02")
    assert "alice@example.org" in unescape(" ".join(w.value for w in at.warning))
    at.button(key=f"a{SITE}.GOV-02.theirs").click()
    at = open_criterion(at, "GOV-02")
    assert at.radio(key=f"a{SITE}.GOV-02.level").value == "low"
    assert at.text_area(key=f"a{SITE}.GOV-02.comment").value == "Par Alice"
    assert not at.warning


def test_evidence_upload_and_a_refused_file(data_dirs: tuple[Path, Path], other: Store) -> None:
    at = open_criterion(site_page(), "GOV-02")
    at.file_uploader(key=f"a{SITE}.GOV-02.file").upload("lettre.txt", b"Lettre de mission\n", "text/plain")
    at.button(key=f"FormSubmitter:a{SITE}.GOV-02.upload_form-Joindre").click()
    at = open_criterion(at, "GOV-02")
    assert not at.exception
    items = other.campaign(SITE).evidence["GOV-02"]
    assert [(i.filename, i.size) for i in items] == [("lettre.txt", 18)]
    assert "lettre.txt" in texts(at)
    at.file_uploader(key=f"a{SITE}.GOV-02.file").upload("outil.exe", b"MZ\x90\x00binary",
                                                        "application/x-msdownload")
    at.button(key=f"FormSubmitter:a{SITE}.GOV-02.upload_form-Joindre").click()
    at = open_criterion(at, "GOV-02")
    assert any("Preuve refusée" in e.value for e in at.error)
    assert len(other.campaign(SITE).evidence["GOV-02"]) == 1


def test_submitted_campaign_is_read_only(data_dirs: tuple[Path, Path], other: Store) -> None:
    other.submit("local", SITE)
    at = open_criterion(site_page(), "USE-01")
    assert any("lecture seule" in i.value for i in at.info)
    assert not at.radio
    assert [b.key for b in at.button] == [f"a{SITE}.USE-01.previous", f"a{SITE}.USE-01.next"]  # no save
    assert "Faible" in texts(at)


def test_filters(data_dirs: tuple[Path, Path]) -> None:
    at = site_page()
    at.button_group(key=THEME).set_value("*").run()
    at.button_group(key=ONLY).set_value(["unanswered"]).run()
    assert listed(at) == ["GOV-02", "GOV-03", "USE-03"]
    at.button_group(key=ONLY).set_value(["mandatory"]).run()
    assert listed(at) == ["GOV-01"]
    assert "obligatoire pour le" in statuses(at)[0]
    at.button_group(key=ONLY).set_value([]).run()
    at.button_group(key=THEME).set_value("use").run()
    assert listed(at) == ["USE-01", "USE-03"]
    at.button_group(key=ONLY).set_value(["missing_evidence", "unanswered"]).run()
    assert listed(at) == ["USE-03"]


def test_draft_survives_switching_pages(data_dirs: tuple[Path, Path]) -> None:
    at = open_criterion(site_page(), "GOV-03")
    at.text_area(key=f"a{SITE}.GOV-03.comment").input("Brouillon à garder")
    at = open_criterion(at, "GOV-03")
    at.switch_page("labelnr/ui/pages/referentials.py").run()
    at.switch_page("labelnr/ui/pages/assessment.py").run()
    # Back on the page, the criterion worked on is open again, with what was typed.
    assert at.button_group(key=PICK).value == "GOV-03"
    assert at.query_params["criterion"] == "GOV-03"
    assert at.text_area(key=f"a{SITE}.GOV-03.comment").value == "Brouillon à garder"
    assert "modifié, non enregistré" in statuses(at)[2]
    assert "Inclut 1 modification non enregistrée." in texts(at)


def test_language_switch_shows_english(data_dirs: tuple[Path, Path]) -> None:
    at = open_app("assessment")
    at.sidebar.button_group(key="lang").set_value("en").run()
    assert at.title[0].value == "Self-assessment"
    assert "Responsible digital policy" in statuses(at)[0]
    assert "Points: **" in next(m.value for m in at.markdown if m.value.startswith("Points"))
    assert [s.label for s in at.sidebar.selectbox] == ["Organisation", "Entity", "Campaign"]
    theme = at.button_group(key=THEME)
    assert theme.options[-1] == "All themes"
    assert theme.value is not None  # a theme is always chosen, never an empty choice


def test_the_theme_chosen_stays_chosen_across_a_language_switch(data_dirs: tuple[Path, Path]) -> None:
    # A browser sends a button group's choice back as its label: after a switch that label is
    # the other language's, which matches no option; the choice kept in session state stands.
    at = open_app("assessment")
    first = listed(at)
    at.sidebar.button_group(key="lang").set_value("en").run()
    assert listed(at) == first
    at.button_group(key=THEME).set_value("use").run()
    at.sidebar.button_group(key="lang").set_value("fr").run()
    assert at.button_group(key=THEME).value == "use"
    assert {i.split("-")[0] for i in listed(at)} == {"USE"}
    at.button_group(key=THEME).set_value("*").run()
    every = listed(at)
    at.sidebar.button_group(key="lang").set_value("en").run()
    assert listed(at) == every
    assert len(every) > len(first)


def test_a_steering_member_reads_a_draft_without_answering(data_dirs: tuple[Path, Path],
                                                           other: Store) -> None:
    other.grant_role("local", "sam@example.org", "steering", "acme")
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.secrets["auth"] = {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "a-long-random-cookie-secret-for-the-tests-0123456789",
        "client_id": "workbook", "client_secret": "not-so-secret",
        "server_metadata_url": "http://127.0.0.1:9400/.well-known/openid-configuration",
    }
    at.user = {"is_logged_in": True, "sub": "sam", "email": "sam@example.org"}
    at.run()
    at.sidebar.selectbox(key="pick_entity").set_value("acme-lyon").run()
    at = open_criterion(at, "USE-01")
    assert not at.exception
    assert any("pas d'y répondre" in i.value for i in at.info)
    assert not at.radio
    assert "Faible" in texts(at)


def test_status_referential_tells_in_progress_from_to_assess_and_shows_priorities(
        data_dirs: tuple[Path, Path]) -> None:
    # An RGESN-like campaign (tests/fixtures/rgesn-mini.yaml, 9 criteria weighted by priority).
    criteria, audits = data_dirs
    shutil.copy(FIXTURES / "rgesn-mini.yaml", criteria / "rgesn-mini.yaml")
    data = open_store(data_dir=audits, catalog=load_catalog([criteria]))
    data.create_entity("local", "acme", "acme-web", "Site web")
    campaign = data.create_campaign("local", "acme-web", "rgesn-mini", "2024", "baseline",
                                    dt.date(2025, 1, 1))
    for cid, level in {"1.1": "validated", "1.2": "in_progress", "3.1": "to_assess"}.items():
        data.save_answer("local", campaign.id, cid, Answer(level=level), 0)
    at = open_app("assessment")
    at.sidebar.selectbox(key="pick_entity").set_value("acme-web").run()
    assert score_line(at)["Critères répondus"] == "1 / 9"
    captions = [c.value for c in at.caption]
    assert "En cours : 1 · À évaluer : 1 · Sans réponse : 6" in captions
    at = open_criterion(at, "1.2")
    assert "Priorité : Recommandé · Poids : 1.25" in [c.value for c in at.caption]
