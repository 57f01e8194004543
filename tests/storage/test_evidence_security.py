"""Evidence stays inside its organisation and inside the folder it was imported from (issue 9).

Organisation ``acme`` holds a file; an administrator of organisation ``beta`` knows its
SHA-256 (hashes are shown everywhere) and tries to get the file through an import, a copy,
an export or a download. Imports may not reach outside the assessment's folder either.
"""

from __future__ import annotations

import hashlib
import os
import textwrap
import threading
import tracemalloc
from pathlib import Path

import pytest
from storage_helpers import DAY

from labelnr.auth import enforce_grants
from labelnr.errors import InvalidFile
from labelnr.permissions import LOCAL_USER, PermissionDenied
from labelnr.storage import Store
from labelnr.storage.sync import copy_evidence, export_all, import_paths

SECRET = b"name,salary\nalice,120000\n"
SECRET_SHA = hashlib.sha256(SECRET).hexdigest()
ALICE = "alice@acme.example"
BOB = "bob@beta.example"


@pytest.fixture
def orgs(store: Store) -> Store:
    """acme holds SECRET on a campaign; beta is empty; alice administers acme, bob beta."""
    store.create_organisation(LOCAL_USER, "acme", "ACME")
    store.create_entity(LOCAL_USER, "acme", "acme-hr", "ACME HR")
    camp = store.create_campaign(LOCAL_USER, "acme-hr", "mini", "1", "baseline", DAY).id
    store.add_evidence_file(LOCAL_USER, camp, "A-1", "salaries.csv", SECRET, "result")
    store.create_organisation(LOCAL_USER, "beta", "Beta")
    store.grant_role(LOCAL_USER, ALICE, "admin", "acme")
    store.grant_role(LOCAL_USER, BOB, "admin", "beta")
    return enforce_grants(store)


def assessment(folder: Path, org: str, entity: str, evidence: str, name: str = "beta.yaml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    body = f"""
        referential: {{id: mini, version: "1"}}
        organisation: {{id: {org}, name: {"ACME" if org == "acme" else "Beta"}}}
        entity: {{id: {entity}, name: Someone}}
        campaign: {{period: baseline, date: 2025-01-10}}
        answers:
          A-1:
            level: full
            evidence:
              - {evidence}
        """
    path.write_text(textwrap.dedent(body).lstrip(), encoding="utf-8")
    return path


def beta_state(store: Store) -> tuple[int, int]:
    """What an import into beta could have written: campaigns, and history events anywhere."""
    return len(store.organisation_campaigns("beta")), len(store.events(limit=100_000))


def only_problem(caught: pytest.ExceptionInfo[InvalidFile]) -> tuple[str, int | None, str | None, str]:
    assert len(caught.value.problems) == 1, caught.value.problems
    p = caught.value.problems[0]
    return Path(p.file).name, p.line, p.criterion, p.message


# --- 1. another organisation's file named by its hash --------------------------------------------


def test_a_hash_only_reference_to_another_organisations_file_is_refused(orgs: Store, tmp_path: Path) -> None:
    before = beta_state(orgs)
    path = assessment(
        tmp_path / "in",
        "beta",
        "beta-it",
        f"{{type: result, title: Loot, file: loot.csv, sha256: {SECRET_SHA}}}",
    )
    with pytest.raises(InvalidFile) as caught:
        import_paths(orgs, BOB, [path])
    name, line, criterion, message = only_problem(caught)
    assert (name, line, criterion) == ("beta.yaml", 9, "A-1")
    assert message.startswith("evidence file 'loot.csv' is given by its sha256 only")
    assert "no campaign you may read holds that file" in message
    assert beta_state(orgs) == before  # nothing written: no entity, no campaign, no history


def test_a_wrong_file_beside_the_yaml_does_not_unlock_another_organisations_hash(
    orgs: Store, tmp_path: Path
) -> None:
    folder = tmp_path / "in"
    path = assessment(
        folder, "beta", "beta-it", f"{{type: result, title: Loot, file: loot.csv, sha256: {SECRET_SHA}}}"
    )
    (folder / "loot.csv").write_bytes(b"anything\n")
    with pytest.raises(InvalidFile) as caught:
        import_paths(orgs, BOB, [path])
    assert only_problem(caught)[1:3] == (9, "A-1")
    assert "does not match its sha256" in only_problem(caught)[3]
    assert orgs.organisation_campaigns("beta") == []


def test_the_file_itself_or_a_readable_campaign_lets_a_hash_resolve(orgs: Store, tmp_path: Path) -> None:
    # Bob who has the bytes may import them: nobody learns anything from their own file.
    folder = tmp_path / "bob"
    path = assessment(
        folder, "beta", "beta-it", f"{{type: result, title: Own, file: own.csv, sha256: {SECRET_SHA}}}"
    )
    (folder / "own.csv").write_bytes(SECRET)
    import_paths(orgs, BOB, [path])
    [item] = orgs.campaign(orgs.organisation_campaigns("beta")[0].id).evidence["A-1"]
    assert (item.kind, item.sha256) == ("file", SECRET_SHA)
    assert orgs.evidence_path(BOB, item.id).read_bytes() == SECRET
    # Alice reads acme's campaign: a hash-only reference in another acme campaign resolves.
    ref = f"{{type: result, title: Same, file: salaries.csv, sha256: {SECRET_SHA}}}"
    import_paths(orgs, ALICE, [assessment(tmp_path / "alice", "acme", "acme-it", ref, "acme.yaml")])
    [again] = orgs.campaign(orgs.campaigns("acme-it")[0].id).evidence["A-1"]
    assert (again.kind, again.sha256) == ("file", SECRET_SHA)


def _named_in_beta(orgs: Store, tmp_path: Path, late: bytes) -> int:
    """A beta campaign naming a hash the store did not hold then; acme uploads that file later."""
    late_sha = hashlib.sha256(late).hexdigest()
    ref = f"{{type: result, title: Later, file: later.csv, sha256: {late_sha}}}"
    import_paths(orgs, BOB, [assessment(tmp_path / "in", "beta", "beta-it", ref)])
    beta = orgs.organisation_campaigns("beta")[0].id
    assert orgs.campaign(beta).evidence["A-1"][0].kind == "named"
    acme = orgs.campaigns("acme-hr")[0].id
    orgs.add_evidence_file(ALICE, acme, "A-2", "later.csv", late, "result")
    return beta


def test_a_named_hash_does_not_become_another_organisations_file_later(orgs: Store, tmp_path: Path) -> None:
    late = b"name,bonus\nalice,9000\n"
    beta = _named_in_beta(orgs, tmp_path, late)
    # Copying the campaign keeps the evidence named: it never points at acme's file.
    copy = orgs.copy_campaign(BOB, beta, "year1")
    [item] = orgs.campaign(copy.id).evidence["A-1"]
    assert (item.kind, item.size) == ("named", None)
    # Exporting it does not copy acme's file out either.
    written = copy_evidence(orgs, beta, tmp_path / "out")
    assert written == []
    assert not (tmp_path / "out" / "later.csv").exists()
    out = tmp_path / "all"
    export_all(orgs, out)
    assert not (out / "later.csv").exists()
    assert {p.read_bytes() for p in (out / "evidence").rglob("*") if p.is_file()} == {SECRET, late}


def test_a_download_is_checked_against_the_campaign_of_the_evidence_asked_for(
    orgs: Store, tmp_path: Path
) -> None:
    folder = tmp_path / "bob"
    path = assessment(folder, "beta", "beta-it", "{type: result, title: Own, file: own.csv}")
    (folder / "own.csv").write_bytes(SECRET)
    import_paths(orgs, BOB, [path])
    beta_item = orgs.campaign(orgs.organisation_campaigns("beta")[0].id).evidence["A-1"][0]
    acme_item = orgs.campaign(orgs.campaigns("acme-hr")[0].id).evidence["A-1"][0]
    assert beta_item.sha256 == acme_item.sha256
    assert orgs.evidence_path(BOB, beta_item.id).read_bytes() == SECRET
    with pytest.raises(PermissionDenied):
        orgs.evidence_path(BOB, acme_item.id)  # same blob, but a campaign bob may not read


# --- 2. evidence files outside the assessment's folder ------------------------------------------


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "secret.txt").write_bytes(SECRET)
    return folder


def _refused(store: Store, path: Path) -> tuple[str, int | None, str | None, str]:
    with pytest.raises(InvalidFile) as caught:
        import_paths(store, LOCAL_USER, [path.parent])
    assert store.organisation_campaigns("beta") == []
    return only_problem(caught)


def test_a_symlinked_evidence_file_is_refused(store: Store, tmp_path: Path, outside: Path) -> None:
    store.create_organisation(LOCAL_USER, "beta", "Beta")
    folder = tmp_path / "in"
    path = assessment(folder, "beta", "beta-it", "{type: result, title: Passwd, file: proofs/passwd.txt}")
    (folder / "proofs").mkdir()
    (folder / "proofs" / "passwd.txt").symlink_to(outside / "secret.txt")
    name, line, criterion, message = _refused(store, path)
    assert (name, line, criterion) == ("beta.yaml", 9, "A-1")
    assert message == (
        "evidence file 'proofs/passwd.txt' is a symbolic link or lies under one: "
        "put the file itself inside the assessment's folder"
    )


def test_an_evidence_file_under_a_symlinked_folder_is_refused(
    store: Store, tmp_path: Path, outside: Path
) -> None:
    store.create_organisation(LOCAL_USER, "beta", "Beta")
    folder = tmp_path / "in"
    path = assessment(folder, "beta", "beta-it", "{type: result, title: Secret, file: proofs/secret.txt}")
    (folder / "proofs").symlink_to(outside, target_is_directory=True)
    assert "is a symbolic link or lies under one" in _refused(store, path)[3]


def test_a_dot_dot_inside_the_path_is_refused(store: Store, tmp_path: Path, outside: Path) -> None:
    store.create_organisation(LOCAL_USER, "beta", "Beta")
    folder = tmp_path / "in"
    path = assessment(
        folder, "beta", "beta-it", "{type: result, title: Up, file: proofs/../../outside/secret.txt}"
    )
    (folder / "proofs").mkdir()
    assert "must be a path inside the assessment's folder" in _refused(store, path)[3]


def test_a_fifo_is_refused_without_waiting_for_a_writer(store: Store, tmp_path: Path) -> None:
    store.create_organisation(LOCAL_USER, "beta", "Beta")
    folder = tmp_path / "in"
    path = assessment(folder, "beta", "beta-it", "{type: result, title: Pipe, file: pipe.txt}")
    fifo = folder / "pipe.txt"
    os.mkfifo(fifo)
    # A writer feeds the pipe whenever a reader opens it, so an import that reads it gets text.
    done = threading.Event()

    def feed() -> None:
        while not done.is_set():
            try:
                fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
            except OSError:
                done.wait(0.01)
                continue
            os.write(fd, b"fed through a pipe\n")
            os.close(fd)

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    try:
        message = _refused(store, path)[3]
    finally:
        done.set()
        writer.join()
    assert message == "evidence file 'pipe.txt' is not a regular file (a pipe, device or folder)"


def test_the_size_limit_is_enforced_while_reading(catalog: object, db_url: str, tmp_path: Path) -> None:
    from labelnr.storage import open_store

    with open_store(db_url, tmp_path / "data", catalog, import_demo=False) as small:  # type: ignore[arg-type]
        small.files.max_bytes = 1024 * 1024
        small.create_organisation(LOCAL_USER, "beta", "Beta")
        folder = tmp_path / "in"
        path = assessment(folder, "beta", "beta-it", "{type: result, title: Huge, file: huge.txt}")
        with (folder / "huge.txt").open("wb") as handle:
            handle.truncate(64 * 1024 * 1024)  # sparse: nothing on disk, 64 MB when read
        tracemalloc.start()
        try:
            message = _refused(small, path)[3]
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert message == "evidence file 'huge.txt' is larger than the limit of 1 MB"
        assert peak < 16 * 1024 * 1024  # stopped at the limit, the 64 MB were never read


# --- 3. the export folder -------------------------------------------------------------------------


def test_the_export_refuses_to_write_through_planted_symlinks(
    orgs: Store, tmp_path: Path, outside: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "evidence").symlink_to(outside, target_is_directory=True)
    with pytest.raises(InvalidFile) as caught:
        export_all(orgs, out)
    assert caught.value.problems[0].message.startswith("is a symbolic link: refusing to write through it")
    assert sorted(p.name for p in outside.iterdir()) == ["secret.txt"]

    (out / "evidence").unlink()
    victim = outside / "victim.txt"
    victim.write_text("keep me\n")
    (out / "acme-hr--mini-1--baseline.yaml").unlink(missing_ok=True)  # written before the refusal
    (out / "acme-hr--mini-1--baseline.yaml").symlink_to(victim)
    with pytest.raises(InvalidFile, match="is a symbolic link: refusing to write through it"):
        export_all(orgs, out)
    assert victim.read_text() == "keep me\n"


def test_the_export_replaces_a_planted_file_with_the_stored_one(orgs: Store, tmp_path: Path) -> None:
    out = tmp_path / "out"
    [target] = copy_evidence(orgs, orgs.campaigns("acme-hr")[0].id, out)
    target.chmod(0o644)
    target.write_bytes(b"tampered\n")
    assert copy_evidence(orgs, orgs.campaigns("acme-hr")[0].id, out) == [target]
    assert target.read_bytes() == SECRET


@pytest.mark.parametrize("reference", ["later.csv", "evidence/{sha}/later.csv"])
def test_an_as_of_workbook_never_packs_another_organisations_file(
        orgs: Store, tmp_path: Path, reference: str) -> None:
    """The workbook of a past day replays the history: a named hash must stay a name there too,
    even when the name itself mimics the path of a stored file."""
    import datetime as dt
    import zipfile

    from labelnr.excel.from_store import workbook_data
    from labelnr.excel.pack import write_pack

    late = b"name,bonus\nalice,9000\n"
    sha = hashlib.sha256(late).hexdigest()
    ref = f"{{type: result, title: Later, file: '{reference.format(sha=sha)}', sha256: {sha}}}"
    import_paths(orgs, BOB, [assessment(tmp_path / "in", "beta", "beta-it", ref)])
    beta = orgs.organisation_campaigns("beta")[0].id
    orgs.add_evidence_file(ALICE, orgs.campaigns("acme-hr")[0].id, "A-2", "later.csv", late, "result")
    data = workbook_data(orgs, beta, BOB, as_of=dt.datetime.now(dt.UTC).date())
    [entry] = [e for e in data.evidence if e.criterion == "A-1"]
    assert entry.location is None
    assert entry.size is None
    pack = tmp_path / "pack.zip"
    write_pack(data, b"workbook", pack, "workbook.xlsx")
    with zipfile.ZipFile(pack) as archive:
        assert all(archive.read(name) != late for name in archive.namelist())
