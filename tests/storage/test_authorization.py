"""Roles enforced by the store itself: each role × each write, allowed and refused.

The matrix runs on SQLite (one prepared database copied per case); the named cases of the
issue run on both SQLite and PostgreSQL.

The store here checks grants as the app and the CLI make it do (``enforce_grants``). The
tree: acme → group → {dsi-a → site-a1, dsi-b}; roles are granted on ``group`` unless a test
says otherwise, so every allowed change on ``site-a1`` also proves inheritance down the tree.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from storage_helpers import DAY, campaign_of, plant_tree

from labelnr.assessment import Answer, AuditorVerdict, Commitment, Verdict
from labelnr.auth import enforce_grants
from labelnr.loader import Catalog
from labelnr.permissions import LOCAL_USER, POLICY, ROOT, Action, PermissionDenied, Role
from labelnr.storage import CampaignLocked, Store, open_store
from labelnr.storage.service import ImportItem

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
WHO = "user@example.org"


@dataclass
class World:
    """The tree, with a draft (site-a1 baseline) holding one answer, evidence and commitment,
    and a submitted campaign (site-a1 year 1)."""

    store: Store
    draft: int
    submitted: int
    evidence: int
    commitment: int

    def events(self) -> int:
        return len(self.store.events(organisation_id="acme", limit=100_000))


def _grow(tree: Store) -> World:
    draft = campaign_of(tree, "site-a1")
    tree.save_answer("admin", draft, "A-2", Answer(level="partial"), 0)
    evidence = tree.add_evidence_file("admin", draft, "A-1", "proof.png", PNG, "result").id
    commitment = tree.add_commitment(
        "admin", draft, Commitment(title="Plan", criterion="A-1", target_year=1)
    ).id
    submitted = tree.create_campaign("admin", "site-a1", "mini", "1", "year1", DAY).id
    tree.save_answer("admin", submitted, "A-1", Answer(level="full"), 0)
    tree.submit("admin", submitted)
    enforce_grants(tree)
    return World(tree, draft, submitted, evidence, commitment)


@pytest.fixture
def world(tree: Store) -> World:
    """The world on each backend (a new database per test)."""
    return _grow(tree)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory, catalog: Catalog) -> tuple[Path, World]:
    """The world built once in a SQLite file, for the matrix to copy (building it is the slow part)."""
    folder = tmp_path_factory.mktemp("world")
    store = open_store(f"sqlite:///{folder / 'labelnr.db'}", folder / "data", catalog, import_demo=False)
    plant_tree(store)
    built = _grow(store)
    store.dispose()
    return folder, built


@pytest.fixture
def matrix_world(template: tuple[Path, World], tmp_path: Path, catalog: Catalog) -> Iterator[World]:
    folder, built = template
    shutil.copytree(folder, tmp_path / "world")
    store = enforce_grants(
        Store(f"sqlite:///{tmp_path / 'world' / 'labelnr.db'}", tmp_path / "world" / "data", catalog)
    )
    yield replace(built, store=store)
    store.dispose()


def _import(w: World, actor: str) -> None:
    view = w.store.campaign(w.draft)
    changed = view.assessment.model_copy(update={"answers": {"A-1": Answer(level="full")}})
    w.store.import_items(actor, [ImportItem("audit.yaml", changed, w.store.referential("mini", "1"))])


def _commitment_revision(w: World) -> int:
    return next(c.revision for c in w.store.campaign(w.draft).commitments if c.id == w.commitment)


#: Every change the store offers on the site-a1 campaigns, with the actions it needs.
OPERATIONS: dict[str, tuple[frozenset[Action], Callable[[World, str], object]]] = {
    "save answer": (
        frozenset({Action.ANSWER}),
        lambda w, a: w.store.save_answer(a, w.draft, "A-1", Answer(level="full"), 0),
    ),
    "clear answer": (
        frozenset({Action.ANSWER}),
        lambda w, a: w.store.clear_answer(
            a, w.draft, "A-2", w.store.campaign(w.draft).answer_revision("A-2")
        ),
    ),
    "add evidence link": (
        frozenset({Action.EVIDENCE}),
        lambda w, a: w.store.add_evidence_link(
            a, w.draft, "A-1", "https://example.org/p", "Policy", "documentation"
        ),
    ),
    "add evidence file": (
        frozenset({Action.EVIDENCE}),
        lambda w, a: w.store.add_evidence_file(a, w.draft, "A-1", "b.png", PNG + b"1", "means"),
    ),
    "remove evidence": (frozenset({Action.EVIDENCE}), lambda w, a: w.store.remove_evidence(a, w.evidence)),
    "add commitment": (
        frozenset({Action.COMMITMENT}),
        lambda w, a: w.store.add_commitment(a, w.draft, Commitment(title="More", theme="b", target_year=2)),
    ),
    "update commitment": (
        frozenset({Action.COMMITMENT}),
        lambda w, a: w.store.update_commitment(
            a,
            w.commitment,
            Commitment(title="Plan v2", criterion="A-1", target_year=2),
            _commitment_revision(w),
        ),
    ),
    "remove commitment": (
        frozenset({Action.COMMITMENT}),
        lambda w, a: w.store.remove_commitment(a, w.commitment, _commitment_revision(w)),
    ),
    "set target": (
        frozenset({Action.COMMITMENT}),
        lambda w, a: w.store.set_target(a, w.draft, "A-1", 2, "full"),
    ),
    "set verdict": (
        frozenset({Action.VERDICT}),
        lambda w, a: w.store.set_verdict(a, w.submitted, "A-1", AuditorVerdict(verdict=Verdict.CONFORM), 0),
    ),
    "submit": (frozenset({Action.SUBMIT}), lambda w, a: w.store.submit(a, w.draft)),
    "mark audited": (frozenset({Action.VERDICT}), lambda w, a: w.store.mark_audited(a, w.submitted)),
    "close campaign": (frozenset({Action.MANAGE}), lambda w, a: w.store.close_campaign(a, w.submitted)),
    "create entity": (
        frozenset({Action.MANAGE}),
        lambda w, a: w.store.create_entity(a, "acme", "site-a2", "Site A2", parent_id="dsi-a"),
    ),
    "create campaign": (
        frozenset({Action.MANAGE}),
        lambda w, a: w.store.create_campaign(a, "site-a1", "mini", "1", "year2", DAY),
    ),
    "copy campaign": (
        frozenset({Action.READ, Action.MANAGE}),
        lambda w, a: w.store.copy_campaign(a, w.draft, "year3", DAY),
    ),
    "grant role": (
        frozenset({Action.MANAGE}),
        lambda w, a: w.store.grant_role(a, "new@example.org", "referent", "site-a1"),
    ),
    "import file": (frozenset({Action.IMPORT_ANSWERS, Action.IMPORT_VERDICTS}), _import),
}

ROLES = [*Role, None]


@pytest.mark.parametrize("operation", list(OPERATIONS))
@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.value if r else "no-role")
def test_each_role_may_make_exactly_the_changes_its_policy_allows(
    matrix_world: World, role: Role | None, operation: str
) -> None:
    world = matrix_world
    needs, change = OPERATIONS[operation]
    if role is not None:
        world.store.grant_role(LOCAL_USER, WHO, role, "group")
    before = world.events()
    if role is not None and needs <= POLICY[role]:
        change(world, WHO)
        new = world.store.events(organisation_id="acme", limit=100_000)[before:]
        assert new, "an allowed change is recorded"
        assert {e.actor for e in new} == {WHO}
    else:
        with pytest.raises(PermissionDenied, match=f"{WHO} may not"):
            change(world, WHO)
        assert world.events() == before, "a refused change leaves no trace"


@pytest.mark.parametrize("operation", list(OPERATIONS))
def test_the_local_administrator_may_make_every_change(matrix_world: World, operation: str) -> None:
    before = matrix_world.events()
    OPERATIONS[operation][1](matrix_world, LOCAL_USER)
    new = matrix_world.store.events(organisation_id="acme", limit=100_000)[before:]
    assert new
    assert {e.actor for e in new} == {LOCAL_USER}


# --- the cases the issue names --------------------------------------------------------------------


def test_an_auditor_cannot_edit_an_answer_but_can_give_a_verdict(world: World) -> None:
    world.store.grant_role(LOCAL_USER, "audrey@example.org", "auditor", "acme")
    with pytest.raises(PermissionDenied, match=r"audrey@example\.org may not 'answer' on 'site-a1'"):
        world.store.save_answer("audrey@example.org", world.draft, "A-1", Answer(level="full"), 0)
    world.store.set_verdict(
        "audrey@example.org",
        world.submitted,
        "A-1",
        AuditorVerdict(verdict=Verdict.PARTIAL, comment="one site only"),
        0,
    )
    assert world.store.campaign(world.submitted).assessment.verdicts["A-1"].verdict is Verdict.PARTIAL
    assert world.store.campaign(world.draft).assessment.answers["A-1"].level is None


def test_a_referent_of_entity_a_cannot_touch_entity_b(world: World) -> None:
    world.store.grant_role(LOCAL_USER, "ann@example.org", "referent", "dsi-a")
    dsi_b = campaign_of(world.store, "dsi-b")
    with pytest.raises(PermissionDenied, match="may not 'answer' on 'dsi-b'"):
        world.store.save_answer("ann@example.org", dsi_b, "A-1", Answer(level="full"), 0)
    with pytest.raises(PermissionDenied, match="may not 'evidence' on 'dsi-b'"):
        world.store.add_evidence_link("ann@example.org", dsi_b, "A-1", "https://x.org", "X", "result")
    with pytest.raises(PermissionDenied, match="may not 'answer' on 'group'"):
        world.store.save_answer(
            "ann@example.org", campaign_of(world.store, "group"), "A-1", Answer(level="full"), 0
        )
    # ...while her own entity and the site below it are hers to fill in.
    world.store.save_answer(
        "ann@example.org", campaign_of(world.store, "dsi-a"), "A-1", Answer(level="full"), 0
    )
    world.store.save_answer("ann@example.org", world.draft, "A-1", Answer(level="partial"), 0)
    assert world.store.campaign(dsi_b).assessment.answers == {}


def test_a_referent_of_the_group_answers_for_every_entity_below_it(world: World) -> None:
    world.store.grant_role(LOCAL_USER, "gail@example.org", "referent", "group")
    for entity in ("group", "dsi-a", "dsi-b"):
        world.store.save_answer(
            "gail@example.org", campaign_of(world.store, entity), "B-1", Answer(level="full"), 0
        )
    assert all(
        world.store.campaign(campaign_of(world.store, e)).assessment.answers["B-1"].level == "full"
        for e in ("group", "dsi-a", "dsi-b")
    )
    with pytest.raises(PermissionDenied):  # organisation-wide: not below the group
        world.store.create_entity("gail@example.org", "acme", "other", "Other")


def test_steering_reads_but_cannot_write(world: World) -> None:
    world.store.grant_role(LOCAL_USER, "sam@example.org", "steering", "acme")
    assert world.store.evidence_path("sam@example.org", world.evidence).read_bytes() == PNG
    for operation, (_, change) in OPERATIONS.items():
        with pytest.raises(PermissionDenied):
            change(world, "sam@example.org")
        assert operation


@pytest.mark.parametrize("who", [LOCAL_USER, "root@example.org", "org-admin@example.org", "ref@example.org"])
def test_nobody_edits_a_submitted_campaign(world: World, who: str) -> None:
    world.store.grant_role(LOCAL_USER, "root@example.org", "admin", ROOT)
    world.store.grant_role(LOCAL_USER, "org-admin@example.org", "admin", "acme")
    world.store.grant_role(LOCAL_USER, "ref@example.org", "referent", "site-a1")
    edits: list[Callable[[], object]] = [
        lambda: world.store.save_answer(who, world.submitted, "A-2", Answer(level="full"), 0),
        lambda: world.store.add_evidence_link(who, world.submitted, "A-1", "https://x.org", "X", "result"),
        lambda: world.store.add_commitment(
            who, world.submitted, Commitment(title="x", theme="a", target_year=1)
        ),
        lambda: world.store.set_target(who, world.submitted, "A-1", 1, "full"),
        lambda: world.store.submit(who, world.submitted),
    ]
    before = world.events()
    for edit in edits:
        with pytest.raises(CampaignLocked, match="submitted"):
            edit()
    assert world.events() == before


def test_only_an_installation_administrator_creates_organisations_and_grants_there(world: World) -> None:
    world.store.grant_role(LOCAL_USER, "org-admin@example.org", "admin", "acme")
    with pytest.raises(PermissionDenied, match="on the whole installation"):
        world.store.create_organisation("org-admin@example.org", "globex", "Globex")
    with pytest.raises(PermissionDenied, match="on the whole installation"):
        world.store.grant_role("org-admin@example.org", "friend@example.org", "admin", ROOT)
    world.store.grant_role("org-admin@example.org", "friend@example.org", "admin", "dsi-b")
    world.store.grant_role(LOCAL_USER, "root@example.org", "admin", ROOT)
    world.store.create_organisation("root@example.org", "globex", "Globex")
    world.store.grant_role("root@example.org", "gus@example.org", "admin", "globex")
    with pytest.raises(PermissionDenied, match="may not 'manage' on 'globex'"):
        world.store.grant_role("org-admin@example.org", "friend@example.org", "referent", "globex")
    grants = {(g.identity, g.role.value, g.node) for g in world.store.grants()}
    assert ("friend@example.org", "admin", "dsi-b") in grants
    assert ("gus@example.org", "admin", "globex") in grants
    assert not any(g[0] == "friend@example.org" and g[2] in (ROOT, "globex") for g in grants)


def test_a_revoked_role_stops_working_at_once(world: World) -> None:
    world.store.grant_role(LOCAL_USER, "ann@example.org", "referent", "site-a1")
    world.store.save_answer("ann@example.org", world.draft, "A-1", Answer(level="partial"), 0)
    world.store.revoke_role(LOCAL_USER, "ann@example.org", "referent", "site-a1")
    revision = world.store.campaign(world.draft).answer_revision("A-1")
    with pytest.raises(PermissionDenied):
        world.store.save_answer("ann@example.org", world.draft, "A-1", Answer(level="full"), revision)


def test_identities_compare_without_case(world: World) -> None:
    world.store.grant_role(LOCAL_USER, "Ann@Example.ORG", "referent", "site-a1")
    world.store.save_answer("ANN@example.org", world.draft, "A-1", Answer(level="full"), 0)
    assert world.store.history(world.draft, "A-1")[-1].actor == "ANN@example.org"


# --- history and evidence downloads ---------------------------------------------------------------


def test_the_history_records_the_signed_in_identity_for_every_change(world: World) -> None:
    world.store.grant_role(LOCAL_USER, "ann@example.org", "referent", "site-a1")
    world.store.grant_role(LOCAL_USER, "vic@example.org", "auditor", "acme")
    before = world.events()
    world.store.save_answer("ann@example.org", world.draft, "A-1", Answer(level="full", comment="done"), 0)
    world.store.add_evidence_link(
        "ann@example.org", world.draft, "A-1", "https://x.org/r", "Report", "result"
    )
    world.store.add_commitment(
        "ann@example.org", world.draft, Commitment(title="Train", theme="b", target_year=1)
    )
    world.store.set_verdict(
        "vic@example.org", world.submitted, "A-1", AuditorVerdict(verdict=Verdict.CONFORM), 0
    )
    world.store.mark_audited("vic@example.org", world.submitted)
    new = world.store.events(organisation_id="acme", limit=100_000)[before:]
    by_actor = {(e.actor, e.action) for e in new}
    assert {
        ("ann@example.org", "answer"),
        ("ann@example.org", "evidence"),
        ("ann@example.org", "commitment"),
        ("vic@example.org", "verdict"),
        ("vic@example.org", "status"),
    } <= by_actor
    assert {e.actor for e in new} == {"ann@example.org", "vic@example.org"}
    granted = [e for e in world.store.events(organisation_id="acme", limit=100_000) if e.action == "grant"]
    assert {e.actor for e in granted} == {LOCAL_USER}


def test_evidence_downloads_check_the_readers_rights(world: World) -> None:
    world.store.grant_role(LOCAL_USER, "bob@example.org", "referent", "dsi-b")
    world.store.grant_role(LOCAL_USER, "ann@example.org", "referent", "dsi-a")
    for nobody in ("bob@example.org", "stranger@example.org"):
        with pytest.raises(PermissionDenied, match="may not 'read' on 'site-a1'"):
            world.store.evidence_path(nobody, world.evidence)
    assert world.store.evidence_path("ann@example.org", world.evidence).read_bytes() == PNG
    assert world.store.evidence_path(LOCAL_USER, world.evidence).read_bytes() == PNG
