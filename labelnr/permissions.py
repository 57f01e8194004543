"""Who may do what: roles held on a node of the organisation tree, inherited below it.

This is the one permission check of the product. The storage service calls
:func:`require` (through :class:`labelnr.auth.GrantAuthorizer`) before every write and
before serving an evidence file; the UI only uses :func:`allowed` to hide what a role
cannot do, so a bypassed UI still meets the same refusal.

A node is an organisation id or an entity id; a role held on it holds on every entity
below it. :data:`ROOT` is the node above every organisation: an administrator there
manages the whole installation (creates organisations, grants roles anywhere).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from labelnr.errors import LabelnrError, message
from labelnr.i18n import Term

#: The identity of the embedded default (no sign-in): a single local administrator.
#: Never an e-mail address, so no identity provider can hand it out.
LOCAL_USER = "local"

#: The node above every organisation (grants here hold everywhere).
ROOT = "*"


class Role(StrEnum):
    REFERENT = "referent"
    STEERING = "steering"
    AUDITOR = "auditor"
    ADMIN = "admin"


class Action(StrEnum):
    READ = "read"
    ANSWER = "answer"
    EVIDENCE = "evidence"
    COMMITMENT = "commitment"
    VERDICT = "verdict"
    EXPORT = "export"
    IMPORT_ANSWERS = "import_answers"
    IMPORT_VERDICTS = "import_verdicts"
    SUBMIT = "submit"
    #: Create a digital service under the entity and start its service-grid (RGESN) campaigns.
    SERVICE = "service"
    MANAGE = "manage"  # organisations, entities, campaigns, roles, referentials


#: What each role may do on the nodes it holds (and every node below).
POLICY: Mapping[Role, frozenset[Action]] = {
    Role.REFERENT: frozenset(
        {
            Action.READ,
            Action.ANSWER,
            Action.EVIDENCE,
            Action.COMMITMENT,
            Action.EXPORT,
            Action.IMPORT_ANSWERS,
            Action.SUBMIT,
            Action.SERVICE,
        }
    ),
    Role.STEERING: frozenset({Action.READ, Action.EXPORT}),
    Role.AUDITOR: frozenset({Action.READ, Action.VERDICT, Action.EXPORT, Action.IMPORT_VERDICTS}),
    Role.ADMIN: frozenset(Action),
}


@dataclass(frozen=True)
class Grant:
    """``identity`` holds ``role`` on organisation-tree node ``node`` (an org or entity id, or ROOT)."""

    identity: str
    role: Role
    node: str


class PermissionDenied(LabelnrError):
    def __init__(self, identity: str, action: Action, node: str) -> None:
        self.identity, self.action, self.node = identity, action, node
        code = "permission_denied_root" if node == ROOT else "permission_denied"
        params = {"identity": identity, "action": Term("errors.action", action.value), "node": node}
        super().__init__(message(code, params, None), code=code, params=params)


def normalise_identity(identity: str) -> str:
    """E-mail addresses from the identity provider compare case-insensitively."""
    return identity.strip().lower()


def roles_on(identity: str, path: Iterable[str], grants: Iterable[Grant]) -> set[Role]:
    """Roles ``identity`` holds on a node, given the node's path from the root (inclusive).

    An empty path means the whole installation: only roles held on :data:`ROOT` count.
    """
    if identity == LOCAL_USER:
        return {Role.ADMIN}
    who = normalise_identity(identity)
    nodes = {ROOT, *path}
    return {g.role for g in grants if normalise_identity(g.identity) == who and g.node in nodes}


def allowed(identity: str, action: Action, path: Iterable[str], grants: Iterable[Grant]) -> bool:
    return any(action in POLICY[role] for role in roles_on(identity, path, grants))


def require(identity: str, action: Action, path: Sequence[str], grants: Iterable[Grant]) -> None:
    """Raise :class:`PermissionDenied` unless some role held on ``path`` allows ``action``."""
    if not allowed(identity, action, path, grants):
        raise PermissionDenied(identity, action, path[-1] if path else ROOT)
