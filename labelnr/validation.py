"""Turning pydantic errors into plain, located problems."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from labelnr.errors import InvalidFile, Problem, has_code
from labelnr.i18n import Term
from labelnr.yamlpos import Loc, Located

M = TypeVar("M", bound=BaseModel)


#: Pydantic error types that mean "a value of the wrong type", and what was expected.
WRONG_TYPE = {
    "string_type": "text", "int_type": "integer", "int_parsing": "integer", "int_from_float": "integer",
    "float_type": "number", "float_parsing": "number", "bool_type": "boolean", "bool_parsing": "boolean",
    "dict_type": "mapping", "model_type": "mapping", "model_attributes_type": "mapping",
    "list_type": "list", "date_type": "date", "date_parsing": "date", "date_from_datetime_parsing": "date",
    "datetime_type": "datetime", "datetime_parsing": "datetime",
}
NOT_ALLOWED = ("literal_error", "enum")


def _plain(error: Any, loc: Loc) -> str:
    kind = error["type"]
    field = str(loc[-1]) if loc else "file"
    if kind == "missing":
        return f"'{field}' is required but missing"
    if kind == "extra_forbidden":
        return f"unknown key '{field}' (check its spelling)"
    msg = str(error["msg"])
    msg = msg.removeprefix("Value error, ")
    if "at" in (error.get("ctx") or {}):  # the message already names what it is about
        return msg
    return f"'{field}': {msg}" if loc else msg


def _code(error: Any, loc: Loc) -> tuple[str | None, dict[str, Any]]:
    """Pydantic's ``type`` and ``ctx`` as one of our catalog codes and its params (or no code)."""
    kind, ctx = str(error["type"]), dict(error.get("ctx") or {})
    field = str(loc[-1]) if loc else "file"
    if kind == "missing":
        return "missing_field", {"field": field}
    if kind == "extra_forbidden":
        return "extra_field", {"field": field}
    if kind in WRONG_TYPE:
        return "wrong_type", {"field": field, "expected": Term("errors.type", WRONG_TYPE[kind])}
    if kind in NOT_ALLOWED:
        return "value_not_allowed", {"field": field, "value": _shown(error.get("input")),
                                     "expected": str(ctx.get("expected", ""))}
    ctx.pop("at", None)
    if has_code(kind):  # our own PydanticCustomError types (theme_minimum, level_order...)
        return kind, ctx
    return None, {}


def _shown(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 60 else text[:59] + "…"


def item_id(located: Located, loc: Loc, collection: str = "criteria",
            keyed: tuple[str, ...] = ()) -> str | None:
    """The criterion a location points into, to name it in errors.

    Either an item of the list ``collection`` (its ``id``, or the ``criterion`` it is
    about), or an entry of a mapping in ``keyed`` whose keys are criterion ids.
    """
    if len(loc) >= 2 and loc[0] in keyed and isinstance(loc[1], str):
        return loc[1]
    if len(loc) >= 2 and loc[0] == collection and isinstance(loc[1], int):
        items = located.data.get(collection) if isinstance(located.data, dict) else None
        if isinstance(items, list) and loc[1] < len(items) and isinstance(items[loc[1]], dict):
            value = items[loc[1]].get("id", items[loc[1]].get("criterion"))
            return str(value) if value is not None else None
    return None


def validate(model: type[M], located: Located, collection: str = "criteria",
             keyed: tuple[str, ...] = ()) -> M:
    """Validate parsed YAML against ``model``; every error names its file and line."""
    if not isinstance(located.data, dict):
        raise InvalidFile.coded(located.file, "not_a_mapping", line=1)
    try:
        return model.model_validate(located.data)
    except ValidationError as exc:
        problems: list[Problem] = []
        for error in exc.errors():
            loc: Loc = tuple(
                p for p in error["loc"] if not isinstance(p, str) or not p.startswith("function-"))
            # A model-level check may say where, below its model, the problem sits.
            loc += tuple((error.get("ctx") or {}).get("at", ()))
            criterion = item_id(located, loc, collection, keyed)
            code, params = _code(error, loc)
            problems.append(located.problem(loc, _plain(error, loc), criterion, code, params))
        raise InvalidFile(problems) from None
