"""The referential diff: what the mapping says, plus id identity for everything else."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from labelnr.diff import FieldChange, Link, Removed, diff_referentials, given_in_reverse
from labelnr.loader import load_referential
from labelnr.referential import Referential

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def v1() -> Referential:
    return load_referential(FIXTURES / "v1-ref.yaml").referential


@pytest.fixture(scope="module")
def v2() -> Referential:
    return load_referential(FIXTURES / "v2-ref.yaml").referential


def test_mapping_kinds(v1: Referential, v2: Referential) -> None:
    diff = diff_referentials(v1, v2)
    assert diff.mapping_used
    assert (diff.old, diff.new) == ("evo@1", "evo@2")
    assert diff.added == ("N-1",)
    assert diff.removed == (Removed("O-4", declared=True), Removed("O-5", declared=False))
    assert diff.renamed == [Link("renamed", ("G-3",), ("GOV-3",))]
    assert diff.split == [Link("split", ("O-1",), ("O-1a", "O-1b"))]
    assert diff.merged == [Link("merged", ("O-2", "O-3"), ("O-23",))]
    assert diff.unchanged == ["G-1"]


def test_links_follow_the_new_file_order(v1: Referential, v2: Referential) -> None:
    diff = diff_referentials(v1, v2)
    assert [(link.kind, link.new) for link in diff.links] == [
        ("kept", ("G-1",)), ("kept", ("G-2",)), ("renamed", ("GOV-3",)), ("split", ("O-1a", "O-1b")),
        ("merged", ("O-23",)),
    ]


def test_changed_fields(v1: Referential, v2: Referential) -> None:
    diff = diff_referentials(v1, v2)
    (change,) = diff.changed
    assert (change.old_id, change.new_id) == ("G-2", "G-2")
    assert change.fields == (
        FieldChange("title", {"fr": "Budget", "en": "Budget"},
                    {"fr": "Budget dédié", "en": "Dedicated budget"}),
        FieldChange("weight", 1.0, 2.0),
    )


def test_settings_changes(v1: Referential, v2: Referential) -> None:
    diff = diff_referentials(v1, v2)
    assert diff.settings == (FieldChange("scoring.levels.2.min_points", 600.0, 500.0),)


def test_a_version_against_itself_is_empty(v1: Referential) -> None:
    diff = diff_referentials(v1, v1)
    assert diff.is_empty
    assert not diff.mapping_used
    assert diff.unchanged == [c.id for c in v1.criteria]


def test_without_a_mapping_ids_are_matched_as_they_are(v1: Referential, v2: Referential) -> None:
    unmapped = v2.model_copy(update={"mapping": None})
    diff = diff_referentials(v1, unmapped)
    assert not diff.mapping_used
    assert diff.added == ("GOV-3", "O-1a", "O-1b", "O-23", "N-1")
    assert [r.id for r in diff.removed] == ["G-3", "O-1", "O-2", "O-3", "O-4", "O-5"]
    assert not any(r.declared for r in diff.removed)
    assert [c.new_id for c in diff.changed] == ["G-2"]


def test_a_mapping_from_another_version_is_ignored(v1: Referential, v2: Referential) -> None:
    assert v2.mapping is not None
    other = v2.model_copy(update={"mapping": v2.mapping.model_copy(update={"from_version": "0"})})
    assert not diff_referentials(v1, other).mapping_used


def test_renamed_criterion_with_changed_content_is_both(v1: Referential, v2: Referential) -> None:
    crits = [c.model_copy(update={"level": 2, "mandatory": True}) if c.id == "GOV-3" else c
             for c in v2.criteria]
    diff = diff_referentials(v1, v2.model_copy(update={"criteria": crits}))
    assert diff.renamed == [Link("renamed", ("G-3",), ("GOV-3",))]
    renamed = [c for c in diff.changed if c.new_id == "GOV-3"]
    assert [(c.old_id, c.field_names) for c in renamed] == [("G-3", ["level", "mandatory"])]


def test_mandatory_from_a_level_list_counts_as_mandatory(v1: Referential) -> None:
    levels = [lv.model_copy(update={"mandatory": ["G-2"]}) if lv.level == 2 else lv
              for lv in v1.scoring.levels]
    newer = v1.model_copy(update={"scoring": v1.scoring.model_copy(update={"levels": levels})})
    diff = diff_referentials(v1, newer)
    (change,) = diff.changed
    assert change.fields == (FieldChange("mandatory", False, True),)
    assert diff.settings == (FieldChange("scoring.levels.2.mandatory", None, ["G-2"]),)


def test_json_form_is_plain_data(v1: Referential, v2: Referential) -> None:
    data = diff_referentials(v1, v2).to_json()
    assert json.loads(json.dumps(data)) == data
    assert [link["kind"] for link in data["links"]] == ["renamed", "split", "merged"]
    assert data["removed"] == [{"id": "O-4", "declared": True}, {"id": "O-5", "declared": False}]
    assert data["unchanged"] == ["G-1"]
    assert data["changed"][0]["fields"][1] == {"field": "weight", "old": 1.0, "new": 2.0}


def test_copy_of_a_referential_does_not_reuse_the_cached_index(v2: Referential) -> None:
    assert "N-1" in v2.criteria_by_id  # computed and cached on the original
    smaller = v2.model_copy(update={"criteria": v2.criteria[:2]})
    assert list(smaller.criteria_by_id) == ["G-1", "G-2"]
    assert len(v2.criteria_by_id) == 7


def test_which_version_is_newer(v1: Referential, v2: Referential) -> None:
    assert given_in_reverse(v2, v1)
    assert not given_in_reverse(v1, v2)
    unmapped = v2.model_copy(update={"mapping": None})  # then the later effective date decides
    assert given_in_reverse(unmapped, v1)
    assert not given_in_reverse(v1, unmapped)
    assert not given_in_reverse(v1, v1)
    assert not given_in_reverse(v2.model_copy(update={"id": "other"}), v1)
