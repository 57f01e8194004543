"""History: one append-only event per changed field, who and when, filterable."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from storage_helpers import campaign_of

from labelnr.assessment import (
    Answer,
    AuditorVerdict,
    Commitment,
    CommitmentStatus,
    Indicator,
    NotApplicable,
    Verdict,
)
from labelnr.storage import NotFound, Store


def test_each_change_is_recorded_field_by_field_with_who_and_when(tree: Store) -> None:
    cid = campaign_of(tree, "dsi-a")
    before = dt.datetime.now(dt.UTC)
    tree.save_answer("alice@example.org", cid, "A-2", Answer(level="partial", owner="Bob"), 0)
    na = NotApplicable(reason="no_dc", justification="No data centre")
    tree.save_answer("bob@example.org", cid, "A-2", Answer(not_applicable=na, owner="Bob"), 1)
    tree.save_answer("alice@example.org", cid, "B-1", Answer(level="full"), 0)

    events = tree.history(cid, "A-2")
    assert [(e.actor, e.field, e.old, e.new) for e in events] == [
        ("alice@example.org", "level", None, "partial"),
        ("alice@example.org", "owner", None, "Bob"),
        ("bob@example.org", "level", "partial", None),
        ("bob@example.org", "not_applicable", None, {"reason": "no_dc", "justification": "No data centre"}),
    ]
    assert all(e.at.tzinfo is dt.UTC and before <= e.at <= dt.datetime.now(dt.UTC) for e in events)
    assert {(e.organisation_id, e.entity_id, e.campaign_id, e.action) for e in events} == {
        ("acme", "dsi-a", cid, "answer")
    }
    assert len([e for e in tree.history(cid) if e.action == "answer"]) == len(events) + 1
    assert [e.field for e in tree.events(actor="bob@example.org")] == ["level", "not_applicable"]
    assert [e.criterion_id for e in tree.events(organisation_id="acme", limit=1)] == ["B-1"]
    assert tree.events(campaign_id=cid, since=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)) == []


def test_evidence_plan_status_and_tree_changes_are_recorded_too(tree: Store) -> None:
    cid = campaign_of(tree, "group")
    item = tree.add_evidence_link(
        "alice", cid, "A-1", "https://example.org/p", "Policy", "documentation", dt.date(2025, 1, 3)
    )
    tree.remove_evidence("bob", item.id)
    tree.set_target("alice", cid, "A-1", 2, "full")
    tree.submit("alice", cid)
    events = [(e.actor, e.action, e.field, e.subject, e.old, e.new) for e in tree.history(cid)]
    record = {
        "kind": "link",
        "type": "documentation",
        "title": "Policy",
        "url": "https://example.org/p",
        "effective_date": "2025-01-03",
    }
    assert events[-4:] == [
        ("alice", "evidence", "added", str(item.id), None, record),
        ("bob", "evidence", "removed", str(item.id), record, None),
        ("alice", "target", "year2", None, None, "full"),
        ("alice", "status", "status", None, "draft", "submitted"),
    ]
    created = [(e.action, e.field, e.new) for e in tree.events(entity_id="site-a1") if e.campaign_id is None]
    assert created == [("entity", "name", "Site A1"), ("entity", "parent", "dsi-a")]


def test_the_history_rebuilds_the_campaign_as_it_stood_at_any_moment(tree: Store) -> None:
    cid = campaign_of(tree, "group")
    png = b"\x89PNG\r\n\x1a\n" + b"\x01" * 16
    steps: list[Callable[[], object]] = [
        lambda: tree.save_answer("a", cid, "A-1", Answer(level="partial", comment="c", owner="o"), 0),
        lambda: tree.add_evidence_file("a", cid, "A-1", "shot.png", png, "result", dt.date(2025, 2, 1)),
        lambda: tree.add_evidence_link("a", cid, "B-1", "https://example.org", "Doc", "documentation"),
        lambda: tree.save_answer(
            "b",
            cid,
            "A-2",
            Answer(
                not_applicable=NotApplicable(reason="r", justification="j", review_by=dt.date(2026, 1, 1))
            ),
            0,
        ),
        lambda: tree.add_commitment(
            "a",
            cid,
            Commitment(
                title="Plan", theme="b", target_year=2, indicator=Indicator(name="n", unit="%", baseline=1)
            ),
        ),
        lambda: tree.set_target("a", cid, "A-1", 1, "full"),
        lambda: tree.set_verdict("v", cid, "A-1", AuditorVerdict(verdict=Verdict.PARTIAL, comment="x"), 0),
        lambda: tree.update_commitment(
            "a",
            _first_commitment(tree, cid),
            Commitment(title="Plan B", criterion="B-1", target_year=3, status=CommitmentStatus.DONE),
            1,
        ),
        lambda: tree.remove_evidence("a", tree.campaign(cid).evidence["B-1"][0].id),
        lambda: tree.clear_answer("a", cid, "A-1", 1),
        lambda: tree.set_target("a", cid, "A-1", 1, None),
        lambda: tree.submit("a", cid),
    ]
    seen = []
    for step in steps:
        step()
        view = tree.campaign(cid)
        seen.append((dt.datetime.now(dt.UTC), view.status, view.assessment))
    for moment, status, assessment in seen:
        snapshot = tree.campaign_as_of(cid, moment)
        assert (snapshot.status, snapshot.assessment) == (status, assessment)
    # The removed evidence file is still there for the campaign as it stood.
    tree.sweep_evidence(dt.timedelta(0))
    early = tree.campaign_as_of(cid, seen[1][0]).assessment.answers["A-1"].evidence[0]
    assert early.sha256 is not None
    assert tree.files.verify(early.sha256) is None
    with pytest.raises(NotFound, match="did not exist yet"):
        tree.campaign_as_of(cid, dt.date(2000, 1, 1))


def test_copied_and_migrated_campaigns_have_their_whole_content_in_their_history(store: Store) -> None:
    store.create_organisation("admin", "o", "O")
    store.create_entity("admin", "o", "e", "E")
    old = store.create_campaign("admin", "e", "evo", "1", "baseline", dt.date(2025, 1, 1))
    for crit, level in (("G-3", "full"), ("O-2", "full"), ("O-3", "low")):
        store.save_answer("a", old.id, crit, Answer(level=level), 0)
    store.add_commitment("a", old.id, Commitment(title="Referent", criterion="G-3", target_year=1))
    copy = store.copy_campaign("a", old.id, "year1", dt.date(2026, 1, 1))
    migrated, _ = store.migrate_campaign("a", old.id, "2")
    now = dt.datetime.now(dt.UTC)
    for info in (copy, migrated):
        assert store.campaign_as_of(info.id, now).assessment == store.campaign(info.id).assessment


def _first_commitment(store: Store, campaign_id: int) -> int:
    return store.campaign(campaign_id).commitments[0].id
