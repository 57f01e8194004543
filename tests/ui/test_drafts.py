"""Form drafts (labelnr.ui.drafts): forgetting one form leaves every other form's draft alone."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def _forget_the_first_of_two_nested_ids() -> None:
    import streamlit as st

    from labelnr.ui.drafts import draft, forget

    draft("a1.X-1", 3, {"level": "low"})
    draft("a1.X-1.2", 5, {"level": "full"})
    st.session_state["a1.X-1.2.level"] = "partial"  # typed, not saved
    if not st.session_state.get("done"):
        st.session_state["done"] = True
        forget("a1.X-1")


def test_forgetting_a_form_keeps_the_draft_of_a_form_whose_name_it_prefixes() -> None:
    at = AppTest.from_function(_forget_the_first_of_two_nested_ids, default_timeout=30).run()

    assert not at.exception, [e.value for e in at.exception]
    assert "a1.X-1.level" not in at.session_state
    assert "a1.X-1.base" not in at.session_state
    assert at.session_state["a1.X-1.2.level"] == "partial"
    assert "a1.X-1.2.base" in at.session_state
