"""Digital services: the selected entity's services with their latest RGESN score, per family and
against the previous campaign; for a referent, creating a service, starting its RGESN campaign
and importing a CSV of answers; each service's declaration."""

from __future__ import annotations

import streamlit as st

from labelnr.errors import LabelnrError
from labelnr.services import service_rows
from labelnr.ui.resources import store
from labelnr.ui.selection import pick_entity
from labelnr.ui.service_forms import (
    create_service_form,
    csv_import,
    flash,
    service_detail,
    start_campaign_form,
)
from labelnr.ui.services_panel import services_table
from labelnr.ui.session import error_text, t
from labelnr.ui.widgets import plain


def main() -> None:
    st.title(t("services.title"))
    selection = pick_entity()  # an entity without any campaign yet may still declare its services
    if selection is None:
        return
    data = store()
    try:
        entity = data.entity(selection.entity)
        if entity.is_service and entity.parent_id is not None:  # a service picked: its entity's services
            parent = data.entity(entity.parent_id)
            st.info(t("services.of_parent", service=plain(entity.name), entity=plain(parent.name)))
            entity = parent
        st.caption(t("services.caption", entity=plain(entity.name)))
        flash()
        rows = service_rows(data, entity.id)
        if rows:
            services_table(rows)
            st.caption(t("services.rule"))
            for row in rows:
                service_detail(row)
        else:
            st.info(t("services.none", entity=plain(entity.name)))
        create_service_form(entity)
        start_campaign_form(entity, rows)
        csv_import(rows)
    except LabelnrError as exc:
        st.error(t("services.refused", reason=plain(error_text(exc))), icon=":material/error:")


main()
