"""Answers and auditor verdicts: one criterion's row each, revised under the no-lost-update rule."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from labelnr.assessment import Answer, AuditorVerdict, excluded_and_forced_na
from labelnr.permissions import Action
from labelnr.referential import Referential
from labelnr.storage import history as hist
from labelnr.storage import repository as repo
from labelnr.storage._unit import AUDITABLE, DRAFT, StoreCore, Tx, check_criterion, expect, validated
from labelnr.storage._viewcache import after_answer_saved
from labelnr.storage.errors import InvalidInput
from labelnr.storage.history import Target
from labelnr.storage.models import AnswerRow, CampaignRow, VerdictRow

#: The two rows of a criterion written by :func:`_put_row`.
_Row = TypeVar("_Row", AnswerRow, VerdictRow)


@dataclass(frozen=True)
class AnswerChange:
    """One answer of a batch (:meth:`Store.import_changes`); ``answer`` None clears it."""

    criterion_id: str
    answer: Answer | None
    expected_revision: int


@dataclass(frozen=True)
class VerdictChange:
    """One verdict of a batch; ``verdict`` None clears it."""

    criterion_id: str
    verdict: AuditorVerdict | None
    expected_revision: int


def save_answer(
    store: StoreCore, actor: str, campaign_id: int, criterion_id: str, answer: Answer, expected_revision: int
) -> int:
    answer = validated(Answer, answer.model_dump(), f"answer to {criterion_id}")
    with store._tx(actor) as tx:
        camp, target = store._campaign(tx, Action.ANSWER, campaign_id, DRAFT, "its answers")
        ref = store._ref(camp)
        _check_answer(ref, camp, criterion_id, answer)
        _check_in_scope(ref, camp, criterion_id, answer)
        row = answer_row(tx.session, campaign_id, criterion_id)
        expect(row, expected_revision, f"the answer to {criterion_id}", criterion_id, "answer")
        revision = put_answer(tx, target, campaign_id, criterion_id, row, answer)
        written = tx.rec.count > 0
    if written:  # committed: the page's next read finds the campaign's new view ready
        after_answer_saved(store, campaign_id, criterion_id, answer, revision, camp.revision,
                           tx.rec.at, tx.rec.actor)
    return revision


def clear_answer(
    store: StoreCore, actor: str, campaign_id: int, criterion_id: str, expected_revision: int
) -> int:
    with store._tx(actor) as tx:
        camp, target = store._campaign(tx, Action.ANSWER, campaign_id, DRAFT, "its answers")
        row = answer_row(tx.session, campaign_id, criterion_id)
        expect(row, expected_revision, f"the answer to {criterion_id}", criterion_id, "answer")
        revision = put_answer(tx, target, campaign_id, criterion_id, row, None)
        written = tx.rec.count > 0
    if written:
        after_answer_saved(store, campaign_id, criterion_id, None, revision, camp.revision,
                           tx.rec.at, tx.rec.actor)
    return revision


def answer_row(s: Session, campaign_id: int, criterion_id: str) -> AnswerRow | None:
    return s.scalars(
        select(AnswerRow).where(
            AnswerRow.campaign_id == campaign_id, AnswerRow.criterion_id == criterion_id
        )
    ).one_or_none()


def put_answer(
    tx: Tx,
    target: Target,
    campaign_id: int,
    criterion_id: str,
    row: AnswerRow | None,
    answer: Answer | None,
) -> int:
    old = repo.history_fields(repo.row_answer(row) if row else None)
    values = repo.answer_fields(answer or Answer())
    new = repo.history_fields(answer)
    return _put_row(tx, target, "answer", AnswerRow, row, campaign_id, criterion_id, old, new, values)


def set_verdict(
    store: StoreCore,
    actor: str,
    campaign_id: int,
    criterion_id: str,
    verdict: AuditorVerdict | None,
    expected_revision: int,
) -> int:
    with store._tx(actor) as tx:
        camp, target = store._campaign(tx, Action.VERDICT, campaign_id, AUDITABLE, "its verdicts")
        change = VerdictChange(criterion_id, verdict, expected_revision)
        return set_verdict_in(tx, target, camp, store._ref(camp), change)[1]


def put_verdict(
    tx: Tx,
    target: Target,
    campaign_id: int,
    criterion_id: str,
    row: VerdictRow | None,
    verdict: AuditorVerdict | None,
) -> int:
    old_v = repo.verdict_of(row) if row else None
    old = old_v.model_dump() if old_v else {}
    new = verdict.model_dump() if verdict else {}
    values = {
        "verdict": verdict.verdict.value if verdict else None,
        "comment": verdict.comment if verdict else None,
        "auditor": verdict.auditor if verdict else None,
        "date": verdict.date if verdict else None,
    }
    return _put_row(tx, target, "verdict", VerdictRow, row, campaign_id, criterion_id, old, new, values)


def _put_row(
    tx: Tx,
    target: Target,
    kind: str,
    model: type[_Row],
    row: _Row | None,
    campaign_id: int,
    criterion_id: str,
    old: dict[str, Any],
    new: dict[str, Any],
    values: dict[str, Any],
) -> int:
    """The one row-writing path of answers and verdicts: nothing when what history records of
    the row is unchanged; otherwise the row created or revised, and the change recorded.
    Returns the row's revision (0: no row)."""
    if hist.plain(old) == hist.plain(new):
        return row.revision if row else 0
    written = tx.put(model, row, campaign_id, criterion_id, values)
    tx.rec.fields(target, kind, old, new, criterion=criterion_id)
    return written.revision


def import_changes(
    store: StoreCore,
    actor: str,
    campaign_id: int,
    answers: Sequence[AnswerChange] = (),
    verdicts: Sequence[VerdictChange] = (),
    source: str | None = None,
) -> int:
    answers = [
        replace(c, answer=validated(Answer, c.answer.model_dump(), f"answer to {c.criterion_id}"))
        if c.answer is not None
        else c
        for c in answers
    ]
    action = Action.IMPORT_ANSWERS if answers else Action.IMPORT_VERDICTS
    allowed = DRAFT if answers else AUDITABLE
    with store._tx(actor) as tx:
        camp, target = store._campaign(
            tx, action, campaign_id, allowed, "its answers" if answers else "its verdicts"
        )
        if answers and verdicts:
            store._authorize(tx.session, tx.rec.actor, Action.IMPORT_VERDICTS, camp.entity_id)
        ref = store._ref(camp)
        changed = 0
        for change in answers:
            cid = change.criterion_id
            if change.answer is not None:
                _check_answer(ref, camp, cid, change.answer)
            row = answer_row(tx.session, campaign_id, cid)
            expect(row, change.expected_revision, f"the answer to {cid}", cid, "answer")
            before = row.revision if row else 0
            changed += put_answer(tx, target, campaign_id, cid, row, change.answer) != before
        for vchange in verdicts:
            before, after = set_verdict_in(tx, target, camp, ref, vchange)
            changed += after != before
        if source is not None and tx.rec.count:
            tx.rec.change(target, "import", "file", None, source)
        return changed


def set_verdict_in(
    tx: Tx, target: Target, camp: CampaignRow, ref: Referential, change: VerdictChange
) -> tuple[int, int]:
    """Check and save one verdict; (revision before, revision after)."""
    cid, verdict = change.criterion_id, change.verdict
    if cid not in ref.criteria_by_id:
        raise InvalidInput.of("criterion_not_in_ref", criterion=cid, ref=ref.key)
    if verdict is not None:
        verdict = validated(
            AuditorVerdict,
            {
                **verdict.model_dump(),
                "auditor": verdict.auditor or tx.rec.actor[:200],
                "date": verdict.date or tx.rec.at.date(),
            },
            f"verdict on {cid}",
        )
    row = tx.session.scalars(
        select(VerdictRow).where(VerdictRow.campaign_id == camp.id, VerdictRow.criterion_id == cid)
    ).one_or_none()
    expect(row, change.expected_revision, f"the verdict on {cid}", cid, "verdict")
    before = row.revision if row else 0
    return before, put_verdict(tx, target, camp.id, cid, row, verdict)


def _check_answer(ref: Referential, camp: CampaignRow, criterion_id: str, answer: Answer) -> None:
    check_criterion(ref, camp, criterion_id)
    if answer.level is not None and answer.level not in ref.scale.ids:
        raise InvalidInput.of("answer_not_in_scale", criterion=criterion_id, level=answer.level,
                              scale=list(ref.scale.ids))
    if answer.not_applicable is not None:
        if not ref.criteria_by_id[criterion_id].not_applicable.allowed:
            raise InvalidInput.of("na_not_allowed", criterion=criterion_id)
        if not answer.not_applicable.justification.strip():
            raise InvalidInput.of("na_needs_justification", criterion=criterion_id)


def _check_in_scope(ref: Referential, camp: CampaignRow, criterion_id: str, answer: Answer) -> None:
    """A level or N/A saved on a criterion the campaign's profile or applicability answers leave
    out (or make N/A by rule) would count for nothing: refuse it rather than save it silently.
    Comments and owners may still be noted there, and imports only warn (see the loader)."""
    if answer.level is None and answer.not_applicable is None:
        return
    excluded, forced = excluded_and_forced_na(ref, camp.profile, dict(camp.applicability or {}))
    if criterion_id in excluded or criterion_id in forced:
        raise InvalidInput.of("answer_out_of_scope", criterion=criterion_id)
