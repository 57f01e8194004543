"""``labelnr`` subcommands of the store: db upgrade/check/sweep, import, export-yaml.

:func:`register` adds them to the main parser's subparsers. Each command's function
takes the parsed arguments and returns the exit code; errors are
:class:`~labelnr.errors.LabelnrError` for the main program to print.

    labelnr db upgrade                      create or upgrade the schema
    labelnr db check                        database and evidence files intact?
    labelnr db sweep                        remove evidence files nothing uses any more
    labelnr db backup DIR                   database + evidence, consistent, restorable on either backend
    labelnr db restore DIR                  a backup into an empty database (all or nothing)
    labelnr import FILE_OR_DIR...           interchange YAML into the database (all or nothing)
    labelnr import-csv CAMPAIGN_ID FILE.csv answers as RGESN tools export them (criterion id,
                                            status, justification), into a draft (all or nothing)
    labelnr export-yaml CAMPAIGN_ID [-o F]  one stored campaign as interchange YAML
    labelnr export-yaml --all DIR           every campaign, one file each (+ evidence files)
    labelnr migrate --campaign ID --to V    a stored campaign carried to a newer version, as a new draft

``migrate`` itself is a command on files (:mod:`labelnr.cli._referential`): it adds
:func:`add_campaign_migration_options` and calls :func:`cmd_migrate_campaign` when
``--campaign`` is given.

Common options: ``--database URL`` (else ``LABELNR_DATABASE_URL`` or the SQLite file of
the data folder), ``--data-dir DIR`` (else ``LABELNR_DATA_DIR`` or ``audits/``),
``--criteria DIR`` (referential folders, default ``criteria/``), ``--as IDENTITY`` (the
identity recorded in the history, else ``LABELNR_ACTOR`` or the local user).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from labelnr.cli._common import (
    Subparsers,
    add_store_options,
    message_lang,
    open_store,
    out,
    store_actor,
    store_view,
    text,
)
from labelnr.errors import InvalidFile

if TYPE_CHECKING:  # the store (SQLAlchemy, pandas) is imported by the commands that run
    from labelnr.storage import Store


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from labelnr.storage import db as dbmod

    url = args.database or dbmod.database_url(args.data_dir or dbmod.data_dir())
    with dbmod.Database(url) as database:
        changed = dbmod.ensure_schema(database.engine)
        revision = dbmod.current_revision(database.engine)
        out(text(args, "db_upgraded" if changed else "db_up_to_date", url=database.display_url,
                 revision=str(revision)))
    return 0


def cmd_db_check(args: argparse.Namespace) -> int:
    with store_view(args) as store:  # an installation administrator's task
        report = store.check_integrity()
    from labelnr.formatting import format_value

    for problem in report.problems:  # catalog messages (labelnr.errors.Msg): shown in the language
        out(format_value(problem, message_lang(args)))
    out(text(args, "db_checked", status=text(args, "db_ok" if report.ok else "db_problems"),
             files=text(args, "n_evidence_verified", report.checked_files)))
    return 0 if report.ok else 1


def _require_installation_admin(store: Store, actor: str) -> None:
    """Backups hold every organisation's data: only an administrator of the whole installation."""
    from labelnr.permissions import Action, require

    require(actor, Action.MANAGE, [], store.grants())  # the empty path: the whole installation


def cmd_db_backup(args: argparse.Namespace) -> int:
    from labelnr.storage.backup import backup

    with open_store(args, checked=False) as store:
        _require_installation_admin(store, store_actor(args))
        report = backup(store.db, store.files, args.folder)
    out(text(args, "db_backed_up", rows=text(args, "n_rows", report.total_rows),
             files=text(args, "n_evidence_files", report.evidence_files), revision=str(report.revision),
             folder=str(report.folder)))
    return 0


def cmd_db_restore(args: argparse.Namespace) -> int:
    from labelnr.storage.backup import restore

    with open_store(args, checked=False) as store:
        report = restore(store.db, store.files, args.folder)
    out(text(args, "db_restored", rows=text(args, "n_rows", report.total_rows),
             files=text(args, "n_evidence_files", report.evidence_files), folder=str(report.folder)))
    return 0


def cmd_db_sweep(args: argparse.Namespace) -> int:
    with store_view(args) as store:
        removed = store.sweep_evidence(dt.timedelta(hours=args.grace_hours))
    out(text(args, "db_swept", len(removed)))
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    with store_view(args) as store:
        results = store.import_paths(list(args.paths))
    for result in results:
        out(text(args, "import_created" if result.created else "import_updated", source=str(result.source),
                 campaign=str(result.campaign_id), changes=text(args, "n_changes", result.changes)))
        for warning in result.warnings:
            out(text(args, "warning", message=warning))  # a ProblemLine: shown in the language
    return 0


def cmd_import_csv(args: argparse.Namespace) -> int:
    from labelnr.csvanswers import read_answers
    from labelnr.storage.service import AnswerChange

    with store_view(args) as store:
        view = store.campaign(args.campaign)
        parsed = read_answers(args.file, store.referential_of(args.campaign))
        changes = []
        for row in parsed:
            # The file says status, N/A and justification: the owner and the rest stay as stored.
            own = view.assessment.answers.get(row.criterion_id)
            update = {"level": row.answer.level, "not_applicable": row.answer.not_applicable,
                      "comment": row.answer.comment or (own.comment if own else None)}
            answer = own.model_copy(update=update) if own else row.answer
            changes.append(AnswerChange(row.criterion_id, answer, view.answer_revision(row.criterion_id)))
        changed = store.import_changes(args.campaign, changes, source=str(args.file))
    out(text(args, "csv_imported", file=str(args.file), read=text(args, "n_answers_read", len(parsed)),
             saved=text(args, "n_changes_saved", changed), campaign=str(args.campaign)))
    return 0


def cmd_export_yaml(args: argparse.Namespace) -> int:
    if (args.campaign is None) == (args.all is None):
        raise InvalidFile.coded("export-yaml", "export_yaml_what")
    with store_view(args) as store:
        if args.all is not None:  # every campaign the --as identity may export
            written = store.export_all(args.all, with_files=not args.no_files)
            out(text(args, "yaml_all_written", len(written), folder=str(args.all)))
            return 0
        content = store.export_yaml(args.campaign)
    if args.output is None:
        sys.stdout.write(content)
        return 0
    from labelnr.files import write_atomic

    write_atomic(args.output, content)
    out(text(args, "wrote", path=str(args.output)))
    return 0


def add_campaign_migration_options(parser: argparse.ArgumentParser) -> None:
    """``--campaign ID --to VERSION`` for ``labelnr migrate`` (stored campaigns; see the CLI module)."""
    parser.add_argument("--campaign", type=int, metavar="ID", help="migrate a stored campaign (a new draft)")
    add_store_options(parser)


def cmd_migrate_campaign(args: argparse.Namespace) -> int:
    """``labelnr migrate --campaign ID --to VERSION``: a new draft on the newer version, and the report."""
    with store_view(args) as store:
        info, reports = store.migrate_campaign(args.campaign, args.to)
    for report in reports:
        out(text(args, "campaign_migrated", source=report.from_key, target=report.to_key,
                 carried=text(args, "n_answers_carried", len(report.carried)),
                 review=text(args, "n_to_review", len(report.to_review)),
                 to_answer=text(args, "n_criteria_to_answer", len(report.needs_answer)),
                 dropped=text(args, "n_items_dropped", len(report.dropped))))
        for dropped in report.dropped:
            out(text(args, "campaign_dropped", what=text(args, f"dropped_{dropped.what}"), item=dropped.id,
                     reason=dropped.reason))
    out(text(args, "campaign_draft_created", campaign=str(info.id), key=info.referential_key,
             source=str(args.campaign)))
    return 0


def register(subparsers: Subparsers) -> None:
    """Add the store's commands to the main parser's ``add_subparsers()`` object."""
    db = subparsers.add_parser("db", help="the database: upgrade, check, sweep, backup, restore")
    db_commands = db.add_subparsers(dest="db_command", required=True,
                                    metavar="{upgrade,check,sweep,backup,restore}")
    upgrade = db_commands.add_parser("upgrade", help="create or upgrade the database schema")
    add_store_options(upgrade)
    upgrade.set_defaults(func=cmd_db_upgrade)
    check = db_commands.add_parser("check", help="check the database and every evidence file's SHA-256")
    add_store_options(check)
    check.set_defaults(func=cmd_db_check)
    sweep = db_commands.add_parser(
        "sweep", help="delete evidence files no campaign uses (after a grace period)"
    )
    add_store_options(sweep)
    sweep.add_argument(
        "--grace-hours", type=float, default=1.0, help="keep files younger than this (default 1)"
    )
    sweep.set_defaults(func=cmd_db_sweep)
    backup = db_commands.add_parser(
        "backup", help="copy the database and its evidence to a new folder (restorable on either backend)")
    backup.add_argument("folder", type=Path, metavar="DIR", help="a new or empty folder")
    add_store_options(backup)
    backup.set_defaults(func=cmd_db_backup)
    restore = db_commands.add_parser("restore", help="load a backup folder into an empty database")
    restore.add_argument("folder", type=Path, metavar="DIR", help="a folder written by 'labelnr db backup'")
    add_store_options(restore)
    restore.set_defaults(func=cmd_db_restore)

    imp = subparsers.add_parser(
        "import", help="import interchange YAML files or folders into the database (all or nothing)"
    )
    imp.add_argument("paths", nargs="+", type=Path, metavar="FILE_OR_DIR")
    add_store_options(imp)
    imp.set_defaults(func=cmd_import)

    csv_import = subparsers.add_parser(
        "import-csv", help="a CSV of criterion id, status, justification into a draft (all or nothing)"
    )
    csv_import.add_argument("campaign", type=int, metavar="CAMPAIGN_ID")
    csv_import.add_argument("file", type=Path, metavar="FILE.csv")
    add_store_options(csv_import)
    csv_import.set_defaults(func=cmd_import_csv)

    export = subparsers.add_parser("export-yaml", help="stored campaigns as interchange YAML")
    export.add_argument("campaign", nargs="?", type=int, metavar="CAMPAIGN_ID")
    export.add_argument("--all", type=Path, metavar="DIR", help="every campaign, one file each, into DIR")
    export.add_argument("-o", "--output", type=Path, metavar="FILE", help="write to FILE instead of stdout")
    export.add_argument("--no-files", action="store_true", help="with --all: do not copy the evidence files")
    add_store_options(export)
    export.set_defaults(func=cmd_export_yaml)
