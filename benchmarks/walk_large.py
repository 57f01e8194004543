"""Walk the app as its three users would, in Chromium, on an organisation of N entities.

Builds a data folder with the demo and a generated organisation (``bench``: a group, nine
departments and sites, four campaigns each, targets and commitments on year 3), starts
``streamlit run app.py`` on it and a bare Streamlit page beside it, then in French and English:

- committee: the organisation's dashboard and the three-year plan of the group;
- referent: a site's self-assessment, one answer changed until the live score shows it;
- auditor: the site's audit page, the Excel workbook prepared and downloaded.

Each step's time is the wall time until Streamlit says ``notRunning`` with nothing left to
draw, reported with its ratio to the bare page's load in the same run; screenshots go to
``test-artifacts/screenshots/walk-*``. A benchmark (timings printed), not a test.

    python benchmarks/walk_large.py --entities 100
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT))

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SHOTS = ROOT / "test-artifacts" / "screenshots"
VIEWPORT = {"width": 1366, "height": 900}
BARE = "import streamlit as st\nst.title('bare')\nst.write('A paragraph.')\n"
SETTLED = ("() => document.querySelector(\"[data-testid='stApp']\")?.dataset.testScriptState === 'notRunning'"
           " && document.querySelectorAll(\"[data-testid='stSkeleton'], [data-testid='stAppSkeleton']\")"
           ".length === 0 && !!document.querySelector(\"[data-testid='stMain'] h1\")")


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def build(folder: Path, entities: int) -> None:
    """The demo plus the generated organisation, in ``folder``'s SQLite database."""
    from bench_dashboard import plan
    from bench_store import populate

    from labelnr.loader import load_catalog
    from labelnr.permissions import LOCAL_USER
    from labelnr.storage import open_store
    from tests.support.demo import copy_demo

    catalog = load_catalog([ROOT / "criteria"])
    ref = catalog.latest("label-nr")
    assert ref is not None
    # The generated rows first (they number campaigns from 1), then the demo through a real import.
    with open_store(data_dir=folder, catalog=catalog, import_demo=False) as store:
        populate(store, ref, entities)
        plan(store, ref)
        demo = sorted(copy_demo(folder / "demo").glob("*.yaml"))
        store.as_actor(LOCAL_USER).import_paths(demo)


def serve(script: Path, port: int, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port),
               "--server.headless", "true", "--browser.gatherUsageStats", "false"]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process
        except OSError:
            time.sleep(0.5)
    process.kill()
    raise SystemExit(f"{script} did not start: see {log}")


def timed(page: Any, action: Callable[[], None], timeout: float = 300_000) -> float:
    start = time.perf_counter()
    action()
    page.wait_for_timeout(200)  # the rerun a click starts must have begun before we wait for its end
    page.wait_for_function(SETTLED, timeout=timeout)
    return time.perf_counter() - start


def bare_load(browser: Any, url: str) -> float:
    page = browser.new_page(viewport=VIEWPORT)
    try:
        return timed(page, lambda: page.goto(url))
    finally:
        page.close()


def shot(page: Any, name: str) -> None:
    from tests.e2e.conftest import screenshot  # the whole page: Streamlit scrolls inside its main block

    screenshot(page, f"walk-{name}")


def walk(page: Any, url: str, lang: str, results: dict[str, list[float]]) -> None:
    from labelnr.i18n import translate

    def t(key: str) -> str:
        return translate(key, lang)

    def go(path: str, name: str) -> None:
        results[name].append(timed(page, lambda: page.goto(f"{url}/{path}")))
        if lang == "en":  # a reload comes back in French (the language is not in the address)
            page.locator("[data-testid='stSidebar']").get_by_text("English", exact=True).click()
            page.wait_for_timeout(200)
            page.wait_for_function(SETTLED, timeout=300_000)
        shot(page, f"{lang}-{name}")

    group = "organisation=bench&entity=group"
    site = "organisation=bench&entity=site-0001"
    for org, top in (("hexapost", "hexapost-group"), ("bench", "group")):  # the demo group, then N entities
        size = "demo" if org == "hexapost" else "large"
        go(f"dashboard?organisation={org}&entity={top}", f"committee-dashboard-{size}")
        whole = page.get_by_text(t("dashboard.scope_organisation"), exact=True)
        results[f"committee-whole-org-{size}"].append(timed(page, whole.click))
        shot(page, f"{lang}-committee-whole-org-{size}")
    go(f"plan?{group}", "committee-plan")
    go(f"?{site}", "referent-assessment")  # the default page
    # One answer changed: the first criterion of the list opened, another level picked, then saved.
    listing = page.locator("[data-testid='stButtonGroup']").filter(has_text=t("assessment.pick_criterion"))
    results["referent-open-criterion"].append(timed(page, lambda: listing.get_by_role("radio").first.click()))
    box = page.locator("[data-testid='stColumn']").filter(has=page.get_by_role("heading", level=3))
    radios = box.locator("[data-testid='stRadio']").get_by_role("radio")
    checked = next((i for i in range(radios.count()) if radios.nth(i).is_checked()), -1)
    choice = radios.nth(0 if checked != 0 else 1)
    results["referent-answer-change"].append(timed(page, lambda: choice.check(force=True)))
    save = box.get_by_role("button", name=t("assessment.save"))
    results["referent-save"].append(timed(page, save.click))
    shot(page, f"{lang}-referent-answered")
    go(f"audit?{site}", "auditor-audit")
    prepare = page.get_by_role("button", name=t("audit.prepare_xlsx"))
    results["auditor-prepare-xlsx"].append(timed(page, prepare.click))
    with page.expect_download(timeout=300_000) as download:
        page.get_by_role("button", name=t("audit.download_xlsx")).click()
    saved = SHOTS / f"walk-{lang}-{download.value.suggested_filename}"
    download.value.save_as(saved)
    shot(page, f"{lang}-auditor-exported")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--entities", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="labelnr-walk-") as tmp:
        folder = Path(tmp)
        build(folder / "audits", args.entities)
        env = {**os.environ, "LABELNR_DATA_DIR": str(folder / "audits"), "PYTHONUNBUFFERED": "1"}
        env.pop("LABELNR_DATABASE_URL", None)
        (folder / "bare.py").write_text(BARE)
        app_port, bare_port = _port(), _port()
        app = serve(ROOT / "app.py", app_port, env, folder / "app.log")
        bare = serve(folder / "bare.py", bare_port, env, folder / "bare.log")
        results: dict[str, list[float]] = defaultdict(list)
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                for _ in range(args.repeat):
                    for lang in ("fr", "en"):
                        results["bare page"].append(bare_load(browser, f"http://127.0.0.1:{bare_port}/"))
                        page = browser.new_page(viewport=VIEWPORT)
                        walk(page, f"http://127.0.0.1:{app_port}", lang, results)
                        page.close()
                browser.close()
        finally:
            for process in (app, bare):
                process.terminate()
                process.wait(timeout=30)
        base = statistics.median(results["bare page"])
        load = os.getloadavg()[0]
        print(f"{args.entities} entities in the generated organisation; load average {load:.1f}")
        print(f"{'step':28} {'median s':>9} {'× bare page':>12}  (n)")
        for key, values in results.items():
            if values:
                median = statistics.median(values)
                print(f"{key:28} {median:9.2f} {median / base:12.1f}  ({len(values)})")


if __name__ == "__main__":
    main()
