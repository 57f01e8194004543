"""Every page in Chromium: it loads without error, a full-page screenshot is saved, axe-core finds
no accessibility violation caused by our content, and its first-load weight is recorded."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from typing import Any

import pytest

from .conftest import ARTIFACTS, Server, screenshot, wait_for_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]

#: url path → page file (the self-assessment is the default page, served at the root).
PAGES = {
    "": "assessment",
    "plan": "plan",
    "dashboard": "dashboard",
    "services": "services",
    "audit": "audit",
    "referentials": "referentials",
    "history": "history",
    "admin": "admin",
    "roles": "roles",
}

#: axe-core rules broken by Streamlit's own markup, which our pages cannot change.
#: Each entry: rule id → the only CSS selectors (substring match) it may concern, and why.
STREAMLIT_INTERNAL: dict[str, tuple[tuple[str, ...], str]] = {
    # st.file_uploader draws its drop zone as <section role="presentation" tabindex="-1">
    # with an aria-label; the zone is a mouse target only, while the labelled "Upload" button
    # and the file input inside it are what keyboard and screen-reader users reach.
    "presentation-role-conflict": (("stFileUploaderDropzone",),
                                   "Streamlit's file-uploader drop zone; its button is reachable"),
}

WEIGHTS: dict[str, dict[str, int]] = {}


@pytest.fixture(scope="module", autouse=True)
def write_weights() -> Iterator[None]:
    yield
    if WEIGHTS:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / "page-weights.json").write_text(json.dumps(WEIGHTS, indent=2, sort_keys=True) + "\n")


def _gzipped(responses: list[Any]) -> int:
    """What the same HTTP responses weigh behind a compressing proxy (Streamlit serves its
    static files uncompressed): text bodies gzipped at level 6, fonts and images as they are."""
    total = 0
    for response in responses:
        try:
            body = response.body()
        except Exception:  # redirects and aborted requests have no body
            continue
        kind = response.headers.get("content-type", "")
        textual = any(k in kind for k in ("javascript", "css", "html", "json", "svg", "text"))
        total += len(gzip.compress(body, 6)) if textual else len(body)
    return total


def _own_violations(violations: list[dict[str, Any]]) -> list[str]:
    found = []
    for violation in violations:
        allowed, _why = STREAMLIT_INTERNAL.get(violation["id"], ((), ""))
        for node in violation["nodes"]:
            target = " ".join(str(t) for t in node["target"])
            if not any(a in target or a in node["html"] for a in allowed):
                found.append(f"{violation['id']} ({violation['impact']}): {target} — {node['html'][:200]}")
    return found


@pytest.mark.parametrize("path", list(PAGES), ids=list(PAGES.values()))
def test_page_loads_is_accessible_and_is_weighed(app_server: Server, browser: Any, path: str) -> None:
    name = PAGES[path]
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="fr-FR")
    page = context.new_page()
    http = {"requests": 0, "bytes": 0}
    websocket = {"bytes": 0}

    def finished(request: Any) -> None:
        sizes = request.sizes()
        http["requests"] += 1
        http["bytes"] += sizes["responseBodySize"] + sizes["responseHeadersSize"]

    def received(payload: str | bytes) -> None:
        websocket["bytes"] += len(payload)

    def frames(ws: Any) -> None:
        ws.on("framereceived", received)

    responses: list[Any] = []
    page.on("response", lambda response: responses.append(response))
    page.on("requestfinished", finished)
    page.on("websocket", frames)
    try:
        page.goto(f"{app_server.url}/{path}")
        wait_for_app(page)
        page.wait_for_load_state("networkidle")
        assert page.locator("[data-testid='stException']").count() == 0
        assert page.get_by_text("Page not found").count() == 0
        WEIGHTS[name] = {"http_requests": http["requests"], "http_bytes": http["bytes"],
                         "websocket_bytes": websocket["bytes"],
                         "total_bytes": http["bytes"] + websocket["bytes"],
                         "gzip_equivalent_bytes": _gzipped(responses) + websocket["bytes"]}
        screenshot(page, name)
        from axe_playwright_python.sync_playwright import Axe

        results = Axe().run(page)
        own = _own_violations(results.response["violations"])
        assert not own, "\n".join(own)
    finally:
        context.close()
