"""Form drafts that survive reruns, page switches and a refused save.

A form's widgets are keyed ``<form>.<field>`` and take their values from session state
only. The first time a form is drawn, the stored values fill it and the revision they came
from is remembered: a save sends that revision back, so the store refuses it (naming who)
when someone else changed the item meanwhile, and what the user typed stays in the form.
A draft nobody touched follows the stored item when it changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import streamlit as st


@dataclass(frozen=True)
class _Base:
    revision: int
    values: dict[str, Any]


def draft(form: str, revision: int, values: Mapping[str, Any]) -> int:
    """The revision the form's draft started from (see the module docstring)."""
    state = st.session_state
    key = f"{form}.base"
    base = state.get(key)
    if isinstance(base, _Base) and base.revision != revision and _untouched(form, base):
        forget(form)  # nothing typed yet: show the item as it is now
        base = None
    if not isinstance(base, _Base):
        state[key] = base = _Base(revision, dict(values))
        for name, value in values.items():
            state[f"{form}.{name}"] = value
    return base.revision


def _untouched(form: str, base: _Base) -> bool:
    state = st.session_state
    return all(state.get(f"{form}.{name}", value) == value for name, value in base.values.items())


def typed(form: str) -> dict[str, Any] | None:
    """What the form's widgets hold now (``None`` before the form was first drawn)."""
    base = st.session_state.get(f"{form}.base")
    if not isinstance(base, _Base):
        return None
    state = st.session_state
    return {name: state.get(f"{form}.{name}", value) for name, value in base.values.items()}


def started_from(form: str) -> int | None:
    """The revision the form's draft started from (``None`` before the form was first drawn)."""
    base = st.session_state.get(f"{form}.base")
    return base.revision if isinstance(base, _Base) else None


def touched(form: str) -> bool:
    """Whether the user changed something in the form since its draft started."""
    base = st.session_state.get(f"{form}.base")
    return isinstance(base, _Base) and not _untouched(form, base)


def saved(form: str, revision: int, values: Mapping[str, Any]) -> None:
    """A save went through: what was saved is the new base, and the widgets keep what they show."""
    st.session_state[f"{form}.base"] = _Base(revision, dict(values))


def forget(form: str) -> None:
    """Drop a form's draft: its widgets start again from the stored values."""
    state = st.session_state
    # One name after the form's: the form of criterion ``X-1`` is not the one of ``X-1.2``.
    for key in [k for k in state if isinstance(k, str) and k.startswith(f"{form}.")
                and "." not in k[len(form) + 1:]]:
        del state[key]
