"""The published JSON Schemas, generated from the pydantic models.

Editors (VS Code's YAML extension, JetBrains IDEs...) use them to validate and complete
the YAML files; the model stays the single source of truth and the test suite checks that
the files on disk match it (``labelnr schema --check``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from labelnr.assessment import Assessment
from labelnr.files import write_atomic
from labelnr.referential import Referential

ROOT = Path(__file__).resolve().parent.parent
DIALECT = "https://json-schema.org/draft/2020-12/schema"


@dataclass(frozen=True)
class Published:
    model: type[BaseModel]
    path: Path
    title: str
    description: str


PUBLISHED: tuple[Published, ...] = (
    Published(Referential, ROOT / "criteria" / "referential.schema.json", "Label NR Workbook referential",
              "A versioned referential (criteria grid) for Label NR Workbook: themes, criteria, answer "
              "scale, scoring rules, profiles and the mapping from the previous version."),
    Published(Assessment, ROOT / "audits" / "assessment.schema.json", "Label NR Workbook assessment",
              "One entity's self-assessment for one campaign (format labelnr-assessment/1): answers, "
              "auditor verdicts, commitments and targets, pinned to a referential version."),
)


def schema_of(item: Published) -> dict[str, Any]:
    body = item.model.model_json_schema()
    body.pop("title", None)
    body.pop("description", None)
    return {"$schema": DIALECT, "title": item.title, "description": item.description, **body}


def render(item: Published) -> str:
    """The file's text: stable key order and a final newline, so regenerating changes nothing."""
    return json.dumps(schema_of(item), indent=2, ensure_ascii=False) + "\n"


def stale(items: tuple[Published, ...] | None = None) -> list[Path]:
    """Published files (default: :data:`PUBLISHED`) that are missing or differ from the models."""
    out: list[Path] = []
    for item in PUBLISHED if items is None else items:
        try:
            current = item.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            current = None
        if current != render(item):
            out.append(item.path)
    return out


def write(items: tuple[Published, ...] | None = None) -> list[Path]:
    """Regenerate the files that are stale; return those written."""
    items = PUBLISHED if items is None else items
    changed = stale(items)
    for item in items:
        if item.path in changed:
            write_atomic(item.path, render(item))
    return changed
