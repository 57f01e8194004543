"""Properties of the scoring engine on generated referentials and on the shipped ones."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from labelnr.assessment import Answer, NotApplicable
from labelnr.loader import load_referential
from labelnr.portfolio import ANSWER_COLUMNS, score_portfolio, theme_column
from labelnr.referential import Referential
from labelnr.scoring import TOLERANCE, Scores, effective_credit, level_gaps, score
from tests.support.properties import examples

pytestmark = pytest.mark.slow

FIXTURES = Path(__file__).parent / "fixtures"
# The scoring fixtures and every referential shipped under criteria/.
REFERENTIAL_FILES = [
    *(FIXTURES / name for name in ("mini.yaml", "scoring-profiles.yaml", "rgesn-mini.yaml")),
    *sorted((Path(__file__).parent.parent / "criteria").glob("*.yaml")),
]
NA = Answer(not_applicable=NotApplicable(reason="scope", justification="outside our activity"))
TEXT = {"fr": "t", "en": "t"}

SETTINGS = settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def referentials(draw: st.DrawFn) -> Referential:
    """Small but complete referentials: every scoring rule the model allows can show up."""
    n_themes = draw(st.integers(1, 4))
    themes = [{"id": f"t{i}", "name": TEXT, "weight": draw(st.sampled_from([0.5, 1.0, 2.0, 3.0]))}
              for i in range(n_themes)]
    credits = draw(st.lists(st.sampled_from([0.0, 0.25, 0.5, 0.75, 1.0]), min_size=1, max_size=4))
    scale = [{"id": f"s{i}", "label": TEXT, "credit": c} for i, c in enumerate([*credits, 1.0])]
    for i in draw(st.sets(st.integers(0, len(scale) - 1), max_size=2)):
        if scale[i]["credit"] != 1.0 or i < len(scale) - 1:
            scale[i]["pending"] = True
            scale[i]["credit"] = 0.0  # the model refuses a pending answer that earns credit
    priorities = {"p": 1.5, "r": 1.25, "m": 1.0}
    n_crit = draw(st.integers(1, 10))
    total = draw(st.sampled_from([100.0, 1000.0, 37.0]))
    n_levels = draw(st.integers(0, 3))
    profile_ids = draw(st.sets(st.sampled_from(["esn", "public"]), max_size=2))
    ids = [f"c{i}" for i in range(n_crit)]
    criteria = []
    for cid in ids:
        crit: dict[str, Any] = {
            "id": cid, "theme": f"t{draw(st.integers(0, n_themes - 1))}", "title": TEXT, "description": TEXT,
            "level": draw(st.integers(1, max(n_levels, 1))), "mandatory": draw(st.integers(0, 3)) == 0,
            "not_applicable": {"allowed": draw(st.booleans())},
        }
        if draw(st.booleans()):
            crit["priority"] = draw(st.sampled_from(sorted(priorities)))
        else:
            crit["weight"] = draw(st.sampled_from([0.5, 1.0, 2.0, 3.0]))
        if profile_ids and draw(st.integers(0, 4)) == 0:
            crit["profiles"] = sorted(draw(st.sets(st.sampled_from(sorted(profile_ids)), min_size=1)))
        criteria.append(crit)
    thresholds = sorted(draw(st.lists(st.sampled_from([0.0, 0.2, 0.3, 0.3, 0.5, 0.6, 1.0]),
                                      min_size=n_levels, max_size=n_levels)))
    levels = [{
        "level": i + 1, "name": TEXT, "min_points": total * fraction, "strictly_above": draw(st.booleans()),
        "theme_minimums": {t["id"]: draw(st.sampled_from([0.0, 20.0, 40.0, 100.0]))
                           for t in themes if draw(st.integers(0, 3)) == 0},
        "mandatory": sorted(draw(st.sets(st.sampled_from(ids), max_size=1))),
    } for i, fraction in enumerate(thresholds)]
    some_ids = st.lists(st.sampled_from(ids), min_size=1, max_size=3, unique=True)
    profiles = [{
        "id": pid, "name": TEXT, "exclude": draw(st.lists(st.sampled_from(ids), max_size=2, unique=True)),
        "not_applicable": [{"criteria": draw(some_ids), "reason": TEXT}] if draw(st.booleans()) else [],
    } for pid in sorted(profile_ids)]
    questions = [{
        "id": f"q{i}", "text": TEXT,
        "if_no_exclude": draw(st.lists(st.sampled_from(ids), max_size=2, unique=True)),
        "if_no_not_applicable": {"criteria": draw(some_ids), "reason": TEXT} if draw(st.booleans()) else None,
    } for i in range(draw(st.integers(0, 2)))]
    return Referential.model_validate({
        "id": "gen", "version": "1", "effective_date": "2024-01-01", "source": "generated", "title": TEXT,
        "scale": {"levels": scale},
        "scoring": {"total_points": total, "method": draw(st.sampled_from(["themes", "pooled"])),
                    "priority_weights": priorities,
                    "mandatory_min_credit": draw(st.sampled_from([0.5, 1.0])), "levels": levels},
        "themes": themes, "criteria": criteria, "profiles": profiles, "questions": questions,
    })


@st.composite
def situations(draw: st.DrawFn, ref: Referential
               ) -> tuple[dict[str, Answer], str | None, dict[str, bool]]:
    """Answers (any level, N/A — allowed or not — or nothing), a profile and applicability answers."""
    answers: dict[str, Answer] = {}
    # Full-credit answers come up more often so that label levels are reached too.
    best = [lv.id for lv in ref.scale.levels if lv.credit == 1.0 and not lv.pending]
    choices = [*ref.scale.ids, *best, *best]
    for crit in ref.criteria:
        kind = draw(st.sampled_from(["none", "level", "level", "na"]))
        if kind == "level":
            answers[crit.id] = Answer(level=draw(st.sampled_from(choices)))
        elif kind == "na":
            answers[crit.id] = NA
    profile = draw(st.sampled_from([None, *[p.id for p in ref.profiles]]))
    applicability = {q.id: draw(st.booleans()) for q in ref.questions if draw(st.booleans())}
    return answers, profile, applicability


Situation = tuple[Referential, dict[str, Answer], str | None, dict[str, bool]]


@st.composite
def generated(draw: st.DrawFn) -> Situation:
    ref = draw(referentials())
    return (ref, *draw(situations(ref)))


@functools.cache
def _load(path: Path) -> Referential:
    return load_referential(path).referential


def _on_real_file(path: Path) -> st.SearchStrategy[Situation]:
    ref = _load(path)
    return situations(ref).map(lambda s: (ref, *s))


def _effective(ref: Referential, level_id: str) -> float:
    level = ref.scale.level(level_id)
    assert level is not None
    return effective_credit(level.credit, level.pending)


# --- the properties, each checked on generated referentials and on the shipped files ----------


def check_in_range(ref: Referential, s: Scores) -> None:
    total = ref.scoring.total_points
    assert -TOLERANCE <= s.points <= total + TOLERANCE
    # Undefined (not 0 %) exactly when no criterion applies.
    assert (s.percent is None) == (not any(c.applicable for c in s.criteria.values()))
    assert s.percent is None or 0 <= s.percent <= 100 + TOLERANCE
    for theme in s.themes.values():
        assert theme.percent is None or 0 <= theme.percent <= 100 + TOLERANCE
        assert 0 <= theme.points <= theme.max_points + TOLERANCE
    max_points = sum(t.max_points for t in s.themes.values())
    # The whole total is shared out among the themes that apply (none when nothing applies).
    assert max_points == pytest.approx(total if any(c.applicable for c in s.criteria.values()) else 0)
    for crit in s.criteria.values():
        assert 0 <= crit.points <= crit.max_points + TOLERANCE


def check_levels_monotone(ref: Referential, s: Scores) -> None:
    reached = [g.reached for g in s.gaps]
    # Reaching a level implies reaching every level below it.
    assert reached == sorted(reached, reverse=True)
    assert s.level == (s.gaps[sum(reached) - 1].level if any(reached) else 0)
    # More points, same mandatory and theme state: never a lower level.
    for more in (s.points + 1, s.points + ref.scoring.total_points / 3, ref.scoring.total_points):
        higher = level_gaps(ref, more, s.themes, s.criteria)
        assert sum(g.reached for g in higher) >= sum(reached)


def check_not_applicable_never_lowers(ref: Referential, answers: dict[str, Answer], profile: str | None,
                                      applicability: dict[str, bool], s: Scores) -> None:
    for cid, crit in s.criteria.items():
        if not crit.applicable or crit.credit:
            continue  # only unmet criteria (earning nothing)
        after = score(ref, {**answers, cid: NA}, profile, applicability)
        assert s.percent is not None
        assert after.percent is None or after.percent >= s.percent - TOLERANCE, cid
        assert after.points >= s.points - TOLERANCE, cid
        assert after.level >= s.level, cid
        for tid, theme in s.themes.items():
            new = after.themes[tid].percent
            assert theme.percent is None or new is None or new >= theme.percent - TOLERANCE, (cid, tid)


def check_raising_never_lowers(ref: Referential, answers: dict[str, Answer], profile: str | None,
                               applicability: dict[str, bool], s: Scores) -> None:
    for cid, crit in s.criteria.items():
        if not crit.applicable:
            continue
        for level_id in ref.scale.ids:
            if _effective(ref, level_id) < (crit.credit or 0.0):
                continue
            after = score(ref, {**answers, cid: Answer(level=level_id)}, profile, applicability)
            assert after.points >= s.points - TOLERANCE, (cid, level_id)
            assert after.percent is not None
            assert s.percent is not None
            assert after.percent >= s.percent - TOLERANCE, (cid, level_id)
            assert after.level >= s.level, (cid, level_id)
            for tid, theme in s.themes.items():
                new = after.themes[tid].percent
                if theme.percent is not None:
                    assert new is not None
                    assert new >= theme.percent - TOLERANCE, (cid, level_id, tid)


def check_portfolio_agrees(ref: Referential, answers: dict[str, Answer], profile: str | None,
                           applicability: dict[str, bool], s: Scores) -> None:
    rows = [("e", "c", cid, a.level, a.not_applicable is not None) for cid, a in answers.items()
            if a.not_applicable is None or ref.criteria_by_id[cid].not_applicable.allowed]
    contexts = pd.DataFrame({"entity": ["e"], "campaign": ["c"], "profile": [profile],
                             "applicability": [applicability]})
    got = score_portfolio(ref, pd.DataFrame(rows, columns=ANSWER_COLUMNS), contexts).iloc[0]
    assert float(got["points"]) == pytest.approx(s.points, abs=1e-9, rel=0)
    if s.percent is None:
        assert math.isnan(float(got["percent"]))
    else:
        assert float(got["percent"]) == pytest.approx(s.percent, abs=1e-9, rel=0)
    assert int(got["level"]) == s.level
    for tid, theme in s.themes.items():
        pct = float(got[theme_column(tid)])
        assert math.isnan(pct) if theme.percent is None else pct == pytest.approx(theme.percent, abs=1e-9)


Check = Callable[[Referential, dict[str, Answer], str | None, dict[str, bool], Scores], None]
CHECKS: dict[str, Check] = {
    "in_range": lambda ref, a, p, q, s: check_in_range(ref, s),
    "levels_monotone": lambda ref, a, p, q, s: check_levels_monotone(ref, s),
    "not_applicable_never_lowers": check_not_applicable_never_lowers,
    "raising_never_lowers": check_raising_never_lowers,
    "portfolio_agrees": check_portfolio_agrees,
}


@pytest.mark.parametrize("name", sorted(CHECKS))
@SETTINGS
@given(situation=generated())
def test_on_generated_referentials(name: str, situation: Situation) -> None:
    ref, answers, profile, applicability = situation
    CHECKS[name](ref, answers, profile, applicability, score(ref, answers, profile, applicability))


@pytest.mark.parametrize("path", REFERENTIAL_FILES, ids=lambda p: p.name)
@settings(max_examples=examples(25), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_on_referential_files(path: Path, data: st.DataObject) -> None:
    ref, answers, profile, applicability = data.draw(_on_real_file(path))
    s = score(ref, answers, profile, applicability)
    for check in CHECKS.values():
        check(ref, answers, profile, applicability, s)


def test_generated_referentials_reach_levels() -> None:
    # The level properties only mean something if generated cases do reach levels.
    @settings(max_examples=80, deadline=None, database=None, derandomize=True)
    @given(situation=generated())
    def collect(situation: Situation) -> None:
        ref, answers, profile, applicability = situation
        seen.add(score(ref, answers, profile, applicability).level)

    seen: set[int] = set()
    collect()
    assert {0, 1, 2} <= seen
