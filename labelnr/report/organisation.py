"""Which campaigns an organisation dossier gathers: one per entity, same referential version and period.

As on the dashboard's organisation view: the entities' campaigns of one referential version
and one period (that of a given campaign, or the latest held), the latest one per entity.
Read through the identity's view of the store (:class:`~labelnr.storage.scoped.ActorStore`):
only entities it may read are gathered, and each workbook checks the export right; an entity
it may read but not export is left out and named.
"""

from __future__ import annotations

from dataclasses import dataclass

from labelnr.assessment import Period
from labelnr.errors import LabelnrError, render
from labelnr.excel.from_store import workbook
from labelnr.excel.model import WorkbookData
from labelnr.i18n import Lang, Term
from labelnr.permissions import PermissionDenied
from labelnr.storage import ActorStore, CampaignInfo


@dataclass(frozen=True)
class OrganisationData:
    items: tuple[WorkbookData, ...]
    #: Entities left out: (entity id, why).
    skipped: tuple[tuple[str, str], ...] = ()


def peers(campaigns: list[CampaignInfo], key: str, period: Period) -> list[CampaignInfo]:
    """The latest campaign of each entity with that referential version and period."""
    latest: dict[str, CampaignInfo] = {}
    for c in campaigns:
        if c.referential_key != key or c.period != period:
            continue
        held = latest.get(c.entity_id)
        if held is None or (c.date, c.id) > (held.date, held.id):
            latest[c.entity_id] = c
    return list(latest.values())


def organisation_data(store: ActorStore, organisation_id: str, lang: Lang = "fr",
                      campaign_id: int | None = None, period: Period | None = None) -> OrganisationData:
    """The campaigns of an organisation dossier, in the organisation tree's order."""
    tree = store.entity_tree(organisation_id)
    campaigns = store.organisation_campaigns(organisation_id)
    if campaign_id is None:
        # The committee's dossier is the label's: digital services' RGESN campaigns are counted
        # in its coverage section, never chosen as the organisation's campaigns by default.
        services = {e.id for e in tree if e.is_service}
        campaigns = [c for c in campaigns if c.entity_id not in services]
    if campaign_id is not None:
        info = store.campaign_info(campaign_id)
        if info.organisation_id != organisation_id:
            raise LabelnrError.of("campaign_other_organisation", campaign=campaign_id,
                                  organisation=info.organisation_id, asked=organisation_id)
        key, chosen = info.referential_key, period or info.period
    else:
        if not campaigns:
            raise LabelnrError.of("organisation_no_campaign", organisation=organisation_id)
        newest = max(campaigns, key=lambda c: (c.date, c.id))
        key = newest.referential_key
        held = [c.period for c in campaigns if c.referential_key == key]
        if period is not None and period not in held:
            raise LabelnrError.of("organisation_no_period", organisation=organisation_id,
                                  period=Term("context.period", period.value), ref=key)
        chosen = period or max(held, key=lambda p: p.index)
    order = {e.id: i for i, e in enumerate(tree)}
    chosen_campaigns = sorted(peers(campaigns, key, chosen), key=lambda c: order.get(c.entity_id, len(order)))
    items: list[WorkbookData] = []
    skipped: list[tuple[str, str]] = []
    for c in chosen_campaigns:
        try:
            items.append(workbook(store, c.id, lang))
        except PermissionDenied as exc:
            skipped.append((c.entity_id, render(exc, lang)))  # why, in the dossier's language
    if not items:
        raise LabelnrError.of("organisation_nothing_exportable", organisation=organisation_id, ref=key,
                              period=Term("context.period", chosen.value), who=store.identity)
    return OrganisationData(tuple(items), tuple(skipped))
