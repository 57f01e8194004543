"""A stored campaign as it stood at the end of a past day, for an ``--as-of`` workbook.

The campaign's own content comes from :meth:`Store.campaign_as_of` (its history replayed
up to that day). What it inherited then follows the store's rule as of that day: while it
was a draft, the nearest ancestor entity's campaign (same referential version and period)
that had an answer gives it, each ancestor replayed to that day too; once submitted, the
answers and evidence frozen in at submission count (they never change afterwards).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from labelnr.assessment import Answer, Assessment, EvidenceRef
from labelnr.clock import aware, end_of
from labelnr.storage import CampaignStatus, CampaignView, NotFound, Store


@dataclass(frozen=True)
class AsOf:
    """What a campaign showed at the end of a day."""

    status: CampaignStatus
    #: The campaign's own content then (answers with their own evidence).
    assessment: Assessment
    #: The answer that counted for each criterion, own or inherited, with its evidence.
    effective: dict[str, Answer]
    #: Criterion → the entity its answer was inherited from.
    inherited_from: dict[str, str] = field(default_factory=dict)
    #: Evidence behind each criterion: (criterion, reference, entity it is inherited from).
    evidence: list[tuple[str, EvidenceRef, str | None]] = field(default_factory=list)


def _states_something(answer: Answer | None) -> bool:
    return answer is not None and (answer.level is not None or answer.not_applicable is not None)


def _ancestors(store: Store, view: CampaignView) -> list[tuple[int, str]]:
    """(campaign id, entity name) of the ancestors' campaigns that a draft inherits from, nearest first."""
    info = view.info
    found = []
    for entity_id in reversed(view.entity.path[:-1]):
        for c in store.campaigns(entity_id):
            if (c.referential_id, c.referential_version, c.period) == (
                info.referential_id,
                info.referential_version,
                info.period,
            ):
                found.append((c.id, store.entity(entity_id).name))
    return found


def campaign_as_of(store: Store, view: CampaignView, as_of: dt.date) -> AsOf:
    """``view``'s campaign as it stood at the end of ``as_of`` (UTC)."""
    snapshot = store.campaign_as_of(view.id, as_of)
    own = snapshot.assessment
    effective = {cid: a for cid, a in own.answers.items() if _states_something(a)}
    evidence: list[tuple[str, EvidenceRef, str | None]] = [
        (cid, ref, None) for cid, a in own.answers.items() for ref in a.evidence
    ]
    result = AsOf(snapshot.status, own, effective, {}, evidence)
    if snapshot.status is CampaignStatus.DRAFT:
        _inherit_live(store, view, as_of, result)
    else:
        _inherit_frozen(view, as_of, result)
    for cid, answer in list(effective.items()):
        refs = [ref for c, ref, _ in result.evidence if c == cid]
        effective[cid] = answer.model_copy(update={"evidence": refs})
    return result


def _inherit_live(store: Store, view: CampaignView, as_of: dt.date, result: AsOf) -> None:
    """A draft's inherited answers on ``as_of``: the store's resolution rule, on replayed ancestors."""
    settled = set(result.effective)
    for campaign_id, name in _ancestors(store, view):
        try:
            snapshot = store.campaign_as_of(campaign_id, as_of)
        except NotFound:  # that campaign did not exist yet
            continue
        for cid, answer in snapshot.assessment.answers.items():
            if cid in settled:
                continue
            result.evidence.extend((cid, ref, name) for ref in answer.evidence)
            if _states_something(answer):
                result.effective[cid] = answer
                result.inherited_from[cid] = name
        settled |= set(result.inherited_from)
        if snapshot.status is not CampaignStatus.DRAFT:
            # A submitted ancestor passes on what was frozen into it; nothing above it counts.
            _frozen_of(store.campaign(campaign_id), settled, as_of, result)
            return


def _inherit_frozen(view: CampaignView, as_of: dt.date, result: AsOf) -> None:
    """A campaign submitted by ``as_of``: what was frozen into it at submission."""
    _frozen_of(view, set(result.effective), as_of, result)


def _frozen_of(view: CampaignView, settled: set[str], as_of: dt.date, result: AsOf) -> None:
    cutoff = end_of(as_of)
    for cid, source in view.sources.items():
        if source.inherited and cid not in settled and cid in view.effective:
            result.effective[cid] = view.effective[cid].model_copy(update={"evidence": []})
            result.inherited_from[cid] = source.entity_name
            settled.add(cid)
    frozen = [
        item
        for items in view.evidence.values()
        for item in items
        if item.inherited_from_id is not None and aware(item.added_at) <= cutoff
    ]
    result.evidence.extend(
        (item.criterion_id, item.ref(), _source_name(view, item.criterion_id)) for item in frozen
    )


def _source_name(view: CampaignView, criterion: str) -> str | None:
    source = view.sources.get(criterion)
    return source.entity_name if source is not None and source.inherited else None
