"""A label criterion's RGESN coverage by the entity's digital services, in its editor.

Each service counts with its latest campaign on the crosswalk's target grid. The proposed
answer is only offered: the button puts it in the criterion's draft, never saves it.
"""

from __future__ import annotations

import streamlit as st

from labelnr.coverage import Coverage, coverage
from labelnr.referential import Referential
from labelnr.services import crosswalk_from, latest_assessments
from labelnr.storage.views import CampaignView
from labelnr.ui.answer_drafts import answer_key
from labelnr.ui.resources import store
from labelnr.ui.session import day, lang, num, t
from labelnr.ui.widgets import plain


def coverage_of(view: CampaignView, ref: Referential, cid: str) -> tuple[Coverage, Referential] | None:
    """The criterion's coverage and the services' grid, or None when no crosswalk links the
    criterion or no service is assessed."""
    data = store()
    walk = crosswalk_from(data.catalog, ref)
    if walk is None or not walk.links_from(cid):
        return None
    target = data.referential(walk.target.id, walk.target.version)
    services = latest_assessments(data, view.info.entity_id, target)
    return (coverage(walk, ref, target, cid, services), target) if services else None


def status_label(grid: Referential, level: str | None, lg: str) -> str:
    """A service grid's status in words (``–``: not answered)."""
    found = grid.scale.level(level) if level else None
    return found.label.get(lg) if found else (level or t("coverage.status_none"))


def _take(campaign: int, cid: str, level: str) -> None:
    # Runs before the next run draws the widgets: the draft shows the level, unsaved.
    st.session_state[answer_key(campaign, cid, "level")] = level
    st.session_state[answer_key(campaign, cid, "na")] = False


def coverage_panel(view: CampaignView, ref: Referential, cid: str, editable: bool = True) -> None:
    """The services' RGESN coverage of ``cid`` and the proposed answer (a click takes it into the draft)."""
    covered = coverage_of(view, ref, cid)
    if covered is None:
        return
    found, grid = covered
    lg = lang()
    with st.container(border=True):
        st.markdown(f"**{t('coverage.ui_title')}**")
        for s in found.services:
            score = t("coverage.ui_no_score") if s.score is None else f"{num(s.score, 1)} %"
            statuses = ", ".join(t("coverage.ui_status", criterion=plain(c.criterion),
                                   status=plain(status_label(grid, c.status, lg))) for c in s.statuses)
            st.markdown(t("coverage.ui_service", service=plain(s.name), date=day(s.date), score=score,
                          statuses=statuses))
        st.caption(found.proposal.text(lg))
        level = found.proposal.level
        if level is not None and editable:
            label = next((lv.label.get(lg) for lv in ref.scale.levels if lv.id == level), level)
            st.button(t("coverage.ui_take", level=label), key=f"a{view.id}.{cid}.coverage.take",
                      on_click=_take, args=(view.id, cid, level), icon=":material/input:")
