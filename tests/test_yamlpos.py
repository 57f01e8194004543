"""Located YAML parsing: the line of every value, and syntax errors that name their line."""

from __future__ import annotations

from pathlib import Path

import pytest

from labelnr.errors import InvalidFile
from labelnr.yamlpos import MAX_BYTES, MAX_DEPTH, parse, read

TEXT = """\
id: demo
criteria:
  - id: A-1
    title: {fr: t, en: t}
  - id: A-2

    theme: b
"""


def test_lines_of_keys_and_list_items() -> None:
    located = parse(TEXT, "demo.yaml")
    assert located.data["criteria"][1] == {"id": "A-2", "theme": "b"}
    assert located.line_of(("id",)) == 1
    assert located.line_of(("criteria", 0)) == 3
    assert located.line_of(("criteria", 0, "title", "en")) == 4
    assert located.line_of(("criteria", 1, "theme")) == 7


def test_missing_path_falls_back_to_the_nearest_enclosing_value() -> None:
    located = parse(TEXT, "demo.yaml")
    assert located.line_of(("criteria", 1, "description")) == 5
    assert located.line_of(("nowhere", 3)) == 1


def test_problem_carries_file_line_and_criterion() -> None:
    problem = parse(TEXT, "demo.yaml").problem(("criteria", 1, "theme"), "unknown theme 'b'", "A-2")
    assert str(problem) == "demo.yaml:7: criterion A-2: unknown theme 'b'"


def test_syntax_error_names_its_line() -> None:
    with pytest.raises(InvalidFile) as caught:
        parse("id: demo\ncriteria:\n  - id: [A-1\n  - id: A-2\n", "bad.yaml")
    (problem,) = caught.value.problems
    assert problem.file == "bad.yaml"
    assert problem.line == 4
    assert problem.message.startswith("YAML syntax error")


def test_duplicate_key_names_the_second_occurrence() -> None:
    with pytest.raises(InvalidFile) as caught:
        parse("id: a\nversion: '1'\nid: b\n", "dup.yaml")
    (problem,) = caught.value.problems
    assert (problem.line, problem.message) == (3, "key 'id' appears twice in the same block")


def test_complex_key_is_refused() -> None:
    with pytest.raises(InvalidFile) as caught:
        parse("? [a, b]\n: 1\n", "key.yaml")
    assert caught.value.problems[0].message == "a mapping key must be a plain value"


def test_empty_text_gives_no_data() -> None:
    assert parse("", "empty.yaml").data is None


@pytest.mark.parametrize(
    "value", ["!!python/object/apply:os.system ['true']", "!custom {a: 1}", "!custom scalar"])
def test_unknown_tags_are_refused_not_read_as_plain_data(value: str) -> None:
    with pytest.raises(InvalidFile) as caught:
        parse(f"id: a\nx: {value}\n", "evil.yaml")
    (problem,) = caught.value.problems
    assert problem.line == 2
    assert "tag" in problem.message


def test_explicit_standard_tags_still_work() -> None:
    located = parse("a: {b: 1}\ne: !!map {f: !!str 1}\n", "ok.yaml")
    assert located.data == {"a": {"b": 1}, "e": {"f": "1"}}


def _alias_bomb(levels: int = 7) -> str:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


def test_an_alias_bomb_is_refused_at_its_first_anchor() -> None:
    with pytest.raises(InvalidFile) as caught:
        parse(_alias_bomb(), "bomb.yaml")
    (problem,) = caught.value.problems
    assert (problem.file, problem.line) == ("bomb.yaml", 1)
    assert "anchors and aliases" in problem.message


@pytest.mark.parametrize(("text", "line"), [
    ("a: 1\nb: &x {c: 1}\n", 2),                      # an anchor nothing uses
    ("a: {c: 1}\nb:\n  <<: *x\n", 3),                  # an alias (here to no anchor)
    ("a: [1]\nb:\n  - c\n  - &y d\n", 4),            # an anchored scalar in a list
])
def test_anchors_and_aliases_are_refused_where_they_appear(text: str, line: int) -> None:
    with pytest.raises(InvalidFile) as caught:
        parse(text, "alias.yaml")
    (problem,) = caught.value.problems
    assert problem.line == line
    assert problem.message.startswith("YAML anchors and aliases")


def test_deep_nesting_is_refused_with_its_line_not_a_recursion_error() -> None:
    with pytest.raises(InvalidFile) as caught:
        parse("id: x\nthemes: " + "[" * 5000 + "]" * 5000 + "\n", "deep.yaml")
    (problem,) = caught.value.problems
    assert (problem.file, problem.line) == ("deep.yaml", 2)
    assert f"more than {MAX_DEPTH} levels" in problem.message


def test_nesting_that_would_overflow_the_c_stack_is_refused() -> None:
    # libyaml's own composer recurses in C: this depth (400 KB) crashed the process.
    with pytest.raises(InvalidFile, match="nested more than"):
        parse("a: " + "[" * 200_000 + "]" * 200_000, "deeper.yaml")


def test_nesting_up_to_the_limit_is_accepted() -> None:
    # MAX_DEPTH nodes deep: the mapping, then lists, the innermost scalar included.
    text = "a: " + "[" * (MAX_DEPTH - 2) + "1" + "]" * (MAX_DEPTH - 2) + "\n"
    assert parse(text, "ok.yaml").data["a"] is not None
    with pytest.raises(InvalidFile):
        parse(text.replace("[", "[[", 1).replace("]", "]]", 1), "deeper.yaml")


def test_oversized_text_is_refused_before_parsing() -> None:
    with pytest.raises(InvalidFile) as caught:
        parse("x: " + "a" * MAX_BYTES, "big.yaml")
    assert "larger than" in caught.value.problems[0].message


def test_read_reports_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InvalidFile) as caught:
        read(tmp_path / "absent.yaml")
    assert "cannot read the file" in str(caught.value)


def test_read_reports_non_utf8_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("id: a\ntitle: caf\xe9\n".encode("latin-1"))
    with pytest.raises(InvalidFile) as caught:
        read(path)
    (problem,) = caught.value.problems
    assert (problem.line, problem.message) == (2, "the file is not UTF-8 text")
