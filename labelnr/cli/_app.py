"""The program: the parser (core commands and extension modules) and :func:`main`."""

from __future__ import annotations

import argparse
import functools
import importlib
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

from labelnr.cli._common import (
    EXIT_INVALID,
    EXIT_OK,
    EXIT_USAGE,
    Handler,
    Subparsers,
    UsageError,
    err,
    error_lang,
    report_problems,
)
from labelnr.cli._referential import (
    register_diff,
    register_migrate,
    register_schema,
    register_score,
    register_validate,
)
from labelnr.errors import InvalidFile, LabelnrError, render

#: Modules adding subcommands, each exposing ``register(subparsers)``, with the commands
#: they add. A module is imported only when one of its commands is run (or for the full
#: help, or an unknown command), so a slow or missing module never burdens the others.
#: Add yours here (Excel: ``export``, ``import-xlsx``; accounts: ``users``).
EXTENSIONS: dict[str, tuple[str, ...]] = {
    "labelnr.cli._db": ("db", "import", "export-yaml"),
    "labelnr.cli._excel": ("export", "import-xlsx"),
    "labelnr.cli._report": ("report",),
    "labelnr.cli._auth": ("users",),
}

#: The store's module, which adds ``--campaign`` (and its database options) to ``migrate``.
STORAGE_CLI = "labelnr.cli._db"


# --- the program -------------------------------------------------------------------------

CORE: dict[str, Callable[[Subparsers], None]] = {
    "validate": register_validate, "diff": register_diff, "score": register_score,
    "migrate": register_migrate, "schema": register_schema,
}


def _command_of(argv: Sequence[str]) -> str | None:
    """The subcommand asked for: the first argument that is not an option (the main parser has no
    option taking a value)."""
    return next((a for a in argv if not a.startswith("-")), None)


def _extensions_for(argv: Sequence[str]) -> list[str]:
    command = _command_of(argv)
    if command in CORE:
        return []
    owners = [module for module, commands in EXTENSIONS.items() if command in commands]
    return owners or list(EXTENSIONS)  # no command, help, or unknown: list every command


@functools.cache
def _extension(name: str) -> Any | None:
    """The extension module, or ``None`` when this checkout does not have it."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name and (name == exc.name or name.startswith(exc.name + ".")):
            return None
        err(f"labelnr: the commands of {name} are unavailable: {exc}")
    except ImportError as exc:
        err(f"labelnr: the commands of {name} are unavailable: {exc}")
    return None


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser for ``argv``: every core command, and the extension modules it needs
    (all of them when ``argv`` is ``None``)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        own_version = version("labelnr")
    except PackageNotFoundError:
        own_version = "unknown"
    parser = argparse.ArgumentParser(
        prog="labelnr", description="Label NR Workbook: referentials, assessments, scores.")
    parser.add_argument("--version", action="version", version=f"labelnr {own_version}")
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND", dest="command")
    everything = argv is None
    # Stored campaigns need the store: load it for `migrate --campaign` or the help only.
    campaigns = everything or any(a.startswith("--campaign") or a in ("-h", "--help") for a in argv or ())
    for name, register in CORE.items():
        if name == "migrate":
            register_migrate(subparsers, campaigns=campaigns)
        else:
            register(subparsers)
    for name in list(EXTENSIONS) if argv is None else _extensions_for(argv):
        module = _extension(name)
        if module is not None:
            module.register(subparsers)
    return parser


def os_error_message(exc: OSError) -> str:
    where = f"{exc.filename}: " if exc.filename else ""
    return f"labelnr: {where}{exc.strerror or exc}"


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
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
        text = render(exc, lang)
        err(f"labelnr {args.command}: {text}" if getattr(args, "command", None) else f"labelnr: {text}")
        return EXIT_USAGE
    except LabelnrError as exc:
        err(f"labelnr: {render(exc, lang)}")
        return EXIT_INVALID
    except KeyboardInterrupt:
        err("labelnr: interrupted")
        return 130
    except BrokenPipeError:  # output piped into `head`: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except OSError as exc:  # a file no check caught (missing, a folder, not allowed...): one line
        err(os_error_message(exc))
        return EXIT_INVALID

