"""Compile the dossier: the JSON data of :mod:`labelnr.report.data` into the Typst template.

The data goes in as one ``sys.inputs`` string that the template decodes with ``json``: user
text is never concatenated into Typst markup, so it cannot break the layout or run code.
Only the fonts embedded in Typst are used (no system font scan), so the PDF looks the same
on every machine. The PDF is tagged (structure tree, reading order, alternative text for
the charts) and declares PDF/UA-1 conformance, which Typst checks while compiling.
"""

from __future__ import annotations

import datetime as dt
import json
from functools import cache
from importlib.resources import files
from typing import Any, Final

from labelnr.errors import LabelnrError

TEMPLATE = "dossier.typ"
#: Accessibility standard the PDF declares (Typst refuses to compile what would break it).
PDF_STANDARD: Final = "ua-1"


class ReportError(LabelnrError):
    """The dossier could not be compiled (a bug in the template or data, not user input)."""


@cache
def template(name: str = TEMPLATE) -> bytes:
    return files("labelnr.report").joinpath(name).read_bytes()


def compile_pdf(document: dict[str, Any], timestamp: dt.datetime | None = None,
                template_name: str = TEMPLATE) -> bytes:
    """The PDF of one document (see :func:`labelnr.report.data.document`) through a template of
    this package (the dossier's by default)."""
    import typst

    compiler = typst.Compiler(ignore_system_fonts=True)
    payload = json.dumps(document, ensure_ascii=False)
    stamp = (timestamp or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    try:
        pdf = compiler.compile(
            template(template_name),
            format="pdf",
            sys_inputs={"data": payload},
            pdf_standards=PDF_STANDARD,
            timestamp=stamp,
        )
    except typst.TypstError as exc:
        raise ReportError(f"the dossier could not be compiled: {exc.message}\n{exc.diagnostic}") from None
    assert isinstance(pdf, bytes)
    return pdf
