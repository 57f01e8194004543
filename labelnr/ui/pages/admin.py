"""Administration: organisations, entities, campaigns, the next period started from a campaign,
and the campaign's status (submit, audited, closed)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Any

import streamlit as st

from labelnr.assessment import Period
from labelnr.errors import LabelnrError, render
from labelnr.formatting import format_date
from labelnr.storage import CampaignInfo, CampaignStatus
from labelnr.ui.resources import catalog, store
from labelnr.ui.selection import Selection, pick_campaign
from labelnr.ui.session import lang, t
from labelnr.ui.widgets import plain, show_problems

PERIODS = list(Period)
#: What each status may become next, and the store method that does it.
NEXT_STATUS: dict[CampaignStatus, CampaignStatus] = {
    CampaignStatus.DRAFT: CampaignStatus.SUBMITTED,
    CampaignStatus.SUBMITTED: CampaignStatus.AUDITED,
    CampaignStatus.AUDITED: CampaignStatus.CLOSED,
}


def slug(name: str) -> str:
    """An id from a name: ``"Site de Lyon"`` → ``"site-de-lyon"``."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]+", "-", ascii_name).strip("-").lower()[:64]


def _run(action: Callable[[], Any], done: str) -> bool:
    """Run a store write; say what happened, or why it was refused (never a traceback)."""
    try:
        action()
    except LabelnrError as exc:
        st.error(t("admin.refused", reason=plain(render(exc, lang()))))
        return False
    st.session_state["admin_flash"] = done
    st.rerun()


def _opener(label: str) -> Any:
    """A popover holding one action's form: drawn (and its widgets' scripts loaded) only when opened."""
    return st.popover(t("admin.open", action=label), width="stretch")


def _organisations() -> None:
    with _opener(t("admin.new_organisation")), st.form("new_org", clear_on_submit=True):
        name = st.text_input(t("admin.name"), key="org_name")
        ident = st.text_input(t("admin.id"), key="org_id", help=t("admin.id_help"))
        if st.form_submit_button(t("admin.create")):
            if not name.strip():
                st.error(t("admin.name_required"))
            else:
                oid = ident.strip() or slug(name)
                _run(lambda: store().create_organisation(oid, name.strip()),
                     t("admin.organisation_created", name=name.strip()))


def _entities(selection: Selection | None) -> None:
    data = store()
    orgs = data.organisations()
    if not orgs:
        return
    names = {o.id: o.name for o in orgs}
    default = list(names).index(selection.organisation) if selection else 0
    with _opener(t("admin.new_entity")):
        org = st.selectbox(t("context.organisation"), list(names), index=default,
                           format_func=names.__getitem__, key="ent_org")
        _entity_form(org)


def _entity_form(org: str) -> None:
    data = store()
    tree = data.entity_tree(org)
    parents: list[str | None] = [None, *(e.id for e in tree)]
    labels = {e.id: ("\u2003" * e.depth) + e.name for e in tree}
    with st.form("new_entity", clear_on_submit=True):
        parent = st.selectbox(t("admin.parent"), parents, key="ent_parent",
                              format_func=lambda p: labels[p] if p else t("admin.no_parent"),
                              help=t("admin.parent_help"))
        name = st.text_input(t("admin.name"), key="ent_name")
        ident = st.text_input(t("admin.id"), key="ent_id", help=t("admin.id_help"))
        if st.form_submit_button(t("admin.create")):
            if not name.strip():
                st.error(t("admin.name_required"))
            else:
                eid = ident.strip() or slug(name)
                _run(lambda: data.create_entity(org, eid, name.strip(), parent),
                     t("admin.entity_created", name=name.strip()))


def _new_campaign(selection: Selection | None) -> None:
    data = store()
    orgs = data.organisations()
    if not orgs:
        return
    refs = {r.key: r for r in catalog().referentials if r.key in data.catalog.loaded}
    if not refs:
        st.info(t("admin.no_referential"))
        return
    entities = {e.id: e for o in orgs for e in data.entity_tree(o.id)}
    if not entities:
        st.info(t("admin.no_entity"))
        return
    with _opener(t("admin.new_campaign")):
        _campaign_form(refs, entities, selection)


def _campaign_form(refs: dict[str, Any], entities: dict[str, Any], selection: Selection | None) -> None:
    data = store()
    lg = lang()
    ids = list(entities)
    default = ids.index(selection.entity) if selection and selection.entity in entities else 0
    cols = st.columns(2)
    entity = cols[0].selectbox(t("context.entity"), ids, index=default, key="camp_entity",
                               format_func=lambda e: f"{entities[e].name} ({e})")
    keys = list(refs)
    ref_key = cols[1].selectbox(t("admin.referential"), keys, index=len(keys) - 1, key="camp_ref",
                                format_func=lambda k: f"{refs[k].title.get(lg)} — {refs[k].version}")
    ref = refs[ref_key]
    profiles: list[str | None] = [None, *(p.id for p in ref.profiles)]
    profile_names = {p.id: p.name.get(lg) for p in ref.profiles}
    with st.form("new_campaign", clear_on_submit=True):
        profile = st.selectbox(t("admin.profile"), profiles, key="camp_profile",
                               format_func=lambda p: profile_names[p] if p else t("admin.no_profile"))
        period = st.selectbox(t("admin.period"), PERIODS, key="camp_period",
                              format_func=lambda p: t(f"context.period_{p.value}"))
        date = st.date_input(t("admin.date"), value="today", key="camp_date", format="YYYY-MM-DD")
        name = st.text_input(t("admin.campaign_name"), key="camp_name")
        if st.form_submit_button(t("admin.create")):
            _run(lambda: data.create_campaign(entity, ref.id, ref.version, period, date, profile,
                                              name.strip() or None),
                 t("admin.campaign_created"))


def _next_period(info: CampaignInfo) -> Period:
    index = PERIODS.index(info.period)
    return PERIODS[min(index + 1, len(PERIODS) - 1)]


def _copy(info: CampaignInfo) -> None:
    st.subheader(t("admin.copy_title"))
    st.caption(t("admin.copy_help"))
    following = t(f"context.period_{_next_period(info).value}")
    with _opener(t("admin.copy_button", period=following)), st.form("copy_campaign", clear_on_submit=True):
        period = st.selectbox(t("admin.period"), PERIODS, index=PERIODS.index(_next_period(info)),
                              key="copy_period", format_func=lambda p: t(f"context.period_{p.value}"))
        date = st.date_input(t("admin.date"), value="today", key="copy_date", format="YYYY-MM-DD")
        name = st.text_input(t("admin.campaign_name"), key="copy_name")
        if st.form_submit_button(t("admin.copy_button", period=following)):
            _run(lambda: store().copy_campaign(info.id, period, date, name.strip() or None),
                 t("admin.copied", period=t(f"context.period_{period.value}")))


def _status(info: CampaignInfo) -> None:
    st.subheader(t("admin.status_title"))
    st.markdown(t("admin.status_now", status=t(f"context.status_{info.status.value}")))
    following = NEXT_STATUS.get(info.status)
    if following is None:
        st.caption(t("admin.status_final"))
        return
    st.caption(t(f"admin.status_warning_{following.value}"))
    with _opener(t(f"admin.status_to_{following.value}")):
        _status_change(info, following)


def _status_change(info: CampaignInfo, following: CampaignStatus) -> None:
    sure = st.checkbox(t("admin.status_confirm", status=t(f"context.status_{following.value}")),
                       key=f"confirm_{info.id}_{following.value}")
    if st.button(t(f"admin.status_to_{following.value}"), disabled=not sure, key=f"status_{info.id}"):
        data = store()
        moves = {
            CampaignStatus.SUBMITTED: data.submit,
            CampaignStatus.AUDITED: data.mark_audited,
            CampaignStatus.CLOSED: data.close_campaign,
        }
        _run(lambda: moves[following](info.id), t("admin.status_changed",
                                                            status=t(f"context.status_{following.value}")))


def main() -> None:
    st.title(t("admin.title"))
    flash = st.session_state.pop("admin_flash", None)
    if flash:
        st.success(flash)
    data = store()
    if data.demo_problems:
        show_problems(data.demo_problems, t("admin.demo_problems"))
    selection = pick_campaign() if data.organisations() else None
    if selection is not None:
        info = data.campaign_info(selection.campaign)
        st.header(t("admin.this_campaign"))
        st.caption(t("admin.this_campaign_is", entity=plain(data.entity(info.entity_id).name),
                     name=plain(info.name or t(f"context.period_{info.period.value}")),
                     period=t(f"context.period_{info.period.value}"), date=format_date(info.date, lang())))
        left, right = st.columns(2, gap="large")
        with left:
            _status(info)
        with right:
            _copy(info)
    st.header(t("admin.create_title"))
    st.caption(t("admin.create_help"))
    columns = st.columns(3)
    with columns[0]:
        _organisations()
    with columns[1]:
        _entities(selection)
    with columns[2]:
        _new_campaign(selection)

main()
