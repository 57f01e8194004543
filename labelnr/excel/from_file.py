"""A :class:`WorkbookData` from interchange YAML files (no database needed).

The file's own answers are the effective ones (a file has no inheritance); evidence files
are looked up next to it; the trajectory's actual points come from the other files of the
same folder that assess the same entity on the same referential.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

from labelnr import __version__
from labelnr.assessment import Assessment
from labelnr.errors import InvalidFile
from labelnr.excel.model import ActualPoint, EvidenceEntry, WorkbookData
from labelnr.i18n import Lang
from labelnr.interchange import load_assessment
from labelnr.loader import Catalog, LoadedReferential
from labelnr.referential import Referential
from labelnr.scoring import Scores, score_assessment
from labelnr.trajectory import PERIOD_YEAR, Start
from labelnr.verification import verify

_CHUNK = 1 << 20


def verified_scores(ref: Referential, assessment: Assessment) -> Scores:
    """The score once the auditor's verdicts are applied (see labelnr.verification)."""
    from labelnr.scoring import score

    checked = verify(ref, assessment.answers, {c: v.verdict for c, v in assessment.verdicts.items()})
    return score(ref, checked.answers, assessment.profile, assessment.applicability)


def file_digest(path: Path) -> tuple[str, int]:
    """SHA-256 and size of a file, read in chunks."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def inside(folder: Path, name: str) -> Path | None:
    """``folder/name`` when ``name`` is a relative path that stays inside ``folder``."""
    relative = PurePosixPath(name)
    if relative.is_absolute() or ".." in relative.parts or "\\" in name or not relative.parts:
        return None
    path = folder.joinpath(*relative.parts)
    # A symbolic link inside the folder must not lead outside it either.
    return path if path.resolve().is_relative_to(folder.resolve()) else None


def evidence_entries(assessment: Assessment, folder: Path | None) -> tuple[EvidenceEntry, ...]:
    """The file's evidence; files found next to it get their SHA-256 and size computed."""
    entries: list[EvidenceEntry] = []
    for cid, answer in assessment.answers.items():
        for ev in answer.evidence:
            if ev.url is not None:
                entries.append(
                    EvidenceEntry(cid, ev.type, ev.title, url=ev.url, effective_date=ev.effective_date)
                )
                continue
            assert ev.file is not None
            sha, size, location = ev.sha256, None, None
            path = inside(folder, ev.file) if folder is not None else None
            if path is not None and path.is_file():
                sha, size = file_digest(path)
                location = str(path)
            entries.append(
                EvidenceEntry(
                    cid,
                    ev.type,
                    ev.title,
                    file_name=PurePosixPath(ev.file).name,
                    sha256=sha,
                    size=size,
                    effective_date=ev.effective_date,
                    location=location,
                )
            )
    return tuple(entries)


def actual_points(ref: Referential, campaigns: Sequence[Assessment]) -> tuple[ActualPoint, ...]:
    return tuple(
        ActualPoint(a.campaign.period, a.campaign.date, s.points, s.level, verified_scores(ref, a).points)
        for a in campaigns
        for s in [score_assessment(ref, a)]
    )


def projection_starts(campaigns: Sequence[Assessment]) -> dict[int, Start]:
    """By year of the cycle, the latest campaign of that period: where the projection starts."""
    latest: dict[int, Assessment] = {}
    for a in campaigns:
        year = PERIOD_YEAR.get(a.campaign.period)
        if year is not None and (year not in latest or a.campaign.date >= latest[year].campaign.date):
            latest[year] = a
    return {year: Start(dict(a.answers), a.profile, a.applicability) for year, a in latest.items()}


def workbook_data(
    assessment: Assessment,
    loaded: LoadedReferential,
    *,
    campaign_id: str,
    exported_by: str,
    folder: Path | None = None,
    others: Sequence[Assessment] = (),
    exported_at: dt.datetime | None = None,
    lang: Lang = "fr",
) -> WorkbookData:
    """The workbook data of one interchange assessment (``others``: the entity's other campaigns)."""
    ref = loaded.referential
    same = [
        a
        for a in others
        if a.entity.id == assessment.entity.id
        and a.referential.id == ref.id
        and a.referential.version == ref.version
        and a.campaign != assessment.campaign
    ]
    cycle = [assessment, *same]
    first = min(cycle, key=lambda a: (a.campaign.period.index, a.campaign.date))
    return WorkbookData(
        source="file",
        campaign_id=campaign_id,
        status="draft",
        assessment=assessment,
        referential=ref,
        referential_sha256=loaded.sha256,
        effective=dict(assessment.answers),
        self_scores=score_assessment(ref, assessment),
        verified_scores=verified_scores(ref, assessment),
        exported_by=exported_by,
        exported_at=exported_at or dt.datetime.now(dt.UTC).replace(microsecond=0),
        app_version=__version__,
        evidence=evidence_entries(assessment, folder),
        actual=actual_points(ref, cycle),
        plan_start=dict(first.answers),
        projection_starts=projection_starts(cycle),
        lang=lang,
    )


def from_path(
    path: Path, catalog: Catalog, exported_by: str, lang: Lang = "fr", exported_at: dt.datetime | None = None
) -> WorkbookData:
    """The workbook data of an interchange file; the folder's other valid files give the actual points."""
    assessment, ref = load_assessment(path, catalog)
    loaded = catalog.loaded[ref.key]
    others: list[Assessment] = []
    for sibling in sorted(path.parent.glob("*.yaml")):
        if sibling.resolve() == path.resolve():
            continue
        try:
            other, _ = load_assessment(sibling, catalog)
        except InvalidFile:
            continue  # not an assessment, or a broken one: it cannot tell an actual score
        others.append(other)
    return workbook_data(
        assessment,
        loaded,
        campaign_id=path.name,
        exported_by=exported_by,
        folder=path.parent,
        others=others,
        exported_at=exported_at,
        lang=lang,
    )
