"""The ``labelnr`` command line: one command tree, one module per command group.

    _app.py          the parser of every command, and :func:`main` (exit codes, error lines)
    _common.py       output, messages (:func:`~labelnr.cli._common.text`, catalog
                     ``labelnr/locales/cli.yaml``), exit codes, the shared options (--database,
                     --data-dir, --criteria, --as, --lang) and the one store opener
                     (:func:`~labelnr.cli._common.open_store`)
    _referential.py  validate, diff, score, migrate, schema: commands on files
    _db.py           db upgrade/check/sweep/backup/restore, import, export-yaml, migrate --campaign
    _excel.py        export, import-xlsx: the auditor's Excel workbook
    _report.py       report: the committee's PDF dossier
    _auth.py         users: role grants

Each subcommand is a ``register`` function that adds its parser and sets ``func``, the
handler: it takes the parsed arguments and returns the exit code. A group module imports
only the standard library and light ``labelnr`` modules at its top; what a command needs
(the store, pandas, openpyxl, typst...) it imports when it runs, so ``labelnr --version`` and
``labelnr --help`` start without them.

Every message and error is in the language of ``--lang`` (every command has it), else of
``LABELNR_LANG``, else French, the product's default.

Exit codes: 0 done, 1 invalid input (each problem printed as ``FILE:LINE: message`` on
stderr), 2 wrong usage. A :class:`~labelnr.errors.LabelnrError` never reaches the user
as a traceback.
"""

from labelnr.cli._app import CORE, build_parser, error_lang, main
from labelnr.cli._common import EXIT_INVALID, EXIT_OK, EXIT_USAGE, Subparsers, UsageError, shown

__all__ = [
    "CORE",
    "EXIT_INVALID",
    "EXIT_OK",
    "EXIT_USAGE",
    "Subparsers",
    "UsageError",
    "build_parser",
    "error_lang",
    "main",
    "shown",
]
