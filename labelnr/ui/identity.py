"""Who is working: local mode (the local administrator) or the identity signed in through
Streamlit's OpenID Connect sign-in (the e-mail claim of ``st.user``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

from labelnr.auth import AuthConfig, AuthConfigError, Mode, NoUsableIdentity, auth_config, identity_of
from labelnr.errors import LabelnrError
from labelnr.permissions import LOCAL_USER
from labelnr.ui.session import t


class NotSignedIn(LabelnrError):
    """A page asked who is working while nobody usable is signed in (the gate prevents it)."""


# --- configuration and identity -------------------------------------------------------------------


def _auth_section() -> Mapping[str, Any] | None:
    secrets = st.secrets
    if not secrets.load_if_toml_exists():  # no secrets file at all: local mode
        return None
    section = secrets.get("auth")
    return section if isinstance(section, Mapping) else None


def config() -> AuthConfig:
    """The configured mode; a broken ``[auth]`` section raises :class:`AuthConfigError`."""
    return auth_config(_auth_section())


def _config_or_nobody() -> AuthConfig:
    """The mode; a broken ``[auth]`` section counts as shared with no way in (the gate says why)."""
    try:
        return config()
    except AuthConfigError:
        return AuthConfig(Mode.SHARED)


def signed_in() -> str | None:
    """The identity working in this session, or ``None`` when nobody usable is signed in."""
    if not _config_or_nobody().shared:
        return LOCAL_USER
    user = st.user
    if user.get("is_logged_in") is not True:
        return None
    try:
        return identity_of(user)
    except NoUsableIdentity:
        return None


def current_identity() -> str:
    """Who makes the changes of this session (pages only run once the gate let them)."""
    who = signed_in()
    if who is None:
        raise NotSignedIn(t("auth.not_signed_in"))
    return who


def actor() -> str:
    """The identity recorded on every change: the signed-in e-mail, or the local administrator."""
    return current_identity()
