"""Campaigns: read, created, copied, migrated, their applicability, and their status changes
(submit, audit, close; submitting freezes the inherited answers in)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from labelnr.assessment import EntityKind, Period
from labelnr.migrate import MigrationReport, migrate_through, migration_path
from labelnr.permissions import Action
from labelnr.referential import Referential
from labelnr.scoring import score
from labelnr.storage import repository as repo
from labelnr.storage._content import replace_content
from labelnr.storage._unit import DRAFT, StoreCore, Tx
from labelnr.storage._viewcache import VIEWS_KEPT, cached_view, keep_view
from labelnr.storage.errors import AlreadyExists, InvalidInput
from labelnr.storage.history import Target
from labelnr.storage.models import AnswerRow, CampaignRow, EntityRow, EvidenceRow, InheritedAnswerRow
from labelnr.storage.views import CampaignInfo, CampaignScores, CampaignStatus, CampaignView
from labelnr.verification import verify


def campaigns(store: StoreCore, entity_id: str) -> list[CampaignInfo]:
    with store.db.reading() as s:
        entity = repo.get_entity(s, entity_id)
        rows = s.scalars(select(CampaignRow).where(CampaignRow.entity_id == entity_id))
        return _sorted([repo.campaign_info(r, entity.organisation_id) for r in rows])


def organisation_campaigns(store: StoreCore, organisation_id: str) -> list[CampaignInfo]:
    with store.db.reading() as s:
        repo.get_organisation(s, organisation_id)
        rows = s.scalars(
            select(CampaignRow)
            .join(EntityRow, EntityRow.id == CampaignRow.entity_id)
            .where(EntityRow.organisation_id == organisation_id)
        )
        return _sorted([repo.campaign_info(r, organisation_id) for r in rows])


def campaign_info(store: StoreCore, campaign_id: int) -> CampaignInfo:
    with store.db.reading() as s:
        row = repo.get_campaign(s, campaign_id)
        return repo.campaign_info(row, repo.get_entity(s, row.entity_id).organisation_id)


def campaign(store: StoreCore, campaign_id: int) -> CampaignView:
    """The campaign's view, cached by its revision: a page reads it several times per rerun
    (the page, the score panel, each open editor), and a build is some 13 ORM statements.
    A cached view costs one short read of its key (:func:`repo.campaign_key`, two Core
    statements). A view is built in one read transaction with its key, so an entry always holds
    the data of its key; any write, from any process, gives a new key. Shared by every reader:
    ActorStore checks the right to read on each call, and nobody changes a view in place."""
    with store.db.reading_core() as connection:
        key = repo.campaign_key(connection, campaign_id)
    if key is not None:
        cached = cached_view(store, key)
        if cached is not None:
            return cached
    with store.db.reading() as s:
        key = repo.campaign_revision(s, campaign_id)
        view = repo.build_view(s, repo.get_campaign(s, campaign_id))  # get_campaign raises NotFound
    if key is not None:
        keep_view(store, key, view)
    return view


def referential_of(store: StoreCore, campaign_id: int) -> Referential:
    info = campaign_info(store, campaign_id)
    return store.referential(info.referential_id, info.referential_version)


def scores(store: StoreCore, campaign_id: int) -> CampaignScores:
    return scores_of(store, campaign(store, campaign_id))


def scores_of(store: StoreCore, view: CampaignView) -> CampaignScores:
    """The scores of a view, computed once per view (views are immutable and shared: a page
    rerun scores the same cached view again)."""
    with store._views_lock:
        known = store._scores.get(id(view))
    if known is not None and known[0] is view:
        return known[1]
    ref = store.referential(view.info.referential_id, view.info.referential_version)
    profile, said = view.assessment.profile, view.assessment.applicability
    verified = verify(ref, view.effective, {c: v.verdict for c, v in view.assessment.verdicts.items()})
    scored = CampaignScores(
        view.id,
        score(ref, view.effective, profile, said),
        score(ref, verified.answers, profile, said),
        tuple(verified.unverified),
        verified.lowered,
    )
    with store._views_lock:
        if len(store._scores) >= VIEWS_KEPT:
            store._scores.pop(next(iter(store._scores)))
        store._scores[id(view)] = (view, scored)  # the view is kept: its id is not reused meanwhile
    return scored


def update_campaign(
    store: StoreCore, actor: str, campaign_id: int, date: dt.date | None = None, name: str | None = None
) -> CampaignInfo:
    with store._tx(actor) as tx:
        camp, target = store._campaign(tx, Action.MANAGE, campaign_id, DRAFT, "its date and name")
        if date is not None:
            tx.rec.change(target, "campaign", "date", camp.date, date)
            camp.date = date
        if name is not None:
            clean = name.strip()[:200] or None
            tx.rec.change(target, "campaign", "name", camp.name, clean)
            camp.name = clean
        tx.session.flush()
        return repo.campaign_info(camp, target.organisation_id or "")


def create_campaign(
    store: StoreCore,
    actor: str,
    entity_id: str,
    referential_id: str,
    referential_version: str,
    period: Period | str,
    date: dt.date,
    profile: str | None = None,
    name: str | None = None,
    applicability: dict[str, bool] | None = None,
) -> CampaignInfo:
    with store._tx(actor) as tx:
        row = create_campaign_row(store,
            tx,
            entity_id,
            referential_id,
            referential_version,
            _period(period),
            date,
            profile,
            name,
            applicability or {},
        )
        tx.session.flush()
        return repo.campaign_info(row, repo.get_entity(tx.session, entity_id).organisation_id)


def create_campaign_row(
    store: StoreCore,
    tx: Tx,
    entity_id: str,
    referential_id: str,
    version: str,
    period: Period,
    date: dt.date,
    profile: str | None,
    name: str | None,
    applicability: dict[str, bool],
    copied_from: int | None = None,
) -> CampaignRow:
    s = tx.session
    entity = repo.get_entity(s, entity_id)
    ref = store.referential(referential_id, version)
    service = EntityKind(entity.kind).is_service
    # A service's own grid (no label levels) may be started by its entity's referent (SERVICE).
    right = Action.SERVICE if service and not ref.scoring.levels else Action.MANAGE
    store._authorize(s, tx.rec.actor, right, entity_id)
    if service and ref.scoring.levels:
        # A label is awarded to the organisation (or one of its parts), never to one website:
        # a service is assessed with a service grid (RGESN...) and counts as evidence above.
        raise InvalidInput.of("label_on_service", service=entity_id, ref=ref.key, parent=entity.parent_id)
    if profile is not None and ref.profile(profile) is None:
        known = ", ".join(p.id for p in ref.profiles) or "none"
        raise InvalidInput.of("unknown_profile", profile=profile, ref=ref.key, known=known)
    questions = {q.id for q in ref.questions}
    for qid in applicability:
        if qid not in questions:
            raise InvalidInput.of("unknown_question", question=qid, ref=ref.key)
    clash = s.scalars(
        select(CampaignRow.id).where(
            CampaignRow.entity_id == entity_id,
            CampaignRow.referential_id == referential_id,
            CampaignRow.referential_version == version,
            CampaignRow.period == period.value,
        )
    ).first()
    if clash is not None:
        raise AlreadyExists.of("campaign_exists", entity=entity_id, period=period.value, ref=ref.key,
                               campaign=clash)
    row = CampaignRow(
        entity_id=entity_id,
        referential_id=referential_id,
        referential_version=version,
        profile=profile,
        period=period.value,
        date=date,
        name=name,
        status="draft",
        applicability=dict(applicability),
        revision=0,
        copied_from_id=copied_from,
        created_at=tx.rec.at,
        created_by=tx.rec.actor,
        updated_at=tx.rec.at,
        updated_by=tx.rec.actor,
    )
    s.add(row)
    try:
        s.flush()
    except IntegrityError:
        raise AlreadyExists.of("campaign_exists_now", entity=entity_id, period=period.value,
                               ref=ref.key) from None
    tx.campaigns[row.id] = row
    target = Target(entity.organisation_id, entity_id, row.id)
    tx.rec.fields(
        target,
        "campaign",
        {},
        {
            "referential": ref.key,
            "profile": profile,
            "period": period.value,
            "date": date,
            "name": name,
            "applicability": applicability or None,
            "copied_from": copied_from,
        },
    )
    return row


def copy_campaign(
    store: StoreCore,
    actor: str,
    campaign_id: int,
    period: Period | str,
    date: dt.date | None = None,
    name: str | None = None,
) -> CampaignInfo:
    with store._tx(actor) as tx:
        s = tx.session
        src = repo.get_campaign(s, campaign_id)
        store._authorize(s, tx.rec.actor, Action.READ, src.entity_id)
        new = create_campaign_row(store,
            tx,
            src.entity_id,
            src.referential_id,
            src.referential_version,
            _period(period),
            date or dt.datetime.now(dt.UTC).date(),
            src.profile,
            name,
            dict(src.applicability),
            copied_from=src.id,
        )
        target = Target(repo.get_entity(s, src.entity_id).organisation_id, src.entity_id, new.id)
        content = repo.build_view(s, src).assessment.model_copy(update={"verdicts": {}})
        replace_content(store, tx, target, new, content, {})
        s.flush()
        return repo.campaign_info(new, target.organisation_id or "")


def migrate_campaign(
    store: StoreCore, actor: str, campaign_id: int, to_version: str
) -> tuple[CampaignInfo, list[MigrationReport]]:
    with store._tx(actor) as tx:
        s = tx.session
        src = repo.get_campaign(s, campaign_id)
        store._authorize(s, tx.rec.actor, Action.READ, src.entity_id)
        old_ref, new_ref = store._ref(src), store.referential(src.referential_id, to_version)
        path = migration_path(store.catalog.versions(src.referential_id), old_ref, new_ref)
        migrated, reports = migrate_through(path, repo.build_view(s, src).assessment)
        new = create_campaign_row(store,
            tx,
            src.entity_id,
            new_ref.id,
            new_ref.version,
            Period(src.period),
            src.date,
            migrated.profile,
            src.name,
            dict(migrated.applicability),
            copied_from=src.id,
        )
        target = Target(repo.get_entity(s, src.entity_id).organisation_id, src.entity_id, new.id)
        replace_content(store, tx, target, new, migrated, {})
        tx.rec.change(target, "campaign", "migrated_from", None, old_ref.key)
        s.flush()
        return repo.campaign_info(new, target.organisation_id or ""), reports


def set_applicability(
    store: StoreCore, actor: str, campaign_id: int, question_id: str, answer: bool | None
) -> None:
    with store._tx(actor) as tx:
        camp, target = store._campaign(tx, Action.ANSWER, campaign_id, DRAFT, "its applicability answers")
        ref = store._ref(camp)
        if question_id not in {q.id for q in ref.questions}:
            raise InvalidInput.of("unknown_question", question=question_id, ref=ref.key)
        put_applicability(tx, target, camp, {**camp.applicability, question_id: answer})


def put_applicability(tx: Tx, target: Target, camp: CampaignRow, wanted: dict[str, Any]) -> None:
    new = {k: v for k, v in sorted(wanted.items()) if v is not None}
    old = dict(camp.applicability)
    for qid in sorted(set(old) | set(new)):
        tx.rec.change(target, "campaign", f"applicability.{qid}", old.get(qid), new.get(qid))
    camp.applicability = new


def submit(store: StoreCore, actor: str, campaign_id: int) -> CampaignInfo:
    with store._tx(actor) as tx:
        camp, target = store._campaign(tx, Action.SUBMIT, campaign_id, DRAFT, "its status")
        freeze_inherited(tx, camp)
        set_status(tx, target, camp, CampaignStatus.SUBMITTED)
        camp.submitted_at = tx.rec.at
        return repo.campaign_info(camp, target.organisation_id or "")


def mark_audited(store: StoreCore, actor: str, campaign_id: int) -> CampaignInfo:
    with store._tx(actor) as tx:
        camp, target = store._campaign(
            tx, Action.VERDICT, campaign_id, frozenset({CampaignStatus.SUBMITTED}), "its status"
        )
        set_status(tx, target, camp, CampaignStatus.AUDITED)
        camp.audited_at = tx.rec.at
        return repo.campaign_info(camp, target.organisation_id or "")


def close_campaign(store: StoreCore, actor: str, campaign_id: int) -> CampaignInfo:
    with store._tx(actor) as tx:
        camp, target = store._campaign(
            tx,
            Action.MANAGE,
            campaign_id,
            frozenset({CampaignStatus.SUBMITTED, CampaignStatus.AUDITED}),
            "its status",
        )
        set_status(tx, target, camp, CampaignStatus.CLOSED)
        camp.closed_at = tx.rec.at
        return repo.campaign_info(camp, target.organisation_id or "")


def set_status(tx: Tx, target: Target, camp: CampaignRow, status: CampaignStatus) -> None:
    tx.rec.change(target, "status", "status", camp.status, status.value)
    camp.status = status.value


def freeze_inherited(tx: Tx, camp: CampaignRow) -> None:
    """Copy the live inherited answers and evidence into the campaign being submitted."""
    chain = repo.campaign_chain(tx.session, camp)
    own = chain[0]
    for cid in repo.criteria_of(chain):
        resolved = repo.resolve(chain, cid)
        for ev in resolved.evidence:
            if ev.campaign_id == camp.id:
                continue
            tx.session.add(
                EvidenceRow(
                    campaign_id=camp.id,
                    criterion_id=cid,
                    kind=ev.kind,
                    type=ev.type,
                    title=ev.title,
                    url=ev.url,
                    sha256=ev.sha256,
                    size=ev.size,
                    filename=ev.filename,
                    media_type=ev.media_type,
                    reference=ev.reference,
                    effective_date=ev.effective_date,
                    inherited_from_id=ev.inherited_from_id or ev.campaign_id,
                    added_at=tx.rec.at,
                    added_by=tx.rec.actor,
                )
            )
        if resolved.source is own or resolved.answer is None:
            continue
        if resolved.source is not None and isinstance(resolved.answer, AnswerRow):
            answer = repo.row_answer(resolved.answer).model_dump(
                mode="json", exclude_none=True, exclude={"evidence"}
            )
            source = (resolved.source.row.id, resolved.source.entity.id)
        else:
            assert resolved.frozen_source is not None
            assert isinstance(resolved.answer, dict)
            answer, source = resolved.answer, resolved.frozen_source
        tx.session.add(
            InheritedAnswerRow(
                campaign_id=camp.id,
                criterion_id=cid,
                source_campaign_id=source[0],
                source_entity_id=source[1],
                answer=answer,
            )
        )


def _sorted(infos: list[CampaignInfo]) -> list[CampaignInfo]:
    return sorted(
        infos, key=lambda c: (c.referential_id, c.referential_version, c.period.index, c.date, c.id)
    )


def _period(value: Period | str) -> Period:
    try:
        return Period(value)
    except ValueError:
        raise InvalidInput.of("not_a_period", value=value, known=[p.value for p in Period]) from None
