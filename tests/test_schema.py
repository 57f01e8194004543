"""The published JSON Schemas match the model and accept the files the loader accepts."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from labelnr import schema
from labelnr.assessment import Assessment
from labelnr.loader import DEFAULT_DIR
from labelnr.referential import Referential

FIXTURES = Path(__file__).parent / "fixtures"
REFERENTIAL, ASSESSMENT = schema.PUBLISHED


def as_json(path: Path) -> Any:
    """A YAML file as an editor's YAML plugin sees it: dates are strings, keys are strings."""
    return json.loads(json.dumps(yaml.safe_load(path.read_text(encoding="utf-8")), default=str))


def validator(item: schema.Published) -> jsonschema.Draft202012Validator:
    published = json.loads(item.path.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(published)
    return jsonschema.Draft202012Validator(published)


def test_published_schemas_are_up_to_date() -> None:
    """Fails when a model changed without `labelnr schema` being run and committed."""
    assert schema.stale() == []


def test_published_files_sit_where_editors_expect_them() -> None:
    assert REFERENTIAL.path == DEFAULT_DIR / "referential.schema.json"
    assert (REFERENTIAL.model, ASSESSMENT.model) == (Referential, Assessment)
    assert ASSESSMENT.path.parent.name == "audits"


def test_stale_and_write_on_a_private_copy(tmp_path: Path) -> None:
    item = schema.Published(Referential, tmp_path / "ref.schema.json", "t", "d")
    assert schema.stale((item,)) == [item.path]
    assert schema.write((item,)) == [item.path]
    assert schema.stale((item,)) == []
    assert schema.write((item,)) == []
    item.path.write_text(item.path.read_text(encoding="utf-8").replace('"title": "t"', '"title": "x"'),
                         encoding="utf-8")
    assert schema.stale((item,)) == [item.path]


def test_fields_carry_descriptions_for_editors() -> None:
    published = json.loads(REFERENTIAL.path.read_text(encoding="utf-8"))
    criterion = published["$defs"]["Criterion"]["properties"]
    assert published["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert "Stable id" in criterion["id"]["description"]
    assert "label level" in criterion["level"]["description"].lower()
    assert published["$defs"]["Criterion"]["additionalProperties"] is False
    answer = json.loads(ASSESSMENT.path.read_text(encoding="utf-8"))["$defs"]["Answer"]["properties"]
    assert "scale" in answer["level"]["description"]


REFERENTIAL_FILES = sorted([FIXTURES / "mini.yaml", FIXTURES / "v1-ref.yaml", FIXTURES / "v2-ref.yaml",
                            *DEFAULT_DIR.glob("*.yaml")])


@pytest.mark.parametrize("path", REFERENTIAL_FILES, ids=lambda p: p.name)
def test_referential_files_validate_against_the_schema(path: Path) -> None:
    errors = [e.message for e in validator(REFERENTIAL).iter_errors(as_json(path))]
    assert errors == []


@pytest.mark.parametrize("path", sorted([FIXTURES / "v1-audit.yaml", *ASSESSMENT.path.parent.glob("*.yaml")]),
                         ids=lambda p: p.name)
def test_assessment_files_validate_against_the_schema(path: Path) -> None:
    errors = [e.message for e in validator(ASSESSMENT).iter_errors(as_json(path))]
    assert errors == []


def all_messages(errors: Iterable[jsonschema.ValidationError]) -> list[str]:
    """Messages of the errors and of the alternatives they hold (optional values are "X or null")."""
    out: list[str] = []
    for error in errors:
        out.append(error.message)
        out.extend(all_messages(error.context or []))
    return out


def test_schema_catches_what_an_editor_should_flag() -> None:
    data = as_json(FIXTURES / "v2-ref.yaml")
    data["criteria"][0]["titel"] = data["criteria"][0].pop("title")
    data["mapping"]["changes"][0]["kind"] = "moved"
    messages = all_messages(validator(REFERENTIAL).iter_errors(data))
    assert any("'titel' was unexpected" in m for m in messages)
    assert any("'title' is a required property" in m for m in messages)
    assert any("'moved' is not one of" in m for m in messages)


def test_the_examples_in_the_format_documentation_are_valid(tmp_path: Path) -> None:
    from labelnr.interchange import parse_assessment
    from labelnr.loader import Catalog, LoadedReferential, parse_referential

    doc = (Path(__file__).parent.parent / "docs" / "formats.md").read_text(encoding="utf-8")
    blocks = [part.split("```", 1)[0] for part in doc.split("```yaml\n")[1:]]
    blocks = [b for b in blocks if "\nid: " in b or "\nformat: " in b]  # the two full examples
    assert len(blocks) == 2
    ref = parse_referential(blocks[0], "formats.md#referential")
    assessment, _ = parse_assessment(
        blocks[1], "formats.md#assessment",
        Catalog(loaded={ref.key: LoadedReferential(ref, tmp_path / "ref.yaml", "0" * 64)}))
    assert (ref.key, assessment.referential.version) == ("demo-grid@2", "2")
    for item, text in zip(schema.PUBLISHED, blocks, strict=True):
        data = json.loads(json.dumps(yaml.safe_load(text), default=str))
        assert all_messages(validator(item).iter_errors(data)) == []
