"""The one permission check: the policy table, inheritance down the tree, ROOT, the local user."""

from __future__ import annotations

import pytest

from labelnr.permissions import (
    LOCAL_USER,
    POLICY,
    ROOT,
    Action,
    Grant,
    PermissionDenied,
    Role,
    allowed,
    require,
    roles_on,
)

A = Action
#: The issue's roles, written out by hand (not derived from POLICY, so a changed table fails here).
EXPECTED = {
    Role.REFERENT: {A.READ, A.ANSWER, A.EVIDENCE, A.COMMITMENT, A.EXPORT, A.IMPORT_ANSWERS, A.SUBMIT,
                    A.SERVICE},
    Role.STEERING: {A.READ, A.EXPORT},
    Role.AUDITOR: {A.READ, A.VERDICT, A.EXPORT, A.IMPORT_VERDICTS},
    Role.ADMIN: set(Action),
}
SITE = ["acme", "group", "dsi-a", "site-a1"]


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("role", list(Role))
def test_each_role_allows_exactly_its_actions(role: Role, action: Action) -> None:
    grants = [Grant("u@example.org", role, "group")]
    assert allowed("u@example.org", action, SITE, grants) is (action in EXPECTED[role])
    assert (action in POLICY[role]) is (action in EXPECTED[role])


def test_a_role_holds_on_its_node_and_below_not_beside_or_above() -> None:
    grants = [Grant("ann@example.org", Role.REFERENT, "dsi-a")]
    assert allowed("ann@example.org", A.ANSWER, ["acme", "group", "dsi-a"], grants)
    assert allowed("ann@example.org", A.ANSWER, SITE, grants)
    assert not allowed("ann@example.org", A.ANSWER, ["acme", "group", "dsi-b"], grants)
    assert not allowed("ann@example.org", A.ANSWER, ["acme", "group"], grants)
    assert not allowed("ann@example.org", A.READ, ["acme"], grants)


def test_roles_add_up_across_the_path() -> None:
    grants = [
        Grant("x@example.org", Role.STEERING, "acme"),
        Grant("x@example.org", Role.REFERENT, "dsi-a"),
        Grant("y@example.org", Role.ADMIN, "acme"),
    ]
    assert roles_on("x@example.org", SITE, grants) == {Role.STEERING, Role.REFERENT}
    assert roles_on("x@example.org", ["acme", "group", "dsi-b"], grants) == {Role.STEERING}
    assert roles_on("z@example.org", SITE, grants) == set()


def test_root_grants_hold_everywhere_and_only_they_cover_the_whole_installation() -> None:
    root = [Grant("boss@example.org", Role.ADMIN, ROOT)]
    org = [Grant("chief@example.org", Role.ADMIN, "acme")]
    assert allowed("boss@example.org", A.MANAGE, SITE, root)
    assert allowed("boss@example.org", A.MANAGE, [], root)
    assert allowed("chief@example.org", A.MANAGE, SITE, org)
    assert not allowed("chief@example.org", A.MANAGE, [], org)
    assert not allowed("chief@example.org", A.READ, ["globex"], org)


def test_the_local_user_is_administrator_without_any_grant() -> None:
    assert roles_on(LOCAL_USER, [], []) == {Role.ADMIN}
    assert all(allowed(LOCAL_USER, action, SITE, []) for action in Action)
    require(LOCAL_USER, A.MANAGE, [], [])


def test_identities_compare_without_case_or_surrounding_spaces() -> None:
    grants = [Grant(" Ann@Example.org", Role.REFERENT, "dsi-a")]
    assert allowed("ANN@example.ORG ", A.ANSWER, SITE, grants)


def test_require_names_who_what_and_where() -> None:
    grants = [Grant("vic@example.org", Role.AUDITOR, "acme")]
    with pytest.raises(PermissionDenied) as refused:
        require("vic@example.org", A.ANSWER, SITE, grants)
    assert str(refused.value) == "vic@example.org may not 'answer' on 'site-a1': no role grants it there"
    assert (refused.value.identity, refused.value.action, refused.value.node) == (
        "vic@example.org",
        A.ANSWER,
        "site-a1",
    )
    with pytest.raises(PermissionDenied, match="on the whole installation"):
        require("vic@example.org", A.MANAGE, [], grants)
    require("vic@example.org", A.VERDICT, SITE, grants)
