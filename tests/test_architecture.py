"""The house rules that keep the core pure: no Streamlit, no plotly outside the UI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PROBE = """
import importlib, json, pkgutil, sys
import labelnr
names = [m.name for m in pkgutil.walk_packages(labelnr.__path__, "labelnr.")
         if not m.name.startswith(("labelnr.ui", "labelnr.migrations"))]
for name in names:
    importlib.import_module(name)
loaded = sorted(m for m in ("streamlit", "plotly") if m in sys.modules)
print(json.dumps({"modules": names, "loaded": loaded}))
"""


def test_the_core_imports_neither_streamlit_nor_plotly() -> None:
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True,
                            check=True, timeout=120)
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert "labelnr.scoring" in found["modules"]
    assert "labelnr.storage.service" in found["modules"]
    assert found["loaded"] == [], f"the core pulled in {found['loaded']}"
