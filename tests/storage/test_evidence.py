"""The evidence store: upload rules, content addressing, integrity, sweeping."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import time
from pathlib import Path

import pytest

from labelnr.storage.errors import InvalidEvidence
from labelnr.storage.evidence import (
    EvidenceStore,
    check_upload,
    check_url,
    max_upload_bytes,
    sanitise_filename,
)

PDF = b"%PDF-1.7\n1 0 obj\n"


@pytest.mark.parametrize(
    ("given", "safe"),
    [
        ("rapport.pdf", "rapport.pdf"),
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\me\\Bilan Carbone.PDF", "Bilan Carbone.pdf"),
        ("<script>alert(1)</script>.png", "script_.png"),  # a "/" cuts like a path
        ("a <b>&</b> b.pdf", "b_ b.pdf"),
        ("...hidden.txt", "hidden.txt"),
        ("\x00\x1b[31mred.txt", "_31mred.txt"),
        ("", "file"),
        ("é" * 300 + ".pdf", "é" * 116 + ".pdf"),
    ],
)
def test_file_names_are_sanitised_for_display(given: str, safe: str) -> None:
    assert sanitise_filename(given) == safe


def test_uploads_must_match_an_allowed_type_and_the_size_limit() -> None:
    assert check_upload("r.pdf", PDF, 1000) == ("r.pdf", "application/pdf")
    assert check_upload("notes.md", "# Notes\nété".encode(), 1000) == ("notes.md", "text/markdown")
    with pytest.raises(InvalidEvidence, match=r"'page.html': files of type '.html' are not accepted"):
        check_upload("page.html", b"<html>", 1000)
    with pytest.raises(InvalidEvidence, match="without extension"):
        check_upload("README", b"text", 1000)
    with pytest.raises(InvalidEvidence, match=r"does not contain what its extension '\.pdf' says"):
        check_upload("virus.pdf", b"MZ\x90\x00", 1000)
    with pytest.raises(InvalidEvidence, match=r"does not contain what its extension '\.txt' says"):
        check_upload("binary.txt", b"abc\x00def", 1000)
    with pytest.raises(InvalidEvidence, match="the limit is"):
        check_upload("big.pdf", PDF + b"x" * 1000, 1000)
    with pytest.raises(InvalidEvidence, match="is empty"):
        check_upload("empty.pdf", b"", 1000)


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "file:///etc/passwd",
        "data:text/html,x",
        "http://",
        "https://exa mple.org",
        "ftp://example.org/x",
    ],
)
def test_links_must_be_web_addresses(url: str) -> None:
    with pytest.raises(InvalidEvidence, match="not a web link"):
        check_url(url)


def test_links_are_kept_as_given() -> None:
    assert check_url(" https://example.org/a?b=c#d ") == "https://example.org/a?b=c#d"


def test_blobs_are_content_addressed_and_read_only(tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path)
    digest = store.put(PDF)
    assert digest == hashlib.sha256(PDF).hexdigest()
    path = store.path(digest)
    assert path == tmp_path / "sha256" / digest[:2] / digest
    assert path.read_bytes() == PDF
    assert not os.access(path, os.W_OK) or os.geteuid() == 0  # root ignores modes
    assert path.stat().st_mode & 0o222 == 0
    assert store.put(PDF) == digest  # stored once
    assert store.stored() == [digest]
    assert list(store.tmp.iterdir()) == []
    assert store.verify(digest, len(PDF)) is None
    with pytest.raises(InvalidEvidence, match="not a SHA-256"):
        store.path("../../etc/passwd")


def test_verify_names_missing_damaged_and_resized_files(tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path)
    digest = store.put(PDF)
    assert (
        store.verify(digest, len(PDF) + 1)
        == f"file {digest} has {len(PDF)} bytes, {len(PDF) + 1} were recorded"
    )
    path = store.path(digest)
    path.chmod(0o644)
    path.write_bytes(PDF + b"tampered")
    assert store.verify(digest) == f"file {digest} is damaged: its content no longer has that SHA-256"
    path.unlink()
    assert store.verify(digest) == f"file {digest} is missing from the evidence store"


def test_sweep_removes_old_leftovers_but_spares_used_and_recent_files(tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path)
    used, unused, recent = store.put(PDF), store.put(PDF + b"1"), store.put(PDF + b"2")
    store.tmp.mkdir(exist_ok=True)
    leftover = store.tmp / "upload-crashed"
    leftover.write_bytes(b"half a file")
    old = time.time() - 7200
    for path in (store.path(used), store.path(unused), leftover):
        os.utime(path, (old, old))
    removed = store.sweep({used}, grace=dt.timedelta(hours=1))
    assert sorted(removed) == sorted([store.path(unused), leftover])
    assert store.stored() == sorted([used, recent])


def test_the_upload_limit_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LABELNR_MAX_EVIDENCE_MB", raising=False)
    assert max_upload_bytes() == 25 * 1024 * 1024
    monkeypatch.setenv("LABELNR_MAX_EVIDENCE_MB", "0.5")
    assert max_upload_bytes() == 512 * 1024
    monkeypatch.setenv("LABELNR_MAX_EVIDENCE_MB", "lots")
    with pytest.raises(InvalidEvidence, match="LABELNR_MAX_EVIDENCE_MB='lots' is not a size in MB"):
        max_upload_bytes()
