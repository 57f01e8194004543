"""The labelling committee's dossier: one PDF with every score, justification, evidence and commitment.

- :mod:`labelnr.report.data` turns the Excel export's model (:class:`WorkbookData`, from a
  stored campaign or an interchange file) into plain JSON data;
- ``dossier.typ`` (package data) lays it out with Typst;
- :mod:`labelnr.report.render` compiles it to a tagged PDF;
- :mod:`labelnr.report.declaration` (and ``declaration.typ``) makes a service's RGESN declaration.

No Streamlit here: the CLI (``labelnr report``) and the app's pages call these functions.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from labelnr.i18n import Lang, translate

if TYPE_CHECKING:
    from labelnr.excel.model import WorkbookData

PDF_MIME = "application/pdf"
_UNSAFE = re.compile(r"[^\w.-]+")


def campaign_pdf(data: WorkbookData) -> bytes:
    """The dossier of one campaign, in the data's language."""
    from labelnr.report.data import campaign_dossier, document
    from labelnr.report.render import compile_pdf

    a = data.assessment
    title = f"{translate('report.dossier_title', data.lang)} — {a.entity.name}"
    body = campaign_dossier(data)
    return compile_pdf(document("campaign", data.lang, title, data.exported_by, body), data.exported_at)


def organisation_pdf(items: Sequence[WorkbookData], lang: Lang) -> bytes:
    """One dossier for an organisation: the group view, then every entity's summary."""
    from labelnr.report.data import document, entity_summary, group_view
    from labelnr.report.render import compile_pdf

    if not items:
        raise ValueError("an organisation dossier needs at least one campaign")
    first = items[0]
    title = f"{translate('report.org_dossier_title', lang)} — {first.assessment.organisation.name}"
    body = {"group": group_view(items, lang), "entities": [entity_summary(d) for d in items]}
    return compile_pdf(document("organisation", lang, title, first.exported_by, body), first.exported_at)


def file_name(entity: str, period: str, date: str) -> str:
    """``labelnr-dossier-<entity>-<period>-<date>.pdf``, safe on any file system."""
    return _UNSAFE.sub("_", f"labelnr-dossier-{entity}-{period}-{date}") + ".pdf"
