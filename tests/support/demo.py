"""The repository's demo assessments (``audits/*.yaml``) copied into a throwaway data folder."""

from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "audits"


def copy_demo(folder: Path) -> Path:
    """``folder`` (made if needed) with a copy of every demo file; the store imports them when opened."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in DEMO.glob("*.yaml"):
        shutil.copy(path, folder)
    return folder
