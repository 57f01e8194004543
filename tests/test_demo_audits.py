"""The demo assessments under audits/: valid, complete, and telling a true story.

The app's dashboards are seeded from these files, so they must give every chart something
real to show: a group and its entities, a baseline and a year-1 campaign each, progress,
contrast between entities, late and finished commitments, indicators with actuals.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from pathlib import Path

import pytest

from labelnr.assessment import Assessment, CommitmentStatus, Period
from labelnr.interchange import dump_assessment, load_many, parse_assessment
from labelnr.loader import Catalog, load_catalog
from labelnr.referential import Referential
from labelnr.scoring import Scores, score_assessment

ROOT = Path(__file__).resolve().parent.parent
AUDITS = ROOT / "audits"
#: The demo's "today": commitments are late or on time relative to this date.
TODAY = dt.date(2026, 11, 23)

Demo = dict[str, tuple[Assessment, Referential]]
#: Entity id → campaign period → (assessment, scores).
ByEntity = dict[str, dict[Period, tuple[Assessment, Scores]]]


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog([ROOT / "criteria"])


@pytest.fixture(scope="module")
def demo(catalog: Catalog) -> Demo:
    paths = sorted(AUDITS.glob("*.yaml"))
    return {path.name: (assessment, ref) for path, assessment, ref in load_many(paths, catalog)}


@pytest.fixture(scope="module")
def hexapost(demo: Demo) -> ByEntity:
    """The Hexapost group's campaigns, scored."""
    by_entity: dict[str, dict[Period, tuple[Assessment, Scores]]] = defaultdict(dict)
    for assessment, ref in demo.values():
        if assessment.organisation.id == "hexapost" and not assessment.entity.node_kind.is_service:
            assert assessment.campaign.period not in by_entity[assessment.entity.id]
            by_entity[assessment.entity.id][assessment.campaign.period] = (
                assessment, score_assessment(ref, assessment))
    return dict(by_entity)


def test_every_demo_file_loads_and_validates(demo: Demo) -> None:
    assert len(demo) >= 9
    for name, (assessment, ref) in demo.items():
        grid = "rgesn@2024" if assessment.entity.node_kind.is_service else "label-nr@2024"
        assert ref.key == grid, name
        assert assessment.answers, name


def test_demo_files_point_editors_at_the_schema() -> None:
    for path in sorted(AUDITS.glob("*.yaml")):
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first == "# yaml-language-server: $schema=./assessment.schema.json", path.name


def test_demo_files_survive_an_export_round_trip(demo: Demo, catalog: Catalog) -> None:
    for name, (assessment, _) in demo.items():
        again, _ = parse_assessment(dump_assessment(assessment), name, catalog)
        assert again == assessment, name


def test_group_and_entities_each_have_baseline_and_year1(hexapost: ByEntity) -> None:
    tops = [eid for eid, c in hexapost.items() if next(iter(c.values()))[0].entity.parent is None]
    assert tops == ["hexapost-group"]
    children = [eid for eid in hexapost if eid != "hexapost-group"]
    assert len(children) >= 3
    for eid, campaigns in hexapost.items():
        assert set(campaigns) == {Period.BASELINE, Period.YEAR1}, eid
        for assessment, _ in campaigns.values():
            expected_parent = None if eid == "hexapost-group" else "hexapost-group"
            assert assessment.entity.parent == expected_parent
        baseline = campaigns[Period.BASELINE][0].campaign.date
        year1 = campaigns[Period.YEAR1][0].campaign.date
        assert (baseline.year, year1.year) == (2025, 2026), eid
        assert baseline.month <= 4
        assert year1.month <= 4


def test_year1_beats_baseline_everywhere(hexapost: ByEntity) -> None:
    for eid, campaigns in hexapost.items():
        before = campaigns[Period.BASELINE][1]
        after = campaigns[Period.YEAR1][1]
        assert after.points > before.points, eid
        assert after.level >= before.level, eid


def test_entities_reach_different_label_levels(hexapost: ByEntity) -> None:
    levels = {eid: c[Period.YEAR1][1].level for eid, c in hexapost.items() if eid != "hexapost-group"}
    # One entity at level 2, one at level 1, one still below level 1.
    assert sorted(levels.values()) == [0, 1, 2], levels


def test_the_weak_entity_is_held_back_by_a_mandatory_training(hexapost: ByEntity) -> None:
    """The points are there, the mandatory certified training is not: the gap list must say so."""
    scores = hexapost["hexapost-agences"][Period.YEAR1][1]
    level1 = scores.gaps[0]
    assert scores.level == 0
    assert scores.points > level1.points_needed
    assert level1.missing_mandatory == ["FC-2.1"]


def test_declared_not_applicable_answers_are_justified(demo: Demo) -> None:
    declared = [
        (name, cid, answer.not_applicable)
        for name, (assessment, _) in demo.items()
        for cid, answer in assessment.answers.items()
        if answer.not_applicable is not None
    ]
    assert declared
    for name, cid, na in declared:
        assert na.reason, (name, cid)
        assert len(na.justification) > 40, (name, cid)
        assert na.approved_by, (name, cid)
        assert na.review_by is not None, (name, cid)


def test_answers_carry_owners_comments_and_evidence(demo: Demo) -> None:
    answers = [a for assessment, _ in demo.values() for a in assessment.answers.values()]
    assert all(a.owner for a in answers)
    assert sum(1 for a in answers if a.comment) >= 20
    evidence = [e for a in answers for e in a.evidence]
    assert any(e.file for e in evidence)
    assert any(e.url for e in evidence)
    assert all(e.effective_date is not None for e in evidence)
    assert {e.type for e in evidence} == {"documentation", "means", "result"}


def test_auditor_verdicts_only_on_year1_campaigns(demo: Demo) -> None:
    with_verdicts = [a for a, _ in demo.values() if a.verdicts]
    assert len(with_verdicts) >= 2
    assert all(a.campaign.period is Period.YEAR1 for a in with_verdicts)
    verdicts = {v.verdict for a in with_verdicts for v in a.verdicts.values()}
    assert {"conform", "partial", "non_conform"} <= verdicts


def test_commitments_are_late_done_and_reach_year3(demo: Demo) -> None:
    commitments = [c for assessment, _ in demo.values() for c in assessment.commitments]
    assert any(c.is_late(TODAY) for c in commitments)
    assert any(c.status is CommitmentStatus.DONE for c in commitments)
    assert any(c.status is CommitmentStatus.IN_PROGRESS and not c.is_late(TODAY) for c in commitments)
    assert {c.target_year for c in commitments} == {1, 2, 3}
    assert all(c.owner and c.due and c.expected_points for c in commitments)


def test_year1_commitments_update_the_baseline_plan(hexapost: ByEntity) -> None:
    for eid, campaigns in hexapost.items():
        planned = [c.title for c in campaigns[Period.BASELINE][0].commitments]
        followed = campaigns[Period.YEAR1][0].commitments
        assert [c.title for c in followed] == planned, eid
        assert any(c.is_late(TODAY) for c in followed), eid


def test_indicators_have_targets_and_actuals(demo: Demo) -> None:
    indicators = [c.indicator for a, _ in demo.values() for c in a.commitments if c.indicator]
    assert len({i.name for i in indicators}) >= 5
    assert any(i.direction == "lower" for i in indicators)
    for indicator in indicators:
        assert set(indicator.targets) == {1, 2, 3}
        assert indicator.actuals, indicator.name
        assert indicator.actuals[0].year == 0
        assert indicator.actuals[0].value == indicator.baseline
        assert all(m.source and m.date for m in indicator.actuals)
    assert any(m.year == 1 for i in indicators for m in i.actuals)


def test_targets_draw_a_rising_trajectory(demo: Demo) -> None:
    for name, (assessment, ref) in demo.items():
        if assessment.entity.node_kind.is_service:
            continue  # an RGESN declaration plans actions (commitments), not a level trajectory
        assert assessment.targets, name
        order = ref.scale.ids
        for cid, by_year in assessment.targets.items():
            assert set(by_year) == {1, 2, 3}, (name, cid)
            ranks = [order.index(by_year[y]) for y in (1, 2, 3)]
            assert ranks == sorted(ranks), (name, cid)


def test_some_entity_fell_behind_its_year1_plan(hexapost: ByEntity, catalog: Catalog) -> None:
    """Planned vs actual must differ somewhere, or the trajectory chart shows nothing."""
    ref = catalog.get("label-nr", "2024")
    assert ref is not None
    behind = []
    for eid, campaigns in hexapost.items():
        assessment, scores = campaigns[Period.YEAR1]
        for cid, by_year in assessment.targets.items():
            planned = ref.scale.level(by_year[1])
            actual = scores.criteria[cid].credit
            assert planned is not None
            if actual is not None and actual < planned.credit:
                behind.append((eid, cid))
    assert len({eid for eid, _ in behind}) >= 2, behind


def test_an_it_service_company_uses_the_esn_profile(demo: Demo) -> None:
    assessment, ref = demo["clairconseil-baseline.yaml"]
    assert assessment.profile == "esn"
    esn_only = {c.id for c in ref.criteria if c.profiles == ["esn"]}
    assert esn_only <= set(assessment.answers)
    scores = score_assessment(ref, assessment)
    profile = ref.profile("esn")
    assert profile is not None
    for effect in profile.not_applicable:
        for cid in effect.criteria:
            assert not scores.criteria[cid].applicable
            assert scores.criteria[cid].not_applicable_reason == effect.reason


def test_two_services_publish_rgesn_declarations_with_a_plan(demo: Demo) -> None:
    services = {a.entity.id: (a, ref) for a, ref in demo.values() if a.entity.node_kind.is_service}
    assert set(services) == {"hexapost-suivi", "hexapost-appli"}
    percents = []
    for assessment, ref in services.values():
        assert ref.key == "rgesn@2024"
        assert assessment.entity.parent in {"hexapost-colis", "hexapost-courrier"}
        assert len(assessment.answers) == len(ref.criteria)
        assert assessment.commitments
        percents.append(score_assessment(ref, assessment).points)
    # A mature website and a younger app: two different, realistic scores.
    assert 20 < min(percents) < max(percents) < 90
