"""The evidence pack of a campaign kept as an interchange YAML file."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

from excel_helpers import EXPORTED_AT, make_data, mini_assessment

from labelnr.assessment import Answer, EvidenceRef
from labelnr.excel.export import workbook_bytes
from labelnr.excel.from_file import evidence_entries
from labelnr.excel.pack import write_pack
from labelnr.loader import LoadedReferential


def test_pack_of_a_yaml_campaign(mini: LoadedReferential, tmp_path: Path) -> None:
    folder = tmp_path / "audits"
    (folder / "preuves").mkdir(parents=True)
    report_pdf = b"%PDF-1.7 rapport"
    (folder / "preuves" / "rapport annuel.pdf").write_bytes(report_pdf)
    (tmp_path / "secret.txt").write_text("outside the folder")
    (folder / "preuves" / "lien.txt").symlink_to(tmp_path / "secret.txt")
    a = mini_assessment()
    answers = dict(a.answers)
    answers["B-1"] = Answer(
        level="partial",
        evidence=[
            EvidenceRef(type="result", title="Rapport", file="preuves/rapport annuel.pdf"),
            EvidenceRef(type="result", title="Absent", file="preuves/absent.pdf"),
            EvidenceRef(type="means", title="Évasion", file="../secret.txt"),
            EvidenceRef(type="means", title="Absolu", file=str(tmp_path / "secret.txt")),
            EvidenceRef(type="means", title="Lien", file="preuves/lien.txt"),
        ],
    )
    assessment = a.model_copy(update={"answers": answers})
    data = make_data(mini, assessment, evidence=evidence_entries(assessment, folder))
    out = tmp_path / "out" / "pack.zip"
    report = write_pack(data, workbook_bytes(data), out, "mini.xlsx")
    by_title = {p.entry.title: p for p in report.evidence}
    sha = hashlib.sha256(report_pdf).hexdigest()
    assert by_title["Rapport"].status == "included"
    assert by_title["Rapport"].path == f"evidence/{sha}/rapport_annuel.pdf"
    # A file that is not there, or a path leaving the assessment's folder, is never read.
    assert {by_title[t].status for t in ("Absent", "Évasion", "Absolu", "Lien")} == {"not_provided"}
    assert by_title["Politique"].status == "link"
    with zipfile.ZipFile(out) as archive:
        assert sorted(archive.namelist()) == sorted(
            ["mini.xlsx", f"evidence/{sha}/rapport_annuel.pdf", "manifest.json", "SHA256SUMS"]
        )
        assert archive.read(f"evidence/{sha}/rapport_annuel.pdf") == report_pdf
        manifest = json.loads(archive.read("manifest.json"))
        assert b"outside the folder" not in b"".join(archive.read(n) for n in archive.namelist())
    assert manifest["format"] == "labelnr-evidence-pack/1"
    assert manifest["generated_at"] == EXPORTED_AT.isoformat()
    assert manifest["referential"] == {"id": "mini", "version": "1", "sha256": mini.sha256}
    assert [e["title"] for e in manifest["evidence"] if e["status"] == "not_provided"] == [
        "Absent",
        "Évasion",
        "Absolu",
        "Lien",
    ]
