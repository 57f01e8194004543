"""Reading across campaigns: history and events, a campaign as of a date, the portfolio
and the organisation dashboard's plans (cached by data revision)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from labelnr.assessment import Commitment
from labelnr.clock import end_of
from labelnr.referential import Referential
from labelnr.storage import history as hist
from labelnr.storage import repository as repo
from labelnr.storage._portfolio import LevelNa, PortfolioData, effective_levels, load_portfolio
from labelnr.storage._unit import StoreCore
from labelnr.storage.errors import NotFound
from labelnr.storage.history import HistoryEvent, HistoryFilter
from labelnr.storage.models import CampaignRow, CommitmentRow, EntityRow, TargetRow
from labelnr.storage.views import CampaignInfo, CampaignSnapshot, CampaignStatus, PortfolioPlans, PortfolioRow

if TYPE_CHECKING:
    import pandas as pd

    from labelnr.portfolio import CompiledReferential


def history(store: StoreCore, campaign_id: int, criterion_id: str | None = None) -> list[HistoryEvent]:
    with store.db.reading() as s:
        repo.get_campaign(s, campaign_id)
        return hist.query(s, HistoryFilter(campaign_id=campaign_id, criterion_id=criterion_id))


def events(store: StoreCore, where: HistoryFilter) -> list[HistoryEvent]:
    with store.db.reading() as s:
        return hist.query(s, where)


def campaign_as_of(store: StoreCore, campaign_id: int, when: dt.datetime | dt.date) -> CampaignSnapshot:
    if not isinstance(when, dt.datetime):
        when = end_of(when)
    with store.db.reading() as s:
        row = repo.get_campaign(s, campaign_id)
        entity = repo.get_entity(s, row.entity_id)
        org = repo.get_organisation(s, entity.organisation_id)
        events = hist.query(s, HistoryFilter(campaign_id=campaign_id, until=when))
    if not events:
        raise NotFound.of("campaign_not_yet", campaign=campaign_id, when=when)
    state = hist.replay(events)
    status = CampaignStatus(state.status or CampaignStatus.DRAFT.value)
    return CampaignSnapshot(campaign_id, when, status, repo.replayed_assessment(state, org, entity))


def portfolio(store: StoreCore, organisation_id: str) -> list[PortfolioRow]:
    with store.db.reading() as s:
        repo.get_organisation(s, organisation_id)
        data = load_portfolio(s, organisation_id)
    return portfolio_rows(store, data, effective_levels(data))


def portfolio_plans(store: StoreCore, organisation_id: str) -> PortfolioPlans:
    key = data_revision(store, organisation_id)
    with store._plans_lock:
        cached = store._plans.get(key)
    if cached is not None:
        return cached
    plans = read_plans(store, organisation_id)
    with store._plans_lock:
        if len(store._plans) >= 8:
            store._plans.pop(next(iter(store._plans)))
        store._plans[key] = plans
    return plans


def read_plans(store: StoreCore, organisation_id: str) -> PortfolioPlans:
    with store.db.reading() as s:
        repo.get_organisation(s, organisation_id)
        data = load_portfolio(s, organisation_id)
        mine = (
            select(CampaignRow.id)
            .join(EntityRow, EntityRow.id == CampaignRow.entity_id)
            .where(EntityRow.organisation_id == organisation_id)
        )
        targets: dict[int, dict[str, dict[int, str]]] = defaultdict(lambda: defaultdict(dict))
        # Plain column queries: no ORM objects for thousands of rows.
        columns = (TargetRow.campaign_id, TargetRow.criterion_id, TargetRow.year, TargetRow.level)
        for campaign_id, criterion, year, level in s.execute(
            select(*columns).where(TargetRow.campaign_id.in_(mine))
        ):
            targets[campaign_id][criterion][year] = level
        commitments: dict[int, list[Commitment]] = defaultdict(list)
        query = select(CommitmentRow.campaign_id, CommitmentRow.data)
        query = query.where(CommitmentRow.campaign_id.in_(mine))
        order = (CommitmentRow.campaign_id, CommitmentRow.position, CommitmentRow.id)
        for campaign_id, commitment in s.execute(query.order_by(*order)):
            commitments[campaign_id].append(Commitment.model_validate(commitment))
    effective = effective_levels(data)
    return PortfolioPlans(
        rows=portfolio_rows(store, data, effective),
        effective={cid: answers for cid, (answers, _) in effective.items()},
        applicability=data.applicability,
        targets={cid: {k: dict(sorted(v.items())) for k, v in t.items()} for cid, t in targets.items()},
        commitments=dict(commitments),
    )


def data_revision(store: StoreCore, organisation_id: str) -> tuple[Any, ...]:
    with store.db.reading() as s:
        return repo.organisation_revision(s, organisation_id)


def portfolio_rows(
    store: StoreCore, data: PortfolioData, effective: dict[int, tuple[dict[str, LevelNa], int]]
) -> list[PortfolioRow]:
    # Imported here: pandas costs seconds at a process's start, and the self-assessment page
    # (the first a referent sees) never reads the portfolio.
    from labelnr.portfolio import score_portfolio, theme_column

    entities = {e.id: e for e in data.entities}
    by_ref: dict[tuple[str, str], list[CampaignInfo]] = defaultdict(list)
    for info in data.campaigns:
        by_ref[(info.referential_id, info.referential_version)].append(info)
    rows: list[PortfolioRow] = []
    for (ref_id, version), group in sorted(by_ref.items()):
        comp = compiled_ref(store, store.referential(ref_id, version))
        table = score_portfolio(comp, *_portfolio_frames(group, effective, data.applicability))
        keys = zip(
            table.index.get_level_values(0).tolist(),
            table.index.get_level_values(1).tolist(),
            strict=True,
        )
        position = {key: i for i, key in enumerate(keys)}
        columns = {name: table[name].to_numpy() for name in table.columns}
        for info in group:
            i = position[(info.entity_id, info.id)]
            rows.append(
                PortfolioRow(
                    campaign=info,
                    entity=entities[info.entity_id],
                    points=float(columns["points"][i]),
                    max_points=float(columns["max_points"][i]),
                    percent=_number(columns["percent"][i]),
                    level=int(columns["level"][i]),
                    answered=int(columns["answered"][i]),
                    applicable=int(columns["applicable"][i]),
                    themes={t: _number(columns[theme_column(t)][i]) for t in comp.theme_ids},
                    inherited=effective[info.id][1],
                )
            )
    order = {e: i for i, e in enumerate(entities)}
    rows.sort(key=lambda r: (order[r.entity.id], r.campaign.referential_key, r.campaign.period.index))
    return rows


def compiled_ref(store: StoreCore, ref: Referential) -> CompiledReferential:
    from labelnr.portfolio import CompiledReferential
    comp = store._compiled.get(ref.key)
    if comp is None or comp.ref is not ref:
        comp = store._compiled[ref.key] = CompiledReferential.of(ref)
    return comp


def _number(value: Any) -> float | None:
    number = float(value)
    return None if number != number else number  # NaN: no applicable criterion (in the theme)


def _portfolio_frames(
    group: Sequence[CampaignInfo],
    effective: dict[int, tuple[dict[str, tuple[str | None, bool]], int]],
    applicability: dict[int, dict[str, bool]],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The answers and profiles tables of :func:`score_portfolio`, built column by column."""
    import pandas as pd
    entity: list[str] = []
    campaign: list[int] = []
    criterion: list[str] = []
    level: list[str | None] = []
    not_applicable: list[bool] = []
    for info in group:
        answers = effective[info.id][0]
        entity.extend([info.entity_id] * len(answers))
        campaign.extend([info.id] * len(answers))
        criterion.extend(answers)
        for lv, na in answers.values():
            level.append(lv)
            not_applicable.append(na)
    answers_frame = pd.DataFrame(
        {
            "entity": entity,
            "campaign": campaign,
            "criterion": criterion,
            "level": level,
            "not_applicable": not_applicable,
        }
    )
    contexts = pd.DataFrame(
        {
            "entity": [c.entity_id for c in group],
            "campaign": [c.id for c in group],
            "profile": [c.profile for c in group],
            "applicability": [applicability.get(c.id, {}) for c in group],
        }
    )
    return answers_frame, contexts
