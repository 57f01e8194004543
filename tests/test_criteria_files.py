"""The referentials shipped under criteria/: they load, and their content keeps its promises.

These tests guard editors of the YAML files: a criterion added, moved or removed without
updating the profiles, questions or the 2019→2024 mapping fails here with the id to fix.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from labelnr.loader import Catalog, load_catalog, referential_files
from labelnr.referential import MappingKind, Referential

CRITERIA = Path(__file__).resolve().parent.parent / "criteria"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog([CRITERIA])


@pytest.fixture(scope="module")
def old(catalog: Catalog) -> Referential:
    ref = catalog.get("label-nr", "2019")
    assert ref is not None
    return ref


@pytest.fixture(scope="module")
def new(catalog: Catalog) -> Referential:
    ref = catalog.get("label-nr", "2024")
    assert ref is not None
    return ref


def test_every_file_loads_without_problems(catalog: Catalog) -> None:
    files = referential_files([CRITERIA])
    assert len(files) >= 2
    assert [str(p) for p in catalog.problems] == []
    assert {e.path for e in catalog.loaded.values()} == set(files)


def test_latest_label_nr_is_2024(catalog: Catalog) -> None:
    assert [r.version for r in catalog.versions("label-nr")] == ["2019", "2024"]
    latest = catalog.latest("label-nr")
    assert latest is not None
    assert latest.version == "2024"


@pytest.mark.parametrize("name", ["label-nr-2019.yaml", "label-nr-2024.yaml", "rgesn-2024.yaml"])
def test_editors_are_pointed_at_the_schema(name: str) -> None:
    first = (CRITERIA / name).read_text(encoding="utf-8").splitlines()[0]
    assert first == "# yaml-language-server: $schema=./referential.schema.json"


def test_2019_grid_has_the_published_shape(old: Referential) -> None:
    assert [len(t.principles) for t in old.themes] == [3, 3, 3, 3, 2]
    per_theme = Counter(c.theme for c in old.criteria)
    assert [per_theme[t.id] for t in old.themes] == [12, 9, 9, 9, 8]
    assert [lv.level for lv in old.scoring.levels] == [1]
    assert old.scoring.levels[0].min_points == 300
    assert old.scoring.levels[0].strictly_above


def test_2024_grid_size_themes_and_levels(new: Referential) -> None:
    assert 40 <= len(new.criteria) <= 80
    assert [t.id for t in new.themes] == ["gouvernance", "formation", "transverse", "usages", "organisation"]
    assert [t.name.en for t in new.themes] == [
        "Governance and strategy", "Training", "Cross-cutting approaches", "Users", "Organisation",
    ]
    levels = {lv.level: lv for lv in new.scoring.levels}
    assert sorted(levels) == [1, 2]
    assert levels[1].min_points == 300
    assert levels[1].strictly_above
    assert levels[2].min_points == 500
    assert not levels[2].strictly_above
    assert new.scoring.total_points == 1000
    # Both levels exist among the criteria, in every theme.
    assert {(c.theme, c.level) for c in new.criteria_for("standard")} == {
        (t.id, lv) for t in new.themes for lv in (1, 2)
    }


def test_a_training_course_is_mandatory_at_level_1(new: Referential) -> None:
    level1 = new.scoring.levels[0]
    mandatory = new.mandatory_for(level1)
    assert "FC-2.1" in mandatory
    assert all(new.criteria_by_id[cid].level == 1 for cid in mandatory)
    # Level 2 asks for everything level 1 asks for, and more.
    assert set(mandatory) < set(new.mandatory_for(new.scoring.levels[1]))


def test_every_theme_has_principles_and_uses_them(new: Referential, old: Referential) -> None:
    for ref in (old, new):
        for theme in ref.themes:
            assert theme.principles, f"{ref.key}: theme {theme.id} has no principle"
            used = {c.principle for c in ref.criteria if c.theme == theme.id}
            assert used == {p.id for p in theme.principles}, f"{ref.key}: theme {theme.id}"
        assert all(c.principle is not None for c in ref.criteria)


def test_weights_vary_and_criteria_expect_typed_evidence(new: Referential, old: Referential) -> None:
    for ref in (old, new):
        assert {c.weight for c in ref.criteria} == {1, 2, 3}
        assert all(c.evidence for c in ref.criteria), ref.key
        assert {e.type for c in ref.criteria for e in c.evidence} == {"documentation", "means", "result"}
        # Every "not applicable" allowance says when it holds, in both languages.
        for c in ref.criteria:
            if c.not_applicable.allowed:
                assert c.not_applicable.condition is not None, f"{ref.key} {c.id}"


def test_profiles_add_exclude_and_neutralise(new: Referential) -> None:
    assert {p.id for p in new.profiles} >= {"standard", "esn", "collectivite"}
    standard = {c.id for c in new.criteria_for("standard")}
    esn = {c.id for c in new.criteria_for("esn")}
    collectivite = {c.id for c in new.criteria_for("collectivite")}
    assert standard == {c.id for c in new.criteria_for(None)}
    # The ESN variant only adds its own criteria and makes some not applicable, with a reason.
    assert esn > standard
    assert all(new.criteria_by_id[cid].profiles == ["esn"] for cid in esn - standard)
    esn_profile = new.profile("esn")
    assert esn_profile is not None
    assert esn_profile.not_applicable
    assert all(e.reason.fr and e.reason.en for e in esn_profile.not_applicable)
    # The local-authority variant adds its own criteria and replaces one.
    assert collectivite - standard
    assert all(new.criteria_by_id[cid].profiles == ["collectivite"] for cid in collectivite - standard)
    assert standard - collectivite == {"AT-1.4"}


def test_applicability_questions_name_criteria_that_allow_it(new: Referential) -> None:
    assert {q.id for q in new.questions} == {"own_datacenter", "software_development", "mobile_fleet"}
    for question in new.questions:
        assert question.if_no_exclude or question.if_no_not_applicable
        if question.if_no_not_applicable:
            for cid in question.if_no_not_applicable.criteria:
                # Forced N/A must match what a referent could declare by hand.
                assert new.criteria_by_id[cid].not_applicable.allowed, cid


def test_mapping_covers_the_four_kinds(new: Referential) -> None:
    assert new.mapping is not None
    assert new.mapping.from_version == "2019"
    kinds = Counter(change.kind for change in new.mapping.changes)
    assert set(kinds) == set(MappingKind)
    assert all(n >= 2 for n in kinds.values()), kinds


def test_every_2019_id_is_kept_or_mapped(old: Referential, new: Referential) -> None:
    assert new.mapping is not None
    mapped = [cid for change in new.mapping.changes for cid in change.old]
    assert len(mapped) == len(set(mapped)), "a 2019 id is listed twice in the mapping"
    orphans = [cid for cid in old.criteria_by_id if cid not in new.criteria_by_id and cid not in mapped]
    assert orphans == [], f"2019 criteria neither kept in 2024 nor in its mapping: {orphans}"


def test_kept_ids_are_not_also_renamed_away(old: Referential, new: Referential) -> None:
    """An id kept in 2024 keeps its meaning: it may only appear in the mapping as a split or merge target."""
    assert new.mapping is not None
    for change in new.mapping.changes:
        for cid in change.old:
            if cid in new.criteria_by_id:
                assert change.kind in (MappingKind.SPLIT, MappingKind.MERGED), (cid, change.kind)
                assert cid in change.new, (cid, change.new)


def test_new_ids_come_from_the_mapping_or_are_new(old: Referential, new: Referential) -> None:
    """Ids new in 2024 that reuse a retired 2019 id would silently inherit old answers."""
    assert new.mapping is not None
    retired = {cid for change in new.mapping.changes for cid in change.old if cid not in change.new}
    assert not retired & set(new.criteria_by_id)
