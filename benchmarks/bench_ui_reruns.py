"""How long the app takes to rerun each page (Streamlit AppTest, in process, no browser).

Runs the real app over a copy of the demo data (audits/*.yaml, criteria/) in a temporary
folder, then times: the first run (store opened, demo imported), a full rerun of the
self-assessment page on its campaign, a rerun with one criterion open, a change of answer
(the keyed score fragment only), and a rerun of every other page. Prints the
best of ``--repeat`` runs for each, in milliseconds.

    python benchmarks/bench_ui_reruns.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = ("plan", "dashboard", "audit", "referentials", "history", "admin")


def best(repeat: int, action: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="labelnr-bench-ui-"))
    sys.path.insert(0, str(ROOT))  # run as a script: the repository's test helpers
    from tests.support.demo import copy_demo

    audits = copy_demo(folder / "audits")
    os.environ["LABELNR_DATA_DIR"] = str(audits)
    os.environ.pop("LABELNR_DATABASE_URL", None)

    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    start = time.perf_counter()
    at.run()
    print(f"first run (store, demo import, assessment page): {(time.perf_counter() - start) * 1000:8.0f} ms")
    campaign = at.session_state["pick_campaign"]
    listing = at.button_group(key="criterion_pick")  # the chosen theme's criteria, one list
    print(f"assessment page, campaign {campaign}, {len(listing.options)} criteria listed")
    print(f"  full rerun, no criterion open:                {best(args.repeat, at.run):8.1f} ms")

    cid = str(listing.options[0]).replace("\\", "").split(" : ")[0]
    listing.set_value(cid).run()  # its editor opens, and stays open at each rerun

    print(f"  full rerun, one criterion open:               {best(args.repeat, at.run):8.1f} ms")
    radio = at.radio(key=f"a{campaign}.{cid}.level")
    levels = list(radio.options)

    def change_answer() -> None:
        radio.set_value(levels[int(time.perf_counter() * 1000) % len(levels)])
        at.run()

    print(f"  change of answer (score fragment only):       {best(args.repeat, change_answer):8.1f} ms")
    for page in PAGES:
        at.switch_page(f"labelnr/ui/pages/{page}.py")
        print(f"{page:<14} page rerun:                     {best(args.repeat, at.run):8.1f} ms")
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
