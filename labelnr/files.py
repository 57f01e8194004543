"""Writing output files whole or not at all: the one atomic writer of the package."""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

#: The mode of a new document: mkstemp's owner-only mode would hide exports from colleagues.
NEW_FILE_MODE = 0o644


@contextmanager
def replacing(path: Path, *, overwrite: bool = True) -> Iterator[Path]:
    """A temporary path beside ``path`` that takes its name only if the block succeeds.

    The file written there gets the mode of the file it replaces (or :data:`NEW_FILE_MODE`).
    With ``overwrite=False`` an existing file is never replaced (``FileExistsError``), checked
    atomically rather than by a test that could race with another writer.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        tmp.chmod(_mode_of(path))
        if overwrite:
            tmp.replace(path)
        else:
            _link_new(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_atomic(path: Path, data: str | bytes, *, overwrite: bool = True) -> None:
    """Write ``data`` (text as UTF-8) through a temporary file and rename: never half a file."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    with replacing(path, overwrite=overwrite) as tmp, tmp.open("wb") as handle:
        handle.write(payload)
        handle.flush()
        os.fsync(handle.fileno())


def _mode_of(path: Path) -> int:
    try:
        return path.stat().st_mode & 0o777
    except FileNotFoundError:
        return NEW_FILE_MODE


def _link_new(tmp: Path, path: Path) -> None:
    """Give ``tmp`` the name ``path`` only if no such file exists."""
    try:
        os.link(tmp, path)  # atomic: fails if ``path`` exists
    except FileExistsError:
        raise
    except OSError:  # a file system without hard links: test, then rename
        if path.exists():
            raise FileExistsError(errno.EEXIST, "file exists", str(path)) from None
        tmp.replace(path)
        return
    tmp.unlink()
