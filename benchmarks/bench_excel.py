"""Excel evidence workbooks: our export against a bare openpyxl dump, and XlsxWriter against openpyxl.

Builds 50 entities' campaigns on the current referential (criteria/label-nr-2024.yaml) with
10,000 evidence rows in all (200 per campaign), a history and a three-year plan each, then
times, best of several runs:

- **export** — ``labelnr.excel.export.workbook_bytes`` for the 50 campaigns: every sheet,
  formats, protection, drop-downs, tables, links, the trajectory chart (scores included);
- **bare openpyxl dump** — the very same cell values (read back from our workbooks, not
  timed), written with openpyxl's write-only mode: no format, no table, no chart;
- **formatted, XlsxWriter vs openpyxl** — the criteria and evidence sheets of the 50
  workbooks written with the same formats (header style, wrapped text, unlocked yellow
  cells, protection, drop-down validation, a table, links) by each library.

    python benchmarks/bench_excel.py [--entities 50] [--evidence 10000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import io
import os
import platform
import random
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import openpyxl
import xlsxwriter
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table, TableStyleInfo

from labelnr import __version__
from labelnr.assessment import (
    Answer,
    Assessment,
    AuditorVerdict,
    Campaign,
    Commitment,
    Entity,
    NotApplicable,
    Party,
    Period,
    RefPin,
)
from labelnr.excel._sheets import OPTIONS
from labelnr.excel.export import THEME_COLUMNS, workbook_bytes
from labelnr.excel.from_file import verified_scores
from labelnr.excel.model import ActualPoint, EvidenceEntry, HistoryEntry, WorkbookData
from labelnr.loader import LoadedReferential, load_referential
from labelnr.referential import EvidenceType, Referential
from labelnr.scoring import score_assessment

CURRENT = Path(__file__).resolve().parent.parent / "criteria" / "label-nr-2024.yaml"
WORDS = (
    "politique",
    "achats",
    "réemploi",
    "sobriété",
    "formation",
    "impression",
    "serveurs",
    "données",
    "=SUM(A1)",
    "+33 1 02",
    "-réduction",
    "@équipe",
    "mesure",
    "bilan",
    "contrat",
    "DEEE",
)


def _text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words))


def campaign_data(loaded: LoadedReferential, index: int, evidence: int, rng: random.Random) -> WorkbookData:
    ref: Referential = loaded.referential
    scale = [lv.id for lv in ref.scale.levels if not lv.pending]
    answers: dict[str, Answer] = {}
    verdicts: dict[str, AuditorVerdict] = {}
    for crit in ref.criteria_for(None):
        if crit.not_applicable.allowed and rng.random() < 0.1:
            answers[crit.id] = Answer(not_applicable=NotApplicable(reason="na", justification=_text(rng, 12)))
        elif rng.random() < 0.9:
            answers[crit.id] = Answer(level=rng.choice(scale), comment=_text(rng, 25), owner=_text(rng, 2))
        if rng.random() < 0.7:
            verdicts[crit.id] = AuditorVerdict(
                verdict=rng.choice(["conform", "partial", "non_conform"]), comment=_text(rng, 15)
            )
    ids = [c.id for c in ref.criteria]
    assessment = Assessment(
        referential=RefPin(id=ref.id, version=ref.version),
        profile="standard",
        organisation=Party(id="bench", name="Groupe Bench"),
        entity=Entity(id=f"entity-{index:02d}", name=f"Entité {index}", parent=None),
        campaign=Campaign(period=Period.YEAR1, date=dt.date(2025, 3, 1), name="Année 1"),
        answers=answers,
        verdicts=verdicts,
        commitments=[
            Commitment(
                title=_text(rng, 8),
                criterion=rng.choice(ids),
                target_level=scale[-1],
                target_year=rng.randint(1, 3),
                owner=_text(rng, 2),
                due=dt.date(2026, 6, 30),
            )
            for _ in range(12)
        ],
        targets={cid: {1: scale[-2], 3: scale[-1]} for cid in ids[::2]},
    )
    self_scores = score_assessment(ref, assessment)
    entries = tuple(
        EvidenceEntry(
            rng.choice(ids),
            rng.choice(list(EvidenceType)),
            _text(rng, 6),
            url=f"https://intranet.example.org/docs/{index}/{i}" if i % 3 else None,
            file_name=None if i % 3 else f"preuve-{i}.pdf",
            sha256=None if i % 3 else f"{i:064x}",
            size=None if i % 3 else 1000 + i,
            effective_date=dt.date(2025, 1, 1 + i % 28),
        )
        for i in range(evidence)
    )
    start = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    history = tuple(
        HistoryEntry(
            start + dt.timedelta(hours=i),
            f"user{i % 7}@example.org",
            "answer",
            rng.choice(ids),
            "comment",
            _text(rng, 10),
            _text(rng, 10),
        )
        for i in range(300)
    )
    return WorkbookData(
        source="store",
        campaign_id=str(index),
        status="submitted",
        assessment=assessment,
        referential=ref,
        referential_sha256=loaded.sha256,
        effective=answers,
        self_scores=self_scores,
        verified_scores=verified_scores(ref, assessment),
        exported_by="bench@example.org",
        exported_at=dt.datetime(2025, 3, 2, tzinfo=dt.UTC),
        app_version=__version__,
        campaign_revision=42,
        evidence=entries,
        history=history,
        actual=(
            ActualPoint(Period.BASELINE, dt.date(2024, 3, 1), 250.0, 0, 240.0),
            ActualPoint(Period.YEAR1, dt.date(2025, 3, 1), self_scores.points, self_scores.level),
        ),
    )


def best(action: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Best wall-clock and best CPU time of ``repeat`` runs (CPU time is less moved by other work)."""
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        action()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return min(walls), min(cpus)


# --- the same cells, bare ------------------------------------------------------------------


def cells_of(content: bytes) -> list[tuple[str, list[tuple[Any, ...]]]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    sheets = [(ws.title, [tuple(row) for row in ws.iter_rows(values_only=True)]) for ws in book.worksheets]
    book.close()
    return sheets


def bare_dump(sheets: Sequence[tuple[str, list[tuple[Any, ...]]]]) -> bytes:
    book = openpyxl.Workbook(write_only=True)
    for title, rows in sheets:
        ws = book.create_sheet(title)
        for row in rows:
            ws.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- the same formatted sheets, in each library --------------------------------------------


def grid(data: WorkbookData) -> tuple[list[list[str | float | None]], list[list[str | None]]]:
    """The criteria rows and the evidence rows of a workbook, as plain cells."""
    crit_rows: list[list[str | float | None]] = []
    for crit in data.criteria:
        answer = data.effective.get(crit.id)
        verdict = data.verdict(crit.id)
        scored = data.self_scores.criteria[crit.id]
        crit_rows.append(
            [
                crit.id,
                crit.principle,
                crit.title.fr,
                crit.description.fr,
                float(crit.level),
                "Oui" if crit.mandatory else "Non",
                None,
                answer.level if answer else None,
                answer.not_applicable.justification if answer and answer.not_applicable else None,
                answer.comment if answer else None,
                answer.owner if answer else None,
                None,
                scored.points,
                scored.max_points,
                None,
                None,
                None,
                verdict.verdict.value if verdict else None,
                verdict.comment if verdict else None,
                scored.points,
            ]
        )
    ev_rows = [[e.criterion, e.type.value, e.title, e.url or e.pack_path, e.sha256] for e in data.evidence]
    return crit_rows, ev_rows


EDITABLE = {
    THEME_COLUMNS.index(k)
    for k in ("answer", "na_justification", "comment", "owner", "verdict", "verdict_comment")
}


def formatted_xlsxwriter(rows: list[list[str | float | None]], evidence: list[list[str | None]]) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, OPTIONS)
    header = book.add_format({"bold": True, "bg_color": "#DDE5F0", "border": 1, "text_wrap": True})
    text = book.add_format({"text_wrap": True, "valign": "top"})
    open_ = book.add_format({"text_wrap": True, "valign": "top", "locked": False, "bg_color": "#FFF2CC"})
    number = book.add_format({"num_format": "0.0", "valign": "top"})
    link = book.add_format({"font_color": "#0563C1", "underline": 1})
    ws = book.add_worksheet("Criteria")
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            fmt = open_ if c in EDITABLE else text
            if isinstance(value, float):
                ws.write_number(r, c, value, number)
            elif value is None:
                ws.write_blank(r, c, None, fmt)
            else:
                ws.write_string(r, c, value, fmt)
    ws.add_table(
        0,
        0,
        len(rows),
        len(THEME_COLUMNS) - 1,
        {"name": "criteria", "columns": [{"header": k, "header_format": header} for k in THEME_COLUMNS]},
    )
    ws.data_validation(
        1, 17, len(rows), 17, {"validate": "list", "source": ["conform", "partial", "non_conform"]}
    )
    ws.freeze_panes(1, 1)
    ws.protect("")
    ev = book.add_worksheet("Evidence")
    for r, row in enumerate(evidence, start=1):
        for c, value in enumerate(row):
            if c == 3 and value and value.startswith("https://"):
                ev.write_url(r, c, value, link, string=value)
            elif value is None:
                ev.write_blank(r, c, None, text)
            else:
                ev.write_string(r, c, value, text)
    ev.add_table(
        0,
        0,
        max(len(evidence), 1),
        4,
        {
            "name": "evidence",
            "columns": [
                {"header": h, "header_format": header} for h in ("id", "type", "title", "link", "sha256")
            ],
        },
    )
    ev.protect("")
    book.close()
    return out.getvalue()


def formatted_openpyxl(rows: list[list[str | float | None]], evidence: list[list[str | None]]) -> bytes:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "Criteria"
    header_font, header_fill = Font(bold=True), PatternFill("solid", fgColor="DDE5F0")
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="top")
    open_fill, unlocked = PatternFill("solid", fgColor="FFF2CC"), Protection(locked=False)
    for c, key in enumerate(THEME_COLUMNS, start=1):
        cell = ws.cell(1, c, key)
        cell.font, cell.fill, cell.border, cell.alignment = header_font, header_fill, border, wrap
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row, start=1):
            cell = ws.cell(r, c, value)
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula
            if isinstance(value, float):
                cell.number_format = "0.0"
            cell.alignment = wrap
            if c - 1 in EDITABLE:
                cell.fill, cell.protection = open_fill, unlocked
    ws.add_table(
        Table(
            displayName="criteria",
            ref=f"A1:T{len(rows) + 1}",
            tableStyleInfo=TableStyleInfo(name="TableStyleLight1", showRowStripes=True),
        )
    )
    validation = DataValidation(type="list", formula1='"conform,partial,non_conform"', allow_blank=True)
    validation.add(f"R2:R{len(rows) + 1}")
    ws.add_data_validation(validation)
    ws.freeze_panes = "B2"
    ws.protection.sheet = True
    ev = book.create_sheet("Evidence")
    for c, key in enumerate(("id", "type", "title", "link", "sha256"), start=1):
        cell = ev.cell(1, c, key)
        cell.font, cell.fill, cell.border = header_font, header_fill, border
    for r, row in enumerate(evidence, start=2):
        for c, value in enumerate(row, start=1):
            cell = ev.cell(r, c, value)
            if isinstance(value, str):
                cell.data_type = "s"
            cell.alignment = wrap
            if c == 4 and value and value.startswith("https://"):
                cell.hyperlink = value
                cell.font = Font(color="0563C1", underline="single")
    ev.add_table(Table(displayName="evidence", ref=f"A1:E{max(len(evidence), 1) + 1}"))
    ev.protection.sheet = True
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=50)
    parser.add_argument("--evidence", type=int, default=10_000, help="evidence rows in all")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--referential", type=Path, default=CURRENT)
    args = parser.parse_args()

    loaded = load_referential(args.referential)
    rng = random.Random(20250301)
    per = args.evidence // args.entities
    campaigns = [campaign_data(loaded, i, per, rng) for i in range(args.entities)]
    print(
        f"labelnr {__version__}, Python {platform.python_version()}, XlsxWriter {xlsxwriter.__version__}, "
        f"openpyxl {openpyxl.__version__}, {os.cpu_count()} cores, load average "
        f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    print(
        f"{args.entities} campaigns × {loaded.referential.key} "
        f"({len(loaded.referential.criteria)} criteria), {per * args.entities} evidence rows, "
        f"{sum(len(c.history) for c in campaigns)} history rows"
    )

    workbooks: list[bytes] = []
    export = best(
        lambda: workbooks.__setitem__(slice(None), [workbook_bytes(c) for c in campaigns]), args.repeat
    )
    size = sum(len(w) for w in workbooks)
    cells = [cells_of(w) for w in workbooks]
    n_cells = sum(len(row) for sheets in cells for _, rows in sheets for row in rows)
    bare = best(lambda: [bare_dump(c) for c in cells], args.repeat)
    n = args.entities
    print()
    print("| path | wall (s) | CPU (s) | CPU per workbook (ms) |")
    print("|---|---:|---:|---:|")
    print(
        f"| export (XlsxWriter: formats, protection, drop-downs, tables, links, chart, scores) | "
        f"{export[0]:.2f} | {export[1]:.2f} | {1000 * export[1] / n:.0f} |"
    )
    print(
        f"| bare openpyxl write-only dump of the same {n_cells:,} cells | {bare[0]:.2f} | {bare[1]:.2f} | "
        f"{1000 * bare[1] / n:.0f} |"
    )
    print(
        f"\nworkbooks: {size / 1e6:.1f} MB in all; target: export under 3 s "
        f"({'met' if export[0] < 3 else 'not met'} in wall time, "
        f"{'met' if export[1] < 3 else 'not met'} in CPU time)"
    )

    grids = [grid(c) for c in campaigns]
    xw = best(lambda: [formatted_xlsxwriter(*g) for g in grids], args.repeat)
    op = best(lambda: [formatted_openpyxl(*g) for g in grids], args.repeat)
    print(f"\nThe same formatted criteria and evidence sheets, {n} workbooks:")
    print("| library | wall (s) | CPU (s) | CPU vs XlsxWriter |")
    print("|---|---:|---:|---:|")
    print(f"| XlsxWriter | {xw[0]:.2f} | {xw[1]:.2f} | 1.0× |")
    print(f"| openpyxl | {op[0]:.2f} | {op[1]:.2f} | {op[1] / xw[1]:.1f}× |")

    one = dataclasses.replace(campaigns[0], evidence=tuple(e for c in campaigns for e in c.evidence))
    single = best(lambda: workbook_bytes(one), args.repeat)
    print(
        f"\nOne workbook holding all {len(one.evidence):,} evidence rows: {single[0]:.2f} s wall, "
        f"{single[1]:.2f} s CPU"
    )
    print(f"load average after the runs: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
