"""The evidence pack: the workbook, every evidence file and a manifest, in one zip.

Layout::

    <campaign>.xlsx                 the evidence workbook (its links point into evidence/)
    evidence/<sha256>/<file name>   each evidence file once, checked against its SHA-256
    manifest.json                   every evidence: criterion, type, title, path or url,
                                    size, SHA-256, effective date, and whether it is included
    SHA256SUMS                      for ``sha256sum -c SHA256SUMS``

A file whose bytes do not match the SHA-256 recorded for it stops the pack (the zip is
never half-written: it is built under a temporary name). Evidence named but never
provided (no file to include) is listed in the manifest as ``not_provided``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from labelnr.errors import InvalidFile, Problem
from labelnr.excel.model import EvidenceEntry, WorkbookData
from labelnr.files import replacing

MANIFEST_FORMAT = "labelnr-evidence-pack/1"
_CHUNK = 1 << 20


@dataclass(frozen=True)
class PackedEvidence:
    entry: EvidenceEntry
    #: included (the file is in the zip), link (nothing to include), not_provided (no file).
    status: str
    path: str | None
    size: int | None
    sha256: str | None


@dataclass(frozen=True)
class PackReport:
    path: Path
    workbook: str
    evidence: tuple[PackedEvidence, ...]

    @property
    def included(self) -> int:
        return len({e.path for e in self.evidence if e.status == "included"})

    @property
    def not_provided(self) -> list[PackedEvidence]:
        return [e for e in self.evidence if e.status == "not_provided"]


def _copy(archive: zipfile.ZipFile, source: Path, arcname: str) -> tuple[str, int]:
    """Copy a file into the zip in chunks; returns its SHA-256 and size."""
    digest = hashlib.sha256()
    size = 0
    with source.open("rb") as src, archive.open(arcname, "w", force_zip64=True) as dst:
        while chunk := src.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
            dst.write(chunk)
    return digest.hexdigest(), size


def _pack_evidence(archive: zipfile.ZipFile, data: WorkbookData) -> list[PackedEvidence]:
    packed: list[PackedEvidence] = []
    done: dict[str, tuple[str, int]] = {}
    for entry in data.evidence:
        if entry.url is not None:
            packed.append(PackedEvidence(entry, "link", None, None, None))
            continue
        path = entry.pack_path
        if entry.location is None or path is None or not Path(entry.location).is_file():
            packed.append(PackedEvidence(entry, "not_provided", None, entry.size, entry.sha256))
            continue
        if path not in done:
            done[path] = _copy(archive, Path(entry.location), path)
        sha, size = done[path]
        if entry.sha256 is not None and sha != entry.sha256:
            raise InvalidFile(
                [
                    Problem(
                        entry.location,
                        None,
                        f"evidence '{entry.title}' does not match its recorded SHA-256 "
                        f"({entry.sha256}; the file has {sha}): the evidence store may be damaged, run "
                        "'labelnr db check'",
                        entry.criterion,
                    )
                ]
            )
        packed.append(PackedEvidence(entry, "included", path, size, sha))
    return packed


def manifest(
    data: WorkbookData, workbook_name: str, workbook: bytes, packed: list[PackedEvidence]
) -> dict[str, Any]:
    a = data.assessment
    return {
        "format": MANIFEST_FORMAT,
        "organisation": a.organisation.id,
        "entity": a.entity.id,
        "campaign": data.campaign_id,
        "period": a.campaign.period.value,
        "referential": {
            "id": data.referential.id,
            "version": data.referential.version,
            "sha256": data.referential_sha256,
        },
        "generated_at": data.exported_at.isoformat(timespec="seconds"),
        "generated_by": data.exported_by,
        "as_of": data.as_of.isoformat() if data.as_of else None,
        "workbook": {
            "path": workbook_name,
            "size": len(workbook),
            "sha256": hashlib.sha256(workbook).hexdigest(),
        },
        "evidence": [
            {
                "criterion": p.entry.criterion,
                "type": p.entry.type.value,
                "title": p.entry.title,
                "status": p.status,
                "path": p.path,
                "url": p.entry.url,
                "size": p.size,
                "sha256": p.sha256,
                "effective_date": p.entry.effective_date.isoformat() if p.entry.effective_date else None,
                "inherited_from": p.entry.inherited_from,
            }
            for p in packed
        ],
    }


def write_pack(data: WorkbookData, workbook: bytes, out: Path, workbook_name: str) -> PackReport:
    """Write the evidence pack of ``data`` (with the workbook already built) to ``out``."""
    with replacing(out) as tmp, zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED,
                                                 compresslevel=6) as archive:
        stamp = data.exported_at.astimezone(dt.UTC).timetuple()[:6]
        info = zipfile.ZipInfo(workbook_name, date_time=stamp)
        info.compress_type = zipfile.ZIP_DEFLATED
        archive.writestr(info, workbook)
        packed = _pack_evidence(archive, data)
        document = manifest(data, workbook_name, workbook, packed)
        archive.writestr("manifest.json", json.dumps(document, ensure_ascii=False, indent=2) + "\n")
        sums = [f"{document['workbook']['sha256']}  {workbook_name}"]
        sums += [
            f"{sha}  {path}"
            for path, sha in sorted({(p.path, p.sha256) for p in packed if p.status == "included"})
        ]
        archive.writestr("SHA256SUMS", "\n".join(sums) + "\n")
    return PackReport(out, workbook_name, tuple(packed))
