"""Ecoindex of a page as a browser loads it: DOM elements, HTTP requests and bytes transferred.

The formula is the published one (ecoindex.fr, GreenIT-Analysis): each of the three figures is
placed on its quantile scale (a position from 0 to 20, linear between two quantiles), then

    ecoindex = 100 − 5 × (3 × q_dom + 2 × q_requests + q_size) / 6

Size is in kibibytes (bytes ÷ 1,024, as the reference implementations count). The DOM
counts every element but those inside an ``<svg>`` (an icon is one element, as the reference counts
it). ``measure`` loads a page in a fresh Playwright context and returns the raw figures and the
same responses as a compressing proxy would send them (text bodies gzipped, fonts and images
as they are) — what ``deploy/``'s nginx serves.
"""

from __future__ import annotations

import gzip
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

QUANTILES_DOM = (0, 47, 75, 159, 233, 298, 358, 417, 476, 537, 603, 674, 753, 843, 949, 1076, 1237,
                 1459, 1801, 2479, 594601)
QUANTILES_REQUESTS = (0, 2, 15, 25, 34, 42, 49, 56, 63, 70, 78, 86, 95, 105, 117, 130, 147, 170, 205,
                      281, 3920)
QUANTILES_SIZE_KB = (0, 1.37, 144.7, 319.53, 479.46, 631.97, 783.38, 937.91, 1098.62, 1265.47, 1448.32,
                     1648.27, 1876.08, 2142.06, 2465.37, 2866.31, 3401.59, 4155.73, 5400.08, 8037.54,
                     223212.26)
GRADES = ((80, "A"), (70, "B"), (55, "C"), (40, "D"), (25, "E"), (10, "F"), (0, "G"))
TEXTUAL = ("javascript", "css", "html", "json", "svg", "text", "xml")
COUNT_DOM = """() => [...document.getElementsByTagName('*')]
    .filter(e => !(e.parentElement && e.parentElement.closest('svg'))).length"""


def _position(value: float, quantiles: tuple[float, ...]) -> float:
    """Where ``value`` falls on a quantile scale: index of the quantile below, plus the fraction."""
    if value >= quantiles[-1]:
        return float(len(quantiles) - 1)
    i = max(bisect_right(quantiles, value) - 1, 0)
    low, high = quantiles[i], quantiles[i + 1]
    return i + (value - low) / (high - low)


def score(dom: int, requests: int, size_kb: float) -> float:
    """The Ecoindex (0–100) of a page with these figures."""
    q = (3 * _position(dom, QUANTILES_DOM) + 2 * _position(requests, QUANTILES_REQUESTS)
         + _position(size_kb, QUANTILES_SIZE_KB))
    return max(0.0, 100 - 5 * q / 6)


def grade(value: float) -> str:
    """The letter of an Ecoindex: A (≥ 80) to G."""
    return next(letter for bound, letter in GRADES if value >= bound)


@dataclass(frozen=True)
class Weight:
    """A page's first load: DOM elements, requests, bytes on the wire and behind gzip."""

    dom: int
    requests: int
    raw_bytes: int
    gzip_bytes: int
    websocket_bytes: int

    @property
    def ecoindex_raw(self) -> float:
        return score(self.dom, self.requests, self.raw_bytes / 1024)

    @property
    def ecoindex_gzip(self) -> float:
        return score(self.dom, self.requests, self.gzip_bytes / 1024)

    def as_dict(self) -> dict[str, float | int | str]:
        return {"dom": self.dom, "requests": self.requests, "raw_bytes": self.raw_bytes,
                "gzip_bytes": self.gzip_bytes, "websocket_bytes": self.websocket_bytes,
                "ecoindex_raw": round(self.ecoindex_raw, 1), "grade_raw": grade(self.ecoindex_raw),
                "ecoindex_gzip": round(self.ecoindex_gzip, 1), "grade_gzip": grade(self.ecoindex_gzip)}


def _compressed(response: Any) -> int | None:
    """What one response weighs behind a compressing proxy; None when it has no body."""
    try:
        body = response.body()
    except Exception:  # redirects and aborted requests have no body
        return None
    headers = response.headers
    kind = headers.get("content-type", "")
    if headers.get("content-encoding") or not any(k in kind for k in TEXTUAL):
        return len(body) + 200  # already compressed (or a font, an image): as it is, with headers
    return len(gzip.compress(body, 6)) + 200


def measure(browser: Any, url: str, ready: Callable[[Any], None], locale: str = "fr-FR",
            viewport: tuple[int, int] = (1366, 900)) -> tuple[Weight, Any]:
    """Load ``url`` in a new context (cold cache), wait with ``ready(page)``, return its weight and
    the page (its context is the caller's to close)."""
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]}, locale=locale)
    page = context.new_page()
    raw = {"requests": 0, "bytes": 0}
    ws = {"bytes": 0}
    responses: list[Any] = []

    def finished(request: Any) -> None:
        sizes = request.sizes()
        raw["requests"] += 1
        raw["bytes"] += sizes["responseBodySize"] + sizes["responseHeadersSize"]

    page.on("requestfinished", finished)
    page.on("response", lambda response: responses.append(response))
    page.on("websocket", lambda sock: sock.on("framereceived", lambda p: ws.__setitem__("bytes", ws["bytes"]
                                                                                          + len(p))))
    page.goto(url)
    ready(page)
    page.wait_for_load_state("networkidle")
    dom = int(page.evaluate(COUNT_DOM))
    zipped = sum(size for size in map(_compressed, responses) if size is not None)
    weight = Weight(dom=dom, requests=raw["requests"], raw_bytes=raw["bytes"] + ws["bytes"],
                    gzip_bytes=zipped + ws["bytes"], websocket_bytes=ws["bytes"])
    return weight, page
