"""Where a page's server-side run goes: ``cProfile`` of ``app.py`` under Streamlit's AppTest.

Streamlit runs the script in a thread of its own, which ``cProfile`` started from here would
not see, so the app is run through a two-line harness script that profiles itself. Over a
copy of the demo data: the first run of a fresh process (store opened, modules imported, the
default page), then the first and a warm run of each page asked for. Prints the top functions
by cumulative and by own time.

    .venv/bin/python benchmarks/profile_pages.py [--pages plan dashboard] [--top 25]
"""

from __future__ import annotations

import argparse
import os
import pstats
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = "BENCH_PROFILE_OUT"
HARNESS = f'''import cProfile, os, runpy

out = os.environ.get({OUT!r})
profile = cProfile.Profile() if out else None
if profile:
    profile.enable()
try:
    runpy.run_path({str(ROOT / "app.py")!r}, run_name="__main__")
finally:
    if profile:
        profile.disable()
        profile.dump_stats(out)
'''


def report(path: Path, label: str, seconds: float, top: int) -> None:
    print(f"\n=== {label}: {seconds * 1000:,.0f} ms wall ===")
    stats = pstats.Stats(str(path))
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--pages", nargs="*", default=["plan"])
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="labelnr-bench-profile-"))
    sys.path.insert(0, str(ROOT))  # run as a script: the repository's test helpers
    from tests.support.demo import copy_demo

    audits = copy_demo(folder / "audits")
    os.environ["LABELNR_DATA_DIR"] = str(audits)
    os.environ.pop("LABELNR_DATABASE_URL", None)
    # As scripts/dev.py run: the demo is imported before the server starts, in another process.
    subprocess.run([sys.executable, "-c", "from labelnr.storage import open_store; open_store().dispose()"],
                   cwd=ROOT, check=True)
    harness = folder / "harness.py"
    harness.write_text(HARNESS)

    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(harness), default_timeout=300)

    def profiled(label: str) -> None:
        out = folder / f"{label.replace(' ', '-')}.prof"
        os.environ[OUT] = str(out)
        start = time.perf_counter()
        at.run()
        seconds = time.perf_counter() - start
        os.environ.pop(OUT)
        report(out, label, seconds, args.top)

    try:
        profiled("first run of the process (default page)")
        for page in args.pages:
            at.switch_page(os.path.relpath(ROOT / "labelnr" / "ui" / "pages" / f"{page}.py", folder))
            profiled(f"{page}, first run")
            profiled(f"{page}, warm rerun")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
