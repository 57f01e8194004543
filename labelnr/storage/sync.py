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

import hashlib
import re
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from labelnr.errors import InvalidFile, Problem
from labelnr.files import write_atomic
from labelnr.interchange import dump_assessment
from labelnr.permissions import LOCAL_USER, Action
from labelnr.storage._evidence_ops import EvidenceFile
from labelnr.storage._reading import ImportItem, _locate, assessment_files, read_items
from labelnr.storage._reading import _evidence_file as _evidence_file  # re-exported: its tests import it here
from labelnr.storage.errors import NotFound
from labelnr.storage.evidence import (
    LinkOnTheWay,
    write_inside,
)
from labelnr.storage.views import CampaignInfo, ImportResult

if TYPE_CHECKING:
    from labelnr.storage.service import Store

__all__ = [
    "EvidenceFile",
    "ImportItem",
    "assessment_files",
    "campaign_filename",
    "copy_evidence",
    "export_all",
    "export_campaign",
    "import_paths",
    "read_items",
]

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


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
