"""A criterion's evidence on the self-assessment page: the list, and the forms that add a
file or a link.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from labelnr.errors import LabelnrError
from labelnr.referential import EvidenceType
from labelnr.storage import CampaignView, EvidenceItem
from labelnr.ui.answer_drafts import answer_key, flash
from labelnr.ui.resources import store
from labelnr.ui.session import error_text, num, t
from labelnr.ui.widgets import plain


def evidence_list(view: CampaignView, cid: str, editable: bool) -> None:
    items = view.evidence.get(cid, ())
    if not items:
        st.caption(t("assessment.no_evidence"))
        return
    st.markdown(f"**{t('assessment.evidence')}**")
    for item in items:
        cols = st.columns([3, 1]) if editable and item.inherited_from_id is None else [st.container()]
        cols[0].markdown(_evidence_line(item))
        if len(cols) > 1:
            cols[1].button(t("assessment.remove"), key=f"rm-ev-{item.id}", on_click=_remove_evidence,
                           args=(view.id, cid, item.id),
                           help=t("assessment.remove_help", title=plain(item.title)))


def _evidence_line(item: EvidenceItem) -> str:
    kind = t(f"assessment.evidence_{item.type.value}")
    if item.kind == "link" and item.url:
        where = f" — {plain(item.url)}"
    else:
        name = "" if item.filename == item.title else f" — {plain(item.filename or '')}"
        where = f"{name} ({_size(item.size or 0)}, SHA-256 {(item.sha256 or '')[:12]}…)"
    inherited = f" · {t('assessment.status_inherited')}" if item.inherited_from_id is not None else ""
    return f"- {kind} — {plain(item.title)}{where}{inherited}"


def _size(size: int) -> str:
    if size < 1024:
        return t("assessment.bytes", size=size)
    if size < 1024 * 1024:
        return t("assessment.kilobytes", size=num(size / 1024))
    return t("assessment.megabytes", size=num(size / 1024 / 1024, 1))


def _remove_evidence(campaign: int, cid: str, evidence_id: int) -> None:
    try:
        store().remove_evidence(evidence_id)
    except LabelnrError as exc:
        flash(campaign, cid, "error", t("assessment.not_saved", reason=plain(error_text(exc))))


def _kind(key: str) -> EvidenceType:
    """The evidence type: three choices side by side (a button group, lighter than a drop-down)."""
    types = list(EvidenceType)
    label = {e: t(f"assessment.evidence_{e.value}") for e in types}
    kind = st.segmented_control(t("assessment.evidence_type"), types, format_func=label.__getitem__, key=key,
                                default=types[0], required=True)
    return kind or types[0]


def evidence_forms(campaign: int, cid: str) -> None:
    # One under the other: the editor is half the page wide.
    with st.form(key=answer_key(campaign, cid, "upload_form"), clear_on_submit=True, border=True):
        st.markdown(f"**{t('assessment.add_file')}**")
        file = st.file_uploader(t("assessment.file"), key=answer_key(campaign, cid, "file"),
                                help=t("assessment.file_help"))
        kind = _kind(answer_key(campaign, cid, "file_type"))
        if st.form_submit_button(t("assessment.attach")):
            if file is None:
                st.error(t("assessment.no_file"))
            else:
                _attach(lambda: store().add_evidence_file(campaign, cid, file.name, file.getvalue(),
                                                          kind))
    with st.form(key=answer_key(campaign, cid, "link_form"), clear_on_submit=True, border=True):
        st.markdown(f"**{t('assessment.add_link')}**")
        url = st.text_input(t("assessment.url"), key=answer_key(campaign, cid, "url"), placeholder="https://…")
        title = st.text_input(t("assessment.link_title"), key=answer_key(campaign, cid, "link_title"))
        kind = _kind(answer_key(campaign, cid, "link_type"))
        if st.form_submit_button(t("assessment.add")):
            if not url.strip() or not title.strip():
                st.error(t("assessment.link_incomplete"))
            else:
                _attach(lambda: store().add_evidence_link(campaign, cid, url.strip(), title.strip(),
                                                          kind))


def _attach(add: Any) -> None:
    try:
        add()
    except LabelnrError as exc:
        st.error(t("assessment.evidence_refused", reason=plain(error_text(exc))))
        return
    st.rerun()  # the list, the filters and the labels show the new evidence
