"""How the organisation dashboard scales: the page (Streamlit AppTest, in process) and its pure parts.

For each size (``--sizes 10 100 500``) builds an organisation of that many entities in a
temporary SQLite store (the current referential, 4 campaigns each, as benchmarks/bench_store.py
does) with targets and commitments on every year-3 campaign, then times:

- **bare page** — an AppTest of a page that only writes a title: Streamlit's own cost, the
  baseline every other figure is divided by (measured in the same run);
- **page, first** — the dashboard page, organisation scope, on a cold cache (a new data
  revision: what the first viewer after any save waits for);
- **page, rerun** — the same page again (the cached portfolio: any widget click);
- **read + summary** — ``Store.portfolio_plans`` and ``labelnr.organisation.summarise`` alone.

Times are CPU seconds of the process, best of ``--repeat``.

    python benchmarks/bench_dashboard.py [--sizes 10 100 500] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_store import ORG, populate  # noqa: E402
from sqlalchemy import insert  # noqa: E402

from labelnr.loader import load_catalog  # noqa: E402
from labelnr.organisation import summarise  # noqa: E402
from labelnr.portfolio import CompiledReferential  # noqa: E402
from labelnr.referential import Referential  # noqa: E402
from labelnr.storage import Store, open_store  # noqa: E402
from labelnr.storage.models import CommitmentRow, TargetRow, utcnow  # noqa: E402

BARE = "import streamlit as st\nst.title('bare')\n"


def plan(store: Store, ref: Referential, seed: int = 11) -> None:
    """Targets (8 criteria) and 3 commitments on every year-3 campaign, bulk-inserted."""
    rng = random.Random(seed)
    levels = [lv.id for lv in ref.scale.levels if not lv.pending]
    year3 = [r.campaign.id for r in store.portfolio(ORG) if r.campaign.period.value == "year3"]
    now = utcnow()
    targets, commitments = [], []
    for cid in year3:
        for crit in rng.sample(ref.criteria, 8):
            targets.append({"campaign_id": cid, "criterion_id": crit.id, "year": rng.randint(1, 3),
                            "level": rng.choice(levels)})
        for i in range(3):
            crit = rng.choice(ref.criteria)
            commitments.append({"campaign_id": cid, "position": i, "revision": 1, "updated_at": now,
                                "updated_by": "bench", "data": {
                                    "title": f"Engagement {i}", "criterion": crit.id,
                                    "target_level": rng.choice(levels), "target_year": i + 1,
                                    "status": rng.choice(["planned", "done", "in_progress"]),
                                    "due": f"{2025 + i}-06-30"}})
    with store.db.writing() as s:
        s.execute(insert(TargetRow), targets)
        s.execute(insert(CommitmentRow), commitments)


def timed(action: Callable[[], object]) -> float:
    """CPU seconds of this process (AppTest runs the page in a thread of it): on a machine shared
    with other work, wall time swings threefold while CPU time holds."""
    start = time.process_time()
    action()
    return time.process_time() - start


def measure(size: int, repeat: int) -> dict[str, float]:
    from streamlit.testing.v1 import AppTest

    catalog = load_catalog()
    ref = catalog.latest("label-nr")
    assert ref is not None
    with tempfile.TemporaryDirectory(prefix="labelnr-bench-dash-") as tmp:
        folder = Path(tmp)
        store = open_store(data_dir=folder, catalog=catalog, import_demo=False)
        populate(store, ref, size)
        plan(store, ref)
        os.environ["LABELNR_DATA_DIR"] = str(folder)
        os.environ.pop("LABELNR_DATABASE_URL", None)

        bare = AppTest.from_string(BARE, default_timeout=600)
        bare.run()
        bare_s = min(timed(bare.run) for _ in range(repeat))

        year3 = next(r.campaign for r in store.portfolio(ORG)
                     if r.entity.id == "group" and r.campaign.period.value == "year3")
        def read_and_summarise() -> None:
            store._plans.clear()  # measure the read, not the store's per-revision memo
            summarise(CompiledReferential.of(ref), store.portfolio_plans(ORG), year3)

        read = min(timed(read_and_summarise) for _ in range(repeat))

        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
        at.run()
        at.switch_page("labelnr/ui/pages/dashboard.py").run()
        at.sidebar.selectbox(key="pick_campaign").set_value(year3.id).run()
        firsts, reruns = [], []
        for i in range(repeat):
            # A save elsewhere in the organisation: a new data revision, so a cold cache.
            store.rename("bench", "site-0001" if size > 10 else "dept-1", f"renamed {i}")
            at.segmented_control(key="dashboard.scope").set_value("organisation")
            firsts.append(timed(at.run))
            reruns.append(timed(at.run))
        assert not at.exception, [e.value for e in at.exception]
        # The key figures' table: "| Entités | Points moyens | … |", its rule, then the values.
        figures = next(m.value for m in at.markdown if m.value.startswith("| Entités |"))
        entities = figures.splitlines()[2].split("|")[1].strip()
        assert entities == str(size), entities
        store.dispose()
    return {"bare": bare_s, "first": min(firsts), "rerun": min(reruns), "read": read}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 500])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"{'entities':>8} {'bare page ms':>13} {'page first ms':>14} {'× bare':>7} {'rerun ms':>9} "
          f"{'× bare':>7} {'read+summary ms':>16} {'first ms / entity':>18}")
    for size in args.sizes:
        r = measure(size, args.repeat)
        print(f"{size:>8} {r['bare'] * 1000:>13.0f} {r['first'] * 1000:>14.0f} "
              f"{r['first'] / r['bare']:>7.1f} "
              f"{r['rerun'] * 1000:>9.0f} {r['rerun'] / r['bare']:>7.1f} {r['read'] * 1000:>16.0f} "
              f"{r['first'] * 1000 / size:>18.2f}")
    if hasattr(os, "getloadavg"):
        print(f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
