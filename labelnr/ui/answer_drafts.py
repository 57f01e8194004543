"""A criterion's answer on the self-assessment page as a draft (:mod:`labelnr.ui.drafts`):
its widget values, what the drafts make of the campaign's answers, and the message shown
under the criterion after a save.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from labelnr.assessment import Answer, NotApplicable
from labelnr.storage import CampaignView
from labelnr.ui.drafts import draft, touched, typed

NA_REASON = "declared"


def answer_key(campaign: int, cid: str, name: str) -> str:
    return f"a{campaign}.{cid}.{name}"


def answer_values(answer: Answer | None) -> dict[str, Any]:
    """An answer as the editor's widget values."""
    na = answer.not_applicable if answer else None
    return {
        "level": answer.level if answer else None,
        "na": na is not None,
        "just": na.justification if na else "",
        "comment": (answer.comment or "") if answer else "",
        "owner": (answer.owner or "") if answer else "",
    }


def answer_form(campaign: int, cid: str) -> str:
    """The criterion's form for :mod:`labelnr.ui.drafts` (widgets keyed ``a<campaign>.<cid>.<field>``)."""
    return f"a{campaign}.{cid}"


def open_draft(view: CampaignView, cid: str) -> None:
    """Start the criterion's draft from the stored answer (the score panel previews it from then on)."""
    draft(answer_form(view.id, cid), view.answer_revision(cid),
          answer_values(view.assessment.answers.get(cid)))
    opened: set[str] = st.session_state.setdefault(f"a{view.id}.opened", set())
    opened.add(cid)


def blank(values: dict[str, Any]) -> bool:
    return values["level"] is None and not values["na"] and not values["comment"] and not values["owner"]


def to_answer(values: dict[str, Any]) -> Answer:
    """Widget values as an answer (a N/A without justification gets a placeholder for previews)."""
    na = None
    if values["na"]:
        na = NotApplicable(reason=NA_REASON, justification=values["just"].strip() or "…")
    return Answer(
        level=None if na else values["level"],
        not_applicable=na,
        comment=values["comment"].strip() or None,
        owner=values["owner"].strip() or None,
    )


def preview(view: CampaignView) -> tuple[dict[str, Answer], int]:
    """Effective answers with the unsaved drafts laid over them, and how many drafts there are."""
    answers = dict(view.effective)
    pending = 0
    for cid in st.session_state.get(f"a{view.id}.opened", set()):
        if not touched(answer_form(view.id, cid)):
            continue
        pending += 1
        values = typed(answer_form(view.id, cid))
        if values is None:
            continue
        if blank(values):
            answers.pop(cid, None)
            inherited = view.sources.get(cid)
            if inherited is not None and inherited.inherited:
                answers[cid] = view.effective[cid]
        else:
            answers[cid] = to_answer(values)
    return answers, pending


def flash(campaign: int, cid: str, kind: str, text: str) -> None:
    st.session_state[answer_key(campaign, cid, "flash")] = (kind, text)
