"""The Store API on both backends: tree, campaigns, inheritance, status, plan, scores, grants."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import pytest
from storage_helpers import DAY, campaign_of

from labelnr.assessment import (
    Answer,
    AuditorVerdict,
    Commitment,
    CommitmentStatus,
    Indicator,
    Measure,
    NotApplicable,
    Verdict,
)
from labelnr.loader import Catalog
from labelnr.permissions import Action, PermissionDenied
from labelnr.scoring import score
from labelnr.storage import (
    AlreadyExists,
    CampaignLocked,
    CampaignStatus,
    ConflictError,
    InvalidInput,
    NotFound,
    Store,
    UnknownReferential,
    open_store,
)
from labelnr.storage.service import AnswerChange, VerdictChange

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def save(store: Store, campaign_id: int, criterion: str, actor: str = "alice", **fields: object) -> int:
    """Save an answer on top of whatever revision is current."""
    rev = store.campaign(campaign_id).answer_revision(criterion)
    return store.save_answer(actor, campaign_id, criterion, Answer.model_validate(fields), rev)


# --- tree and campaigns -------------------------------------------------------------------------


def test_tree_lists_entities_depth_first_with_their_path(tree: Store) -> None:
    assert [o.id for o in tree.organisations()] == ["acme"]
    listed = tree.entity_tree("acme")
    assert [(e.id, e.depth) for e in listed] == [("group", 0), ("dsi-a", 1), ("site-a1", 2), ("dsi-b", 1)]
    assert tree.entity("site-a1").path == ("group", "dsi-a", "site-a1")
    assert [c.period.value for c in tree.campaigns("dsi-a")] == ["baseline"]
    assert len(tree.organisation_campaigns("acme")) == 4


def test_ids_are_unique_and_parents_must_exist_in_the_same_organisation(tree: Store) -> None:
    with pytest.raises(AlreadyExists, match="organisation 'acme' already exists"):
        tree.create_organisation("admin", "acme", "Again")
    with pytest.raises(AlreadyExists, match="entity 'dsi-a' already exists"):
        tree.create_entity("admin", "acme", "dsi-a", "Again")
    with pytest.raises(AlreadyExists, match="already has a baseline campaign on mini@1"):
        tree.create_campaign("admin", "dsi-a", "mini", "1", "baseline", DAY)
    tree.create_organisation("admin", "other", "Other")
    with pytest.raises(InvalidInput, match="belongs to organisation 'acme'"):
        tree.create_entity("admin", "other", "x", "X", parent_id="group")
    with pytest.raises(NotFound, match="no entity 'nowhere'"):
        tree.create_entity("admin", "acme", "x", "X", parent_id="nowhere")
    with pytest.raises(InvalidInput, match="invalid entity"):
        tree.create_entity("admin", "acme", "bad id!", "X")
    with pytest.raises(InvalidInput, match="identity"):
        tree.create_organisation("  ", "third", "Third")


def test_campaigns_need_a_known_referential_profile_and_period(tree: Store) -> None:
    with pytest.raises(UnknownReferential, match="mini version 9 is not available"):
        tree.create_campaign("admin", "group", "mini", "9", "year1", DAY)
    with pytest.raises(InvalidInput, match="unknown profile 'nope'"):
        tree.create_campaign("admin", "group", "mini", "1", "year1", DAY, profile="nope")
    with pytest.raises(InvalidInput, match="'year9' is not a period"):
        tree.create_campaign("admin", "group", "mini", "1", "year9", DAY)
    with pytest.raises(NotFound):
        tree.campaign(999_999)


# --- answers and inheritance ----------------------------------------------------------------------


def test_answers_are_inherited_down_the_tree_unless_overridden(tree: Store) -> None:
    group, dsi, site = (campaign_of(tree, e) for e in ("group", "dsi-a", "site-a1"))
    save(tree, group, "A-1", level="full", comment="group policy")
    save(tree, group, "A-2", level="partial")
    save(tree, dsi, "A-2", level="full")
    save(tree, site, "B-1", owner="bob")  # an owner alone does not hide anything
    tree.add_evidence_link("alice", group, "A-1", "https://example.org/policy", "Policy", "documentation")

    view = tree.campaign(site)
    assert {c: a.level for c, a in view.effective.items()} == {"A-1": "full", "A-2": "full"}
    assert (view.sources["A-1"].entity_id, view.sources["A-1"].inherited) == ("group", True)
    assert (view.sources["A-2"].entity_id, view.sources["A-2"].campaign_id) == ("dsi-a", dsi)
    assert [e.url for e in view.evidence["A-1"]] == ["https://example.org/policy"]
    assert view.effective["A-1"].evidence[0].title == "Policy"
    # Its own data (what it exports) holds only the owner it set.
    assert view.assessment.answers == {"B-1": Answer(owner="bob")}

    mine = tree.campaign(dsi)
    assert mine.sources["A-2"].inherited is False
    ref = tree.referential("mini", "1")
    assert tree.scores(site).self_assessed.points == score(ref, view.effective).points

    # Clearing an override lets the inherited answer show through again.
    tree.clear_answer("alice", dsi, "A-2", mine.answer_revision("A-2"))
    assert tree.campaign(site).effective["A-2"].level == "partial"
    assert tree.campaign(site).sources["A-2"].entity_id == "group"


def test_submitting_freezes_inherited_answers_into_the_snapshot(tree: Store) -> None:
    group, dsi, site = (campaign_of(tree, e) for e in ("group", "dsi-a", "site-a1"))
    save(tree, group, "A-1", level="partial")
    tree.add_evidence_link("alice", group, "A-1", "https://example.org/v1", "Plan v1", "means")
    tree.submit("alice", dsi)

    save(tree, group, "A-1", level="full")  # the group keeps working on its draft
    tree.add_evidence_link("alice", group, "A-1", "https://example.org/v2", "Plan v2", "means")

    frozen = tree.campaign(dsi)
    assert frozen.effective["A-1"].level == "partial"
    assert (frozen.sources["A-1"].entity_id, frozen.sources["A-1"].inherited) == ("group", True)
    assert [(e.url, e.inherited_from_id) for e in frozen.evidence["A-1"]] == [
        ("https://example.org/v1", group)
    ]
    assert frozen.assessment.answers == {}  # frozen copies are not its own answers
    # The site, still a draft, inherits its parent's snapshot, not the group's newer draft.
    assert tree.campaign(site).effective["A-1"].level == "partial"
    assert tree.campaign(site).sources["A-1"].entity_id == "group"
    assert tree.campaign(campaign_of(tree, "dsi-b")).effective["A-1"].level == "full"


def test_answers_are_checked_against_the_referential(tree: Store) -> None:
    cid = campaign_of(tree, "group")
    na = NotApplicable(reason="no_site", justification="We have no site")
    with pytest.raises(InvalidInput, match="criterion 'Z-9' is not part of mini@1"):
        tree.save_answer("alice", cid, "Z-9", Answer(level="full"), 0)
    with pytest.raises(InvalidInput, match="'best' is not an answer of the scale"):
        tree.save_answer("alice", cid, "A-1", Answer(level="best"), 0)
    with pytest.raises(InvalidInput, match="A-1 cannot be declared not applicable"):
        tree.save_answer("alice", cid, "A-1", Answer(not_applicable=na), 0)
    blank = NotApplicable.model_construct(reason="x", justification="   ")
    with pytest.raises(InvalidInput, match="needs a justification"):
        tree.save_answer("alice", cid, "A-2", Answer.model_construct(not_applicable=blank, evidence=[]), 0)
    both = Answer.model_construct(level="full", not_applicable=na, evidence=[])
    with pytest.raises(InvalidInput, match="either a level or 'not applicable'"):
        tree.save_answer("alice", cid, "A-2", both, 0)
    assert tree.save_answer("alice", cid, "A-2", Answer(not_applicable=na), 0) == 1
    assert tree.campaign(cid).effective["A-2"].not_applicable == na


def test_a_stale_save_of_the_same_criterion_is_refused_and_names_who_changed_it(tree: Store) -> None:
    cid = campaign_of(tree, "group")
    opened = tree.campaign(cid)  # both read revision 0
    assert tree.save_answer("alice", cid, "A-1", Answer(level="full"), opened.answer_revision("A-1")) == 1
    with pytest.raises(ConflictError) as caught:
        tree.save_answer("bob", cid, "A-1", Answer(level="none"), opened.answer_revision("A-1"))
    assert caught.value.changed_by == "alice"
    assert "changed by alice" in str(caught.value)
    assert caught.value.current_revision == 1
    # A different criterion saved from the same stale read lands.
    assert tree.save_answer("bob", cid, "B-1", Answer(level="partial"), opened.answer_revision("B-1")) == 1
    after = tree.campaign(cid)
    assert (after.effective["A-1"].level, after.effective["B-1"].level) == ("full", "partial")
    # Clearing counts as a change: a save based on the revision before the clear is refused.
    tree.clear_answer("alice", cid, "A-1", 1)
    with pytest.raises(ConflictError):
        tree.save_answer("bob", cid, "A-1", Answer(level="none"), 1)
    assert tree.save_answer("bob", cid, "A-1", Answer(level="none"), 2) == 3


def test_saving_the_same_answer_again_changes_nothing(tree: Store) -> None:
    cid = campaign_of(tree, "group")
    assert save(tree, cid, "A-1", level="full") == 1
    before = tree.campaign_info(cid).revision
    assert save(tree, cid, "A-1", level="full") == 1
    assert tree.campaign_info(cid).revision == before
    assert len(tree.history(cid, "A-1")) == 1


# --- status -------------------------------------------------------------------------------------


def test_status_moves_forward_and_locks_what_it_should(tree: Store) -> None:
    cid = campaign_of(tree, "group")
    save(tree, cid, "A-1", level="full")
    with pytest.raises(CampaignLocked):
        tree.mark_audited("auditor", cid)  # a draft cannot be audited
    info = tree.submit("alice", cid)
    assert info.status is CampaignStatus.SUBMITTED
    assert info.submitted_at is not None
    with pytest.raises(CampaignLocked, match="is submitted: its answers can no longer be changed"):
        save(tree, cid, "A-1", level="none")
    with pytest.raises(CampaignLocked):
        tree.add_evidence_file("alice", cid, "A-1", "shot.png", PNG, "result")
    with pytest.raises(CampaignLocked):
        tree.add_commitment("alice", cid, Commitment(title="x", criterion="A-1", target_year=1))
    with pytest.raises(CampaignLocked):
        tree.set_target("alice", cid, "A-1", 1, "full")
    # The auditor's work goes on while submitted.
    tree.set_verdict("auditor", cid, "A-1", AuditorVerdict(verdict=Verdict.CONFORM), 0)
    tree.mark_audited("auditor", cid)
    with pytest.raises(CampaignLocked, match="is audited"):
        tree.set_verdict("auditor", cid, "A-1", AuditorVerdict(verdict=Verdict.PARTIAL), 1)
    assert tree.close_campaign("admin", cid).status is CampaignStatus.CLOSED
    with pytest.raises(CampaignLocked):
        tree.submit("alice", cid)
    assert tree.campaign(cid).effective["A-1"].level == "full"


# --- verdicts and verified scores -------------------------------------------------------------------


def test_verified_score_maps_verdicts_onto_answers(tree: Store) -> None:
    cid = campaign_of(tree, "group")
    for crit in ("A-1", "B-1"):
        save(tree, cid, crit, level="full")
    save(tree, cid, "A-2", not_applicable={"reason": "none", "justification": "No such thing here"})
    tree.set_verdict("auditor@x.org", cid, "A-1", AuditorVerdict(verdict=Verdict.PARTIAL, comment="half"), 0)
    tree.set_verdict("auditor@x.org", cid, "A-2", AuditorVerdict(verdict=Verdict.NON_CONFORM), 0)

    scores = tree.scores(cid)
    ref = tree.referential("mini", "1")
    assert scores.self_assessed.points == score(ref, tree.campaign(cid).effective).points
    expected = {"A-1": Answer(level="partial"), "A-2": Answer(level="none"), "B-1": Answer(level="full")}
    assert scores.verified.points == pytest.approx(score(ref, expected).points)
    assert scores.unverified == ("B-1",)
    assert scores.lowered == {"A-1": ("full", "partial"), "A-2": ("n/a", "none")}
    verdict = tree.campaign(cid).verdict("A-1")
    assert verdict is not None
    assert (verdict.auditor, verdict.date, verdict.comment) == (
        "auditor@x.org",
        dt.datetime.now(dt.UTC).date(),
        "half",
    )
    # Clearing a verdict puts the self-assessed answer back into the verified score.
    tree.set_verdict("auditor@x.org", cid, "A-1", None, 1)
    assert tree.scores(cid).lowered == {"A-2": ("n/a", "none")}
    with pytest.raises(ConflictError):
        tree.set_verdict("other", cid, "A-1", AuditorVerdict(verdict=Verdict.CONFORM), 1)


# --- the plan -----------------------------------------------------------------------------------


def test_commitments_with_indicators_are_revised_like_answers(tree: Store) -> None:
    cid = campaign_of(tree, "group")
    indicator = Indicator(name="Devices reused", unit="%", baseline=12, targets={1: 20, 2: 30, 3: 40})
    first = tree.add_commitment(
        "alice", cid, Commitment(title="Reuse", theme="b", target_year=3, indicator=indicator)
    )
    second = tree.add_commitment(
        "alice",
        cid,
        Commitment(
            title="Policy", criterion="A-1", target_level="full", target_year=1, due=dt.date(2026, 6, 30)
        ),
    )
    assert (first.position, second.position, first.revision) == (1, 2, 1)
    measured = indicator.model_copy(update={"actuals": [Measure(year=1, value=21.5, source="CMDB")]})
    updated = tree.update_commitment(
        "bob",
        first.id,
        first.commitment.model_copy(update={"indicator": measured, "status": CommitmentStatus.IN_PROGRESS}),
        first.revision,
    )
    assert updated.revision == 2
    with pytest.raises(ConflictError, match="commitment 'Reuse' was changed by bob"):
        tree.update_commitment("carol", first.id, first.commitment, first.revision)
    with pytest.raises(InvalidInput, match="theme 'zz'"):
        tree.add_commitment("alice", cid, Commitment(title="x", theme="zz", target_year=1))
    with pytest.raises(InvalidInput, match="'great' is not an answer"):
        tree.add_commitment(
            "alice", cid, Commitment(title="x", criterion="A-1", target_level="great", target_year=1)
        )
    tree.remove_commitment("alice", second.id, 1)
    view = tree.campaign(cid)
    assert [c.commitment.title for c in view.commitments] == ["Reuse"]
    stored = view.assessment.commitments[0]
    assert stored.indicator is not None
    assert stored.indicator.actuals[0].value == 21.5
    assert stored.status.value == "in_progress"


def test_targets_per_year_are_set_and_removed(tree: Store) -> None:
    cid = campaign_of(tree, "group")
    tree.set_target("alice", cid, "A-1", 1, "partial")
    tree.set_target("alice", cid, "A-1", 2, "full")
    tree.set_target("alice", cid, "B-1", 3, "full")
    tree.set_target("alice", cid, "B-1", 3, None)
    assert tree.campaign(cid).assessment.targets == {"A-1": {1: "partial", 2: "full"}}
    with pytest.raises(InvalidInput, match="year 1, 2 or 3"):
        tree.set_target("alice", cid, "A-1", 4, "full")
    with pytest.raises(InvalidInput, match="not an answer of the scale"):
        tree.set_target("alice", cid, "A-1", 1, "perfect")


def test_applicability_answers_change_the_score(store: Store) -> None:
    store.create_organisation("admin", "o", "O")
    store.create_entity("admin", "o", "e", "E")
    info = store.create_campaign("admin", "e", "profiles-test", "1", "baseline", DAY)
    save(store, info.id, "DC-1", level="none")
    before = store.scores(info.id).self_assessed
    store.set_applicability("alice", info.id, "datacenter", False)
    after = store.scores(info.id).self_assessed
    assert "DC-1" in before.criteria
    assert "DC-1" not in after.criteria
    assert store.campaign(info.id).assessment.applicability == {"datacenter": False}
    with pytest.raises(InvalidInput, match="unknown applicability question"):
        store.set_applicability("alice", info.id, "nope", True)


# --- copy -------------------------------------------------------------------------------------


def test_copy_starts_the_next_period_from_the_previous_one(tree: Store) -> None:
    cid = campaign_of(tree, "group")
    save(tree, cid, "A-1", level="partial", comment="to improve")
    tree.add_evidence_file("alice", cid, "A-1", "screen.png", PNG, "result", dt.date(2025, 1, 2))
    tree.add_commitment("alice", cid, Commitment(title="Go full", criterion="A-1", target_year=1))
    tree.set_target("alice", cid, "A-1", 1, "full")
    tree.set_verdict("auditor", cid, "A-1", AuditorVerdict(verdict=Verdict.CONFORM), 0)
    tree.submit("alice", cid)

    copy = tree.copy_campaign("alice", cid, "year1", dt.date(2026, 1, 10), name="Year 1")
    assert (copy.status, copy.copied_from_id, copy.period.value) == (CampaignStatus.DRAFT, cid, "year1")
    new, old = tree.campaign(copy.id), tree.campaign(cid)
    assert new.assessment.answers == old.assessment.answers
    assert new.assessment.commitments == old.assessment.commitments
    assert new.assessment.targets == old.assessment.targets
    assert new.assessment.verdicts == {}
    assert new.evidence["A-1"][0].sha256 == old.evidence["A-1"][0].sha256
    assert {e.field for e in tree.history(copy.id, "A-1") if e.action == "answer"} == {"level", "comment"}
    save(tree, copy.id, "A-1", level="full")  # the copy is a draft of its own
    assert tree.campaign(cid).effective["A-1"].level == "partial"


# --- dashboards -------------------------------------------------------------------------------


def test_portfolio_scores_every_campaign_as_the_scoring_engine_does(tree: Store) -> None:
    group, dsi = campaign_of(tree, "group"), campaign_of(tree, "dsi-a")
    save(tree, group, "A-1", level="full")
    save(tree, group, "B-1", level="partial")
    save(tree, dsi, "A-2", level="full")
    tree.submit("alice", dsi)
    rows = tree.portfolio("acme")
    ref = tree.referential("mini", "1")
    assert [r.entity.id for r in rows] == ["group", "dsi-a", "site-a1", "dsi-b"]
    for row in rows:
        expected = score(ref, tree.campaign(row.campaign.id).effective)
        assert row.points == pytest.approx(expected.points)
        assert row.level == expected.level
        assert row.themes["a"] == pytest.approx(expected.themes["a"].percent)
    assert {r.entity.id: r.inherited for r in rows} == {"group": 0, "dsi-a": 2, "site-a1": 3, "dsi-b": 2}


# --- the permission choke point -------------------------------------------------------------------


class Recording:
    """An authorizer that notes every check and refuses one action."""

    def __init__(self, refuse: Action | None = None) -> None:
        self.calls: list[tuple[str, Action, tuple[str, ...]]] = []
        self.refuse = refuse

    def __call__(self, actor: str, action: Action, path: Sequence[str]) -> None:
        self.calls.append((actor, action, tuple(path)))
        if action is self.refuse:
            raise PermissionDenied(actor, action, path[-1] if path else "?")


def test_every_write_goes_through_the_authorizer_with_the_tree_path(tree: Store) -> None:
    site = campaign_of(tree, "site-a1")
    seen = Recording()
    tree.authorizer = seen
    tree.save_answer("ann", site, "A-1", Answer(level="full"), 0)
    tree.add_evidence_link("ann", site, "A-1", "https://example.org", "Doc", "documentation")
    tree.add_commitment("ann", site, Commitment(title="x", criterion="A-1", target_year=1))
    tree.set_verdict("vic", site, "A-1", AuditorVerdict(verdict=Verdict.CONFORM), 0)
    tree.submit("ann", site)
    path = ("acme", "group", "dsi-a", "site-a1")
    assert seen.calls == [
        ("ann", Action.ANSWER, path),
        ("ann", Action.EVIDENCE, path),
        ("ann", Action.COMMITMENT, path),
        ("vic", Action.VERDICT, path),
        ("ann", Action.SUBMIT, path),
    ]


def test_a_refused_write_changes_nothing(tree: Store) -> None:
    cid = campaign_of(tree, "dsi-b")
    tree.authorizer = Recording(refuse=Action.ANSWER)
    with pytest.raises(PermissionDenied, match="may not 'answer' on 'dsi-b'"):
        tree.save_answer("mallory", cid, "A-1", Answer(level="full"), 0)
    assert tree.campaign(cid).assessment.answers == {}
    assert tree.history(cid, "A-1") == []
    tree.authorizer = Recording(refuse=Action.READ)
    info = tree.add_evidence_file("ann", cid, "A-1", "a.png", PNG, "result")
    with pytest.raises(PermissionDenied):
        tree.evidence_path("mallory", info.id)


def test_role_grants_are_stored_per_node(tree: Store) -> None:
    tree.grant_role("admin", "Ann@Example.org", "referent", "dsi-a")
    tree.grant_role("admin", "vic@example.org", "auditor", "acme")
    tree.grant_role("admin", "ann@example.org", "referent", "dsi-a")  # twice: still one grant
    assert [(g.identity, g.role.value, g.node) for g in tree.grants()] == [
        ("vic@example.org", "auditor", "acme"),
        ("ann@example.org", "referent", "dsi-a"),
    ]
    tree.revoke_role("admin", "ann@example.org", "referent", "dsi-a")
    assert [g.node for g in tree.grants()] == ["acme"]
    with pytest.raises(NotFound):
        tree.grant_role("admin", "x@example.org", "steering", "nowhere")


def test_demo_files_fill_an_empty_database_once(db_url: str, tmp_path: Path, catalog: Catalog) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "group.yaml").write_text(
        "referential: {id: mini, version: '1'}\norganisation: {id: demo, name: Demo}\n"
        "entity: {id: demo-group, name: Demo group}\ncampaign: {period: baseline, date: 2025-01-01}\n"
        "answers: {A-1: {level: full}}\n",
        encoding="utf-8",
    )
    (data / "site.yaml").write_text(
        "referential: {id: mini, version: '1'}\norganisation: {id: demo, name: Demo}\n"
        "entity: {id: demo-site, name: Demo site, parent: demo-group}\n"
        "campaign: {period: baseline, date: 2025-01-02}\n",
        encoding="utf-8",
    )
    with open_store(db_url, data, catalog) as first:
        assert [e.id for e in first.entity_tree("demo")] == ["demo-group", "demo-site"]
        site = first.campaigns("demo-site")[0].id
        assert first.campaign(site).sources["A-1"].entity_id == "demo-group"
        events = len(first.events(organisation_id="demo"))
    with open_store(db_url, data, catalog) as again:
        assert len(again.events(organisation_id="demo")) == events  # not imported twice
        assert again.demo_problems == []


def test_a_broken_demo_file_leaves_the_database_empty_and_says_why(
    db_url: str, tmp_path: Path, catalog: Catalog
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "good.yaml").write_text(
        "referential: {id: mini, version: '1'}\norganisation: {id: demo, name: Demo}\n"
        "entity: {id: g, name: G}\ncampaign: {period: baseline, date: 2025-01-01}\n",
        encoding="utf-8",
    )
    (data / "bad.yaml").write_text(
        "referential: {id: mini, version: '1'}\norganisation: {id: demo, name: Demo}\n"
        "entity: {id: h, name: H}\ncampaign: {period: baseline, date: 2025-01-01}\n"
        "answers:\n  A-1: {level: superb}\n",
        encoding="utf-8",
    )
    with open_store(db_url, data, catalog) as opened:
        assert opened.organisations() == []
        assert [(Path(p.file).name, p.line, p.criterion) for p in opened.demo_problems] == [
            ("bad.yaml", 6, "A-1")
        ]


def test_a_stored_campaign_migrates_to_a_newer_version_as_a_new_draft(store: Store) -> None:
    store.create_organisation("admin", "acme", "Acme")
    store.create_entity("admin", "acme", "it", "Acme IT")
    old = store.create_campaign("admin", "it", "evo", "1", "year1", DAY, name="Year 1")
    for crit, level in (("G-1", "full"), ("G-3", "full"), ("O-2", "full"), ("O-3", "low")):
        save(store, old.id, crit, level=level)
    store.add_evidence_file("alice", old.id, "G-3", "letter.png", PNG, "documentation")
    store.set_verdict("carol", old.id, "G-1", AuditorVerdict(verdict=Verdict.CONFORM), 0)
    store.submit("alice", old.id)

    new, reports = store.migrate_campaign("admin", old.id, "2")
    assert (new.referential_key, new.period.value, new.name, new.status) == (
        "evo@2",
        "year1",
        "Year 1",
        CampaignStatus.DRAFT,
    )
    assert new.copied_from_id == old.id
    view = store.campaign(new.id)
    assert {c: a.level for c, a in view.assessment.answers.items()} == {
        "G-1": "full",
        "GOV-3": "full",
        "O-23": "low",
    }
    assert view.evidence["GOV-3"][0].filename == "letter.png"
    assert view.assessment.verdicts == {}
    assert [r.to_key for r in reports] == ["evo@2"]
    assert {c.new for c in reports[0].to_review} == {"O-23"}
    assert store.campaign(old.id).info.status is CampaignStatus.SUBMITTED  # the source stays as it was
    with pytest.raises(AlreadyExists):
        store.migrate_campaign("admin", old.id, "2")


def test_a_batch_of_answers_and_verdicts_lands_whole_or_not_at_all(tree: Store) -> None:
    cid = campaign_of(tree, "group")
    save(tree, cid, "A-1", level="partial")
    changes = [AnswerChange("A-1", Answer(level="full"), 1), AnswerChange("B-1", Answer(level="partial"), 0)]
    verdicts = [VerdictChange("A-1", AuditorVerdict(verdict=Verdict.CONFORM), 0)]
    assert tree.import_changes("auditor", cid, changes, verdicts, source="review.xlsx") == 3
    view = tree.campaign(cid)
    assert (view.effective["A-1"].level, view.effective["B-1"].level) == ("full", "partial")
    assert view.verdict_revision("A-1") == 1
    assert tree.history(cid)[-1].new == "review.xlsx"

    # One stale row refuses the whole batch, naming its criterion.
    stale = [AnswerChange("A-2", Answer(level="full"), 0), AnswerChange("B-1", Answer(level="none"), 0)]
    with pytest.raises(ConflictError) as caught:
        tree.import_changes("auditor", cid, stale)
    assert (caught.value.criterion_id, caught.value.kind, caught.value.changed_by) == (
        "B-1",
        "answer",
        "auditor",
    )
    assert "A-2" not in tree.campaign(cid).effective
    with pytest.raises(InvalidInput, match="'great' is not an answer"):
        tree.import_changes("auditor", cid, [AnswerChange("A-2", Answer(level="great"), 0)])
    # Verdicts alone may reach a submitted campaign; answers may not.
    tree.submit("alice", cid)
    assert (
        tree.import_changes(
            "auditor", cid, verdicts=[VerdictChange("B-1", AuditorVerdict(verdict=Verdict.PARTIAL), 0)]
        )
        == 1
    )
    with pytest.raises(CampaignLocked):
        tree.import_changes("auditor", cid, [AnswerChange("A-2", Answer(level="full"), 0)])


def test_names_and_dates_can_change_ids_cannot(tree: Store) -> None:
    cid = campaign_of(tree, "dsi-a")
    tree.rename("admin", "dsi-a", "IT department A")
    tree.rename("admin", "acme", "ACME Corp")
    info = tree.update_campaign("admin", cid, date=dt.date(2025, 2, 1), name="Baseline 2025")
    assert (info.date, info.name) == (dt.date(2025, 2, 1), "Baseline 2025")
    assert tree.update_campaign("admin", cid, name="").name is None
    assert tree.entity("dsi-a").name == "IT department A"
    assert tree.organisation("acme").name == "ACME Corp"
    view = tree.campaign(cid)
    assert (view.assessment.entity.name, view.assessment.organisation.name) == (
        "IT department A",
        "ACME Corp",
    )
    assert [(e.field, e.old, e.new) for e in tree.events(entity_id="dsi-a") if e.action == "entity"][-1] == (
        "name",
        "IT A",
        "IT department A",
    )
    with pytest.raises(InvalidInput, match="invalid name"):
        tree.rename("admin", "dsi-a", "")
    with pytest.raises(NotFound):
        tree.rename("admin", "nowhere", "X")
    tree.submit("alice", cid)
    with pytest.raises(CampaignLocked):
        tree.update_campaign("admin", cid, name="Later")


def test_an_answer_to_a_criterion_the_campaign_leaves_out_is_refused(store: Store) -> None:
    """Saving a level on a criterion an applicability "no" removed would count for nothing
    (issue 10: "AO-1.1 can be saved with no effect"): refused, while a note may still be kept."""
    store.create_organisation("admin", "org", "Org")
    store.create_entity("admin", "org", "it", "IT")
    camp = store.create_campaign("admin", "it", "profiles-test", "1", "year1", DAY).id
    store.set_applicability("admin", camp, "datacenter", False)
    with pytest.raises(InvalidInput) as caught:
        store.save_answer("admin", camp, "DC-1", Answer(level="full"), 0)
    assert caught.value.code == "answer_out_of_scope"
    assert "DC-1" in str(caught.value)
    assert "DC-1" not in store.campaign(camp).assessment.answers
    assert store.save_answer("admin", camp, "DC-1", Answer(comment="no data centre since 2024"), 0) == 1
    store.set_applicability("admin", camp, "datacenter", True)
    assert store.save_answer("admin", camp, "DC-1", Answer(level="full"), 1) == 2


def test_the_store_and_its_actor_views_dispose_of_themselves_at_the_end_of_a_with_block(
    db_url: str, tmp_path: Path, catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened = open_store(db_url, tmp_path / "data", catalog, import_demo=False)
    disposed: list[str] = []
    monkeypatch.setattr(opened.db, "dispose", lambda: disposed.append("store"))

    def fail_inside() -> None:
        with opened as store:
            assert store is opened
            store.create_organisation("admin", "acme", "ACME")
            raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        fail_inside()
    assert disposed == ["store"]
    with opened.as_actor("admin") as view:
        assert [o.id for o in view.organisations()] == ["acme"]
    assert disposed == ["store", "store"]
    monkeypatch.undo()
    opened.dispose()
