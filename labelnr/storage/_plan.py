"""The three-year plan of a campaign: commitments and yearly targets."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from labelnr.assessment import Commitment
from labelnr.permissions import Action
from labelnr.referential import Referential
from labelnr.storage._unit import DRAFT, StoreCore, Tx, check_criterion, expect, validated
from labelnr.storage.errors import InvalidInput, NotFound
from labelnr.storage.history import Target
from labelnr.storage.models import CommitmentRow, TargetRow
from labelnr.storage.views import CommitmentItem


def add_commitment(store: StoreCore, actor: str, campaign_id: int, commitment: Commitment) -> CommitmentItem:
    commitment = validated(Commitment, commitment.model_dump(), "commitment")
    with store._tx(actor) as tx:
        camp, target = store._campaign(tx, Action.COMMITMENT, campaign_id, DRAFT, "its commitments")
        _check_commitment(store._ref(camp), commitment)
        last = tx.session.scalar(
            select(func.max(CommitmentRow.position)).where(CommitmentRow.campaign_id == campaign_id)
        )
        row = add_commitment_row(tx, target, campaign_id, (last or 0) + 1, commitment)
        return _commitment_item(row)


def add_commitment_row(
    tx: Tx, target: Target, campaign_id: int, position: int, commitment: Commitment
) -> CommitmentRow:
    data = commitment.model_dump(mode="json", exclude_none=True)
    row = CommitmentRow(
        campaign_id=campaign_id,
        position=position,
        data=data,
        revision=1,
        updated_at=tx.rec.at,
        updated_by=tx.rec.actor,
    )
    tx.session.add(row)
    tx.session.flush()
    tx.rec.change(target, "commitment", "commitment", None, data, commitment.criterion, row.id)
    return row


def update_commitment(
    store: StoreCore, actor: str, commitment_id: int, commitment: Commitment, expected_revision: int
) -> CommitmentItem:
    commitment = validated(Commitment, commitment.model_dump(), "commitment")
    with store._tx(actor) as tx:
        row = commitment_row(tx.session, commitment_id)
        camp, target = store._campaign(tx, Action.COMMITMENT, row.campaign_id, DRAFT, "its commitments")
        _check_commitment(store._ref(camp), commitment)
        _expect_commitment(row, expected_revision)
        update_commitment_row(tx, target, row, commitment)
        return _commitment_item(row)


def update_commitment_row(tx: Tx, target: Target, row: CommitmentRow, commitment: Commitment) -> None:
    data = commitment.model_dump(mode="json", exclude_none=True)
    if data == row.data:
        return
    tx.rec.fields(target, "commitment", row.data, data, commitment.criterion, row.id)
    row.data = data
    tx.revise(row)


def remove_commitment(store: StoreCore, actor: str, commitment_id: int, expected_revision: int) -> None:
    with store._tx(actor) as tx:
        row = commitment_row(tx.session, commitment_id)
        _, target = store._campaign(tx, Action.COMMITMENT, row.campaign_id, DRAFT, "its commitments")
        _expect_commitment(row, expected_revision)
        delete_commitment_row(tx, target, row)


def delete_commitment_row(tx: Tx, target: Target, row: CommitmentRow) -> None:
    """Remove a commitment, recorded in the history as its data going to nothing."""
    tx.rec.change(target, "commitment", "commitment", row.data, None, row.data.get("criterion"), row.id)
    tx.session.delete(row)


def _expect_commitment(row: CommitmentRow, expected_revision: int) -> None:
    """ConflictError unless the commitment is still at the revision the editor started from."""
    expect(row, expected_revision, f"commitment '{row.data.get('title')}'", row.data.get("criterion"),
           "commitment")


def commitment_row(s: Session, commitment_id: int) -> CommitmentRow:
    row = s.get(CommitmentRow, commitment_id)
    if row is None:
        raise NotFound.of("no_commitment", commitment=commitment_id)
    return row


def set_target(
    store: StoreCore, actor: str, campaign_id: int, criterion_id: str, year: int, level: str | None
) -> None:
    if year not in (1, 2, 3):
        raise InvalidInput.of("target_year", year=year)
    with store._tx(actor) as tx:
        camp, target = store._campaign(tx, Action.COMMITMENT, campaign_id, DRAFT, "its targets")
        ref = store._ref(camp)
        check_criterion(ref, camp, criterion_id)
        if level is not None and level not in ref.scale.ids:
            raise InvalidInput.of("not_in_scale", level=level, scale=list(ref.scale.ids))
        row = tx.session.get(TargetRow, (campaign_id, criterion_id, year))
        put_target(tx, target, campaign_id, criterion_id, year, level, row)


def put_target(
    tx: Tx,
    target: Target,
    campaign_id: int,
    criterion_id: str,
    year: int,
    level: str | None,
    row: TargetRow | None,
) -> None:
    old = row.level if row else None
    if old == level:
        return
    if row is None:
        tx.session.add(
            TargetRow(campaign_id=campaign_id, criterion_id=criterion_id, year=year, level=level)
        )
    elif level is None:
        tx.session.delete(row)
    else:
        row.level = level
    tx.rec.change(target, "target", f"year{year}", old, level, criterion_id)


def _check_commitment(ref: Referential, commitment: Commitment) -> None:
    if commitment.criterion is not None and commitment.criterion not in ref.criteria_by_id:
        raise InvalidInput.of("commitment_criterion", title=commitment.title, criterion=commitment.criterion,
                              ref=ref.key)
    if commitment.theme is not None and commitment.theme not in ref.themes_by_id:
        raise InvalidInput.of("commitment_theme", title=commitment.title, theme=commitment.theme, ref=ref.key)
    if commitment.target_level is not None and commitment.target_level not in ref.scale.ids:
        raise InvalidInput.of("commitment_level", title=commitment.title, level=commitment.target_level,
                              scale=list(ref.scale.ids))


def _commitment_item(row: CommitmentRow) -> CommitmentItem:
    return CommitmentItem(
        row.id,
        row.position,
        row.revision,
        Commitment.model_validate(row.data),
        row.updated_at,
        row.updated_by,
    )
