"""The evidence workbook of one stored campaign with 10,000 evidence items: export and re-import.

Builds (once, through the store API) a SQLite store holding one campaign on
``label-nr@2024`` with an answer and a verdict on most criteria and 10,000 evidence items
(a third small PDF files, the rest links: so 10,000+ history events too), then times,
median of ``--repeat`` runs, each phase a user waits for:

- **read** — ``labelnr.excel.from_store.workbook_data`` (store queries, scores, evidence);
- **export** — ``labelnr.excel.export.workbook_bytes`` (every sheet, formats, checksum);
- **pack** — ``labelnr.excel.pack.write_pack`` (the workbook, 3,334 files, manifest);
- **re-import** — ``labelnr.excel.reimport.read_workbook`` of that workbook with two
  verdicts edited, then ``preview`` against the campaign as it is now.

It also prints the cProfile top costs of one export and one re-import, and a SHA-256 of
every cell (value and number format) of every sheet, so two versions of the code can be
checked to write the very same workbook.

    python benchmarks/bench_excel_store.py                      # build if needed, measure
    python benchmarks/bench_excel_store.py --against /tmp/base  # alternate with the code there

``--against DIR`` runs the measure in subprocesses, alternately with this checkout's code and
with DIR's (another checkout, e.g. ``git worktree add /tmp/i12-base main``), over the same
store, and prints the ratios of the medians (the machine is shared: only ratios measured in
the same run mean something) and whether the workbooks are identical.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import hashlib
import io
import json
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DIR = Path(tempfile.gettempdir()) / "labelnr-bench-excel-store"
EXPORTED_AT = dt.datetime(2025, 3, 2, 12, 0, tzinfo=dt.UTC)
ACTOR = "auditor@example.org"
PHASES = ("read", "export", "pack", "reimport_read", "reimport_preview")


def _url(folder: Path) -> str:
    return f"sqlite:///{folder / 'labelnr.sqlite'}"


def build(folder: Path, evidence: int) -> None:
    """One organisation, one entity, one campaign with ``evidence`` items (through the store API)."""
    import random

    from labelnr.assessment import Answer, AuditorVerdict
    from labelnr.loader import load_catalog
    from labelnr.storage import open_store

    folder.mkdir(parents=True, exist_ok=True)
    catalog = load_catalog([ROOT / "criteria"])
    store = open_store(_url(folder), folder / "data", catalog, import_demo=False)
    rng = random.Random(20251203)
    try:
        store.create_organisation("admin", "bench", "Groupe Bench")
        store.create_entity("admin", "bench", "dsi", "DSI Bench")
        cid = store.create_campaign("alice", "dsi", "label-nr", "2024", "year1", dt.date(2025, 3, 1)).id
        ref = store.referential("label-nr", "2024")
        ids = [c.id for c in ref.criteria]
        levels = [lv.id for lv in ref.scale.levels if not lv.pending]
        for i, crit in enumerate(ids):
            if i % 10 != 9:
                answer = Answer(level=rng.choice(levels), comment=f"Commentaire {i} =SUM(A1)", owner="Alice")
                store.save_answer("alice", cid, crit, answer, 0)
            if i % 3 != 2:
                verdict = AuditorVerdict(verdict=rng.choice(["conform", "partial"]), comment=f"Avis {i}")
                store.set_verdict("bob", cid, crit, verdict, 0)
        kinds = ("documentation", "means", "result")
        started = time.perf_counter()
        for i in range(evidence):
            crit, kind, day = ids[i % len(ids)], kinds[i % 3], dt.date(2025, 1, 1 + i % 28)
            if i % 3 == 0:
                data = b"%PDF-1.4\n% evidence " + str(i).encode() + b"\n"
                store.add_evidence_file("alice", cid, crit, f"preuve {i}.pdf", data, kind, day, f"Preuve {i}")
            else:
                url = f"https://intranet.example.org/docs/{i}?v=1"
                store.add_evidence_link("alice", cid, crit, url, f"-Lien {i} vers le document", kind, day)
            if i % 1000 == 999:
                print(f"  {i + 1} evidence items ({time.perf_counter() - started:.0f} s)", flush=True)
        (folder / "campaign").write_text(str(cid))
    finally:
        store.dispose()


def cells_digest(content: bytes) -> tuple[str, int]:
    """SHA-256 of every sheet's name, and every cell's value and number format; and the cell count."""
    import openpyxl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    digest, count = hashlib.sha256(), 0
    for ws in book.worksheets:
        digest.update(f"\x00sheet {ws.title}\x00".encode())
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is not None:
                    count += 1
                    digest.update(f"{cell.coordinate}={cell.value!r}|{cell.number_format}\x00".encode())
    book.close()
    return digest.hexdigest(), count


def _edited(content: bytes, sheet_index: int) -> bytes:
    """The workbook with two verdict comments changed, as an auditor would (openpyxl, not timed)."""
    import openpyxl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = openpyxl.load_workbook(io.BytesIO(content))
    ws = book.worksheets[sheet_index]
    header = [c.value for c in ws[1]]
    col = next(i for i, h in enumerate(header, start=1) if h and "ommentaire" in h and "audit" in h.lower())
    ws.cell(2, col, "Revu hors ligne")
    ws.cell(3, col, "Revu hors ligne, bis")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _median(action: Callable[[], object], repeat: int) -> tuple[tuple[float, float], Any]:
    """Median wall-clock and CPU seconds of ``repeat`` runs (CPU time is less moved by other work)."""
    walls, cpus, result = [], [], None
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        result = action()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return (statistics.median(walls), statistics.median(cpus)), result


def _top(profile: cProfile.Profile, lines: int) -> str:
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    stats.sort_stats("tottime").print_stats(lines)
    text = out.getvalue()
    return text[text.find("   ncalls") :] if "   ncalls" in text else text


def measure(folder: Path, repeat: int, profile_lines: int) -> dict[str, Any]:
    """Median seconds of each phase, the workbook's cell digest, and the profiles' top costs."""
    import labelnr
    from labelnr.excel.export import workbook_bytes
    from labelnr.excel.from_store import workbook_data
    from labelnr.excel.pack import write_pack
    from labelnr.excel.reimport import preview, read_workbook
    from labelnr.loader import load_catalog
    from labelnr.storage import open_store

    cid = int((folder / "campaign").read_text())
    store = open_store(_url(folder), folder / "data", load_catalog([ROOT / "criteria"]), import_demo=False)
    result: dict[str, Any] = {"code": str(Path(labelnr.__file__).parent.parent)}
    try:
        def read() -> Any:
            return workbook_data(store, cid, ACTOR, exported_at=EXPORTED_AT)

        def timed(phase: str, action: Callable[[], object]) -> Any:
            (result[phase], result[phase + "_cpu"]), value = _median(action, repeat)
            return value

        data = timed("read", read)
        content = timed("export", lambda: workbook_bytes(data))
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "pack.zip"
            timed("pack", lambda: write_pack(data, content, out, "campagne.xlsx"))
        edited = _edited(content, 2)
        imported = timed("reimport_read", lambda: read_workbook(io.BytesIO(edited), "audit.xlsx"))
        changes = timed("reimport_preview", lambda: preview(imported, data))
        result["changes"] = len(changes.changes)
        result["digest"], result["cells"] = cells_digest(content)
        result["size"] = len(content)
        result["evidence"], result["history"] = len(data.evidence), len(data.history)
        if profile_lines:
            export_profile = cProfile.Profile()
            export_profile.runcall(lambda: workbook_bytes(read()))
            result["profile_export"] = _top(export_profile, profile_lines)
            import_profile = cProfile.Profile()
            import_profile.runcall(lambda: preview(read_workbook(io.BytesIO(edited), "audit.xlsx"), read()))
            result["profile_reimport"] = _top(import_profile, profile_lines)
    finally:
        store.dispose()
    return result


def _run(code: Path, args: argparse.Namespace, profile_lines: int) -> dict[str, Any]:
    """One measure in a subprocess importing ``labelnr`` from ``code``."""
    env = {**os.environ, "PYTHONPATH": str(code)}
    command = [sys.executable, str(Path(__file__).resolve()), "--folder", str(args.folder),
               "--repeat", str(args.repeat), "--profile", str(profile_lines), "--json"]
    done = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    measured: dict[str, Any] = json.loads(done.stdout)
    if Path(measured["code"]).resolve() != code.resolve():
        raise SystemExit(f"measured {measured['code']}, expected {code}: is labelnr installed elsewhere?")
    return measured


def _show(result: dict[str, Any]) -> None:
    print(f"{result['evidence']:,} evidence items, {result['history']:,} history rows, {result['cells']:,} "
          f"cells, {result['size'] / 1e6:.1f} MB; re-import: {result['changes']} change(s)")
    for phase in PHASES:
        wall, cpu = result[phase] * 1000, result[phase + "_cpu"] * 1000
        print(f"  {phase:17} {wall:8.0f} ms wall, {cpu:8.0f} ms CPU")
    print(f"  cells digest {result['digest']}")
    for key in ("profile_export", "profile_reimport"):
        if key in result:
            print(f"\n{key} (read included), by own time:\n{result[key]}")


def compare(args: argparse.Namespace) -> None:
    """Alternate the two versions ``--rounds`` times; ratios of the medians of their medians."""
    base, new = Path(args.against), ROOT
    runs: dict[str, list[dict[str, Any]]] = {"base": [], "new": []}
    for i in range(args.rounds):
        for name, code in (("base", base), ("new", new)) if i % 2 == 0 else (("new", new), ("base", base)):
            runs[name].append(_run(code, args, args.profile if i == 0 else 0))
            print(f"round {i + 1} {name}: " + ", ".join(f"{p} {runs[name][-1][p]:.2f}" for p in PHASES),
                  flush=True)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\n{args.rounds} rounds alternated, {args.repeat} runs each; load average now {load}")
    print("| phase | baseline wall (ms) | new wall (ms) | new / baseline | baseline CPU (ms) | new CPU (ms) "
          "| new / baseline |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    totals = (("read", "export"), ("read", "reimport_read", "reimport_preview"))
    for phases in (*((p,) for p in PHASES), *totals):
        cells = []
        for suffix in ("", "_cpu"):
            b = statistics.median(sum(r[p + suffix] for p in phases) for r in runs["base"])
            n = statistics.median(sum(r[p + suffix] for p in phases) for r in runs["new"])
            cells.append(f"{b * 1000:.0f} | {n * 1000:.0f} | {n / b:.2f}")
        print(f"| {' + '.join(phases)} | {' | '.join(cells)} |")
    digests = {r["digest"] for rs in runs.values() for r in rs}
    print(f"\nworkbooks identical (every cell of every sheet, value and number format): {len(digests) == 1}")
    for name in ("base", "new"):
        print(f"\n=== {name} ({runs[name][0]['code']}) ===")
        _show(runs[name][0])
    if len(digests) != 1:
        raise SystemExit("the two versions wrote different workbooks")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, default=DEFAULT_DIR, help="the store (built if missing)")
    parser.add_argument("--evidence", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5, help="runs of each phase (median)")
    parser.add_argument("--profile", type=int, default=25, help="lines of each profile (0: none)")
    parser.add_argument("--against", type=Path, help="another checkout to compare with, alternately")
    parser.add_argument("--rounds", type=int, default=4, help="with --against: rounds of both versions")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not (args.folder / "campaign").exists():
        print(f"building the store in {args.folder} ({args.evidence:,} evidence items) ...", flush=True)
        build(args.folder, args.evidence)
    if args.against is not None:
        compare(args)
    elif args.json:
        print(json.dumps(measure(args.folder, args.repeat, args.profile)))
    else:
        _show(measure(args.folder, args.repeat, args.profile))


if __name__ == "__main__":
    main()
