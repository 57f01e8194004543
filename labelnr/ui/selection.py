"""The organisation, entity and campaign the user works on: named as text in the sidebar, with
pickers behind a "Change…" popover, kept in session state and in the address bar (a reload, a
bookmark or a link opens the same campaign).

The pickers sit in a popover because a selectbox costs every page its scripts at first load
(about 20 requests); a closed popover's content is not drawn until it is opened.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import streamlit as st

from labelnr.formatting import format_date
from labelnr.ui.auth import readable_entities, readable_organisations
from labelnr.ui.resources import store
from labelnr.ui.session import lang, t
from labelnr.ui.widgets import plain

if TYPE_CHECKING:
    from streamlit.delta_generator import DeltaGenerator

    from labelnr.storage import ActorStore, CampaignInfo

T = TypeVar("T")


def remembered_select(
    label: str,
    options: Sequence[T],
    key: str,
    format_func: Callable[[T], str] = str,
    where: DeltaGenerator | None = None,
    help: str | None = None,
    default: T | None = None,
) -> T | None:
    """A selectbox whose choice survives pages that do not draw it (and a vanished option).

    A remembered choice that is no longer an option is *replaced* in session state, never
    deleted: deleting it leaves the browser showing the old label while Python uses the
    first option (the widget is only told to redraw when its state is set).
    ``default`` is the choice when there is none yet, or when the remembered one is gone.
    """
    state = st.session_state
    if options:
        # Always set, even to itself: a value set in session state is the one the widget shows.
        current = state.get(key)
        fallback = default if default is not None and default in options else options[0]
        state[key] = current if current in options else fallback
    return (where or st).selectbox(label, list(options), key=key, format_func=format_func, help=help,
                                   persist_state="session", placeholder=t("common.choose"),
                                   on_change=_picked)


@dataclass(frozen=True)
class Selection:
    """The organisation, entity and campaign the user is working on."""

    organisation: str
    entity: str
    campaign: int


#: The selection in the address bar: a reload, a bookmark or a link opens the same campaign.
ORG_PARAM, ENTITY_PARAM, CAMPAIGN_PARAM, CRITERION_PARAM = "organisation", "entity", "campaign", "criterion"
URL_PARAMS = (ORG_PARAM, ENTITY_PARAM, CAMPAIGN_PARAM, CRITERION_PARAM)
PICK_KEYS = {ORG_PARAM: "pick_org", ENTITY_PARAM: "pick_entity", CAMPAIGN_PARAM: "pick_campaign"}
#: The sidebar's text naming the selection (its CSS class is ``st-key-selection-shown``).
SHOWN_KEY = "selection-shown"
#: Set by a picker's change: the user's choice replaces the address (not the other way round).
PICKED = "url.picked"
#: The criterion the address asks to open, for the page to check and open.
LINKED_CRITERION = "url.criterion"


def _picked() -> None:
    """A choice in a picker: it replaces the address, and the criterion the address opened."""
    st.session_state[PICKED] = True
    st.session_state.pop(LINKED_CRITERION, None)


def _address() -> dict[str, str]:
    return {name: st.query_params[name] for name in URL_PARAMS if st.query_params.get(name)}


def _write_address(organisation: str, entity: str, campaign: int | None, criterion: str | None) -> None:
    wanted = {ORG_PARAM: organisation, ENTITY_PARAM: entity}
    if campaign is not None:
        wanted[CAMPAIGN_PARAM] = str(campaign)
    if criterion:
        wanted[CRITERION_PARAM] = criterion
    for name in URL_PARAMS:
        if name not in wanted and name in st.query_params:
            del st.query_params[name]
    for name, value in wanted.items():
        if st.query_params.get(name) != value:
            st.query_params[name] = value


def open_criterion(criterion: str | None) -> None:
    """Put the criterion a page opened (or ``None`` once closed) in the address."""
    if criterion:
        st.query_params[CRITERION_PARAM] = st.session_state[LINKED_CRITERION] = criterion
    else:
        st.session_state.pop(LINKED_CRITERION, None)
        if CRITERION_PARAM in st.query_params:
            del st.query_params[CRITERION_PARAM]


def linked_criterion() -> str | None:
    """The criterion the address asks to open (its page checks that it belongs to the campaign)."""
    value = st.session_state.get(LINKED_CRITERION)
    return value if isinstance(value, str) else None


def refuse_criterion(criterion: str) -> None:
    st.error(t("context.link_refused_criterion", value=criterion))
    open_criterion(None)


def link(page: str, selection: Selection, criterion: str | None = None) -> str:
    """A relative address that opens ``page`` on ``selection`` (and ``criterion``)."""
    from urllib.parse import urlencode

    params = {ORG_PARAM: selection.organisation, ENTITY_PARAM: selection.entity,
              CAMPAIGN_PARAM: str(selection.campaign)}
    if criterion:
        params[CRITERION_PARAM] = criterion
    return f"{page}?{urlencode(params)}"


def _follow(data: ActorStore, org_ids: Sequence[str], address: dict[str, str]) -> str | None:
    """Set the pickers to what the address asks for; why it is refused, when it is."""
    state = st.session_state
    org = str(address.get(ORG_PARAM) or state.get(PICK_KEYS[ORG_PARAM]) or "")
    if org not in org_ids:
        return t("context.link_refused_organisation", value=org)
    state[PICK_KEYS[ORG_PARAM]] = org
    entity = address.get(ENTITY_PARAM)
    if entity is not None:
        if entity not in {e.id for e in readable_entities(data.entity_tree(org))}:
            return t("context.link_refused_entity", value=entity)
        state[PICK_KEYS[ENTITY_PARAM]] = entity
    campaign = address.get(CAMPAIGN_PARAM)
    if campaign is not None:
        entity = state.get(PICK_KEYS[ENTITY_PARAM])
        readable = {e.id for e in readable_entities(data.entity_tree(org))}
        ids = {str(c.id): c.id for c in data.campaigns(entity)} if entity in readable else {}
        if campaign not in ids:
            return t("context.link_refused_campaign", value=campaign)
        state[PICK_KEYS[CAMPAIGN_PARAM]] = ids[campaign]
    if address.get(CRITERION_PARAM):
        state[LINKED_CRITERION] = address[CRITERION_PARAM]
    else:
        state.pop(LINKED_CRITERION, None)
    return None


def _current(state: Any) -> dict[str, str]:
    """The selection held in session state, as the address would carry it."""
    current = {name: str(state[key]) for name, key in PICK_KEYS.items() if key in state}
    if isinstance(state.get(LINKED_CRITERION), str):
        current[CRITERION_PARAM] = state[LINKED_CRITERION]
    return current


def latest(campaigns: Sequence[CampaignInfo]) -> CampaignInfo:
    """The entity's most recent campaign: the one a steering page opens on."""
    return max(campaigns, key=lambda c: (c.date, c.period.index, c.id))


def _summary(where: DeltaGenerator, org: str, entity: str | None = None,
             campaign: CampaignInfo | None = None) -> None:
    """What the page shows, as text: organisation, entity, campaign (its period, date, status)."""
    lines = [t("context.shown_organisation", name=plain(org))]
    if entity is not None:
        lines.append(t("context.shown_entity", name=plain(entity)))
    if campaign is not None:
        period = t(f"context.period_{campaign.period.value}")
        lines.append(t("context.shown_campaign", name=plain(campaign.name or period)))
        details = [period] if campaign.name else []
        details += [format_date(campaign.date, lang()), t(f"context.status_{campaign.status.value}")]
        lines.append(" · ".join(details))
    where.markdown("  \n".join(lines))


def pick_campaign(where: DeltaGenerator | None = None) -> Selection | None:
    """What the page shows, named in the sidebar (by default), with the organisation, entity and
    campaign pickers behind a "Change…" popover; the selection is kept in the address.

    An address naming what the reader may not see, or what does not exist, is refused with
    a message (the page shows nothing, the sidebar names nothing) rather than replaced by
    something else. Returns ``None``, after saying why, when there is nothing to pick yet.
    """
    picked = _pick(where, need_campaign=True)
    if picked is None or picked.campaign is None:
        return None
    return Selection(picked.organisation, picked.entity, picked.campaign)


@dataclass(frozen=True)
class EntityPick:
    """The organisation and entity picked, and the campaign when the entity holds one."""

    organisation: str
    entity: str
    campaign: int | None


def pick_entity(where: DeltaGenerator | None = None) -> EntityPick | None:
    """As :func:`pick_campaign`, for a page about the entity itself (its digital services): an
    entity that holds no campaign yet is a choice too (its sidebar names no campaign)."""
    return _pick(where, need_campaign=False)


def _pick(where: DeltaGenerator | None, need_campaign: bool) -> EntityPick | None:
    sidebar = where or st.sidebar
    # Filled once the selection is known: it names what the page shows.
    shown = sidebar.container(key=SHOWN_KEY)
    box = sidebar.popover(t("context.change"), width="stretch")
    data = store()
    orgs = readable_organisations(data.organisations())  # only what the signed-in user may read
    if not orgs:
        st.info(t("context.no_organisation"))
        return None
    names = {o.id: o.name for o in orgs}
    state = st.session_state
    address = _address()
    refused = None
    if state.pop(PICKED, False) or not address:  # a choice in a picker, or a page switch
        if not address:
            state.pop(LINKED_CRITERION, None)
    elif address != _current(state):  # a reload, a bookmark or a link
        refused = _follow(data, list(names), address)
    org = remembered_select(t("context.organisation"), list(names), "pick_org", names.__getitem__, box)
    if org is None:
        return None
    entities = readable_entities(data.entity_tree(org))  # the tree shows names above them too
    labels = {e.id: ("\u2003" * e.depth) + e.name for e in entities}
    entity = remembered_select(t("context.entity"), list(labels), "pick_entity", labels.__getitem__, box)
    if entity is None:
        return None
    campaigns = data.campaigns(entity)
    if not campaigns:
        if refused is None:
            _summary(shown, names[org], labels[entity].strip())
        if need_campaign:
            st.info(t("context.no_campaign"))
            return None
        if refused is not None:
            st.error(refused)
            return None
        _write_address(org, entity, None, None)
        return EntityPick(org, entity, None)
    titles = {c.id: campaign_title(c.period, c.name, format_date(c.date, lang()), c.status)
              for c in campaigns}
    campaign = remembered_select(t("context.campaign"), list(titles), "pick_campaign",
                                 titles.__getitem__, box, default=latest(campaigns).id)
    if campaign is None:
        return None
    if refused is not None:
        st.error(refused)
        return None
    _summary(shown, names[org], labels[entity].strip(), next(c for c in campaigns if c.id == campaign))
    _write_address(org, entity, campaign, linked_criterion())
    return EntityPick(org, entity, campaign)


def campaign_title(period: str, name: str | None, date: str, status: str) -> str:
    label = name or t(f"context.period_{period}")
    return f"{label} · {date} · {t(f'context.status_{status}')}"
