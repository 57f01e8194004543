"""The evidence store: uploaded files kept content-addressed on disk, links checked.

A file is written under ``<data>/evidence/sha256/<2 hex>/<64 hex>``: its name is its
SHA-256, so the path a reader gets never contains anything a user typed, identical
uploads are stored once, and a blob can be re-hashed to prove it is intact.

Crash safety: the bytes go to a temporary file in ``evidence/tmp/``, are flushed with
fsync and renamed into place (then the folder is fsynced) *before* the database row
that names the blob commits. A crash can therefore leave a temporary file or a blob that
no row names — both harmless, never shown as evidence, and removed by :meth:`sweep` —
but never a row without its file.

Uploads are refused unless their extension is on the allow-list, their first bytes
match that type, and they stay under the size limit; names are sanitised for display.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import re
import stat
import tempfile
import time
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO
from urllib.parse import urlsplit

from labelnr import settings
from labelnr.errors import Msg
from labelnr.storage.errors import InvalidEvidence

#: Default upload limit; ``LABELNR_MAX_EVIDENCE_MB`` overrides it (see :func:`max_upload_bytes`).
DEFAULT_MAX_BYTES = 25 * 1024 * 1024
MAX_NAME = 120
MAX_URL = 2000
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


def _is_text(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _starts(*magics: bytes) -> Callable[[bytes], bool]:
    return lambda data: any(data.startswith(m) for m in magics)


def _webp(data: bytes) -> bool:
    return data[:4] == b"RIFF" and data[8:12] == b"WEBP"


_ZIP = _starts(b"PK\x03\x04")
_OOXML = "application/vnd.openxmlformats-officedocument."
_ODF = "application/vnd.oasis.opendocument."


@dataclass(frozen=True)
class FileType:
    media_type: str
    looks_right: Callable[[bytes], bool]


#: What may be uploaded. No HTML, SVG, scripts, archives or macro-enabled office files:
#: evidence is downloaded by auditors and must not be able to run anything.
ALLOWED: dict[str, FileType] = {
    ".pdf": FileType("application/pdf", _starts(b"%PDF-")),
    ".png": FileType("image/png", _starts(b"\x89PNG\r\n\x1a\n")),
    ".jpg": FileType("image/jpeg", _starts(b"\xff\xd8\xff")),
    ".jpeg": FileType("image/jpeg", _starts(b"\xff\xd8\xff")),
    ".gif": FileType("image/gif", _starts(b"GIF87a", b"GIF89a")),
    ".webp": FileType("image/webp", _webp),
    ".txt": FileType("text/plain", _is_text),
    ".csv": FileType("text/csv", _is_text),
    ".md": FileType("text/markdown", _is_text),
    ".docx": FileType(_OOXML + "wordprocessingml.document", _ZIP),
    ".xlsx": FileType(_OOXML + "spreadsheetml.sheet", _ZIP),
    ".pptx": FileType(_OOXML + "presentationml.presentation", _ZIP),
    ".odt": FileType(_ODF + "text", _ZIP),
    ".ods": FileType(_ODF + "spreadsheet", _ZIP),
    ".odp": FileType(_ODF + "presentation", _ZIP),
}


def max_upload_bytes() -> int:
    """The upload limit: ``LABELNR_MAX_EVIDENCE_MB`` (a positive number of MB) or 25 MB."""
    configured = settings.load().max_evidence_mb
    if configured is None:
        return DEFAULT_MAX_BYTES
    try:
        megabytes = float(configured)
    except ValueError:
        megabytes = -1.0
    if not 0 < megabytes <= 10_000:
        raise InvalidEvidence.of("evidence_max_mb", variable=settings.MAX_EVIDENCE_MB, value=repr(configured))
    return int(megabytes * 1024 * 1024)


def sanitise_filename(name: str) -> str:
    """A display name safe anywhere: last path component, no control or odd characters."""
    base = re.split(r"[\\/]", name)[-1]
    base = unicodedata.normalize("NFC", base)
    base = "".join(ch if (ch.isalnum() or ch in " ._-()") else "_" for ch in base)
    base = re.sub(r"_+", "_", base).strip(" .")
    if not base:
        base = "file"
    stem, dot, ext = base.rpartition(".")
    if dot and len(ext) <= 10:
        return stem[: MAX_NAME - len(ext) - 1].rstrip(" .") + "." + ext.lower()
    return base[:MAX_NAME]


def check_upload(filename: str, data: bytes, max_bytes: int) -> tuple[str, str]:
    """(sanitised name, media type) of an acceptable upload; :class:`InvalidEvidence` otherwise."""
    safe = sanitise_filename(filename)
    if not data:
        raise InvalidEvidence.of("evidence_empty", file=safe)
    if len(data) > max_bytes:
        raise InvalidEvidence.of("evidence_too_large", file=safe, size=round(len(data) / 1e6, 1),
                                  limit=round(max_bytes / 1e6))
    ext = Path(safe).suffix.lower()
    kind = ALLOWED.get(ext)
    if kind is None:
        allowed = ", ".join(sorted(ALLOWED))
        raise (InvalidEvidence.of("evidence_type_refused", file=safe, ext=ext, allowed=allowed) if ext
               else InvalidEvidence.of("evidence_no_extension", file=safe, allowed=allowed))
    if not kind.looks_right(data):
        raise InvalidEvidence.of("evidence_content", file=safe, ext=ext)
    return safe, kind.media_type


def check_url(url: str) -> str:
    """An http(s) link with a host; anything else (javascript:, file:, data:) is refused."""
    url = url.strip()
    parts = urlsplit(url)
    if (
        len(url) > MAX_URL
        or parts.scheme.lower() not in ("http", "https")
        or not parts.netloc
        or any(ch.isspace() or ord(ch) < 32 for ch in url)
    ):
        raise InvalidEvidence.of("evidence_not_a_link", url=url[:100])
    return url


class LinkOnTheWay(InvalidEvidence):
    """A symbolic link where a path component was expected (never followed)."""

    def __init__(self, path: str) -> None:
        self.path = path
        super().__init__(f"'{path}' is a symbolic link")


_CHUNK = 1 << 20
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


def _is_link(name: str, dir_fd: int) -> bool:
    try:
        return stat.S_ISLNK(os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_mode)
    except FileNotFoundError:
        return False


def _walk(base: Path, parts: Sequence[str], create: bool = False) -> int:
    """A descriptor of the folder ``base/parts``, opened one component at a time without ever
    following a symbolic link (a link swapped in meanwhile is refused too); the caller closes it.

    Raises :class:`LinkOnTheWay` on a link, :class:`FileNotFoundError` or
    :class:`NotADirectoryError` when a folder is missing (unless ``create``)."""
    fd = os.open(base, os.O_RDONLY | os.O_DIRECTORY | _CLOEXEC)
    done: list[str] = []
    try:
        for part in parts:
            if create:
                with contextlib.suppress(FileExistsError):
                    os.mkdir(part, 0o755, dir_fd=fd)
            try:
                child = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | _CLOEXEC, dir_fd=fd)
            except OSError:
                if _is_link(part, fd):
                    raise LinkOnTheWay("/".join([*done, part])) from None
                raise
            os.close(fd)
            fd = child
            done.append(part)
    except BaseException:
        os.close(fd)
        raise
    return fd


def relative_parts(name: str) -> tuple[str, ...] | None:
    """The components of a relative evidence path, or None when it could leave its folder
    (absolute, ``..``, a backslash, a NUL byte, nothing)."""
    relative = PurePosixPath(name)
    if relative.is_absolute() or ".." in relative.parts or "\\" in name or "\x00" in name:
        return None
    return relative.parts or None


def read_inside(base: Path, parts: Sequence[str], max_bytes: int, shown: str) -> bytes | None:
    """The bytes of the regular file ``base/parts``; None when it is not there.

    No component may be a symbolic link (:class:`LinkOnTheWay`), the file must be a regular
    file (a FIFO or a device is refused without blocking on it), and reading stops at
    ``max_bytes + 1`` bytes: a file over the limit is refused without being read whole.
    """
    try:
        folder = _walk(base, parts[:-1])
    except (FileNotFoundError, NotADirectoryError):
        return None
    try:
        try:
            fd = os.open(parts[-1], os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | _CLOEXEC, dir_fd=folder)
        except FileNotFoundError:
            return None
        except OSError:
            if _is_link(parts[-1], folder):
                raise LinkOnTheWay("/".join(parts)) from None
            raise
    finally:
        os.close(folder)
    with os.fdopen(fd, "rb", buffering=0) as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise InvalidEvidence.of("evidence_not_regular", file=shown)
        return _read_limited(handle, max_bytes, shown)


def _read_limited(handle: BinaryIO, max_bytes: int, shown: str) -> bytes:
    chunks: list[bytes] = []
    count = 0
    while count <= max_bytes:
        chunk = handle.read(min(_CHUNK, max_bytes + 1 - count))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        count += len(chunk)
    raise InvalidEvidence.of("evidence_over_limit", file=shown, limit=round(max_bytes / 1e6))


def write_inside(base: Path, parts: Sequence[str], source: Path) -> None:
    """Copy ``source`` to ``base/parts`` atomically, creating folders, never through a link.

    Every component is opened without following links (:class:`LinkOnTheWay` names the
    first link met, the target included); the copy goes to a new temporary file in the
    target's folder, is flushed, then renamed over the target.
    """
    base.mkdir(parents=True, exist_ok=True)
    folder = _walk(base, parts[:-1], create=True)
    try:
        if _is_link(parts[-1], folder):
            raise LinkOnTheWay("/".join(parts))
        tmp_name = f".{parts[-1]}.{os.getpid()}.{time.monotonic_ns()}.tmp"
        fd = os.open(tmp_name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | _CLOEXEC, 0o644,
                     dir_fd=folder)
        try:
            with os.fdopen(fd, "wb") as out, source.open("rb") as src:
                while chunk := src.read(_CHUNK):
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp_name, parts[-1], src_dir_fd=folder, dst_dir_fd=folder)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp_name, dir_fd=folder)
            raise
    finally:
        os.close(folder)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class EvidenceStore:
    """Blobs on disk, named by their SHA-256."""

    def __init__(self, root: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.root = root
        self.max_bytes = max_bytes
        self.blobs = root / "sha256"
        self.tmp = root / "tmp"

    def path(self, sha256: str) -> Path:
        if not _HEX64.match(sha256):
            raise InvalidEvidence.of("not_a_sha256", value=sha256[:80])
        return self.blobs / sha256[:2] / sha256

    def has(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def put(self, data: bytes) -> str:
        """Store ``data`` durably and return its SHA-256 (call before committing the row)."""
        digest = hashlib.sha256(data).hexdigest()
        final = self.path(digest)
        if final.is_file():
            os.utime(final)  # a fresh mtime keeps a concurrent sweep away from it
            return digest
        self.tmp.mkdir(parents=True, exist_ok=True)
        final.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=self.tmp, prefix="upload-")
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            tmp.chmod(0o444)
            tmp.replace(final)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        _fsync_dir(final.parent)
        return digest

    def put_file(self, source: Path) -> str:
        """Store a regular file (no link, no pipe), refused once it passes the size limit."""
        data = read_inside(source.parent, (source.name,), self.max_bytes, source.name)
        if data is None:
            raise InvalidEvidence.of("evidence_source_missing", file=str(source))
        return self.put(data)

    def verify(self, sha256: str, size: int | None = None) -> str | None:
        """None when the blob is there and intact, else what is wrong with it (English as a str)."""
        path = self.path(sha256)
        if not path.is_file():
            return Msg("blob_missing", sha256=sha256)
        digest = hashlib.sha256()
        length = 0
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
                length += len(chunk)
        if digest.hexdigest() != sha256:
            return Msg("blob_damaged", sha256=sha256)
        if size is not None and length != size:
            return Msg("blob_size", sha256=sha256, size=length, recorded=size)
        return None

    def stored(self) -> list[str]:
        if not self.blobs.is_dir():
            return []
        return sorted(p.name for p in self.blobs.glob("*/*") if _HEX64.match(p.name))

    def sweep(self, referenced: Iterable[str], grace: dt.timedelta = dt.timedelta(hours=1)) -> list[Path]:
        """Delete temporary files and unreferenced blobs older than ``grace``; return them.

        The grace period protects an upload whose blob is written but whose row is not yet
        committed by another process.
        """
        keep = set(referenced)
        limit = time.time() - grace.total_seconds()
        removed: list[Path] = []
        candidates = list(self.tmp.glob("*")) if self.tmp.is_dir() else []
        candidates += [self.path(sha) for sha in self.stored() if sha not in keep]
        for path in candidates:
            try:
                if path.stat().st_mtime <= limit:
                    path.unlink()
                    removed.append(path)
            except FileNotFoundError:
                continue
        return removed
