"""A stored campaign as it stood at the end of a past day, rebuilt from its history.

The history is append-only and records every change with its old value, so the state on
a date is today's state with every later change undone, newest first: answers, verdicts,
evidence (added / removed), commitments, targets, status, campaign fields. Evidence frozen
in at submission (it has no event of its own) is dated by its ``added_at``.

Inherited answers follow the store's rule as of that day: while the campaign was a draft,
the nearest ancestor entity's campaign (same referential version and period) that had an
answer gives it, each ancestor rebuilt as of that day too; once submitted, the answers
frozen in at submission count.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from labelnr.assessment import Answer, AuditorVerdict, Commitment, NotApplicable, Period
from labelnr.referential import EvidenceType
from labelnr.storage import Store
from labelnr.storage.history import HistoryEvent
from labelnr.storage.views import (
    AnswerSource,
    CampaignInfo,
    CampaignStatus,
    CampaignView,
    CommitmentItem,
    EvidenceItem,
)

_ANSWER_KEYS = ("level", "not_applicable", "comment", "owner")
_VERDICT_KEYS = ("verdict", "comment", "auditor", "date")


def end_of(day: dt.date) -> dt.datetime:
    """The first instant after ``day`` (UTC): changes at or after it are undone."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), dt.UTC)


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _later(events: Sequence[HistoryEvent], cutoff: dt.datetime) -> list[HistoryEvent]:
    """The events to undo, newest first."""
    return sorted((e for e in events if _aware(e.at) >= cutoff), key=lambda e: e.id, reverse=True)


@dataclasses.dataclass
class _Own:
    """One campaign's own data, as plain values that history events can undo."""

    answers: dict[str, dict[str, Any]]
    verdicts: dict[str, dict[str, Any]]
    evidence: dict[int, EvidenceItem]
    commitments: dict[int, CommitmentItem]
    targets: dict[tuple[str, int], str | None]
    status: str
    campaign: dict[str, Any]


def _own(view: CampaignView) -> _Own:
    a = view.assessment
    answers = {
        cid: {
            "level": ans.level,
            "not_applicable": ans.not_applicable.model_dump(mode="json", exclude_none=True)
            if ans.not_applicable
            else None,
            "comment": ans.comment,
            "owner": ans.owner,
        }
        for cid, ans in a.answers.items()
    }
    verdicts = {cid: v.model_dump(mode="json") for cid, v in a.verdicts.items()}
    evidence = {
        item.id: item for items in view.evidence.values() for item in items if item.campaign_id == view.id
    }
    campaign: dict[str, Any] = {
        "date": a.campaign.date.isoformat(),
        "name": a.campaign.name,
        "profile": a.profile,
    }
    campaign.update({f"applicability.{q}": v for q, v in a.applicability.items()})
    return _Own(
        answers,
        verdicts,
        evidence,
        {c.id: c for c in view.commitments},
        {(cid, year): level for cid, years in a.targets.items() for year, level in years.items()},
        view.info.status.value,
        campaign,
    )


def _undo(own: _Own, view: CampaignView, events: Sequence[HistoryEvent], cutoff: dt.datetime) -> None:
    for item in list(own.evidence.values()):
        if _aware(item.added_at) >= cutoff:
            del own.evidence[item.id]
    for e in _later(events, cutoff):
        if e.action == "answer" and e.criterion_id:
            own.answers.setdefault(e.criterion_id, dict.fromkeys(_ANSWER_KEYS))[e.field] = e.old
        elif e.action == "verdict" and e.criterion_id:
            own.verdicts.setdefault(e.criterion_id, dict.fromkeys(_VERDICT_KEYS))[e.field] = e.old
        elif e.action == "evidence" and e.subject and e.field == "removed" and isinstance(e.old, dict):
            own.evidence[int(e.subject)] = _evidence_item(view.id, e)
        elif e.action == "evidence" and e.subject and e.field == "added":
            own.evidence.pop(int(e.subject), None)
        elif e.action == "commitment" and e.subject:
            _undo_commitment(own, e)
        elif e.action == "target" and e.criterion_id and e.field.startswith("year"):
            own.targets[(e.criterion_id, int(e.field.removeprefix("year")))] = e.old
        elif e.action == "status" and e.field == "status":
            own.status = str(e.old)
        elif e.action == "campaign":
            own.campaign[e.field] = e.old


def _evidence_item(campaign_id: int, event: HistoryEvent) -> EvidenceItem:
    record: dict[str, Any] = event.old
    date = record.get("effective_date")
    return EvidenceItem(
        id=int(event.subject or 0),
        campaign_id=campaign_id,
        criterion_id=event.criterion_id or "",
        kind=str(record.get("kind", "file")),
        type=EvidenceType(record.get("type", "documentation")),
        title=str(record.get("title", "")),
        url=record.get("url"),
        sha256=record.get("sha256"),
        size=record.get("size"),
        filename=record.get("filename"),
        media_type=record.get("media_type"),
        effective_date=dt.date.fromisoformat(date) if date else None,
        added_at=event.at,
        added_by=event.actor,
        inherited_from_id=None,
    )


def _undo_commitment(own: _Own, e: HistoryEvent) -> None:
    cid = int(e.subject or 0)
    if e.field == "commitment":
        if e.old is None:
            own.commitments.pop(cid, None)
        else:
            position = max((c.position for c in own.commitments.values()), default=0) + 1
            own.commitments[cid] = CommitmentItem(
                cid, position, 0, Commitment.model_validate(e.old), e.at, e.actor
            )
        return
    item = own.commitments.get(cid)
    if item is None:
        return
    data = item.commitment.model_dump(mode="json", exclude_none=True)
    if e.old is None:
        data.pop(e.field, None)
    else:
        data[e.field] = e.old
    own.commitments[cid] = dataclasses.replace(item, commitment=Commitment.model_validate(data))


def _answer(values: dict[str, Any] | None) -> Answer | None:
    if values is None or all(values.get(k) is None for k in _ANSWER_KEYS):
        return None
    na = values.get("not_applicable")
    return Answer(
        level=values.get("level"),
        not_applicable=NotApplicable.model_validate(na) if na else None,
        comment=values.get("comment"),
        owner=values.get("owner"),
    )


def _states_something(answer: Answer | None) -> bool:
    return answer is not None and (answer.level is not None or answer.not_applicable is not None)


def _rebuilt(
    store: Store, view: CampaignView, as_of: dt.date, history: Sequence[HistoryEvent] | None = None
) -> tuple[_Own, dict[str, Answer]]:
    own = _own(view)
    _undo(own, view, history if history is not None else store.history(view.id), end_of(as_of))
    answers = {cid: a for cid, values in own.answers.items() if (a := _answer(values)) is not None}
    return own, answers


def _ancestors(store: Store, info: CampaignInfo, path: Sequence[str], as_of: dt.date) -> list[CampaignView]:
    """The campaigns of the entity's ancestors (nearest first) that existed on ``as_of``."""
    found: list[CampaignView] = []
    for entity_id in reversed(path[:-1]):
        for c in store.campaigns(entity_id):
            if (c.referential_id, c.referential_version, c.period) == (
                info.referential_id,
                info.referential_version,
                info.period,
            ) and _aware(c.created_at) < end_of(as_of):
                found.append(store.campaign(c.id))
    return found


def campaign_as_of(
    store: Store, view: CampaignView, history: Sequence[HistoryEvent], as_of: dt.date
) -> CampaignView:
    """``view`` as it stood at the end of ``as_of`` (UTC)."""
    own, answers = _rebuilt(store, view, as_of, history)
    status = CampaignStatus(own.status)
    evidence: dict[str, list[EvidenceItem]] = defaultdict(list)
    for item in sorted(own.evidence.values(), key=lambda i: i.id):
        evidence[item.criterion_id].append(item)
    effective: dict[str, Answer] = {cid: a for cid, a in answers.items() if _states_something(a)}
    sources = {cid: AnswerSource(view.id, view.entity.id, view.entity.name, False) for cid in effective}
    if status is CampaignStatus.DRAFT:
        _inherit(store, view, as_of, effective, sources, evidence)
    else:  # submitted by then: the answers frozen in at submission (they never change afterwards)
        for cid, answer in view.effective.items():
            src = view.sources.get(cid)
            if cid not in effective and src is not None and src.inherited:
                effective[cid] = answer
                sources[cid] = src
    for cid, answer in list(effective.items()):
        refs = [e.ref() for e in evidence.get(cid, [])]
        effective[cid] = answer.model_copy(update={"evidence": refs})
    own_answers = {
        cid: (answers.get(cid) or Answer()).model_copy(
            update={
                "evidence": [
                    e.ref()
                    for e in evidence.get(cid, [])
                    if e.campaign_id == view.id and e.inherited_from_id is None
                ]
            }
        )
        for cid in sorted(
            {*answers, *(c for c, items in evidence.items() if any(i.campaign_id == view.id for i in items))}
        )
    }
    return _view(view, own, status, own_answers, effective, sources, evidence)


def _inherit(
    store: Store,
    view: CampaignView,
    as_of: dt.date,
    effective: dict[str, Answer],
    sources: dict[str, AnswerSource],
    evidence: dict[str, list[EvidenceItem]],
) -> None:
    """Fill ``effective`` with the answers a draft inherited on ``as_of`` (store rule, rebuilt)."""
    settled = set(effective)
    for ancestor in _ancestors(store, view.info, view.entity.path, as_of):
        anc_own, anc_answers = _rebuilt(store, ancestor, as_of)
        for item in anc_own.evidence.values():
            if item.criterion_id not in settled:
                evidence[item.criterion_id].append(item)
        for cid, answer in anc_answers.items():
            if cid not in settled and _states_something(answer):
                effective[cid] = answer
                sources[cid] = AnswerSource(ancestor.id, ancestor.entity.id, ancestor.entity.name, True)
                settled.add(cid)
        if CampaignStatus(anc_own.status) is not CampaignStatus.DRAFT:
            for cid, answer in ancestor.effective.items():
                src = ancestor.sources.get(cid)
                if cid not in settled and src is not None and src.inherited:
                    effective[cid] = answer.model_copy(update={"evidence": []})
                    sources[cid] = src
                    settled.add(cid)
            return


def _view(
    view: CampaignView,
    own: _Own,
    status: CampaignStatus,
    own_answers: dict[str, Answer],
    effective: dict[str, Answer],
    sources: dict[str, AnswerSource],
    evidence: dict[str, list[EvidenceItem]],
) -> CampaignView:
    verdicts = {
        cid: AuditorVerdict.model_validate(v)
        for cid, v in sorted(own.verdicts.items())
        if v.get("verdict") is not None
    }
    targets: dict[str, dict[int, str]] = defaultdict(dict)
    for (cid, year), level in sorted(own.targets.items()):
        if level is not None:
            targets[cid][year] = level
    commitments = tuple(sorted(own.commitments.values(), key=lambda c: (c.position, c.id)))
    fields = own.campaign
    applicability = {
        k.removeprefix("applicability."): bool(v)
        for k, v in fields.items()
        if k.startswith("applicability.") and v is not None
    }
    date = dt.date.fromisoformat(str(fields["date"])) if fields.get("date") else view.info.date
    a = view.assessment
    assessment = a.model_copy(
        update={
            "answers": own_answers,
            "verdicts": verdicts,
            "commitments": [c.commitment for c in commitments],
            "targets": dict(targets),
            "profile": fields.get("profile"),
            "applicability": applicability,
            "campaign": a.campaign.model_copy(
                update={"date": date, "name": fields.get("name"), "period": Period(view.info.period)}
            ),
        }
    )
    info = dataclasses.replace(
        view.info, status=status, date=date, name=fields.get("name"), profile=fields.get("profile")
    )
    return dataclasses.replace(
        view,
        info=info,
        assessment=assessment,
        effective=effective,
        sources=sources,
        answer_revisions={},
        verdict_revisions={},
        evidence={cid: tuple(items) for cid, items in evidence.items() if items},
        commitments=commitments,
    )
