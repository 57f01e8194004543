"""Opening the store, reading a campaign and saving an answer does not import pandas: it costs
seconds at a process's start, and only the portfolio reads (dashboard, plan) need it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import sys
from pathlib import Path
from labelnr.assessment import Answer
from labelnr.storage import open_store

with open_store(sys.argv[1], Path(sys.argv[2]), import_demo=True) as store:
    org = store.organisations()[0]
    entity = store.entity_tree(org.id)[0]
    campaign = store.campaigns(entity.id)[0]
    view = store.campaign(campaign.id)
    store.scores_of(view)
    criterion = store.referential_of(campaign.id).criteria[0].id
    level = store.referential_of(campaign.id).scale.levels[0].id
    store.save_answer("test", campaign.id, criterion, Answer(level=level), view.answer_revision(criterion))
    store.scores(campaign.id)
    print(sorted(m for m in ("pandas", "numpy", "pyarrow") if m in sys.modules))
    store.portfolio(org.id)
    print(sorted(m for m in ("pandas", "numpy", "pyarrow") if m in sys.modules))
"""


def test_a_campaign_is_read_and_saved_without_pandas(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'labelnr.db'}"
    shutil.copytree(ROOT / "audits", tmp_path / "data", ignore=shutil.ignore_patterns("*.db*"))
    done = subprocess.run([sys.executable, "-c", SCRIPT, url, str(tmp_path / "data")], cwd=ROOT,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    before, after = done.stdout.splitlines()
    assert before == "[]"
    assert "pandas" in after  # the portfolio still reads through it
