"""A campaign's view is cached by its revision read from the database: read again unchanged,
rebuilt after any write to what it shows, from this store or another one (another replica)."""

from __future__ import annotations

from pathlib import Path

from storage_helpers import campaign_of

from labelnr.assessment import Answer
from labelnr.loader import Catalog
from labelnr.storage import Store


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
