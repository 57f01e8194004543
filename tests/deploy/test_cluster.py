"""The group deployment: ``dev.py cluster`` with two replicas behind nginx, tried over HTTP.

Starts PostgreSQL, two ``streamlit run`` replicas and the proxy from ``scripts/cluster.py`` in a
temporary state folder, checks what an operator relies on (affinity cookie, compression,
caching, health checks, a dead replica's users sent to the other one), then stops it all and
checks that nothing is left running.
"""

from __future__ import annotations

import gzip
import os
import re
import signal
import time
import urllib.request
from collections.abc import Iterator

import pytest

from tests.support.cluster import Running, missing, running_cluster, wait_for_line

pytestmark = pytest.mark.slow


def _get(url: str, cookie: str | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
    if cookie:
        request.add_header("Cookie", cookie)
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()


@pytest.fixture(scope="module")
def cluster() -> Iterator[Running]:
    """A cluster of this module's own: the tests below count on its replicas and its proxy log."""
    with running_cluster(2) as running:
        yield running


def test_affinity_compression_and_caching(cluster: Running) -> None:
    status, headers, body = _get(cluster.url + "/")
    assert status == 200
    assert headers["content-encoding"] == "gzip"
    cookie = headers["set-cookie"]
    match = re.match(r"labelnr_replica=(app[12]);", cookie)
    assert match, cookie
    assert "HttpOnly" in cookie
    replica = match.group(1)
    html = gzip.decompress(body).decode()
    # Streamlit's index.html, filtered: French (the app's default language) rather than "en", and
    # no preload of the Source Sans font that the theme does not use (.streamlit/config.toml).
    assert '<html lang="fr">' in html
    assert 'rel="preload"' not in html
    assert "modulepreload" in html  # the scripts' preloads stay
    assert '@font-face{font-family:"Source Sans"' in html  # a local font until the theme arrives
    script = re.search(r'src="\.?/?(static/js/[^"]+\.js)"', html)
    assert script, html[:500]
    # A browser that holds the cookie stays on its replica, request after request.
    for _ in range(5):
        _, again, js = _get(f"{cluster.url}/{script.group(1)}", cookie=f"labelnr_replica={replica}")
        assert again["content-encoding"] == "gzip"
        assert "immutable" in again["cache-control"]
        assert "set-cookie" not in again
    # Precompressed at gzip level 9: about a quarter of the raw size.
    assert len(js) < len(gzip.decompress(js)) * 0.35
    # The page itself comes from a replica, and the same one while the cookie names it.
    for _ in range(3):
        _, page, _ = _get(cluster.url + "/", cookie=f"labelnr_replica={replica}")
        assert page["x-served-by"] == replica
        assert "set-cookie" not in page


def test_a_first_visit_downloads_no_text_font(cluster: Running) -> None:
    """Through the proxy a browser fetches Streamlit's icon font only: the text is in the system
    font (the theme), and Source Sans is neither preloaded nor drawn before the theme arrives."""
    from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, wait_for_app

    if not CHROMIUM.exists():
        missing(f"{CHROMIUM}: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            tab = browser.new_page(locale="fr-FR")
            fonts: list[str] = []
            tab.on("requestfinished", lambda r: fonts.append(r.url.rsplit("/", 1)[-1])
                   if r.url.endswith(".woff2") else None)
            tab.goto(cluster.url + "/history")
            wait_for_app(tab)
            tab.wait_for_load_state("networkidle")
            assert [f.split(".")[0] for f in fonts] == ["MaterialSymbols-Rounded"], fonts
            assert tab.evaluate("() => document.documentElement.lang") == "fr"
            family = tab.evaluate("() => getComputedStyle(document.querySelector('h1')).fontFamily")
            assert family.startswith("system-ui"), family
        finally:
            browser.close()


def test_a_dead_replica_s_users_go_to_the_other(cluster: Running) -> None:
    pids = cluster.replica_pids()
    assert set(pids) == {"app1", "app2"}
    os.kill(pids["app1"], signal.SIGKILL)
    deadline = time.monotonic() + 30
    served = None
    while time.monotonic() < deadline:
        try:
            _, headers, _ = _get(cluster.url + "/", cookie="labelnr_replica=app1")
            served = headers.get("x-served-by")
            if served == "app2":
                break
        except OSError:
            pass
        time.sleep(0.5)
    assert served == "app2"
    log = wait_for_line(cluster.state / "logs" / "proxy.log", "replica=app2")
    assert "replica=app2" in log
