"""What every page shares: language, translations, the store, the catalog, the current selection.

Pages import from here and stay thin:

    from labelnr.ui.context import t, lang, store, catalog, pick_campaign, actor

Everything a user picks (language, organisation, entity, campaign) lives in
``st.session_state`` so it survives switching pages.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import streamlit as st

from labelnr.errors import LabelnrError, Problem, render
from labelnr.formatting import format_date, format_number, plural
from labelnr.i18n import DEFAULT_LANG, LANGUAGES, Lang, normalise, translate
from labelnr.loader import DEFAULT_DIR, Catalog, load_catalog

if TYPE_CHECKING:
    from streamlit.delta_generator import DeltaGenerator

    from labelnr.storage.scoped import ActorStore
    from labelnr.storage.service import Store
    from labelnr.storage.views import CampaignInfo

T = TypeVar("T")

LANG_KEY = "lang"
#: Colon-separated folders of referential YAML files (default: the repository's ``criteria/``).
CRITERIA_ENV = "LABELNR_CRITERIA_DIR"
LANGUAGE_NAMES: dict[Lang, str] = {"fr": "Français", "en": "English"}


# --- language -------------------------------------------------------------------------------


def lang() -> Lang:
    """The language the user picked (French until they pick another)."""
    return normalise(st.session_state.get(LANG_KEY))


def t(key: str, /, **fields: Any) -> str:
    """``t("assessment.title")``: the text of a catalog key in the user's language."""
    return translate(key, lang(), **fields)


def num(value: float, decimals: int = 0) -> str:
    """A number the user's way, with up to ``decimals`` decimals: ``1 234,5`` (fr), ``1,234.5`` (en)."""
    return format_number(value, lang(), "#,##0" + ("." + "#" * decimals if decimals else ""))


def day(value: dt.date) -> str:
    """A date in words: ``3 décembre 2026`` (fr) or ``December 3, 2026`` (en)."""
    return format_date(value, lang())


def tp(key: str, count: float, /, **fields: Any) -> str:
    """``tp("audit.imported", 3)``: the plural form of ``key`` for ``count``, in the user's language."""
    return plural(key, count, lang(), **fields)


def error_text(error: BaseException) -> str:
    """A core error in the user's language (its English text when it has no catalog code)."""
    return render(error, lang())


def language_switch() -> None:
    """The language picker, in the sidebar of every page (its label reads in both languages)."""
    if st.session_state.get(LANG_KEY) not in LANGUAGES:
        st.session_state[LANG_KEY] = DEFAULT_LANG
    st.sidebar.segmented_control(
        t("context.language"),
        LANGUAGES,
        key=LANG_KEY,
        format_func=lambda code: LANGUAGE_NAMES[code],
        selection_mode="single",
        required=True,
        persist_state="session",
    )


# --- who is working -----------------------------------------------------------------------


def actor() -> str:
    """The identity recorded on every change: the signed-in e-mail, or the local administrator."""
    from labelnr.ui.auth import current_identity  # sign-in lives there (labelnr.ui.auth)

    return current_identity()


def show_user() -> None:
    from labelnr.ui.auth import show_identity

    show_identity()


# --- text typed by users ----------------------------------------------------------------------

_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:])")


def plain(text: str) -> str:
    """Escape Markdown so that text typed by a user is shown as typed, never interpreted."""
    return _MARKDOWN_SPECIALS.sub(r"\\\1", text).replace("\n", "  \n")


def table(rows: Sequence[Mapping[str, object]]) -> None:
    """A small static table, drawn from Markdown: a real HTML table for screen readers, without
    the Arrow serialisation (about 0.8 MB of scripts) that st.table and st.dataframe load.
    Every cell is escaped, so it shows as written."""
    if not rows:
        return
    columns = list(rows[0])

    def cell(value: object) -> str:
        if isinstance(value, float):  # a score or a percentage: the language's decimal mark
            return num(value, 1)
        text = "—" if value is None else " ".join(str(value).split())
        return plain(text) or " "

    lines = ["| " + " | ".join(cell(c) for c in columns) + " |", "|" + " --- |" * len(columns)]
    lines.extend("| " + " | ".join(cell(row.get(c)) for c in columns) + " |" for row in rows)
    st.markdown("\n".join(lines))


#: A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_text(rows: Sequence[Mapping[str, object]]) -> str:
    """Rows as CSV for a download; a cell that a spreadsheet would run as a formula stays text."""
    out = io.StringIO()
    if not rows:
        return ""
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    for row in rows:
        cells = {k: "" if v is None else str(v) for k, v in row.items()}
        writer.writerow({k: "'" + v if v.startswith(FORMULA_START) else v for k, v in cells.items()})
    return out.getvalue()


# --- referentials -------------------------------------------------------------------------


def criteria_dirs() -> tuple[Path, ...]:
    configured = os.environ.get(CRITERIA_ENV)
    if configured:
        return tuple(Path(p) for p in configured.split(os.pathsep) if p)
    return (DEFAULT_DIR,)


def _fingerprint(dirs: Sequence[Path]) -> tuple[tuple[str, str], ...]:
    """(file, sha256) of every referential file: the cache key, so an edited file is reloaded."""
    files: list[tuple[str, str]] = []
    for folder in dirs:
        candidates = sorted(folder.glob("*.y*ml")) if folder.is_dir() else [folder]
        for path in candidates:
            if path.suffix in {".yaml", ".yml"} and path.is_file():
                files.append((str(path), hashlib.sha256(path.read_bytes()).hexdigest()))
    return tuple(files)


@st.cache_resource(show_spinner=False, max_entries=4)
def _load_catalog(dirs: tuple[Path, ...], fingerprint: tuple[tuple[str, str], ...]) -> Catalog:
    del fingerprint  # only part of the cache key
    return load_catalog(dirs)


def catalog() -> Catalog:
    """Every referential under the criteria folders, parsed once per version of the files."""
    dirs = criteria_dirs()
    return _load_catalog(dirs, _fingerprint(dirs))


# --- storage ------------------------------------------------------------------------------


@st.cache_resource(show_spinner=False)
def _open_store(dirs: tuple[Path, ...], data_dir: str | None, database_url: str | None) -> Store:
    from labelnr.auth import enforce_grants
    from labelnr.storage.service import open_store

    # The store scores with the referentials valid when it opened: a file broken later
    # shows on the Referentials page while campaigns keep the last good version.
    # Grants are enforced once the demo data is in (its import is no one's change).
    return enforce_grants(open_store(catalog=catalog()))


def store() -> ActorStore:
    """The store as the signed-in identity sees it: every read and change checked for them.

    The one store of this server process is opened, upgraded and demo-filled once; pages
    only ever get this view of it (the local administrator's in local mode). A database that
    cannot be opened stops the page with a plain message; the failure is not cached, so the
    next rerun tries again once the database is back.
    """
    # The folders and the environment are the cache key: tests run several apps in one process.
    try:
        shared = _open_store(criteria_dirs(), os.environ.get("LABELNR_DATA_DIR"),
                             os.environ.get("LABELNR_DATABASE_URL"))
    except LabelnrError as exc:
        st.error(t("context.store_unavailable", error=error_text(exc)))
        st.stop()
    return shared.as_actor(actor())


# --- selection ----------------------------------------------------------------------------


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


def _write_address(selection: Selection, criterion: str | None) -> None:
    wanted = {ORG_PARAM: selection.organisation, ENTITY_PARAM: selection.entity,
              CAMPAIGN_PARAM: str(selection.campaign)}
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
    from labelnr.ui.auth import readable_entities

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


def pick_campaign(where: DeltaGenerator | None = None) -> Selection | None:
    """Organisation, entity and campaign pickers (in the sidebar by default), kept in the address.

    An address naming what the reader may not see, or what does not exist, is refused with
    a message (the page shows nothing) rather than replaced by something else.
    Returns ``None``, after saying why, when there is nothing to pick yet.
    """
    from labelnr.ui.auth import readable_entities, readable_organisations

    box = where or st.sidebar
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
        st.info(t("context.no_campaign"))
        return None
    titles = {c.id: campaign_title(c.period, c.name, format_date(c.date, lang()), c.status)
              for c in campaigns}
    campaign = remembered_select(t("context.campaign"), list(titles), "pick_campaign",
                                 titles.__getitem__, box, default=latest(campaigns).id)
    if campaign is None:
        return None
    if refused is not None:
        st.error(refused)
        return None
    selection = Selection(org, entity, campaign)
    _write_address(selection, linked_criterion())
    return selection


def campaign_title(period: str, name: str | None, date: str, status: str) -> str:
    label = name or t(f"context.period_{period}")
    return f"{label} · {date} · {t(f'context.status_{status}')}"


# --- problems -----------------------------------------------------------------------------


def show_problems(problems: Sequence[Problem], title: str) -> None:
    """Validation problems as a plain table: file, line, criterion, what is wrong."""
    st.error(title)
    table([
        {
            t("context.problem_file"): Path(p.file).name,
            t("context.problem_line"): p.line or None,
            t("context.problem_criterion"): p.criterion or "",
            t("context.problem_message"): p.text(lang()),
        }
        for p in problems
    ])


def sidebar() -> None:
    """What the sidebar shows on every page: the language switch and who is working."""
    language_switch()
    show_user()
