"""Portfolio scoring: many entities × campaigns at once, vectorised with numpy and pandas.

Gives exactly the numbers of :func:`labelnr.scoring.score` (points, percentage, level,
percentage per theme) for every (entity, campaign) of a long table of answers, without a
Python loop per answer: the referential is compiled once into arrays (weights, theme of
each criterion, credit of each answer, mandatory criteria and theme minimums per level)
and the answers become (assessment × criterion) matrices.

Input, one row per answer::

    entity | campaign | criterion | level (scale id or None) | not_applicable (bool)

and optionally one row per assessment with its ``profile`` and ``applicability`` answers
(a mapping question id → bool). Assessments listed there without answers score zero.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from labelnr.assessment import Assessment, excluded_and_forced_na
from labelnr.errors import LabelnrError
from labelnr.referential import Referential
from labelnr.scoring import TOLERANCE, cumulative_theme_minimums, effective_credit

KEY = ["entity", "campaign"]
ANSWER_COLUMNS = [*KEY, "criterion", "level", "not_applicable"]
#: How many offending rows an error message quotes before saying "and N more".
_QUOTED = 5

Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]
Ints = npt.NDArray[np.intp]
#: (profile, questions answered "no"): everything that decides which criteria apply.
ContextKey = tuple[str | None, frozenset[str]]


class InvalidAnswers(LabelnrError):
    """The answers table cannot be scored; each problem names the rows concerned."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


def theme_column(theme_id: str) -> str:
    """Name of the result column holding a theme's percentage."""
    return f"theme:{theme_id}"


def theme_max_column(theme_id: str) -> str:
    """Name of the result column holding the points a theme can earn (``criteria=True``)."""
    return f"theme_max:{theme_id}"


def credit_column(criterion_id: str) -> str:
    """Name of the result column holding a criterion's credit, NaN where it does not apply
    (``criteria=True``)."""
    return f"credit:{criterion_id}"


def max_column(criterion_id: str) -> str:
    """Name of the result column holding the points a criterion can earn (``criteria=True``)."""
    return f"max:{criterion_id}"


@dataclass(frozen=True)
class CompiledReferential:
    """A referential as arrays, built once and reused for every portfolio."""

    ref: Referential
    criterion_ids: pd.Index
    weight: Floats
    na_allowed: Bools
    #: (criteria × themes) one-hot matrix: summing a row vector per theme is a matmul.
    theme_onehot: Floats
    theme_ids: list[str]
    theme_weight: Floats
    scale_ids: pd.Index
    credit: Floats
    pending: Bools
    #: (levels × criteria): mandatory criteria of each level, lower levels included.
    mandatory: Floats
    #: (levels × themes): minimum percentage in force, -inf where none.
    theme_minimum: Floats
    min_points: Floats
    strictly_above: Bools
    level_numbers: npt.NDArray[np.int64]
    _contexts: dict[ContextKey, tuple[Bools, Bools]] = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, ref: Referential) -> CompiledReferential:
        crits = ref.criteria
        theme_ids = [t.id for t in ref.themes]
        theme_index = {t: i for i, t in enumerate(theme_ids)}
        onehot = np.zeros((len(crits), len(theme_ids)))
        onehot[np.arange(len(crits)), [theme_index[c.theme] for c in crits]] = 1.0
        levels = ref.scoring.levels
        crit_index = {c.id: i for i, c in enumerate(crits)}
        mandatory = np.zeros((len(levels), len(crits)))
        for li, level in enumerate(levels):
            mandatory[li, [crit_index[cid] for cid in ref.mandatory_for(level)]] = 1.0
        minimum = np.full((len(levels), len(theme_ids)), -np.inf)
        for li, minimums in enumerate(cumulative_theme_minimums(ref)):
            for theme_id, pct in minimums.items():
                minimum[li, theme_index[theme_id]] = pct
        return cls(
            ref=ref,
            criterion_ids=pd.Index([c.id for c in crits]),
            weight=np.array([ref.criterion_weight(c) for c in crits], dtype=np.float64),
            na_allowed=np.array([c.not_applicable.allowed for c in crits], dtype=np.bool_),
            theme_onehot=onehot,
            theme_ids=theme_ids,
            theme_weight=np.array([t.weight for t in ref.themes], dtype=np.float64),
            scale_ids=pd.Index(ref.scale.ids),
            credit=np.array([effective_credit(lv.credit, lv.pending) for lv in ref.scale.levels],
                            dtype=np.float64),
            pending=np.array([lv.pending for lv in ref.scale.levels], dtype=np.bool_),
            mandatory=mandatory,
            theme_minimum=minimum,
            min_points=np.array([lv.min_points for lv in levels], dtype=np.float64),
            strictly_above=np.array([lv.strictly_above for lv in levels], dtype=np.bool_),
            level_numbers=np.array([lv.level for lv in levels], dtype=np.int64),
        )

    def context(self, key: ContextKey) -> tuple[Bools, Bools]:
        """(criteria in scope, criteria forced N/A) under a profile and applicability answers."""
        if key not in self._contexts:
            profile, answered_no = key
            excluded, forced = excluded_and_forced_na(self.ref, profile, dict.fromkeys(answered_no, False))
            in_scope = {c.id for c in self.ref.criteria_for(profile)} - excluded
            ids = [c.id for c in self.ref.criteria]  # the order of criterion_ids, as plain str
            self._contexts[key] = (
                np.array([cid in in_scope for cid in ids], dtype=np.bool_),
                np.array([cid in forced for cid in ids], dtype=np.bool_),
            )
        return self._contexts[key]


def _quote(frame: pd.DataFrame, mask: Bools, columns: list[str]) -> str:
    rows = frame.loc[mask, columns].head(_QUOTED)
    listed = "; ".join(", ".join(f"{c}={v!r}" for c, v in zip(columns, row, strict=True))
                       for row in rows.itertuples(index=False))
    extra = int(mask.sum()) - len(rows)
    return listed + (f" and {extra} more" if extra > 0 else "")


def _require_columns(frame: pd.DataFrame, columns: list[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InvalidAnswers([f"the {what} table lacks the column(s) {', '.join(missing)} "
                              f"(expected {', '.join(columns)})"])


@dataclass(frozen=True)
class _Keys:
    index: pd.MultiIndex
    answer_rows: Ints
    context_rows: Ints


def _dense_unique(values: npt.NDArray[np.int64], bound: int) -> tuple[npt.NDArray[np.int64], Ints]:
    """Like ``np.unique(values, return_inverse=True)`` for integers in [0, bound), in linear time.

    Sorted order: by entity then campaign, each in order of first appearance.
    """
    if bound > 4 * len(values) + 1024:  # sparse pairs: a lookup table would be mostly empty
        unique, inverse = np.unique(values, return_inverse=True)
        return unique, inverse.astype(np.intp)
    present = np.zeros(bound, dtype=np.bool_)
    present[values] = True
    unique = np.flatnonzero(present).astype(np.int64)
    code_of = np.zeros(bound, dtype=np.intp)
    code_of[unique] = np.arange(len(unique))
    return unique, code_of[values]


def _lookup(values: pd.Series, known: pd.Index) -> Ints:
    """Position of each value in ``known`` (-1 when absent), resolving each distinct value once."""
    codes, uniques = pd.factorize(values)
    positions = np.append(known.get_indexer(pd.Index(uniques)), -1)  # code -1 (missing) → -1
    return positions[codes].astype(np.intp)


def _keys(answers: pd.DataFrame, contexts: pd.DataFrame | None) -> _Keys:
    """One code per (entity, campaign), in order of first appearance, for both tables."""
    frames = [answers[KEY]] if contexts is None else [answers[KEY], contexts[KEY]]
    both = pd.concat(frames, ignore_index=True)
    ent_codes, entities = pd.factorize(both["entity"])
    camp_codes, campaigns = pd.factorize(both["campaign"])
    if (ent_codes < 0).any() or (camp_codes < 0).any():
        raise InvalidAnswers(["some rows have no entity or no campaign"])
    pair = ent_codes.astype(np.int64) * len(campaigns) + camp_codes
    unique_pairs, codes = _dense_unique(pair, len(entities) * len(campaigns))
    index = pd.MultiIndex.from_arrays(
        [entities.take(unique_pairs // len(campaigns)), campaigns.take(unique_pairs % len(campaigns))],
        names=KEY)
    n = len(answers)
    return _Keys(index, codes[:n], codes[n:])


def _check_answers(comp: CompiledReferential, answers: pd.DataFrame, crit: Ints, level: Ints,
                   has_level: Bools, na: Bools) -> None:
    problems: list[str] = []
    cols = [*KEY, "criterion"]
    key = comp.ref.key
    if (bad := crit < 0).any():
        problems.append(f"unknown criterion id in {key}: {_quote(answers, bad, cols)}")
    if (bad := has_level & (level < 0)).any():
        problems.append(f"level is not an answer of the scale ({', '.join(comp.scale_ids)}): "
                        f"{_quote(answers, bad, [*cols, 'level'])}")
    if (bad := has_level & na).any():
        problems.append(f"an answer is either a level or not applicable, not both: "
                        f"{_quote(answers, bad, cols)}")
    if (bad := na & (crit >= 0) & ~comp.na_allowed[np.maximum(crit, 0)]).any():
        problems.append(f"criterion cannot be declared not applicable: {_quote(answers, bad, cols)}")
    if problems:
        raise InvalidAnswers(problems)


def _column(frame: pd.DataFrame, name: str) -> list[Any]:
    """A column as plain Python values (None where the column is absent): fast to loop over."""
    if name not in frame.columns:
        return [None] * len(frame)
    return list(frame[name].to_numpy(dtype=object))


def _context_codes(comp: CompiledReferential, contexts: pd.DataFrame, rows: Ints,
                   codes: Ints) -> dict[ContextKey, int]:
    """Fill ``codes`` (per assessment) with the code of its (profile, questions answered no)."""
    distinct: dict[ContextKey, int] = {(None, frozenset()): 0}
    known_questions = {q.id for q in comp.ref.questions}
    unknown_questions: set[str] = set()
    # One iteration per assessment (not per answer) to read its profile and questions.
    for row, profile, said in zip(rows.tolist(), _column(contexts, "profile"),
                                  _column(contexts, "applicability"), strict=True):
        profile_id = None if profile is None or profile != profile else str(profile)  # NaN != NaN
        said_no: frozenset[str] = frozenset()
        if isinstance(said, Mapping) and said:
            unknown_questions.update(said.keys() - known_questions)
            said_no = frozenset(q for q, yes in said.items() if not yes)
        codes[row] = distinct.setdefault((profile_id, said_no), len(distinct))
    known_profiles = {p.id for p in comp.ref.profiles}
    known = ", ".join(sorted(known_profiles)) or "none"
    problems = [f"unknown profile {pid!r} in {comp.ref.key} (known: {known})"
                for pid in sorted({p for p, _ in distinct if p is not None and p not in known_profiles})]
    if unknown_questions:
        problems.append(f"unknown applicability question(s) {', '.join(sorted(unknown_questions))} "
                        f"in {comp.ref.key}")
    if problems:
        raise InvalidAnswers(problems)
    return distinct


def _scopes(comp: CompiledReferential, contexts: pd.DataFrame | None, keys: _Keys) -> tuple[Bools, Bools]:
    """(in scope, forced N/A) as (assessments × criteria) matrices.

    Assessments share few distinct (profile, questions answered "no"): each distinct one is
    resolved once by the referential and its rows are gathered per assessment.
    """
    codes = np.zeros(len(keys.index), dtype=np.intp)
    distinct: dict[ContextKey, int] = {(None, frozenset()): 0}
    if contexts is not None and len(contexts):
        rows = keys.context_rows
        if len(np.unique(rows)) != len(rows):
            dup = pd.Series(rows).duplicated(keep=False).to_numpy()
            raise InvalidAnswers([f"an assessment is listed twice in the profiles table: "
                                  f"{_quote(contexts, dup, KEY)}"])
        distinct = _context_codes(comp, contexts, rows, codes)
    # ``distinct`` lists the keys in the order of their codes.
    scope = np.stack([comp.context(k)[0] for k in distinct])
    forced = np.stack([comp.context(k)[1] for k in distinct])
    return scope[codes], forced[codes]


def score_portfolio(ref: Referential | CompiledReferential, answers: pd.DataFrame,
                    contexts: pd.DataFrame | None = None, criteria: bool = False) -> pd.DataFrame:
    """Score every (entity, campaign) of ``answers`` as :func:`labelnr.scoring.score` would.

    Returns a frame indexed by (entity, campaign) with ``points``, ``max_points``,
    ``percent`` (NaN, undefined, where no criterion applies), ``level``, ``answered``,
    ``applicable`` and one :func:`theme_column` per theme (NaN where no criterion of the
    theme applies). With ``criteria``, also each criterion's :func:`credit_column` and
    :func:`max_column` and each theme's :func:`theme_max_column` (what dashboards need for
    gaps and the points left to earn).
    Raises :class:`InvalidAnswers` for unknown criteria, levels, profiles or questions,
    duplicate answers, and N/A where the criterion does not allow it.
    """
    comp = ref if isinstance(ref, CompiledReferential) else CompiledReferential.of(ref)
    _require_columns(answers, ANSWER_COLUMNS, "answers")
    if contexts is not None:
        _require_columns(contexts, KEY, "profiles")
    keys = _keys(answers, contexts)
    n_assess, n_crit = len(keys.index), len(comp.criterion_ids)

    crit = _lookup(answers["criterion"], comp.criterion_ids)
    has_level = answers["level"].notna().to_numpy()
    level = _lookup(answers["level"], comp.scale_ids)
    na = answers["not_applicable"].to_numpy(dtype=np.bool_, na_value=False)
    _check_answers(comp, answers, crit, level, has_level, na)

    cell = keys.answer_rows.astype(np.int64) * n_crit + crit
    if len(cell) and np.bincount(cell).max() > 1:
        dup = pd.Series(cell).duplicated(keep=False).to_numpy()
        raise InvalidAnswers([f"a criterion is answered twice for the same assessment: "
                              f"{_quote(answers, dup, [*KEY, 'criterion'])}"])

    credit = np.zeros(n_assess * n_crit)
    credit[cell[has_level]] = comp.credit[level[has_level]]
    declared_na = np.zeros(n_assess * n_crit, dtype=np.bool_)
    declared_na[cell[na]] = True
    done = np.zeros(n_assess * n_crit, dtype=np.bool_)
    done[cell[has_level]] = ~comp.pending[level[has_level]]
    scope, forced = _scopes(comp, contexts, keys)
    return _tally(comp, keys.index, credit.reshape(n_assess, n_crit),
                  declared_na.reshape(n_assess, n_crit), done.reshape(n_assess, n_crit), scope, forced,
                  criteria)


def _ratio(num: Floats, den: Floats, empty: float) -> Floats:
    out: Floats = np.full(np.broadcast_shapes(num.shape, den.shape), empty)
    np.divide(num, den, out=out, where=den > 0)
    return out


def _tally(comp: CompiledReferential, index: pd.MultiIndex, credit: Floats, declared_na: Bools,
           done: Bools, scope: Bools, forced: Bools, criteria: bool = False) -> pd.DataFrame:
    rules = comp.ref.scoring
    applicable = scope & ~forced & ~declared_na
    weights = applicable * comp.weight
    theme_weight = weights @ comp.theme_onehot
    theme_earned = (weights * credit) @ comp.theme_onehot
    theme_pct = 100.0 * _ratio(theme_earned, theme_weight, np.nan)
    if rules.method == "pooled":
        pooled = theme_weight.sum(axis=1, keepdims=True)
        allot = rules.total_points * _ratio(theme_weight, pooled, 0.0)
    else:
        live = theme_weight > 0
        live_weight = (live * comp.theme_weight).sum(axis=1, keepdims=True)
        allot = rules.total_points * live * _ratio(comp.theme_weight[np.newaxis, :], live_weight, 0.0)
    theme_points = allot * _ratio(theme_earned, theme_weight, 0.0)
    points = theme_points.sum(axis=1)
    max_points = allot.sum(axis=1)

    unmet = (applicable & (credit < rules.mandatory_min_credit)).astype(np.float64)
    missing = (unmet @ comp.mandatory.T) > 0
    below = (theme_pct[:, np.newaxis, :] < comp.theme_minimum[np.newaxis, :, :] - TOLERANCE).any(axis=2)
    by_points = np.where(comp.strictly_above, points[:, np.newaxis] > comp.min_points + TOLERANCE,
                         points[:, np.newaxis] >= comp.min_points - TOLERANCE)
    reached = np.logical_and.accumulate(by_points & ~missing & ~below, axis=1)
    # Levels are reached in order: the number reached picks the level (0: none).
    level = np.concatenate([[0], comp.level_numbers])[reached.sum(axis=1)]

    columns: dict[str, Any] = {
        "points": points,
        "max_points": max_points,
        "percent": 100.0 * _ratio(points, max_points, np.nan),  # NaN: nothing applies, undefined
        "level": level.astype(np.int64),
        "answered": (scope & (forced | declared_na | done)).sum(axis=1),
        "applicable": applicable.sum(axis=1),
    }
    for i, theme_id in enumerate(comp.theme_ids):
        columns[theme_column(theme_id)] = theme_pct[:, i]
    if criteria:
        columns.update(_criteria_columns(comp, applicable, credit, allot, theme_weight))
    return pd.DataFrame(columns, index=index)


def _criteria_columns(comp: CompiledReferential, applicable: Bools, credit: Floats, allot: Floats,
                      theme_weight: Floats) -> dict[str, Floats]:
    """Per criterion its credit (NaN out of the score) and its points at stake, as score() gives them."""
    crit_allot = allot @ comp.theme_onehot.T
    crit_theme_weight = theme_weight @ comp.theme_onehot.T
    stake = applicable & (crit_theme_weight > 0)
    max_points = np.where(stake, crit_allot * comp.weight * _ratio(np.ones_like(crit_theme_weight),
                                                                   crit_theme_weight, 0.0), 0.0)
    shown = np.where(applicable, credit, np.nan)
    columns: dict[str, Floats] = {}
    for i, cid in enumerate(comp.criterion_ids):
        columns[credit_column(cid)] = shown[:, i]
        columns[max_column(cid)] = max_points[:, i]
    for i, theme_id in enumerate(comp.theme_ids):
        columns[theme_max_column(theme_id)] = allot[:, i]
    return columns


def frames_from_assessments(assessments: Iterable[Assessment]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(answers, profiles) tables for :func:`score_portfolio`, keyed by entity id and campaign period."""
    rows: list[tuple[Any, ...]] = []
    contexts: list[tuple[Any, ...]] = []
    for a in assessments:
        key = (a.entity.id, a.campaign.period.value)
        contexts.append((*key, a.profile, dict(a.applicability)))
        for cid, answer in a.answers.items():
            if answer.level is None and answer.not_applicable is None:
                continue  # a comment or an owner without an answer yet: nothing to score
            rows.append((*key, cid, answer.level, answer.not_applicable is not None))
    return (pd.DataFrame(rows, columns=ANSWER_COLUMNS),
            pd.DataFrame(contexts, columns=[*KEY, "profile", "applicability"]))
