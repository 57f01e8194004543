"""Label NR Workbook: ``streamlit run app.py``. Only wires the navigation; pages live in labelnr/ui/pages."""

from pathlib import Path

import streamlit as st

from labelnr.permissions import Action
from labelnr.ui.auth import can_anywhere, gate, sidebar
from labelnr.ui.session import t

PAGES = Path(__file__).resolve().parent / "labelnr" / "ui" / "pages"


def page(name: str, default: bool = False) -> st.Page:
    # No icons: the icon font alone weighs 370 kB on every first load.
    return st.Page(PAGES / f"{name}.py", title=t(f"context.page_{name}"), url_path=name, default=default)


st.set_page_config(page_title=t("common.app_title"), page_icon="🌱", layout="wide")
sidebar()
if not gate():  # shared mode: sign in first; a signed-in user without a role is told what to do
    st.stop()
administration = [
    page("admin"),
    st.Page(PAGES / "roles.py", title=t("roles.title"), url_path="roles"),
]
# One flat list: Streamlit draws sections as non-list items inside the menu's <ul>, which
# screen readers and axe-core reject (list / listitem rules).
st.navigation([
    page("assessment", default=True),
    page("plan"),
    page("dashboard"),
    page("services"),
    page("audit"),
    page("referentials"),
    page("history"),
    *(administration if can_anywhere(Action.MANAGE) else []),
]).run()
