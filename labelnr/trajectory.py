"""The three-year trajectory: planned, projected and actual scores, commitments and indicators.

Pure functions over the assessment model and :func:`labelnr.scoring.score`; the plan and
dashboard pages draw what they return.

- **Planned** (from the per-criterion targets): in year *y* each criterion is at least at
  the level of its latest target for a year ≤ *y*. Targets never lower an answer, and a
  criterion declared not applicable stays so (a target cannot bring it back in the score).
- **Projected** (from the commitments): year *y* starts from the latest campaign held at or
  before *y* (progress already made counts), else from the plan's start; every commitment due
  by then (target year ≤ *y*, not dropped) is taken as kept: a criterion commitment raises its
  criterion to its target level, a theme commitment raises every criterion of the theme. A
  kept commitment only ever raises an answer, so no projected year is below the actual points
  of the campaign it starts from. A commitment with no target level adds its
  ``expected_points`` instead (it cannot be scored criterion by criterion), within the
  referential's total.
- **Actual**: the points of the campaigns held, one per period (baseline = year 0).
- **Commitments** are done, dropped, late (still open after their due date) or on track;
  without a due date, a commitment is due at the end of its target year counted from the
  start of the cycle, when that start is known.
- **Indicators** are on track when their latest actual value is at least as good as the value
  expected that year (the yearly target, else a straight line between the known points),
  in the indicator's direction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from labelnr.assessment import (
    Answer,
    Commitment,
    CommitmentStatus,
    Direction,
    Indicator,
    Measure,
    Period,
)
from labelnr.referential import Referential
from labelnr.scoring import TOLERANCE, Scores, level_gaps, score

#: The years of the cycle: 0 is the baseline, then year 1, 2 and 3.
YEARS: tuple[int, ...] = (0, 1, 2, 3)

#: The year of the cycle each period stands for (a renewal starts the next cycle).
PERIOD_YEAR: dict[Period, int] = {
    Period.BASELINE: 0,
    Period.YEAR1: 1,
    Period.YEAR2: 2,
    Period.YEAR3: 3,
}


@dataclass(frozen=True)
class YearScore:
    """The score expected (or reached) in one year of the cycle."""

    year: int
    points: float
    level: int
    #: Percentage per theme id (None where no criterion of the theme applies).
    themes: dict[str, float | None]
    #: Points added by commitments that carry expected points but no target level.
    extra_points: float = 0.0


def _credit(ref: Referential, level_id: str | None) -> float:
    level = ref.scale.level(level_id) if level_id is not None else None
    if level is None or level.pending:
        return 0.0
    return level.credit


def raised(ref: Referential, answer: Answer | None, level_id: str) -> Answer:
    """``answer`` brought up to ``level_id`` when that earns more; N/A and better answers are kept."""
    current = answer if answer is not None else Answer()
    if current.not_applicable is not None or ref.scale.level(level_id) is None:
        return current
    if current.level is not None and _credit(ref, current.level) >= _credit(ref, level_id):
        return current
    return current.model_copy(update={"level": level_id})


def planned_answers(ref: Referential, start: Mapping[str, Answer],
                    targets: Mapping[str, Mapping[int, str]], year: int) -> dict[str, Answer]:
    """The answers of year ``year`` if every target set for that year or before is met."""
    answers = dict(start)
    for cid, by_year in targets.items():
        if cid not in ref.criteria_by_id:
            continue
        due = [y for y in by_year if y <= year]
        if due:
            answers[cid] = raised(ref, answers.get(cid), by_year[max(due)])
    return answers


def _year_score(year: int, scores: Scores, extra: float = 0.0) -> YearScore:
    return YearScore(year, scores.points + extra, scores.level,
                     {tid: ts.percent for tid, ts in scores.themes.items()}, extra)


def planned_trajectory(ref: Referential, start: Mapping[str, Answer],
                       targets: Mapping[str, Mapping[int, str]], profile: str | None = None,
                       applicability: Mapping[str, bool] | None = None) -> list[YearScore]:
    """Points, level and theme percentages planned for the baseline and years 1 to 3."""
    return [
        _year_score(y, score(ref, planned_answers(ref, start, targets, y), profile, applicability))
        for y in YEARS
    ]


def _in_plan(commitment: Commitment, year: int) -> bool:
    return commitment.status is not CommitmentStatus.DROPPED and commitment.target_year <= year


def committed_answers(ref: Referential, start: Mapping[str, Answer], commitments: Iterable[Commitment],
                      year: int, profile: str | None = None) -> dict[str, Answer]:
    """The answers of year ``year`` if every commitment due by then is kept."""
    answers = dict(start)
    in_scope = [c.id for c in ref.criteria_for(profile)]
    for commitment in commitments:
        if not _in_plan(commitment, year) or commitment.target_level is None:
            continue
        if commitment.criterion is not None:
            concerned = [commitment.criterion] if commitment.criterion in ref.criteria_by_id else []
        else:
            concerned = [cid for cid in in_scope if ref.criteria_by_id[cid].theme == commitment.theme]
        for cid in concerned:
            answers[cid] = raised(ref, answers.get(cid), commitment.target_level)
    return answers


@dataclass(frozen=True)
class Start:
    """The answers of one campaign held, scored as that campaign is (its profile and answers)."""

    answers: Mapping[str, Answer]
    profile: str | None = None
    applicability: Mapping[str, bool] | None = None


def start_of(held: Mapping[int, Start], year: int) -> Start | None:
    """The latest campaign held at or before ``year``, if any."""
    due = [y for y in held if y <= year]
    return held[max(due)] if due else None


def projected_trajectory(ref: Referential, start: Mapping[str, Answer], commitments: Sequence[Commitment],
                         profile: str | None = None,
                         applicability: Mapping[str, bool] | None = None,
                         held: Mapping[int, Start] | None = None) -> list[YearScore]:
    """Points, level and theme percentages for each year if the commitments are kept.

    Each year starts from the latest campaign of ``held`` at or before it (by year of the
    cycle), else from ``start`` scored with ``profile`` and ``applicability``.
    """
    result: list[YearScore] = []
    for year in YEARS:
        base = start_of(held or {}, year) or Start(start, profile, applicability)
        scores = score(ref, committed_answers(ref, base.answers, commitments, year, base.profile),
                       base.profile, base.applicability)
        extra = sum(c.expected_points or 0.0 for c in commitments
                    if _in_plan(c, year) and c.target_level is None)
        extra = min(extra, max(0.0, ref.scoring.total_points - scores.points))
        if extra <= 0:
            result.append(_year_score(year, scores))
            continue
        gaps = level_gaps(ref, scores.points + extra, scores.themes, scores.criteria)
        level = 0
        for gap in gaps:
            if not gap.reached:
                break
            level = gap.level
        result.append(YearScore(year, scores.points + extra, level,
                                {tid: ts.percent for tid, ts in scores.themes.items()}, extra))
    return result


# --- actual campaigns ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Held:
    """One campaign held: its period, date and score."""

    period: Period
    date: dt.date
    points: float
    level: int
    campaign_id: int | None = None


def actual_trajectory(held: Iterable[Held]) -> dict[int, Held]:
    """Year of the cycle → the campaign that counts for it (the latest one of each period)."""
    result: dict[int, Held] = {}
    for item in held:
        year = PERIOD_YEAR.get(item.period)
        if year is None:
            continue
        current = result.get(year)
        if current is None or item.date >= current.date:
            result[year] = item
    return dict(sorted(result.items()))


# --- commitments --------------------------------------------------------------------------------


class Progress(StrEnum):
    DONE = "done"
    ON_TRACK = "on_track"
    LATE = "late"
    DROPPED = "dropped"


def due_date(commitment: Commitment, cycle_start: dt.date | None) -> dt.date | None:
    """The commitment's due date, else the end of its target year counted from ``cycle_start``."""
    if commitment.due is not None:
        return commitment.due
    if cycle_start is None:
        return None
    return _add_years(cycle_start, commitment.target_year)


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February into a common year
        return day.replace(year=day.year + years, day=28)


def current_year(cycle_start: dt.date | None, today: dt.date) -> int:
    """The year of the cycle (1-3) in progress on ``today``: a new commitment's default target year.

    The first year whose end (``cycle_start`` + that many years) is not past, so that a
    commitment left at this year and without a due date is not late the day it is typed;
    year 3 once the cycle is over, year 1 when the start is unknown.
    """
    if cycle_start is None:
        return 1
    return next((y for y in YEARS[1:] if _add_years(cycle_start, y) >= today), YEARS[-1])


def progress(commitment: Commitment, today: dt.date, cycle_start: dt.date | None = None) -> Progress:
    """Where one commitment stands on ``today``."""
    if commitment.status is CommitmentStatus.DONE:
        return Progress.DONE
    if commitment.status is CommitmentStatus.DROPPED:
        return Progress.DROPPED
    due = due_date(commitment, cycle_start)
    return Progress.LATE if due is not None and due < today else Progress.ON_TRACK


@dataclass(frozen=True)
class BurnUp:
    """Commitments due by the end of one year of the cycle (cumulative), and where they stand."""

    year: int
    scope: int
    done: int
    on_track: int
    late: int


def burn_up(commitments: Iterable[Commitment], today: dt.date,
            cycle_start: dt.date | None = None) -> list[BurnUp]:
    """For years 1 to 3: how many commitments are due by then and how many are done, on track, late.

    Dropped commitments leave the scope.
    """
    states = [(c.target_year, progress(c, today, cycle_start)) for c in commitments]
    rows: list[BurnUp] = []
    for year in YEARS[1:]:
        due = [p for y, p in states if y <= year and p is not Progress.DROPPED]
        rows.append(BurnUp(year, len(due), due.count(Progress.DONE), due.count(Progress.ON_TRACK),
                           due.count(Progress.LATE)))
    return rows


# --- indicators ---------------------------------------------------------------------------------


class IndicatorState(StrEnum):
    ON_TRACK = "on_track"
    OFF_TRACK = "off_track"
    NO_DATA = "no_data"


def expected_value(indicator: Indicator, year: int) -> float:
    """The value planned for ``year``: its target, else a straight line between the known points.

    The baseline is year 0's value; after the last target the value stays at that target.
    """
    known = {0: indicator.baseline, **indicator.targets}
    if year in known:
        return known[year]
    before = max((y for y in known if y < year), default=0)
    after = min((y for y in known if y > year), default=None)
    if after is None:
        return known[before]
    share = (year - before) / (after - before)
    return known[before] + share * (known[after] - known[before])


def latest_measure(indicator: Indicator) -> Measure | None:
    """The most recent actual value (latest year, then latest date)."""
    if not indicator.actuals:
        return None
    return max(indicator.actuals, key=lambda m: (m.year, m.date or dt.date.min))


@dataclass(frozen=True)
class IndicatorCheck:
    state: IndicatorState
    #: The year of the latest actual value, its value and what was expected then.
    year: int | None = None
    actual: float | None = None
    expected: float | None = None
    #: How far the actual value is from the expected one, oriented by the direction:
    #: positive means better than planned, negative worse.
    margin: float | None = None


def check_indicator(indicator: Indicator) -> IndicatorCheck:
    """Is the latest actual value as good as planned for its year?"""
    measure = latest_measure(indicator)
    if measure is None:
        return IndicatorCheck(IndicatorState.NO_DATA)
    expected = expected_value(indicator, measure.year)
    margin = measure.value - expected
    if indicator.direction is Direction.LOWER:
        margin = -margin
    state = IndicatorState.ON_TRACK if margin >= -TOLERANCE else IndicatorState.OFF_TRACK
    return IndicatorCheck(state, measure.year, measure.value, expected, margin)


@dataclass(frozen=True)
class IndicatorPoint:
    year: int
    planned: float
    #: The value measured that year (the latest measure of the year), if any.
    actual: float | None


def indicator_series(indicator: Indicator) -> list[IndicatorPoint]:
    """Planned and actual values of an indicator for the baseline and years 1 to 3."""
    actual: dict[int, Measure] = {}
    for m in indicator.actuals:
        held = actual.get(m.year)
        if held is None or (m.date or dt.date.min) >= (held.date or dt.date.min):
            actual[m.year] = m
    return [
        IndicatorPoint(y, expected_value(indicator, y),
                       actual[y].value if y in actual else (indicator.baseline if y == 0 else None))
        for y in YEARS
    ]
