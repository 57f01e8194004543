"""The verified score rule: verdicts cap the credit a self-assessed answer keeps."""

from __future__ import annotations

from pathlib import Path

import pytest

from labelnr.assessment import Answer, NotApplicable, Verdict
from labelnr.loader import load_referential
from labelnr.referential import DEFAULT_VERDICT_MAX_CREDIT, Referential
from labelnr.verification import verify

FIXTURES = Path(__file__).parent / "fixtures"
NA = NotApplicable(reason="none", justification="Nothing to do here")


@pytest.fixture(scope="module")
def profiles() -> Referential:
    """Scale: none 0, low 0.25, partial 0.5, full 1, to_assess (pending)."""
    return load_referential(FIXTURES / "scoring-profiles.yaml").referential


@pytest.mark.parametrize(
    ("level", "verdict", "verified"),
    [
        ("full", Verdict.CONFORM, "full"),
        ("full", Verdict.PARTIAL, "partial"),
        ("low", Verdict.PARTIAL, "low"),
        ("full", Verdict.NON_CONFORM, "none"),
        ("partial", Verdict.NON_CONFORM, "none"),
        ("full", Verdict.NOT_VERIFIED, "full"),
        ("full", None, "full"),
        ("to_assess", Verdict.NON_CONFORM, "to_assess"),
    ],
)
def test_a_verdict_caps_the_answer(
    profiles: Referential, level: str, verdict: Verdict | None, verified: str
) -> None:
    result = verify(profiles, {"G-1": Answer(level=level, comment="kept")}, {"G-1": verdict})
    assert result.answers["G-1"].level == verified
    assert result.answers["G-1"].comment == "kept"
    assert ("G-1" in result.lowered) == (level != verified)


def test_not_applicable_stands_only_under_a_full_credit_verdict(profiles: Referential) -> None:
    answers = {c: Answer(not_applicable=NA) for c in ("O-2", "G-1", "G-2")}
    result = verify(
        profiles, answers, {"O-2": Verdict.CONFORM, "G-1": Verdict.PARTIAL, "G-2": Verdict.NON_CONFORM}
    )
    assert result.answers["O-2"].not_applicable == NA
    assert result.answers["G-1"] == Answer(level="none")
    assert result.lowered == {"G-1": ("n/a", "none"), "G-2": ("n/a", "none")}


def test_unverified_lists_answered_criteria_without_a_confirming_verdict(profiles: Referential) -> None:
    answers = {
        "G-1": Answer(level="full"),
        "G-2": Answer(level="low"),
        "O-1": Answer(owner="x"),
        "O-2": Answer(level="to_assess"),
    }
    result = verify(profiles, answers, {"G-2": Verdict.NOT_VERIFIED})
    assert result.unverified == ["G-1", "G-2"]


def test_the_caps_are_data_of_the_referential(profiles: Referential) -> None:
    assert profiles.scoring.verdict_max_credit == DEFAULT_VERDICT_MAX_CREDIT
    strict = profiles.model_copy(
        update={
            "scoring": profiles.scoring.model_copy(
                update={"verdict_max_credit": {**DEFAULT_VERDICT_MAX_CREDIT, "partial": 0.25}}
            )
        }
    )
    assert (
        verify(strict, {"G-1": Answer(level="full")}, {"G-1": Verdict.PARTIAL}).answers["G-1"].level == "low"
    )


def test_a_referential_may_set_some_caps_and_keep_the_other_defaults(profiles: Referential) -> None:
    data = profiles.model_dump()
    data["scoring"]["verdict_max_credit"] = {"partial": 0.3}
    ref = Referential.model_validate(data)
    assert ref.scoring.verdict_max_credit == {**DEFAULT_VERDICT_MAX_CREDIT, "partial": 0.3}
    data["scoring"]["verdict_max_credit"] = {"maybe": 0.3}
    with pytest.raises(ValueError, match="maybe"):
        Referential.model_validate(data)
