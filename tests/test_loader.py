"""Loading referentials: every kind of mistake is reported with its file, line and criterion."""

from __future__ import annotations

from pathlib import Path

import pytest

from labelnr.errors import InvalidFile, Problem
from labelnr.loader import load_catalog, load_referential

FIXTURES = Path(__file__).parent / "fixtures"

BASE = """\
id: t
version: "2"
effective_date: 2024-01-01
source: loader tests
title: {fr: T, en: T}
scale:
  levels:
    - {id: none, label: {fr: Rien, en: None}, credit: 0}
    - {id: full, label: {fr: Tout, en: Full}, credit: 1}
scoring:
  total_points: 1000
  levels:
    - level: 1
      name: {fr: N1, en: L1}
      min_points: 300
    - level: 2
      name: {fr: N2, en: L2}
      min_points: 500
      theme_minimums: {gov: 40}
themes:
  - id: gov
    name: {fr: G, en: G}
    principles:
      - {id: g1, name: {fr: P, en: P}}
  - id: ops
    name: {fr: O, en: O}
profiles:
  - id: public
    name: {fr: Public, en: Public}
    exclude: [G-2]
criteria:
  - id: G-1
    theme: gov
    principle: g1
    title: {fr: t, en: t}
    description: {fr: d, en: d}
  - id: G-2
    theme: gov
    title: {fr: t, en: t}
    description: {fr: d, en: d}
  - id: O-1
    theme: ops
    title: {fr: t, en: t}
    description: {fr: d, en: d}
    profiles: [public]
"""

V1 = BASE.replace('version: "2"', 'version: "1"')


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """The 1-based line of the n-th line containing ``needle`` (the line an error must name)."""
    hits = [i for i, line in enumerate(text.splitlines(), start=1) if needle in line]
    assert len(hits) >= occurrence, f"{needle!r} not in the text"
    return hits[occurrence - 1]


def edited(old: str, new: str, text: str = BASE) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def problems_of(tmp_path: Path, text: str, name: str = "ref.yaml") -> list[Problem]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidFile) as caught:
        load_referential(path)
    for problem in caught.value.problems:
        assert problem.file == str(path)
    return caught.value.problems


def test_base_text_is_valid(tmp_path: Path) -> None:
    path = tmp_path / "ref.yaml"
    path.write_text(BASE, encoding="utf-8")
    loaded = load_referential(path)
    assert loaded.referential.key == "t@2"
    assert [c.id for c in loaded.referential.criteria] == ["G-1", "G-2", "O-1"]
    assert len(loaded.sha256) == 64


# (case, replaced text, replacement, line marker and occurrence, criterion id, words in the message)
CASES = [
    ("yaml syntax", "    title: {fr: t, en: t}\n    description: {fr: d, en: d}\n  - id: G-2",
     "    title: a: b\n    description: {fr: d, en: d}\n  - id: G-2", ("title: a: b", 1), None,
     "YAML syntax error"),
    ("duplicate key", "    principle: g1\n", "    principle: g1\n    theme: ops\n", ("theme: ops", 1), None,
     "key 'theme' appears twice"),
    ("unknown key", "    principle: g1\n", "    principle: g1\n    titel: {fr: t, en: t}\n", ("titel", 1),
     "G-1", "unknown key 'titel'"),
    ("missing field", "    description: {fr: d, en: d}\n    profiles: [public]\n", "    profiles: [public]\n",
     ("- id: O-1", 1), "O-1", "'description' is required but missing"),
    ("duplicate criterion id", "  - id: G-2\n", "  - id: G-1\n", ("- id: G-1", 2), "G-1",
     "already used by another criterion"),
    ("unknown theme", "    theme: ops\n", "    theme: opz\n", ("theme: opz", 1), "O-1",
     "unknown theme 'opz'"),
    ("unknown principle", "    principle: g1\n", "    principle: g9\n", ("principle: g9", 1), "G-1",
     "unknown principle 'g9' in theme 'gov'"),
    ("level needs more than the total", "      min_points: 500\n", "      min_points: 1500\n",
     ("min_points: 1500", 1), None, "level 2 needs 1500 points but the referential only has 1000"),
    ("decreasing thresholds", "      min_points: 500\n", "      min_points: 200\n", ("min_points: 200", 1),
     None, "level 2 needs fewer points than the level below it"),
    ("levels out of order", "    - level: 2\n", "    - level: 1\n", ("- level: 1", 2), None,
     "listed once each, in increasing order"),
    ("theme minimum above 100", "{gov: 40}", "{gov: 140}", ("{gov: 140}", 1), None,
     "minimum for theme 'gov' must be between 0 and 100 %, not 140"),
    ("theme minimum on an unknown theme", "{gov: 40}", "{gouv: 40}", ("{gouv: 40}", 1), None,
     "unknown theme 'gouv'"),
    ("unknown profile on a criterion", "    profiles: [public]\n", "    profiles: [privat]\n",
     ("profiles: [privat]", 1), "O-1", "unknown profile 'privat'"),
    ("profile excludes an unknown criterion", "    exclude: [G-2]\n", "    exclude: [G-9]\n",
     ("exclude: [G-9]", 1), "G-9", "profile 'public' excludes unknown criterion 'G-9'"),
    ("mapping to a new id that does not exist", "criteria:\n",
     'mapping:\n  from_version: "1"\n  changes:\n    - kind: renamed\n      old: G-1\n      new: X-9\n'
     "criteria:\n",
     ("new: X-9", 1), "X-9", "mapping points to 'X-9', which is not a criterion of this version"),
    ("mapping shape", "criteria:\n",
     'mapping:\n  from_version: "1"\n  changes:\n    - kind: renamed\n      old: [G-1, G-2]\n      new: G-1\n'
     "criteria:\n", ("- kind: renamed", 1), None, "a renamed entry takes exactly 1 old id"),
    ("wrong type", "    theme: ops\n", "    theme: ops\n    weight: heavy\n", ("weight: heavy", 1), "O-1",
     "'weight'"),
    ("answer credit above 1", "credit: 1}", "credit: 2}", ("credit: 2", 1), None,
     "less than or equal to 1"),
    ("duplicate theme id", "  - id: ops\n    name: {fr: O, en: O}\n",
     "  - id: ops\n    name: {fr: O, en: O}\n  - id: gov\n    name: {fr: G2, en: G2}\n",
     ("- id: gov", 2), None, "theme id 'gov' is used twice"),
    ("duplicate principle id", "  - id: ops\n    name: {fr: O, en: O}\n",
     "  - id: ops\n    name: {fr: O, en: O}\n    principles:\n      - {id: g1, name: {fr: P, en: P}}\n",
     ("{id: g1,", 2), None, "principle id 'g1' is used twice"),
    ("duplicate profile id", "profiles:\n",
     "profiles:\n  - id: public\n    name: {fr: Bis, en: Bis}\n", ("- id: public", 2), None,
     "profile id 'public' is used twice"),
    ("duplicate question id", "criteria:\n",
     "questions:\n  - id: dc\n    text: {fr: Q, en: Q}\n  - id: dc\n    text: {fr: R, en: R}\n"
     "criteria:\n", ("- id: dc", 2), None, "question id 'dc' is used twice"),
    ("duplicate answer level", "    - {id: full,", "    - {id: none, label: {fr: X, en: X}, credit: 0}\n"
     "    - {id: full,", ("- {id: none", 2), None, "answer level 'none' is defined twice"),
]


@pytest.mark.parametrize(("old", "new", "marker", "criterion", "words"),
                         [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_each_error_names_file_line_and_criterion(tmp_path: Path, old: str, new: str, marker: tuple[str, int],
                                                  criterion: str | None, words: str) -> None:
    text = edited(old, new)
    problems = problems_of(tmp_path, text)
    expected_line = line_of(text, *marker)
    matching = [p for p in problems if words in p.message]
    assert matching, f"no problem says {words!r}: {[str(p) for p in problems]}"
    problem = matching[0]
    assert problem.line == expected_line, str(problem)
    assert problem.criterion == criterion
    if criterion is not None:
        assert f"criterion {criterion}:" in str(problem)
    assert str(problem).startswith(f"{tmp_path / 'ref.yaml'}:{expected_line}: ")


def test_several_problems_are_all_reported(tmp_path: Path) -> None:
    text = edited("    principle: g1\n", "    principle: g9\n")
    text = edited("    theme: ops\n", "    theme: opz\n", text)
    problems = problems_of(tmp_path, text)
    assert [(p.line, p.criterion) for p in problems] == [
        (line_of(text, "principle: g9"), "G-1"), (line_of(text, "theme: opz"), "O-1")]


def test_empty_file_and_list_file(tmp_path: Path) -> None:
    for text in ("", "- a\n- b\n"):
        (problem,) = problems_of(tmp_path, text)
        assert problem.line == 1
        assert "must hold a mapping of keys" in problem.message


MAPPING = """\
mapping:
  from_version: "1"
  changes:
{entries}
criteria:
"""


def catalog_with_v2_mapping(tmp_path: Path, entries: str, v2: str = BASE) -> tuple[Path, str]:
    (tmp_path / "t-1.yaml").write_text(V1, encoding="utf-8")
    text = edited("criteria:\n", MAPPING.format(entries=entries), v2)
    path = tmp_path / "t-2.yaml"
    path.write_text(text, encoding="utf-8")
    return path, text


def test_mapping_naming_an_old_id_that_does_not_exist(tmp_path: Path) -> None:
    path, text = catalog_with_v2_mapping(tmp_path, "    - {kind: removed, old: Z-1}")
    catalog = load_catalog([tmp_path])
    assert list(catalog.loaded) == ["t@1"]
    (problem,) = catalog.problems
    assert (problem.file, problem.line, problem.criterion) == (str(path), line_of(text, "old: Z-1"), "Z-1")
    assert problem.message == "mapping names 'Z-1', which is not a criterion of version 1"


def test_mapping_from_a_version_that_is_not_there(tmp_path: Path) -> None:
    path, text = catalog_with_v2_mapping(tmp_path, "    - {kind: removed, old: G-1}")
    (tmp_path / "t-1.yaml").unlink()
    catalog = load_catalog([tmp_path])
    assert catalog.loaded == {}
    (problem,) = catalog.problems
    assert (problem.file, problem.line) == (str(path), line_of(text, 'from_version: "1"'))
    assert "comes from version '1' of 't', which is not available" in problem.message


def test_mapping_target_that_already_exists_unmapped_in_the_old_version(tmp_path: Path) -> None:
    v2 = edited("  - id: G-2\n", "  - id: G-3\n", edited("exclude: [G-2]", "exclude: [G-3]"))
    _, text = catalog_with_v2_mapping(tmp_path, "    - {kind: renamed, old: G-2, new: G-1}", v2)
    catalog = load_catalog([tmp_path])
    (problem,) = catalog.problems
    assert (problem.line, problem.criterion) == (line_of(text, "kind: renamed"), "G-1")
    assert "'G-1' already exists in version 1 and is not in the mapping" in problem.message


def test_mapping_entries_sharing_an_id(tmp_path: Path) -> None:
    entries = ("    - {kind: removed, old: G-2}\n    - {kind: split, old: G-2, new: [G-2, O-1]}\n"
               "    - {kind: renamed, old: O-1, new: G-2}")
    text = edited("criteria:\n", MAPPING.format(entries=entries))
    problems = problems_of(tmp_path, text)
    assert [(p.line, p.criterion) for p in problems] == [
        (line_of(text, "kind: split"), "G-2"), (line_of(text, "kind: renamed"), "G-2")]
    assert "appears in two mapping entries" in problems[0].message
    assert "target of two mapping entries" in problems[1].message


def test_valid_mapping_loads_both_versions(tmp_path: Path) -> None:
    catalog_with_v2_mapping(tmp_path, "    - {kind: merged, old: [G-1, G-2], new: G-1}")
    catalog = load_catalog([tmp_path])
    assert catalog.problems == []
    assert [r.key for r in catalog.versions("t")] == ["t@1", "t@2"]
    latest = catalog.latest("t")
    assert latest is not None
    assert latest.version == "2"


def test_catalog_keeps_the_good_files_when_one_is_broken(tmp_path: Path) -> None:
    (tmp_path / "a-good.yaml").write_text(BASE, encoding="utf-8")
    (tmp_path / "b-broken.yaml").write_text(edited("    theme: ops\n", "    theme: opz\n").replace(
        "id: t\n", "id: other\n", 1), encoding="utf-8")
    (tmp_path / "c-good.yml").write_text(BASE.replace("id: t\n", "id: third\n", 1), encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a referential", encoding="utf-8")
    catalog = load_catalog([tmp_path])
    assert sorted(catalog.loaded) == ["t@2", "third@2"]
    assert [(Path(p.file).name, p.criterion) for p in catalog.problems] == [("b-broken.yaml", "O-1")]


def test_a_deeply_nested_file_does_not_stop_the_catalog(tmp_path: Path) -> None:
    (tmp_path / "a-good.yaml").write_text(BASE, encoding="utf-8")
    deep = "id: x\nthemes: " + "[" * 5000 + "]" * 5000 + "\n"
    (tmp_path / "b-deep.yaml").write_text(deep, encoding="utf-8")
    catalog = load_catalog([tmp_path])
    assert list(catalog.loaded) == ["t@2"]
    (problem,) = catalog.problems
    assert (Path(problem.file).name, problem.line) == ("b-deep.yaml", 2)
    assert "nested more than" in problem.message


def test_any_failure_of_one_file_is_reported_for_that_file(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    import labelnr.loader as loader

    (tmp_path / "a-good.yaml").write_text(BASE, encoding="utf-8")
    (tmp_path / "b-odd.yaml").write_text(BASE.replace("id: t\n", "id: odd\n", 1), encoding="utf-8")
    real = loader.load_referential

    def flaky(path: Path) -> loader.LoadedReferential:
        if path.name == "b-odd.yaml":  # a failure no check foresaw
            raise RuntimeError("boom")
        return real(path)

    monkeypatch.setattr(loader, "load_referential", flaky)
    catalog = load_catalog([tmp_path])
    assert list(catalog.loaded) == ["t@2"]
    (problem,) = catalog.problems
    assert problem.file == str(tmp_path / "b-odd.yaml")
    assert "RuntimeError: boom" in problem.message


def test_catalog_refuses_the_same_version_twice(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(BASE, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(BASE, encoding="utf-8")
    catalog = load_catalog([tmp_path])
    assert list(catalog.loaded) == ["t@2"]
    (problem,) = catalog.problems
    assert problem.file == str(tmp_path / "b.yaml")
    assert problem.message == "t@2 is already defined in a.yaml"


def test_fixture_referentials_load() -> None:
    catalog = load_catalog([FIXTURES / name for name in ("mini.yaml", "v1-ref.yaml", "v2-ref.yaml")])
    assert catalog.problems == []
    assert sorted(catalog.loaded) == ["evo@1", "evo@2", "mini@1"]


def test_a_pending_answer_with_credit_and_a_zero_priority_weight_are_refused(tmp_path: Path) -> None:
    text = (FIXTURES / "rgesn-mini.yaml").read_text(encoding="utf-8")
    broken = tmp_path / "broken-weights.yaml"
    broken.write_text(text.replace("priority: 1.5", "priority: 0"), encoding="utf-8")
    with pytest.raises(InvalidFile, match=r"broken-weights\.yaml:\d+: 'priority': Input should be greater"):
        load_referential(broken)
    pending = tmp_path / "broken-pending.yaml"
    lines = text.splitlines()
    i = next(n for n, line in enumerate(lines) if "pending: true" in line)
    lines[i] = lines[i].replace("credit: 0,", "credit: 0.5,") if "credit: 0," in lines[i] else lines[i]
    pending.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(InvalidFile, match="must have credit 0"):
        load_referential(pending)


def _french_only(text: str) -> str:
    """BASE with every text in French only: ``{fr: X, en: Y}`` becomes ``{fr: X}``."""
    import re

    return re.sub(r", en: [^}]*\}", "}", text)


def test_a_french_only_referential_loads_and_reads_in_french_in_english(tmp_path: Path) -> None:
    path = tmp_path / "fr.yaml"
    path.write_text(_french_only(BASE).replace("title: {fr: T}\n", "title: {fr: T}\nlanguages: [fr]\n"),
                    encoding="utf-8")
    ref = load_referential(path).referential
    assert ref.languages == ["fr"]
    assert ref.scale.levels[0].label.en is None
    assert ref.scale.levels[0].label.get("en") == "Rien"


def test_missing_english_is_refused_when_english_is_declared(tmp_path: Path) -> None:
    text = edited("    principle: g1\n    title: {fr: t, en: t}\n", "    principle: g1\n    title: {fr: t}\n")
    (problem,) = problems_of(tmp_path, text)
    assert problem.line == line_of(text, "title: {fr: t}")
    assert problem.criterion == "G-1"
    assert "no English" in problem.message
    assert "languages: [fr]" in problem.message


def test_a_french_only_file_without_languages_fr_gets_a_short_report(tmp_path: Path) -> None:
    problems = problems_of(tmp_path, _french_only(BASE))
    assert len(problems) == 11
    assert problems[-1].message.startswith("... and ")
