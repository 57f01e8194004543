"""Portfolio scoring: vectorised (labelnr.portfolio) against a plain per-answer Python loop.

Scores N entities × M campaigns × every criterion of the current referential
(criteria/label-nr-2024.yaml when present, else a generated referential of 60 criteria)
both ways, checks they agree, and prints the best time of several runs.

    python benchmarks/bench_portfolio.py [--entities 1000] [--campaigns 4] [--repeat 7]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from labelnr.assessment import Answer, NotApplicable
from labelnr.loader import load_referential
from labelnr.portfolio import ANSWER_COLUMNS, CompiledReferential, score_portfolio
from labelnr.referential import Referential
from labelnr.scoring import Scores, score

CURRENT = Path(__file__).resolve().parent.parent / "criteria" / "label-nr-2024.yaml"
TEXT = {"fr": "t", "en": "t"}


def generated_referential(n_criteria: int = 60) -> Referential:
    """A label-shaped referential: 5 themes, 2 levels, theme minimums, mandatory criteria, profiles."""
    themes = [{"id": f"t{i}", "name": TEXT, "weight": w} for i, w in enumerate([3, 2, 2, 2, 1])]
    criteria = [{
        "id": f"C-{i:02d}", "theme": f"t{i % 5}", "title": TEXT, "description": TEXT,
        "level": 1 if i % 3 else 2, "mandatory": i % 7 == 0, "weight": 1 + i % 3,
        "not_applicable": {"allowed": i % 4 == 0},
        **({"profiles": ["public"]} if i % 20 == 19 else {}),
    } for i in range(n_criteria)]
    return Referential.model_validate({
        "id": "generated", "version": "1", "effective_date": "2024-01-01", "source": "benchmark",
        "title": TEXT,
        "scale": {"levels": [
            {"id": "none", "label": TEXT, "credit": 0},
            {"id": "low", "label": TEXT, "credit": 0.25},
            {"id": "partial", "label": TEXT, "credit": 0.5},
            {"id": "reasonable", "label": TEXT, "credit": 0.75},
            {"id": "full", "label": TEXT, "credit": 1},
            {"id": "to_assess", "label": TEXT, "credit": 0, "pending": True}]},
        "scoring": {"total_points": 1000, "mandatory_min_credit": 0.5, "levels": [
            {"level": 1, "name": TEXT, "min_points": 300, "strictly_above": True},
            {"level": 2, "name": TEXT, "min_points": 500, "theme_minimums": {"t0": 40, "t4": 30}}]},
        "themes": themes, "criteria": criteria,
        "profiles": [{"id": "public", "name": TEXT, "exclude": ["C-01"],
                      "not_applicable": [{"criteria": ["C-02"], "reason": TEXT}]}],
        "questions": [{"id": "datacenter", "text": TEXT, "if_no_exclude": ["C-03"],
                       "if_no_not_applicable": {"criteria": ["C-04"], "reason": TEXT}}],
    })


def portfolio_data(ref: Referential, entities: int, campaigns: int,
                   seed: int = 2024) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Answers for every entity × campaign × criterion, shaped like a real portfolio.

    Each entity has a maturity that grows by campaign; answers are drawn around it
    (binomial over the scale levels sorted by credit), 5 % are "to assess", 10 % are left
    unanswered, 10 % are N/A where the criterion allows it. Entities get a random profile
    and applicability answers.
    """
    rng = np.random.default_rng(seed)
    crit_ids = np.array([c.id for c in ref.criteria], dtype=object)
    na_ok = np.array([c.not_applicable.allowed for c in ref.criteria])
    per_assessment = len(crit_ids)
    n_assess = entities * campaigns
    n = n_assess * per_assessment
    names = ["baseline", "year1", "year2", "year3", "renewal"]
    campaign_ids = names[:campaigns] if campaigns <= len(names) else [f"c{i}" for i in range(campaigns)]
    entity = np.repeat(np.array([f"entity-{i:04d}" for i in range(entities)], dtype=object),
                       campaigns * per_assessment)
    campaign = np.tile(np.repeat(np.array(campaign_ids, dtype=object), per_assessment), entities)

    graded = sorted((lv for lv in ref.scale.levels if not lv.pending), key=lambda lv: lv.credit)
    pending = [lv.id for lv in ref.scale.levels if lv.pending]
    maturity = np.clip(rng.beta(2.5, 2.5, entities)[:, None] + 0.12 * np.arange(campaigns), 0, 1).ravel()
    step = rng.binomial(len(graded) - 1, np.repeat(maturity, per_assessment))
    level = np.array([lv.id for lv in graded], dtype=object)[step]
    draw = rng.random(n)
    if pending:
        level[draw < 0.05] = pending[0]
    na = (draw > 0.9) & np.tile(na_ok, n_assess)
    level[na] = None
    keep = (draw < 0.05) | (draw > 0.15)
    answers = pd.DataFrame({"entity": entity, "campaign": campaign, "criterion": np.tile(crit_ids, n_assess),
                            "level": level, "not_applicable": na})[keep].reset_index(drop=True)
    keys = answers[["entity", "campaign"]].drop_duplicates().reset_index(drop=True)
    profiles: list[str | None] = [None, *[p.id for p in ref.profiles]]
    keys["profile"] = [profiles[i] for i in rng.integers(0, len(profiles), len(keys))]
    keys["applicability"] = pd.Series(
        [{q.id: bool(rng.random() > 0.3) for q in ref.questions} for _ in range(len(keys))], dtype=object)
    return answers[ANSWER_COLUMNS], keys


_NA = NotApplicable(reason="out_of_scope", justification="benchmark")


Key = tuple[Any, Any]
Contexts = dict[Key, tuple[str | None, dict[str, bool]]]


def loop_answers(answers: pd.DataFrame) -> dict[Key, dict[str, Answer]]:
    """The plain way: one Python iteration per answer row."""
    by_key: dict[Key, dict[str, Answer]] = {}
    for entity, campaign, criterion, level, na in answers.itertuples(index=False, name=None):
        answer = Answer(not_applicable=_NA) if na else Answer(level=level)
        by_key.setdefault((entity, campaign), {})[criterion] = answer
    return by_key


def loop_contexts(contexts: pd.DataFrame) -> Contexts:
    return {(e, c): (p, a) for e, c, p, a in contexts.itertuples(index=False, name=None)}


def loop_score(ref: Referential, by_key: dict[Key, dict[str, Answer]], ctx: Contexts) -> dict[Key, Scores]:
    return {key: score(ref, answers, *ctx[key]) for key, answers in by_key.items()}


def best_of(repeat: int, fn: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=1000)
    parser.add_argument("--campaigns", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=7, help="runs of the vectorised path (best kept)")
    parser.add_argument("--loop-repeat", type=int, default=3, help="runs of the Python loop (best kept)")
    parser.add_argument("--referential", type=Path, default=CURRENT)
    args = parser.parse_args()

    if args.referential.exists():
        ref = load_referential(args.referential).referential
        source = str(args.referential.relative_to(Path.cwd()) if args.referential.is_relative_to(Path.cwd())
                     else args.referential)
    else:
        ref, source = generated_referential(), "generated (60 criteria; criteria/label-nr-2024.yaml absent)"
    answers, contexts = portfolio_data(ref, args.entities, args.campaigns)
    n_assess = len(contexts)

    compiled = CompiledReferential.of(ref)
    result = score_portfolio(compiled, answers, contexts)
    by_key, ctx = loop_answers(answers), loop_contexts(contexts)
    expected = loop_score(ref, by_key, ctx)
    looped = pd.DataFrame([(*k, s.points, s.level) for k, s in expected.items()],
                          columns=["entity", "campaign", "points", "level"]).set_index(["entity", "campaign"])
    looped = looped.reindex(result.index)
    diff = float((looped["points"] - result["points"]).abs().max())
    same_level = bool((looped["level"] == result["level"]).all())
    levels = result["level"].value_counts().sort_index().to_dict()

    rows = [
        ("portfolio, compiled referential reused", best_of(args.repeat, lambda: score_portfolio(
            compiled, answers, contexts))),
        ("portfolio, compiling the referential", best_of(args.repeat, lambda: score_portfolio(
            ref, answers, contexts))),
        ("loop: score() per assessment, answers prebuilt", best_of(args.loop_repeat, lambda: loop_score(
            ref, by_key, ctx))),
        ("loop: per answer row + score() per assessment", best_of(args.loop_repeat, lambda: loop_score(
            ref, loop_answers(answers), loop_contexts(contexts)))),
    ]

    print(f"referential  {ref.key}: {len(ref.criteria)} criteria, {len(ref.themes)} themes — {source}")
    print(f"data         {args.entities} entities × {args.campaigns} campaigns = {n_assess} assessments, "
          f"{len(answers):,} answer rows; levels reached {levels}")
    print(f"agreement    all {n_assess} assessments: max |Δ points| = {diff:.1e}, same level: {same_level}")
    print(f"machine      {os.cpu_count()} cores, {platform.processor() or platform.machine()}, "
          f"Python {platform.python_version()}, pandas {pd.__version__}, numpy {np.__version__}; "
          f"{dt.date.today().isoformat()}")
    if hasattr(os, "getloadavg"):  # other work on the machine inflates every time below
        print(f"load         1-minute load average {os.getloadavg()[0]:.1f} after the runs")
    print()
    width = max(len(name) for name, _ in rows)
    print(f"{'path':<{width}}  {'best (ms)':>10}  {'vs portfolio':>12}")
    base = rows[0][1]
    for name, seconds in rows:
        print(f"{name:<{width}}  {seconds * 1000:>10.1f}  {seconds / base:>11.1f}×")


if __name__ == "__main__":
    main()
