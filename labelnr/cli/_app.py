"""The command tree and the program: one parser holding every command group, and :func:`main`.

Every group module is imported here, at the top: none imports a heavy library (SQLAlchemy,
pandas, openpyxl, typst, the store) before its command runs, so the whole tree costs a few
milliseconds and ``--version`` / ``--help`` load nothing else.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import cast

from labelnr import settings
from labelnr.cli import _auth, _db, _excel, _report
from labelnr.cli._common import (
    EXIT_INVALID,
    EXIT_OK,
    EXIT_USAGE,
    CommandParser,
    Handler,
    Subparsers,
    UsageError,
    add_lang_everywhere,
    err,
    message_lang,
    report_problems,
    text,
)
from labelnr.cli._referential import (
    register_diff,
    register_migrate,
    register_schema,
    register_score,
    register_validate,
)
from labelnr.errors import InvalidFile, LabelnrError, render
from labelnr.settings import SettingsError

#: The commands on files, in the order of the help. ``migrate`` is registered apart (below).
CORE: dict[str, Callable[[Subparsers], None]] = {
    "validate": register_validate, "diff": register_diff, "score": register_score,
    "migrate": register_migrate, "schema": register_schema,
}

#: The other groups, in the order of the help: the store (db, import, export-yaml), the
#: Excel workbook (export, import-xlsx), the PDF dossier (report), the role grants (users).
GROUPS: tuple[Callable[[Subparsers], None], ...] = (
    _db.register, _excel.register, _report.register, _auth.register,
)


def error_lang(argv: Sequence[str], args: argparse.Namespace | None = None) -> str:
    """The language of messages and errors: ``--lang``, else ``LABELNR_LANG``, else French.

    Without parsed arguments (the settings are wrong), ``--lang`` is looked for in ``argv``, then
    ``LABELNR_LANG`` is used if it names a language (another setting may be the wrong one)."""
    if args is not None:
        return message_lang(args)
    for i, arg in enumerate(argv):
        given = arg.removeprefix("--lang=") if arg.startswith("--lang=") else (
            argv[i + 1] if arg == "--lang" and i + 1 < len(argv) else None)
        if given in ("fr", "en"):
            return given
    environment = os.environ.get(settings.LANG, "").strip().lower()
    return environment if environment in ("fr", "en") else "fr"


def _offers_campaigns(argv: Sequence[str] | None) -> bool:
    """Whether ``migrate`` takes ``--campaign`` and the store's options: when asked for, and in the
    help. Otherwise ``migrate`` takes only files, and refuses the store's options as unknown."""
    return argv is None or any(a.startswith("--campaign") or a in ("-h", "--help") for a in argv)


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser of every command (``argv`` only decides whether ``migrate`` offers ``--campaign``)."""
    from labelnr import __version__ as own_version  # not importlib.metadata: it costs a start
    CommandParser.lang = error_lang(argv or [])  # argparse's refusals, before --lang is parsed
    parser = CommandParser(
        prog="labelnr", description="Label NR Workbook: referentials, assessments, scores. Every command "
        "takes --lang fr|en, the language of its messages and errors (default: LABELNR_LANG, else fr).")
    parser.add_argument("--version", action="version", version=f"labelnr {own_version}")
    subparsers = cast(Subparsers, parser.add_subparsers(title="commands", metavar="COMMAND", dest="command"))
    for name, register in CORE.items():
        if name == "migrate":
            register_migrate(subparsers, campaigns=_offers_campaigns(argv))
        else:
            register(subparsers)
    for register in GROUPS:
        register(subparsers)
    add_lang_everywhere(parser)
    return parser


def os_error_message(exc: OSError) -> str:
    where = f"{exc.filename}: " if exc.filename else ""
    return f"labelnr: {where}{exc.strerror or exc}"


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        settings.load()
    except SettingsError as exc:  # before the parser, whose defaults come from the settings
        err(f"labelnr: {render(exc, error_lang(argv))}")
        return EXIT_USAGE
    parser = build_parser(argv)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help (0) or a usage error (2), already printed by argparse
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    handler: Handler | None = getattr(args, "func", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    lang = args.error_lang = error_lang(argv, args)
    try:
        return handler(args)
    except InvalidFile as exc:
        report_problems(exc.problems, lang)
        return EXIT_INVALID
    except UsageError as exc:
        shown = render(exc, lang)
        err(f"labelnr {args.command}: {shown}" if getattr(args, "command", None) else f"labelnr: {shown}")
        return EXIT_USAGE
    except LabelnrError as exc:
        err(f"labelnr: {render(exc, lang)}")
        return EXIT_INVALID
    except KeyboardInterrupt:
        err("labelnr: " + text(lang, "interrupted"))
        return 130
    except BrokenPipeError:  # output piped into `head`: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except OSError as exc:  # a file no check caught (missing, a folder, not allowed...): one line
        err(os_error_message(exc))
        return EXIT_INVALID
