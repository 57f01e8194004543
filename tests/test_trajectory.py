"""Three-year trajectory: every expected number is worked out by hand in the comments.

mini.yaml: theme a (weight 3 → 750 points) holds A-1 (weight 2 → 500 points, mandatory from
credit 0.5) and A-2 (weight 1 → 250, N/A allowed); theme b (weight 1 → 250) holds B-1.
Credits: none 0, partial 0.5, full 1, to_assess pending. Level 1: more than 300 points;
level 2: at least 500 and theme b ≥ 40 %.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labelnr.assessment import (
    Answer,
    Commitment,
    CommitmentStatus,
    Direction,
    Indicator,
    Measure,
    NotApplicable,
    Period,
)
from labelnr.loader import load_referential
from labelnr.referential import Referential
from labelnr.scoring import TOLERANCE, score
from labelnr.trajectory import (
    YEARS,
    BurnUp,
    Held,
    IndicatorState,
    Progress,
    Start,
    actual_trajectory,
    burn_up,
    check_indicator,
    committed_answers,
    due_date,
    expected_value,
    indicator_series,
    planned_answers,
    planned_trajectory,
    progress,
    projected_trajectory,
    raised,
    start_of,
)
from tests.support.properties import examples

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def mini() -> Referential:
    return load_referential(FIXTURES / "mini.yaml").referential


def _na() -> Answer:
    return Answer(not_applicable=NotApplicable(reason="scope", justification="no such thing here"))


def _commit(**fields: Any) -> Commitment:
    return Commitment.model_validate({"title": "c", "target_year": 1, **fields})


START = {"A-1": Answer(level="partial", comment="kept"), "A-2": Answer(level="none")}


# --- raising one answer ----------------------------------------------------------------------


def test_raised_only_ever_raises(mini: Referential) -> None:
    kept = Answer(level="partial", comment="kept")
    assert raised(mini, kept, "full") == Answer(level="full", comment="kept")
    assert raised(mini, Answer(level="full"), "partial").level == "full"
    assert raised(mini, None, "partial").level == "partial"
    # A pending answer earns nothing, so any credited target raises it.
    assert raised(mini, Answer(level="to_assess"), "partial").level == "partial"
    # N/A stays N/A, and an unknown level changes nothing.
    assert raised(mini, _na(), "full").not_applicable is not None
    assert raised(mini, Answer(level="none"), "excellent").level == "none"


# --- planned trajectory (targets) ------------------------------------------------------------


def test_planned_trajectory_from_targets(mini: Referential) -> None:
    targets = {"A-1": {1: "full"}, "B-1": {2: "partial", 3: "full"}, "A-2": {3: "partial"}}
    years = planned_trajectory(mini, START, targets)
    # year 0: A-1 partial = 500 × 0.5 = 250; A-2 none, B-1 unanswered → 250, level 0 (not > 300).
    # year 1: A-1 full = 500 → level 1; level 2 needs theme b ≥ 40 % (b is 0 %).
    # year 2: + B-1 partial = 250 × 0.5 = 125 → 625, b = 50 % → level 2.
    # year 3: B-1 full = 250, A-2 partial = 125 → 500 + 125 + 250 = 875.
    assert [y.year for y in years] == [0, 1, 2, 3]
    assert [round(y.points, 6) for y in years] == [250, 500, 625, 875]
    assert [y.level for y in years] == [0, 1, 2, 2]
    # theme a: (2 × 0.5 + 0) / 3 = 33.3 % → (2 × 1) / 3 = 66.7 % → ... → (2 + 0.5) / 3 = 83.3 %
    assert [round(y.themes["a"] or 0, 1) for y in years] == [33.3, 66.7, 66.7, 83.3]
    assert [y.themes["b"] for y in years] == [0.0, 0.0, 50.0, 100.0]


def test_latest_target_up_to_the_year_counts(mini: Referential) -> None:
    targets = {"B-1": {1: "partial", 3: "full"}}
    assert planned_answers(mini, {}, targets, 0) == {}
    assert planned_answers(mini, {}, targets, 2)["B-1"].level == "partial"  # year-1 target still holds
    assert planned_answers(mini, {}, targets, 3)["B-1"].level == "full"


def test_targets_never_lower_and_keep_na(mini: Referential) -> None:
    start = {"A-1": Answer(level="full"), "A-2": _na()}
    years = planned_trajectory(mini, start, {"A-1": {1: "partial"}, "A-2": {1: "full"}, "ZZ-9": {1: "full"}})
    # A-2 stays N/A: theme a is A-1 alone, fully met → 750 points every year; the unknown id is ignored.
    assert [round(y.points, 6) for y in years] == [750] * 4


# --- projected trajectory (commitments) -----------------------------------------------------


def test_projected_trajectory_from_commitments(mini: Referential) -> None:
    commitments = [
        _commit(criterion="A-1", target_level="full", target_year=1),
        _commit(theme="b", target_level="partial", target_year=2),
        _commit(theme="a", expected_points=100, target_year=3),
        _commit(criterion="A-2", target_level="full", target_year=1, status="dropped"),
    ]
    years = projected_trajectory(mini, START, commitments)
    # year 0: 250. year 1: A-1 full → 500 (the dropped A-2 commitment is ignored).
    # year 2: theme b to partial → B-1 125 → 625. year 3: + 100 expected points → 725.
    assert [round(y.points, 6) for y in years] == [250, 500, 625, 725]
    assert [y.extra_points for y in years] == [0, 0, 0, 100]
    assert [y.level for y in years] == [0, 1, 2, 2]


def test_theme_commitment_raises_every_criterion_of_the_theme(mini: Referential) -> None:
    plan = [_commit(theme="a", target_level="full", target_year=2)]
    answers = committed_answers(mini, START, plan, 2)
    assert answers["A-1"].level == "full"
    assert answers["A-2"].level == "full"
    assert "B-1" not in answers
    assert committed_answers(mini, START, plan, 1) == START


def test_expected_points_are_capped_and_can_reach_a_level(mini: Referential) -> None:
    # 250 + 60 = 310 > 300 → level 1 (A-1 partial meets the 0.5 mandatory credit).
    years = projected_trajectory(mini, START, [_commit(theme="b", expected_points=60)])
    assert (round(years[1].points, 6), years[1].level) == (310, 1)
    # 250 + 900 would pass 1,000: capped at the 750 points left. Level 2 still needs theme b ≥ 40 %.
    years = projected_trajectory(mini, START, [_commit(theme="b", expected_points=900)])
    assert (round(years[1].points, 6), years[1].extra_points, years[1].level) == (1000, 750, 1)


def test_adding_a_commitment_moves_the_projection(mini: Referential) -> None:
    before = projected_trajectory(mini, START, [])
    after = projected_trajectory(mini, START, [_commit(criterion="B-1", target_level="full", target_year=2)])
    assert [y.points for y in before][:2] == [y.points for y in after][:2]
    assert round(after[2].points - before[2].points, 6) == 250


def test_projection_starts_from_the_latest_campaign_held(mini: Referential) -> None:
    # Baseline 250 (START); year 1 held with A-1 full, A-2 none → 500, level 1. A commitment
    # for year 3 on B-1 must not take the projection back to the baseline's 250 + 250.
    year1 = {"A-1": Answer(level="full"), "A-2": Answer(level="none")}
    held = {0: Start(START), 1: Start(year1)}
    plan = [_commit(criterion="B-1", target_level="full", target_year=3)]
    years = projected_trajectory(mini, START, plan, held=held)
    # year 0: 250; years 1 and 2 from year 1: 500; year 3: + B-1 full 250 → 750.
    assert [round(y.points, 6) for y in years] == [250, 500, 500, 750]
    assert [y.level for y in years] == [0, 1, 1, 2]
    assert start_of(held, 3) is held[1]
    assert start_of({1: Start(year1)}, 0) is None


LEVELS = st.sampled_from(["none", "partial", "full", "to_assess", "na", "missing"])


def _answer(code: str) -> Answer | None:
    if code == "missing":
        return None
    return _na() if code == "na" else Answer(level=code)


@st.composite
def campaigns(draw: st.DrawFn) -> dict[int, dict[str, Answer]]:
    years = draw(st.sets(st.sampled_from(YEARS), min_size=1))
    result: dict[int, dict[str, Answer]] = {}
    for year in sorted(years):
        answers = {cid: _answer(draw(LEVELS)) for cid in ("A-1", "A-2", "B-1")}
        result[year] = {cid: a for cid, a in answers.items() if a is not None}
    return result


@st.composite
def plans(draw: st.DrawFn) -> list[Commitment]:
    result = []
    for _ in range(draw(st.integers(0, 4))):
        scope = draw(st.sampled_from([{"criterion": "A-1"}, {"criterion": "A-2"}, {"criterion": "B-1"},
                                      {"theme": "a"}, {"theme": "b"}]))
        level = draw(st.sampled_from([None, "none", "partial", "full"]))
        extra = {"expected_points": draw(st.sampled_from([10.0, 400.0]))} if level is None else {}
        result.append(_commit(**scope, target_level=level, target_year=draw(st.integers(1, 3)),
                              status=draw(st.sampled_from(["planned", "done", "dropped"])), **extra))
    return result


@pytest.mark.slow
@settings(max_examples=examples(200), deadline=None)
@given(held=campaigns(), plan=plans())
def test_no_projected_year_is_below_the_latest_actual(mini: Referential, held: dict[int, dict[str, Answer]],
                                                      plan: list[Commitment]) -> None:
    first = held[min(held)]
    years = projected_trajectory(mini, first, plan, held={y: Start(a) for y, a in held.items()})
    for year in YEARS:
        latest = max((y for y in held if y <= year), default=None)
        if latest is not None:
            assert years[year].points >= score(mini, held[latest]).points - TOLERANCE


# --- actual campaigns -------------------------------------------------------------------------


def test_actual_trajectory_keeps_the_latest_campaign_of_each_period() -> None:
    held = [
        Held(Period.YEAR1, dt.date(2025, 3, 1), 420, 1, 2),
        Held(Period.BASELINE, dt.date(2024, 3, 1), 250, 0, 1),
        Held(Period.YEAR1, dt.date(2025, 6, 1), 450, 1, 3),
        Held(Period.RENEWAL, dt.date(2027, 3, 1), 700, 2, 4),
    ]
    actual = actual_trajectory(held)
    assert list(actual) == [0, 1]
    assert actual[1].points == 450
    assert actual[1].campaign_id == 3


# --- commitments: done, on track, late --------------------------------------------------------


def test_progress_as_of_a_date() -> None:
    today = dt.date(2025, 6, 1)
    assert progress(_commit(criterion="A-1", due=dt.date(2025, 5, 31)), today) is Progress.LATE
    assert progress(_commit(criterion="A-1", due=dt.date(2025, 6, 1)), today) is Progress.ON_TRACK
    assert progress(_commit(criterion="A-1", due=dt.date(2025, 1, 1), status="done"), today) is Progress.DONE
    assert progress(_commit(criterion="A-1", due=dt.date(2025, 1, 1), status="dropped"),
                    today) is Progress.DROPPED
    # No due date: due at the end of the target year counted from the cycle start.
    undated = _commit(criterion="A-1", target_year=1, status=CommitmentStatus.IN_PROGRESS)
    assert due_date(undated, dt.date(2024, 3, 1)) == dt.date(2025, 3, 1)
    assert progress(undated, today, dt.date(2024, 3, 1)) is Progress.LATE
    assert progress(undated, today) is Progress.ON_TRACK
    assert due_date(undated, dt.date(2024, 2, 29)) == dt.date(2025, 2, 28)


def test_burn_up_counts_cumulatively() -> None:
    today = dt.date(2025, 6, 1)
    commitments = [
        _commit(criterion="A-1", target_year=1, status="done"),
        _commit(criterion="A-2", target_year=1, due=dt.date(2025, 3, 1)),          # late
        _commit(theme="b", target_year=2, due=dt.date(2026, 3, 1)),                # on track
        _commit(theme="a", target_year=3, status="dropped"),                        # out of scope
        _commit(criterion="B-1", target_year=3, status="done"),
    ]
    assert burn_up(commitments, today) == [
        BurnUp(1, 2, 1, 0, 1),
        BurnUp(2, 3, 1, 1, 1),
        BurnUp(3, 4, 2, 1, 1),
    ]


# --- indicators --------------------------------------------------------------------------------


def _indicator(**fields: Any) -> Indicator:
    return Indicator.model_validate({"name": "reused devices", "unit": "%", "baseline": 20,
                                     "targets": {1: 30, 3: 50}, **fields})


def test_expected_value_interpolates_between_known_points() -> None:
    ind = _indicator()
    # year 0 baseline 20, year 1 target 30, year 3 target 50 → year 2 halfway: 40.
    assert [expected_value(ind, y) for y in (0, 1, 2, 3)] == [20, 30, 40, 50]
    only_year1 = _indicator(targets={1: 30})
    assert expected_value(only_year1, 3) == 30  # flat after the last target
    none = _indicator(targets={})
    assert expected_value(none, 2) == 20


def test_indicator_on_and_off_track_in_both_directions() -> None:
    # Higher is better: 38 measured in year 2 where 40 was expected → off track by 2.
    higher = _indicator(actuals=[Measure(year=1, value=31), Measure(year=2, value=38)])
    check = check_indicator(higher)
    assert (check.state, check.year, check.actual, check.expected, check.margin) == (
        IndicatorState.OFF_TRACK, 2, 38, 40, -2)
    # Lower is better: baseline 100, 70 in year 3 → year 1 expects 90; 88 is 2 better.
    lower = Indicator(name="printed pages", unit="pages/person", direction=Direction.LOWER, baseline=100,
                      targets={3: 70}, actuals=[Measure(year=1, value=88)])
    check = check_indicator(lower)
    assert (check.state, check.expected, check.margin) == (IndicatorState.ON_TRACK, 90, 2)
    # Exactly on target is on track; no measure is "no data".
    assert check_indicator(_indicator(actuals=[Measure(year=1, value=30)])).state is IndicatorState.ON_TRACK
    assert check_indicator(_indicator()).state is IndicatorState.NO_DATA


def test_latest_measure_is_by_year_then_date() -> None:
    ind = _indicator(actuals=[
        Measure(year=1, value=35, date=dt.date(2025, 9, 1)),
        Measure(year=1, value=25, date=dt.date(2025, 3, 1)),
    ])
    check = check_indicator(ind)
    assert (check.actual, check.state) == (35, IndicatorState.ON_TRACK)
    series = indicator_series(ind)
    assert [(p.year, p.planned, p.actual) for p in series] == [
        (0, 20, 20), (1, 30, 35), (2, 40, None), (3, 50, None)]
