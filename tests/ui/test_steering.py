"""Labels shared by the plan and dashboard pages (labelnr/ui/steering.py)."""

from __future__ import annotations

from pathlib import Path

from labelnr.assessment import Answer, NotApplicable
from labelnr.loader import load_referential
from labelnr.referential import Referential
from labelnr.scoring import score
from labelnr.ui.steering import points_text

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def test_points_text_says_undefined_when_nothing_applies() -> None:
    data = load_referential(FIXTURES / "rgesn-mini.yaml").referential.model_dump()
    for crit in data["criteria"]:
        crit["not_applicable"] = {"allowed": True}
    ref = Referential.model_validate(data)
    na = Answer(not_applicable=NotApplicable(reason="x", justification="y"))
    assert points_text(score(ref, dict.fromkeys(ref.criteria_by_id, na)), 100) == "— (non défini)"
    # One criterion applying, unmet: a true 0, not undefined.
    some = score(ref, {cid: na for cid in ref.criteria_by_id if cid != "8.3"})
    assert points_text(some, 100) == "0 / 100"
