"""Digital services (website, app, API) as leaves of the organisation tree, on each backend."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from storage_helpers import DAY, FIXTURES, REFERENTIALS, plant_tree

from labelnr.assessment import Answer, EntityKind
from labelnr.auth import enforce_grants
from labelnr.loader import Catalog, load_catalog
from labelnr.permissions import PermissionDenied
from labelnr.storage import InvalidInput, Store, open_store
from labelnr.storage.sync import export_campaign, import_paths


@pytest.fixture
def org(db_url: str, tmp_path: Path) -> Iterator[Store]:
    catalog: Catalog = load_catalog([*REFERENTIALS, FIXTURES / "rgesn-mini.yaml"])
    assert not catalog.problems
    with open_store(db_url, tmp_path / "data", catalog, import_demo=False) as opened:
        plant_tree(opened)
        yield opened


def test_a_service_sits_under_its_entity_and_is_listed_with_its_kind(org: Store) -> None:
    site = org.create_service("admin", "dsi-a", "portal", "Citizen portal", "website")
    org.create_service("admin", "dsi-a", "api-open", "Open data API", EntityKind.API)
    assert (site.kind, site.parent_id) == (EntityKind.WEBSITE, "dsi-a")
    assert site.path == ("group", "dsi-a", "portal")
    assert site.is_service
    listed = [(s.id, s.kind.value) for s in org.services("dsi-a")]
    assert listed == [("portal", "website"), ("api-open", "api")]
    assert org.services("dsi-b") == []
    tree = {e.id: e for e in org.entity_tree("acme")}
    assert tree["portal"].kind is EntityKind.WEBSITE
    assert tree["site-a1"].kind is EntityKind.UNIT


def test_services_are_leaves_of_a_known_kind(org: Store) -> None:
    org.create_service("admin", "dsi-a", "portal", "Portal", "website")
    with pytest.raises(InvalidInput, match="unknown service kind 'unit'"):
        org.create_service("admin", "dsi-a", "x", "X", "unit")
    with pytest.raises(InvalidInput, match="nothing can be created under a service"):
        org.create_service("admin", "portal", "sub", "Sub", "app")
    with pytest.raises(InvalidInput, match="nothing can be created under a service"):
        org.create_entity("admin", "acme", "sub", "Sub", parent_id="portal")
    assert [e.id for e in org.services("dsi-a")] == ["portal"]


def test_a_service_gets_rgesn_campaigns_never_label_ones(org: Store) -> None:
    org.create_service("admin", "dsi-a", "portal", "Portal", "website")
    with pytest.raises(InvalidInput, match=r"label campaign .*for the entity 'dsi-a'"):
        org.create_campaign("admin", "portal", "mini", "1", "baseline", DAY)
    camp = org.create_campaign("admin", "portal", "rgesn-mini", "2024", "baseline", DAY)
    org.save_answer("admin", camp.id, "1.1", Answer(level="validated"), 0)
    assert org.campaign(camp.id).effective["1.1"].level == "validated"
    assert [c.id for c in org.campaigns("portal")] == [camp.id]


def test_a_service_inherits_the_roles_of_its_entity(org: Store) -> None:
    org.create_service("admin", "dsi-a", "portal", "Portal", "website")
    camp = org.create_campaign("admin", "portal", "rgesn-mini", "2024", "baseline", DAY)
    org.grant_role("admin", "ref-a@acme.test", "referent", "dsi-a")
    org.grant_role("admin", "ref-b@acme.test", "referent", "dsi-b")
    enforce_grants(org)
    mine = org.as_actor("ref-a@acme.test")
    assert [s.id for s in mine.services("dsi-a")] == ["portal"]
    mine.save_answer(camp.id, "1.1", Answer(level="validated"), 0)
    with pytest.raises(PermissionDenied):
        org.save_answer("ref-b@acme.test", camp.id, "1.1", Answer(level="not_validated"), 1)


def test_the_interchange_file_carries_the_kind_and_import_keeps_it(org: Store, tmp_path: Path) -> None:
    org.create_service("admin", "dsi-a", "portal", "Portal", "website")
    camp = org.create_campaign("admin", "portal", "rgesn-mini", "2024", "baseline", DAY)
    text = export_campaign(org, camp.id, "admin")
    assert "kind: website" in text
    unit = export_campaign(org, next(c.id for c in org.campaigns("dsi-a")), "admin")
    assert "kind:" not in unit  # unit files stay as they were
    moved = tmp_path / "moved.yaml"
    moved.write_text(text.replace("kind: website", "kind: app"), encoding="utf-8")
    with pytest.raises(InvalidInput, match="stored as 'website', the file says 'app'"):
        import_paths(org, "admin", [moved])
    fresh = tmp_path / "new.yaml"
    fresh.write_text(text.replace("portal", "shop").replace("kind: website", "kind: app"), encoding="utf-8")
    import_paths(org, "admin", [fresh])
    assert org.entity("shop").kind is EntityKind.APP
