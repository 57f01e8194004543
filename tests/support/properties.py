"""Hypothesis profiles: ``quick`` for local runs (the default), ``full`` in CI (tests/conftest.py picks).

A test asks for ``examples(n)``: ``n`` examples under the full profile, a fifth of them under the
quick one, so that its own proportion to the others is kept.
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings

FULL = 100
QUICK = 20


def register_profiles() -> None:
    # Generated referentials take their time to score on a loaded machine: no deadline.
    for name, count in (("full", FULL), ("quick", QUICK)):
        settings.register_profile(name, max_examples=count, deadline=None,
                                  suppress_health_check=[HealthCheck.too_slow])


def examples(full: int) -> int:
    """``full`` examples under the full profile, as many fewer as the loaded profile has."""
    return max(1, full * settings.default.max_examples // FULL)
