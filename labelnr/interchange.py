"""The assessment interchange file (YAML): read with located errors, write with stable ordering."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, TypeAdapter, ValidationError

from labelnr.assessment import (
    Answer,
    Assessment,
    AuditorVerdict,
    Commitment,
    NotApplicable,
    RefPin,
    Verdict,
    Year,
    check_against,
)
from labelnr.errors import InvalidFile, Problem
from labelnr.loader import Catalog
from labelnr.referential import Referential
from labelnr.validation import validate
from labelnr.yamlpos import Located, parse, read


def _parse_assessment(located: Located) -> Assessment:
    return validate(Assessment, located, collection="commitments", keyed=("answers", "verdicts", "targets"))


def _resolve(located: Located, assessment: Assessment, catalog: Catalog) -> Referential:
    pin = assessment.referential
    ref = catalog.get(pin.id, pin.version)
    if ref is None:
        known = ", ".join(r.key for r in catalog.referentials) or "none"
        raise InvalidFile([located.coded(("referential",), "referential_unavailable", ref=pin.id,
                                         version=pin.version, known=known)])
    return ref


def _placeholder_answer(raw: object) -> Answer:
    """What an answer that failed validation says, as far as the referential checks need it."""
    raw = raw if isinstance(raw, dict) else {}
    level = raw.get("level")
    declared = raw.get("not_applicable") is not None
    na = NotApplicable.model_construct(reason="", justification="") if declared else None
    return Answer.model_construct(level=level if isinstance(level, str) else None, not_applicable=na)


def _entries(adapter: TypeAdapter[Any], raw: object, placeholder: Callable[[object], Any]) -> dict[str, Any]:
    """Each entry of a keyed mapping validated alone; a failed one replaced by ``placeholder``."""
    entries: dict[str, Any] = {}
    for key, value in (raw.items() if isinstance(raw, dict) else ()):
        try:
            entries[str(key)] = adapter.validate_python(value)
        except ValidationError:
            entries[str(key)] = placeholder(value)
    return entries


def _salvaged(located: Located) -> Assessment | None:
    """The parts of a structurally invalid file that validate, to check them against the
    referential in the same pass (``None``: not even the referential it pins is readable)."""
    data = located.data
    if not isinstance(data, dict):
        return None
    fields: dict[str, Any] = {}
    try:
        fields["referential"] = RefPin.model_validate(data.get("referential"))
    except ValidationError:
        return None
    adapters: dict[str, TypeAdapter[Any]] = {
        "profile": TypeAdapter(str | None), "applicability": TypeAdapter(dict[str, bool])}
    for name, adapter in adapters.items():
        if name in data:
            with contextlib.suppress(ValidationError):
                fields[name] = adapter.validate_python(data[name])
    fields["answers"] = _entries(TypeAdapter(Answer), data.get("answers"), _placeholder_answer)
    fields["verdicts"] = _entries(TypeAdapter(AuditorVerdict), data.get("verdicts"),
                                  lambda _: AuditorVerdict.model_construct(verdict=Verdict.NOT_VERIFIED))
    fields["targets"] = _entries(TypeAdapter(dict[Year, str]), data.get("targets"), lambda _: {})
    commitments = data.get("commitments")
    fields["commitments"] = [
        _placeholder_commitment(item) for item in (commitments if isinstance(commitments, list) else [])]
    return Assessment.model_construct(**fields)


def _placeholder_commitment(raw: object) -> Commitment:
    """The ids a commitment names, whether or not the rest of it is valid."""
    ids: dict[str, Any] = {}
    for key in ("criterion", "theme", "target_level"):
        value = raw.get(key) if isinstance(raw, dict) else None
        ids[key] = value if isinstance(value, str) else None
    return Commitment.model_construct(**ids)


def _checked(located: Located, catalog: Catalog) -> tuple[Assessment, Referential]:
    try:
        assessment = _parse_assessment(located)
    except InvalidFile as exc:
        raise InvalidFile(exc.problems + _referential_problems(located, catalog)) from None
    ref = _resolve(located, assessment, catalog)
    problems = check_against(ref, assessment, located)
    if problems:
        raise InvalidFile(problems)
    return assessment, ref


def _referential_problems(located: Located, catalog: Catalog) -> list[Problem]:
    """What the referential refuses in a file that is also structurally invalid (reported together)."""
    salvaged = _salvaged(located)
    if salvaged is None:
        return []
    try:
        ref = _resolve(located, salvaged, catalog)
    except InvalidFile as exc:
        return exc.problems
    return check_against(ref, salvaged, located)


def load_assessment(path: Path, catalog: Catalog) -> tuple[Assessment, Referential]:
    """Read an interchange file and check it against its pinned referential version."""
    return _checked(read(path), catalog)


def parse_assessment(text: str, file: str, catalog: Catalog) -> tuple[Assessment, Referential]:
    return _checked(parse(text, file), catalog)


def load_many(paths: list[Path], catalog: Catalog) -> list[tuple[Path, Assessment, Referential]]:
    """Read several files; all of them must be valid or none is returned."""
    results: list[tuple[Path, Assessment, Referential]] = []
    problems: list[Problem] = []
    for path in paths:
        try:
            assessment, ref = load_assessment(path, catalog)
        except InvalidFile as exc:
            problems.extend(exc.problems)
            continue
        results.append((path, assessment, ref))
    if problems:
        raise InvalidFile(problems)
    return results


def _plain(value: Any) -> Any:
    """Data as YAML should show it: enums as strings, no empty optional fields.

    Models are walked field by field so that an optional field left empty (``None``,
    ``evidence: []``...) is omitted, while an empty *entry* (an answer ``{}``) is kept.
    """
    if isinstance(value, BaseModel):
        out: dict[str, Any] = {}
        for name, info in type(value).model_fields.items():
            item = getattr(value, name)
            if item is None or (isinstance(item, (list, dict)) and not item and not info.is_required()):
                continue
            out[name] = _plain(item)
        return out
    if isinstance(value, dict):
        return {str(k) if not isinstance(k, int) else k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, str):
        return str(value)  # StrEnum members become their plain value
    if isinstance(value, (dt.date, int, float, bool)):
        return value
    return str(value)


def to_data(assessment: Assessment) -> dict[str, Any]:
    """The assessment as plain YAML-ready data, keyed mappings sorted so exports diff cleanly."""
    data: dict[str, Any] = _plain(assessment)
    for key in ("answers", "verdicts"):
        if key in data:
            data[key] = dict(sorted(data[key].items()))
    if "targets" in data:
        data["targets"] = {cid: dict(sorted(years.items())) for cid, years in sorted(data["targets"].items())}
    return data


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: object) -> bool:
        # A date shared by several fields (campaign and verdicts) must be written out each
        # time: anchors and aliases (&id001 / *id001) are unreadable for people editing by hand.
        return True


def _str_presenter(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str_presenter)


def dump_assessment(assessment: Assessment) -> str:
    """The interchange YAML of an assessment, stable from one export to the next."""
    return yaml.dump(to_data(assessment), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
