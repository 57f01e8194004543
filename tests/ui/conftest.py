"""AppTest fixtures: the app over a temporary data folder filled with the UI-test demo data.

``tests/ui/data/criteria`` holds two versions of a small referential and
``tests/ui/data/audits`` two demo assessments (a group and one of its sites, so that
inherited answers show). Each test gets its own copy, database and evidence folder.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from labelnr.loader import load_catalog
from labelnr.storage import Store, open_store
from tests.support.demo import copy_demo

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "data"
APP = ROOT / "app.py"
PAGES = "labelnr/ui/pages"


@pytest.fixture(autouse=True)
def full_error_details() -> Iterator[None]:
    """.streamlit/config.toml hides error details from users; tests need them to say what broke."""
    from streamlit import config

    before = config.get_option("client.showErrorDetails")
    config.set_option("client.showErrorDetails", "full")
    yield
    config.set_option("client.showErrorDetails", before)


@pytest.fixture
def data_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """(criteria folder, data folder) copied from tests/ui/data, set in the environment."""
    criteria = tmp_path / "criteria"
    audits = tmp_path / "audits"
    shutil.copytree(DATA / "criteria", criteria)
    shutil.copytree(DATA / "audits", audits)
    monkeypatch.setenv("LABELNR_CRITERIA_DIR", str(criteria))
    monkeypatch.setenv("LABELNR_DATA_DIR", str(audits))
    monkeypatch.delenv("LABELNR_DATABASE_URL", raising=False)
    return criteria, audits


@pytest.fixture
def demo_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The repository's referentials and demo assessments (audits/), in a temporary data folder."""
    audits = copy_demo(tmp_path / "audits")
    monkeypatch.setenv("LABELNR_CRITERIA_DIR", str(ROOT / "criteria"))
    monkeypatch.setenv("LABELNR_DATA_DIR", str(audits))
    monkeypatch.delenv("LABELNR_DATABASE_URL", raising=False)
    return audits


def open_app(page: str | None = None, lang: str | None = None) -> AppTest:
    """The whole app (app.py) on ``page`` (a file name under labelnr/ui/pages), run once."""
    at = AppTest.from_file(str(APP), default_timeout=30)
    if lang is not None:
        at.session_state["lang"] = lang
    at.run()
    if page is not None:
        at.switch_page(f"{PAGES}/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def texts(at: AppTest) -> str:
    """Every text the run produced (markdown, captions, alerts, headings, metrics, tables)."""
    parts: list[str] = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning", "error",
                 "success", "text"):
        parts.extend(str(e.value) for e in getattr(at, kind))
    parts.extend(f"{m.label} {m.value}" for m in at.metric)
    for table in (*at.table, *at.dataframe):
        parts.append(table.value.to_string())
    return unescape("\n".join(parts))


def unescape(markdown: str) -> str:
    """Text typed by users and referential texts are Markdown-escaped by the pages: undo it."""
    return re.sub(r"\\(.)", r"\1", markdown)


def tables(at: AppTest) -> list[list[dict[str, str]]]:
    """The Markdown tables drawn by ``labelnr.ui.widgets.table``, as rows of unescaped cells."""
    found: list[list[dict[str, str]]] = []
    for element in at.markdown:
        lines = element.value.splitlines()
        if len(lines) < 2 or not lines[0].startswith("| ") or not re.fullmatch(r"\|( --- \|)+", lines[1]):
            continue
        cells = [[unescape(c.strip()) for c in re.split(r"(?<!\\)\|", line)[1:-1]] for line in lines]
        header = cells[0]
        found.append([dict(zip(header, row, strict=True)) for row in cells[2:]])
    return found


def metric(at: AppTest, label: str) -> str:
    """The value of the metric labelled ``label``."""
    return next(str(m.value) for m in at.metric if m.label == label)


def table(at: AppTest, column: str) -> pd.DataFrame:
    """The first table (dataframe) of the page with this column."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


@pytest.fixture
def other(data_dirs: tuple[Path, Path]) -> Store:
    """A second store on the same database: another user, another process."""
    criteria, audits = data_dirs
    return open_store(data_dir=audits, catalog=load_catalog([criteria]))


def popovers(block: object) -> list[Any]:
    """Every popover under ``block``, however deep (in columns, containers)."""
    found = []
    for child in getattr(block, "children", {}).values():
        if child.type == "popover":
            found.append(child)
        found.extend(popovers(child))
    return found
