"""Crash safety: a writer killed with SIGKILL mid-write leaves database and evidence store consistent."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import random
import signal
import time
from collections import defaultdict

import storage_workers
from sqlalchemy import text
from storage_helpers import PROCESSES, campaign_of

from labelnr.assessment import Answer
from labelnr.storage import Store

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
