"""RGESN coverage of a label criterion across two services: statuses, family scores, dates, and a
proposed answer derived by the crosswalk's rule (data), with its reasoning, never written."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from labelnr.assessment import Answer, NotApplicable
from labelnr.coverage import CoverageError, ServiceAssessment, coverage, service_assessment
from labelnr.crosswalk import Combine, Crosswalk, load_crosswalk
from labelnr.errors import render
from labelnr.interchange import load_assessment
from labelnr.loader import Catalog, load_catalog
from labelnr.referential import Referential
from labelnr.scoring import score

ROOT = Path(__file__).resolve().parents[1]
WALK = ROOT / "criteria" / "mappings" / "label-nr-2024--rgesn-2024.yaml"
PORTAIL = ROOT / "tests" / "fixtures" / "rgesn-declaration" / "portail-baseline.yaml"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog([ROOT / "criteria"])


@pytest.fixture(scope="module")
def walk(catalog: Catalog) -> Crosswalk:
    return load_crosswalk(WALK, catalog)


@pytest.fixture(scope="module")
def grids(catalog: Catalog) -> tuple[Referential, Referential]:
    label, rgesn = catalog.get("label-nr", "2024"), catalog.get("rgesn", "2024")
    assert label is not None
    assert rgesn is not None
    return label, rgesn


@pytest.fixture(scope="module")
def services(catalog: Catalog, grids: tuple[Referential, Referential]) -> list[ServiceAssessment]:
    """The website (fixture file) and an API whose eco-design is further along on data frugality."""
    _, rgesn = grids
    portail, _ = load_assessment(PORTAIL, catalog)
    api = {
        "1.4": Answer(level="validated"), "1.6": Answer(level="validated"),
        "5.8": Answer(level="validated"),
        "7.2": Answer(not_applicable=NotApplicable(reason="no-store", justification="L'API ne stocke rien.")),
        "1.1": Answer(level="in_progress"),
    }
    return [service_assessment("Portail des démarches", rgesn, portail),
            ServiceAssessment("API horaires", score(rgesn, api), dt.date(2026, 1, 5))]


def test_an_equal_link_shows_each_status_per_service_and_proposes_from_the_weakest(
    walk: Crosswalk, grids: tuple[Referential, Referential], services: list[ServiceAssessment],
) -> None:
    label, rgesn = grids
    # AO-1.4 (data frugality) = RGESN 1.6, 5.8, 7.2, all "recommended" (weight 1.25).
    cov = coverage(walk, label, rgesn, "AO-1.4", services)
    assert cov.targets == ["1.6", "5.8", "7.2"]
    table = {cid: {name: st.status for name, st in row.items()} for cid, row in cov.by_criterion().items()}
    assert table == {
        "1.6": {"Portail des démarches": "validated", "API horaires": "validated"},
        "5.8": {"Portail des démarches": "in_progress", "API horaires": "validated"},
        "7.2": {"Portail des démarches": "not_validated", "API horaires": None},
    }
    portail, api = cov.services
    # Portail: 1.25 validated ÷ 3 × 1.25 applicable = 33.3 %; API: 7.2 N/A → 2.5 ÷ 2.5 = 100 %.
    assert portail.percent == pytest.approx(100 / 3)
    assert api.percent == 100
    assert [st.applicable for st in api.statuses] == [True, True, False]
    # Each service's family scores (the declaration's figures) and its date.
    assert portail.families == {"strategy": pytest.approx(8 / 13.5 * 100),
                                "contents": pytest.approx(6 / 8.75 * 100), "backend": 68.75}
    assert portail.date == dt.date(2026, 2, 10)
    assert api.date == dt.date(2026, 1, 5)
    assert portail.score == pytest.approx(55 / 84.5 * 100)
    # The least advanced service decides: 33.3 % reaches the 33 % step, "low".
    assert cov.proposal.level == "low"
    assert cov.proposal.percent == pytest.approx(100 / 3)
    fr, en = cov.proposal.text("fr"), cov.proposal.text("en")
    assert "33,3" in fr
    assert "Portail des démarches (évalué le 10 février 2026)" in fr
    assert "« Faible »" in fr
    assert "rien n'est enregistré" in fr
    assert "33.3%" in en
    assert "'Low'" in en
    assert "the least advanced service" in en


def test_the_rule_is_data_a_mean_over_the_services_proposes_more(
    walk: Crosswalk, grids: tuple[Referential, Referential], services: list[ServiceAssessment],
) -> None:
    label, rgesn = grids
    assert walk.proposal is not None
    mean = walk.model_copy(update={"proposal": walk.proposal.model_copy(update={"services": Combine.MEAN})})
    cov = coverage(mean, label, rgesn, "AO-1.4", services)
    # (33.3 + 100) ÷ 2 = 66.7 % → the 66 % step, "partial".
    assert cov.proposal.level == "partial"
    assert cov.proposal.percent == pytest.approx(200 / 3)
    assert "la moyenne des services évalués (2)" in cov.proposal.text("fr")


def test_a_subset_link_proposes_and_superset_or_related_links_only_show_evidence(
    walk: Crosswalk, grids: tuple[Referential, Referential], services: list[ServiceAssessment],
) -> None:
    label, rgesn = grids
    # AO-1.5 asks less than RGESN 1.4: the website has 1.4 not validated → 0 % → "none".
    subset = coverage(walk, label, rgesn, "AO-1.5", services)
    assert subset.proposal.level == "none"
    superset = coverage(walk, label, rgesn, "AO-1.1", services)
    assert superset.proposal.level is None
    assert superset.services
    assert "le label demande plus" in superset.proposal.text("fr")
    assert "meeting them does not meet it" in superset.proposal.text("en")
    related = coverage(walk, label, rgesn, "AO-2.1", services)
    assert related.proposal.level is None


def test_nothing_to_propose_without_link_service_or_rule(
    walk: Crosswalk, grids: tuple[Referential, Referential], services: list[ServiceAssessment],
) -> None:
    label, rgesn = grids
    unlinked = coverage(walk, label, rgesn, "GS-1.1", services)
    assert (unlinked.services, unlinked.proposal.level) == ((), None)
    assert "No RGESN criterion is linked to criterion GS-1.1" in unlinked.proposal.text("en")
    alone = coverage(walk, label, rgesn, "AO-1.4", [])
    assert alone.proposal.level is None
    assert "Aucun service" in alone.proposal.text("fr")
    ruleless = coverage(walk.model_copy(update={"proposal": None}), label, rgesn, "AO-1.4", services)
    assert ruleless.proposal.level is None
    assert "no proposal rule" in ruleless.proposal.text("en")


def test_inputs_on_another_referential_are_refused(
    walk: Crosswalk, grids: tuple[Referential, Referential], services: list[ServiceAssessment],
) -> None:
    label, rgesn = grids
    wrong = ServiceAssessment("Intranet", score(label, {}), dt.date(2026, 1, 1))
    with pytest.raises(CoverageError) as info:
        coverage(walk, label, rgesn, "AO-1.4", [*services, wrong])
    assert info.value.code == "coverage_wrong_referential"
    assert "service « Intranet » porte sur label-nr@2024" in render(info.value, "fr")
    assert "label-nr@2024 → rgesn@2024" in render(info.value, "en")
    with pytest.raises(CoverageError) as info:
        coverage(walk, rgesn, rgesn, "AO-1.4", services)
    assert "the label's grid is on rgesn@2024" in render(info.value, "en")
    with pytest.raises(CoverageError) as info:
        coverage(walk, label, rgesn, "ZZ-9", services)
    assert info.value.code == "criterion_not_in_ref"


def test_a_bad_proposal_rule_is_refused_with_its_line(catalog: Catalog, tmp_path: Path) -> None:
    text = WALK.read_text(encoding="utf-8")
    text = text.replace("{level: partial, min_percent: 66}", "{level: partielle, min_percent: 66}")
    text = text.replace("{level: low, min_percent: 33}", "{level: low, min_percent: 70}")
    path = tmp_path / "walk.yaml"
    path.write_text(text, encoding="utf-8")
    from labelnr.errors import InvalidFile

    with pytest.raises(InvalidFile) as info:
        load_crosswalk(path, catalog)
    lines = text.splitlines()
    found = {(p.line, p.code) for p in info.value.problems}
    assert found == {
        (lines.index("    - {level: partielle, min_percent: 66}") + 1, "crosswalk_proposal_level"),
        (lines.index("    - {level: low, min_percent: 70}") + 1, "crosswalk_proposal_order"),
    }
    assert "« partielle »" in render(info.value, "fr")


def test_a_service_where_no_linked_criterion_applies_is_left_out(
    walk: Crosswalk, grids: tuple[Referential, Referential], services: list[ServiceAssessment],
) -> None:
    from labelnr.crosswalk import Link, Relation

    label, rgesn = grids
    only_72 = Link(source="AO-1.4", target=["7.2"], relation=Relation.EQUAL)
    narrow = walk.model_copy(update={"links": [only_72]})
    portail, api = services
    # 7.2 is N/A for the API: only the website counts (7.2 not validated → 0 % → "none").
    both = coverage(narrow, label, rgesn, "AO-1.4", [portail, api])
    assert both.services[1].percent is None
    assert (both.proposal.level, both.proposal.percent) == ("none", 0)
    only_api = coverage(narrow, label, rgesn, "AO-1.4", [api])
    assert only_api.proposal.level is None
    assert "non applicables dans chaque service évalué" in only_api.proposal.text("fr")
