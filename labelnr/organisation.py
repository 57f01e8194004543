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
from labelnr.referential import Referential
from labelnr.scoring import CriterionScore, LevelGap, ThemeScore, level_gaps
from labelnr.storage.views import CampaignInfo, PortfolioPlans, PortfolioRow
from labelnr.trajectory import PERIOD_YEAR, YEARS, Held, Progress, actual_trajectory, burn_up, progress

LevelNa = tuple[str | None, bool]


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
    answers: list[tuple[object, ...]] = []
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
        said = plans.applicability.get(camp.id, {})
        own = plans.effective.get(camp.id, {})
        answers.extend(_rows(n, "own", own))
        contexts.append((n, "own", camp.profile, said))
        extras = []
        for year in YEARS:
            answers.extend(_rows(n, f"planned{year}", _planned(ref, start, targets, year)))
            committed = _committed(ref, start, commitments, year, camp.profile)
            answers.extend(_rows(n, f"projected{year}", committed))
            contexts.append((n, f"planned{year}", camp.profile, said))
            contexts.append((n, f"projected{year}", camp.profile, said))
            extras.append(sum(c.expected_points or 0.0 for c in commitments
                              if _in_plan(c, year) and c.target_level is None))
        baseline = held.get(0)
        starts.append(_Start(PERIOD_YEAR.get(first.period, 0), baseline.date if baseline else None, extras,
                             [held[y].points if y in held else math.nan for y in YEARS]))
    table = score_portfolio(comp, pd.DataFrame(answers, columns=ANSWER_COLUMNS),
                            pd.DataFrame(contexts, columns=[*KEY, "profile", "applicability"]), criteria=True)
    return _summary(comp, plans, peers, table, starts)


@dataclass(frozen=True)
class _Start:
    """Where a peer's plan starts (year, baseline date), the points commitments add without a
    target level per year, and the points held each year."""

    year: int
    cycle_start: dt.date | None
    extras: list[float]
    actual: list[float]


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
    result: list[Peer] = []
    for n, peer in enumerate(peers):
        begin = starts[n]
        planned, projected = [], []
        for year in YEARS:
            if year < begin.year:
                planned.append(math.nan)
                projected.append(math.nan)
                continue
            planned.append(float(points[position[(n, f"planned{year}")]]))
            base = float(points[position[(n, f"projected{year}")]])
            projected.append(base + min(begin.extras[year], max(0.0, total - base)))
        year3 = position[(n, f"planned{YEARS[-1]}")]
        result.append(Peer(
            row=peer,
            gap=_next_gap(ref, comp, peer, credit[n], stake[n], theme_max[n]),
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


def _next_gap(ref: Referential, comp: CompiledReferential, peer: PortfolioRow, credit: np.ndarray,
              stake: np.ndarray, theme_max: np.ndarray) -> LevelGap | None:
    """The gap to the next level, by the rules of :func:`labelnr.scoring.level_gaps` (which reads
    only each criterion's credit and each theme's percentage and points at stake)."""
    criteria = {
        str(cid): CriterionScore(str(cid), "", 0.0, None if math.isnan(c) else float(c), False, False, None,
                                 0.0, float(s))
        for cid, c, s in zip(comp.criterion_ids, credit, stake, strict=True)
    }
    themes = {t: ThemeScore(t, peer.themes.get(t), 0.0, float(m), 0, 0)
              for t, m in zip(comp.theme_ids, theme_max, strict=True)}
    return next((g for g in level_gaps(ref, peer.points, themes, criteria) if not g.reached), None)


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


def _credit(ref: Referential, level_id: str | None) -> float:
    level = ref.scale.level(level_id) if level_id is not None else None
    return 0.0 if level is None or level.pending else level.credit


def _raised(ref: Referential, answer: LevelNa | None, level_id: str) -> LevelNa | None:
    """:func:`labelnr.trajectory.raised` on a (level, not applicable) pair."""
    if ref.scale.level(level_id) is None or (answer is not None and answer[1]):
        return answer
    if answer is not None and answer[0] is not None and _credit(ref, answer[0]) >= _credit(ref, level_id):
        return answer
    return (level_id, False)


def _planned(ref: Referential, start: dict[str, LevelNa], targets: dict[str, dict[int, str]],
             year: int) -> dict[str, LevelNa]:
    """:func:`labelnr.trajectory.planned_answers` on (level, not applicable) pairs."""
    answers = dict(start)
    for cid, by_year in targets.items():
        due = [y for y in by_year if y <= year]
        if not due or cid not in ref.criteria_by_id:
            continue
        if raised := _raised(ref, answers.get(cid), by_year[max(due)]):
            answers[cid] = raised
    return answers


def _in_plan(commitment: Commitment, year: int) -> bool:
    return commitment.status is not CommitmentStatus.DROPPED and commitment.target_year <= year


def _committed(ref: Referential, start: dict[str, LevelNa], commitments: Sequence[Commitment], year: int,
               profile: str | None) -> dict[str, LevelNa]:
    """:func:`labelnr.trajectory.committed_answers` on (level, not applicable) pairs."""
    answers = dict(start)
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
            if raised := _raised(ref, answers.get(cid), commitment.target_level):
                answers[cid] = raised
    return answers


def _number(value: float) -> float | None:
    return None if math.isnan(value) else float(value)
