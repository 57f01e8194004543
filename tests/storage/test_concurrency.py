"""No lost update, with real concurrent processes on SQLite and PostgreSQL."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import storage_workers
from storage_helpers import PROCESSES, REFERENTIALS, campaign_of

from labelnr.loader import load_catalog
from labelnr.storage import Store

pytestmark = pytest.mark.slow  # real processes, on both backends


def run_all(target: Callable[..., None], argsets: list[tuple[Any, ...]]) -> list[Any]:
    """Start one process per argument set (they meet at a barrier), wait, return their reports."""
    barrier = PROCESSES.Barrier(len(argsets))
    results = PROCESSES.Queue()
    procs = [PROCESSES.Process(target=target, args=(*args, barrier, results)) for args in argsets]
    for proc in procs:
        proc.start()
    reports = [results.get(timeout=120) for _ in procs]
    for proc in procs:
        proc.join(timeout=60)
        assert proc.exitcode == 0
    return reports


def test_saves_of_different_criteria_by_concurrent_processes_all_land(tree: Store, db_url: str) -> None:
    cid = campaign_of(tree, "group")
    data = str(tree.data_dir)
    reports = run_all(
        storage_workers.save_once,
        [
            (db_url, data, f"user{i}", cid, criterion, "full", 0)
            for i, criterion in enumerate(["A-1", "A-2", "B-1"])
        ],
    )
    assert sorted(r[0] for r in reports) == ["saved"] * 3
    view = tree.campaign(cid)
    assert {c: (a.level, view.answer_revision(c)) for c, a in view.effective.items()} == {
        "A-1": ("full", 1),
        "A-2": ("full", 1),
        "B-1": ("full", 1),
    }


def test_of_concurrent_saves_of_one_criterion_from_the_same_read_exactly_one_lands(
    tree: Store, db_url: str
) -> None:
    cid = campaign_of(tree, "group")
    levels = ["none", "partial", "full", "to_assess"] * 2  # 8 writers from the same read
    reports = run_all(
        storage_workers.save_once,
        [(db_url, str(tree.data_dir), f"user{i}", cid, "A-1", level, 0) for i, level in enumerate(levels)],
    )
    saved = [r for r in reports if r[0] == "saved"]
    refused = [r for r in reports if r[0] == "conflict"]
    assert len(saved) == 1
    assert len(refused) == len(levels) - 1
    winner = saved[0][1]
    assert {r[2] for r in refused} == {winner}  # each refusal names who got there first
    view = tree.campaign(cid)
    assert view.effective["A-1"].level == levels[int(winner.removeprefix("user"))]
    assert view.answer_revisions["A-1"].updated_by == winner
    assert [e.actor for e in tree.history(cid, "A-1")] == [winner]


WRITERS = 8


def test_eight_writers_on_three_criteria_lose_no_increment(tree: Store, db_url: str) -> None:
    """8 processes read-modify-write counters on 3 criteria at once (same and different criteria):
    every increment lands, each criterion's history counts up without a gap (README figures)."""
    cid = campaign_of(tree, "group")
    criteria, times = ["A-1", "A-2", "B-1"], 6
    run_all(storage_workers.increment,
            [(db_url, str(tree.data_dir), f"user{i}", cid, criteria[i % 3], times) for i in range(WRITERS)])
    view = tree.campaign(cid)
    for k, criterion in enumerate(criteria):
        writers = sum(1 for i in range(WRITERS) if i % 3 == k)
        assert view.effective[criterion].comment == str(writers * times)
        assert view.answer_revision(criterion) == writers * times
        comments = [e.new for e in tree.history(cid, criterion) if e.field == "comment"]
        assert comments == [str(n) for n in range(1, writers * times + 1)]
    assert tree.check_integrity().ok


def test_read_modify_write_loops_never_lose_an_increment(tree: Store, db_url: str) -> None:
    cid = campaign_of(tree, "group")
    workers, times = WRITERS, 8
    reports = run_all(
        storage_workers.increment,
        [(db_url, str(tree.data_dir), f"user{i}", cid, "B-1", times) for i in range(workers)],
    )
    view = tree.campaign(cid)
    assert view.effective["B-1"].comment == str(workers * times)
    assert view.answer_revision("B-1") == workers * times
    comments = [e for e in tree.history(cid, "B-1") if e.field == "comment"]
    assert [e.new for e in comments] == [str(n) for n in range(1, workers * times + 1)]
    assert Counter(e.actor for e in comments) == {f"user{i}": times for i in range(workers)}
    assert len(reports) == workers


def test_app_processes_starting_together_create_the_schema_and_import_the_demo_once(
    db_url: str, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    for entity, parent in (("demo-group", None), ("demo-site", "demo-group")):
        (data / f"{entity}.yaml").write_text(
            'referential: {id: mini, version: "1"}\norganisation: {id: demo, name: Demo}\n'
            f"entity: {{id: {entity}, name: {entity}{', parent: ' + parent if parent else ''}}}\n"
            "campaign: {period: baseline, date: 2025-01-01}\nanswers: {A-1: {level: full}}\n",
            encoding="utf-8",
        )
    reports = run_all(storage_workers.open_at_once, [(db_url, str(data))] * 3)
    assert reports == [([], ["demo"])] * 3
    with Store(db_url, data, load_catalog(REFERENTIALS)) as store:
        imports = [e.new for e in store.events(organisation_id="demo") if e.action == "import"]
        assert sorted(Path(p).name for p in imports) == ["demo-group.yaml", "demo-site.yaml"]
