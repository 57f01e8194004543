"""Local vs shared mode from the [auth] secrets, identities from OIDC claims, the grant authorizer."""

from __future__ import annotations

from typing import Any

import pytest

from labelnr.auth import (
    LOCAL,
    AuthConfigError,
    GrantAuthorizer,
    Mode,
    NoUsableIdentity,
    auth_config,
    checked_identity,
    has_any_role,
    identity_of,
    nodes_where,
    roles_by_node,
)
from labelnr.errors import LabelnrError
from labelnr.permissions import LOCAL_USER, ROOT, Action, Grant, PermissionDenied, Role

SECRET = "0123456789abcdef" * 4
PROVIDER = {
    "client_id": "workbook",
    "client_secret": "s3cret",
    "server_metadata_url": "https://id.example.org/.well-known/openid-configuration",
}


def shared(**extra: Any) -> dict[str, Any]:
    return {"redirect_uri": "https://workbook.example.org/oauth2callback", "cookie_secret": SECRET, **extra}


# --- mode -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("section", [None, {}])
def test_no_auth_section_means_local_mode(section: dict[str, Any] | None) -> None:
    config = auth_config(section)
    assert config == LOCAL
    assert config.mode is Mode.LOCAL
    assert not config.shared
    assert config.providers == ()


def test_a_provider_in_the_auth_section_is_the_default_one() -> None:
    config = auth_config(shared(**PROVIDER, client_kwargs={"prompt": "login"}))
    assert config.mode is Mode.SHARED
    assert config.shared
    assert config.providers == ("default",)


def test_named_providers_are_listed_in_order() -> None:
    config = auth_config(shared(okta=dict(PROVIDER), microsoft=dict(PROVIDER)))
    assert config.providers == ("microsoft", "okta")


def test_the_port_placeholder_of_streamlit_is_accepted() -> None:
    section = shared(**PROVIDER)
    section["redirect_uri"] = "http://localhost:{port}/oauth2callback"
    assert auth_config(section).shared


def test_every_missing_setting_is_listed_at_once() -> None:
    with pytest.raises(AuthConfigError) as error:
        auth_config({"client_id": "workbook"})
    text = str(error.value)
    assert text.count(".streamlit/secrets.toml [auth]") == 3
    assert "redirect_uri is missing" in text
    assert "cookie_secret is missing" in text
    assert "[auth] is missing client_secret, server_metadata_url" in text
    assert isinstance(error.value, LabelnrError)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"redirect_uri": "https://workbook.example.org/"},
            "must be an absolute http(s) address ending in /oauth2callback",
        ),
        ({"redirect_uri": "/oauth2callback"}, "must be an absolute http(s) address"),
        ({"cookie_secret": "short"}, "cookie_secret is too short (5 characters)"),
        (
            {"server_metadata_url": "id.example.org/.well-known"},
            "server_metadata_url 'id.example.org/.well-known' must be an absolute",
        ),
        ({"client_secret": " "}, "[auth] is missing client_secret"),
    ],
)
def test_malformed_settings_are_named(change: dict[str, str], message: str) -> None:
    with pytest.raises(AuthConfigError) as error:
        auth_config({**shared(**PROVIDER), **change})
    assert message in str(error.value)


def test_a_section_without_any_provider_is_refused_not_taken_for_local_mode() -> None:
    with pytest.raises(AuthConfigError, match="no identity provider"):
        auth_config(shared())


def test_named_providers_are_checked_too() -> None:
    with pytest.raises(AuthConfigError) as error:
        auth_config(shared(my_idp={"client_id": "x"}))
    assert "Streamlit does not accept '_' in a provider name" in str(error.value)
    assert "[auth.my_idp] is missing client_secret, server_metadata_url" in str(error.value)


# --- identities -----------------------------------------------------------------------------------


def test_the_identity_is_the_email_claim_in_lower_case() -> None:
    claims = {"is_logged_in": True, "sub": "123", "email": " Alice@Example.org ", "email_verified": True}
    assert identity_of(claims) == "alice@example.org"
    assert identity_of({"email": "bob@example.org"}) == "bob@example.org"  # no verification claim


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"sub": "123"}, "no_email"),
        ({"email": ""}, "no_email"),
        ({"email": "local"}, "no_email"),  # nobody signs in as the local administrator
        ({"email": "@"}, "no_email"),
        ({"email": ["a@example.org"]}, "no_email"),
        ({"email": "eve@example.org", "email_verified": False}, "unverified"),
        ({"email": "x" * 320 + "@example.org"}, "too_long"),
    ],
)
def test_unusable_identities_are_refused_with_a_reason(claims: dict[str, Any], reason: str) -> None:
    with pytest.raises(NoUsableIdentity) as error:
        identity_of(claims)
    assert error.value.reason == reason


def test_identities_typed_by_an_administrator_must_be_email_addresses() -> None:
    assert checked_identity("  Ann@Example.org") == "ann@example.org"
    for bad in ("ann", "@example.org", "ann@", "ann @example.org", ""):
        with pytest.raises(LabelnrError, match="is not an e-mail address"):
            checked_identity(bad)


# --- the authorizer ---------------------------------------------------------------------------------


class Lookup:
    def __init__(self, grants: list[Grant]) -> None:
        self.grants, self.asked = grants, list[str]()

    def __call__(self, identity: str) -> list[Grant]:
        self.asked.append(identity)
        return [g for g in self.grants if g.identity == identity]


def test_the_authorizer_reads_the_grants_at_every_check() -> None:
    lookup = Lookup([Grant("ann@example.org", Role.REFERENT, "dsi-a")])
    check = GrantAuthorizer(lookup)
    check("ann@example.org", Action.ANSWER, ["acme", "group", "dsi-a"])
    lookup.grants.clear()  # revoked
    with pytest.raises(PermissionDenied, match="may not 'answer' on 'dsi-a'"):
        check("ann@example.org", Action.ANSWER, ["acme", "group", "dsi-a"])
    assert lookup.asked == ["ann@example.org", "ann@example.org"]


def test_the_local_administrator_needs_no_grant() -> None:
    lookup = Lookup([])
    GrantAuthorizer(lookup)(LOCAL_USER, Action.MANAGE, [])
    assert lookup.asked == []


def test_what_an_identity_holds() -> None:
    grants = [
        Grant("ann@example.org", Role.REFERENT, "dsi-a"),
        Grant("ann@example.org", Role.STEERING, "acme"),
        Grant("ann@example.org", Role.ADMIN, "dsi-a"),
        Grant("bob@example.org", Role.AUDITOR, "acme"),
    ]
    assert roles_by_node("Ann@example.org", grants) == {
        "acme": [Role.STEERING],
        "dsi-a": [Role.REFERENT, Role.ADMIN],
    }
    assert roles_by_node(LOCAL_USER, []) == {ROOT: [Role.ADMIN]}
    assert nodes_where("ann@example.org", Action.ANSWER, grants) == {"dsi-a"}
    assert nodes_where("ann@example.org", Action.READ, grants) == {"dsi-a", "acme"}
    assert nodes_where(LOCAL_USER, Action.MANAGE, []) == {ROOT}
    assert has_any_role("BOB@example.org", grants)
    assert has_any_role(LOCAL_USER, [])
    assert not has_any_role("eve@example.org", grants)
