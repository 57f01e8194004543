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


def test_services_rows_score_the_latest_campaign_by_hand_and_its_trend(org: Store) -> None:
    from labelnr.services import organisation_services, service_rows

    org.create_service("admin", "dsi-a", "portal", "Portal", "website")
    org.create_service("admin", "dsi-b", "b-app", "B app", "app")
    first = org.create_campaign("admin", "portal", "rgesn-mini", "2024", "baseline", DAY)
    org.save_answer("admin", first.id, "1.1", Answer(level="validated"), 0)
    next_year = DAY.replace(year=DAY.year + 1)
    later = org.create_campaign("admin", "portal", "rgesn-mini", "2024", "year1", next_year)
    org.save_answer("admin", later.id, "1.1", Answer(level="validated"), 0)
    org.save_answer("admin", later.id, "3.1", Answer(level="validated"), 0)
    org.save_answer("admin", later.id, "1.2", Answer(level="in_progress"), 0)
    org.grant_role("admin", "ref-a@acme.test", "steering", "dsi-a")
    enforce_grants(org)
    mine = org.as_actor("ref-a@acme.test")
    [row] = service_rows(mine, "dsi-a")
    # Weights 1.5 / 1.25 / 1 by priority; every criterion of the mini grid applies: 11.5 in all.
    assert row.latest is not None
    assert row.previous is not None
    assert (row.latest.info.id, row.previous.info.id) == (later.id, first.id)
    assert row.latest.percent == pytest.approx(100 * 3.0 / 11.5)
    assert row.previous.percent == pytest.approx(100 * 1.5 / 11.5)
    assert row.trend == pytest.approx(100 * 1.5 / 11.5)
    assert row.latest.families["strategy"] == pytest.approx(100 * 1.5 / 3.75)
    assert (row.latest.answered, row.latest.counted) == (3, 9)
    # A reader of dsi-a sees its services only, for the whole organisation too.
    seen = organisation_services(mine, "acme")
    assert [(g.entity.id, [r.service.id for r in g.rows]) for g in seen] == [("dsi-a", ["portal"])]
    from labelnr.permissions import LOCAL_USER

    everything = organisation_services(org.as_actor(LOCAL_USER), "acme")
    assert [g.entity.id for g in everything] == ["dsi-a", "dsi-b"]
    assert everything[1].rows[0].latest is None  # a service without campaign yet
