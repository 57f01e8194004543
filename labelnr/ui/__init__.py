"""Thin Streamlit pages over the core; shared helpers live in :mod:`labelnr.ui.context`."""
