"""The verified score: the self-assessed answers as the auditor's verdicts leave them.

The rule is data — ``scoring.verdict_max_credit`` in the referential gives the most
credit a criterion keeps under each verdict (by default conform 1, partial 0.5,
non-conform 0, not verified 1):

- an answer whose credit is above its verdict's cap is lowered to the best level of the
  scale within the cap (or the scale's lowest level when none is);
- a "not applicable" claim stands under a verdict that keeps full credit; under any other
  verdict the claim is refused and the criterion gets the scale's lowest level;
- with no verdict, or "not verified", the answer is kept and the criterion is listed as
  unverified, so a verified score never passes for a fully audited one;
- unanswered and "not assessed yet" answers stay as they are.

The verified answers are then scored by :func:`labelnr.scoring.score` like any others.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from labelnr.assessment import Answer, Assessment, Verdict, excluded_and_forced_na
from labelnr.referential import Referential, ScaleLevel
from labelnr.scoring import TOLERANCE


@dataclass(frozen=True)
class Verified:
    answers: dict[str, Answer]
    #: Answered criteria that no verdict confirms (none given, or "not verified").
    unverified: list[str]
    #: Criteria whose answer the verdict changed: (self-assessed, verified) level ids, "n/a" for N/A.
    lowered: dict[str, tuple[str, str]]


def _lowest(ref: Referential) -> ScaleLevel:
    usable = [lv for lv in ref.scale.levels if not lv.pending]
    return min(usable, key=lambda lv: lv.credit)


def _best_within(ref: Referential, cap: float) -> ScaleLevel:
    within = [lv for lv in ref.scale.levels if not lv.pending and lv.credit <= cap + TOLERANCE]
    if not within:
        return _lowest(ref)
    best = max(lv.credit for lv in within)
    return next(lv for lv in within if lv.credit == best)


def verify(
    ref: Referential, answers: Mapping[str, Answer], verdicts: Mapping[str, Verdict | None]
) -> Verified:
    """Apply the referential's verdict rule to ``answers`` (criterion id → answer)."""
    caps = ref.scoring.verdict_max_credit
    result: dict[str, Answer] = {}
    unverified: list[str] = []
    lowered: dict[str, tuple[str, str]] = {}
    for cid, answer in answers.items():
        verdict = verdicts.get(cid)
        level = ref.scale.level(answer.level) if answer.level is not None else None
        answered = answer.not_applicable is not None or (level is not None and not level.pending)
        if not answered:
            result[cid] = answer
            continue
        if verdict is None or verdict is Verdict.NOT_VERIFIED:
            unverified.append(cid)
        cap = caps[verdict.value if verdict is not None else "not_verified"]
        if answer.not_applicable is not None:
            if cap >= 1.0 - TOLERANCE:
                result[cid] = answer
                continue
            new = _lowest(ref)
            lowered[cid] = ("n/a", new.id)
        elif level is not None and level.credit > cap + TOLERANCE:
            new = _best_within(ref, cap)
            lowered[cid] = (level.id, new.id)
        else:
            result[cid] = answer
            continue
        result[cid] = answer.model_copy(update={"level": new.id, "not_applicable": None})
    return Verified(result, sorted(unverified), lowered)


def audited(criteria: Iterable[str], verdicts: Mapping[str, Verdict | None]) -> list[str]:
    """The criteria a verdict covers ("not verified" covers nothing): until there is one, the
    verified score is the self-assessment itself and must not pass for an audited one."""
    return [cid for cid in criteria if verdicts.get(cid) not in (None, Verdict.NOT_VERIFIED)]


def to_verify(ref: Referential, assessment: Assessment) -> list[str]:
    """The criteria an auditor verifies: those of the campaign, less the ones N/A by rule."""
    excluded, forced = excluded_and_forced_na(ref, assessment.profile, dict(assessment.applicability))
    return [c.id for c in ref.criteria_for(assessment.profile) if c.id not in excluded and c.id not in forced]
