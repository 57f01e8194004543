"""Every page in Chromium: it loads without error, a full-page screenshot is saved, axe-core finds
no accessibility violation caused by our content, and its first load is weighed: DOM elements,
HTTP requests, bytes raw and behind gzip, and the Ecoindex of both (``tests/support/ecoindex.py``),
written to ``test-artifacts/page-weights.json``. A page fails only under its floor below
(``ECOINDEX_FLOORS``): a clear regression, never a timing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.ecoindex import measure

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

#: The Ecoindex (published formula and quantiles, tests/support/ecoindex.py) under which a page's
#: first load fails: a clear regression, about 8 points under what was measured on Streamlit 1.67
#: (test-artifacts/page-weights.json holds each run's figures; raise a floor when a page gets lighter).
#: DOM and request counts are deterministic enough, and bytes are: no timing is involved.
ECOINDEX_FLOORS: dict[str, dict[str, float]] = {
    # page: {"raw": Streamlit's own uncompressed responses, "gzip": behind the compressing proxy}
    # measured 2026-12-08 after issue 12's pages (raw / gzip, benchmarks/ecoindex.py): assessment 52 / 58,
    # plan 51 / 57, dashboard 53 / 58, audit 50 / 56, referentials 51 / 56, history 52 / 57,
    # admin 56 / 62, roles 58 / 63, services 54 / 60 — floors about 5 points under, at least the goal of
    # 55 behind gzip where the page meets it with room; the test data hold one more entity than the demo.
    "assessment": {"raw": 46, "gzip": 52},
    "plan": {"raw": 45, "gzip": 51},
    "dashboard": {"raw": 46, "gzip": 52},
    "audit": {"raw": 44, "gzip": 50},
    "referentials": {"raw": 45, "gzip": 51},
    "services": {"raw": 46, "gzip": 51},
    "history": {"raw": 46, "gzip": 52},
    "admin": {"raw": 49, "gzip": 55},
    "roles": {"raw": 50, "gzip": 55},
}

WEIGHTS: dict[str, dict[str, float | int | str]] = {}
#: Waiting, not timing: how long a page may take to be drawn before the test gives up.
SLOW_MS = 90_000


@pytest.fixture(scope="module", autouse=True)
def write_weights() -> Iterator[None]:
    yield
    if WEIGHTS:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / "page-weights.json").write_text(json.dumps(WEIGHTS, indent=2, sort_keys=True) + "\n")


def _own_violations(violations: list[dict[str, Any]]) -> list[str]:
    found = []
    for violation in violations:
        allowed, _why = STREAMLIT_INTERNAL.get(violation["id"], ((), ""))
        for node in violation["nodes"]:
            target = " ".join(str(t) for t in node["target"])
            if not any(a in target or a in node["html"] for a in allowed):
                found.append(f"{violation['id']} ({violation['impact']}): {target} — {node['html'][:200]}")
    return found


def _ready(page: Any) -> None:
    """The page drawn; a loaded shared machine may take long on a cold first run (plotly)."""
    page.set_default_timeout(SLOW_MS)
    wait_for_app(page)


@pytest.mark.parametrize("path", list(PAGES), ids=list(PAGES.values()))
def test_page_loads_is_accessible_and_is_weighed(app_server: Server, browser: Any, path: str) -> None:
    name = PAGES[path]
    weight, page = measure(browser, f"{app_server.url}/{path}", _ready)
    try:
        assert page.locator("[data-testid='stException']").count() == 0
        assert page.get_by_text("Page not found").count() == 0
        assert page.evaluate("() => document.documentElement.lang") == "fr"  # not Streamlit's "en"
        WEIGHTS[name] = weight.as_dict()
        screenshot(page, name)
        from axe_playwright_python.sync_playwright import Axe

        results = Axe().run(page)
        own = _own_violations(results.response["violations"])
        assert not own, "\n".join(own)
        floor = ECOINDEX_FLOORS[name]
        figures = f"{name}: {weight.as_dict()}"
        assert weight.ecoindex_raw >= floor["raw"], f"Ecoindex (raw) under {floor['raw']}: {figures}"
        assert weight.ecoindex_gzip >= floor["gzip"], f"Ecoindex (gzip) under {floor['gzip']}: {figures}"
    finally:
        page.context.close()
