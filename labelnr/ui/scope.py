"""What a campaign's profile and applicability answers make of its referential."""

from __future__ import annotations

from dataclasses import dataclass

from labelnr.assessment import excluded_and_forced_na
from labelnr.referential import Criterion, Referential
from labelnr.storage import CampaignView
from labelnr.ui.session import lang, t


@dataclass(frozen=True)
class Scope:
    """What the profile and the applicability answers make of the referential, with why."""

    answerable: list[Criterion]
    #: Criteria made not applicable by rule (shown N/A, never answered): id → reason.
    forced: dict[str, str]
    #: Criteria outside the campaign (other profiles, or excluded by a "no"): id → reason.
    out: dict[str, str]


def scope_of(ref: Referential, view: CampaignView) -> Scope:
    lg = lang()
    a = view.assessment
    excluded, forced = excluded_and_forced_na(ref, a.profile, dict(a.applicability))
    profile = ref.profile(a.profile)
    in_profile = {c.id for c in ref.criteria_for(a.profile)}
    out = {c.id: t("assessment.out_profile", profile=profile.name.get(lg) if profile
                   else t("assessment.no_profile")) for c in ref.criteria if c.id not in in_profile}
    for question in ref.questions:
        if not a.applicability.get(question.id, True):
            for cid in question.if_no_exclude:
                if cid in in_profile:
                    out[cid] = t("assessment.out_question", question=question.text.get(lg))
    kept = [c for c in ref.criteria_for(a.profile) if c.id not in excluded]
    return Scope(
        answerable=[c for c in kept if c.id not in forced],
        forced={c.id: forced[c.id].get(lg) for c in kept if c.id in forced},
        out=out,
    )
