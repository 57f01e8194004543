"""The campaign views kept by revision key (read by :func:`_campaigns.campaign`), and the next view
of a campaign derived from its cached one after a saved answer, so the page's rerun that follows a
save finds it without a rebuild.

Why a derived view is safe to cache under the key read after the save's commit: every write that
changes what a view shows revises a campaign row of the organisation (its revision goes up by
one), adds or removes a campaign, or renames or moves a node, and the key holds the sum of the
organisation's campaign revisions, their count, the names around it and the latest change's time
(:func:`repository.campaign_key`). Committed states follow one another, so when the key read after
the commit is the cached view's key with the sum one higher and nothing else moved but the time of
the save, the save was the only change in between: the state now is the cached one with the saved
answer. Any other case (another change in between, a view not cached) caches nothing, and the
next read builds the view from the database as before.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from labelnr.assessment import Answer
from labelnr.storage import repository as repo
from labelnr.storage._unit import StoreCore
from labelnr.storage.models import AnswerRow
from labelnr.storage.views import AnswerSource, CampaignStatus, CampaignView, EvidenceItem, Revision

#: Campaign views kept per process (a few per session: the oldest goes first).
VIEWS_KEPT = 256


def cached_view(store: StoreCore, key: tuple[Any, ...]) -> CampaignView | None:
    with store._views_lock:
        return store._views.get(key)


def keep_view(store: StoreCore, key: tuple[Any, ...], view: CampaignView) -> None:
    """Cache ``view`` as the campaign's state at ``key`` (and as its newest known state)."""
    with store._views_lock:
        if key not in store._views and len(store._views) >= VIEWS_KEPT:
            store._views.pop(next(iter(store._views)))
        store._views[key] = view
        store._latest_keys[view.id] = key
        if len(store._latest_keys) > VIEWS_KEPT:
            store._latest_keys.pop(next(iter(store._latest_keys)))


def after_answer_saved(
    store: StoreCore,
    campaign_id: int,
    criterion_id: str,
    answer: Answer | None,
    revision: int,
    campaign_revision: int,
    at: dt.datetime,
    actor: str,
) -> None:
    """Called after a committed save of one answer (``answer`` None: cleared) that wrote its row at
    ``revision`` and revised the campaign to ``campaign_revision``, at ``at`` by ``actor``.

    Only a head start for the next read: whatever goes wrong here (the database gone since the
    commit) caches nothing and never turns the committed save into an error."""
    try:
        _derive(store, campaign_id, criterion_id, answer, revision, campaign_revision, at, actor)
    except Exception:  # the save is committed: the next read builds the view
        return


def _derive(
    store: StoreCore,
    campaign_id: int,
    criterion_id: str,
    answer: Answer | None,
    revision: int,
    campaign_revision: int,
    at: dt.datetime,
    actor: str,
) -> None:
    with store._views_lock:
        old_key = store._latest_keys.get(campaign_id)
        old = store._views.get(old_key) if old_key is not None else None
    if old is None or old_key is None or old.info.status is not CampaignStatus.DRAFT:
        return
    with store.db.reading_core() as connection:
        key = repo.campaign_key(connection, campaign_id)
    if key is None or not _only_one_save_between(old_key, key, at):
        return
    view = with_answer(old, criterion_id, answer, revision, campaign_revision, at, actor)
    if view is not None:
        keep_view(store, key, view)


def _only_one_save_between(old: tuple[Any, ...], new: tuple[Any, ...], at: dt.datetime) -> bool:
    # (campaign, organisation name, organisation, count, sum of revisions, latest change, names)
    same = old[:4] == new[:4] and old[6] == new[6]
    latest = at if old[5] is None else max(old[5], at)
    return same and old[4] is not None and new[4] == old[4] + 1 and new[5] == latest


def with_answer(
    view: CampaignView,
    criterion_id: str,
    answer: Answer | None,
    revision: int,
    campaign_revision: int,
    at: dt.datetime,
    actor: str,
) -> CampaignView | None:
    """``view`` (a draft's) with the criterion's own answer row now holding ``answer``, as
    :func:`repository.build_view` would build it; None when that needs the ancestors' answers
    (an own answer that stated a level or N/A and no longer does)."""
    cid = criterion_id
    row = AnswerRow(**repo.answer_fields(answer or Answer()))
    old_own = view.assessment.answers.get(cid)
    was_set = old_own is not None and (old_own.level is not None or old_own.not_applicable is not None)
    now_set = repo.is_set(row)
    if was_set and not now_set:
        return None
    own_items = tuple(e for e in view.evidence.get(cid, ()) if e.campaign_id == view.id)
    mine = [e for e in own_items if e.inherited_from_id is None]
    answers = dict(view.assessment.answers)
    if not repo.is_empty(row):
        answers[cid] = repo.row_answer(row, mine)
    elif mine:
        answers[cid] = Answer(evidence=[e.ref() for e in mine])
    else:
        answers.pop(cid, None)
    effective, sources, evidence = view.effective, view.sources, view.evidence
    if now_set:
        effective = _sorted({**effective, cid: repo.row_answer(row, own_items)})
        sources = _sorted(
            {**sources, cid: AnswerSource(view.id, view.entity.id, view.entity.name, False)}
        )
        evidence = _with_evidence(evidence, cid, own_items)
    return replace(
        view,
        info=replace(view.info, revision=campaign_revision, updated_at=at, updated_by=actor),
        assessment=view.assessment.model_copy(update={"answers": _sorted(answers)}),
        effective=effective,
        sources=sources,
        answer_revisions={**view.answer_revisions, cid: Revision(revision, at, actor)},
        evidence=evidence,
    )


def _with_evidence(
    evidence: dict[str, tuple[EvidenceItem, ...]], cid: str, items: tuple[EvidenceItem, ...]
) -> dict[str, tuple[EvidenceItem, ...]]:
    changed = dict(evidence)
    if items:
        changed[cid] = items
    else:
        changed.pop(cid, None)
    return _sorted(changed)


def _sorted(values: dict[str, Any]) -> dict[str, Any]:
    return dict(sorted(values.items()))
