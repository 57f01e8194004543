"""``labelnr report``: the labelling committee's dossier as one PDF.

    labelnr report CAMPAIGN --pdf OUT.pdf [--lang en] [--as-of DATE]
        CAMPAIGN is a stored campaign id or an interchange YAML file, as for ``labelnr export``.
    labelnr report --organisation ID --pdf OUT.pdf [--period PERIOD] [CAMPAIGN]
        One dossier for the organisation: the group view and every entity's summary, for
        the entities' campaigns of one referential version and period (that of CAMPAIGN,
        else --period, else the latest held).
    labelnr report SERVICE-CAMPAIGN --rgesn-declaration OUT.pdf [--lang en]
        The RGESN declaration a public body publishes for a digital service: service, date,
        score overall and per family, criteria not validated with their action, owner, date.

Database options as for the store's commands: ``--database URL``, ``--data-dir DIR``,
``--criteria DIR``, ``--as IDENTITY`` (the identity's roles are checked as for an export).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from labelnr.cli._common import Subparsers, date_arg, store_view, text
from labelnr.cli._excel import add_workbook_options, export_data
from labelnr.errors import InvalidFile


def _campaign(args: argparse.Namespace) -> bytes:
    from labelnr.report import campaign_pdf

    return campaign_pdf(export_data(args))


def _organisation(args: argparse.Namespace) -> bytes:
    from labelnr.assessment import Period
    from labelnr.report import organisation_pdf
    from labelnr.report.organisation import organisation_data

    if args.as_of is not None:
        raise InvalidFile.coded("report", "as_of_not_organisation")
    campaign: str | None = args.campaign
    if campaign is not None and not campaign.isdigit():
        raise InvalidFile.coded(campaign, "organisation_needs_stored")
    with store_view(args) as store:
        found = organisation_data(store, args.organisation, args.lang,
                                  int(campaign) if campaign else None,
                                  Period(args.period) if args.period else None)
    for entity, why in found.skipped:
        sys.stderr.write(text(args, "entity_left_out", entity=entity, why=why) + "\n")
    return organisation_pdf(found.items, args.lang)


def _declaration(args: argparse.Namespace) -> bytes:
    from labelnr.report.declaration import check_declarable, declaration_pdf

    if args.organisation is not None or args.as_of is not None or args.campaign is None:
        raise InvalidFile.coded("report", "declaration_one_campaign")
    data = export_data(args)
    check_declarable(data)
    return declaration_pdf(data)


def _written(args: argparse.Namespace, path: Path, content: bytes) -> str:
    return text(args, "pdf_written", path=str(path), size=text(args, "n_bytes", len(content))) + "\n"


def cmd_report(args: argparse.Namespace) -> int:
    from labelnr.files import write_atomic

    if (args.pdf is None) == (args.rgesn_declaration is None):
        raise InvalidFile.coded("report", "report_one_output")
    if args.rgesn_declaration is not None:
        declaration = _declaration(args)
        write_atomic(args.rgesn_declaration, declaration)
        sys.stdout.write(_written(args, args.rgesn_declaration, declaration))
        return 0
    if args.organisation is None and args.campaign is None:
        raise InvalidFile.coded("report", "report_what")
    pdf = _organisation(args) if args.organisation is not None else _campaign(args)
    write_atomic(args.pdf, pdf)
    sys.stdout.write(_written(args, args.pdf, pdf))
    return 0


def register(subparsers: Subparsers) -> None:
    report = subparsers.add_parser(
        "report", help="the labelling committee's dossier (PDF) of a campaign or an organisation"
    )
    report.add_argument("campaign", nargs="?", metavar="CAMPAIGN",
                        help="a stored campaign id, or an interchange YAML file")
    report.add_argument("--pdf", type=Path, metavar="OUT.pdf", help="write the dossier here")
    report.add_argument("--rgesn-declaration", type=Path, metavar="OUT.pdf",
                        help="write the RGESN declaration of a service's campaign here (instead of --pdf)")
    report.add_argument("--organisation", metavar="ID",
                        help="one dossier for the whole organisation (group view, every entity's summary)")
    report.add_argument("--period", choices=("baseline", "year1", "year2", "year3", "renewal"),
                        help="with --organisation: the period of the campaigns gathered "
                        "(default: the latest)")
    report.add_argument("--as-of", type=date_arg, metavar="DATE",
                        help="the campaign and its evidence as they stood at the end of DATE "
                        "(stored campaigns)")
    add_workbook_options(report)
    report.set_defaults(func=cmd_report)
