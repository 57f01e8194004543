"""The Administration page: create organisations, entities and campaigns, start the next period
from a campaign, move a campaign's status — refusals shown plainly, never as a traceback."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from labelnr.storage import Store

from .conftest import open_app, popovers

GROUP, SITE = 1, 2


def admin() -> AppTest:
    return open_app("admin")


def submit(at: AppTest, form: str) -> AppTest:
    next(b for b in at.button if b.key and b.key.startswith(f"FormSubmitter:{form}-")).click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_create_an_organisation_with_an_id_from_its_name(data_dirs: tuple[Path, Path], other: Store) -> None:
    at = admin()
    at.text_input(key="org_name").input("Ville de Saint-Étienne")
    submit(at, "new_org")
    assert "ville-de-saint-etienne" in {o.id for o in other.organisations()}
    assert "créée" in at.success[0].value


def test_a_duplicate_is_refused_with_a_message(data_dirs: tuple[Path, Path], other: Store) -> None:
    at = admin()
    at.text_input(key="org_name").input("ACME bis")
    at.text_input(key="org_id").input("acme")
    submit(at, "new_org")
    assert any("Refusé" in e.value and "acme" in e.value for e in at.error)
    assert [o.name for o in other.organisations()] == ["ACME"]


def test_create_an_entity_under_a_parent_then_a_campaign(data_dirs: tuple[Path, Path], other: Store) -> None:
    at = admin()
    at.selectbox(key="ent_parent").set_value("acme-group")
    at.text_input(key="ent_name").input("Site de Nantes")
    submit(at, "new_entity")
    nantes = other.entity("site-de-nantes")
    assert nantes.parent_id == "acme-group"
    at.selectbox(key="camp_entity").set_value("site-de-nantes").run()
    at.selectbox(key="camp_period").set_value(at.selectbox(key="camp_period").options[0])
    at.text_input(key="camp_name").input("Diagnostic Nantes")
    submit(at, "new_campaign")
    [campaign] = other.campaigns("site-de-nantes")
    assert (campaign.referential_key, campaign.name, campaign.status.value) == \
        ("atelier@2024", "Diagnostic Nantes", "draft")


def test_start_year_one_from_the_baseline(data_dirs: tuple[Path, Path], other: Store) -> None:
    at = admin()
    at.sidebar.selectbox(key="pick_entity").set_value("acme-lyon").run()
    assert at.selectbox(key="copy_period").value.value == "year1"
    submit(at, "copy_campaign")
    campaigns = other.campaigns("acme-lyon")
    assert [c.period.value for c in campaigns] == ["baseline", "year1"]
    copy = other.campaign(campaigns[1].id)
    assert copy.assessment.answers["USE-01"].level == "low"
    assert copy.info.copied_from_id == SITE


def test_submitting_needs_a_confirmation_and_makes_a_snapshot(data_dirs: tuple[Path, Path],
                                                              other: Store) -> None:
    at = admin()
    assert at.button(key=f"status_{GROUP}").disabled
    at.checkbox(key=f"confirm_{GROUP}_submitted").check().run()
    at.button(key=f"status_{GROUP}").click().run()
    assert other.campaign_info(GROUP).status.value == "submitted"
    assert "soumise" in at.success[0].value
    assert at.button(key=f"status_{GROUP}").label == "Marquer comme auditée"


def test_english(data_dirs: tuple[Path, Path]) -> None:
    at = open_app("admin", lang="en")
    assert at.title[0].value == "Administration"
    assert [p.proto.popover.label for p in popovers(at.main)] == [
        "Submit the campaign…", "Start (Year 1)…", "New organisation…", "New entity…", "New campaign…"]


def test_every_form_waits_behind_its_button(data_dirs: tuple[Path, Path]) -> None:
    """Each action's form is in a popover: its widgets' scripts load only when it is opened."""
    at = admin()
    forms = {p.proto.popover.label: p for p in popovers(at.main)}
    assert list(forms) == ["Soumettre la campagne…", "Démarrer (Année 1)…", "Nouvelle organisation…",
                           "Nouvelle entité…", "Nouvelle campagne…"]
    assert [c.key for c in forms["Soumettre la campagne…"].checkbox] == [f"confirm_{GROUP}_submitted"]
    assert [w.key for w in forms["Démarrer (Année 1)…"].selectbox] == ["copy_period"]
    assert [w.key for w in forms["Nouvelle organisation…"].text_input] == ["org_name", "org_id"]
    assert [w.key for w in forms["Nouvelle entité…"].selectbox] == ["ent_org", "ent_parent"]
    assert [w.key for w in forms["Nouvelle campagne…"].selectbox] == [
        "camp_entity", "camp_ref", "camp_profile", "camp_period"]
    inside = sum(len(p.selectbox) + len(p.checkbox) + len(p.text_input) + len(p.date_input)
                 for p in forms.values())
    main = at.main
    everywhere = len(main.selectbox) + len(main.checkbox) + len(main.text_input) + len(main.date_input)
    assert inside == everywhere, "no form widget outside a popover"
