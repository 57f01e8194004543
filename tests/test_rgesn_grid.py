"""The RGESN 2024 grid shipped in criteria/: the published shape, and the official score by hand.

The official declaration rule: weights 1.5 (priority) / 1.25 (recommended) / 1 (moderate);
score = Σ weights of validated criteria ÷ Σ weights of every applicable criterion, "in
progress" and "to assess" (and unanswered) staying in the denominator; per family likewise.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from labelnr.assessment import Answer, NotApplicable
from labelnr.errors import InvalidFile
from labelnr.loader import load_referential, parse_referential
from labelnr.referential import Referential
from labelnr.scoring import score

GRID = Path(__file__).resolve().parent.parent / "criteria" / "rgesn-2024.yaml"
FAMILIES = ["strategy", "specifications", "architecture", "ux_ui", "contents", "frontend", "backend",
            "hosting", "algorithms"]


@pytest.fixture(scope="module")
def grid() -> Referential:
    loaded = load_referential(GRID)
    return loaded.referential


def test_published_shape(grid: Referential) -> None:
    assert (grid.id, grid.version) == ("rgesn", "2024")
    assert (grid.scale.kind, grid.scoring.method) == ("status", "pooled")
    assert [t.id for t in grid.themes] == FAMILIES
    sizes = Counter(c.theme for c in grid.criteria)
    assert [sizes[f] for f in FAMILIES] == [10, 10, 7, 15, 8, 7, 4, 10, 7]
    assert Counter(c.priority for c in grid.criteria) == {"priority": 30, "recommended": 29, "moderate": 19}
    assert grid.scoring.priority_weights == {"priority": 1.5, "recommended": 1.25, "moderate": 1}
    # Official numbering: family number, then the criterion's rank in its family.
    for number, family in enumerate(FAMILIES, start=1):
        ids = [c.id for c in grid.criteria if c.theme == family]
        assert ids == [f"{number}.{i}" for i in range(1, sizes[family] + 1)]
    # 18 criteria apply to every service; the others say when they may be declared N/A.
    never_na = [c.id for c in grid.criteria if not c.not_applicable.allowed]
    assert len(never_na) == 18
    assert all(c.not_applicable.condition is not None for c in grid.criteria if c.not_applicable.allowed)
    assert all(c.difficulty in {"low", "medium", "high"} and c.jobs for c in grid.criteria)


def test_every_text_is_given_in_both_languages(grid: Referential) -> None:
    for c in grid.criteria:
        assert c.title.fr != c.title.en, c.id
        assert c.description.fr != c.description.en, c.id


def _na() -> Answer:
    return Answer(not_applicable=NotApplicable(reason="not_concerned", justification="Pas concerné"))


def test_official_score_of_a_realistic_declaration(grid: Referential) -> None:
    """A public website without AI, video, blockchain or hardware, half-way through."""
    answers: dict[str, Answer] = {}
    # Not applicable: all of algorithms (9.2-9.7 N/A; 9.1 never N/A, validated: no AI was needed),
    # video and audio (5.3-5.6), blockchain 7.4, hardware 1.10, 3.4, and 8.8 (< 10 TB).
    for cid in ["9.2", "9.3", "9.4", "9.5", "9.6", "9.7", "5.3", "5.4", "5.5", "5.6", "7.4", "1.10", "3.4",
                "8.8"]:
        answers[cid] = _na()
    validated = ["9.1", "1.1", "1.2", "1.3", "1.9", "2.1", "2.2", "2.5", "4.1", "4.2", "4.8", "6.3", "6.7",
                 "8.1", "8.3", "8.5"]
    in_progress = ["1.4", "1.5", "2.7", "6.1"]
    to_assess = ["8.2", "8.4"]
    not_validated = ["4.14", "5.1"]
    for cid in validated:
        answers[cid] = Answer(level="validated")
    for cid in in_progress:
        answers[cid] = Answer(level="in_progress")
    for cid in to_assess:
        answers[cid] = Answer(level="to_assess")
    for cid in not_validated:
        answers[cid] = Answer(level="not_validated")
    s = score(grid, answers)

    # Σ weights of the whole grid: 30 × 1.5 + 29 × 1.25 + 19 × 1 = 45 + 36.25 + 19 = 100.25.
    # N/A removed: 9.2 9.3 9.4 9.5 9.7 (P, 5 × 1.5 = 7.5), 9.6 (R 1.25), 5.3 5.4 5.5 (P 4.5),
    # 5.6 (M 1), 7.4 (P 1.5), 1.10 (R 1.25), 3.4 (P 1.5), 8.8 (M 1) = 19.5 → 80.75 applicable.
    # Validated: P 9.1 1.1 1.2 1.9 2.1 2.2 2.5 4.1 4.2 8.1 8.3 = 11 × 1.5 = 16.5;
    # R 1.3 8.5 = 2.5; M 4.8 6.3 6.7 = 3 → 22.  Score = 22 / 80.75 = 27.24 %.
    assert s.percent == pytest.approx(100 * 22 / 80.75)
    assert s.points == pytest.approx(100 * 22 / 80.75)
    # Strategy: all 10 weigh P 1.1 1.2 1.4 1.5 1.9 (7.5) + R 1.3 1.6 1.8 1.10 (5) + M 1.7 (1) = 13.5;
    # 1.10 N/A → 12.25; validated 1.1 1.2 1.9 (4.5) + 1.3 (1.25) = 5.75 → 46.94 %.
    assert s.themes["strategy"].percent == pytest.approx(100 * 5.75 / 12.25)
    # Algorithms: only 9.1 applies and it is validated → 100 %.
    assert s.themes["algorithms"].percent == pytest.approx(100)
    # Hosting: 8.1 8.2 8.3 P (4.5) + 8.4-8.7 8.9 8.10 R (7.5) = 12 (8.8 N/A);
    # validated 8.1 8.3 (3) + 8.5 (1.25) = 4.25 → 35.42 %.
    assert s.themes["hosting"].percent == pytest.approx(100 * 4.25 / 12)
    # In progress and to assess count against the score, like unanswered criteria.
    assert s.criteria["1.4"].pending
    assert s.criteria["8.2"].pending


def test_a_job_not_in_the_list_is_refused_with_its_line() -> None:
    text = GRID.read_text(encoding="utf-8").replace("jobs: [product_owner, csr_lead]", "jobs: [astronaut]", 1)
    with pytest.raises(InvalidFile) as info:
        parse_referential(text, "rgesn-2024.yaml")
    [problem] = info.value.problems
    assert problem.criterion == "1.1"
    assert "unknown job 'astronaut'" in problem.message
    assert problem.line == text.splitlines().index("    jobs: [astronaut]") + 1


def test_a_difficulty_outside_the_scale_is_refused() -> None:
    text = GRID.read_text(encoding="utf-8").replace("difficulty: high", "difficulty: extreme", 1)
    with pytest.raises(InvalidFile) as info:
        parse_referential(text, "rgesn-2024.yaml")
    assert any(p.criterion == "1.1" and "difficulty" in p.message for p in info.value.problems)
