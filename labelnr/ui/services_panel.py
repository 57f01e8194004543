"""Digital services and their RGESN scores, as a light table: on the services page and in the
dashboard (per entity, and for the organisation). The figures come from :mod:`labelnr.services`
(the store as the reader sees it: only readable services; the official scoring rule).
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from labelnr.formatting import format_percent
from labelnr.services import EntityServices, ServiceCampaign, ServiceRow, organisation_services, service_rows
from labelnr.storage import ActorStore, CampaignInfo, EntityInfo
from labelnr.ui.selection import Selection, link
from labelnr.ui.session import day, lang, num, t, tp
from labelnr.ui.widgets import plain, table


def kind_name(service: EntityInfo) -> str:
    return t(f"services.kind_{service.kind.value}")


def percent_text(value: float | None) -> str:
    """A 0-100 score the language's way (``62,5 %`` / ``62.5%``), or undefined."""
    return t("services.undefined") if value is None else format_percent(value / 100, lang())


def campaign_name(info: CampaignInfo) -> str:
    return info.name or t(f"context.period_{info.period.value}")


def trend_text(row: ServiceRow) -> str:
    """Points gained or lost since the previous campaign on the same grid, with its date."""
    if row.latest is None:
        return "—"
    if row.previous is None:
        return t("services.trend_first")
    change = row.trend
    if change is None:
        return "—"
    points = ("+" if change > 0 else "") + num(change, 1)
    return t("services.trend_points", points=points, date=day(row.previous.info.date))


def _answered(latest: ServiceCampaign) -> str:
    return t("services.answered", answered=latest.answered, counted=latest.counted)


def row_cells(row: ServiceRow) -> dict[str, object]:
    latest = row.latest
    return {
        t("services.col_service"): row.service.name,
        t("services.col_kind"): kind_name(row.service),
        t("services.col_campaign"): campaign_name(latest.info) if latest else t("services.no_campaign"),
        t("services.col_date"): day(latest.info.date) if latest else "—",
        t("services.col_score"): percent_text(latest.percent) if latest else "—",
        t("services.col_trend"): trend_text(row),
        t("services.col_answered"): _answered(latest) if latest else "—",
    }


def services_table(rows: Sequence[ServiceRow]) -> None:
    table([row_cells(r) for r in rows])


def _mean(rows: Sequence[ServiceRow]) -> None:
    scored = [r.latest.percent for r in rows if r.latest is not None and r.latest.percent is not None]
    if scored:
        mean = percent_text(sum(scored) / len(scored))
        st.caption(tp("services.dashboard_mean", len(scored), percent=mean))


def dashboard_services(data: ActorStore, info: CampaignInfo, scope: str) -> None:
    """The dashboard's section: the entity's services (``scope`` "entity") or every readable
    entity's services ("organisation"), each with its latest RGESN score and trend. Nothing
    at all where there is no service to show."""
    if scope == "organisation":
        groups: list[EntityServices] = organisation_services(data, info.organisation_id)
        if not groups:
            return
        st.header(t("services.dashboard_title"))
        st.caption(t("services.dashboard_caption_org"))
        table([{t("services.col_entity"): g.entity.name, **row_cells(r)} for g in groups for r in g.rows])
        _mean([r for g in groups for r in g.rows])
    else:
        rows = service_rows(data, info.entity_id)
        if not rows:
            return
        st.header(t("services.dashboard_title"))
        st.caption(t("services.dashboard_caption"))
        services_table(rows)
        _mean(rows)
    here = Selection(info.organisation_id, info.entity_id, info.id)
    st.markdown(f"[{plain(t('services.dashboard_open'))}]({link('services', here)})")
