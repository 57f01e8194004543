"""The scoring engine: pure functions from (referential, answers) to scores, level and gaps.

Rules, all read from the referential:
- a criterion earns ``credit × weight`` where the credit comes from the answer scale;
  unanswered and "pending" answers earn nothing and stay in the denominator;
- "not applicable" criteria (declared where the criterion allows it, or forced by the
  profile / applicability questions) and criteria outside the profile leave the
  denominator; a declared N/A on a criterion that does not allow it is ignored;
- ``themes`` method: each theme is worth ``total × theme weight ÷ Σ weights`` of the themes
  that still have an applicable criterion; ``pooled``: one ratio over all criteria;
- a label level is reached when its points rule, its theme minimums and its mandatory
  criteria hold, and so do those of every level below it (theme minimums and mandatory
  criteria add up level after level).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from labelnr.assessment import Answer, Assessment, excluded_and_forced_na
from labelnr.referential import LabelLevel, Referential, Text

#: Points and percentages are sums of floats: thresholds are compared with this slack so
#: that "at least 500" holds for 499.99999999999994 and "more than 300" fails for
#: 300.00000000000006. Far below any meaningful score difference.
TOLERANCE = 1e-9


@dataclass(frozen=True)
class CriterionScore:
    id: str
    theme: str
    weight: float
    #: Share of the weight earned (0-1); ``None`` when not applicable.
    credit: float | None
    answered: bool
    pending: bool
    #: Why the criterion is out of the score, when it is (declared N/A, profile, question).
    not_applicable_reason: Text | str | None
    points: float
    max_points: float
    #: The answer's scale level id (None: no answer, or not applicable).
    level: str | None = None

    @property
    def applicable(self) -> bool:
        return self.credit is not None


@dataclass(frozen=True)
class ThemeScore:
    id: str
    #: 0-100; ``None`` when no criterion of the theme applies.
    percent: float | None
    points: float
    max_points: float
    #: Criteria with an answer, "not applicable" included.
    answered: int
    applicable: int
    #: Every criterion of the theme in the profile, not applicable ones included.
    in_scope: int = 0


@dataclass(frozen=True)
class ThemeShortfall:
    theme: str
    percent: float
    minimum: float
    points_short: float


@dataclass(frozen=True)
class LevelGap:
    """What stands between the answers and one label level.

    ``reached`` is true only when this level *and every level below it* are reached;
    ``missing_mandatory`` and ``themes_below_minimum`` include the requirements of
    the lower levels.
    """

    level: int
    name: Text
    reached: bool
    points_needed: float
    points_short: float
    missing_mandatory: list[str]
    themes_below_minimum: list[ThemeShortfall]


@dataclass(frozen=True)
class Scores:
    referential: str
    total_points: float
    points: float
    #: 0-100 over every applicable criterion (or weighted themes); ``None`` (undefined, not 0)
    #: when no criterion applies.
    percent: float | None
    level: int
    criteria: dict[str, CriterionScore]
    themes: dict[str, ThemeScore]
    gaps: list[LevelGap] = field(default_factory=list)

    @property
    def defined(self) -> bool:
        """False when no criterion applies: there is no score (not a score of 0)."""
        return self.percent is not None

    @property
    def answered(self) -> int:
        return sum(1 for c in self.criteria.values() if c.answered)

    def pending_counts(self) -> dict[str, int]:
        """Pending answers per scale level id ("in progress" apart from "to assess"), scale order kept
        by the caller; criteria with no answer at all are not counted here."""
        counts: dict[str, int] = {}
        for c in self.criteria.values():
            if c.pending and c.level is not None:
                counts[c.level] = counts.get(c.level, 0) + 1
        return counts

    @property
    def unanswered(self) -> int:
        """Criteria with no answer at all (neither a level nor "not applicable")."""
        return sum(1 for c in self.criteria.values() if not c.answered and not c.pending)


def _credit(ref: Referential, answer: Answer | None) -> tuple[float, bool, bool]:
    """(credit, answered, pending) of one answer."""
    if answer is None or answer.level is None:
        return 0.0, False, False
    level = ref.scale.level(answer.level)
    if level is None:  # validated earlier; an unknown level never earns credit
        return 0.0, False, False
    return effective_credit(level.credit, level.pending), not level.pending, level.pending


def effective_credit(credit: float, pending: bool) -> float:
    """A "not assessed yet" answer earns nothing, whatever credit the scale gives it."""
    return 0.0 if pending else credit


def _theme_allotments(ref: Referential, applicable_weight: Mapping[str, float]) -> dict[str, float]:
    total = ref.scoring.total_points
    if ref.scoring.method == "pooled":
        weight_sum = sum(applicable_weight.values())
        return {t: total * w / weight_sum if weight_sum else 0.0 for t, w in applicable_weight.items()}
    live = [t for t in ref.themes if applicable_weight.get(t.id, 0.0) > 0]
    theme_sum = sum(t.weight for t in live)
    return {t.id: total * t.weight / theme_sum if t.id in {x.id for x in live} else 0.0 for t in ref.themes}


def score(
    ref: Referential,
    answers: Mapping[str, Answer],
    profile: str | None = None,
    applicability: Mapping[str, bool] | None = None,
) -> Scores:
    """Score one set of answers against ``ref``."""
    excluded, forced = excluded_and_forced_na(ref, profile, dict(applicability or {}))
    criteria = [c for c in ref.criteria_for(profile) if c.id not in excluded]

    raw: dict[str, tuple[float | None, bool, bool, Text | str | None]] = {}
    applicable_weight: dict[str, float] = {t.id: 0.0 for t in ref.themes}
    for crit in criteria:
        answer = answers.get(crit.id)
        if crit.id in forced:
            raw[crit.id] = (None, True, False, forced[crit.id])
        elif answer is not None and answer.not_applicable is not None and crit.not_applicable.allowed:
            raw[crit.id] = (None, True, False, answer.not_applicable.justification)
        else:
            credit, answered, pending = _credit(ref, answer)
            raw[crit.id] = (credit, answered, pending, None)
            applicable_weight[crit.theme] += ref.criterion_weight(crit)

    allot = _theme_allotments(ref, applicable_weight)
    crit_scores: dict[str, CriterionScore] = {}
    for crit in criteria:
        share, answered, pending, reason = raw[crit.id]
        weight = ref.criterion_weight(crit)
        theme_w = applicable_weight[crit.theme]
        max_pts = allot[crit.theme] * weight / theme_w if share is not None and theme_w else 0.0
        level_id = answers[crit.id].level if share is not None and crit.id in answers else None
        crit_scores[crit.id] = CriterionScore(
            crit.id, crit.theme, weight, share, answered, pending, reason,
            max_pts * (share or 0.0), max_pts, level_id,
        )

    themes: dict[str, ThemeScore] = {}
    for theme in ref.themes:
        members = [s for s in crit_scores.values() if s.theme == theme.id]
        live = [s for s in members if s.applicable]
        weight = sum(s.weight for s in live)
        earned = sum(s.weight * (s.credit or 0.0) for s in live)
        themes[theme.id] = ThemeScore(
            theme.id,
            100.0 * earned / weight if weight else None,
            sum(s.points for s in live),
            sum(s.max_points for s in live),
            sum(1 for s in members if s.answered),
            len(live),
            len(members),
        )

    points = sum(t.points for t in themes.values())
    max_points = sum(t.max_points for t in themes.values())
    percent = 100.0 * points / max_points if max_points else None
    gaps = level_gaps(ref, points, themes, crit_scores)
    level = 0
    for gap in gaps:
        if not gap.reached:
            break
        level = gap.level
    return Scores(ref.key, ref.scoring.total_points, points, percent, level, crit_scores, themes, gaps)


def points_rule_met(level: LabelLevel, points: float) -> bool:
    """The level's points rule, with :data:`TOLERANCE` against float noise."""
    if level.strictly_above:
        return points > level.min_points + TOLERANCE
    return points >= level.min_points - TOLERANCE


def cumulative_theme_minimums(ref: Referential) -> list[dict[str, float]]:
    """Per level, the theme minimums in force: its own and those of the levels below (strictest wins)."""
    result: list[dict[str, float]] = []
    current: dict[str, float] = {}
    for level in ref.scoring.levels:
        for theme_id, minimum in level.theme_minimums.items():
            current[theme_id] = max(minimum, current.get(theme_id, minimum))
        result.append(dict(current))
    return result


def level_gaps(ref: Referential, points: float, themes: Mapping[str, ThemeScore],
               crit_scores: Mapping[str, CriterionScore]) -> list[LevelGap]:
    """Each label level of ``ref``, reached or not, and what is missing for it."""
    gaps: list[LevelGap] = []
    lower_reached = True
    for level, minimums in zip(ref.scoring.levels, cumulative_theme_minimums(ref), strict=True):
        gap = _gap(ref, level, minimums, points, themes, crit_scores, lower_reached)
        lower_reached = gap.reached
        gaps.append(gap)
    return gaps


def _gap(ref: Referential, level: LabelLevel, minimums: Mapping[str, float], points: float,
         themes: Mapping[str, ThemeScore], crit_scores: Mapping[str, CriterionScore],
         lower_reached: bool) -> LevelGap:
    needed = level.min_points
    short = needed - points if needed - points > TOLERANCE else 0.0
    missing = [
        cid for cid in ref.mandatory_for(level)
        if cid in crit_scores and crit_scores[cid].applicable
        and (crit_scores[cid].credit or 0.0) < ref.scoring.mandatory_min_credit
    ]
    below: list[ThemeShortfall] = []
    for theme_id, minimum in minimums.items():
        ts = themes.get(theme_id)
        if ts is None or ts.percent is None or ts.percent >= minimum - TOLERANCE:
            continue
        short_pts = ts.max_points * (minimum - ts.percent) / 100
        below.append(ThemeShortfall(theme_id, ts.percent, minimum, short_pts))
    reached = lower_reached and points_rule_met(level, points) and not missing and not below
    return LevelGap(level.level, level.name, reached, needed, short, missing, below)


def mandatory_level(ref: Referential, criterion_id: str) -> LabelLevel | None:
    """The lowest label level that needs the criterion met (its own flag or the level's list).

    The one meaning of "mandatory" every page shows, the same the level gaps use.
    """
    return next((lv for lv in ref.scoring.levels if criterion_id in ref.mandatory_for(lv)), None)


def score_assessment(ref: Referential, assessment: Assessment) -> Scores:
    return score(ref, assessment.answers, assessment.profile, assessment.applicability)
