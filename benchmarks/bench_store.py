"""Benchmark of the store: a whole portfolio loaded and scored from the database, and one save.

    python benchmarks/bench_store.py                      # SQLite, and PostgreSQL when available
    python benchmarks/bench_store.py --entities 200 --no-postgres
    LABELNR_BENCH_POSTGRES_URL=postgresql+psycopg://... python benchmarks/bench_store.py

The portfolio: one organisation of ``--entities`` entities (a group, 9 IT departments,
the rest sites under them) × 4 campaigns (baseline, year 1, 2, 3) × the current
referential. The group answers the governance criteria once for everybody (inherited);
departments and sites answer most of the rest, with a maturity growing year by year.
Rows are bulk-inserted (setup is not timed); then:

- **portfolio**: ``Store.portfolio(org)`` — every campaign's effective answers (inheritance
  resolved) read from the database and scored; cold (new Store) and warm;
- **save + scores**: ``Store.save_answer`` of one criterion then ``Store.scores`` of its
  campaign (self-assessed and verified), as the self-assessment page does on each save;
- **save + rerun, CPU**: what a save costs the server in CPU time (``time.process_time``),
  against a **bare insert and commit** of one row in the same database: the save through the
  page's ``ActorStore``, then the rerun's reads (the campaign read by the page, the score
  panel and one open editor, and its scores). Goal (issue 12): ≤ 3× the bare commit.

Targets: portfolio under 2 s on SQLite; save + scores under 50 ms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text

from labelnr.assessment import Answer
from labelnr.loader import load_catalog
from labelnr.referential import Referential
from labelnr.storage import Store, open_store
from labelnr.storage.models import AnswerRow, CampaignRow, EntityRow, OrganisationRow, utcnow

PERIODS = ["baseline", "year1", "year2", "year3"]
ORG = "bench"


def populate(store: Store, ref: Referential, entities: int, seed: int = 7) -> int:
    """Bulk-insert the portfolio; returns the number of answer rows."""
    rng = random.Random(seed)
    now = utcnow()
    levels = [lv.id for lv in ref.scale.levels if not lv.pending]
    governance = [c.id for c in ref.criteria if c.theme == ref.themes[0].id]
    others = [c for c in ref.criteria if c.theme != ref.themes[0].id]
    rows: list[dict[str, Any]] = [{"id": "group", "organisation_id": ORG, "parent_id": None, "name": "Group"}]
    departments = [f"dept-{i}" for i in range(9)]
    rows += [{"id": d, "organisation_id": ORG, "parent_id": "group", "name": d} for d in departments]
    rows += [
        {"id": f"site-{i:04d}", "organisation_id": ORG, "parent_id": departments[i % 9], "name": f"Site {i}"}
        for i in range(entities - 10)
    ]
    for row in rows:
        row["created_at"] = now
    campaigns: list[dict[str, Any]] = []
    answers: list[dict[str, Any]] = []
    next_id = 1
    for entity in rows:
        maturity = rng.random()
        for index, period in enumerate(PERIODS):
            cid = next_id
            next_id += 1
            campaigns.append(
                {
                    "id": cid,
                    "entity_id": entity["id"],
                    "referential_id": ref.id,
                    "referential_version": ref.version,
                    "profile": None,
                    "period": period,
                    "date": dt.date(2024 + index, 3, 1),
                    "name": None,
                    "status": "draft",
                    "applicability": {},
                    "revision": 1,
                    "copied_from_id": None,
                    "created_at": now,
                    "created_by": "bench",
                    "updated_at": now,
                    "updated_by": "bench",
                }
            )
            own = governance if entity["id"] == "group" else [c.id for c in others if rng.random() < 0.85]
            for crit in own:
                grown = min(len(levels) - 1, int(rng.gauss(maturity * len(levels) + index * 0.5, 1)))
                answers.append(
                    {
                        "campaign_id": cid,
                        "criterion_id": crit,
                        "level": levels[max(0, grown)],
                        "na_reason": None,
                        "na_justification": None,
                        "na_approved_by": None,
                        "na_review_by": None,
                        "comment": None,
                        "owner": None,
                        "revision": 1,
                        "updated_at": now,
                        "updated_by": "bench",
                    }
                )
    with store.db.writing() as s:
        s.execute(insert(OrganisationRow), [{"id": ORG, "name": "Benchmark", "created_at": now}])
        s.execute(insert(EntityRow), rows)
        s.execute(insert(CampaignRow), campaigns)
        for start in range(0, len(answers), 20_000):
            s.execute(insert(AnswerRow), answers[start : start + 20_000])
    return len(answers)


def timed(action: Callable[[], object], repeat: int) -> list[float]:
    times: list[float] = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return times


def run(label: str, url: str, data: Path, ref: Referential, entities: int, repeat: int) -> dict[str, Any]:
    catalog = load_catalog()
    store = open_store(url, data, catalog, import_demo=False)
    start = time.perf_counter()
    answers = populate(store, ref, entities)
    setup = time.perf_counter() - start
    store.dispose()

    fresh = Store(url, data, catalog)
    cold = timed(lambda: fresh.portfolio(ORG), 1)[0]
    rows = fresh.portfolio(ORG)
    warm = timed(lambda: fresh.portfolio(ORG), repeat)
    assert len(rows) == entities * len(PERIODS)

    site = next(
        r.campaign.id for r in rows if r.entity.id == "site-0001" and r.campaign.period.value == "year3"
    )
    crit = next(c.id for c in ref.criteria if c.theme != ref.themes[0].id)
    revision = fresh.campaign(site).answer_revision(crit)
    levels = [lv.id for lv in ref.scale.levels if not lv.pending]
    saves: list[float] = []
    for i in range(max(repeat * 10, 30)):
        start = time.perf_counter()
        revision = fresh.save_answer("bench", site, crit, Answer(level=levels[i % len(levels)]), revision)
        fresh.scores(site)
        saves.append((time.perf_counter() - start) * 1000)
    bare_ms, rerun_ms = save_cpu(fresh, site, crit, levels, max(repeat * 10, 30))
    fresh.dispose()
    saves.sort()
    return {
        "backend": label,
        "answers": answers,
        "setup_s": setup,
        "cold_ms": cold,
        "warm_ms": min(warm),
        "save_median_ms": statistics.median(saves),
        "save_p95_ms": saves[int(len(saves) * 0.95) - 1],
        "bare_cpu_ms": bare_ms,
        "rerun_cpu_ms": rerun_ms,
    }


def save_cpu(store: Store, campaign: int, crit: str, levels: list[str], repeat: int) -> tuple[float, float]:
    """Median CPU ms of a bare insert + commit, and of a save with the page rerun's reads."""
    with store.db.writing() as s:
        s.execute(text("CREATE TABLE IF NOT EXISTS bench_bare (id INTEGER PRIMARY KEY, payload TEXT)"))
    actor = store.as_actor("bench")
    revision = actor.campaign(campaign).answer_revision(crit)
    bare: list[float] = []
    rerun: list[float] = []
    for i in range(repeat):
        start = time.process_time()
        with store.db.writing() as s:
            s.execute(text("INSERT INTO bench_bare (id, payload) VALUES (:i, :p)"), {"i": i, "p": f"row {i}"})
        bare.append((time.process_time() - start) * 1000)
        start = time.process_time()
        revision = actor.save_answer(campaign, crit, Answer(level=levels[i % len(levels)]), revision)
        for _ in range(3):  # the page, the score panel, one open editor
            view = actor.campaign(campaign)
        actor.scores_of(view)
        rerun.append((time.process_time() - start) * 1000)
    return statistics.median(bare), statistics.median(rerun)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--entities", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args(argv)
    ref = load_catalog().latest("label-nr")
    if ref is None:
        sys.exit("criteria/label-nr-*.yaml is missing")
    results = []
    with tempfile.TemporaryDirectory(prefix="labelnr-bench-") as tmp:
        results.append(run("SQLite", f"sqlite:///{tmp}/bench.db", Path(tmp), ref, args.entities, args.repeat))
        if not args.no_postgres:
            results.extend(_postgres(Path(tmp), ref, args.entities, args.repeat))
    print(f"{args.entities} entities × {len(PERIODS)} campaigns × {ref.key} ({len(ref.criteria)} criteria)")
    print(
        f"{'backend':<12}{'answers':>9}{'setup s':>9}{'portfolio cold ms':>19}{'warm ms':>9}"
        f"{'save+scores median ms':>23}{'p95 ms':>8}{'bare commit CPU ms':>20}{'save+rerun CPU ms':>19}"
        f"{'ratio':>7}"
    )
    for r in results:
        print(
            f"{r['backend']:<12}{r['answers']:>9}{r['setup_s']:>9.1f}{r['cold_ms']:>19.0f}{r['warm_ms']:>9.0f}"
            f"{r['save_median_ms']:>23.1f}{r['save_p95_ms']:>8.1f}{r['bare_cpu_ms']:>20.2f}"
            f"{r['rerun_cpu_ms']:>19.2f}{r['rerun_cpu_ms'] / r['bare_cpu_ms']:>6.1f}×"
        )


def _postgres(tmp: Path, ref: Referential, entities: int, repeat: int) -> list[dict[str, Any]]:
    # The throwaway server is a test tool (tests/support/), not part of the package.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests.support.pgserver import PostgresUnavailable, fresh_schema, start

    url = os.environ.get("LABELNR_BENCH_POSTGRES_URL")
    server = None
    if url is None:
        try:
            server = start()
        except PostgresUnavailable as exc:
            print(f"PostgreSQL skipped: {exc}")
            return []
        url = server.url
    try:
        return [run("PostgreSQL", fresh_schema(url), tmp / "pg", ref, entities, repeat)]
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    main(sys.argv[1:])
