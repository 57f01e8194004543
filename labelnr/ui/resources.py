"""The resources one server process shares, opened once (``st.cache_resource``): the
referential catalog and the store, which pages only ever see as the signed-in identity.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import streamlit as st

from labelnr import settings
from labelnr.errors import LabelnrError
from labelnr.loader import Catalog, load_catalog
from labelnr.ui.identity import actor
from labelnr.ui.session import error_text, t

if TYPE_CHECKING:
    from labelnr.storage import ActorStore, Store

def criteria_dirs() -> tuple[Path, ...]:
    """``LABELNR_CRITERIA_DIR`` (folders separated by ``os.pathsep``) or the shipped ``criteria/``."""
    return settings.load().criteria_dirs


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
    from labelnr.storage import open_store

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
        env = settings.load()
        shared = _open_store(env.criteria_dirs, str(env.data_dir), env.database_url)
    except LabelnrError as exc:
        st.error(t("context.store_unavailable", error=error_text(exc)))
        st.stop()
    return shared.as_actor(actor())
