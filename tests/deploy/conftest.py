"""Starting ``dev.py cluster`` for the browser tests through the proxy (scripts/cluster.py)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT = 240.0


def missing(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set: the cluster test may not be skipped)")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Running:
    url: str
    state: Path
    database_url: str


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


@contextmanager
def running_cluster(replicas: int, extra: Sequence[str] = (), port: int | None = None) -> Iterator[Running]:
    """PostgreSQL, ``replicas`` app processes and nginx in a temporary state folder; all stopped after."""
    if shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists():
        missing("the cluster needs nginx: apt-get install -y nginx")
    if not sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb")) and shutil.which("initdb") is None:
        missing("the cluster needs PostgreSQL: apt-get install -y postgresql")
    # Not under pytest's temporary folder: PostgreSQL runs as 'postgres' when we are root.
    state = Path(tempfile.mkdtemp(prefix="labelnr-cluster-"))
    state.chmod(0o755)
    port = port or free_port()
    args = ["--replicas", str(replicas), "--port", str(port), "--state", str(state), *extra]
    code = ("import sys; from pathlib import Path; sys.path.insert(0, 'scripts'); import cluster; "
            f"cluster.main({args!r}, Path(sys.executable).parent)")
    log_path = state / "cluster.log"
    log = log_path.open("wb")
    process = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while not _healthy(url):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            log.close()
            pytest.fail(f"the cluster did not start:\n{log_path.read_text(errors='replace')[-3000:]}")
        time.sleep(0.5)
    database = next(line.split()[1] for line in log_path.read_text().splitlines()
                    if line.startswith("PostgreSQL  "))
    try:
        yield Running(url, state, database)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=90)
        log.close()
        shutil.rmtree(state, ignore_errors=True)
