"""Backups: a store backed up and restored into an empty database gives the same data, on both backends."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from storage_helpers import campaign_of

from labelnr.assessment import Answer, Commitment
from labelnr.errors import render
from labelnr.loader import Catalog
from labelnr.storage import Store, open_store
from labelnr.storage.backup import BackupError, backup, restore, verify
from labelnr.storage.db import Database
from labelnr.storage.evidence import EvidenceStore

PDF = b"%PDF-1.4\n% politique numerique responsable\n"


def _fill(tree: Store) -> int:
    cid = campaign_of(tree, "dsi-a")
    tree.save_answer("admin", cid, "A-1", Answer(level="full", comment="Signée en mars"), 0)
    tree.add_evidence_file("admin", cid, "A-1", "politique.pdf", PDF, "documentation")
    tree.add_commitment("admin", cid, Commitment(title="Former les acheteurs", criterion="B-1",
                                                 target_year=1))
    return cid


def _snapshot(store: Store) -> dict[str, object]:
    orgs = store.organisations()
    out: dict[str, object] = {"orgs": [o.id for o in orgs]}
    for org in orgs:
        for camp in store.organisation_campaigns(org.id):
            view = store.campaign(camp.id)
            out[f"c{camp.id}"] = (camp.entity_id, camp.period.value, camp.revision,
                                  view.assessment.model_dump(mode="json"),
                                  len(store.history(camp.id)))
    return out


def _second_url(db_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if db_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'restored.db'}"
    from tests.support.pgserver import fresh_schema

    return fresh_schema(request.getfixturevalue("postgres_server"))


def test_backup_then_restore_into_an_empty_database(tree: Store, catalog: Catalog, tmp_path: Path,
                                                    db_url: str, request: pytest.FixtureRequest) -> None:
    _fill(tree)
    report = backup(tree.db, tree.files, tmp_path / "backup")
    assert report.evidence_files == 1
    assert report.rows["campaigns"] == 4
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    assert manifest["backend"] == tree.db.backend

    url = _second_url(db_url, tmp_path, request)
    database = Database(url)
    try:
        restore(database, EvidenceStore(tmp_path / "restored" / "evidence"), tmp_path / "backup")
    finally:
        database.dispose()
    with open_store(url, tmp_path / "restored", catalog, import_demo=False) as restored:
        assert _snapshot(restored) == _snapshot(tree)
        check = restored.check_integrity()
        assert check.ok, check.problems
        assert check.checked_files == 1
        # New rows get new ids (the id sequences moved past the restored ones).
        cid = campaign_of(restored, "dsi-b")
        restored.save_answer("admin", cid, "A-1", Answer(level="none"), 0)


def test_a_damaged_backup_is_refused_before_anything_is_written(tree: Store, catalog: Catalog,
                                                               tmp_path: Path) -> None:
    _fill(tree)
    folder = tmp_path / "backup"
    backup(tree.db, tree.files, folder)
    answers = folder / "tables" / "answers.jsonl"
    answers.write_text(answers.read_text().replace("Signée en mars", "Signée en avril"))
    with pytest.raises(BackupError, match=r"answers\.jsonl does not match the SHA-256"):
        verify(folder)
    url = f"sqlite:///{tmp_path / 'restored.db'}"
    database = Database(url)
    try:
        with pytest.raises(BackupError, match="does not match"):
            restore(database, EvidenceStore(tmp_path / "r" / "evidence"), folder)
    finally:
        database.dispose()
    assert not (tmp_path / "r" / "evidence").exists()


def test_restore_refuses_a_database_that_holds_data(tree: Store, tmp_path: Path) -> None:
    _fill(tree)
    backup(tree.db, tree.files, tmp_path / "backup")
    with pytest.raises(BackupError, match="already holds data"):
        restore(tree.db, tree.files, tmp_path / "backup")


def test_backup_refuses_a_folder_in_use_and_leaves_nothing_half_written(tree: Store, tmp_path: Path) -> None:
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "notes.txt").write_text("mine")
    with pytest.raises(BackupError, match="not empty"):
        backup(tree.db, tree.files, tmp_path / "used")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_refusals_name_the_file_and_read_in_french(tree: Store, tmp_path: Path) -> None:
    _fill(tree)
    folder = tmp_path / "backup"
    backup(tree.db, tree.files, folder)
    answers = folder / "tables" / "answers.jsonl"
    answers.write_text(answers.read_text().replace("Signée en mars", "Signée en avril"))
    with pytest.raises(BackupError) as caught:
        verify(folder)
    assert render(caught.value, "fr") == (f"{answers} ne correspond pas au SHA-256 de manifest.json : "
                                          "la sauvegarde est endommagée")
    assert render(caught.value, "en") == str(caught.value)
    with pytest.raises(BackupError) as caught:
        restore(tree.db, tree.files, folder.parent / "nothing")
    assert render(caught.value, "fr") == f"{folder.parent / 'nothing'} n'est pas une sauvegarde : " \
        "il n'a pas de manifest.json"
    with pytest.raises(BackupError) as caught:
        backup(tree.db, tree.files, folder)
    assert render(caught.value, "fr") == f"{folder} existe déjà et n'est pas vide : donnez un nouveau dossier"
    manifest = folder / "manifest.json"
    manifest.write_text(manifest.read_text().replace('"format_version": 1', '"format_version": 7'))
    with pytest.raises(BackupError) as caught:
        verify(folder)
    assert render(caught.value, "fr") == (f"{manifest} : le format de sauvegarde 7 n'est pas pris en charge "
                                          "(cette version lit le format 1)")


def test_restore_into_a_used_database_is_refused_in_french(tree: Store, tmp_path: Path) -> None:
    _fill(tree)
    backup(tree.db, tree.files, tmp_path / "backup")
    with pytest.raises(BackupError) as caught:
        restore(tree.db, tree.files, tmp_path / "backup")
    assert render(caught.value, "fr") == (f"{tree.db.display_url} contient déjà des données : "
                                          "restaurez dans une base vide")


@pytest.mark.postgres
def test_a_sqlite_backup_restores_on_postgresql(catalog: Catalog, tmp_path: Path,
                                               request: pytest.FixtureRequest) -> None:
    from storage_helpers import plant_tree

    from tests.support.pgserver import drop_schema, fresh_schema

    source = plant_tree(open_store(f"sqlite:///{tmp_path / 'a.db'}", tmp_path / "a", catalog,
                                   import_demo=False))
    url = fresh_schema(request.getfixturevalue("postgres_server"))
    try:
        _fill(source)
        backup(source.db, source.files, tmp_path / "backup")
        database = Database(url)
        try:
            restore(database, EvidenceStore(tmp_path / "b" / "evidence"), tmp_path / "backup")
        finally:
            database.dispose()
        with open_store(url, tmp_path / "b", catalog, import_demo=False) as restored:
            assert _snapshot(restored) == _snapshot(source)
            assert restored.check_integrity().ok
    finally:
        source.dispose()
        drop_schema(url)
