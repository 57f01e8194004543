"""Folder sync: stored campaigns to interchange YAML files and back.

Export writes one file per campaign, named ``<entity>--<referential>-<version>--<period>.yaml``
(stable: the same campaign always lands in the same file, and the YAML itself is
written with a stable key order), so an organisation can keep its assessments under
version control and review changes in pull requests. Evidence files are copied beside
them under ``evidence/<sha256>/<name>``, which is also what the YAML points to.

Import reads files (or folders of ``*.yaml``), validates all of them against their
referential version, resolves their evidence files, and imports everything in one
transaction — or nothing, with every problem located (file, line, criterion).
Evidence ``file`` paths are relative to the YAML file and may not leave its folder: no
``..``, no symbolic link at any component, only regular files, read up to the size limit.
A file whose ``sha256`` the store already holds needs no copy beside the YAML if the
importer may read a campaign holding that file (:meth:`Store.import_items`). A file that
is named but not there is kept as "named" evidence (listed, exported back as given, not
downloadable until uploaded) and reported as a warning: assessments often name documents
that do not travel with them.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Callable, Iterable
from pathlib import Path, PurePosixPath
from typing import Any

from labelnr.assessment import applicability_warnings
from labelnr.errors import InvalidFile, Problem
from labelnr.interchange import dump_assessment, load_many, write_atomic
from labelnr.loader import Catalog
from labelnr.permissions import LOCAL_USER, Action
from labelnr.storage.errors import InvalidEvidence, NotFound
from labelnr.storage.evidence import (
    EvidenceStore,
    LinkOnTheWay,
    check_upload,
    read_inside,
    relative_parts,
    sanitise_filename,
    write_inside,
)
from labelnr.storage.service import EvidenceFile, ImportItem, Store
from labelnr.storage.views import CampaignInfo, ImportResult
from labelnr.yamlpos import Located, read

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


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
    message = f"evidence file '{name}' is not next to {path.name}: kept by name, upload it later"
    return _locate(path, ("answers", cid, "evidence", index, "file"), message, cid)


def read_items(paths: list[Path], catalog: Catalog, files: EvidenceStore) -> list[ImportItem]:
    """Validate assessment files and resolve their evidence; every problem of every file, or the items."""
    loaded = load_many(paths, catalog)
    problems: list[Problem] = []
    items: list[ImportItem] = []
    seen: dict[tuple[str, str, str, str], Path] = {}
    entities: dict[str, tuple[Path, str, str | None, str]] = {}
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
        described = (path, ent.name, ent.parent, assessment.organisation.id)
        first = entities.setdefault(ent.id, described)
        if first[1:] != described[1:]:
            problems.append(
                _locate(
                    path,
                    ("entity",),
                    f"entity '{ent.id}' is described differently in "
                    f"{first[0].name} (name, parent or organisation)",
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


def import_paths(store: Store, actor: str, paths: list[Path]) -> list[ImportResult]:
    """``labelnr import``: every file valid and imported, or nothing changed."""
    files = assessment_files(paths)
    if not files:
        raise InvalidFile(
            [
                Problem(
                    ", ".join(str(p) for p in paths) or "(no path)", None, "no assessment file (*.yaml) found"
                )
            ]
        )
    items = read_items(files, store.catalog, store.files)
    _check_parents(store, items)
    return store.import_items(actor, items)


def _check_parents(store: Store, items: list[ImportItem]) -> None:
    in_batch = {i.assessment.entity.id for i in items}
    problems: list[Problem] = []
    for item in items:
        parent = item.assessment.entity.parent
        if parent is None or parent in in_batch:
            continue
        try:
            store.entity(parent)
        except NotFound:
            problems.append(
                _locate(
                    Path(item.source),
                    ("entity", "parent"),
                    f"parent entity '{parent}' is neither in the database nor in the imported files",
                )
            )
    if problems:
        raise InvalidFile(problems)


def campaign_filename(info: CampaignInfo) -> str:
    version = _UNSAFE.sub("_", info.referential_version)
    return f"{info.entity_id}--{info.referential_id}-{version}--{info.period.value}.yaml"


def export_campaign(store: Store, campaign_id: int, actor: str = LOCAL_USER) -> str:
    """The interchange YAML of a stored campaign (its own data; inherited answers stay with their owner).

    ``actor`` must hold a role that allows exports on the campaign's entity.
    """
    view = store.campaign(campaign_id)
    store.authorizer(actor, Action.EXPORT, [view.info.organisation_id, *view.entity.path])
    return dump_assessment(view.assessment)


def copy_evidence(store: Store, campaign_id: int, folder: Path) -> list[Path]:
    """Copy a campaign's own stored files to ``folder/evidence/<sha256>/<name>`` (what its YAML names).

    Only blobs the campaign holds as files are written (a "named" entry's sha256 is a claim,
    not a file of this campaign), each atomically and never through a symbolic link."""
    written: list[Path] = []
    view = store.campaign(campaign_id)
    for items in view.evidence.values():
        for item in items:
            if item.kind != "file" or item.sha256 is None:
                continue
            if item.campaign_id != campaign_id or item.inherited_from_id is not None:
                continue  # inherited: exported with the campaign that owns it
            relative = item.ref().file or ""
            parts = PurePosixPath(relative).parts
            target = folder.joinpath(*parts)
            if target not in written and not _same_file(target, item.sha256, item.size):
                _write_blob(folder, parts, store.files.path(item.sha256))
            written.append(target)
    return written


def _same_file(target: Path, sha256: str, size: int | None) -> bool:
    """Whether ``target`` is a regular file (not a link) with that content: left untouched then."""
    if target.is_symlink() or not target.is_file() or (size is not None and target.stat().st_size != size):
        return False
    digest = hashlib.sha256()
    with target.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest() == sha256


def _refuse_link(path: Path) -> InvalidFile:
    return InvalidFile.coded(path, "export_through_link")


def _write_blob(folder: Path, parts: tuple[str, ...], source: Path) -> None:
    try:
        write_inside(folder, parts, source)
    except LinkOnTheWay as exc:
        raise _refuse_link(folder / exc.path) from None


def export_all(
    store: Store,
    folder: Path,
    with_files: bool = True,
    actor: str = LOCAL_USER,
    only: Callable[[CampaignInfo], bool] | None = None,
) -> list[Path]:
    """Every campaign of every organisation (or those ``only`` keeps) as one YAML file each,
    in file-name order.

    Files whose content did not change are left untouched (their date too), so a
    version-control diff shows only what changed.
    """
    names: dict[str, int] = {}
    for org in store.organisations():
        for info in store.organisation_campaigns(org.id):
            if only is not None and not only(info):
                continue
            name = campaign_filename(info)
            if name in names:
                message = f"campaigns {names[name]} and {info.id} would share this file name"
                raise InvalidFile([Problem(str(folder / name), None, message)])
            names[name] = info.id
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for name, campaign_id in sorted(names.items()):
        path = folder / name
        text = export_campaign(store, campaign_id, actor)
        if path.is_symlink():
            raise _refuse_link(path)
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            write_atomic(path, text)
        if with_files:
            copy_evidence(store, campaign_id, folder)
        written.append(path)
    return written
