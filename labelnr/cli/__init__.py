"""The ``labelnr`` command line.

Each subcommand is a ``register_*`` function that adds its parser and sets ``func``, the
handler: it takes the parsed arguments and returns the exit code. Commands of other
parts of the product live in their own modules, listed in :data:`EXTENSIONS` with the
commands they add, each with a ``register(subparsers)`` function; a module is imported
only when one of its commands is asked for, after the core commands (so it may extend
one, e.g. ``subparsers.choices["migrate"]``), and a module missing from this checkout is
simply skipped. ``labelnr migrate --campaign`` comes from the store's module.

Exit codes: 0 done, 1 invalid input (each problem printed as ``FILE:LINE: message`` on
stderr), 2 wrong usage. A :class:`~labelnr.errors.LabelnrError` never reaches the user
as a traceback.
"""

from labelnr.cli._app import CORE, EXTENSIONS, STORAGE_CLI, build_parser, main, os_error_message
from labelnr.cli._common import (
    EXIT_INVALID,
    EXIT_OK,
    EXIT_USAGE,
    Handler,
    Subparsers,
    UsageError,
    add_criteria_option,
    add_lang_option,
    add_store_options,
    criteria_dirs,
    err,
    error_lang,
    jsonable,
    out,
    print_json,
    report_problems,
    shown,
    store_actor,
)

__all__ = [
    "CORE", "EXIT_INVALID", "EXIT_OK", "EXIT_USAGE", "EXTENSIONS", "STORAGE_CLI", "Handler", "Subparsers",
    "UsageError", "add_criteria_option", "add_lang_option", "add_store_options", "build_parser",
    "criteria_dirs", "err", "error_lang", "jsonable", "main", "os_error_message", "out", "print_json",
    "report_problems", "shown", "store_actor",
]
