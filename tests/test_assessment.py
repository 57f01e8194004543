"""The assessment model and its check against the referential version it is pinned to."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from pydantic import ValidationError

from labelnr.assessment import (
    Answer,
    Assessment,
    Commitment,
    CommitmentStatus,
    EvidenceRef,
    NotApplicable,
    Period,
    applicability_warnings,
    check_against,
    excluded_and_forced_na,
)
from labelnr.loader import load_referential, parse_referential
from labelnr.referential import EvidenceType, Referential
from labelnr.yamlpos import parse

FIXTURES = Path(__file__).parent / "fixtures"
MINI = FIXTURES / "mini.yaml"

TEXT = """\
format: labelnr-assessment/1
referential: {id: mini, version: "1"}
organisation: {id: org, name: Org}
entity: {id: org, name: Org}
campaign: {period: year1, date: 2024-06-01}
answers:
  A-1: {level: full}
  A-2:
    not_applicable: {reason: none-here, justification: We have none}
"""


@pytest.fixture(scope="module")
def mini() -> Referential:
    return load_referential(MINI).referential


def checked(ref: Referential, text: str) -> list[tuple[int | None, str | None, str]]:
    located = parse(text, "a.yaml")
    assessment = Assessment.model_validate(located.data)
    return [(p.line, p.criterion, p.message) for p in check_against(ref, assessment, located)]


def test_a_valid_assessment_has_no_problem(mini: Referential) -> None:
    assert checked(mini, TEXT) == []


def test_every_unknown_reference_is_located(mini: Referential) -> None:
    text = TEXT.replace('version: "1"', 'version: "2"') + """\
profile: private
applicability: {datacentre: false}
verdicts:
  Z-1: {verdict: conform}
commitments:
  - {title: T, criterion: Z-2, target_year: 1}
  - {title: U, theme: zz, target_year: 2, target_level: perfect}
targets:
  Z-3: {1: full}
  A-1: {2: superb}
"""
    text = text.replace("  A-1: {level: full}\n", "  A-1: {level: fulll}\n  Q-1: {level: full}\n")
    lines = {needle: i for i, line in enumerate(text.splitlines(), start=1) for needle in [line.strip()]}
    assert checked(mini, text) == [
        (lines['referential: {id: mini, version: "2"}'], None, "made with mini 2, checked against mini@1"),
        (lines["profile: private"], None, "unknown profile 'private' (known: none)"),
        (lines["applicability: {datacentre: false}"], None, "unknown applicability question 'datacentre'"),
        (lines["A-1: {level: fulll}"], "A-1",
         "'fulll' is not an answer of the scale (none, partial, full, to_assess)"),
        (lines["Q-1: {level: full}"], "Q-1", "unknown criterion id 'Q-1' in mini@1"),
        (lines["Z-1: {verdict: conform}"], "Z-1", "unknown criterion id 'Z-1' in mini@1"),
        (lines["- {title: T, criterion: Z-2, target_year: 1}"], "Z-2", "unknown criterion id 'Z-2'"),
        (lines["- {title: U, theme: zz, target_year: 2, target_level: perfect}"], None, "unknown theme 'zz'"),
        (lines["- {title: U, theme: zz, target_year: 2, target_level: perfect}"], None,
         "'perfect' is not an answer of the scale"),
        (lines["Z-3: {1: full}"], "Z-3", "unknown criterion id 'Z-3'"),
        (lines["A-1: {2: superb}"], "A-1", "'superb' is not an answer of the scale"),
    ]


def test_not_applicable_only_where_the_criterion_allows_it(mini: Referential) -> None:
    text = TEXT + "  A-1:\n    not_applicable: {reason: r, justification: j}\n"
    text = text.replace("  A-1: {level: full}\n", "")
    # Line 10 is the 'not_applicable' key of A-1, the value being refused.
    assert checked(mini, text) == [(10, "A-1", "this criterion cannot be declared not applicable")]


def test_answers_outside_the_profile(mini: Referential) -> None:
    ref = parse_referential(MINI.read_text(encoding="utf-8").replace(
        "criteria:\n", "profiles:\n  - {id: small, name: {fr: P, en: S}, exclude: [B-1]}\ncriteria:\n"),
        "mini.yaml")
    text = TEXT + "  B-1: {level: full}\nprofile: small\n"
    assert checked(ref, text) == [(10, "B-1", "not part of profile 'small'")]


def test_level_and_not_applicable_exclude_each_other() -> None:
    with pytest.raises(ValidationError, match="either a level or 'not applicable'"):
        Answer(level="full", not_applicable=NotApplicable(reason="r", justification="j"))


@pytest.mark.parametrize(("url", "file"), [(None, None), ("https://x.example", "x.pdf")])
def test_evidence_needs_a_url_or_a_file(url: str | None, file: str | None) -> None:
    with pytest.raises(ValidationError, match="either a 'url' or a 'file'"):
        EvidenceRef(type=EvidenceType.DOCUMENTATION, title="t", url=url, file=file)


def test_commitment_is_about_a_criterion_or_a_theme() -> None:
    with pytest.raises(ValidationError, match="either one 'criterion' or one 'theme'"):
        Commitment(title="t", target_year=1)
    with pytest.raises(ValidationError, match="either one 'criterion' or one 'theme'"):
        Commitment(title="t", criterion="A-1", theme="a", target_year=1)


def test_commitment_lateness() -> None:
    due = dt.date(2025, 1, 31)
    commitment = Commitment(title="t", theme="a", target_year=1, due=due)
    assert not commitment.is_late(due)
    assert commitment.is_late(due + dt.timedelta(days=1))
    done = commitment.model_copy(update={"status": CommitmentStatus.DONE})
    assert not done.is_late(due + dt.timedelta(days=1))
    assert not Commitment(title="t", theme="a", target_year=1).is_late(dt.date(2100, 1, 1))


def test_periods_are_ordered_through_the_cycle() -> None:
    assert [p.index for p in Period] == [0, 1, 2, 3, 4]
    assert sorted([Period.YEAR2, Period.BASELINE, Period.RENEWAL], key=lambda p: p.index) == [
        Period.BASELINE, Period.YEAR2, Period.RENEWAL]


def test_profile_and_questions_exclude_or_neutralise_criteria() -> None:
    ref = load_referential(FIXTURES / "scoring-profiles.yaml").referential
    excluded, forced = excluded_and_forced_na(ref, "public", {"datacenter": False})
    assert excluded == {"DC-1"}
    assert set(forced) == {"F-2", "DC-2"}
    assert forced["DC-2"].en == "No data centre"
    assert excluded_and_forced_na(ref, None, {"datacenter": True}) == (set(), {})


APPLICABILITY = """\
format: labelnr-assessment/1
referential: {id: profiles-test, version: "1"}
applicability:
  datacenter: false
  purchasing: false
organisation: {id: org, name: Org}
entity: {id: org, name: Org}
campaign: {period: year1, date: 2024-06-01}
answers:
  G-1: {level: full}
  DC-1: {level: full}
  DC-2: {level: partial}
  F-2: {level: low}
"""


NOT_SCORED = ": their answers are not scored"


def test_applicability_answers_that_set_answers_aside_are_reported() -> None:
    ref = load_referential(FIXTURES / "scoring-profiles.yaml").referential
    located = parse(APPLICABILITY, "app.yaml")
    assessment = Assessment.model_validate(located.data)
    assert check_against(ref, assessment, located) == []
    assert [(w.file, w.line, w.message) for w in applicability_warnings(ref, assessment, located)] == [
        ("app.yaml", 4, "applicability 'datacenter: no' leaves out DC-1" + NOT_SCORED),
        ("app.yaml", 4, "applicability 'datacenter: no' makes not applicable DC-2" + NOT_SCORED),
        ("app.yaml", 5, "applicability 'purchasing: no' makes not applicable F-2" + NOT_SCORED),
    ]
    answered_yes = assessment.model_copy(update={"applicability": {"datacenter": True, "purchasing": True}})
    assert applicability_warnings(ref, answered_yes) == []
