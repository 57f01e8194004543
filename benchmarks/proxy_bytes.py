"""What the proxy saves: bytes of each page's first load through nginx against straight to a replica.

Starts its own two-replica cluster (``dev.py cluster``), then loads every page once in a
fresh headless Chromium (empty cache, no cookie) through the proxy and once straight from
replica app1, and sums what came over HTTP on the wire (response headers + encoded body,
from Playwright's request sizes), the part of it that is fonts (WOFF2, compressed already:
no proxy shrinks them) and, apart, what came over the websocket.

    .venv/bin/python benchmarks/proxy_bytes.py
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from load import OwnCluster  # noqa: E402  (a sibling script, not a package)

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, wait_for_app  # noqa: E402

PAGES = ("", "plan", "dashboard", "audit", "referentials", "history")


def first_load(browser: Any, url: str) -> tuple[int, int, int]:
    """(HTTP bytes on the wire, of which fonts, websocket bytes received) for one page, fresh context."""
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="fr-FR")
    context.set_default_timeout(120_000)
    tab = context.new_page()
    done: list[Any] = []
    ws_bytes = [0]

    def received(payload: str | bytes) -> None:
        ws_bytes[0] += len(payload)

    tab.on("requestfinished", lambda request: done.append(request))
    tab.on("websocket", lambda ws: ws.on("framereceived", received))
    tab.goto(url)
    wait_for_app(tab)
    tab.wait_for_load_state("networkidle")
    total = fonts = 0
    for request in done:
        sizes = request.sizes()
        size = sizes["responseHeadersSize"] + max(sizes["responseBodySize"], 0)
        total += size
        fonts += size if request.url.endswith(".woff2") else 0
    context.close()
    return total, fonts, ws_bytes[0]


def main() -> None:
    from playwright.sync_api import sync_playwright

    cluster = OwnCluster(2)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            print(f"{'page':<14}{'direct HTTP':>14}{'proxy HTTP':>14}{'ratio':>8}{'woff2 fonts':>13}"
                  f"{'websocket':>12}")
            sums = [0, 0]
            for page in PAGES:
                direct, _, ws = first_load(browser, f"{cluster.replicas[0]}/{page}")
                proxied, fonts, _ = first_load(browser, f"{cluster.url}/{page}")
                sums[0] += direct
                sums[1] += proxied
                print(f"{page or 'assessment':<14}{direct / 1024:>11.0f} kB{proxied / 1024:>11.0f} kB"
                      f"{proxied / direct:>8.0%}{fonts / 1024:>10.0f} kB{ws / 1024:>9.0f} kB")
            print(f"{'all pages':<14}{sums[0] / 1024:>11.0f} kB{sums[1] / 1024:>11.0f} kB"
                  f"{sums[1] / sums[0]:>8.0%}")
            browser.close()
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
