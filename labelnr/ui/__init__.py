"""Thin Streamlit pages over the core, and what they share.

``session`` (language, ``t``), ``widgets`` (user text, tables), ``identity`` (who works),
``resources`` (the cached catalog and store), ``auth`` (the gate, what one may do),
``selection`` (the campaign pickers and the address bar), ``drafts`` (form drafts).
"""
