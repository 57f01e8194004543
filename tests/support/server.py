"""Starting, waiting for and stopping the servers the browser and cluster tests run.

``streamlit run app.py``, the OpenID provider mock and ``dev.py cluster`` are started the same
way: a process writing to a log file, polled until it answers, its log's tail shown if it does
not, and stopped at the end. A missing system package skips the test, except under ``CI``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import NoReturn

import pytest

ROOT = Path(__file__).resolve().parents[2]


def unavailable(reason: str, what: str) -> NoReturn:
    """Skip for want of ``reason``; under CI fail instead (``what`` may not be skipped there)."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set: {what} may not be skipped)")
    pytest.skip(reason)


def answers(url: str) -> bool:
    """Whether ``url`` answers 200 within two seconds."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def healthy(url: str) -> bool:
    """Whether the Streamlit server (or the proxy in front of it) at ``url`` reports healthy."""
    return answers(f"{url}/_stcore/health")


def start(command: Sequence[str], log: Path, cwd: Path = ROOT, env: Mapping[str, str] | None = None,
          ) -> subprocess.Popen[bytes]:
    """``command`` in the background, its output (both streams) appended to ``log``."""
    with log.open("ab") as out:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(list(command), cwd=cwd, env=None if env is None else dict(env),
                                stdout=out, stderr=subprocess.STDOUT)


def wait_until(check: Callable[[], bool], what: str, process: subprocess.Popen[bytes], log: Path | None,
               timeout: float, interval: float = 0.25) -> None:
    """Poll ``check``; fail with the log's tail if ``process`` exits or ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    while not check():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            tail = "" if log is None else ":\n" + log.read_text(errors="replace")[-3000:]
            pytest.fail(f"{what} did not start{tail}")
        time.sleep(interval)


def stop(process: subprocess.Popen[bytes], timeout: float = 10) -> None:
    """Terminate ``process``, killed if it has not exited after ``timeout`` seconds."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def streamlit_command(port: int, *extra: str) -> list[str]:
    """``streamlit run app.py`` headless on ``port`` of the loopback, as the README starts it."""
    return [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
            "--server.headless", "true", "--server.address", "127.0.0.1",
            "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none", *extra]
