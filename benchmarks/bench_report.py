"""The committee's dossier (PDF, Typst) against the Excel export of the same campaigns, in one run.

- **campaign** — the 61-criterion demo campaign (``audits/clairconseil-baseline.yaml``): its
  model read from the file (``from_path``, as ``labelnr report FILE`` does), then the PDF
  (data to JSON, Typst compile); beside it the Excel workbook of the same model.
- **organisation** — the demo organisation (``hexapost``, 4 entities) from a temporary SQLite
  store filled with ``audits/``: the campaigns gathered and read (``organisation_data``), then
  one PDF; beside it the Excel workbooks of the same 4 campaigns.

Each figure is the best of ``--repeat`` runs (``time.perf_counter``); the first compile of a
process (fonts, template parse) is timed apart as ``cold``.

    python benchmarks/bench_report.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import platform
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import typst

from labelnr.excel.export import workbook_bytes
from labelnr.excel.from_file import from_path
from labelnr.loader import DEFAULT_DIR, load_catalog
from labelnr.report import campaign_pdf, organisation_pdf

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "audits" / "clairconseil-baseline.yaml"
T = TypeVar("T")


def best(repeat: int, fn: Callable[[], T]) -> tuple[float, T]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    assert result is not None
    return min(times), result


def campaign(repeat: int) -> None:
    catalog = load_catalog([DEFAULT_DIR])
    start = time.perf_counter()
    campaign_pdf(from_path(DEMO, catalog, "bench"))
    cold = time.perf_counter() - start
    read, data = best(repeat, lambda: from_path(DEMO, catalog, "bench"))
    pdf_time, pdf = best(repeat, lambda: campaign_pdf(data))
    xlsx_time, xlsx = best(repeat, lambda: workbook_bytes(data))
    print(f"campaign ({len(data.criteria)} criteria, {len(data.evidence)} evidence, "
          f"{len(data.commitments)} commitments)")
    print(f"  read the model          {read * 1000:8.0f} ms")
    print(f"  PDF (JSON + Typst)      {pdf_time * 1000:8.0f} ms   cold first compile {cold * 1000:.0f} ms "
          f"(model included)")
    print(f"  Excel workbook          {xlsx_time * 1000:8.0f} ms")
    print(f"  read + PDF              {(read + pdf_time) * 1000:8.0f} ms   target < 3000 ms")
    print(f"  ratio PDF / Excel       {pdf_time / xlsx_time:8.2f}")
    print(f"  sizes: PDF {len(pdf) / 1000:.0f} KB, xlsx {len(xlsx) / 1000:.0f} KB")


def organisation(repeat: int) -> None:
    from labelnr.cli import main
    from labelnr.report.organisation import organisation_data
    from labelnr.storage import open_store

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["LABELNR_DATA_DIR"] = tmp
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            main(["import", str(ROOT / "audits"), "--data-dir", tmp])
        with open_store(data_dir=Path(tmp), catalog=load_catalog([DEFAULT_DIR])) as store:
            read, found = best(repeat, lambda: organisation_data(store.as_actor("local"), "hexapost", "fr"))
            pdf_time, pdf = best(repeat, lambda: organisation_pdf(found.items, "fr"))
            xlsx_time, books = best(repeat, lambda: [workbook_bytes(d) for d in found.items])
    print(f"organisation ({len(found.items)} entities)")
    print(f"  read the campaigns      {read * 1000:8.0f} ms")
    print(f"  PDF (JSON + Typst)      {pdf_time * 1000:8.0f} ms")
    print(f"  Excel workbooks (all)   {xlsx_time * 1000:8.0f} ms")
    print(f"  read + PDF              {(read + pdf_time) * 1000:8.0f} ms   target < 10000 ms")
    print(f"  ratio PDF / Excel       {pdf_time / xlsx_time:8.2f}")
    print(f"  sizes: PDF {len(pdf) / 1000:.0f} KB, xlsx {sum(len(b) for b in books) / 1000:.0f} KB in all")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"{platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores, "
          f"typst-py {getattr(typst, '__version__', '?')}")
    campaign(args.repeat)
    organisation(args.repeat)


if __name__ == "__main__":
    main()
