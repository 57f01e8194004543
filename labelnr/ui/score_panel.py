"""The self-assessment page's score panel: a keyed fragment that a change of answer reruns
alone, scoring the campaign as the page last read it with the unsaved drafts laid over it.

It gets the campaign view the page drew from (a fragment rerun reuses it: an answer change
reads nothing from the database), shows the score as one line of text (no metric widget:
its scripts weigh more than the line) and keeps the per-theme table and the missing mandatory
criteria (each opens in the editor, named in the address) in an expander drawn only once opened.
"""

from __future__ import annotations

import streamlit as st

from labelnr.referential import Referential
from labelnr.scoring import Scores, score
from labelnr.storage import CampaignView
from labelnr.ui.answer_drafts import preview
from labelnr.ui.criterion_list import choose
from labelnr.ui.scope import Scope
from labelnr.ui.session import lang, num, t, tp
from labelnr.ui.widgets import plain, table

SCORES_FRAGMENT = "scores"


@st.fragment(key=SCORES_FRAGMENT)
def scores_panel(view: CampaignView, ref: Referential, scope: Scope) -> None:
    """The campaign ``view`` as the page read it, its referential and ``scope``: a rerun of the
    fragment alone (an answer change) reuses them."""
    answers, pending = preview(view)
    scores = score(ref, answers, view.assessment.profile, view.assessment.applicability)
    _show_scores(ref, scores, pending, scope)
    _details(view.id, ref, scores, scope)


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


def answered_count(scores: Scores, scope: Scope, ref: Referential | None = None,
                   theme: str | None = None) -> tuple[int, int]:
    """(answered, answerable), in every theme or in ``theme``: criteria made N/A by rule count
    neither as answered nor as asked."""
    answerable = [c for cid, c in scores.criteria.items() if cid not in scope.forced
                  and (theme is None or ref is None or ref.criteria_by_id[cid].theme == theme)]
    return sum(c.answered for c in answerable), len(answerable)


def _show_scores(ref: Referential, scores: Scores, pending: int, scope: Scope) -> None:
    lg = lang()
    st.header(t("assessment.score"))
    # Nothing applicable: no score at all, not 0 points (the dashboard says the same).
    points = f"{num(scores.points)} / {num(scores.total_points, 3)}" if scores.defined \
        else t("steering.score_undefined")
    answered, answerable = answered_count(scores, scope)
    st.markdown(t("assessment.score_line", points=plain(points), level=plain(_level_name(ref, scores.level)),
                  answered=f"{answered} / {answerable}"))
    st.caption(_not_answered_text(ref, scores))
    if pending:
        st.caption(tp("assessment.preview", pending))
    st.caption(tp("assessment.in_score", sum(1 for c in scores.criteria.values() if c.applicable),
                  forced=tp("assessment.forced_na", len(scope.forced)), out=num(len(scope.out))))
    for gap in scores.gaps:
        name = gap.name.get(lg)
        if gap.reached:
            st.markdown(f"✔ {t('assessment.gap_reached', level=plain(name))}")
            continue
        parts = [t("assessment.gap_points", level=plain(name), points=num(gap.points_short, 1),
                   needed=num(gap.points_needed, 3))] if gap.points_short > 0 else [
            t("assessment.gap_points_ok", level=plain(name))]
        if gap.missing_mandatory:
            # By id and title, as the dashboard and the dossier name them.
            named = [f"{cid} ({ref.criteria_by_id[cid].title.get(lg)})" if cid in ref.criteria_by_id else cid
                     for cid in gap.missing_mandatory]
            parts.append(t("assessment.gap_mandatory", ids=plain(", ".join(named))))
        for short in gap.themes_below_minimum:
            theme = ref.themes_by_id.get(short.theme)
            parts.append(t("assessment.gap_theme", theme=plain(theme.name.get(lg) if theme else short.theme),
                           percent=num(short.percent), minimum=num(short.minimum, 3)))
        st.markdown("✘ " + t("assessment.list_separator").join(parts))


def detail_key(campaign: int) -> str:
    return f"scores.detail.{campaign}"


def _details(campaign: int, ref: Referential, scores: Scores, scope: Scope) -> None:
    """Per-theme scores and each missing mandatory criterion (a click opens it), drawn once the box
    is opened."""
    key = detail_key(campaign)
    box = st.expander(t("assessment.score_details"), key=key, on_change="rerun")
    if not box.open:
        return
    lg = lang()
    with box:
        table([
            {
                t("assessment.theme"): theme.name.get(lg),
                t("assessment.theme_percent"): "—" if (ts := scores.themes[theme.id]).percent is None
                else f"{num(ts.percent)} %",
                t("assessment.points"): f"{num(ts.points)} / {num(ts.max_points)}",
                t("assessment.answered"): "{} / {}".format(*answered_count(scores, scope, ref, theme.id)),
            }
            for theme in ref.themes
        ])
        missing = list(dict.fromkeys(cid for gap in scores.gaps if not gap.reached
                                     for cid in gap.missing_mandatory if cid in ref.criteria_by_id
                                     and cid not in scope.forced and cid not in scope.out))
        if missing:
            st.markdown(f"**{t('assessment.missing_mandatory')}**")
        for cid in missing:
            crit = ref.criteria_by_id[cid]
            st.button(plain(f"{cid} — {crit.title.get(lg)}"), key=f"scores.open.{campaign}.{cid}",
                      type="tertiary", on_click=_open, args=(campaign, cid), icon=":material/arrow_forward:")


def _open(campaign: int, cid: str) -> None:
    """A missing criterion clicked: it opens in the editor (the address names it), the whole page
    drawn again (not the score fragment alone)."""
    choose(campaign, cid)
    st.rerun()
