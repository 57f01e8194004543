"""The committee's dossier (PDF) on the audit and dashboard pages: made on click, then downloaded.

Compiling takes about a second, so it is never done on a rerun: the button prepares the PDF,
kept in the session with the campaign's revision, and the download appears beside it until
the campaign changes again.
"""

from __future__ import annotations

import streamlit as st

from labelnr.errors import LabelnrError
from labelnr.report import PDF_MIME, file_name
from labelnr.storage import CampaignInfo
from labelnr.ui.resources import store
from labelnr.ui.session import error_text, lang, t
from labelnr.ui.widgets import plain


def _prepare(info: CampaignInfo, organisation: bool) -> bytes:
    from labelnr.excel.from_store import workbook
    from labelnr.report import campaign_pdf, organisation_pdf

    if not organisation:
        return campaign_pdf(workbook(store(), info.id, lang()))
    from labelnr.report.organisation import organisation_data

    found = organisation_data(store(), info.organisation_id, lang(), campaign_id=info.id)
    for entity, _why in found.skipped:
        st.warning(t("report.ui_entity_skipped", entity=plain(entity)), icon=":material/lock:")
    return organisation_pdf(found.items, lang())


def dossier_download(info: CampaignInfo, organisation: bool = False) -> None:
    """A "prepare the dossier" button, then the PDF's download button (named after the campaign)."""
    scope = "org" if organisation else "campaign"
    key = f"report.pdf.{scope}.{info.id}"
    ready = st.session_state.get(key)
    stamp = (info.revision, lang())
    label = t("report.ui_prepare_org") if organisation else t("report.ui_prepare")
    if st.button(label, key=f"{key}.prepare", icon=":material/picture_as_pdf:"):
        try:
            with st.spinner(t("report.ui_preparing")):
                ready = (stamp, _prepare(info, organisation))
        except LabelnrError as exc:
            st.error(t("report.ui_failed", reason=plain(error_text(exc))), icon=":material/error:")
            return
        st.session_state[key] = ready
    if not isinstance(ready, tuple) or ready[0] != stamp:
        return  # nothing prepared yet, or prepared before the campaign (or the language) changed
    entity = info.organisation_id if organisation else info.entity_id
    name = file_name(entity, info.period.value, info.date.isoformat())
    st.download_button(t("report.ui_download"), ready[1], file_name=name, mime=PDF_MIME,
                       key=f"{key}.download", on_click="ignore", icon=":material/download:", type="primary")


def declaration_download(info: CampaignInfo) -> None:
    """For a campaign on an RGESN-shaped grid: prepare, then download, the service's declaration."""
    from labelnr.excel.from_store import workbook
    from labelnr.report.declaration import declaration_pdf, shape_problems
    from labelnr.report.declaration import file_name as declaration_name

    if shape_problems(store().referential(info.referential_id, info.referential_version)):
        return  # a label campaign: the committee's dossier is its document
    key = f"report.declaration.{info.id}"
    ready = st.session_state.get(key)
    stamp = (info.revision, lang())
    if st.button(t("report.ui_prepare_declaration"), key=f"{key}.prepare", icon=":material/eco:"):
        try:
            with st.spinner(t("report.ui_preparing")):
                ready = (stamp, declaration_pdf(workbook(store(), info.id, lang())))
        except LabelnrError as exc:
            st.error(t("report.ui_failed", reason=plain(error_text(exc))), icon=":material/error:")
            return
        st.session_state[key] = ready
    if not isinstance(ready, tuple) or ready[0] != stamp:
        return
    st.download_button(t("report.ui_download_declaration"), ready[1],
                       file_name=declaration_name(info.entity_id, info.date), mime=PDF_MIME,
                       key=f"{key}.download", on_click="ignore", icon=":material/download:", type="primary")
