"""Reading assessment files for an import: validated against their referential version, their
evidence files resolved and checked beside them, every problem located (file, line, criterion).
:mod:`labelnr.storage.sync` imports what this reads; so does the demo import of an empty database."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from labelnr.assessment import Assessment, applicability_warnings
from labelnr.errors import InvalidFile, Problem
from labelnr.interchange import load_many
from labelnr.loader import Catalog
from labelnr.referential import Referential
from labelnr.storage._evidence_ops import EvidenceFile
from labelnr.storage.errors import InvalidEvidence
from labelnr.storage.evidence import (
    EvidenceStore,
    LinkOnTheWay,
    check_upload,
    read_inside,
    relative_parts,
    sanitise_filename,
)
from labelnr.yamlpos import Located, read


@dataclass(frozen=True)
class ImportItem:
    """One validated assessment file to import, with its evidence files resolved."""

    source: str
    assessment: Assessment
    referential: Referential
    #: (criterion id, index in its evidence list) → the file.
    files: dict[tuple[str, int], EvidenceFile] = field(default_factory=dict)
    #: Evidence files the assessment names but that are not beside it: kept as "named" evidence.
    warnings: tuple[Problem, ...] = ()
    #: (criterion id, index) → line of evidence given only by the sha256 of a stored file
    #: (checked by :meth:`Store.import_items`; an entry not listed is checked all the same).
    by_hash: dict[tuple[str, int], int | None] = field(default_factory=dict)


def assessment_files(paths: Iterable[Path]) -> list[Path]:
    """The ``*.yaml``/``*.yml`` files of folders (not recursive, hidden files skipped), and files as given."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(
                sorted(
                    p
                    for p in path.iterdir()
                    if p.suffix in {".yaml", ".yml"} and p.is_file() and not p.name.startswith(".")
                )
            )
        else:
            files.append(path)
    return files


@functools.lru_cache(maxsize=64)
def _located(path: Path, mtime_ns: int) -> Located | None:
    del mtime_ns  # part of the cache key: an edited file is read again
    try:
        return read(path)
    except InvalidFile:
        return None


def _locate(path: Path, loc: tuple[str | int, ...], message: str, criterion: str | None = None) -> Problem:
    """A problem at the line of ``loc`` in ``path`` (the file is parsed once for all its problems)."""
    located = _located(path, path.stat().st_mtime_ns) if path.is_file() else None
    if located is None:
        return Problem(str(path), None, message, criterion)
    return located.problem(loc, message, criterion)


def _locate_coded(path: Path, loc: tuple[str | int, ...], code: str, criterion: str | None = None,
                  /, **params: Any) -> Problem:
    """:func:`_locate` with a catalog code, so the person reads it in their language."""
    return Problem.of(path, _line(path, loc), code, criterion, **params)


def _refused(path: Path, loc: tuple[str | int, ...], exc: InvalidEvidence, criterion: str) -> Problem:
    if exc.code is not None:
        return _locate_coded(path, loc, exc.code, criterion, **exc.params)
    return _locate(path, loc, str(exc), criterion)


def _line(path: Path, loc: tuple[str | int, ...]) -> int | None:
    located = _located(path, path.stat().st_mtime_ns) if path.is_file() else None
    return located.line_of(loc) if located is not None else None


def _evidence_file(
    path: Path, cid: str, index: int, name: str, sha256: str | None, files: EvidenceStore
) -> EvidenceFile | Problem | None:
    """The file an evidence entry names, read from the assessment's folder and checked; None when
    it is not there (a stored sha256 may then resolve, see :meth:`Store.import_items`, or the file
    is kept as "named" evidence, see :func:`read_items`).

    A file beside the YAML is always read, even when the store holds its sha256: naming a
    stored hash next to some other file must not reach the stored one."""
    loc = ("answers", cid, "evidence", index, "file")
    display = sanitise_filename(PurePosixPath(name).name)
    parts = relative_parts(name)
    if parts is None:
        return _locate_coded(path, loc, "evidence_outside_folder", cid, file=name)
    try:
        data = read_inside(path.parent, parts, files.max_bytes, name)
    except LinkOnTheWay:
        return _locate_coded(path, loc, "evidence_symlink", cid, file=name)
    except InvalidEvidence as exc:
        return _refused(path, loc, exc, cid)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        return _locate_coded(path, loc, "evidence_unreadable", cid, file=name, reason=reason)
    if data is None:
        return None
    try:
        display, media_type = check_upload(display, data, files.max_bytes)
    except InvalidEvidence as exc:
        return _refused(path, loc, exc, cid)
    digest = hashlib.sha256(data).hexdigest()
    if sha256 is not None and digest != sha256:
        return _locate_coded(path, loc, "evidence_sha256_mismatch", cid, file=name, digest=digest)
    return EvidenceFile(digest, len(data), display, media_type, data)


def _missing(path: Path, cid: str, index: int, name: str) -> Problem:
    return _locate_coded(path, ("answers", cid, "evidence", index, "file"), "evidence_not_next_to", cid,
                         file=name, assessment=path.name)


def read_items(paths: list[Path], catalog: Catalog, files: EvidenceStore) -> list[ImportItem]:
    """Validate assessment files and resolve their evidence; every problem of every file, or the items."""
    loaded = load_many(paths, catalog)
    problems: list[Problem] = []
    items: list[ImportItem] = []
    seen: dict[tuple[str, str, str, str], Path] = {}
    entities: dict[str, tuple[Path, str, str | None, str, str]] = {}
    for path, assessment, ref in loaded:
        key = (assessment.entity.id, ref.id, ref.version, assessment.campaign.period.value)
        if key in seen:
            problems.append(
                _locate(
                    path,
                    ("campaign",),
                    f"the same campaign ({key[0]}, {ref.key}, {key[3]}) is also in {seen[key].name}",
                )
            )
        seen[key] = path
        ent = assessment.entity
        described = (path, ent.name, ent.parent, assessment.organisation.id, ent.node_kind.value)
        first = entities.setdefault(ent.id, described)
        if first[1:] != described[1:]:
            problems.append(
                _locate(
                    path,
                    ("entity",),
                    f"entity '{ent.id}' is described differently in "
                    f"{first[0].name} (name, parent, organisation or kind)",
                )
            )
        resolved: dict[tuple[str, int], EvidenceFile] = {}
        by_hash: dict[tuple[str, int], int | None] = {}
        missing: list[Problem] = []
        for cid, answer in assessment.answers.items():
            for index, ev in enumerate(answer.evidence):
                if ev.file is None:
                    continue
                found = _evidence_file(path, cid, index, ev.file, ev.sha256, files)
                if isinstance(found, Problem):
                    problems.append(found)
                elif found is not None:
                    resolved[(cid, index)] = found
                elif ev.sha256 is None or not files.has(ev.sha256):
                    missing.append(_missing(path, cid, index, ev.file))
                else:  # only its hash: the store checks the importer may read that file
                    by_hash[(cid, index)] = _line(path, ("answers", cid, "evidence", index, "file"))
        located = _located(path, path.stat().st_mtime_ns)
        missing.extend(applicability_warnings(ref, assessment, located, str(path)))
        items.append(ImportItem(str(path), assessment, ref, resolved, tuple(missing), by_hash))
    if problems:
        raise InvalidFile(problems)
    return items
