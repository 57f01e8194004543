"""Folder sync: interchange YAML into the database and back, all or nothing, without loss."""

from __future__ import annotations

import hashlib
import shutil
import textwrap
from pathlib import Path

import pytest
from storage_helpers import campaign_of

from labelnr.assessment import Answer, Assessment
from labelnr.errors import InvalidFile
from labelnr.interchange import load_assessment
from labelnr.loader import Catalog, load_catalog
from labelnr.storage import CampaignLocked, InvalidInput, Store, open_store
from labelnr.storage.sync import (
    assessment_files,
    campaign_filename,
    export_all,
    export_campaign,
    import_paths,
)

PDF = b"%PDF-1.4\n% evidence\n"


def write(folder: Path, name: str, body: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(body).lstrip(), encoding="utf-8")
    return path


@pytest.fixture
def files(tmp_path: Path) -> Path:
    """A group and a department, with a file, a link, a verdict, a plan and targets."""
    folder = tmp_path / "in"
    (folder / "proofs").mkdir(parents=True)
    (folder / "proofs" / "policy.pdf").write_bytes(PDF)
    write(
        folder,
        "group.yaml",
        """
        referential: {id: mini, version: "1"}
        organisation: {id: acme, name: ACME}
        entity: {id: acme-group, name: ACME Group}
        campaign: {period: baseline, date: 2025-01-10, name: Baseline 2025}
        answers:
          A-1:
            level: full
            comment: "Signed by the board\\nin January"
            owner: CIO
            evidence:
              - {type: documentation, title: Policy, file: proofs/policy.pdf, effective_date: 2025-01-02}
              - {type: means, title: Intranet page, url: "https://intranet.example.org/nr"}
          A-2:
            not_applicable: {reason: no_dc, justification: We run no data centre}
        verdicts:
          A-1: {verdict: partial, comment: Not yet applied, auditor: Vic, date: 2025-02-01}
        commitments:
          - title: Reuse devices
            theme: b
            target_year: 3
            indicator:
              name: Devices reused
              unit: "%"
              baseline: 12
              targets: {1: 20, 2: 30, 3: 40}
              actuals: [{year: 1, value: 18.5, source: CMDB, date: 2025-12-31}]
        targets:
          B-1: {1: partial, 2: full}
        """,
    )
    write(
        folder,
        "dsi.yaml",
        """
        referential: {id: mini, version: "1"}
        organisation: {id: acme, name: ACME}
        entity: {id: acme-dsi, name: ACME IT, parent: acme-group}
        campaign: {period: baseline, date: 2025-01-11}
        answers:
          B-1: {level: partial}
        """,
    )
    return folder


def fresh(tmp_path: Path, catalog: Catalog, name: str) -> Store:
    return open_store(
        f"sqlite:///{tmp_path / name / 'labelnr.db'}", tmp_path / name, catalog, import_demo=False
    )


def test_import_then_export_round_trips_without_loss(
    store: Store, files: Path, tmp_path: Path, catalog: Catalog
) -> None:
    results = import_paths(store, "importer", [files])
    assert [(Path(r.source).name, r.created) for r in results] == [("group.yaml", True), ("dsi.yaml", True)]
    out = tmp_path / "out"
    written = export_all(store, out)
    assert [p.name for p in written] == [
        "acme-dsi--mini-1--baseline.yaml",
        "acme-group--mini-1--baseline.yaml",
    ]

    for name in ("group.yaml", "dsi.yaml"):
        original, _ = load_assessment(files / name, catalog)
        exported, _ = load_assessment(out / written[name == "group.yaml"].name, catalog)
        stored_ev = exported.answers.get("A-1", Answer()).evidence
        # Evidence files now live in the content-addressed store: only their path changed.
        normalised = exported.model_copy(
            update={
                "answers": {
                    cid: a.model_copy(
                        update={
                            "evidence": [
                                e.model_copy(
                                    update={"file": "proofs/policy.pdf" if e.file else None, "sha256": None}
                                )
                                for e in a.evidence
                            ]
                        }
                    )
                    for cid, a in exported.answers.items()
                }
            }
        )
        assert normalised == original
        if stored_ev:
            assert stored_ev[0].sha256 == hashlib.sha256(PDF).hexdigest()
            assert (out / stored_ev[0].file).read_bytes() == PDF  # type: ignore[operator]

    # The exported folder imports into another database and exports to the same bytes.
    with fresh(tmp_path, catalog, "other") as other:
        import_paths(other, "importer", [out])
        again = export_all(other, tmp_path / "again")
        assert [p.read_bytes() for p in again] == [p.read_bytes() for p in written]
    # Importing its own export changes nothing.
    assert [r.changes for r in import_paths(store, "importer", [out])] == [0, 0]


def test_export_of_one_campaign_is_its_interchange_yaml(store: Store, files: Path) -> None:
    import_paths(store, "importer", [files])
    text = export_campaign(store, campaign_of(store, "acme-dsi"))
    assert "entity:\n  id: acme-dsi\n  name: ACME IT\n  parent: acme-group\n" in text
    assert "B-1:\n    level: partial\n" in text
    assert (
        campaign_filename(store.campaign_info(campaign_of(store, "acme-dsi")))
        == "acme-dsi--mini-1--baseline.yaml"
    )


def test_an_invalid_file_imports_nothing_and_every_problem_is_located(store: Store, files: Path) -> None:
    write(
        files,
        "zz-bad.yaml",
        """
        referential: {id: mini, version: "1"}
        organisation: {id: acme, name: ACME}
        entity: {id: acme-site, name: Site, parent: acme-dsi}
        campaign: {period: baseline, date: 2025-01-12}
        answers:
          A-1: {level: superb}
          A-2:
            evidence: [{type: result, title: Missing, file: proofs/missing.pdf}]
          B-1:
            evidence: [{type: result, title: Outside, file: ../secret.pdf}]
        """,
    )
    with pytest.raises(InvalidFile) as caught:
        import_paths(store, "importer", [files])
    assert [(Path(p.file).name, p.line, p.criterion) for p in caught.value.problems] == [
        ("zz-bad.yaml", 6, "A-1")
    ]
    assert store.organisations() == []

    (files / "zz-bad.yaml").write_text((files / "zz-bad.yaml").read_text().replace("superb", "full"))
    with pytest.raises(InvalidFile) as caught:
        import_paths(store, "importer", [files])
    located = [(p.line, p.criterion, p.message) for p in caught.value.problems]
    assert located == [
        (10, "B-1", "evidence file '../secret.pdf' must be a path inside the assessment's folder"),
    ]
    assert store.organisations() == []


def test_evidence_files_are_checked_like_uploads(store: Store, files: Path) -> None:
    (files / "proofs" / "fake.pdf").write_bytes(b"MZ\x90\x00 not a pdf")
    (files / "proofs" / "run.exe").write_bytes(b"MZ\x90\x00")
    write(
        files,
        "zz.yaml",
        f"""
        referential: {{id: mini, version: "1"}}
        organisation: {{id: acme, name: ACME}}
        entity: {{id: acme-b, name: B, parent: acme-group}}
        campaign: {{period: baseline, date: 2025-01-12}}
        answers:
          A-1:
            evidence:
              - {{type: result, title: Fake, file: proofs/fake.pdf}}
              - {{type: result, title: Exe, file: proofs/run.exe}}
              - {{type: result, title: Wrong hash, file: proofs/policy.pdf, sha256: "{"0" * 64}"}}
        """,
    )
    with pytest.raises(InvalidFile) as caught:
        import_paths(store, "importer", [files])
    messages = [p.message for p in caught.value.problems]
    assert messages[0] == "'fake.pdf' does not contain what its extension '.pdf' says"
    assert messages[1].startswith("'run.exe': files of type '.exe' are not accepted")
    assert messages[2].startswith("evidence file 'proofs/policy.pdf' does not match its sha256")


def test_the_same_campaign_twice_or_an_unknown_parent_is_refused(store: Store, files: Path) -> None:
    (files / "copy.yaml").write_text((files / "dsi.yaml").read_text())
    write(
        files,
        "orphan.yaml",
        """
        referential: {id: mini, version: "1"}
        organisation: {id: acme, name: ACME}
        entity: {id: lost, name: Lost, parent: nowhere}
        campaign: {period: year1, date: 2025-01-12}
        """,
    )
    with pytest.raises(InvalidFile) as caught:
        import_paths(store, "importer", [files])
    assert [p.message for p in caught.value.problems] == [
        "the same campaign (acme-dsi, mini@1, baseline) is also in copy.yaml"
    ]
    (files / "copy.yaml").unlink()
    with pytest.raises(InvalidFile) as caught:
        import_paths(store, "importer", [files])
    assert [(Path(p.file).name, p.line, p.message) for p in caught.value.problems] == [
        ("orphan.yaml", 3, "parent entity 'nowhere' is neither in the database nor in the imported files")
    ]
    assert store.organisations() == []


def test_reimport_updates_a_draft_with_history_and_refuses_a_submitted_one(store: Store, files: Path) -> None:
    import_paths(store, "importer", [files])
    dsi = campaign_of(store, "acme-dsi")
    dsi_file = files / "dsi.yaml"
    dsi_file.write_text(dsi_file.read_text().replace("B-1: {level: partial}", "B-1: {level: full}"))
    results = import_paths(store, "second-import", [dsi_file])
    assert [(r.campaign_id, r.created, r.changes) for r in results] == [(dsi, False, 1)]
    changes = [(e.actor, e.field, e.old, e.new) for e in store.history(dsi, "B-1")]
    assert changes[-1] == ("second-import", "level", "partial", "full")
    assert store.history(dsi)[-1].field == "file"
    store.submit("alice", dsi)
    dsi_file.write_text(dsi_file.read_text().replace("B-1: {level: full}", "B-1: {level: none}"))
    with pytest.raises(CampaignLocked):
        import_paths(store, "third-import", [dsi_file])
    assert store.campaign(dsi).effective["B-1"].level == "full"


def test_a_file_named_but_not_provided_is_kept_by_name(store: Store, files: Path, tmp_path: Path) -> None:
    (files / "proofs" / "policy.pdf").unlink()
    results = import_paths(store, "importer", [files / "group.yaml"])
    assert results[0].warnings == (
        f"{files / 'group.yaml'}:11: criterion A-1: evidence file 'proofs/policy.pdf' is not next to "
        "group.yaml: kept by name, upload it later",
    )
    group = campaign_of(store, "acme-group")
    named = store.campaign(group).evidence["A-1"][0]
    assert (named.kind, named.reference, named.filename, named.sha256) == (
        "named",
        "proofs/policy.pdf",
        "policy.pdf",
        None,
    )
    with pytest.raises(InvalidInput, match="was named but never uploaded"):
        store.evidence_path("reader", named.id)
    assert store.check_integrity().ok
    # Exported as given, it comes back unchanged.
    text = export_campaign(store, group)
    assert "file: proofs/policy.pdf\n" in text
    out = tmp_path / "out"
    export_all(store, out)
    assert not (out / "proofs").exists()
    assert [r.changes for r in import_paths(store, "importer", [out])] == [0]
    # Once the file is there, importing again replaces the name by the stored file.
    (files / "proofs" / "policy.pdf").write_bytes(PDF)
    assert import_paths(store, "importer", [files / "group.yaml"])[0].warnings == ()
    kinds = {(e.kind, e.sha256) for e in store.campaign(group).evidence["A-1"]}
    assert kinds == {("file", hashlib.sha256(PDF).hexdigest()), ("link", None)}


DEMO = Path(__file__).resolve().parents[2] / "audits"


def _file_refs_as_given(exported: Assessment, original: Assessment) -> Assessment:
    """Files copied into the evidence store are exported under evidence/<sha256>/: put back the
    original references to compare the rest exactly."""
    answers = {}
    for cid, answer in exported.answers.items():
        given = original.answers[cid].evidence if cid in original.answers else []
        evidence = [
            ev.model_copy(update={"file": old.file, "sha256": old.sha256})
            if ev.file and ev.file.startswith("evidence/")
            else ev
            for ev, old in zip(answer.evidence, given, strict=True)
        ]
        answers[cid] = answer.model_copy(update={"evidence": evidence})
    return exported.model_copy(update={"answers": answers})


def test_the_demo_assessments_import_and_export_without_loss(db_url: str, tmp_path: Path) -> None:
    shipped = load_catalog()
    sources = assessment_files([DEMO])
    assert len(sources) >= 2
    data = tmp_path / "data"
    data.mkdir()
    for source in sources:
        shutil.copyfile(source, data / source.name)
    with open_store(db_url, data, shipped) as store:  # the first start imports the demo files
        assert store.demo_problems == []
        campaigns = [c for org in store.organisations() for c in store.organisation_campaigns(org.id)]
        assert len(campaigns) == len(sources)
        assert any(s.inherited for c in campaigns for s in store.campaign(c.id).sources.values())
        written = export_all(store, tmp_path / "out")
    originals = {}
    for source in sources:
        original, _ = load_assessment(source, shipped)
        originals[(original.entity.id, original.referential.version, original.campaign.period)] = original
    for path in written:
        exported, _ = load_assessment(path, shipped)
        original = originals.pop((exported.entity.id, exported.referential.version, exported.campaign.period))
        assert _file_refs_as_given(exported, original) == original
    assert originals == {}


def test_import_warns_about_answers_an_applicability_no_sets_aside(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "app.yaml", """
        referential: {id: profiles-test, version: "1"}
        applicability: {purchasing: false}
        organisation: {id: org, name: Org}
        entity: {id: org, name: Org}
        campaign: {period: baseline, date: 2025-01-10}
        answers:
          F-1: {level: full}
          F-2: {level: partial}
        """)
    (result,) = import_paths(store, "importer", [path])
    assert result.warnings == (
        f"{path}:2: applicability 'purchasing: no' makes not applicable F-1, F-2: their answers are not "
        "scored",
    )
