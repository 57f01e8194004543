"""Turning pydantic errors into plain, located problems."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from labelnr.errors import InvalidFile, Problem
from labelnr.yamlpos import Loc, Located

M = TypeVar("M", bound=BaseModel)


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
        raise InvalidFile.single(
            located.file, "the file must hold a mapping of keys (it is empty or a list)", 1)
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
            problems.append(located.problem(loc, _plain(error, loc), criterion))
        raise InvalidFile(problems) from None
