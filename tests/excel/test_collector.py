"""The cyclic garbage collector paused while a workbook is built, and always turned back on."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from excel_helpers import exported, make_data

from labelnr.excel import export
from labelnr.excel.collector import collector_paused
from labelnr.loader import LoadedReferential


@pytest.fixture(autouse=True)
def _collector_on() -> Iterator[None]:
    gc.enable()
    yield
    gc.enable()


def _fail_paused() -> None:
    with collector_paused():
        assert not gc.isenabled()
        raise RuntimeError("boom")


def test_paused_inside_and_on_again_after_even_on_error() -> None:
    with pytest.raises(RuntimeError, match="boom"):
        _fail_paused()
    assert gc.isenabled()


def test_nested_blocks_turn_it_on_only_at_the_end() -> None:
    with collector_paused():
        with collector_paused():
            pass
        assert not gc.isenabled()
    assert gc.isenabled()


def test_left_off_when_it_was_off() -> None:
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled()


def test_export_runs_with_it_paused(mini: LoadedReferential, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[bool] = []
    run = export.WorkbookExport.run

    def spy(self: export.WorkbookExport) -> None:
        seen.append(gc.isenabled())
        run(self)

    monkeypatch.setattr(export.WorkbookExport, "run", spy)
    assert exported(make_data(mini)).startswith(b"PK")
    assert seen == [False]
    assert gc.isenabled()
