"""Ecoindex of every page, first load with a cold cache, beside a bare Streamlit page in the same run.

Two ``streamlit run`` servers with the same Streamlit and ``.streamlit/config.toml``: the bare app
(``st.title`` and a paragraph) and ``app.py`` over a copy of the demo data. Each page is loaded in
a fresh Chromium context; the DOM elements, HTTP requests and bytes are counted raw (what
Streamlit sends) and behind a compressing proxy (text bodies gzipped, as ``deploy/``'s nginx
serves them), and scored with the published Ecoindex formula (``tests/support/ecoindex.py``).
With ``--proxy`` every page is loaded again through the group deployment's nginx (``dev.py cluster``
with one replica): the bytes that travel, compressed by nginx, with its index-page filters.
Each page is measured ``--repeat`` times and the median kept (the DOM and bytes barely move; the
request count can, by a chunk or two).

Writes the table to the "Ecoindex" section of ``benchmarks/README.md`` (``--no-readme`` to leave it).

    .venv/bin/python benchmarks/ecoindex.py [--repeat 3] [--no-readme]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from clicks import CHROMIUM, CHROMIUM_ARGS, import_demo, serve, wait_for_app  # noqa: E402

from tests.support.ecoindex import Weight, grade, measure  # noqa: E402

README = ROOT / "benchmarks" / "README.md"
BEGIN, END = "<!-- ecoindex:begin -->", "<!-- ecoindex:end -->"
PAGES = {"": "self-assessment", "plan": "three-year plan", "dashboard": "dashboard", "audit": "audit",
         "referentials": "referentials", "history": "history", "admin": "administration", "roles": "roles",
         "services": "digital services"}
BARE_PAGE = 'import streamlit as st\n\nst.title("A bare page")\nst.write("A paragraph of text.")\n'
GOALS = {"self-assessment": 70.0}
DEFAULT_GOAL = 55.0


def _median(weights: list[Weight]) -> Weight:
    def mid(name: str) -> int:
        return int(statistics.median(getattr(w, name) for w in weights))

    return Weight(dom=mid("dom"), requests=mid("requests"), raw_bytes=mid("raw_bytes"),
                  gzip_bytes=mid("gzip_bytes"), websocket_bytes=mid("websocket_bytes"))


def _load(browser: Any, url: str, repeat: int) -> Weight:
    weights = []
    for _ in range(repeat):
        weight, page = measure(browser, url, wait_for_app)
        page.context.close()
        weights.append(weight)
    return _median(weights)


def _row(name: str, w: Weight, bare: Weight, goal: float | None, proxied: Weight | None) -> str:
    best = max(w.ecoindex_gzip, proxied.ecoindex_raw if proxied else 0.0)
    mark = "" if goal is None else (" ✓" if best >= goal else " ✗")
    goal_text = "—" if goal is None else f"≥ {goal:.0f}{mark}"
    nginx = "—" if proxied is None else (f"{proxied.raw_bytes / 1024:,.0f} kB, {proxied.ecoindex_raw:.0f} "
                                         f"({grade(proxied.ecoindex_raw)})")
    return (f"| {name} | {w.dom:,} | {w.requests} | {w.raw_bytes / 1024:,.0f} | {w.gzip_bytes / 1024:,.0f} "
            f"| {w.ecoindex_raw:.0f} ({grade(w.ecoindex_raw)}) "
            f"| {w.ecoindex_gzip:.0f} ({grade(w.ecoindex_gzip)}) | {nginx} "
            f"| {w.ecoindex_gzip / bare.ecoindex_gzip:.2f} | {goal_text} |")


def table(results: dict[str, Weight], repeat: int, proxied: dict[str, Weight]) -> str:
    bare = results["bare Streamlit page"]
    lines = [f"{dt.date.today().isoformat()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
             f"Chromium headless, 1366×900, French; median of {repeat} cold loads per page; load average "
             f"{os.getloadavg()[0]:.1f}.", "",
             "| page | DOM | requests | raw kB | gzip kB | Ecoindex raw | Ecoindex gzip "
             "| through nginx (wire kB, Ecoindex) | gzip / bare | goal |",
             "|---|---:|---:|---:|---:|---:|---:|---|---:|---|"]
    for name, weight in results.items():
        goal = None if name.startswith("bare") else GOALS.get(name, DEFAULT_GOAL)
        lines.append(_row(name, weight, bare, goal, proxied.get(name)))
    return "\n".join(lines)


def write_readme(text: str) -> None:
    readme = README.read_text(encoding="utf-8")
    if BEGIN in readme:
        head, rest = readme.split(BEGIN, 1)
        readme = head + BEGIN + "\n" + text + "\n" + END + rest.split(END, 1)[1]
    else:
        readme += f"\n## Ecoindex — `ecoindex.py`\n\n{BEGIN}\n{text}\n{END}\n"
    README.write_text(readme, encoding="utf-8")


def _through_proxy(browser: Any, args: argparse.Namespace) -> dict[str, Weight]:
    """Each page's first load through nginx (what travels: gzip and the index page's filters)."""
    from load import OwnCluster

    cluster = OwnCluster(1)
    try:
        _load(browser, cluster.url + "/", 1)
        found = {}
        for path in args.pages:
            found[PAGES[path]] = _load(browser, f"{cluster.url}/{path}", args.repeat)
            print("through nginx:", PAGES[path], found[PAGES[path]].as_dict(), flush=True)
        return found
    finally:
        cluster.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pages", nargs="*", default=list(PAGES), help="url paths ('' is the default page)")
    parser.add_argument("--no-readme", action="store_true")
    parser.add_argument("--proxy", action="store_true",
                        help="also load each page through nginx (dev.py cluster, one replica)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="labelnr-eco-") as tmp:
        folder = Path(tmp)
        bare_app = folder / "bare.py"
        bare_app.write_text(BARE_PAGE, encoding="utf-8")
        data = folder / "audits"
        from tests.support.demo import copy_demo

        copy_demo(data)
        import_demo(data)
        results: dict[str, Weight] = {}
        with sync_playwright() as pw, serve(bare_app, None, folder / "bare.log") as bare, \
                serve(ROOT / "app.py", data, folder / "app.log") as ours:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            _load(browser, ours.url, 1)  # the server's first run of each module is not the page's weight
            results["bare Streamlit page"] = _load(browser, bare.url, args.repeat)
            for path in args.pages:
                results[PAGES[path]] = _load(browser, f"{ours.url}/{path}", args.repeat)
                print(PAGES[path], results[PAGES[path]].as_dict(), flush=True)
            proxied = _through_proxy(browser, args) if args.proxy else {}
            browser.close()
    text = table(results, args.repeat, proxied)
    print(text)
    if not args.no_readme:
        write_readme(text)


if __name__ == "__main__":
    main()
