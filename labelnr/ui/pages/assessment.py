"""Self-assessment: answer the criteria of a campaign, one at a time, with evidence, and watch
the score move.

What a referent works on, and nothing more, is drawn: the score (a keyed fragment that an
answer change reruns alone), one theme's criteria as a list with each one's status, and the
editor of the criterion open (the one chosen in the list, or named by the address with
``?criterion=``), with previous / next. The criteria the campaign does not ask are listed in
an expander drawn only once opened. See :mod:`labelnr.ui.criterion_list`,
:mod:`labelnr.ui.criterion_editor` and :mod:`labelnr.ui.score_panel`.
"""

from __future__ import annotations

import streamlit as st

from labelnr.errors import LabelnrError
from labelnr.permissions import Action
from labelnr.referential import Referential
from labelnr.storage import CampaignView
from labelnr.ui.auth import can
from labelnr.ui.criterion_editor import answer_text, editor
from labelnr.ui.criterion_list import criterion_list, current_criterion, filters, neighbours, sequence
from labelnr.ui.resources import store
from labelnr.ui.scope import Scope, scope_of
from labelnr.ui.score_panel import scores_panel
from labelnr.ui.selection import pick_campaign
from labelnr.ui.session import day, error_text, lang, t, tp
from labelnr.ui.widgets import plain, table


def _writable(view: CampaignView) -> bool:
    """A draft the user's role lets them answer (the store refuses the rest anyway)."""
    return view.info.editable and can(Action.ANSWER, view.info.entity_id)


def _header(ref: Referential, view: CampaignView) -> None:
    info = view.info
    st.caption(t("assessment.campaign_caption", entity=plain(view.entity.name), referential=plain(
        ref.title.get(lang())), version=plain(ref.version), period=t(f"context.period_{info.period.value}"),
        date=day(info.date), status=t(f"context.status_{info.status.value}")))
    if not info.editable:
        st.info(t("assessment.read_only", status=t(f"context.status_{info.status.value}")))
    elif not _writable(view):
        st.info(t("assessment.read_only_role"))


def _criteria(ref: Referential, view: CampaignView, scope: Scope) -> None:
    current = current_criterion(view.id, scope.answerable)
    chosen = filters(ref, view.id, current)
    walk = sequence(ref, view, scope.answerable, chosen, current)
    listing, detail = st.columns(2, gap="medium")
    with listing:
        criterion_list(ref, view, walk, chosen, len(scope.answerable), current)
    with detail:
        if current is None:
            st.caption(t("assessment.choose_criterion"))
        else:
            editor(view, ref, current, _writable(view), neighbours(walk, current))


def _not_asked(ref: Referential, view: CampaignView, scope: Scope) -> None:
    """Criteria the page does not ask: N/A by rule (an answer they hold is ignored) and out of scope,
    drawn once their expander is opened."""
    if not scope.forced and not scope.out:
        return
    box = st.expander(t("assessment.not_asked", forced=tp("assessment.forced_na", len(scope.forced)),
                        out=len(scope.out)),
                      key=f"not_asked.{view.id}", on_change="rerun")
    if not box.open:
        return
    lg = lang()
    with box:
        if scope.forced:
            st.subheader(t("assessment.forced_title", count=len(scope.forced)))
            st.caption(t("assessment.forced_help"))
            table([{t("assessment.col_criterion"): cid,
                    t("assessment.col_title"): ref.criteria_by_id[cid].title.get(lg),
                    t("assessment.col_reason"): reason,
                    t("assessment.col_ignored"): _ignored(ref, view, cid)}
                   for cid, reason in scope.forced.items()])
        if scope.out:
            st.subheader(t("assessment.out_title", count=len(scope.out)))
            st.caption(t("assessment.out_help"))
            table([{t("assessment.col_criterion"): cid,
                    t("assessment.col_title"): ref.criteria_by_id[cid].title.get(lg),
                    t("assessment.col_reason"): reason}
                   for cid, reason in scope.out.items()])


def _ignored(ref: Referential, view: CampaignView, cid: str) -> str:
    answer = view.effective.get(cid)
    if answer is None:
        return "—"
    text = answer_text(ref, answer)
    source = view.sources.get(cid)
    if source is not None and source.inherited:
        text += f" · {t('assessment.status_inherited_from', entity=source.entity_name)}"
    return text


def main() -> None:
    st.title(t("assessment.title"))
    selection = pick_campaign()
    if selection is None:
        return
    data = store()
    try:
        view = data.campaign(selection.campaign)
        ref = data.referential(view.info.referential_id, view.info.referential_version)
    except LabelnrError as exc:
        st.error(t("assessment.cannot_open", reason=plain(error_text(exc))))
        return
    _header(ref, view)
    scope = scope_of(ref, view)
    scores_panel(view, ref, scope)
    _criteria(ref, view, scope)
    _not_asked(ref, view, scope)


main()
