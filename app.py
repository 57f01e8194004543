"""Label NR Workbook: ``streamlit run app.py``. Only wires the navigation; pages live in labelnr/ui/pages."""

from pathlib import Path

import streamlit as st

from labelnr.permissions import Action
from labelnr.ui.auth import can_anywhere, gate
from labelnr.ui.context import sidebar, t

PAGES = Path(__file__).resolve().parent / "labelnr" / "ui" / "pages"


def page(name: str, icon: str, default: bool = False) -> st.Page:
    return st.Page(PAGES / f"{name}.py", title=t(f"context.page_{name}"), icon=icon, url_path=name,
                   default=default)


st.set_page_config(page_title=t("common.app_title"), page_icon=":material/eco:", layout="wide")
sidebar()
if not gate():  # shared mode: sign in first; a signed-in user without a role is told what to do
    st.stop()
administration = [
    page("admin", ":material/settings:"),
    st.Page(PAGES / "roles.py", title=t("roles.title"), icon=":material/group:", url_path="roles"),
]
# One flat list: Streamlit draws sections as non-list items inside the menu's <ul>, which
# screen readers and axe-core reject (list / listitem rules).
st.navigation([
    page("assessment", ":material/checklist:", default=True),
    page("plan", ":material/event_upcoming:"),
    page("dashboard", ":material/monitoring:"),
    page("audit", ":material/fact_check:"),
    page("referentials", ":material/menu_book:"),
    page("history", ":material/history:"),
    *(administration if can_anywhere(Action.MANAGE) else []),
]).run()
