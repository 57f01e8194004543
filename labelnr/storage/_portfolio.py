"""An organisation's portfolio read in bulk: every campaign and the levels its answers state,
with inheritance applied the way :func:`labelnr.storage.repository.resolve` applies it to one
campaign, for the dashboard's tables over hundreds of entities."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from labelnr.storage.models import CampaignRow, EntityRow, InheritedAnswerRow
from labelnr.storage.repository import campaign_info, tree
from labelnr.storage.views import CampaignInfo, CampaignStatus, EntityInfo

LevelNa = tuple[str | None, bool]


@dataclass(frozen=True)
class PortfolioData:
    """An organisation's campaigns and answers, read with a few plain queries."""

    entities: list[EntityInfo]
    campaigns: list[CampaignInfo]
    applicability: dict[int, dict[str, bool]]
    #: Campaign id → criterion → (level, not applicable): own answers that state something.
    own: dict[int, dict[str, LevelNa]]
    #: The same for the inherited answers frozen into submitted campaigns.
    frozen: dict[int, dict[str, LevelNa]]


#: Every own answer of an organisation that states something: the bulk of a portfolio.
_OWN_ANSWERS = (
    "SELECT a.campaign_id, a.criterion_id, a.level, a.na_reason IS NOT NULL FROM answers a "
    "JOIN campaigns c ON c.id = a.campaign_id JOIN entities e ON e.id = c.entity_id "
    "WHERE e.organisation_id = ? AND (a.level IS NOT NULL OR a.na_reason IS NOT NULL)"
)


def _raw_rows(connection: Connection, sql: str, *params: object) -> list[tuple[Any, ...]]:
    """Rows straight from the driver's cursor: 2-3 times faster than result rows for the
    hundreds of thousands of answers of a portfolio (plain strings and integers only)."""
    if connection.dialect.paramstyle != "qmark":
        sql = sql.replace("?", "%s")  # psycopg
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql, params)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def load_portfolio(session: Session, organisation_id: str) -> PortfolioData:
    # Plain Core queries on the session's connection: no ORM objects for thousands of rows.
    connection = session.connection()
    entity_rows = connection.execute(
        select(EntityRow.__table__).where(EntityRow.organisation_id == organisation_id)
    ).all()
    campaigns = connection.execute(
        select(CampaignRow.__table__)
        .join(EntityRow.__table__, EntityRow.id == CampaignRow.entity_id)
        .where(EntityRow.organisation_id == organisation_id)
    ).all()
    own: dict[int, dict[str, LevelNa]] = defaultdict(dict)
    for campaign_id, criterion, level, is_na in _raw_rows(connection, _OWN_ANSWERS, organisation_id):
        own[campaign_id][criterion] = (level, bool(is_na))
    frozen: dict[int, dict[str, LevelNa]] = defaultdict(dict)
    snapshots = (
        select(InheritedAnswerRow.campaign_id, InheritedAnswerRow.criterion_id, InheritedAnswerRow.answer)
        .join(CampaignRow, CampaignRow.id == InheritedAnswerRow.campaign_id)
        .join(EntityRow, EntityRow.id == CampaignRow.entity_id)
        .where(EntityRow.organisation_id == organisation_id)
    )
    for campaign_id, criterion, answer in connection.execute(snapshots):
        frozen[campaign_id][criterion] = (answer.get("level"), answer.get("not_applicable") is not None)
    return PortfolioData(
        entities=tree(entity_rows),
        campaigns=[campaign_info(c, organisation_id) for c in campaigns],
        applicability={c.id: dict(c.applicability) for c in campaigns},
        own=own,
        frozen=frozen,
    )


def effective_levels(data: PortfolioData) -> dict[int, tuple[dict[str, LevelNa], int]]:
    """Per campaign: criterion → (level, not applicable) with inheritance applied, and how
    many of them are inherited (the same rule as :func:`labelnr.storage.repository.resolve`)."""
    parents = {e.id: e.parent_id for e in data.entities}
    by_key = {(c.entity_id, c.referential_id, c.referential_version, c.period): c for c in data.campaigns}
    result: dict[int, tuple[dict[str, LevelNa], int]] = {}
    for info in data.campaigns:
        mine = dict(data.own.get(info.id, {}))
        sources = [data.frozen.get(info.id, {})] if info.status is not CampaignStatus.DRAFT else []
        parent = parents.get(info.entity_id) if info.status is CampaignStatus.DRAFT else None
        seen = {info.entity_id}
        while parent is not None and parent not in seen:
            seen.add(parent)
            ancestor = by_key.get((parent, info.referential_id, info.referential_version, info.period))
            if ancestor is not None:
                sources.append(data.own.get(ancestor.id, {}))
                if ancestor.status is not CampaignStatus.DRAFT:
                    sources.append(data.frozen.get(ancestor.id, {}))
                    break
            parent = parents.get(parent)
        inherited = 0
        for source in sources:
            for criterion, value in source.items():
                if criterion not in mine:
                    mine[criterion] = value
                    inherited += 1
        result[info.id] = (mine, inherited)
    return result
