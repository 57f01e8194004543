"""Who is working: local mode or signed-in identities, and the store's real permission check.

Two ways to run the workbook:

- **Local mode** (the embedded default): no ``[auth]`` section in ``.streamlit/secrets.toml``.
  Nobody signs in; every change is made by :data:`~labelnr.permissions.LOCAL_USER`, the
  local administrator.
- **Shared mode**: an ``[auth]`` section configures Streamlit's OpenID Connect sign-in. The
  identity is the ``email`` claim of the identity token, and what it may do comes from the
  role grants stored in the database (``labelnr users grant ...``).

In both modes the store checks every write with :class:`GrantAuthorizer`: the local
administrator may do everything, any other identity only what its grants allow. This
module never imports Streamlit: the UI hands it the secrets and the claims.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol, TypeVar
from urllib.parse import urlparse

from labelnr.errors import InvalidFile, LabelnrError, Problem
from labelnr.permissions import (
    LOCAL_USER,
    POLICY,
    ROOT,
    Action,
    Grant,
    Role,
    normalise_identity,
    require,
)


class _GrantedStore(Protocol):
    """What :func:`enforce_grants` needs of a store (a Protocol: the core never imports storage)."""

    authorizer: Callable[[str, Action, Sequence[str]], None]

    def grants(self, identity: str | None = None) -> list[Grant]: ...


StoreT = TypeVar("StoreT", bound=_GrantedStore)

#: Where Streamlit reads the sign-in configuration (named in error messages).
SECRETS_FILE = ".streamlit/secrets.toml"
#: Settings every provider needs, beside the shared ``redirect_uri`` and ``cookie_secret``.
PROVIDER_KEYS = ("client_id", "client_secret", "server_metadata_url")
#: A cookie secret shorter than this is guessable; Streamlit itself only warns under 14 bytes.
MIN_COOKIE_SECRET = 32
#: The name Streamlit gives the provider configured directly in ``[auth]``.
DEFAULT_PROVIDER = "default"
#: The longest identity the database stores (an e-mail address is at most 320 characters).
MAX_IDENTITY = 320


class Mode(StrEnum):
    LOCAL = "local"
    SHARED = "shared"


@dataclass(frozen=True)
class AuthConfig:
    """How people sign in: not at all (local mode) or through these OIDC providers."""

    mode: Mode
    #: Provider names to pass to ``st.login`` (``"default"`` for the unnamed one).
    providers: tuple[str, ...] = ()

    @property
    def shared(self) -> bool:
        return self.mode is Mode.SHARED


LOCAL = AuthConfig(Mode.LOCAL)


class AuthConfigError(InvalidFile):
    """The ``[auth]`` section is present but cannot work; each problem says what to fix."""


def auth_config(section: Mapping[str, Any] | None) -> AuthConfig:
    """The mode configured by the ``[auth]`` section of the secrets (``None``: local mode).

    Raises :class:`AuthConfigError` listing every missing or malformed setting, so that a
    half-configured deployment never silently falls back to local mode.
    """
    if not section:
        return LOCAL
    problems: list[str] = []
    redirect = section.get("redirect_uri")
    if not _filled(redirect):
        problems.append(
            "redirect_uri is missing: the app's address ending in /oauth2callback, "
            "e.g. https://workbook.example.org/oauth2callback"
        )
    elif not _absolute_url(str(redirect).replace("{port}", "8501")) or not str(redirect).endswith(
        "/oauth2callback"
    ):
        problems.append(
            f"redirect_uri '{redirect}' must be an absolute http(s) address ending in /oauth2callback"
        )
    secret = section.get("cookie_secret")
    if not _filled(secret):
        problems.append(
            "cookie_secret is missing: a long random string, e.g. the output of "
            "python -c 'import secrets; print(secrets.token_hex(32))'"
        )
    elif len(str(secret)) < MIN_COOKIE_SECRET:
        problems.append(
            f"cookie_secret is too short ({len(str(secret))} characters): use at least "
            f"{MIN_COOKIE_SECRET} random characters"
        )
    providers = _providers(section, problems)
    if problems:
        raise AuthConfigError([Problem(f"{SECRETS_FILE} [auth]", None, p) for p in problems])
    return AuthConfig(Mode.SHARED, providers)


def _providers(section: Mapping[str, Any], problems: list[str]) -> tuple[str, ...]:
    named = sorted(k for k, v in section.items() if isinstance(v, Mapping) and k != "client_kwargs")
    unnamed = any(k in section for k in PROVIDER_KEYS)
    if not named and not unnamed:
        problems.append(
            "no identity provider: add client_id, client_secret and server_metadata_url "
            "to [auth] (or to a named section such as [auth.microsoft])"
        )
        return ()
    found: list[str] = []
    if unnamed:
        _check_provider(section, "[auth]", problems)
        found.append(DEFAULT_PROVIDER)
    for name in named:
        if "_" in name:
            problems.append(f"provider [auth.{name}]: Streamlit does not accept '_' in a provider name")
        _check_provider(section[name], f"[auth.{name}]", problems)
        found.append(name)
    return tuple(found)


def _check_provider(settings: Mapping[str, Any], where: str, problems: list[str]) -> None:
    missing = [k for k in PROVIDER_KEYS if not _filled(settings.get(k))]
    if missing:
        problems.append(
            f"{where} is missing {', '.join(missing)} (from the identity provider's registration of this app)"
        )
    url = settings.get("server_metadata_url")
    if _filled(url) and not _absolute_url(str(url)):
        problems.append(
            f"{where}: server_metadata_url '{url}' must be an absolute http(s) address "
            "(usually ending in /.well-known/openid-configuration)"
        )


def _filled(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _absolute_url(value: str) -> bool:
    parsed = urlparse(value)
    return parsed.scheme in ("http", "https") and bool(parsed.netloc)


# --- identities ---------------------------------------------------------------------------------


class NoUsableIdentity(LabelnrError):
    """The identity provider signed someone in without a usable, verified e-mail address."""

    def __init__(self, reason: str, detail: str) -> None:
        #: ``no_email``, ``unverified`` or ``too_long``: the UI translates it.
        self.reason = reason
        super().__init__(detail)


def identity_of(claims: Mapping[str, Any]) -> str:
    """The identity of a signed-in user: the ``email`` claim, lower-case.

    A claim without ``@`` is refused (so nobody can sign in as the local administrator),
    and so is an address the provider says it has not verified.
    """
    email = claims.get("email")
    if not isinstance(email, str) or "@" not in email.strip().strip("@"):
        raise NoUsableIdentity(
            "no_email",
            "the identity provider sent no e-mail address (the 'email' "
            "claim): add the 'email' scope or claim for this app",
        )
    if claims.get("email_verified") is False:
        raise NoUsableIdentity("unverified", f"the identity provider has not verified {email.strip()}")
    who = normalise_identity(email)
    if len(who) > MAX_IDENTITY:
        raise NoUsableIdentity("too_long", f"an e-mail address has at most {MAX_IDENTITY} characters")
    return who


def checked_identity(text: str) -> str:
    """An identity typed by an administrator (CLI or roles page): an e-mail address."""
    who = normalise_identity(text)
    local, _, domain = who.partition("@")
    if not local or not domain or " " in who or len(who) > MAX_IDENTITY:
        raise LabelnrError.of("not_an_email", text=text.strip())
    return who


# --- the store's permission check ---------------------------------------------------------------

#: ``grants_of(identity)``: the role grants of one identity.
GrantLookup = Callable[[str], Iterable[Grant]]


class GrantAuthorizer:
    """The store's authorizer: grants read from the database at every check.

    Nothing is cached, so a revoked role stops working at the next change.
    """

    def __init__(self, grants_of: GrantLookup) -> None:
        self.grants_of = grants_of

    def __call__(self, actor: str, action: Action, path: Sequence[str]) -> None:
        grants = () if actor == LOCAL_USER else tuple(self.grants_of(actor))
        require(actor, action, path, grants)


def enforce_grants(store: StoreT) -> StoreT:
    """Make ``store`` check every change against the role grants it holds."""
    store.authorizer = GrantAuthorizer(store.grants)
    return store


# --- what an identity holds ---------------------------------------------------------------------


def has_any_role(identity: str, grants: Iterable[Grant]) -> bool:
    """Whether ``identity`` may see anything at all (the local administrator always may)."""
    who = normalise_identity(identity)
    return identity == LOCAL_USER or any(normalise_identity(g.identity) == who for g in grants)


def nodes_where(identity: str, action: Action, grants: Iterable[Grant]) -> set[str]:
    """The nodes on which ``identity`` holds a role allowing ``action`` (ROOT: everywhere)."""
    if identity == LOCAL_USER:
        return {ROOT}
    who = normalise_identity(identity)
    return {g.node for g in grants if normalise_identity(g.identity) == who and action in POLICY[g.role]}


def roles_by_node(identity: str, grants: Iterable[Grant]) -> dict[str, list[Role]]:
    """Node → the roles ``identity`` holds there, for display (sorted, roles in policy order)."""
    if identity == LOCAL_USER:
        return {ROOT: [Role.ADMIN]}
    who = normalise_identity(identity)
    held: dict[str, set[Role]] = {}
    for g in grants:
        if normalise_identity(g.identity) == who:
            held.setdefault(g.node, set()).add(g.role)
    order = list(Role)
    return {node: sorted(roles, key=order.index) for node, roles in sorted(held.items())}
