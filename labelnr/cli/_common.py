"""What every command group shares: output, exit codes, the shared options and the one store opener.

Only the standard library and ``labelnr.errors`` are imported here: ``labelnr --version`` and
``labelnr --help`` load every command group, and the store (SQLAlchemy, pandas) takes seconds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Callable, Iterable
from dataclasses import fields, is_dataclass
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

from labelnr import settings
from labelnr.errors import LabelnrError, Problem

if TYPE_CHECKING:
    from labelnr.loader import Catalog
    from labelnr.storage import ActorStore, Store

Handler = Callable[[argparse.Namespace], int]
Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


class UsageError(LabelnrError):
    """The arguments do not make sense together (exit code 2, like argparse's own errors)."""


# --- output --------------------------------------------------------------------------------

def out(text: object = "") -> None:
    print(text)


def err(text: object) -> None:
    print(text, file=sys.stderr)


def report_problems(problems: Iterable[Problem], lang: str | None = None) -> None:
    """One line per problem on stderr: ``FILE:LINE: message`` (in ``lang``; ``None``: English)."""
    for problem in problems:
        err(problem.render(lang))


def shown(path: Path) -> Path:
    """A path as the user would type it: relative to the current folder when inside it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return path


def jsonable(value: Any) -> Any:
    """Dataclasses, pydantic models, enums and dates as plain JSON data."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in fields(value)}
    from pydantic import BaseModel  # here, not at the top: --version and --help need none of it

    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [jsonable(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def print_json(data: Any) -> None:
    out(json.dumps(jsonable(data), indent=2, ensure_ascii=False))


# --- the shared options --------------------------------------------------------------------

def add_criteria_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--criteria", metavar="DIR", type=Path, action="append",
                        help="folder of referential YAML files (repeatable; default: criteria/)")


def criteria_dirs(args: argparse.Namespace) -> list[Path]:
    """The ``--criteria`` folders of the file commands, each checked to exist."""
    from labelnr.loader import DEFAULT_DIR

    dirs: list[Path] | None = getattr(args, "criteria", None)
    for folder in dirs or []:
        if not folder.exists():  # else every assessment would only say "referential not available"
            raise LabelnrError(f"{folder}: no such criteria folder")
    return dirs or [shown(DEFAULT_DIR)]


def add_lang_option(parser: argparse.ArgumentParser, what: str = "the referential's texts") -> None:
    parser.add_argument("--lang", choices=("fr", "en"), default=settings.load().language,
                        help=f"language of {what} (default: fr, or LABELNR_LANG)")


def add_store_options(parser: argparse.ArgumentParser, actor_help: str = "who is making the change") -> None:
    """``--database``, ``--data-dir``, ``--criteria`` and ``--as`` of the commands using the store.

    Kept apart from ``labelnr.storage``: importing the store takes seconds, and a command
    adding these options may not need it (an Excel export of a YAML file)."""
    parser.add_argument(
        "--database",
        metavar="URL",
        help="database URL (default: LABELNR_DATABASE_URL or the SQLite file in the data folder)",
    )
    parser.add_argument(
        "--data-dir", metavar="DIR", type=Path, help="data folder (default: LABELNR_DATA_DIR or audits/)"
    )
    add_criteria_option(parser)
    parser.add_argument(
        "--as",
        dest="actor",
        metavar="IDENTITY",
        help=f"{actor_help}: what it reads and changes is checked against its roles and the history "
        "records it (default: LABELNR_ACTOR or local)",
    )


def date_arg(text: str) -> dt.date:
    """An argparse ``type``: ``YYYY-MM-DD``."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date (YYYY-MM-DD)") from None


# --- the store -----------------------------------------------------------------------------

def store_actor(args: argparse.Namespace) -> str:
    """Who the history records for a command of the store: ``--as``, else LABELNR_ACTOR, else local."""
    from labelnr.permissions import LOCAL_USER

    return str(args.actor or settings.load().actor or LOCAL_USER)


def store_catalog(args: argparse.Namespace) -> Catalog:
    """The referentials of ``--criteria`` (default: the shipped folder) for the store's commands."""
    from labelnr.loader import DEFAULT_DIR, load_catalog

    return load_catalog(args.criteria or [DEFAULT_DIR])


def open_store(args: argparse.Namespace, catalog: Catalog | None = None, *, checked: bool = True) -> Store:
    """The store of ``--database`` / ``--data-dir`` over ``catalog`` (default: ``--criteria``).

    ``checked``: the schema is created or upgraded, and every change is checked against the role
    grants. Only backup and restore open it unchecked: they handle the schema themselves (a
    restore needs an empty database) and check the actor on their own."""
    from labelnr.storage import Store

    store = Store(args.database, args.data_dir, catalog if catalog is not None else store_catalog(args))
    if not checked:
        return store
    from labelnr.auth import enforce_grants

    store.ensure_schema()
    return enforce_grants(store)


def store_view(args: argparse.Namespace, catalog: Catalog | None = None) -> ActorStore:
    """The store as the ``--as`` identity sees it: what it reads and changes is checked, as in the app."""
    return open_store(args, catalog).as_actor(store_actor(args))
