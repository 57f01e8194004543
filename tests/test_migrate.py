"""Migrating an assessment to a newer referential version through the mapping."""

from __future__ import annotations

from pathlib import Path

import pytest

from labelnr.assessment import (
    Answer,
    Assessment,
    Commitment,
    EvidenceRef,
    NotApplicable,
    RefPin,
    check_against,
)
from labelnr.diff import Removed
from labelnr.errors import LabelnrError
from labelnr.interchange import load_assessment
from labelnr.loader import load_catalog, parse_referential
from labelnr.migrate import Carried, Dropped, MovedCommitment, migrate, migrate_through, migration_path
from labelnr.referential import EvidenceType, Referential

FIXTURES = Path(__file__).parent / "fixtures"
V1_TEXT = (FIXTURES / "v1-ref.yaml").read_text(encoding="utf-8")
V2_TEXT = (FIXTURES / "v2-ref.yaml").read_text(encoding="utf-8")
#: Version 2 without the "low" answer, to see what happens to answers it cannot take.
V2_NO_LOW = V2_TEXT.replace("    - {id: low, label: {fr: Faible, en: Low}, credit: 0.25}\n", "")


@pytest.fixture(scope="module")
def v1() -> Referential:
    return parse_referential(V1_TEXT, "v1-ref.yaml")


@pytest.fixture(scope="module")
def v2() -> Referential:
    return parse_referential(V2_TEXT, "v2-ref.yaml")


@pytest.fixture
def audit() -> Assessment:
    catalog = load_catalog([FIXTURES / "v1-ref.yaml"])
    assessment, _ = load_assessment(FIXTURES / "v1-audit.yaml", catalog)
    return assessment


def with_answers(audit: Assessment, answers: dict[str, Answer]) -> Assessment:
    return audit.model_copy(update={"answers": answers, "verdicts": {}, "commitments": [], "targets": {}})


def test_answers_follow_the_mapping(v1: Referential, v2: Referential, audit: Assessment) -> None:
    result = migrate(v1, v2, audit).assessment
    evidence = EvidenceRef(type=EvidenceType.DOCUMENTATION, title="Appointment letter",
                           url="https://intranet.example/referent")
    assert result.answers == {
        "G-1": Answer(level="full", comment="Signed by the board", owner="Alice"),
        "G-2": Answer(level="partial"),
        "GOV-3": Answer(level="full", evidence=[evidence]),
        "O-1a": Answer(level="partial", owner="Bob"),
        "O-1b": Answer(level="partial", owner="Bob"),
        "O-23": Answer(level="low", comment="[O-2] Reuse contract\n\n[O-3] Only laptops"),
    }
    assert result.referential == RefPin(id="evo", version="2")
    assert (result.entity, result.campaign) == (audit.entity, audit.campaign)
    assert result.organisation == audit.organisation
    assert result.verdicts == {}
    assert check_against(v2, result) == []


def test_report_lists_what_a_person_must_look_at(v1: Referential, v2: Referential, audit: Assessment) -> None:
    report = migrate(v1, v2, audit).report
    assert (report.from_key, report.to_key, report.mapping_used) == ("evo@1", "evo@2", True)
    assert report.carried == (
        Carried("G-1", ("G-1",), "kept", review=False),
        Carried("G-2", ("G-2",), "kept", review=False),
        Carried("GOV-3", ("G-3",), "renamed", review=False),
        Carried("O-1a", ("O-1",), "split", review=True),
        Carried("O-1b", ("O-1",), "split", review=True),
        Carried("O-23", ("O-2", "O-3"), "merged", review=True),
    )
    assert [c.new for c in report.to_review] == ["O-1a", "O-1b", "O-23"]
    assert report.removed == ((Removed("O-4", True), True), (Removed("O-5", False), True))
    assert report.added == ("N-1",)
    assert report.needs_answer == ("N-1",)
    assert report.moved_commitments == (
        MovedCommitment("Train the referent", "G-3", "GOV-3", review=False),
        MovedCommitment("Track every printer", "O-1", "O-1a", review=True),
    )
    assert report.dropped == (
        Dropped("verdict", "G-1", "verdicts judged evo@1; the new version needs its own review"),
        Dropped("commitment", "Unplug the last fax", "criterion O-4 no longer exists in evo@2"),
        Dropped("target", "O-4", "criterion O-4 no longer exists in evo@2"),
    )


def test_commitments_and_targets_move_with_their_criteria(v1: Referential, v2: Referential,
                                                          audit: Assessment) -> None:
    result = migrate(v1, v2, audit).assessment
    assert [(c.title, c.criterion, c.theme) for c in result.commitments] == [
        ("Train the referent", "GOV-3", None),
        ("Track every printer", "O-1a", None),
        ("Operations plan", None, "ops"),
    ]
    # Merged: per year, the weakest target of the parts that have one.
    assert result.targets == {"GOV-3": {1: "full"}, "O-23": {1: "partial", 2: "full"}}


def test_the_original_assessment_is_not_changed(v1: Referential, v2: Referential, audit: Assessment) -> None:
    before = audit.model_copy(deep=True)
    result = migrate(v1, v2, audit).assessment
    result.answers["G-1"].comment = "edited after migration"
    assert audit == before


def merged_answer(v1: Referential, v2: Referential, audit: Assessment, o2: Answer | None,
                  o3: Answer | None) -> Answer | None:
    answers = {cid: a for cid, a in (("O-2", o2), ("O-3", o3)) if a is not None}
    return migrate(v1, v2, with_answers(audit, answers)).assessment.answers.get("O-23")


NA = NotApplicable(reason="no-stock", justification="No equipment of our own")


@pytest.mark.parametrize(("o2", "o3", "expected"), [
    (Answer(level="full"), Answer(level="low"), Answer(level="low")),
    (Answer(level="none"), Answer(level="to_assess"), Answer(level="to_assess")),
    (Answer(level="partial"), Answer(not_applicable=NA), Answer(level="partial")),
    (Answer(not_applicable=NA), Answer(not_applicable=NA), Answer(not_applicable=NA)),
    (Answer(level="full", owner="Ann"), None, None),
    (Answer(level="full", comment="c"), Answer(comment="not rated yet"),
     Answer(comment="[O-2] c\n\n[O-3] not rated yet")),
], ids=["weakest credit", "pending is weaker than none", "n/a ignored beside a level", "all n/a",
        "an unanswered part leaves it unanswered", "comments kept when a part is unrated"])
def test_merged_criteria_keep_the_weakest_answer(
        v1: Referential, v2: Referential, audit: Assessment, o2: Answer, o3: Answer | None,
        expected: Answer | None) -> None:
    got = merged_answer(v1, v2, audit, o2, o3)
    if expected is None:
        assert got is None or (got.level is None and got.not_applicable is None)
    else:
        assert got == expected


def test_merged_evidence_is_the_union(v1: Referential, v2: Referential, audit: Assessment) -> None:
    shared = EvidenceRef(type=EvidenceType.RESULT, title="Reuse report", url="https://x.example/r")
    only = EvidenceRef(type=EvidenceType.MEANS, title="Contract", file="contract.pdf")
    got = merged_answer(v1, v2, audit, Answer(level="full", evidence=[shared, only]),
                        Answer(level="partial", evidence=[shared]))
    assert got is not None
    assert got.evidence == [shared, only]


def test_unrated_merge_is_listed_as_needing_an_answer(v1: Referential, v2: Referential,
                                                       audit: Assessment) -> None:
    report = migrate(v1, v2, with_answers(audit, {"O-2": Answer(level="full")})).report
    assert "O-23" in report.needs_answer


def test_answers_the_new_version_cannot_take_are_dropped(audit: Assessment) -> None:
    old = parse_referential(V1_TEXT.replace(
        "description: {fr: Le parc et les impressions sont suivis., en: Devices and printing are tracked.}}",
        "description: {fr: Le parc et les impressions sont suivis., en: Devices and printing are tracked.},"
        " not_applicable: {allowed: true}}"), "v1.yaml")
    new = parse_referential(V2_NO_LOW, "v2.yaml")
    answers = {"O-1": Answer(not_applicable=NA), "G-2": Answer(level="low"), "G-1": Answer(level="full")}
    step = migrate(old, new, with_answers(audit, answers))
    assert step.assessment.answers == {"G-1": Answer(level="full")}
    assert step.report.dropped == (
        Dropped("answer", "G-2", "answer 'low' does not exist in the scale of evo@2"),
        Dropped("answer", "O-1a", "'not applicable' is no longer allowed for this criterion in evo@2"),
        Dropped("answer", "O-1b", "'not applicable' is no longer allowed for this criterion in evo@2"),
    )
    assert step.report.needs_answer == ("G-2", "GOV-3", "O-1a", "O-1b", "O-23", "N-1")
    assert check_against(new, step.assessment) == []


def test_unknown_profile_and_questions_are_dropped(v2: Referential, audit: Assessment) -> None:
    old = parse_referential(V1_TEXT.replace("criteria:\n", (
        "profiles:\n  - {id: public, name: {fr: P, en: P}}\n"
        "questions:\n  - {id: dc, text: {fr: Q, en: Q}, if_no_exclude: [O-5]}\ncriteria:\n")), "v1.yaml")
    pinned = audit.model_copy(update={"profile": "public", "applicability": {"dc": False}})
    step = migrate(old, v2, pinned)
    assert (step.assessment.profile, step.assessment.applicability) == (None, {})
    dropped = step.report.dropped
    assert Dropped("profile", "public", "evo@2 has no such profile: every criterion now applies") in dropped
    assert Dropped("applicability", "dc", "evo@2 no longer asks this question") in dropped


def test_commitment_target_level_outside_the_new_scale_is_cleared(audit: Assessment) -> None:
    v1 = parse_referential(V1_TEXT, "v1.yaml")
    new = parse_referential(V2_NO_LOW, "v2.yaml")
    commitment = Commitment(title="Reach low", criterion="G-1", target_level="low", target_year=1)
    step = migrate(v1, new, audit.model_copy(update={"commitments": [commitment], "targets": {}}))
    assert [(c.criterion, c.target_level) for c in step.assessment.commitments] == [("G-1", None)]
    why = "target level 'low' does not exist in the scale of evo@2"
    assert Dropped("target_level", "Reach low", why) in step.report.dropped


def test_refuses_an_assessment_of_another_version(v2: Referential, audit: Assessment) -> None:
    with pytest.raises(LabelnrError, match="made with evo 1, not evo@2"):
        migrate(v2, v2, audit)


#: Version 3 only renames N-1 to N-2.
V3_TEXT = (V2_TEXT[: V2_TEXT.index("mapping:")]
           .replace('version: "2"', 'version: "3"')
           .replace("effective_date: 2024-01-01", "effective_date: 2026-01-01")
           .replace("  - {id: N-1,", "  - {id: N-2,")
           + 'mapping:\n  from_version: "2"\n  changes:\n    - {kind: renamed, old: N-1, new: N-2}\n')


def test_path_follows_the_mappings_through_every_version(v1: Referential, v2: Referential,
                                                         audit: Assessment) -> None:
    v3 = parse_referential(V3_TEXT, "v3.yaml")
    path = migration_path([v1, v2, v3], v1, v3)
    assert [r.version for r in path] == ["1", "2", "3"]
    answered = audit.model_copy(update={"answers": {**audit.answers, "O-5": Answer(level="full")}})
    result, reports = migrate_through(path, answered)
    assert [(r.from_key, r.to_key) for r in reports] == [("evo@1", "evo@2"), ("evo@2", "evo@3")]
    assert result.referential.version == "3"
    assert result.answers["GOV-3"].level == "full"
    assert reports[-1].needs_answer == ("N-2",)


def test_path_without_a_mapping_is_one_direct_step(v1: Referential, v2: Referential) -> None:
    unmapped = v2.model_copy(update={"mapping": None})
    assert [r.version for r in migration_path([v1, unmapped], v1, unmapped)] == ["1", "2"]


@pytest.mark.parametrize(("source", "target", "message"), [
    ("2", "1", "older than"), ("1", "1", "already uses"),
])
def test_path_refuses_backwards_and_same_version(v1: Referential, v2: Referential, source: str, target: str,
                                                 message: str) -> None:
    refs = {"1": v1, "2": v2}
    with pytest.raises(LabelnrError, match=message):
        migration_path([v1, v2], refs[source], refs[target])
