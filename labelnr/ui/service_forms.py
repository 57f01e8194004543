"""What the services page offers: each service's detail (score per family, a link to its grid,
its declaration) and, for a referent of the entity, creating a service, starting its RGESN
campaign and importing a CSV of RGESN answers (the same parser and all-or-nothing save as
``labelnr import-csv``, through :mod:`labelnr.services`).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Sequence

import streamlit as st

from labelnr.assessment import EntityKind, Period
from labelnr.errors import InvalidFile, LabelnrError
from labelnr.permissions import Action
from labelnr.referential import Referential
from labelnr.services import CsvChange, ServiceRow, apply_csv, csv_changes, is_service_grid, read_csv
from labelnr.storage import AlreadyExists, CampaignInfo, EntityInfo
from labelnr.ui.auth import can
from labelnr.ui.dossier import declaration_download
from labelnr.ui.resources import store
from labelnr.ui.selection import Selection, link
from labelnr.ui.services_panel import campaign_name, percent_text
from labelnr.ui.session import day, error_text, lang, t, tp
from labelnr.ui.widgets import plain, show_problems, table

SERVICE_KINDS = [k for k in EntityKind if k.is_service]
#: A message kept across the rerun that follows a change (shown once, then dropped).
FLASH = "services.flash"
#: The service the "start a campaign" form is on (a new service is preselected there).
START_PICK = "services.start.service"
#: The draft campaign the CSV import is on (per language: its labels are translated).
IMPORT_PICK = "services.import.campaign"


def flash() -> None:
    message = st.session_state.pop(FLASH, None)
    if isinstance(message, str):
        st.success(message, icon=":material/check_circle:")


def _grid_link(info: CampaignInfo, text: str) -> str:
    return f"[{plain(text)}]({link('assessment', Selection(info.organisation_id, info.entity_id, info.id))})"


# --- one service --------------------------------------------------------------------------------


def service_detail(row: ServiceRow) -> None:
    """A service's latest campaign: score per family beside the previous one, its grid, its declaration."""
    latest = row.latest
    if latest is None:
        return
    data = store()
    info = latest.info
    ref = data.referential(info.referential_id, info.referential_version)
    lg = lang()
    title = t("services.detail", service=row.service.name, campaign=campaign_name(info), date=day(info.date))
    with st.expander(title):
        st.markdown(_grid_link(info, t("services.open_grid", service=row.service.name)))
        before = row.previous.families if row.previous else None
        rows = []
        for family in ref.themes:
            cells: dict[str, object] = {
                t("services.col_family"): family.name.get(lg),
                t("services.col_score"): percent_text(latest.families.get(family.id)),
            }
            if before is not None:
                cells[t("services.previous")] = percent_text(before.get(family.id))
            rows.append(cells)
        table(rows)
        st.markdown(f"**{t('services.declaration_title')}**")
        declaration_download(info)


# --- a referent's actions -------------------------------------------------------------------------


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def new_service_id(entity_id: str, name: str) -> str:
    """A stable id for a new service: its entity's id and its name, as the store accepts ids."""
    return f"{entity_id}-{_slug(name) or 'service'}"[:64].rstrip("-._")


def create_service_form(entity: EntityInfo) -> None:
    """Name and kind of a new service under ``entity`` (a referent's or administrator's right)."""
    if not can(Action.SERVICE, entity.id):
        return
    with st.form("services.create", clear_on_submit=True, border=True):
        st.markdown(f"**{t('services.create_title')}**")
        name = st.text_input(t("services.create_name"), max_chars=200, key="services.create.name")
        kinds = {k: t(f"services.kind_{k.value}") for k in SERVICE_KINDS}
        kind = st.selectbox(t("services.create_kind"), list(kinds), key=f"services.create.kind.{lang()}",
                            format_func=kinds.__getitem__)
        submitted = st.form_submit_button(t("services.create_button"), icon=":material/add:")
    if not submitted:
        return
    if not name.strip():
        st.error(t("services.create_needs_name"))
        return
    base = new_service_id(entity.id, name.strip())
    for attempt in range(1, 10):  # a name used twice under the entity gets "-2", "-3"...
        try:
            wanted = base if attempt == 1 else f"{base[:60]}-{attempt}"
            made = store().create_service(entity.id, wanted, name.strip(), kind)
            break
        except AlreadyExists:
            continue
        except LabelnrError as exc:
            st.error(t("services.refused", reason=plain(error_text(exc))), icon=":material/error:")
            return
    else:
        st.error(t("services.refused", reason=plain(name)), icon=":material/error:")
        return
    st.session_state[FLASH] = t("services.created", service=made.name, entity=entity.name)
    st.session_state[START_PICK] = made.id  # the next form starts its campaign
    st.rerun()


def _grids() -> list[Referential]:
    return sorted((r for r in store().catalog.referentials if is_service_grid(r)),
                  key=lambda r: (r.id, r.version), reverse=True)


def start_campaign_form(entity: EntityInfo, rows: Sequence[ServiceRow]) -> None:
    """Start an RGESN campaign for one of the entity's services; then a link to fill it in."""
    if not rows or not can(Action.SERVICE, entity.id):
        return
    grids = {r.key: r for r in _grids()}
    if not grids:
        return
    services = {r.service.id: r.service for r in rows}
    with st.form("services.start", border=True):
        st.markdown(f"**{t('services.start_title')}**")
        if st.session_state.get(START_PICK) not in services:
            st.session_state[START_PICK] = next(iter(services))
        names = {sid: s.name for sid, s in services.items()}
        service_id = st.selectbox(t("services.start_service"), list(names), format_func=names.__getitem__,
                                  key=START_PICK)
        cols = st.columns(3)
        lg = lang()
        grid_names = {key: f"{ref.title.get(lg)} {ref.version}" for key, ref in grids.items()}
        grid = cols[0].selectbox(t("services.start_grid"), list(grids), key=f"services.start.grid.{lg}",
                                 format_func=grid_names.__getitem__)
        periods = {p: t(f"context.period_{p.value}") for p in Period}
        period = cols[1].selectbox(t("services.start_period"), list(periods),
                                   key=f"services.start.period.{lg}", format_func=periods.__getitem__)
        date = cols[2].date_input(t("services.start_date"), value=dt.date.today(), key="services.start.date",
                                  format="DD/MM/YYYY" if lang() == "fr" else "YYYY-MM-DD")
        submitted = st.form_submit_button(t("services.start_button"), icon=":material/play_arrow:")
    if not submitted or service_id is None or grid is None or period is None:
        return
    ref = grids[grid]
    try:
        made = store().create_campaign(service_id, ref.id, ref.version, period, date)
    except LabelnrError as exc:
        st.error(t("services.refused", reason=plain(error_text(exc))), icon=":material/error:")
        return
    name = services[service_id].name
    st.session_state[f"{IMPORT_PICK}.{lang()}"] = made.id  # the CSV import is offered for it next
    st.session_state[FLASH] = (t("services.started", service=name) + " "
                               + _grid_link(made, t("services.open_grid", service=name)))
    st.rerun()


def _answer_text(ref: Referential, level: str | None) -> str:
    if level is None:
        return t("services.unanswered")
    if level == "n/a":
        return t("services.not_applicable")
    found = ref.scale.level(level)
    return found.label.get(lang()) if found else level


def csv_import(rows: Sequence[ServiceRow]) -> None:
    """A CSV of RGESN answers into one of the services' draft campaigns: preview, then all or nothing."""
    drafts: dict[int, tuple[EntityInfo, CampaignInfo]] = {
        r.latest.info.id: (r.service, r.latest.info) for r in rows
        if r.latest is not None and r.latest.info.editable and can(Action.IMPORT_ANSWERS, r.service.id)}
    if not any(can(Action.IMPORT_ANSWERS, r.service.id) for r in rows):
        return
    st.subheader(t("services.import_title"))
    if not drafts:
        st.info(t("services.import_no_draft"))
        return

    titles = {cid: f"{service.name} — {campaign_name(info)}, {day(info.date)}"
              for cid, (service, info) in drafts.items()}
    campaign = st.selectbox(t("services.import_campaign"), list(titles),
                            key=f"{IMPORT_PICK}.{lang()}", format_func=titles.__getitem__)
    round_key = "services.import.round"
    upload = st.file_uploader(t("services.import_file"), type=["csv"], help=t("services.import_help"),
                              key=f"services.import.file.{st.session_state.get(round_key, 0)}")
    if upload is None or campaign is None:
        return
    data = store()
    try:
        changes = csv_changes(data, campaign, read_csv(data, campaign, upload.getvalue(), upload.name))
    except InvalidFile as exc:
        show_problems(exc.problems, tp("services.import_refused", len(exc.problems)))
        return
    except LabelnrError as exc:
        st.error(t("services.import_failed", reason=plain(error_text(exc))), icon=":material/error:")
        return
    _preview(data.referential_of(campaign), changes)
    if st.button(tp("services.import_apply", len(changes)), key=f"services.import.apply.{campaign}",
                 type="primary", icon=":material/done_all:"):
        try:
            changed = apply_csv(data, campaign, changes, upload.name)
        except LabelnrError as exc:
            st.error(t("services.import_failed", reason=plain(error_text(exc))), icon=":material/error:")
            return
        st.session_state[round_key] = st.session_state.get(round_key, 0) + 1  # a fresh, empty uploader
        st.session_state[FLASH] = tp("services.imported", len(changes), changed=changed)
        st.rerun()


def _preview(ref: Referential, changes: Sequence[CsvChange]) -> None:
    st.markdown(f"**{tp('services.import_preview', len(changes))}**")
    table([{t("services.col_line"): c.line, t("services.col_criterion"): c.criterion_id,
            t("services.col_before"): _answer_text(ref, c.before),
            t("services.col_after"): _answer_text(ref, c.after)} for c in changes])
