"""History: one append-only event per changed field, who and when, filterable."""

from __future__ import annotations

import datetime as dt

from storage_helpers import campaign_of

from labelnr.assessment import Answer, NotApplicable
from labelnr.storage import Store


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
