"""How quick a click is in Chromium: our app against a minimal Streamlit app, in the same run.

Three ``streamlit run`` servers side by side, on free ports, with the same Streamlit and the
project's ``.streamlit/config.toml``:

- **minimal** — one selectbox, one metric showing the choice;
- **bare** — two pages (``st.navigation``), each a title and a paragraph;
- **ours** — ``app.py`` over a temporary ``LABELNR_DATA_DIR`` holding the demo data
  (imported before the server starts, as ``scripts/dev.py run`` does).

Times, in headless Chromium, from the user's ``pointerdown`` (a capture listener) to what
the user waits for (a ``MutationObserver`` in the page, so Playwright's round trips are not
counted):

- **answer change** — a maturity level clicked in the self-assessment page's editor (the
  first criterion of the list, opened) until the live score line's "Points" shows the new
  value, against the minimal app's option clicked until the metric shows it;
- **page switch** — a sidebar link until the new page's title is drawn, its script has
  finished (``data-test-script-state='notRunning'``) and no skeleton is left; ours cycles
  through self-assessment, plan, dashboard, audit, referentials and history, the bare app
  goes back and forth between its two pages;
- **first start** — a fresh data folder each time: the demo import (``open_store()``), the
  server start until the health check answers, then from there until the first page has
  run in a new browser context; against the minimal app started the same way.

The repetitions of each app are interleaved so that the machine's load weighs on both alike.
Prints medians and p90 (ms) and their ratios, and writes the table to the "Clicks" section of
``benchmarks/README.md`` (``--no-readme`` to leave it).

    .venv/bin/python benchmarks/clicks.py [--repeat 10] [--first-start 3] [--no-readme]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "benchmarks" / "README.md"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
STARTUP_TIMEOUT = 120.0
WAIT_MS = 120_000
#: Our pages in the order the page-switch cycle visits them (url path; "" is the default page).
OUR_PAGES = ("", "plan", "dashboard", "audit", "referentials", "history")
PAGE_NAMES = {"": "self-assessment"}
BEGIN, END = "<!-- clicks:begin -->", "<!-- clicks:end -->"

MINIMAL_APP = '''import streamlit as st

choice = st.selectbox("Choice", ["alpha", "beta", "gamma"])
st.metric("Value", choice)
'''

BARE_APP = '''import streamlit as st


def one() -> None:
    st.title("Page one")
    st.write("A paragraph of text on the first page.")


def two() -> None:
    st.title("Page two")
    st.write("A paragraph of text on the second page.")


st.navigation([st.Page(one, title="One", url_path="one", default=True),
               st.Page(two, title="Two", url_path="two")]).run()
'''

#: Installed in every page before it loads: the click's time, then the first time ``check()``
#: holds (``visible``) and the first time after that the script has finished (``done``).
PROBE = """
(() => {
  const b = window.__bench = {armed: false, start: 0, visible: 0, done: 0, check: () => false};
  window.addEventListener('pointerdown', () => { if (b.armed && !b.start) b.start = performance.now(); },
                          true);
  const finished = () => {
    const app = document.querySelector("[data-testid='stApp']");
    return app !== null && app.getAttribute('data-test-script-state') === 'notRunning'
      && document.querySelector("[data-testid='stSkeleton'], [data-testid='stAppSkeleton']") === null;
  };
  const tick = () => {
    if (!b.armed || !b.start) return;
    const now = performance.now();
    if (!b.visible && b.check()) b.visible = now;
    if (b.visible && !b.done && finished()) b.done = now;
  };
  new MutationObserver(tick).observe(document, {subtree: true, childList: true, attributes: true,
                                                characterData: true});
})();
"""

ARM = """([kind, expected]) => {
  const b = window.__bench;
  const metric = (label) => {
    for (const m of document.querySelectorAll("[data-testid='stMetric']")) {
      const l = m.querySelector("[data-testid='stMetricLabel']");
      if (l && l.innerText.trim() === label) {
        const v = m.querySelector("[data-testid='stMetricValue']");
        return v ? v.innerText.trim() : null;
      }
    }
    return null;
  };
  const score = (label) => {  // our score line: "Points : **473 / 1 000** · …"
    for (const m of document.querySelectorAll("[data-testid='stMarkdown']")) {
      const text = m.innerText.trim();
      if (text.startsWith(label + ' :') || text.startsWith(label + ':')) {
        const s = m.querySelector('strong');
        return s ? s.innerText.trim() : null;
      }
    }
    return null;
  };
  const title = () => {
    const h = document.querySelector("[data-testid='stMain'] h1");
    return h ? h.innerText.trim() : null;
  };
  const running = () =>
    document.querySelector("[data-testid='stApp'][data-test-script-state='running']") !== null;
  b.check = kind === 'title' ? () => title() === expected
    : kind === 'rerun' ? running
    : kind.startsWith('score:') ? () => score(kind.slice(6)) === expected : () => metric(kind) === expected;
  b.start = 0; b.visible = 0; b.done = 0; b.armed = true;
}"""


@dataclass
class Samples:
    """Milliseconds per named measure."""

    ms: dict[str, list[float]] = field(default_factory=dict)

    def add(self, name: str, value: float) -> None:
        self.ms.setdefault(name, []).append(value)

    def median(self, name: str) -> float:
        return statistics.median(self.ms[name])

    def p90(self, name: str) -> float:
        values = self.ms[name]
        return statistics.quantiles(values, n=10, method="inclusive")[-1] if len(values) > 1 else values[0]


# --- servers --------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def _demo_data(folder: Path) -> Path:
    from tests.support.demo import copy_demo

    return copy_demo(folder / "audits")


def _env(data_dir: Path | None) -> dict[str, str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    for name in ("LABELNR_DATABASE_URL", "LABELNR_CRITERIA_DIR", "LABELNR_DATA_DIR"):
        env.pop(name, None)
    if data_dir is not None:
        env["LABELNR_DATA_DIR"] = str(data_dir)
    return env


def import_demo(data_dir: Path) -> float:
    """What ``scripts/dev.py run`` does before the server starts; returns its wall time (ms)."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "from labelnr.storage import open_store; open_store().dispose()"],
                   cwd=ROOT, env=_env(data_dir), check=True)
    return (time.perf_counter() - start) * 1000


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    up_ms: float  # from the process start to the first healthy answer


@contextmanager
def serve(script: Path, data_dir: Path | None, log: Path) -> Iterator[Server]:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    with log.open("wb") as out:
        start = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port),
             "--server.headless", "true", "--server.address", "127.0.0.1",
             "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
            cwd=ROOT, env=_env(data_dir), stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + STARTUP_TIMEOUT
            while not _healthy(url):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{script.name} did not start on {url}:\n"
                                       + log.read_text(errors="replace")[-3000:])
                time.sleep(0.05)
            yield Server(url, process, (time.perf_counter() - start) * 1000)
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


# --- the browser ----------------------------------------------------------------------------


def new_tab(browser: Any) -> Any:
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="fr-FR")
    context.set_default_timeout(WAIT_MS)
    context.add_init_script(PROBE)
    return context.new_page()


def wait_for_app(page: Any) -> None:
    """As tests/e2e/conftest.py: the script has run and nothing is left to draw."""
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", state="attached")
    page.wait_for_selector("[data-testid='stMain'] h1, [data-testid='stMetric']", state="visible")
    page.wait_for_function(
        "() => document.querySelectorAll(\"[data-testid='stSkeleton'], [data-testid='stAppSkeleton']\")"
        ".length === 0")
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", state="attached")


def timed(page: Any, kind: str, expected: str, act: Any) -> tuple[float, float]:
    """Arm the probe, act (a real click), wait for the result: (visible, done) in ms since the click."""
    page.evaluate(ARM, [kind, expected])
    act()
    page.wait_for_function("() => window.__bench.done > 0", timeout=WAIT_MS)
    start, visible, done = page.evaluate(
        "() => { const b = window.__bench; b.armed = false; return [b.start, b.visible, b.done]; }")
    if not start:
        raise RuntimeError("the click was not seen by the page")
    wait_for_app(page)
    page.wait_for_timeout(150)  # let the last messages settle before the next click
    return float(visible - start), float(done - start)


def metric_value(page: Any, label: str) -> str:
    metric = page.locator("[data-testid='stMetric']").filter(has_text=label).first
    return str(metric.locator("[data-testid='stMetricValue']").inner_text()).strip()


def score_value(page: Any, label: str) -> str:
    """A value of our score line ("Points : **473 / 1 000** · …"): the bold text after ``label``."""
    line = page.locator("[data-testid='stMarkdown']").filter(
        has_text=re.compile(rf"^{re.escape(label)}\s?:")).first
    return str(line.locator("strong").first.inner_text()).strip()


def title(page: Any) -> str:
    return str(page.locator("[data-testid='stMain'] h1").first.inner_text()).strip()


def nav_link(page: Any, path: str) -> Any:
    if path:
        return page.locator(f"[data-testid='stSidebarNav'] a[href$='/{path}']").first
    return page.locator("[data-testid='stSidebarNav'] a").first  # the default page comes first


# --- the interactions -----------------------------------------------------------------------


class Minimal:
    """One selectbox, one metric: pick the other option, wait for the metric to show it."""

    def __init__(self, page: Any, url: str) -> None:
        self.page = page
        page.goto(url)
        wait_for_app(page)
        self.options = ["alpha", "beta"]

    def change(self) -> tuple[float, float]:
        page = self.page
        current = metric_value(page, "Value")
        target = self.options[1] if current == self.options[0] else self.options[0]
        page.get_by_role("combobox", name="Choice").click()
        option = page.get_by_role("option", name=target)
        option.wait_for(state="visible")
        return timed(page, "Value", target, option.click)


class Bare:
    """Two pages: switch to the other one."""

    def __init__(self, page: Any, url: str) -> None:
        self.page = page
        page.goto(url)
        wait_for_app(page)
        self.at = "one"

    def switch(self) -> tuple[float, float]:
        target = "two" if self.at == "one" else "one"
        link = nav_link(self.page, "two" if target == "two" else "")  # the default page is at the root
        result = timed(self.page, "title", f"Page {target}", link.click)
        self.at = target
        return result


class Ours:
    """The self-assessment page's first criterion, and the page cycle."""

    def __init__(self, page: Any, url: str, points: str, pick: str) -> None:
        self.page = page
        self.points = points
        self.pick = pick  # the label of the list of criteria
        self.url = url
        page.goto(url)
        wait_for_app(page)
        self.titles: dict[str, str] = {}
        for path in (*OUR_PAGES[1:], OUR_PAGES[0]):  # learn each page's title, end on the first
            before = title(page)
            nav_link(page, path).click()
            page.wait_for_function("(t) => { const h = document.querySelector(\"[data-testid='stMain'] h1\");"
                                   " return h !== null && h.innerText.trim() !== t; }", arg=before)
            wait_for_app(page)
            self.titles[path] = title(page)
        self.at = ""
        self.choices = self._two_levels()

    def _radio(self) -> Any:
        return self.page.locator("[data-testid='stRadio'] [data-testid='stRadioOption']")

    def _open_first_criterion(self) -> None:
        """Click the first criterion of the list (it stays open when coming back to the page)."""
        if self._radio().count() == 0:
            listing = self.page.locator("[data-testid='stButtonGroup']").filter(has_text=self.pick)
            listing.get_by_role("radio").first.click()  # one choice: a radio group
            self._radio().first.wait_for(state="visible")
            wait_for_app(self.page)

    def _two_levels(self) -> list[tuple[int, str]]:
        """Two maturity levels of the first criterion that give different points."""
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        self._open_first_criterion()
        seen: dict[str, int] = {score_value(self.page, self.points): self._checked()}
        for index in range(self._radio().count()):
            if index == self._checked():
                continue
            before = score_value(self.page, self.points)
            self._radio().nth(index).click()
            # The score fragment's rerun can start and end between two looks at the page's
            # script state: wait for the points to move instead (some levels give the same).
            with suppress(PlaywrightTimeout):
                self.page.wait_for_function(
                    "([label, before]) => { const m = [...document.querySelectorAll("
                    "\"[data-testid='stMarkdown']\")].find(e => e.innerText.trim().startsWith(label + ' :'));"
                    " return m && m.querySelector('strong').innerText.trim() !== before; }",
                    arg=[self.points, before], timeout=5000)
            wait_for_app(self.page)
            seen.setdefault(score_value(self.page, self.points), index)
            if len(seen) == 2:
                return [(i, v) for v, i in seen.items()]
        raise RuntimeError("no two levels of the first criterion give different points")

    def _checked(self) -> int:
        checked = self._radio().locator("input").evaluate_all("(inputs) => inputs.map(i => i.checked)")
        return checked.index(True) if True in checked else -1

    def change(self) -> tuple[float, float]:
        if self.at != "":
            self.switch_to("")
        self._open_first_criterion()
        current = score_value(self.page, self.points)
        index, value = next(c for c in self.choices if c[1] != current)
        return timed(self.page, f"score:{self.points}", value, self._radio().nth(index).click)

    def switch_to(self, path: str) -> tuple[float, float]:
        link = nav_link(self.page, path)
        result = timed(self.page, "title", self.titles[path], link.click)
        self.at = path
        return result


def first_start(browser: Any, script: Path, data_dir: Path | None,
                folder: Path) -> tuple[float, float, float]:
    """(demo import, process start → healthy, healthy → first page run) in ms."""
    imported = import_demo(data_dir) if data_dir is not None else 0.0
    with serve(script, data_dir, folder / f"{script.stem}-first.log") as server:
        healthy = time.perf_counter()
        page = new_tab(browser)
        try:
            page.goto(server.url)
            wait_for_app(page)
            first = (time.perf_counter() - healthy) * 1000
        finally:
            page.context.close()
    return imported, server.up_ms, first


# --- the report -----------------------------------------------------------------------------


def _ms(value: float) -> str:
    return f"{value:,.0f}"


def table(s: Samples, pairs: list[tuple[str, str, str, str]]) -> list[str]:
    rows = ["| interaction | baseline | baseline median / p90 (ms) | ours median / p90 (ms) "
            "| ratio median / p90 | goal |", "|---|---|---:|---:|---:|---|"]
    for label, ours, base, goal in pairs:
        if ours not in s.ms or base not in s.ms:
            continue
        rows.append(f"| {label} | {base.split(':')[0]} | {_ms(s.median(base))} / {_ms(s.p90(base))} "
                    f"| {_ms(s.median(ours))} / {_ms(s.p90(ours))} "
                    f"| {s.median(ours) / s.median(base):.1f}× / {s.p90(ours) / s.p90(base):.1f}× | {goal} |")
    return rows


def write_readme(block: list[str]) -> None:
    text = README.read_text(encoding="utf-8")
    body = "\n".join([BEGIN, *block, END])
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = head + body + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n## Clicks — `clicks.py`\n\n" + (__doc__ or "").split("\n\n    ")[0] \
            + "\n\n### Measured\n\n" + body + "\n"
    README.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10, help="clicks of each kind (default 10)")
    parser.add_argument("--first-start", type=int, default=3, help="fresh starts of each app (default 3)")
    parser.add_argument("--no-readme", action="store_true", help="print only, leave benchmarks/README.md")
    args = parser.parse_args()
    # A plain `kill` then stops the servers and the browser too (the `finally` blocks run).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if not Path(CHROMIUM).exists():
        sys.exit(f"{CHROMIUM} is needed: apt-get install -y chromium")

    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(ROOT))
    from labelnr.i18n import translate

    points = translate("assessment.points", "fr")
    pick = translate("assessment.pick_criterion", "fr")
    load_start = os.getloadavg()
    started = time.perf_counter()
    folder = Path(tempfile.mkdtemp(prefix="labelnr-bench-clicks-"))
    minimal_app, bare_app = folder / "minimal.py", folder / "bare.py"
    minimal_app.write_text(MINIMAL_APP)
    bare_app.write_text(BARE_APP)
    data = _demo_data(folder / "ours")
    s = Samples()
    try:
        import_demo(data)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            with serve(minimal_app, None, folder / "minimal.log") as m, \
                    serve(bare_app, None, folder / "bare.log") as b, \
                    serve(ROOT / "app.py", data, folder / "ours.log") as o:
                minimal = Minimal(new_tab(browser), m.url)
                bare = Bare(new_tab(browser), b.url)
                ours = Ours(new_tab(browser), o.url, points, pick)
                for rep in range(args.repeat):
                    s.add("minimal: selectbox → metric", minimal.change()[0])
                    s.add("ours: level → points", ours.change()[0])
                    for _ in range(2):
                        s.add("bare: page switch", bare.switch()[1])
                    for path in (*OUR_PAGES[1:], OUR_PAGES[0]):
                        s.add(f"ours: → {PAGE_NAMES.get(path, path)}", ours.switch_to(path)[1])
                    print(f"  repetition {rep + 1}/{args.repeat} done", flush=True)
            for rep in range(args.first_start):
                _, up, first = first_start(browser, minimal_app, None, folder)
                s.add("minimal: server up", up)
                s.add("minimal: first page", first)
                imported, up, first = first_start(browser, ROOT / "app.py",
                                                  _demo_data(folder / f"fresh-{rep}"), folder)
                s.add("ours: demo import", imported)
                s.add("ours: server up", up)
                s.add("ours: first page", first)
                print(f"  first start {rep + 1}/{args.first_start} done", flush=True)
            browser.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    load_end = os.getloadavg()
    minutes = (time.perf_counter() - started) / 60

    for name, values in s.ms.items():
        print(f"{name:32} median {_ms(s.median(name)):>7} ms  p90 {_ms(s.p90(name)):>7} ms"
              f"  (n={len(values)})")
    switches = [(f"page switch → {PAGE_NAMES.get(p, p)}", f"ours: → {PAGE_NAMES.get(p, p)}",
                 "bare: page switch", "≤ 2×") for p in OUR_PAGES]
    rows = table(s, [("answer change → live score", "ours: level → points", "minimal: selectbox → metric",
                      "≤ 1.5×"), *switches,
                     ("first start: server up → first page", "ours: first page", "minimal: first page",
                      "< 3 s"),
                     ("first start: process → healthy", "ours: server up", "minimal: server up", "")])
    import streamlit

    block = [f"{dt.date.today().isoformat()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
             f"Streamlit {streamlit.__version__}, Chromium headless; {args.repeat} clicks of each kind, "
             f"{args.first_start} fresh starts; load average {load_start[0]:.1f} at the start, "
             f"{load_end[0]:.1f} at the end ({minutes:.0f} min).", "", *rows, "",
             f"Demo import before the server (`open_store()` on a fresh folder): median "
             f"{_ms(s.median('ours: demo import'))} ms, p90 {_ms(s.p90('ours: demo import'))} ms."
             if "ours: demo import" in s.ms else ""]
    print("\n".join(block))
    if not args.no_readme:
        write_readme(block)
        print(f"table written to {README.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
