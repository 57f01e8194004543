#!/usr/bin/env python3
"""Set up the project in ./.venv from the lock files, then run the app or the tests.

    python3 scripts/dev.py run     # the app on the embedded default (SQLite + demo data), port 8501
    python3 scripts/dev.py test    # the whole test suite (pytest)
    python3 scripts/dev.py test --quick   # without the tests marked slow (browser, cluster, crash...)
    python3 scripts/dev.py check   # ruff, mypy and the published JSON schemas
    python3 scripts/dev.py cluster --replicas N --port P   # PostgreSQL + N replicas + nginx

Only the standard library is used here, so this runs on a bare Python 3.11.
The virtual environment is rebuilt when a lock file changes (its hash is recorded).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = Path(os.environ.get("LABELNR_VENV", ROOT / ".venv"))
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / "python"
UV_VERSION = "0.13.8"
STAMP = VENV / ".labelnr-lock"


def _run(*args: str | Path, env: dict[str, str] | None = None) -> None:
    result = subprocess.run([str(a) for a in args], cwd=ROOT, env=env, check=False)  # noqa: S603 (our own tools)
    if result.returncode != 0:
        sys.exit(result.returncode)


def _lock_hash(locks: list[Path]) -> str:
    digest = hashlib.sha256()
    for lock in locks:
        digest.update(lock.read_bytes())
    digest.update((ROOT / "pyproject.toml").read_bytes())
    return digest.hexdigest()


def setup(dev: bool) -> None:
    """Create the venv and install exactly the locked versions, then the project itself."""
    if sys.version_info < (3, 11):  # noqa: UP036 (this script may be started by an older Python)
        sys.exit(f"Python 3.11 or newer is needed; this is {sys.version.split()[0]}.")
    locks = [ROOT / "requirements.lock"] + ([ROOT / "requirements-dev.lock"] if dev else [])
    wanted = _lock_hash(locks)
    # The dev lock is a superset of the run lock: a dev venv also serves `run`.
    accepted = {wanted} if dev else {wanted, _lock_hash([*locks, ROOT / "requirements-dev.lock"])}
    if STAMP.exists() and STAMP.read_text() in accepted and PY.exists():
        return
    if not PY.exists():
        print(f"Creating {VENV} ...", flush=True)
        venv.create(VENV, with_pip=True)
    print("Installing the locked dependencies (first time: a few minutes) ...", flush=True)
    _run(PY, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", f"uv=={UV_VERSION}")
    # Compiled bytecode: a read-only or PYTHONDONTWRITEBYTECODE environment would otherwise
    # recompile every module at each CLI start (seconds instead of a fraction of one).
    _run(BIN / "uv", "pip", "sync", "--quiet", "--compile-bytecode", "--python", PY, *locks)
    _run(BIN / "uv", "pip", "install", "--quiet", "--python", PY, "--no-deps", "-e", ".")
    STAMP.write_text(wanted)


def main(argv: list[str]) -> None:
    command = argv[0] if argv else "run"
    rest = argv[1:]
    if command == "run":
        setup(dev=False)
        # Create or upgrade the database and import the demo now, not while the first visitor waits.
        _run(PY, "-c", "from labelnr.storage import open_store; open_store().dispose()")
        _run(BIN / "streamlit", "run", "app.py", "--server.port", "8501", *rest)
    elif command == "test":
        setup(dev=True)
        # --quick deselects the slow tests (browser, cluster, crash, concurrency, properties).
        quick = ["-m", "not slow"] if "--quick" in rest else []
        _run(PY, "-m", "pytest", *quick, *(a for a in rest if a != "--quick"))
    elif command == "check":
        setup(dev=True)
        _run(BIN / "ruff", "check", "labelnr", "tests", "benchmarks", "app.py", "scripts")
        _run(BIN / "mypy")
        _run(BIN / "labelnr", "schema", "--check")
    elif command == "cluster":
        setup(dev=False)
        sys.path.insert(0, str(ROOT / "scripts"))
        import cluster  # stdlib only, beside this file

        cluster.main(rest, BIN)
    else:
        sys.exit(f"unknown command '{command}': use run, test, check or cluster")


if __name__ == "__main__":
    main(sys.argv[1:])
