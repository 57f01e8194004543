"""Portfolio scoring must give exactly the numbers of the per-assessment engine."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from labelnr.assessment import Answer, Assessment, Campaign, Entity, NotApplicable, Party, Period, RefPin
from labelnr.loader import load_referential
from labelnr.portfolio import (
    ANSWER_COLUMNS,
    CompiledReferential,
    InvalidAnswers,
    credit_column,
    frames_from_assessments,
    max_column,
    score_portfolio,
    theme_column,
    theme_max_column,
)
from labelnr.referential import Referential
from labelnr.scoring import Scores, score

ROOT = Path(__file__).parent.parent
FIXTURES = Path(__file__).parent / "fixtures"
FIXTURE_FILES = [FIXTURES / n for n in ("mini.yaml", "scoring-profiles.yaml", "rgesn-mini.yaml")]
REFERENTIAL_FILES = FIXTURE_FILES + sorted((ROOT / "criteria").glob("*.yaml"))


def _load(path: Path) -> Referential:
    return load_referential(path).referential


def random_portfolio(ref: Referential, entities: int, campaigns: int,
                     rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Random but valid answers: some unanswered, N/A only where allowed, any scale level."""
    crit_ids = np.array([c.id for c in ref.criteria], dtype=object)
    na_ok = np.array([c.not_applicable.allowed for c in ref.criteria])
    n = entities * campaigns * len(crit_ids)
    entity = np.repeat(np.arange(entities), campaigns * len(crit_ids))
    campaign = np.tile(np.repeat([f"c{i}" for i in range(campaigns)], len(crit_ids)), entities)
    criterion = np.tile(crit_ids, entities * campaigns)
    draw = rng.random(n)
    keep = draw > 0.15
    na = (draw > 0.85) & np.tile(na_ok, entities * campaigns)
    level = np.array(ref.scale.ids, dtype=object)[rng.integers(0, len(ref.scale.ids), n)]
    level[na] = None
    answers = pd.DataFrame({"entity": [f"e{i}" for i in entity], "campaign": campaign,
                            "criterion": criterion, "level": level, "not_applicable": na})[keep]
    profiles: list[str | None] = [None, *[p.id for p in ref.profiles]]
    keys = answers[["entity", "campaign"]].drop_duplicates().reset_index(drop=True)
    keys["profile"] = [profiles[i] for i in rng.integers(0, len(profiles), len(keys))]
    applicability: list[dict[str, bool]] = [
        {q.id: bool(rng.random() > 0.5) for q in ref.questions if rng.random() > 0.3}
        for _ in range(len(keys))
    ]
    keys["applicability"] = pd.Series(applicability, dtype=object)
    return answers.sample(frac=1.0, random_state=1).reset_index(drop=True), keys


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in r.items()} for r in frame.to_dict("records")]


def _row(frame: pd.DataFrame, key: tuple[Any, Any]) -> dict[str, Any]:
    return {str(k): v for k, v in frame.loc[[key]].iloc[0].to_dict().items()}


def reference_scores(ref: Referential, answers: pd.DataFrame,
                     contexts: pd.DataFrame | None) -> dict[tuple[Any, Any], Scores]:
    by_key: dict[tuple[Any, Any], dict[str, Answer]] = {}
    for row in _records(answers):
        na = NotApplicable(reason="r", justification="j") if row["not_applicable"] else None
        level = None if pd.isna(row["level"]) else row["level"]
        answer = Answer(level=level, not_applicable=na)
        by_key.setdefault((row["entity"], row["campaign"]), {})[row["criterion"]] = answer
    ctx: dict[tuple[Any, Any], tuple[str | None, dict[str, bool]]] = {}
    if contexts is not None:
        for c in _records(contexts):
            ctx[(c["entity"], c["campaign"])] = (c["profile"], c["applicability"])
            by_key.setdefault((c["entity"], c["campaign"]), {})
    return {k: score(ref, a, *ctx.get(k, (None, {}))) for k, a in by_key.items()}


def assert_same(ref: Referential, result: pd.DataFrame, expected: dict[tuple[Any, Any], Scores]) -> None:
    assert set(result.index) == set(expected)
    for key, s in expected.items():
        row = _row(result, key)
        assert row["points"] == pytest.approx(s.points, abs=1e-9, rel=0)
        if s.percent is None:
            assert math.isnan(row["percent"]), key
        else:
            assert row["percent"] == pytest.approx(s.percent, abs=1e-9, rel=0)
        assert row["level"] == s.level, key
        assert row["answered"] == s.answered
        assert row["applicable"] == sum(1 for c in s.criteria.values() if c.applicable)
        for theme in ref.themes:
            pct = s.themes[theme.id].percent
            got = row[theme_column(theme.id)]
            if pct is None:
                assert math.isnan(got), (key, theme.id)
            else:
                assert got == pytest.approx(pct, abs=1e-9, rel=0), (key, theme.id)


@pytest.mark.parametrize("path", REFERENTIAL_FILES, ids=lambda p: p.name)
def test_same_numbers_as_the_per_assessment_engine(path: Path) -> None:
    ref = _load(path)
    rng = np.random.default_rng(7)
    answers, contexts = random_portfolio(ref, entities=60, campaigns=3, rng=rng)
    result = score_portfolio(ref, answers, contexts)
    assert_same(ref, result, reference_scores(ref, answers, contexts))
    # Without the profiles table every assessment is scored without profile or questions.
    plain = score_portfolio(ref, answers)
    assert_same(ref, plain, reference_scores(ref, answers, None))


@pytest.mark.parametrize("path", REFERENTIAL_FILES, ids=lambda p: p.name)
def test_criteria_detail_matches_the_per_assessment_engine(path: Path) -> None:
    ref = _load(path)
    answers, contexts = random_portfolio(ref, entities=20, campaigns=2, rng=np.random.default_rng(3))
    result = score_portfolio(ref, answers, contexts, criteria=True)
    for key, s in reference_scores(ref, answers, contexts).items():
        row = _row(result, key)
        for crit in ref.criteria:
            cs = s.criteria.get(crit.id)
            credit, stake = row[credit_column(crit.id)], row[max_column(crit.id)]
            if cs is None or cs.credit is None:  # out of the profile, excluded or N/A
                assert math.isnan(credit), (key, crit.id)
                assert stake == 0.0, (key, crit.id)
            else:
                assert credit == pytest.approx(cs.credit, abs=1e-12), (key, crit.id)
                assert stake == pytest.approx(cs.max_points, abs=1e-9), (key, crit.id)
        for theme in ref.themes:
            assert row[theme_max_column(theme.id)] == pytest.approx(s.themes[theme.id].max_points, abs=1e-9)
    assert credit_column(ref.criteria[0].id) not in score_portfolio(ref, answers, contexts).columns


def test_levels_vary_in_the_random_data() -> None:
    # The comparison above is only worth something if the data reach several levels.
    ref = _load(FIXTURES / "mini.yaml")
    answers, contexts = random_portfolio(ref, 200, 2, np.random.default_rng(3))
    levels = set(score_portfolio(ref, answers, contexts)["level"])
    assert levels == {0, 1, 2}


def _rows(*rows: tuple[Any, ...]) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=ANSWER_COLUMNS)


def test_hand_checked_portfolio() -> None:
    ref = _load(FIXTURES / "mini.yaml")
    answers = _rows(
        ("lyon", 2024, "A-1", "full", False), ("lyon", 2024, "A-2", "partial", False),
        ("lyon", 2024, "B-1", "none", False),
        ("lyon", 2025, "A-1", "partial", False), ("lyon", 2025, "A-2", None, True),
        ("lyon", 2025, "B-1", "full", False),
        ("nice", 2024, "A-2", "to_assess", False),
    )
    result = score_portfolio(ref, answers)
    assert list(result.index) == [("lyon", 2024), ("lyon", 2025), ("nice", 2024)]
    assert list(result.index.names) == ["entity", "campaign"]
    # lyon 2024: a 2.5/3 → 625, b 0 → level 1 (b under 40 %).
    # lyon 2025: A-2 N/A: a 1/2 → 375, b 250 → 625, level 2.
    # nice 2024: A-2 pending, nothing earned.
    assert result["points"].tolist() == pytest.approx([625, 625, 0])
    assert result["level"].tolist() == [1, 2, 0]
    assert result[theme_column("a")].tolist() == pytest.approx([250 / 3, 50, 0])
    assert result["answered"].tolist() == [3, 3, 0]
    assert result["applicable"].tolist() == [3, 2, 3]


def test_profiles_table_and_assessments_without_answers() -> None:
    ref = _load(FIXTURES / "scoring-profiles.yaml")
    answers = _rows(("t", "y1", "O-1", "full", False), ("t", "y1", "DC-1", "full", False))
    contexts = pd.DataFrame({"entity": ["t", "u"], "campaign": ["y1", "y1"], "profile": ["public", None],
                             "applicability": [{"datacenter": False}, None]})
    result = score_portfolio(ref, answers, contexts)
    # t: public, no data centre: ops = O-1 (2) + O-3 (1) → 2/3 of 500; u: no answer at all.
    assert result.loc[("t", "y1"), "points"] == pytest.approx(1000 / 3)
    assert result.loc[("u", "y1"), "points"] == 0
    assert result.loc[("u", "y1"), "level"] == 0


def test_a_theme_wholly_not_applicable_is_nan() -> None:
    ref = _load(FIXTURES / "scoring-profiles.yaml")
    answers = _rows(("t", "y1", "G-1", "full", False))
    contexts = pd.DataFrame({"entity": ["t"], "campaign": ["y1"], "applicability": [{"purchasing": False}]})
    result = score_portfolio(ref, answers, contexts)
    row = _row(result, ("t", "y1"))
    assert math.isnan(row[theme_column("fin")])
    # gov is worth 375 once fin is out; G-1 is half of it.
    assert row["points"] == pytest.approx(187.5)


def test_compiled_referential_is_reusable() -> None:
    ref = _load(FIXTURES / "rgesn-mini.yaml")
    comp = CompiledReferential.of(ref)
    answers = _rows(("s", "2024", "1.1", "validated", False), ("s", "2024", "1.2", "in_progress", False))
    first = score_portfolio(comp, answers)
    again = score_portfolio(comp, answers)
    # 1.5 validated out of 1.5 + 1.25 + 1 + 1.5 + 1.5 + 1 + 1.25 + 1 + 1.5 = 11.5.
    assert first["percent"].iloc[0] == pytest.approx(100 * 1.5 / 11.5)
    pd.testing.assert_frame_equal(first, again)


def test_empty_answers() -> None:
    ref = _load(FIXTURES / "mini.yaml")
    result = score_portfolio(ref, _rows())
    assert result.empty
    assert {"points", "percent", "level", theme_column("a"), theme_column("b")} <= set(result.columns)


def test_frames_from_assessments_round_trip() -> None:
    ref = _load(FIXTURES / "scoring-profiles.yaml")

    def assessment(entity: str, profile: str | None, answers: dict[str, Answer]) -> Assessment:
        return Assessment(referential=RefPin(id=ref.id, version=ref.version), profile=profile,
                          applicability={"datacenter": False}, organisation=Party(id="o", name="O"),
                          entity=Entity(id=entity, name=entity),
                          campaign=Campaign(period=Period.YEAR1, date=dt.date(2025, 1, 1)), answers=answers)

    items = [
        assessment("a", "public", {"G-1": Answer(level="full"), "O-1": Answer(level="partial"),
                                   "O-2": Answer(not_applicable=NotApplicable(reason="x", justification="y")),
                                   "G-2": Answer(comment="to do")}),
        assessment("b", None, {"F-1": Answer(level="low")}),
    ]
    answers, contexts = frames_from_assessments(items)
    assert len(answers) == 4  # the comment-only answer carries nothing to score
    result = score_portfolio(ref, answers, contexts)
    for item in items:
        expected = score(ref, item.answers, item.profile, item.applicability)
        got = _row(result, (item.entity.id, "year1"))
        assert got["points"] == pytest.approx(expected.points, abs=1e-9)
        assert got["level"] == expected.level


@pytest.mark.parametrize(("rows", "message"), [
    ([("e", 1, "Z-9", "full", False)],
     "unknown criterion id in mini@1: entity='e', campaign=1, criterion='Z-9'"),
    ([("e", 1, "A-1", "great", False)],
     "level is not an answer of the scale (none, partial, full, to_assess)"),
    ([("e", 1, "A-2", "full", True)], "either a level or not applicable"),
    ([("e", 1, "A-1", None, True)], "criterion cannot be declared not applicable: entity='e', campaign=1"),
    ([("e", 1, "A-1", "full", False), ("e", 1, "A-1", "none", False)], "answered twice"),
])
def test_bad_answers_are_reported(rows: list[tuple[Any, ...]], message: str) -> None:
    with pytest.raises(InvalidAnswers) as err:
        score_portfolio(_load(FIXTURES / "mini.yaml"), _rows(*rows))
    assert message in str(err.value)


def test_many_bad_rows_are_summarised() -> None:
    rows = [(f"e{i}", 1, "Z-9", "full", False) for i in range(12)]
    with pytest.raises(InvalidAnswers, match="and 7 more"):
        score_portfolio(_load(FIXTURES / "mini.yaml"), _rows(*rows))


def test_missing_columns_are_named() -> None:
    with pytest.raises(InvalidAnswers, match=r"lacks the column\(s\) not_applicable"):
        score_portfolio(_load(FIXTURES / "mini.yaml"),
                        pd.DataFrame({"entity": [], "campaign": [], "criterion": [], "level": []}))


@pytest.mark.parametrize(("contexts", "message"), [
    ({"profile": ["nope"]}, "unknown profile 'nope' in profiles-test@1 (known: public)"),
    ({"applicability": [{"cloud": False}]}, "unknown applicability question(s) cloud"),
])
def test_bad_profiles_are_reported(contexts: dict[str, list[Any]], message: str) -> None:
    ref = _load(FIXTURES / "scoring-profiles.yaml")
    with pytest.raises(InvalidAnswers) as err:
        score_portfolio(ref, _rows(("e", 1, "G-1", "full", False)),
                        pd.DataFrame({"entity": ["e"], "campaign": [1], **contexts}))
    assert message in str(err.value)


def test_assessment_listed_twice_in_profiles() -> None:
    ref = _load(FIXTURES / "scoring-profiles.yaml")
    with pytest.raises(InvalidAnswers, match="listed twice"):
        score_portfolio(ref, _rows(("e", 1, "G-1", "full", False)),
                        pd.DataFrame({"entity": ["e", "e"], "campaign": [1, 1]}))


def test_levels_add_up_their_rules() -> None:
    ref = _load(FIXTURES / "scoring-profiles.yaml")
    # gov full (300) + fin full (200) = 500 meets level 2's own rules, but ops at 0 % fails
    # level 1's ops ≥ 20 %; at exactly 300 (gov partial + ops 30 %) "more than 300" fails.
    answers = _rows(*[("x", 1, c, "full", False) for c in ("G-1", "G-2", "F-1", "F-2")],
                    *[("y", 1, c, "partial", False) for c in ("G-1", "G-2", "O-1", "O-2")])
    result = score_portfolio(ref, answers)
    assert result["points"].tolist() == pytest.approx([500, 300])
    assert result["level"].tolist() == [0, 0]
    assert_same(ref, result, reference_scores(ref, answers, None))


def test_sparse_entity_campaign_pairs() -> None:
    # 1,500 entities each with its own campaign: 2.25 M possible pairs for 1,500 real ones,
    # which takes the sorting path instead of the lookup table.
    ref = _load(FIXTURES / "mini.yaml")
    n = 1500
    answers = pd.DataFrame({"entity": [f"e{i}" for i in range(n)], "campaign": [f"c{i}" for i in range(n)],
                            "criterion": ["A-1"] * n, "level": ["full", "partial", "none"] * (n // 3),
                            "not_applicable": [False] * n})
    result = score_portfolio(ref, answers)
    assert list(result.index[:3]) == [("e0", "c0"), ("e1", "c1"), ("e2", "c2")]
    # A-1 is worth 500 of theme a (750 × 2/3).
    assert result["points"].tolist()[:3] == pytest.approx([500, 250, 0])
    assert_same(ref, result.iloc[:50], reference_scores(ref, answers.iloc[:50], None))
