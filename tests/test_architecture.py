"""The house rules that keep the core pure: no Streamlit, no plotly outside the UI."""

from __future__ import annotations

import json
import os
import shutil
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


def _lint_imports(root: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``lint-imports`` on the copy of ``labelnr`` under ``root``, with the contracts of pyproject.toml."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    command = [sys.executable, "-c", "import sys; from importlinter.cli import lint_imports_command as c; "
               "sys.exit(c())", "--no-cache", "--config", str(ROOT / "pyproject.toml")]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False)


def test_the_layers_and_the_absence_of_circles_hold() -> None:
    result = _lint_imports(ROOT, ROOT)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "5 kept, 0 broken" in result.stdout


def test_the_layer_contract_catches_a_store_reaching_up_into_the_ui(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "labelnr", tmp_path / "labelnr", ignore=shutil.ignore_patterns("__pycache__"))
    upkeep = tmp_path / "labelnr" / "storage" / "_upkeep.py"
    upkeep.write_text(upkeep.read_text(encoding="utf-8") + "\n\ndef _wrong() -> None:\n"
                      "    from labelnr.ui import session  # noqa: F401\n", encoding="utf-8")
    result = _lint_imports(tmp_path, tmp_path)
    assert result.returncode != 0
    assert "labelnr.storage is not allowed to import labelnr.ui" in result.stdout
    assert "labelnr.storage._upkeep -> labelnr.ui.session" in result.stdout
