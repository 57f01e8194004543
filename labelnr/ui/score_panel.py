"""The self-assessment page's score panel: a keyed fragment that a change of answer reruns
alone, scoring the saved answers with the unsaved drafts laid over them.
"""

from __future__ import annotations

import streamlit as st

from labelnr.referential import Referential
from labelnr.scoring import Scores, score
from labelnr.ui.answer_drafts import preview
from labelnr.ui.resources import store
from labelnr.ui.scope import Scope, scope_of
from labelnr.ui.session import lang, num, t, tp
from labelnr.ui.widgets import plain, table

SCORES_FRAGMENT = "scores"


@st.fragment(key=SCORES_FRAGMENT)
def scores_panel(campaign: int) -> None:
    data = store()
    view = data.campaign(campaign)
    ref = data.referential(view.info.referential_id, view.info.referential_version)
    answers, pending = preview(view)
    scores = score(ref, answers, view.assessment.profile, view.assessment.applicability)
    _show_scores(ref, scores, pending, scope_of(ref, view))


def _level_name(ref: Referential, level: int) -> str:
    found = next((lv for lv in ref.scoring.levels if lv.level == level), None)
    return found.name.get(lang()) if found else t("assessment.no_level")


def _not_answered_text(ref: Referential, scores: Scores) -> str:
    """The criteria not answered yet, each pending answer apart ("in progress" is not "to assess")."""
    counts = scores.pending_counts()
    parts = [t("assessment.count_of", label=lv.label.get(lang()), count=counts.get(lv.id, 0))
             for lv in ref.scale.levels if lv.pending]
    parts.append(t("assessment.count_of", label=t("assessment.unanswered_label"), count=scores.unanswered))
    return " · ".join(parts)


def _show_scores(ref: Referential, scores: Scores, pending: int, scope: Scope) -> None:
    lg = lang()
    st.header(t("assessment.score"))
    if pending:
        st.caption(tp("assessment.preview", pending))
    cols = st.columns(3)
    # Nothing applicable: no score at all, not 0 points (the dashboard says the same).
    cols[0].metric(t("assessment.points"), f"{num(scores.points)} / {num(scores.total_points, 3)}"
                   if scores.defined else t("steering.score_undefined"))
    cols[1].metric(t("assessment.level_reached"), _level_name(ref, scores.level))
    # Criteria made N/A by rule are not answerable: they count neither as answered nor as asked.
    answerable = [c for cid, c in scores.criteria.items() if cid not in scope.forced]
    cols[2].metric(t("assessment.answered"), f"{sum(c.answered for c in answerable)} / {len(answerable)}")
    cols[2].caption(_not_answered_text(ref, scores))
    st.caption(tp("assessment.in_score", sum(1 for c in scores.criteria.values() if c.applicable),
                  forced=tp("assessment.forced_na", len(scope.forced)), out=num(len(scope.out))))
    for gap in scores.gaps:
        name = gap.name.get(lg)
        if gap.reached:
            st.markdown(f"✔ {t('assessment.gap_reached', level=name)}")
            continue
        parts = [t("assessment.gap_points", level=name, points=num(gap.points_short, 1),
                   needed=num(gap.points_needed, 3))] if gap.points_short > 0 else [
            t("assessment.gap_points_ok", level=name)]
        if gap.missing_mandatory:
            # By id and title, as the dashboard and the dossier name them.
            named = [f"{cid} ({ref.criteria_by_id[cid].title.get(lg)})" if cid in ref.criteria_by_id else cid
                     for cid in gap.missing_mandatory]
            parts.append(t("assessment.gap_mandatory", ids=plain(", ".join(named))))
        for short in gap.themes_below_minimum:
            theme = ref.themes_by_id.get(short.theme)
            parts.append(t("assessment.gap_theme", theme=theme.name.get(lg) if theme else short.theme,
                           percent=num(short.percent), minimum=num(short.minimum, 3)))
        st.markdown("✘ " + t("assessment.list_separator").join(parts))
    table([
        {
            t("assessment.theme"): theme.name.get(lg),
            t("assessment.theme_percent"): "—" if (ts := scores.themes[theme.id]).percent is None
            else f"{num(ts.percent)} %",
            t("assessment.points"): f"{num(ts.points)} / {num(ts.max_points)}",
            t("assessment.answered"): f"{ts.answered} / {ts.in_scope}",
        }
        for theme in ref.themes
    ])
