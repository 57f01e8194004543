"""A label criterion's RGESN coverage by the entity's digital services, in its editor.

Each service counts with its latest campaign on the crosswalk's target grid. The proposed
answer is only offered: the button puts it in the criterion's draft, never saves it.
"""

from __future__ import annotations

import streamlit as st

from labelnr.coverage import Coverage, ServiceAssessment, coverage, service_assessment
from labelnr.crosswalk import Crosswalk, load_crosswalks
from labelnr.loader import Catalog
from labelnr.referential import Referential
from labelnr.storage.views import CampaignView
from labelnr.ui.answer_drafts import answer_key
from labelnr.ui.resources import store
from labelnr.ui.session import lang, t
from labelnr.ui.widgets import plain


@st.cache_resource(show_spinner=False)
def _crosswalks(_catalog: Catalog, keys: tuple[str, ...]) -> list[Crosswalk]:
    return load_crosswalks(_catalog)[0]


def _walk(ref: Referential) -> Crosswalk | None:
    catalog = store().catalog
    walks = _crosswalks(catalog, tuple(r.key for r in catalog.referentials))
    return next((w for w in walks if w.source.key == ref.key), None)


def _services(view: CampaignView, target: Referential) -> list[ServiceAssessment]:
    """Each service under the campaign's entity, with its latest campaign on ``target``."""
    data = store()
    found: list[ServiceAssessment] = []
    for service in data.services(view.info.entity_id):
        held = [c for c in data.campaigns(service.id) if c.referential_key == target.key]
        if held:
            latest = max(held, key=lambda c: (c.date, c.id))
            found.append(service_assessment(service.name, target, data.campaign(latest.id).assessment))
    return found


def coverage_of(view: CampaignView, ref: Referential, cid: str) -> Coverage | None:
    """The criterion's coverage, or None when no crosswalk links it or no service is assessed."""
    walk = _walk(ref)
    if walk is None or not walk.links_from(cid):
        return None
    target = store().referential(walk.target.id, walk.target.version)
    services = _services(view, target)
    return coverage(walk, ref, target, cid, services) if services else None


def _take(campaign: int, cid: str, level: str) -> None:
    # Runs before the next run draws the widgets: the draft shows the level, unsaved.
    st.session_state[answer_key(campaign, cid, "level")] = level
    st.session_state[answer_key(campaign, cid, "na")] = False


def coverage_panel(view: CampaignView, ref: Referential, cid: str, editable: bool = True) -> None:
    """The services' RGESN coverage of ``cid`` and the proposed answer (a click takes it into the draft)."""
    found = coverage_of(view, ref, cid)
    if found is None:
        return
    lg = lang()
    with st.container(border=True):
        st.markdown(f"**{t('coverage.ui_title')}**")
        for s in found.services:
            score = t("coverage.ui_no_score") if s.score is None else f"{s.score:.0f} %"
            statuses = ", ".join(f"{c.criterion} : {plain(c.status or '–')}" for c in s.statuses)
            st.markdown(t("coverage.ui_service", service=plain(s.name), date=s.date.isoformat(), score=score,
                          statuses=statuses))
        st.caption(found.proposal.text(lg))
        level = found.proposal.level
        if level is not None and editable:
            label = next((lv.label.get(lg) for lv in ref.scale.levels if lv.id == level), level)
            st.button(t("coverage.ui_take", level=label), key=f"a{view.id}.{cid}.coverage.take",
                      on_click=_take, args=(view.id, cid, level), icon=":material/input:")
