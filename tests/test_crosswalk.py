"""Crosswalks between referentials: the shipped label NR ↔ RGESN one loads, bad ones are located."""

from __future__ import annotations

from pathlib import Path

import pytest

from labelnr.crosswalk import IMPLIES_SOURCE, Relation, load_crosswalk, load_crosswalks
from labelnr.errors import InvalidFile, render
from labelnr.loader import Catalog, load_catalog

CRITERIA = Path(__file__).resolve().parent.parent / "criteria"
SHIPPED = CRITERIA / "mappings" / "label-nr-2024--rgesn-2024.yaml"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog([CRITERIA])


def test_the_shipped_crosswalk_loads_and_joins_the_two_grids(catalog: Catalog) -> None:
    walks, problems = load_crosswalks(catalog, CRITERIA / "mappings")
    assert problems == []
    [walk] = walks
    assert (walk.source.key, walk.target.key) == ("label-nr@2024", "rgesn@2024")
    # The label's eco-design criterion points at the RGESN's strategy criteria.
    [link] = walk.links_from("AO-1.1")
    assert link.relation is Relation.SUPERSET
    assert link.target == ["1.3", "1.4", "2.6"]
    assert [lk.source for lk in walk.links_to("1.4")] == ["AO-1.1", "AO-1.5"]
    assert Relation.RELATED not in IMPLIES_SOURCE


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "walk.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_unknown_ids_and_versions_are_refused_with_their_lines(catalog: Catalog, tmp_path: Path) -> None:
    text = SHIPPED.read_text(encoding="utf-8")
    text = text.replace("target: [\"1.3\", \"1.4\", \"2.6\"]", "target: [\"1.3\", \"1.99\"]", 1)
    text = text.replace("  - source: AO-1.2\n", "  - source: ZZ-9\n", 1)
    path = _write(tmp_path, text)
    with pytest.raises(InvalidFile) as info:
        load_crosswalk(path, catalog)
    lines = text.splitlines()
    found = {(p.line, p.message) for p in info.value.problems}
    line = lines.index('    target: ["1.3", "1.99"]') + 1
    assert (line, "'1.99' is not a criterion of rgesn@2024") in found
    assert (lines.index("  - source: ZZ-9") + 1, "'ZZ-9' is not a criterion of label-nr@2024") in found

    text = text.replace('target: {id: rgesn, version: "2024"}', 'target: {id: rgesn, version: "2099"}')
    other = _write(tmp_path, text)
    with pytest.raises(InvalidFile) as info:
        load_crosswalk(other, catalog)
    assert any("rgesn@2099 is not among the loaded referentials" in p.message for p in info.value.problems)


def test_a_bad_relation_and_a_repeated_source_are_refused(catalog: Catalog, tmp_path: Path) -> None:
    text = SHIPPED.read_text(encoding="utf-8").replace("relation: superset", "relation: intersects", 1)
    with pytest.raises(InvalidFile) as info:
        load_crosswalk(_write(tmp_path, text), catalog)
    assert any("relation" in p.message for p in info.value.problems)

    text = SHIPPED.read_text(encoding="utf-8").replace("  - source: AO-1.2\n", "  - source: AO-1.1\n", 1)
    with pytest.raises(InvalidFile) as info:
        load_crosswalk(_write(tmp_path, text), catalog)
    assert [p.message for p in info.value.problems] == ["'AO-1.1' has two links: give all its targets in one"]


def test_crosswalk_problems_read_in_french_and_english_with_their_line(catalog: Catalog,
                                                                      tmp_path: Path) -> None:
    text = SHIPPED.read_text(encoding="utf-8")
    text = text.replace('target: {id: rgesn, version: "2024"}', 'target: {id: rgesn, version: "2099"}')
    text = text.replace("  - source: AO-1.2\n", "  - source: AO-1.1\n", 1)
    path = _write(tmp_path, text)
    with pytest.raises(InvalidFile) as info:
        load_crosswalk(path, catalog)
    side = text.splitlines().index('target: {id: rgesn, version: "2099"}') + 1
    twice = max(i for i, line in enumerate(text.splitlines()) if line == "  - source: AO-1.1") + 1
    french = render(info.value, "fr").splitlines()
    assert f"{path}:{side} : le référentiel cible rgesn@2099 ne fait pas partie des référentiels chargés" \
        in french
    assert (f"{path}:{twice} : critère AO-1.1 : « AO-1.1 » a deux liens : "
            "donnez toutes ses cibles dans un seul") in french
    english = render(info.value, "en").splitlines()
    assert f"{path}:{side}: target referential rgesn@2099 is not among the loaded referentials" in english
    assert english == str(info.value).splitlines()


def test_a_target_listed_twice_is_named_in_french(catalog: Catalog, tmp_path: Path) -> None:
    text = SHIPPED.read_text(encoding="utf-8").replace('target: ["1.3", "1.4", "2.6"]',
                                                       'target: ["1.3", "1.3", "1.99"]', 1)
    with pytest.raises(InvalidFile) as info:
        load_crosswalk(_write(tmp_path, text), catalog)
    french = [p.render("fr").split(" : ", 1)[1] for p in info.value.problems]
    assert french == ["critère AO-1.1 : « 1.99 » n'est pas un critère de rgesn@2024",
                      "critère AO-1.1 : « 1.3 » est cité deux fois dans ce lien"]


def test_one_broken_crosswalk_does_not_stop_the_others(catalog: Catalog, tmp_path: Path) -> None:
    (tmp_path / "good.yaml").write_text(SHIPPED.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "bad.yaml").write_text("id: [unclosed\n", encoding="utf-8")
    walks, problems = load_crosswalks(catalog, tmp_path)
    assert [w.id for w in walks] == ["label-nr-2024--rgesn-2024"]
    assert [Path(p.file).name for p in problems] == ["bad.yaml"]
