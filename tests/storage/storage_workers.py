"""Code run in child processes by the concurrency and crash tests (importable by a fresh interpreter)."""

from __future__ import annotations

import os
import random
from multiprocessing.synchronize import Barrier, Event
from pathlib import Path
from typing import Any

from storage_helpers import REFERENTIALS

from labelnr.assessment import Answer
from labelnr.loader import load_catalog
from labelnr.storage import ConflictError, Store, open_store


def _store(url: str, data_dir: str) -> Store:
    return Store(url, Path(data_dir), load_catalog(REFERENTIALS))


def save_once(
    url: str,
    data_dir: str,
    actor: str,
    campaign_id: int,
    criterion: str,
    level: str,
    expected: int,
    barrier: Barrier,
    results: Any,
) -> None:
    """Wait for the others, then save one answer based on ``expected``; report what happened."""
    with _store(url, data_dir) as store:
        store.campaign_info(campaign_id)  # connect before the race starts
        barrier.wait(timeout=60)
        try:
            results.put(
                (
                    "saved",
                    actor,
                    store.save_answer(actor, campaign_id, criterion, Answer(level=level), expected),
                )
            )
        except ConflictError as exc:
            results.put(("conflict", actor, exc.changed_by))


def increment(
    url: str,
    data_dir: str,
    actor: str,
    campaign_id: int,
    criterion: str,
    times: int,
    barrier: Barrier,
    results: Any,
) -> None:
    """Read-modify-write a counter kept in an answer's comment, retrying on conflicts."""
    with _store(url, data_dir) as store:
        conflicts = 0
        store.campaign_info(campaign_id)
        barrier.wait(timeout=60)
        done = 0
        while done < times:
            view = store.campaign(campaign_id)
            current = view.effective.get(criterion)
            count = int(current.comment) if current and current.comment else 0
            try:
                store.save_answer(
                    actor,
                    campaign_id,
                    criterion,
                    Answer(level="partial", comment=str(count + 1)),
                    view.answer_revision(criterion),
                )
                done += 1
            except ConflictError:
                conflicts += 1
        results.put((actor, conflicts))


def write_forever(url: str, data_dir: str, campaign_id: int, seed: int, started: Event) -> None:
    """Answers, evidence files, links and removals as fast as possible, until killed;
    ``started`` is set once the first write has landed."""
    rng = random.Random(seed)
    store = _store(url, data_dir)
    criteria = ["A-1", "A-2", "B-1"]
    while True:
        criterion = rng.choice(criteria)
        step = rng.random()
        if step < 0.4:
            view = store.campaign(campaign_id)
            level = rng.choice(["none", "partial", "full"])
            try:
                store.save_answer(
                    "writer",
                    campaign_id,
                    criterion,
                    Answer(level=level, comment=f"seed {seed}"),
                    view.answer_revision(criterion),
                )
            except ConflictError:
                continue
        elif step < 0.8:
            payload = b"\x89PNG\r\n\x1a\n" + os.urandom(rng.randint(10, 200_000))
            store.add_evidence_file("writer", campaign_id, criterion, f"shot-{seed}.png", payload, "result")
        elif step < 0.9:
            store.add_evidence_link(
                "writer", campaign_id, criterion, f"https://example.org/{seed}", "Link", "documentation"
            )
        else:
            items = [e for group in store.campaign(campaign_id).evidence.values() for e in group]
            if items:
                store.remove_evidence("writer", rng.choice(items).id)
        started.set()


def open_at_once(url: str, data_dir: str, barrier: Barrier, results: Any) -> None:
    """Start like an app process on a possibly empty database: schema, demo import."""
    barrier.wait(timeout=60)
    with open_store(url, Path(data_dir), load_catalog(REFERENTIALS)) as store:
        results.put((store.demo_problems, [o.id for o in store.organisations()]))


def import_folder(url: str, data_dir: str, folder: str, started: Event) -> None:
    """``labelnr import FOLDER`` as the CLI runs it; ``started`` is set just before it begins."""
    from labelnr.storage.sync import import_paths

    with _store(url, data_dir) as store:
        started.set()
        import_paths(store, "importer", [Path(folder)])
