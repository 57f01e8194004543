"""Hand-checked scores: every expected number is worked out in the comments."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path

import pytest
from pydantic import ValidationError

from labelnr.assessment import Answer, Assessment, Campaign, Entity, NotApplicable, Party, Period, RefPin
from labelnr.loader import load_referential
from labelnr.referential import Referential
from labelnr.scoring import Scores, ThemeShortfall, level_gaps, score, score_assessment

FIXTURES = Path(__file__).parent / "fixtures"


def _load(name: str) -> Referential:
    return load_referential(FIXTURES / name).referential


@pytest.fixture(scope="module")
def mini() -> Referential:
    # Themes a (weight 3 → 750 points) and b (weight 1 → 250 points) out of 1,000.
    # theme a, weight 2, mandatory (credit ≥ 0.5 needed); A-2: theme a, weight 1, N/A allowed;
    # B-1: theme b, weight 1. Level 1: more than 300. Level 2: at least 500 and theme b ≥ 40 %.
    return _load("mini.yaml")


@pytest.fixture(scope="module")
def profiles() -> Referential:
    # gov (weight 3 → 300 points), ops (5 → 500), fin (2 → 200); mandatory credit 0.5.
    # Level 1: more than 300, ops ≥ 20 %, G-1 and G-2 mandatory.
    # Level 2: at least 500, gov ≥ 50 %, F-1 mandatory (criterion of level 2).
    return _load("scoring-profiles.yaml")


@pytest.fixture(scope="module")
def rgesn() -> Referential:
    return _load("rgesn-mini.yaml")


def _na(why: str = "not in our scope") -> Answer:
    return Answer(not_applicable=NotApplicable(reason="out_of_scope", justification=why))


def _answers(levels: Mapping[str, str]) -> dict[str, Answer]:
    return {cid: _na() if level == "n/a" else Answer(level=level) for cid, level in levels.items()}


def _score(ref: Referential, levels: Mapping[str, str], profile: str | None = None,
           applicability: dict[str, bool] | None = None) -> Scores:
    return score(ref, _answers(levels), profile, applicability)


# --- mini.yaml: points per theme, N/A, pending ------------------------------------------------


def test_points_per_theme(mini: Referential) -> None:
    s = _score(mini, {"A-1": "full", "A-2": "partial", "B-1": "none"})
    # a: earned 2×1 + 1×0.5 = 2.5 of weight 3 → 83.33 %, 750 × 2.5/3 = 625 points.
    assert s.themes["a"].percent == pytest.approx(250 / 3)
    assert s.themes["a"].points == pytest.approx(625)
    assert s.themes["a"].max_points == pytest.approx(750)
    # b: 0 % of 250.
    assert s.themes["b"].percent == 0
    assert s.themes["b"].points == 0
    assert s.themes["b"].max_points == pytest.approx(250)
    assert s.points == pytest.approx(625)
    assert s.percent == pytest.approx(62.5)
    # A-1 is worth 750 × 2/3 = 500 and earns all of it; A-2 is worth 250 and earns half.
    assert s.criteria["A-1"].points == pytest.approx(500)
    assert s.criteria["A-2"].max_points == pytest.approx(250)
    assert s.criteria["A-2"].points == pytest.approx(125)
    assert s.answered == 3


def test_unanswered_criteria_earn_nothing_and_stay_in_the_denominator(mini: Referential) -> None:
    s = _score(mini, {"A-1": "full"})
    # a: 2 of 3 → 66.67 % → 500; b unanswered → 0 %.
    assert s.themes["a"].percent == pytest.approx(200 / 3)
    assert s.points == pytest.approx(500)
    assert s.themes["b"].percent == 0
    assert s.themes["a"].answered == 1
    assert s.themes["a"].applicable == 2
    assert not s.criteria["A-2"].answered


def test_not_applicable_leaves_the_denominator(mini: Referential) -> None:
    s = _score(mini, {"A-1": "partial", "A-2": "n/a", "B-1": "full"})
    # a: only A-1 applies (weight 2), earns 0.5 → 50 % → 750 × 0.5 = 375; b: 100 % → 250.
    assert s.themes["a"].percent == pytest.approx(50)
    assert s.themes["a"].applicable == 1
    assert s.criteria["A-2"].credit is None
    assert not s.criteria["A-2"].applicable
    assert s.criteria["A-2"].max_points == 0
    assert s.criteria["A-2"].not_applicable_reason == "not in our scope"
    # A-1 now carries the whole theme: 750 × 2/2.
    assert s.criteria["A-1"].max_points == pytest.approx(750)
    assert s.points == pytest.approx(625)


def test_a_theme_wholly_not_applicable_shares_its_points_out(profiles: Referential) -> None:
    s = _score(profiles, {"G-1": "full", "G-2": "full", "F-1": "full"}, applicability={"purchasing": False})
    # fin (F-1, F-2) is forced N/A: gov and ops share the 1,000 points as 3 : 5 → 375 and 625.
    assert s.themes["fin"].percent is None
    assert s.themes["fin"].max_points == 0
    assert s.themes["fin"].applicable == 0
    assert s.themes["gov"].max_points == pytest.approx(375)
    assert s.themes["ops"].max_points == pytest.approx(625)
    assert s.points == pytest.approx(375)
    assert s.percent == pytest.approx(37.5)
    # F-1 (mandatory for level 2) is N/A, so it is not missing.
    assert s.gaps[1].missing_mandatory == []


def test_declared_not_applicable_is_ignored_where_the_criterion_forbids_it(mini: Referential) -> None:
    # A-1 does not allow N/A: the claim does not take it out of the denominator.
    with_claim = _score(mini, {"A-1": "n/a", "A-2": "full", "B-1": "full"})
    unanswered = _score(mini, {"A-2": "full", "B-1": "full"})
    # a: 1 of 3 → 250; b: 250 → 500 either way.
    assert with_claim.points == pytest.approx(500) == unanswered.points
    assert with_claim.criteria["A-1"].applicable
    assert with_claim.criteria["A-1"].credit == 0


def test_pending_answers_count_in_the_denominator(mini: Referential) -> None:
    pending = _score(mini, {"A-1": "full", "A-2": "to_assess", "B-1": "none"})
    not_applicable = _score(mini, {"A-1": "full", "A-2": "n/a", "B-1": "none"})
    # Pending: a = 2 of 3 → 66.67 % → 500.  N/A: a = 2 of 2 → 100 % → 750.
    assert pending.themes["a"].percent == pytest.approx(200 / 3)
    assert pending.points == pytest.approx(500)
    assert not_applicable.points == pytest.approx(750)
    crit = pending.criteria["A-2"]
    assert crit.pending
    assert not crit.answered
    assert crit.applicable
    assert crit.max_points == pytest.approx(250)
    assert pending.themes["a"].answered == 1


# --- mini.yaml: levels and gaps --------------------------------------------------------------


def test_theme_minimum_blocks_level_2_without_compensation(mini: Referential) -> None:
    s = _score(mini, {"A-1": "full", "A-2": "partial", "B-1": "none"})
    # 625 points ≥ 500, A-1 met, but theme b is at 0 % < 40 %: level 1 only.
    assert s.level == 1
    level1, level2 = s.gaps
    assert level1.reached
    assert not level2.reached
    assert level2.points_short == 0
    assert level2.missing_mandatory == []
    # b is worth 250 points: 40 % of it is 100 points short.
    assert level2.themes_below_minimum == [ThemeShortfall("b", 0.0, 40.0, 100.0)]


def test_level_2_reached_at_exactly_500_with_theme_minimum_met(mini: Referential) -> None:
    s = _score(mini, {"A-1": "partial", "A-2": "none", "B-1": "full"})
    # a: 1 of 3 → 250 (A-1 at 0.5 meets the 0.5 mandatory credit); b: 100 % → 250; 500 ≥ 500.
    assert s.points == pytest.approx(500)
    assert s.level == 2
    assert all(g.reached for g in s.gaps)


def test_thresholds_ignore_float_noise(mini: Referential) -> None:
    s = _score(mini, {"A-1": "partial", "A-2": "none", "B-1": "full"})  # exactly 500, level 2
    # Sums of floats can land a hair off the threshold: that must not change the level.
    assert level_gaps(mini, 500 - 1e-12, s.themes, s.criteria)[1].reached
    assert level_gaps(mini, 500 - 1e-12, s.themes, s.criteria)[1].points_short == 0
    assert not level_gaps(mini, 300 + 1e-12, s.themes, s.criteria)[0].reached  # "more than 300"
    assert level_gaps(mini, 300.01, s.themes, s.criteria)[0].reached
    assert not level_gaps(mini, 499.99, s.themes, s.criteria)[1].reached


def test_theme_shortfall_in_points(profiles: Referential) -> None:
    s = _score(profiles, {"G-1": "low", "G-2": "partial", "O-1": "full"})
    # gov: (0.25 + 0.5) / 2 = 37.5 % of 300 = 112.5; ops: O-1 2 of 5 = 40 % of 500 = 200.
    assert s.points == pytest.approx(312.5)
    # Level 2 wants gov ≥ 50 %: 12.5 % of 300 = 37.5 points short in gov (ops ≥ 20 % holds).
    assert s.gaps[1].themes_below_minimum == [ThemeShortfall("gov", 37.5, 50.0, 37.5)]
    assert s.gaps[1].points_short == pytest.approx(187.5)
    # G-1 at "low" (0.25) is under the 0.5 mandatory credit.
    assert s.gaps[0].missing_mandatory == ["G-1"]
    assert s.level == 0


def test_missing_mandatory_criterion_blocks_every_level(mini: Referential) -> None:
    s = _score(mini, {"A-1": "none", "A-2": "full", "B-1": "full"})
    # a: 1 of 3 → 250; b → 250: 500 points, enough for both levels on points,
    # but A-1 earns 0 < 0.5.
    assert s.points == pytest.approx(500)
    assert s.level == 0
    assert [g.missing_mandatory for g in s.gaps] == [["A-1"], ["A-1"]]
    assert [g.points_short for g in s.gaps] == [0, 0]
    assert not any(g.reached for g in s.gaps)


def test_points_short(mini: Referential) -> None:
    s = _score(mini, {"A-1": "none", "A-2": "partial"})
    # a: 0.5 of 3 → 125; b unanswered: 125 points.
    assert s.points == pytest.approx(125)
    level1, level2 = s.gaps
    assert level1.points_needed == 300
    assert level1.points_short == pytest.approx(175)
    assert level2.points_short == pytest.approx(375)
    assert level1.missing_mandatory == ["A-1"]
    assert level2.themes_below_minimum == [ThemeShortfall("b", 0.0, 40.0, 100.0)]


def test_no_answer_at_all(mini: Referential) -> None:
    s = score(mini, {})
    assert s.points == 0
    assert s.percent == 0
    assert s.level == 0
    assert s.answered == 0
    assert s.gaps[0].points_short == 300


def test_nothing_applicable_has_no_score_rather_than_zero(rgesn: Referential) -> None:
    # Every criterion of the pooled RGESN-like grid N/A: nothing to divide by, so no score at all.
    data = rgesn.model_dump()
    for crit in data["criteria"]:
        crit["not_applicable"] = {"allowed": True}
    every = Referential.model_validate(data)
    s = score(every, {cid: _na() for cid in every.criteria_by_id})
    assert s.percent is None
    assert not s.defined
    assert all(t.percent is None for t in s.themes.values())
    assert (s.points, s.level) == (0, 0)
    # One criterion applying again gives a defined score, even at 0 %.
    one = score(every, {cid: _na() for cid in every.criteria_by_id if cid != "8.3"})
    assert one.percent == 0
    assert one.defined


# --- scoring-profiles.yaml: profiles, questions, strict threshold, cumulative levels -----------


def test_level_1_needs_strictly_more_than_300(profiles: Referential) -> None:
    # gov: G-1 and G-2 partial (meet the 0.5 mandatory credit) → 50 % of 300 = 150.
    # ops (no profile: O-1 w2, O-2, DC-1, DC-2 → weight 5): O-1 partial + O-2 partial = 1.5 of 5
    # → 30 % (≥ 20 % minimum) of 500 = 150.  Total exactly 300: not "more than 300".
    answers = {"G-1": "partial", "G-2": "partial", "O-1": "partial", "O-2": "partial"}
    s = _score(profiles, answers)
    assert s.points == 300
    assert s.themes["ops"].percent == pytest.approx(30)
    level1 = s.gaps[0]
    assert not level1.reached
    assert level1.missing_mandatory == []
    assert level1.themes_below_minimum == []
    assert level1.points_short == 0
    assert s.level == 0
    # DC-1 low adds 500 × 1/5 × 0.25 = 25 → 325 > 300.
    s = _score(profiles, {**answers, "DC-1": "low"})
    assert s.points == pytest.approx(325)
    assert s.level == 1


def test_levels_add_up_their_rules(profiles: Referential) -> None:
    # gov full (300) + fin full (200) = 500 meets level 2's own rules (≥ 500, gov ≥ 50 %, F-1),
    # but ops at 0 % fails level 1's ops ≥ 20 %: neither level is reached.
    s = _score(profiles, {"G-1": "full", "G-2": "full", "F-1": "full", "F-2": "full"})
    assert s.points == pytest.approx(500)
    assert s.level == 0
    level1, level2 = s.gaps
    # ops is worth 500: 20 % of it is 100 points short.
    ops_short = ThemeShortfall("ops", 0.0, 20.0, 100.0)
    assert level1.themes_below_minimum == [ops_short]
    assert level2.themes_below_minimum == [ops_short]
    assert not level2.reached


def test_mandatory_of_higher_level_only_blocks_that_level(profiles: Referential) -> None:
    # gov full 300; ops: O-1 full (2 of 5) → 40 % → 200; F-1 none: 500 points.
    s = _score(profiles, {"G-1": "full", "G-2": "full", "O-1": "full", "F-1": "none"})
    assert s.points == pytest.approx(500)
    assert s.level == 1
    assert s.gaps[0].missing_mandatory == []
    assert s.gaps[1].missing_mandatory == ["F-1"]


def test_profile_and_applicability_question(profiles: Referential) -> None:
    answers = {
        "G-1": "full", "G-2": "none", "O-1": "partial", "O-3": "full", "F-1": "full",
        "O-2": "full",   # excluded by the public profile: ignored
        "F-2": "full",   # forced N/A by the public profile: ignored
        "DC-1": "full",  # excluded when there is no data centre
        "DC-2": "none",  # forced N/A when there is no data centre
    }
    s = _score(profiles, answers, profile="public", applicability={"datacenter": False})
    assert set(s.criteria) == {"G-1", "G-2", "O-1", "O-3", "DC-2", "F-1", "F-2"}
    # gov: 1 of 2 → 50 % → 150.
    assert s.themes["gov"].points == pytest.approx(150)
    # ops: O-1 (w2, 0.5) + O-3 (w1, 1) = 2 of 3 → 66.67 % → 333.33.
    assert s.themes["ops"].percent == pytest.approx(200 / 3)
    assert s.themes["ops"].points == pytest.approx(1000 / 3)
    assert s.themes["ops"].applicable == 2
    assert s.themes["ops"].in_scope == 3  # O-1, O-3 and DC-2 (N/A); O-2 and DC-1 are out
    # fin: F-1 alone → 100 % → 200.
    assert s.themes["fin"].percent == 100
    assert s.points == pytest.approx(150 + 1000 / 3 + 200)
    assert s.criteria["F-2"].not_applicable_reason == profiles.profiles[0].not_applicable[0].reason
    assert s.criteria["DC-2"].not_applicable_reason == profiles.questions[0].if_no_not_applicable.reason  # type: ignore[union-attr]
    assert s.criteria["F-2"].credit is None
    # G-2 (mandatory for level 1) earns nothing.
    assert s.level == 0
    assert s.gaps[0].missing_mandatory == ["G-2"]


def test_without_profile_profile_only_criteria_are_out(profiles: Referential) -> None:
    s = _score(profiles, {"O-3": "full", "O-1": "full"}, applicability={"datacenter": True})
    assert "O-3" not in s.criteria
    # ops: O-1 2 of 5 → 40 % → 200.
    assert s.themes["ops"].percent == pytest.approx(40)
    assert s.points == pytest.approx(200)


def test_score_assessment_uses_profile_and_applicability(profiles: Referential) -> None:
    assessment = Assessment(
        referential=RefPin(id="profiles-test", version="1"),
        profile="public",
        applicability={"datacenter": False},
        organisation=Party(id="org", name="Org"),
        entity=Entity(id="dsi", name="DSI"),
        campaign=Campaign(period=Period.BASELINE, date=dt.date(2024, 3, 1)),
        answers=_answers({"O-1": "full", "DC-1": "full"}),
    )
    s = score_assessment(profiles, assessment)
    # ops: O-1 2 of 3 (O-3 in, DC-1 out, DC-2 N/A) → 500 × 2/3.
    assert s.points == pytest.approx(1000 / 3)
    assert s.referential == "profiles-test@1"


# --- rgesn-mini.yaml: status scale, priority weights, pooled ratio ----------------------------


def test_rgesn_pooled_weighted_ratio(rgesn: Referential) -> None:
    s = _score(rgesn, {
        "1.1": "validated", "1.2": "in_progress", "1.3": "n/a",
        "3.1": "validated", "3.2": "not_validated", "3.3": "to_assess",
        "8.1": "validated", "8.2": "validated",  # 8.3 left unanswered
    })
    # Applicable weights: 1.1 1.5 + 1.2 1.25 + 3.1 1.5 + 3.2 1.5 + 3.3 1 + 8.1 1.25 + 8.2 1 + 8.3 1.5
    # = 10.5 (1.3 is N/A; in progress, to assess and unanswered all count).
    # Validated: 1.1 1.5 + 3.1 1.5 + 8.1 1.25 + 8.2 1 = 5.25 → 5.25 / 10.5 = 50 %.
    assert s.percent == pytest.approx(50)
    assert s.points == pytest.approx(50)
    # Per family: strategy 1.5 / 2.75, architecture 1.5 / 4, hosting 2.25 / 3.75.
    assert s.themes["strategy"].percent == pytest.approx(100 * 1.5 / 2.75)
    assert s.themes["architecture"].percent == pytest.approx(37.5)
    assert s.themes["hosting"].percent == pytest.approx(60)
    # Family points are their share of the pooled ratio: 100 × 1.5 / 10.5 etc.
    assert s.themes["strategy"].points == pytest.approx(100 * 1.5 / 10.5)
    assert s.themes["architecture"].points == pytest.approx(100 * 1.5 / 10.5)
    assert s.themes["hosting"].points == pytest.approx(100 * 2.25 / 10.5)
    assert s.criteria["1.1"].weight == 1.5
    assert s.criteria["1.2"].weight == 1.25
    assert s.criteria["3.3"].weight == 1
    assert s.criteria["1.2"].pending
    assert s.level == 0
    assert s.gaps == []


def test_rgesn_weights_differ_from_a_plain_count(rgesn: Referential) -> None:
    # Only the three "priority" criteria validated, everything else not validated.
    levels = dict.fromkeys(["1.2", "1.3", "3.3", "8.1", "8.2"], "not_validated")
    s = _score(rgesn, {**levels, "1.1": "validated", "3.1": "validated", "3.2": "validated",
                       "8.3": "validated"})
    # All 9 apply: Σ weights = 4×1.5 + 2×1.25 + 3×1 = 11.5; validated = 4 × 1.5 = 6
    # → 52.17 %, where an unweighted count would say 4 / 9 = 44.4 %.
    assert s.percent == pytest.approx(100 * 6 / 11.5)


def test_rgesn_not_applicable_and_in_progress(rgesn: Referential) -> None:
    s = _score(rgesn, {"1.1": "validated", "1.2": "validated", "1.3": "n/a",
                       "8.1": "n/a", "8.2": "in_progress", "8.3": "validated"})
    # strategy: 2.75 / 2.75 = 100 %; hosting: 1.5 / (1 + 1.5) = 60 %;
    # architecture unanswered: 0 / 4.  Overall (1.5 + 1.25 + 1.5) / (2.75 + 4 + 2.5) = 4.25 / 9.25.
    assert s.themes["strategy"].percent == 100
    assert s.themes["hosting"].percent == pytest.approx(60)
    assert s.themes["architecture"].percent == 0
    assert s.percent == pytest.approx(100 * 4.25 / 9.25)


def test_a_pending_answer_cannot_be_given_credit(mini: Referential) -> None:
    data = mini.model_dump()
    data["scale"]["levels"][3]["credit"] = 0.5  # to_assess, pending
    with pytest.raises(ValidationError, match="must have credit 0"):
        Referential.model_validate(data)


def test_rgesn_counts_in_progress_apart_from_to_assess(rgesn: Referential) -> None:
    s = _score(rgesn, {"1.1": "validated", "1.2": "in_progress", "3.1": "in_progress", "3.2": "to_assess",
                       "8.1": "n/a"})
    assert s.answered == 2  # validated and N/A: a position taken
    assert s.pending_counts() == {"in_progress": 2, "to_assess": 1}
    assert s.unanswered == 4
    assert s.criteria["1.2"].level == "in_progress"
