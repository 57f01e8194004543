"""Crash safety: a writer killed with SIGKILL mid-write leaves database and evidence store consistent."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import random
import signal
import time
from collections import defaultdict
from pathlib import Path

import pytest
import storage_workers
from sqlalchemy import text
from storage_helpers import PROCESSES, campaign_of

from labelnr.assessment import Answer
from labelnr.storage import Store
from labelnr.storage.sync import import_paths

pytestmark = pytest.mark.slow  # writers SIGKILLed in child processes

KILLS = 20


def kill_writers(store: Store, campaign_id: int, db_url: str) -> None:
    """Start a busy writer and SIGKILL it at a random moment, KILLS times."""
    rng = random.Random(20251115)
    for i in range(KILLS):
        started = PROCESSES.Event()
        proc = PROCESSES.Process(
            target=storage_workers.write_forever, args=(db_url, str(store.data_dir), campaign_id, i, started)
        )
        proc.start()
        # Kill at a random moment once it writes, however long a loaded machine takes to start it.
        assert started.wait(timeout=120)
        time.sleep(rng.uniform(0.0, 0.4))
        assert proc.pid is not None
        os.kill(proc.pid, signal.SIGKILL)
        proc.join(timeout=30)
        assert proc.exitcode == -signal.SIGKILL


def test_killing_writers_leaves_everything_consistent(tree: Store, db_url: str) -> None:
    cid = campaign_of(tree, "group")
    kill_writers(tree, cid, db_url)

    report = tree.check_integrity()
    assert report.problems == ()
    view = tree.campaign(cid)
    files = [e for group in view.evidence.values() for e in group if e.kind == "file"]
    assert files, "the writers should have stored some evidence before being killed"
    assert report.checked_files == len({e.sha256 for e in files})
    # Every blob on disk is whole: its name is its content's hash (rename is atomic).
    for sha in tree.files.stored():
        assert hashlib.sha256(tree.files.path(sha).read_bytes()).hexdigest() == sha
    # Each save wrote its row and its history in one transaction: one history timestamp per revision.
    with tree.db.reading() as s:
        stamps: dict[str, set[object]] = defaultdict(set)
        for criterion, at in s.execute(
            text("SELECT criterion_id, at FROM events WHERE campaign_id = :c AND action = 'answer'"),
            {"c": cid},
        ):
            stamps[criterion].add(at)
    assert {c: len(v) for c, v in stamps.items()} == {
        c: view.answer_revision(c) for c in view.answer_revisions
    }
    added = [e for e in tree.history(cid) if e.action == "evidence"]
    assert sum(1 for e in added if e.field == "added") - sum(1 for e in added if e.field == "removed") == sum(
        len(group) for group in view.evidence.values()
    )

    # Leftovers of interrupted uploads are swept; nothing a row or the history names goes.
    recorded = {(e.old or e.new).get("sha256") for e in added} - {None}
    assert {e.sha256 for e in files} <= recorded
    tree.sweep_evidence(grace=dt.timedelta(0))
    assert not any(tree.files.tmp.iterdir())
    assert set(tree.files.stored()) == recorded
    assert tree.check_integrity().ok
    # And the store still takes writes.
    rev = tree.campaign(cid).answer_revision("A-1")
    assert tree.save_answer("after", cid, "A-1", Answer(level="full"), rev) == rev + 1


FILES = 100
IMPORT_KILLS = 8


def _folder(root: Path, round_: int) -> Path:
    """FILES assessments of organisation crash<round>, each with its own evidence file."""
    folder = root / f"import-{round_}"
    (folder / "proofs").mkdir(parents=True)
    for j in range(FILES):
        (folder / "proofs" / f"p{j}.txt").write_text(f"proof {round_}-{j}\n" * (j + 1), encoding="utf-8")
        (folder / f"e{j:03}.yaml").write_text(
            f"""referential: {{id: mini, version: "1"}}
organisation: {{id: crash{round_}, name: Crash {round_}}}
entity: {{id: crash{round_}-e{j}, name: Entity {j}}}
campaign: {{period: baseline, date: 2025-01-10}}
answers:
  A-1:
    level: full
    evidence: [{{type: result, title: Proof, file: proofs/p{j}.txt}}]
""",
            encoding="utf-8",
        )
    return folder


def _imported(store: Store, round_: int) -> int:
    """How many campaigns of the round landed (organisation absent: none)."""
    org = f"crash{round_}"
    if org not in {o.id for o in store.organisations()}:
        return 0
    campaigns = store.organisation_campaigns(org)
    for info in campaigns:
        [proof] = store.campaign(info.id).evidence["A-1"]
        assert proof.kind == "file"
    return len(campaigns)


def _run_import(store: Store, db_url: str, folder: Path, kill_after: float | None) -> float:
    """Import ``folder`` in a child process, SIGKILLed ``kill_after`` seconds after it starts
    (None: let it finish); the seconds it ran."""
    started = PROCESSES.Event()
    proc = PROCESSES.Process(
        target=storage_workers.import_folder, args=(db_url, str(store.data_dir), str(folder), started)
    )
    proc.start()
    assert started.wait(timeout=120)
    begun = time.monotonic()
    if kill_after is None:
        proc.join(timeout=600)
        assert proc.exitcode == 0
    else:
        time.sleep(kill_after)
        assert proc.pid is not None
        with contextlib.suppress(ProcessLookupError):  # it finished first: the import is whole
            os.kill(proc.pid, signal.SIGKILL)
        proc.join(timeout=30)
    return time.monotonic() - begun


def test_a_folder_import_killed_at_any_moment_imports_all_or_nothing(
    store: Store, db_url: str, tmp_path: Path
) -> None:
    rng = random.Random(20261203)
    # A first import runs to the end: how long one takes sets the window to kill the others in.
    duration = _run_import(store, db_url, _folder(tmp_path, 0), None)
    assert _imported(store, 0) == FILES
    for round_ in range(1, IMPORT_KILLS + 1):
        _run_import(store, db_url, _folder(tmp_path, round_), rng.uniform(0.0, duration))
        assert _imported(store, round_) in (0, FILES)
        assert store.check_integrity().problems == ()

    # Blobs stored before an interrupted transaction are only leftovers: swept, nothing named lost.
    store.sweep_evidence(grace=dt.timedelta(0))
    assert store.check_integrity().ok
    with store.db.reading() as s:
        named = {sha for (sha,) in s.execute(text("SELECT sha256 FROM evidence")) if sha}
    assert set(store.files.stored()) == named
    # An interrupted import simply runs again.
    again = next((r for r in range(1, IMPORT_KILLS + 1) if _imported(store, r) == 0), None)
    if again is not None:
        import_paths(store, "importer", [tmp_path / f"import-{again}"])
        assert _imported(store, again) == FILES
