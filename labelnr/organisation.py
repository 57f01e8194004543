"""The organisation dashboard's numbers for any number of entities, from one portfolio read.

For each entity holding a campaign of the selected period on the same referential version
(a *peer*) it gives the figures the entity's own cycle would give (labelnr.ui.steering.cycle)
— points and level, the gap to the next level, the planned (targets) and projected
(commitments) trajectories, the commitments burn-up, the points left on each criterion —
but scores every peer and every planned year in one call of
:func:`labelnr.portfolio.score_portfolio` instead of one database read and a dozen
``score`` calls per entity: the cost grows linearly with the organisation.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from labelnr.assessment import Commitment, CommitmentStatus
from labelnr.portfolio import (
    ANSWER_COLUMNS,
    KEY,
    CompiledReferential,
    credit_column,
    max_column,
    score_portfolio,
    theme_column,
    theme_max_column,
)
from labelnr.referential import LabelLevel, Referential
from labelnr.scoring import (
    TOLERANCE,
    LevelGap,
    ThemeShortfall,
    cumulative_theme_minimums,
    points_rule_met,
)
from labelnr.storage import CampaignInfo, PortfolioPlans, PortfolioRow
from labelnr.trajectory import PERIOD_YEAR, YEARS, Held, Progress, actual_trajectory, burn_up, progress

LevelNa = tuple[str | None, bool]
Floats = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Peer:
    """One entity's campaign of the selected period, with its cycle's figures."""

    row: PortfolioRow
    #: The gap to the next level not reached (None: top level, or no levels).
    gap: LevelGap | None
    #: Per year 0-3: points planned (targets), projected (commitments) and held (NaN: none).
    planned: list[float]
    projected: list[float]
    actual: list[float]
    #: Theme percentages planned for year 3.
    target_themes: dict[str, float | None]
    cycle_start: dt.date | None


@dataclass(frozen=True)
class Summary:
    peers: list[Peer]
    #: Criterion id → (points left to earn summed over the peers, peers concerned).
    lost: dict[str, tuple[float, int]]
    commitments: dict[int, list[Commitment]]


def peers_of(rows: Iterable[PortfolioRow], info: CampaignInfo) -> list[PortfolioRow]:
    """Every entity's campaign of the same referential version and period."""
    return [r for r in rows
            if r.campaign.referential_key == info.referential_key and r.campaign.period == info.period]


def summarise(comp: CompiledReferential, plans: PortfolioPlans, info: CampaignInfo) -> Summary:
    ref = comp.ref
    peers = peers_of(plans.rows, info)
    if not peers:
        return Summary([], {}, {})
    by_entity: dict[str, list[PortfolioRow]] = {}
    for r in plans.rows:
        by_entity.setdefault(r.entity.id, []).append(r)
    answers = _Answers()
    contexts: list[tuple[object, ...]] = []
    starts: list[_Start] = []
    for n, peer in enumerate(peers):
        camp = peer.campaign
        same_ref = [r.campaign for r in by_entity[peer.entity.id]
                    if r.campaign.referential_id == camp.referential_id and r.campaign.period in PERIOD_YEAR]
        points = {r.campaign.id: r for r in by_entity[peer.entity.id]}
        held = actual_trajectory(Held(c.period, c.date, points[c.id].points, points[c.id].level, c.id)
                                 for c in same_ref)
        same_version = [c for c in same_ref if c.referential_version == camp.referential_version]
        first = min(same_version, key=lambda c: (c.period.index, c.date), default=camp)
        start = plans.effective.get(first.id, {})
        targets = plans.targets.get(camp.id, {})
        commitments = plans.commitments.get(camp.id, [])
        # Each distinct set of answers is scored once: most years of a plan change nothing.
        keys: dict[str, str] = {}
        own = plans.effective.get(camp.id, {})
        context = (camp.profile, plans.applicability.get(camp.id, {}))
        sets: list[tuple[str, dict[str, LevelNa], tuple[str | None, dict[str, bool]]]] = [
            ("own", own, context), ("start", start, context)]
        # As labelnr.trajectory.projected_trajectory: each projected year starts from the latest
        # campaign held (this version) at or before it, with that campaign's profile and answers.
        held_by_year = {y: h.campaign_id for y, h in held.items()
                        if h.campaign_id in {c.id for c in same_version}}
        extras = []
        for year in YEARS:
            sets.append((f"planned{year}", _planned(ref, start, targets, year), context))
            before = [y for y in held_by_year if y <= year]
            base, base_context = start, context
            if before:
                held_id = held_by_year[max(before)]
                base = plans.effective.get(held_id, {})
                base_context = (points[held_id].campaign.profile, plans.applicability.get(held_id, {}))
            sets.append((f"projected{year}", _committed(ref, base, commitments, year, base_context[0]),
                         base_context))
            extras.append(sum(c.expected_points or 0.0 for c in commitments
                              if _in_plan(c, year) and c.target_level is None))
        scored: list[tuple[str, dict[str, LevelNa], tuple[str | None, dict[str, bool]]]] = []
        for name, values, where in sets:
            same = next((k for k, v, w in scored if v == values and w == where), None)
            if same is None:
                scored.append((name, values, where))
                answers.add(n, name, values)
                contexts.append((n, name, *where))
            keys[name] = same or name
        baseline = held.get(0)
        starts.append(_Start(PERIOD_YEAR.get(first.period, 0), baseline.date if baseline else None, extras,
                             [held[y].points if y in held else math.nan for y in YEARS], keys))
    profiles = pd.DataFrame(contexts, columns=[*KEY, "profile", "applicability"])
    table = score_portfolio(comp, answers.frame(), profiles, criteria=True)
    return _summary(comp, plans, peers, table, starts)


@dataclass(frozen=True)
class _Start:
    """Where a peer's plan starts (year, baseline date), the points commitments add without a
    target level per year, and the points held each year."""

    year: int
    cycle_start: dt.date | None
    extras: list[float]
    actual: list[float]
    #: Name of a set of answers → the name it was scored under (the first identical set).
    keys: dict[str, str]


class _Answers:
    """The answers table of :func:`score_portfolio`, built column by column (much faster than rows)."""

    def __init__(self) -> None:
        self.entity: list[int] = []
        self.campaign: list[str] = []
        self.criterion: list[str] = []
        self.level: list[str | None] = []
        self.na: list[bool] = []

    def add(self, n: int, name: str, answers: dict[str, LevelNa]) -> None:
        self.entity.extend([n] * len(answers))
        self.campaign.extend([name] * len(answers))
        self.criterion.extend(answers)
        for level, na in answers.values():
            self.level.append(level)
            self.na.append(na)

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(dict(zip(ANSWER_COLUMNS, (self.entity, self.campaign, self.criterion, self.level,
                                                      self.na), strict=True)))


def _summary(comp: CompiledReferential, plans: PortfolioPlans, peers: Sequence[PortfolioRow],
             table: pd.DataFrame, starts: Sequence[_Start]) -> Summary:
    ref = comp.ref
    total = ref.scoring.total_points
    position = {key: i for i, key in enumerate(table.index)}
    points = table["points"].to_numpy()
    theme_pct = {t: table[theme_column(t)].to_numpy() for t in comp.theme_ids}
    own_rows = [position[(n, "own")] for n in range(len(peers))]
    credit = table[[credit_column(c) for c in comp.criterion_ids]].to_numpy()[own_rows]
    stake = table[[max_column(c) for c in comp.criterion_ids]].to_numpy()[own_rows]
    theme_max = table[[theme_max_column(t) for t in comp.theme_ids]].to_numpy()[own_rows]
    lost_matrix = stake * (1.0 - np.nan_to_num(credit))
    rules = _gap_rules(ref, comp)
    themes = {t: i for i, t in enumerate(comp.theme_ids)}
    result: list[Peer] = []
    for n, peer in enumerate(peers):
        begin = starts[n]
        planned, projected = [], []
        for year in YEARS:
            if year < begin.year:
                planned.append(math.nan)
                projected.append(math.nan)
                continue
            planned.append(float(points[position[(n, begin.keys[f"planned{year}"])]]))
            base = float(points[position[(n, begin.keys[f"projected{year}"])]])
            projected.append(base + min(begin.extras[year], max(0.0, total - base)))
        year3 = position[(n, begin.keys[f"planned{YEARS[-1]}"])]
        result.append(Peer(
            row=peer,
            gap=_next_gap(ref, rules, themes, peer, credit[n], theme_max[n]),
            planned=planned, projected=projected,
            actual=begin.actual,
            target_themes={t: _number(theme_pct[t][year3]) for t in comp.theme_ids},
            cycle_start=begin.cycle_start,
        ))
    lost: dict[str, tuple[float, int]] = {}
    for i, cid in enumerate(comp.criterion_ids):
        column = lost_matrix[:, i]
        concerned = column > 1e-9
        if concerned.any():
            lost[str(cid)] = (float(column[concerned].sum()), int(concerned.sum()))
    return Summary(result, lost, {p.campaign.id: plans.commitments.get(p.campaign.id, []) for p in peers})


#: Per label level: the level, its theme minimums in force, its mandatory criteria (column index).
_Rules = list[tuple[LabelLevel, dict[str, float], list[tuple[str, int]]]]


def _gap_rules(ref: Referential, comp: CompiledReferential) -> _Rules:
    index = {str(cid): i for i, cid in enumerate(comp.criterion_ids)}
    return [(level, minimums, [(cid, index[cid]) for cid in ref.mandatory_for(level) if cid in index])
            for level, minimums in zip(ref.scoring.levels, cumulative_theme_minimums(ref), strict=True)]


def _next_gap(ref: Referential, rules: _Rules, themes: dict[str, int], peer: PortfolioRow, credit: Floats,
              theme_max: Floats) -> LevelGap | None:
    """The first level not reached and what it lacks, by the rules of :func:`labelnr.scoring.level_gaps`
    (the tests check both agree) on the portfolio's per-criterion credits."""
    floor = ref.scoring.mandatory_min_credit
    for level, minimums, mandatory in rules:
        short = level.min_points - peer.points if level.min_points - peer.points > TOLERANCE else 0.0
        missing = [cid for cid, i in mandatory if not math.isnan(c := credit[i]) and c < floor]
        below = []
        for theme_id, minimum in minimums.items():
            pct = peer.themes.get(theme_id)
            if pct is None or pct >= minimum - TOLERANCE:
                continue
            below.append(ThemeShortfall(theme_id, pct, minimum,
                                        float(theme_max[themes[theme_id]]) * (minimum - pct) / 100))
        if not (points_rule_met(level, peer.points) and not missing and not below):
            return LevelGap(level.level, level.name, False, level.min_points, short, missing, below)
    return None


def burn_up_rows(summary: Summary, today: dt.date) -> list[dict[str, int]]:
    """Commitments due by each of years 1 to 3, summed over the peers."""
    rows = [{"year": y, "scope": 0, "done": 0, "on_track": 0, "late": 0} for y in YEARS[1:]]
    for peer in summary.peers:
        lines = burn_up(summary.commitments[peer.row.campaign.id], today, peer.cycle_start)
        for row, line in zip(rows, lines, strict=True):
            row["scope"] += line.scope
            row["done"] += line.done
            row["on_track"] += line.on_track
            row["late"] += line.late
    return rows


def late(summary: Summary, today: dt.date) -> list[tuple[PortfolioRow, Commitment]]:
    return [(p.row, c) for p in summary.peers for c in summary.commitments[p.row.campaign.id]
            if progress(c, today, p.cycle_start) is Progress.LATE]


def mean_trajectory(summary: Summary) -> pd.DataFrame:
    """year, planned, projected, actual: the mean over the peers that have a value."""
    frame = pd.DataFrame({
        "year": [y for _ in summary.peers for y in YEARS],
        "planned": [v for p in summary.peers for v in p.planned],
        "projected": [v for p in summary.peers for v in p.projected],
        "actual": [v for p in summary.peers for v in p.actual],
    })
    return frame.groupby("year").mean().round(1).reset_index()


# --- the answers of a planned year, as (level, not applicable) pairs --------------------------


def _rows(n: int, key: str, answers: dict[str, LevelNa]) -> list[tuple[object, ...]]:
    return [(n, key, cid, level, na) for cid, (level, na) in answers.items()]


def _credits(ref: Referential) -> dict[str, float]:
    """Each answer of the scale → its credit toward a target (pending answers earn nothing)."""
    return {lv.id: 0.0 if lv.pending else lv.credit for lv in ref.scale.levels}


def _raised(credits: dict[str, float], answer: LevelNa | None, level_id: str) -> LevelNa | None:
    """:func:`labelnr.trajectory.raised` on a (level, not applicable) pair."""
    if level_id not in credits or (answer is not None and answer[1]):
        return answer
    if answer is not None and answer[0] is not None and credits.get(answer[0], 0.0) >= credits[level_id]:
        return answer
    return (level_id, False)


def _planned(ref: Referential, start: dict[str, LevelNa], targets: dict[str, dict[int, str]],
             year: int) -> dict[str, LevelNa]:
    """:func:`labelnr.trajectory.planned_answers` on (level, not applicable) pairs."""
    answers = dict(start)
    credits = _credits(ref)
    for cid, by_year in targets.items():
        due = [y for y in by_year if y <= year]
        if not due or cid not in ref.criteria_by_id:
            continue
        if raised := _raised(credits, answers.get(cid), by_year[max(due)]):
            answers[cid] = raised
    return answers


def _in_plan(commitment: Commitment, year: int) -> bool:
    return commitment.status is not CommitmentStatus.DROPPED and commitment.target_year <= year


def _committed(ref: Referential, start: dict[str, LevelNa], commitments: Sequence[Commitment], year: int,
               profile: str | None) -> dict[str, LevelNa]:
    """:func:`labelnr.trajectory.committed_answers` on (level, not applicable) pairs."""
    answers = dict(start)
    credits = _credits(ref)
    in_scope: list[str] | None = None
    for commitment in commitments:
        if not _in_plan(commitment, year) or commitment.target_level is None:
            continue
        if commitment.criterion is not None:
            concerned = [commitment.criterion] if commitment.criterion in ref.criteria_by_id else []
        else:
            if in_scope is None:
                in_scope = [c.id for c in ref.criteria_for(profile)]
            concerned = [cid for cid in in_scope if ref.criteria_by_id[cid].theme == commitment.theme]
        for cid in concerned:
            if raised := _raised(credits, answers.get(cid), commitment.target_level):
                answers[cid] = raised
    return answers


def _number(value: float) -> float | None:
    return None if math.isnan(value) else float(value)
