"""A campaign's view is cached by its revision read from the database: read again unchanged,
rebuilt after any write to what it shows, from this store or another one (another replica)."""

from __future__ import annotations

from pathlib import Path

import pytest
from storage_helpers import campaign_of

from labelnr.assessment import Answer, NotApplicable
from labelnr.loader import Catalog
from labelnr.storage import Store
from labelnr.storage import repository as repo
from labelnr.storage.views import CampaignView


def test_an_unchanged_campaign_is_read_once(tree: Store) -> None:
    site = campaign_of(tree, "site-a1")
    assert tree.campaign(site) is tree.campaign(site)
    assert tree.campaign(site) is not tree.campaign(campaign_of(tree, "dsi-a"))


def test_a_write_from_another_process_is_seen(tree: Store, db_url: str, tmp_path: Path,
                                              catalog: Catalog) -> None:
    site, group = campaign_of(tree, "site-a1"), campaign_of(tree, "group")
    before = tree.campaign(site)
    other = Store(db_url, tmp_path / "data", catalog)  # another replica: its own process cache
    try:
        other.save_answer("bob", site, "A-1", Answer(level="full"), 0)
        assert tree.campaign(site).effective["A-1"].level == "full"
        # What the site inherits from the group's campaign counts too.
        other.save_answer("bob", group, "A-2", Answer(level="partial"), 0)
        seen = tree.campaign(site)
        assert seen.effective["A-2"].level == "partial"
        assert seen.sources["A-2"].inherited
        other.rename("admin", "group", "ACME Holding")
        assert tree.campaign(site).sources["A-2"].entity_name == "ACME Holding"
        other.rename("admin", "acme", "ACME Corp")
        assert tree.campaign(site).organisation.name == "ACME Corp"
    finally:
        other.dispose()
    assert "A-1" not in before.effective  # a view read earlier stays as it was


def _fresh(store: Store, db_url: str, tmp_path: Path, catalog: Catalog, campaign: int) -> CampaignView:
    """The campaign built from the database by a store with nothing cached."""
    other = Store(db_url, tmp_path / "data", catalog)
    try:
        return other.campaign(campaign)
    finally:
        other.dispose()


def _no_build(monkeypatch: pytest.MonkeyPatch) -> None:
    def refused(*args: object) -> None:
        raise AssertionError("the view was built again")

    monkeypatch.setattr(repo, "build_view", refused)


def test_a_save_leaves_the_next_view_ready_as_the_database_has_it(
    tree: Store, db_url: str, tmp_path: Path, catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    site, group = campaign_of(tree, "site-a1"), campaign_of(tree, "group")
    tree.save_answer("admin", group, "A-2", Answer(level="partial", comment="shared"), 0)
    tree.add_evidence_link("admin", site, "A-1", "https://example.org/a", "Policy", "documentation")
    tree.add_evidence_link("admin", group, "A-2", "https://example.org/g", "Group note", "documentation")
    steps: list[tuple[str, Answer | None]] = [
        ("A-1", Answer(level="full", comment="ours", owner="Ana")),  # a new row, own evidence
        ("A-1", Answer(level="partial")),  # a changed level
        ("A-2", Answer(comment="noted here")),  # only a comment: the group's answer still counts
        ("A-2", Answer(comment="noted again", owner="Bo")),
        ("A-2", Answer(not_applicable=NotApplicable(reason="no_such_service", justification="none here"))),
        ("A-2", Answer(level="to_assess")),
        ("B-1", Answer(owner="Cy")),
        ("B-1", None),  # cleared: no level before either
    ]
    for criterion, answer in steps:
        tree.campaign(site)  # what the page had read before the save
        before = tree.campaign(site).answer_revision(criterion)
        with monkeypatch.context() as patched:
            _no_build(patched)
            if answer is None:
                tree.clear_answer("admin", site, criterion, before)
            else:
                tree.save_answer("admin", site, criterion, answer, before)
            ready = tree.campaign(site)
        assert ready == _fresh(tree, db_url, tmp_path, catalog, site), (criterion, answer)
        assert tree.scores(site) == Store.scores_of(tree, _fresh(tree, db_url, tmp_path, catalog, site))


def test_what_a_save_cannot_tell_is_read_from_the_database(
    tree: Store, db_url: str, tmp_path: Path, catalog: Catalog
) -> None:
    site, group = campaign_of(tree, "site-a1"), campaign_of(tree, "group")
    tree.save_answer("admin", group, "A-1", Answer(level="partial"), 0)
    revision = tree.save_answer("admin", site, "A-1", Answer(level="full"), 0)
    tree.campaign(site)
    # Cleared: the group's answer counts again, which the site's cached view did not hold.
    tree.clear_answer("admin", site, "A-1", revision)
    seen = tree.campaign(site)
    assert seen.effective["A-1"].level == "partial"
    assert seen.sources["A-1"].inherited
    assert seen == _fresh(tree, db_url, tmp_path, catalog, site)
    # Another store changed the group in between: the save's view is not derived from the old one.
    other = Store(db_url, tmp_path / "data", catalog)
    try:
        tree.campaign(site)
        other.save_answer("bob", group, "A-2", Answer(level="full"), 0)
        tree.save_answer("admin", site, "B-1", Answer(level="full"), 0)
        seen = tree.campaign(site)
        assert seen.effective["A-2"].level == "full"
        assert seen == _fresh(tree, db_url, tmp_path, catalog, site)
    finally:
        other.dispose()
