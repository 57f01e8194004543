"""``labelnr export`` and ``labelnr import-xlsx``: the auditor's evidence workbook.

    labelnr export CAMPAIGN --xlsx OUT.xlsx [--zip OUT.zip] [--as-of DATE] [--lang en]
        CAMPAIGN is a stored campaign id or an interchange YAML file.
    labelnr import-xlsx IN.xlsx [--yes] [--yaml FILE]
        Shows every change the workbook makes (criterion, field, old → new), then applies
        all of them or none: with --yes, or after you confirm. A workbook exported from a
        YAML file is applied to that file (--yaml, default: the file of that name next to
        the workbook).

Database options as for the store's commands: ``--database URL``, ``--data-dir DIR``,
``--criteria DIR``, ``--as IDENTITY``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from labelnr.cli._common import (
    Subparsers,
    add_lang_option,
    add_store_options,
    date_arg,
    err,
    out,
    store_actor,
    store_catalog,
    store_view,
    text,
)
from labelnr.errors import InvalidFile

if TYPE_CHECKING:
    from labelnr.excel.model import WorkbookData
    from labelnr.excel.reimport import ImportedWorkbook, Preview


def add_workbook_options(parser: argparse.ArgumentParser) -> None:
    """``--lang`` of the document written, and the store's options (also for ``labelnr report``)."""
    add_lang_option(parser, "the workbook")
    add_store_options(parser, "who exports or imports")


# --- export ------------------------------------------------------------------------------


def export_data(args: argparse.Namespace) -> WorkbookData:
    """The workbook's data of CAMPAIGN: a stored campaign id, or an interchange YAML file."""
    catalog = store_catalog(args)
    campaign: str = args.campaign
    if campaign.isdigit():
        from labelnr.excel.from_store import workbook

        with store_view(args, catalog) as store:
            return workbook(store, int(campaign), args.lang, as_of=args.as_of)
    path = Path(campaign)
    if not path.is_file():
        raise InvalidFile.coded(campaign, "neither_campaign_nor_file")
    if args.as_of is not None:
        raise InvalidFile.coded(campaign, "as_of_needs_store")
    from labelnr.excel.from_file import from_path

    return from_path(path, catalog, store_actor(args), args.lang)


def _unwritable(path: Path, exc: OSError) -> InvalidFile:
    return InvalidFile.coded(path, "file_unwritable", reason=exc.strerror or str(exc))


def cmd_export(args: argparse.Namespace) -> int:
    if args.xlsx is None and args.zip is None:
        raise InvalidFile.coded("export", "export_where")
    from labelnr.excel.export import workbook_bytes
    from labelnr.files import write_atomic

    for target in (args.xlsx, args.zip):  # refused before anything is written
        if target is not None and target.is_dir():
            raise InvalidFile.coded(target, "export_to_folder")
    data = export_data(args)
    workbook = workbook_bytes(data)
    if args.xlsx is not None:
        try:
            write_atomic(args.xlsx, workbook)
        except OSError as exc:
            raise _unwritable(args.xlsx, exc) from None
        out(text(args, "xlsx_written", path=str(args.xlsx),
                 criteria=text(args, "n_criteria", len(data.criteria)),
                 evidence=text(args, "n_evidence_items", len(data.evidence))))
    if args.zip is not None:
        from labelnr.excel.pack import write_pack

        name = args.xlsx.name if args.xlsx is not None else args.zip.with_suffix(".xlsx").name
        try:
            report = write_pack(data, workbook, args.zip, name)
        except OSError as exc:
            raise _unwritable(args.zip, exc) from None
        out(text(args, "zip_written", path=str(args.zip), workbook=name,
                 files=text(args, "n_evidence_files", report.included)))
        for missing in report.not_provided:
            err(text(args, "evidence_not_provided", criterion=missing.entry.criterion,
                     title=missing.entry.title))
    return 0


# --- import ------------------------------------------------------------------------------


#: What confirms at the ``[y/N]`` / ``[o/N]`` question, whatever the language of the messages.
YES = ("y", "yes", "o", "oui")


def _confirm(args: argparse.Namespace, count: int) -> bool:
    if not sys.stdin.isatty():
        return False
    try:
        answer = input(text(args, "confirm", count))
    except EOFError:
        return False
    return answer.strip().lower() in YES


def cmd_import_xlsx(args: argparse.Namespace) -> int:
    from labelnr.excel.reimport import read_path
    from labelnr.yamlpos import unreadable

    try:
        imported = read_path(args.workbook)
    except OSError as exc:
        raise unreadable(args.workbook, exc) from None
    if imported.meta.get("as_of"):
        raise InvalidFile.coded(args.workbook, "xlsx_past_state", as_of=imported.meta.get("as_of"))
    if imported.meta.get("source") == "file":
        return _import_into_file(args, imported)
    return _import_into_store(args, imported)


def _show(current: WorkbookData, result: Preview, lang: str) -> None:
    from labelnr.excel.reimport import describe

    lines = describe(current, result, lang)
    out(text(lang, "xlsx_changes", source=str(result.source), changes=text(lang, "n_changes", len(lines))))
    for line in lines:
        out(f"  {line}")


def _decided(args: argparse.Namespace, count: int) -> bool:
    if args.yes or _confirm(args, count):
        return True
    out(text(args, "nothing_changed"))
    return False


def _reviewed(
    args: argparse.Namespace, imported: ImportedWorkbook, current: WorkbookData, into: str
) -> Preview | None:
    """The changes the workbook makes to ``current``, shown and agreed to; None: nothing to apply."""
    from labelnr.excel.reimport import preview

    result = preview(imported, current)
    if result.empty:
        out(text(args, "no_change_to_import", source=str(imported.source), into=into))
        return None
    _show(current, result, args.lang)
    return result if _decided(args, len(result.changes)) else None


def _import_into_store(args: argparse.Namespace, imported: ImportedWorkbook) -> int:
    from labelnr.excel.from_store import apply_workbook, stored_campaign_id, workbook

    campaign_id = stored_campaign_id(imported.meta.get("campaign_id"))
    with store_view(args) as store:
        current = workbook(store, campaign_id, args.lang)
        result = _reviewed(args, imported, current, text(args, "into_campaign", campaign=str(campaign_id)))
        if result is None:
            return 0
        saved = apply_workbook(store, current, result)
    out(text(args, "imported_into_campaign", campaign=str(campaign_id),
             changes=text(args, "n_changes", len(result.changes)), rows=text(args, "n_rows", saved)))
    return 0


def _import_into_file(args: argparse.Namespace, imported: ImportedWorkbook) -> int:
    from labelnr.excel.from_file import from_path
    from labelnr.excel.reimport import apply_to_assessment
    from labelnr.files import write_atomic
    from labelnr.interchange import dump_assessment

    target: Path = args.yaml or args.workbook.parent / imported.meta.get("campaign_id")
    if not target.is_file():
        raise InvalidFile.coded(args.workbook, "xlsx_file_not_found", file=imported.meta.get("campaign_id"),
                                target=target)
    current = from_path(target, store_catalog(args), store_actor(args), args.lang)
    result = _reviewed(args, imported, current, str(target))
    if result is None:
        return 0
    updated = apply_to_assessment(current, result, store_actor(args), dt.datetime.now(dt.UTC).date())
    try:
        write_atomic(target, dump_assessment(updated))
    except OSError as exc:
        raise _unwritable(target, exc) from None
    out(text(args, "imported_into_file", path=str(target),
             changes=text(args, "n_changes", len(result.changes))))
    return 0


def register(subparsers: Subparsers) -> None:
    export = subparsers.add_parser(
        "export", help="the auditor's Excel evidence workbook of a campaign (and an evidence pack)"
    )
    export.add_argument(
        "campaign", metavar="CAMPAIGN", help="a stored campaign id, or an interchange YAML file"
    )
    export.add_argument("--xlsx", type=Path, metavar="OUT.xlsx", help="write the workbook here")
    export.add_argument(
        "--zip",
        type=Path,
        metavar="OUT.zip",
        help="write the evidence pack here: workbook, evidence files, manifest",
    )
    export.add_argument(
        "--as-of",
        type=date_arg,
        metavar="DATE",
        help="the campaign and its evidence as they stood at the end of DATE (stored campaigns)",
    )
    add_workbook_options(export)
    export.set_defaults(func=cmd_export)

    imp = subparsers.add_parser(
        "import-xlsx", help="read back an evidence workbook filled in offline (preview, then all or nothing)"
    )
    imp.add_argument("workbook", type=Path, metavar="IN.xlsx")
    imp.add_argument("--yes", action="store_true", help="apply the changes without asking")
    imp.add_argument(
        "--yaml",
        type=Path,
        metavar="FILE",
        help="for a workbook exported from a YAML file: the file to update",
    )
    add_workbook_options(imp)
    imp.set_defaults(func=cmd_import_xlsx)
