"""Building or reading a large workbook with Python's cyclic garbage collector paused.

A campaign with 10,000 evidence items makes a few hundred thousand container objects that all
live until the workbook is done: the store's rows, the evidence entries, and XlsxWriter's cells
(kept in memory until ``close()``). None of them is garbage, yet each time enough objects have
been allocated the collector walks them all again: 30 to 50 % of the CPU time of reading such a
campaign and a fifth of writing its workbook (``benchmarks/bench_excel_store.py``). Reference
counting still frees everything as usual meanwhile; only cycles wait until the collector runs again.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic collector for the block; it runs again after, as it was (nesting is fine:
    only the outermost block turns it back on)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
