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
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _missing(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set: the cluster test may not be skipped)")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Cluster:
    url: str
    state: Path
    process: subprocess.Popen[bytes]

    def replica_pids(self) -> dict[str, int]:
        """app1 → pid, from the processes whose environment names the replica."""
        found: dict[str, int] = {}
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            try:
                env = (proc / "environ").read_bytes().split(b"\0")
                cmd = (proc / "cmdline").read_bytes()
            except OSError:
                continue
            if b"streamlit" in cmd and f"LABELNR_DATA_DIR={self.state / 'data'}".encode() in env:
                for item in env:
                    if item.startswith(b"LABELNR_REPLICA="):
                        found[item.split(b"=", 1)[1].decode()] = int(proc.name)
        return found


def _get(url: str, cookie: str | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
    if cookie:
        request.add_header("Cookie", cookie)
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    if shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists():
        _missing("the cluster needs nginx: apt-get install -y nginx")
    if not sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb")) and shutil.which("initdb") is None:
        _missing("the cluster needs PostgreSQL: apt-get install -y postgresql")
    # Not under pytest's own temporary folder: when run as root, PostgreSQL runs as 'postgres',
    # who may not enter root's private folders.
    state = Path(tempfile.mkdtemp(prefix="labelnr-cluster-"))
    state.chmod(0o755)
    port = _free_port()
    code = ("import sys; from pathlib import Path; sys.path.insert(0, 'scripts'); import cluster; "
            f"cluster.main(['--replicas', '2', '--port', '{port}', '--state', {str(state)!r}], "
            "Path(sys.executable).parent)")
    log = (state / "cluster.log").open("wb")
    process = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 240
    while True:
        try:
            if _get(f"{url}/_stcore/health")[0] == 200:
                break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            log.close()
            output = (state / "cluster.log").read_text(errors="replace")[-3000:]
            pytest.fail(f"the cluster did not start:\n{output}")
        time.sleep(0.5)
    try:
        yield Cluster(url, state, process)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=90)
        log.close()
        shutil.rmtree(state, ignore_errors=True)


def test_affinity_compression_and_caching(cluster: Cluster) -> None:
    status, headers, body = _get(cluster.url + "/")
    assert status == 200
    assert headers["content-encoding"] == "gzip"
    cookie = headers["set-cookie"]
    match = re.match(r"labelnr_replica=(app[12]);", cookie)
    assert match, cookie
    assert "HttpOnly" in cookie
    replica = match.group(1)
    html = gzip.decompress(body).decode()
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


def test_a_dead_replica_s_users_go_to_the_other(cluster: Cluster) -> None:
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
    log = (cluster.state / "logs" / "proxy.log").read_text(errors="replace")
    assert "replica=app2" in log
