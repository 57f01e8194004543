"""``dev.py cluster`` (scripts/cluster.py) for the deployment tests: PostgreSQL, replicas, nginx."""

from __future__ import annotations

import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .ports import free_port
from .server import healthy, start, unavailable, wait_until

STARTUP_TIMEOUT = 240.0


def missing(reason: str) -> None:
    unavailable(reason, "the cluster test")


@dataclass(frozen=True)
class Running:
    url: str
    state: Path
    database_url: str

    def replica_pids(self) -> dict[str, int]:
        """app1 → pid, from the processes whose environment names the replica of this cluster."""
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


@contextmanager
def running_cluster(replicas: int, extra: Sequence[str] = (), port: int | None = None) -> Iterator[Running]:
    """PostgreSQL, ``replicas`` app processes and nginx in a new temporary state folder; all stopped after."""
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
    log = state / "cluster.log"
    process = start([sys.executable, "-c", code], log)
    url = f"http://127.0.0.1:{port}"
    wait_until(lambda: healthy(url), "the cluster", process, log, STARTUP_TIMEOUT, interval=0.5)
    database = next(line.split()[1] for line in log.read_text().splitlines()
                    if line.startswith("PostgreSQL  "))
    try:
        yield Running(url, state, database)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=90)
        shutil.rmtree(state, ignore_errors=True)


def wait_for_line(log: Path, text: str, timeout: float = 10) -> str:
    """The log's content once it holds ``text``; nginx writes a request's line after its response."""
    deadline = time.monotonic() + timeout
    content = ""
    while time.monotonic() < deadline:
        content = log.read_text(errors="replace") if log.exists() else ""
        if text in content:
            break
        time.sleep(0.2)
    return content
