"""What every command group shares: output, messages, exit codes, the shared options and the one store opener.

Only the standard library and ``labelnr.errors`` are imported here: ``labelnr --version`` and
``labelnr --help`` load every command group, and the store (SQLAlchemy, pandas) takes seconds;
the catalogs and Babel are loaded by :func:`text`, when a command has something to say.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import fields, is_dataclass
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeAlias

from labelnr import settings
from labelnr.errors import LabelnrError, Problem

if TYPE_CHECKING:
    from labelnr.i18n import Lang
    from labelnr.loader import Catalog
    from labelnr.storage import ActorStore, Store

Handler = Callable[[argparse.Namespace], int]
Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


class UsageError(LabelnrError):
    """The arguments do not make sense together (exit code 2, like argparse's own errors)."""


# --- output --------------------------------------------------------------------------------

def out(line: object = "") -> None:
    print(line)


def err(line: object) -> None:
    print(line, file=sys.stderr)


def message_lang(args: argparse.Namespace | None = None) -> Lang:
    """The language of every message and error: ``--lang``, else ``LABELNR_LANG``, else French."""
    lang = getattr(args, "lang", None)
    return lang if lang in ("fr", "en") else settings.load().language


def text(where: argparse.Namespace | str, key: str, /, count: float | None = None, **params: Any) -> str:
    """The message ``cli.<key>`` (``labelnr/locales/cli.yaml``) in the command's language.

    ``where``: the parsed arguments (their ``--lang``, see :func:`message_lang`) or a language.
    With ``count``, the plural form ``<key>_one`` / ``<key>_other`` for it, ``{count}`` written the
    language's way; the ``params`` too (floats, dates, lists: :func:`labelnr.formatting.format_value`;
    ints and strings, which are ids, paths and sentences already made, as they are).
    """
    from labelnr.formatting import format_value, plural  # Babel and the catalogs only when run
    from labelnr.i18n import translate

    lang = where if isinstance(where, str) else message_lang(where)
    shown = {name: format_value(value, lang) for name, value in params.items()}
    if count is None:
        return translate(f"cli.{key}", lang, **shown)
    return plural(f"cli.{key}", count, lang, **shown)


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


# --- the parser ----------------------------------------------------------------------------

#: argparse's own usage errors (Python 3.11+) and the catalog key saying each in French; English
#: keeps argparse's words. What is not in this list is shown as argparse wrote it.
_ARGPARSE_ERRORS = (
    (r"unrecognized arguments: (?P<args>.*)", "argparse_unrecognized"),
    (r"the following arguments are required: (?P<args>.*)", "argparse_required"),
    (r"one of the arguments (?P<args>.*) is required", "argparse_one_required"),
    (r"argument (?P<argument>[^:]+): invalid choice: (?P<value>.*) \(choose from (?P<choices>.*)\)",
     "argparse_invalid_choice"),
    (r"argument (?P<argument>[^:]+): expected one argument", "argparse_expected_value"),
    (r"argument (?P<argument>[^:]+): invalid (?P<kind>\w+) value: (?P<value>.*)", "argparse_invalid_value"),
    (r"argument (?P<argument>[^:]+): '(?P<value>.*)' is not a date \(YYYY-MM-DD\)", "argparse_not_a_date"),
    (r"argument (?P<argument>[^:]+): not allowed with argument (?P<other>.*)", "argparse_not_allowed_with"),
)
ARGPARSE_ERRORS = tuple((re.compile(pattern), key) for pattern, key in _ARGPARSE_ERRORS)


def usage_error_text(message: str, lang: str) -> str:
    """argparse's ``error: MESSAGE`` in ``lang`` (English: argparse's own words)."""
    if lang != "fr":
        return f"error: {message}"
    from labelnr.i18n import translate

    for pattern, key in ARGPARSE_ERRORS:
        found = pattern.fullmatch(message)
        if found:
            message = translate(f"cli.{key}", lang, **found.groupdict())
            break
    return translate("cli.usage_error", lang, message=message)


class CommandParser(argparse.ArgumentParser):
    """The parser of every command: its usage errors are in the language of the messages.

    ``lang`` is set by :func:`labelnr.cli.build_parser` from ``--lang`` or ``LABELNR_LANG``
    (the arguments are not parsed yet when argparse refuses them)."""

    lang = "fr"

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: {usage_error_text(message, type(self).lang)}\n")


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
            raise LabelnrError.of("no_criteria_folder", folder=folder)
    return dirs or [shown(DEFAULT_DIR)]


def add_lang_option(parser: argparse.ArgumentParser, what: str | None = None) -> None:
    """``--lang fr|en``: the language of the messages and errors (and of ``what`` the command writes).

    :func:`add_lang_everywhere` gives it to every command that does not add it itself."""
    also = f" and of {what}" if what else ""
    parser.add_argument("--lang", choices=("fr", "en"), default=settings.load().language,
                        help=f"language of the messages and errors{also} (default: LABELNR_LANG, else fr)")


def add_lang_everywhere(parser: argparse.ArgumentParser) -> None:
    """``--lang`` on every command of the tree (each parser that runs a command) still without it."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for command in dict.fromkeys(action.choices.values()):  # aliases map to the same parser
                add_lang_everywhere(command)
    if parser.get_default("func") is not None and "--lang" not in parser._option_string_actions:
        add_lang_option(parser)


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
