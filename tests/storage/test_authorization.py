"""Roles enforced by the store itself: each role × each write, allowed and refused.

The matrix runs on SQLite (one prepared database copied per case); the named cases of the
issue run on both SQLite and PostgreSQL.

The store here checks grants as the app and the CLI make it do (``enforce_grants``). The
tree: acme → group → {dsi-a → site-a1, dsi-b}; roles are granted on ``group`` unless a test
says otherwise, so every allowed change on ``site-a1`` also proves inheritance down the tree.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from storage_helpers import DAY, campaign_of, plant_tree

from labelnr.assessment import Answer, AuditorVerdict, Commitment, Verdict
from labelnr.auth import enforce_grants
from labelnr.excel.from_store import workbook
from labelnr.loader import Catalog
from labelnr.permissions import LOCAL_USER, POLICY, ROOT, Action, PermissionDenied, Role
from labelnr.storage import AlreadyExists, CampaignLocked, NotFound, Store, open_store
from labelnr.storage.scoped import ActorStore
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
    # Evidence beside the draft's, and another organisation, for the reads' matrix.
    sibling = tree.create_campaign("admin", "dsi-b", "mini", "1", "year1", DAY).id
    tree.add_evidence_file("admin", sibling, "A-1", "b.png", PNG + b"b", "result")
    above = tree.create_campaign("admin", "group", "mini", "1", "year1", DAY).id
    tree.add_evidence_file("admin", above, "A-1", "g.png", PNG + b"g", "result")
    tree.create_organisation("admin", "initech", "Initech")
    tree.create_entity("admin", "initech", "it-hq", "Initech HQ")
    other = tree.create_campaign("admin", "it-hq", "mini", "1", "baseline", DAY).id
    tree.add_evidence_file("admin", other, "A-1", "i.png", PNG + b"i", "result")
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
    with enforce_grants(
        Store(f"sqlite:///{tmp_path / 'world' / 'labelnr.db'}", tmp_path / "world" / "data", catalog)
    ) as store:
        yield replace(built, store=store)


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
    "create service": (
        frozenset({Action.SERVICE}),
        lambda w, a: w.store.create_service(a, "site-a1", "portal", "Portal", "website"),
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


# --- digital services: a referent creates them under their entity ---------------------------------


@pytest.fixture
def services_world(db_url: str, tmp_path: Path) -> Iterator[Store]:
    """The tree with the RGESN-shaped mini grid too, grants enforced; Initech beside it."""
    from storage_helpers import FIXTURES, REFERENTIALS

    from labelnr.loader import load_catalog

    with open_store(db_url, tmp_path / "data", load_catalog([*REFERENTIALS, FIXTURES / "rgesn-mini.yaml"]),
                    import_demo=False) as opened:
        plant_tree(opened)
        opened.create_organisation("admin", "initech", "Initech")
        opened.create_entity("admin", "initech", "it-hq", "Initech HQ")
        yield enforce_grants(opened)


@pytest.mark.parametrize("role", [Role.REFERENT, Role.ADMIN])
def test_a_referent_or_admin_creates_a_service_under_their_entity_and_starts_its_rgesn_campaign(
    services_world: Store, role: Role
) -> None:
    store = services_world
    store.grant_role(LOCAL_USER, WHO, role, "dsi-a")
    me = store.as_actor(WHO)
    portal = me.create_service("dsi-a", "portal", "Citizen portal", "website")
    below = me.create_service("site-a1", "kiosk", "Kiosk app", "app")  # an entity below theirs too
    assert (portal.parent_id, below.parent_id) == ("dsi-a", "site-a1")
    camp = me.create_campaign("portal", "rgesn-mini", "2024", "baseline", DAY)
    me.save_answer(camp.id, "1.1", Answer(level="validated"), 0)
    assert [e.id for e in me.services("dsi-a")] == ["portal"]
    assert {e.actor for e in store.events(entity_id="portal", limit=100)} == {WHO}


def test_a_referent_gains_nothing_else_with_services(services_world: Store) -> None:
    store = services_world
    store.grant_role(LOCAL_USER, WHO, Role.REFERENT, "dsi-a")
    me = store.as_actor(WHO)
    me.create_service("dsi-a", "portal", "Portal", "website")
    before = len(store.events(organisation_id="acme", limit=100_000))
    with pytest.raises(PermissionDenied, match="may not 'manage' on 'dsi-a'"):  # a label campaign
        me.create_campaign("dsi-a", "mini", "1", "year1", DAY)
    with pytest.raises(PermissionDenied, match="may not 'manage' on 'dsi-a'"):  # a unit, not a service
        me.create_entity("acme", "site-a2", "Site A2", parent_id="dsi-a")
    with pytest.raises(PermissionDenied, match="may not 'service' on 'group'"):  # above their entity
        me.create_service("group", "intranet", "Intranet", "website")
    with pytest.raises(PermissionDenied, match="may not 'manage' on 'portal'"):
        me.rename("portal", "Renamed")
    with pytest.raises(NotFound, match="there is no entity 'dsi-b'"):  # a sibling: invisible
        me.create_service("dsi-b", "b-site", "B site", "website")
    with pytest.raises(NotFound, match="there is no entity 'it-hq'"):  # another organisation
        me.create_service("it-hq", "i-site", "I site", "website")
    with pytest.raises(NotFound):
        me.create_campaign("dsi-b", "rgesn-mini", "2024", "baseline", DAY)
    with pytest.raises(AlreadyExists, match="the id 'it-hq' is already taken") as taken:
        me.create_service("dsi-a", "it-hq", "Named like Initech's entity", "website")
    assert "initech" not in str(taken.value)  # nothing said of the organisation that holds it
    with pytest.raises(AlreadyExists, match="entity 'portal' already exists"):  # one of theirs: said plainly
        me.create_service("dsi-a", "portal", "Portal again", "website")
    assert len(store.events(organisation_id="acme", limit=100_000)) == before
    assert store.services("dsi-b") == []
    assert store.services("group") == []


@pytest.mark.parametrize("role", [Role.STEERING, Role.AUDITOR])
def test_steering_and_auditors_create_no_service_nor_rgesn_campaign(
    services_world: Store, role: Role
) -> None:
    store = services_world
    store.create_service(LOCAL_USER, "dsi-a", "portal", "Portal", "website")
    store.grant_role(LOCAL_USER, WHO, role, "dsi-a")
    me = store.as_actor(WHO)
    before = len(store.events(organisation_id="acme", limit=100_000))
    with pytest.raises(PermissionDenied, match="may not 'service' on 'dsi-a'"):
        me.create_service("dsi-a", "app", "App", "app")
    with pytest.raises(PermissionDenied, match="may not 'service' on 'portal'"):
        me.create_campaign("portal", "rgesn-mini", "2024", "baseline", DAY)
    assert len(store.events(organisation_id="acme", limit=100_000)) == before
    assert [e.id for e in me.services("dsi-a")] == ["portal"]  # they still read it


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


# --- reads: the store as one identity sees it (Store.as_actor) ------------------------------------
#
# Each role is held on dsi-a by its own reader. Seen from there: site-a1 (below dsi-a) is "own"
# and readable; group (above) is visible by name only, so reading its campaigns is refused;
# dsi-b (a sibling) and initech (another organisation) are invisible: not found, like an id
# that does not exist.


def _reader(role: Role | None) -> str:
    return f"{role.value if role else 'nobody'}@example.org"


@pytest.fixture(scope="module")
def readers(
    template: tuple[Path, World], tmp_path_factory: pytest.TempPathFactory, catalog: Catalog
) -> Iterator[World]:
    """The template world once more, with each role held on dsi-a by its reader (reads change nothing)."""
    folder, built = template
    copy = tmp_path_factory.mktemp("readers") / "world"
    shutil.copytree(folder, copy)
    with enforce_grants(Store(f"sqlite:///{copy / 'labelnr.db'}", copy / "data", catalog)) as store:
        for role in Role:
            store.grant_role(LOCAL_USER, _reader(role), role, "dsi-a")
        store.grant_role(LOCAL_USER, "other@example.org", "referent", "site-a1")
        store.grant_role(LOCAL_USER, "other@example.org", "referent", "dsi-b")
        yield replace(built, store=store)


@dataclass(frozen=True)
class Place:
    entity: str
    campaign: int
    evidence: int


def _places(w: World) -> dict[str, Place]:
    def place(entity: str, period: str = "baseline") -> Place:
        campaign = campaign_of(w.store, entity, period)
        items = [i for items in w.store.campaign(campaign).evidence.values() for i in items]
        own = [i.id for i in items if i.campaign_id == campaign and i.inherited_from_id is None]
        return Place(entity, campaign, own[0] if own else -1)

    return {
        "own": Place("site-a1", w.draft, w.evidence),
        "parent": place("group", "year1"),
        "sibling": place("dsi-b", "year1"),
        "other organisation": place("it-hq"),
    }


NOW = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)

#: Every read of one campaign, entity or evidence file.
READS: dict[str, Callable[[ActorStore, Place], object]] = {
    "campaigns of the entity": lambda s, p: s.campaigns(p.entity),
    "campaign info": lambda s, p: s.campaign_info(p.campaign),
    "campaign": lambda s, p: s.campaign(p.campaign),
    "referential of": lambda s, p: s.referential_of(p.campaign),
    "scores": lambda s, p: s.scores(p.campaign),
    "history": lambda s, p: s.history(p.campaign),
    "campaign as of": lambda s, p: s.campaign_as_of(p.campaign, NOW),
    "evidence item": lambda s, p: s.evidence_item(p.evidence),
    "evidence download": lambda s, p: s.evidence_path(p.evidence).read_bytes(),
}


@pytest.mark.parametrize("read", list(READS))
@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.value if r else "no-role")
def test_each_role_reads_its_own_entity_only(readers: World, role: Role | None, read: str) -> None:
    view = readers.store.as_actor(_reader(role))
    places = _places(readers)
    if role is None:  # no role anywhere: nothing exists for this reader
        refused = dict.fromkeys(places, NotFound)
    else:
        assert READS[read](view, places["own"]) is not None
        refused = {"parent": PermissionDenied, "sibling": NotFound, "other organisation": NotFound}
    for where, error in refused.items():
        with pytest.raises(error) as caught:
            READS[read](view, places[where])
        if error is NotFound:  # worded like an id that does not exist: nothing leaks
            assert str(caught.value).startswith("there is no "), caught.value


@pytest.mark.parametrize("read", list(READS))
def test_the_local_administrator_reads_everything(readers: World, read: str) -> None:
    view = readers.store.as_actor(LOCAL_USER)
    for place in _places(readers).values():
        assert READS[read](view, place) is not None


#: Every list, and what a reader holding a role on dsi-a gets of it (entity ids, or names).
LISTS: dict[str, tuple[Callable[[ActorStore], set[str]], set[str]]] = {
    "organisations": (lambda s: {o.id for o in s.organisations()}, {"acme"}),
    "entity tree": (lambda s: {e.id for e in s.entity_tree("acme")}, {"group", "dsi-a", "site-a1"}),
    "readable entities": (lambda s: {e.id for e in s.readable_entities("acme")}, {"dsi-a", "site-a1"}),
    "organisation campaigns": (
        lambda s: {c.entity_id for c in s.organisation_campaigns("acme")},
        {"dsi-a", "site-a1"},
    ),
    "portfolio (dashboards, peer comparison)": (
        lambda s: {r.entity.id for r in s.portfolio("acme")},
        {"dsi-a", "site-a1"},
    ),
    "events": (lambda s: {e.entity_id or "-" for e in s.events(limit=100_000)}, {"dsi-a", "site-a1"}),
    "events of the organisation": (
        lambda s: {e.entity_id or "-" for e in s.events(organisation_id="acme")},
        {"dsi-a", "site-a1"},
    ),
    "events of a sibling": (lambda s: {e.entity_id or "-" for e in s.events(entity_id="dsi-b")}, set()),
}


@pytest.mark.parametrize("listing", list(LISTS))
@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.value if r else "no-role")
def test_lists_leave_out_what_the_reader_may_not_read(
    readers: World, role: Role | None, listing: str
) -> None:
    read, expected = LISTS[listing]
    view = readers.store.as_actor(_reader(role))
    if role is not None:
        assert read(view) == expected
    elif listing.startswith(("organisations", "events")):
        assert read(view) == set()
    else:
        with pytest.raises(NotFound, match="there is no organisation 'acme'"):
            read(view)
    everything = readers.store.as_actor(LOCAL_USER)
    assert read(everything) >= expected


def test_the_portfolio_of_a_reader_scores_like_the_full_one(readers: World) -> None:
    full = {r.campaign.id: r for r in readers.store.portfolio("acme")}
    mine = readers.store.as_actor(_reader(Role.STEERING)).portfolio("acme")
    assert mine == [full[r.campaign.id] for r in mine]
    with pytest.raises(NotFound, match="there is no organisation 'initech'"):
        readers.store.as_actor(_reader(Role.STEERING)).portfolio("initech")


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.value if r else "no-role")
def test_grants_listed_are_ones_own_and_those_one_administers(readers: World, role: Role | None) -> None:
    seen = {(g.identity, g.node) for g in readers.store.as_actor(_reader(role)).grants()}
    own = {(_reader(role), "dsi-a")} if role else set()
    administered = (
        {(_reader(r), "dsi-a") for r in Role} | {("other@example.org", "site-a1")}
        if role is Role.ADMIN
        else set()
    )
    assert seen == own | administered


def test_names_on_the_path_are_visible_but_not_their_campaigns(readers: World) -> None:
    view = readers.store.as_actor(_reader(Role.REFERENT))
    assert view.organisation("acme").name == "ACME"
    assert view.entity("group").name == "ACME Group"
    with pytest.raises(PermissionDenied, match="may not 'read' on 'group'"):
        view.campaigns("group")
    for hidden in ("dsi-b", "it-hq"):
        with pytest.raises(NotFound, match=f"there is no entity '{hidden}'"):
            view.entity(hidden)
    with pytest.raises(NotFound, match="there is no organisation 'initech'"):
        view.organisation("initech")
    assert view.can(Action.ANSWER, "site-a1")
    assert not view.can(Action.READ, "dsi-b")


def test_the_campaign_of_a_reader_still_shows_what_it_inherits(world: World) -> None:
    group = campaign_of(world.store, "group")
    world.store.save_answer(LOCAL_USER, group, "B-1", Answer(level="full"), 0)
    world.store.grant_role(LOCAL_USER, "ann@example.org", "referent", "site-a1")
    view = world.store.as_actor("ann@example.org")
    mine = view.campaign(world.draft)
    assert mine.effective["B-1"].level == "full"
    assert mine.sources["B-1"].inherited
    with pytest.raises(PermissionDenied, match="may not 'read' on 'group'"):
        view.campaign(group)


def test_a_revoked_role_stops_reads_at_once(world: World) -> None:
    world.store.grant_role(LOCAL_USER, "ann@example.org", "steering", "site-a1")
    view = world.store.as_actor("ann@example.org")
    assert view.campaign(world.draft).id == world.draft
    world.store.revoke_role(LOCAL_USER, "ann@example.org", "steering", "site-a1")
    with pytest.raises(NotFound):
        view.campaign(world.draft)
    assert view.organisations() == []


# --- writes through the view: no actor argument, the same refusals -----------------------------


def test_writes_through_the_view_are_made_and_recorded_by_its_identity(world: World) -> None:
    world.store.grant_role(LOCAL_USER, "ann@example.org", "referent", "dsi-a")
    view = world.store.as_actor("ann@example.org")
    view.save_answer(world.draft, "A-1", Answer(level="full"), 0)
    assert world.store.history(world.draft, "A-1")[-1].actor == "ann@example.org"
    with pytest.raises(PermissionDenied, match="may not 'answer' on 'group'"):
        view.save_answer(campaign_of(world.store, "group"), "A-1", Answer(level="full"), 0)
    before = world.events()
    with pytest.raises(NotFound, match="there is no campaign"):
        view.save_answer(campaign_of(world.store, "dsi-b"), "A-1", Answer(level="full"), 0)
    with pytest.raises(NotFound, match="there is no commitment"):
        world.store.as_actor("bob@example.org").remove_commitment(world.commitment, 1)
    with pytest.raises(NotFound, match="there is no entity 'dsi-b'"):
        view.grant_role("eve@example.org", "referent", "dsi-b")
    assert world.events() == before


@pytest.mark.parametrize("operation", list(OPERATIONS))
@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.value if r else "no-role")
def test_the_view_allows_exactly_the_changes_the_store_does(
    matrix_world: World, role: Role | None, operation: str
) -> None:
    world = matrix_world
    needs, change = OPERATIONS[operation]
    if role is not None:
        world.store.grant_role(LOCAL_USER, WHO, role, "group")
    through_view = _ViewAsStore(world.store.as_actor(WHO))
    before = world.events()
    if role is not None and needs <= POLICY[role]:
        change(replace(world, store=through_view), WHO)  # type: ignore[arg-type]
        new = world.store.events(organisation_id="acme", limit=100_000)[before:]
        assert new
        assert {e.actor for e in new} == {WHO}
    else:
        with pytest.raises((PermissionDenied, NotFound)):
            change(replace(world, store=through_view), WHO)  # type: ignore[arg-type]
        assert world.events() == before


class _ViewAsStore:
    """The view with the store's write signatures (the actor argument dropped), for OPERATIONS."""

    def __init__(self, view: ActorStore) -> None:
        self.view = view

    def __getattr__(self, name: str) -> Any:
        target = getattr(self.view, name)
        if name in _READ_NAMES or not callable(target):
            return target
        return lambda _actor, *args, **kwargs: target(*args, **kwargs)


_READ_NAMES = {"campaign", "campaigns", "events", "referential", "grants"}


def test_exports_through_the_view_hold_what_the_reader_may_export(readers: World, tmp_path: Path) -> None:
    view = readers.store.as_actor(_reader(Role.AUDITOR))
    written = view.export_all(tmp_path / "all", with_files=False)
    assert sorted({p.name.split("--")[0] for p in written}) == ["dsi-a", "site-a1"]
    assert view.export_yaml(readers.draft).startswith("format: labelnr-assessment/1\n")
    book = workbook(view, readers.draft, "en", as_of=NOW.date())
    assert book.exported_by == _reader(Role.AUDITOR)
    places = _places(readers)
    with pytest.raises(NotFound, match="there is no campaign"):
        workbook(view, places["sibling"].campaign)
    with pytest.raises(PermissionDenied, match="may not 'read' on 'group'"):
        view.export_yaml(places["parent"].campaign)
    with pytest.raises(PermissionDenied, match="on the whole installation"):
        view.check_integrity()
    assert readers.store.as_actor(LOCAL_USER).check_integrity().ok
