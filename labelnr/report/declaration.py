"""The RGESN declaration a public body publishes for one digital service.

What it states (the official declaration's content): the service, the date, the referential
version, the score overall and per family by the official rule (Σ weights of the validated
criteria ÷ Σ weights of every applicable one, "in progress" and "to assess" in the
denominator), every criterion not validated with its planned action, who and by when, and
every criterion declared not applicable with its justification.

The numbers are those of :mod:`labelnr.scoring` (one rule for every page); the planned
actions are the plan's commitments linked to the criterion. Built from the same
:class:`~labelnr.excel.model.WorkbookData` as the dossier (a stored campaign through the
store's ``workbook`` read, or an interchange file). Nothing here writes anything.

Any referential *shaped* like the RGESN qualifies (a status scale with a "validated" status,
weights by priority on every criterion, one pooled score over the families): the test reads
the referential's data, never its id.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from labelnr.assessment import Commitment, CommitmentStatus
from labelnr.errors import LabelnrError, Msg
from labelnr.excel.model import WorkbookData, row_values
from labelnr.i18n import Lang, Translator, catalog, priority_label
from labelnr.referential import Referential, Text
from labelnr.report import fmt
from labelnr.scoring import TOLERANCE, CriterionScore
from labelnr.trajectory import PERIOD_YEAR, due_date

Json = dict[str, Any]
TEMPLATE = "declaration.typ"
#: The catalog file of the declaration's fixed words (``declaration.<key>``).
WORDS = "declaration."
_UNSAFE = re.compile(r"[^\w.-]+")


class DeclarationError(LabelnrError):
    """The campaign cannot be declared (its referential is not an RGESN-shaped grid)."""


@dataclass(frozen=True)
class Action:
    """A commitment of the plan that answers a criterion not validated."""

    title: str
    owner: str | None
    due: dt.date | None
    status: CommitmentStatus


@dataclass(frozen=True)
class OpenCriterion:
    """A criterion in the score and not validated: its status and what is planned about it."""

    id: str
    family: str
    title: Text
    priority: str | None
    weight: float
    #: The scale level answered (``None``: not answered yet).
    status: str | None
    actions: tuple[Action, ...]


@dataclass(frozen=True)
class ExemptCriterion:
    """A criterion declared not applicable, with why (typed, or the profile's or question's reason)."""

    id: str
    family: str
    title: Text
    justification: str | None
    by_rule: bool


@dataclass(frozen=True)
class FamilyScore:
    id: str
    name: Text
    #: 0-100 by the official rule; ``None`` when no criterion of the family applies.
    percent: float | None
    validated_weight: float
    applicable_weight: float
    validated: int
    applicable: int
    not_applicable: int


@dataclass(frozen=True)
class Declaration:
    """Everything the declaration states, numbers unformatted (the PDF formats them)."""

    service: str
    organisation: str
    campaign_id: str
    campaign: str | None
    date: dt.date
    referential: Referential
    percent: float | None
    validated_weight: float
    applicable_weight: float
    families: tuple[FamilyScore, ...]
    open: tuple[OpenCriterion, ...]
    exempt: tuple[ExemptCriterion, ...]
    #: How many criteria are in each status (scale level id; ``None``: not answered).
    statuses: dict[str | None, int]
    generated_at: dt.datetime
    generated_by: str
    lang: Lang


# --- the shape test ---------------------------------------------------------------------------


def shape_problems(ref: Referential) -> list[Msg]:
    """What ``ref`` lacks to be declared like an RGESN grid (empty: it can be)."""
    missing: list[Msg] = []
    if ref.scale.kind != "status":
        missing.append(Msg("rgesn_shape_status_scale"))
    if not any(_validates(ref, level.id) for level in ref.scale.levels):
        missing.append(Msg("rgesn_shape_validated"))
    weights = ref.scoring.priority_weights
    if not weights:
        missing.append(Msg("rgesn_shape_priority_weights"))
    else:
        unweighted = [c.id for c in ref.criteria if c.priority not in weights]
        if unweighted:
            missing.append(Msg("rgesn_shape_priorities", criteria=unweighted[:5]))
    if ref.scoring.method != "pooled":
        missing.append(Msg("rgesn_shape_pooled"))
    return missing


def check_declarable(data: WorkbookData) -> None:
    """Refuse, with the reasons, a campaign whose referential is not shaped like the RGESN."""
    missing = shape_problems(data.referential)
    if missing:
        raise DeclarationError.of("declaration_not_rgesn", campaign=data.campaign_id,
                                  ref=data.referential.key, missing=missing)


def _validates(ref: Referential, level_id: str | None) -> bool:
    """A status worth the whole weight ("validated"): a credit of 1 that is not pending."""
    level = ref.scale.level(level_id) if level_id is not None else None
    return level is not None and not level.pending and level.credit >= 1.0 - TOLERANCE


# --- the declaration's content ----------------------------------------------------------------


def declaration(data: WorkbookData) -> Declaration:
    """The declaration of one service campaign (raises :class:`DeclarationError` when not RGESN-shaped)."""
    check_declarable(data)
    ref, scores, a = data.referential, data.self_scores, data.assessment
    cycle_start = next((p.date for p in data.actual if PERIOD_YEAR.get(p.period) == 0), None)
    in_score = [c for c in ref.criteria if c.id in scores.criteria]
    open_: list[OpenCriterion] = []
    exempt: list[ExemptCriterion] = []
    statuses: dict[str | None, int] = {}
    for crit in in_score:
        cs = scores.criteria[crit.id]
        if not cs.applicable:
            justification = row_values(data, crit.id)["na_justification"]
            exempt.append(ExemptCriterion(crit.id, crit.theme, crit.title, justification,
                                          crit.id in data.forced_na))
            continue
        statuses[cs.level] = statuses.get(cs.level, 0) + 1
        if not _validates(ref, cs.level):
            actions = tuple(_action(c, cycle_start) for c in a.commitments
                            if c.criterion == crit.id and c.status is not CommitmentStatus.DROPPED)
            open_.append(OpenCriterion(crit.id, crit.theme, crit.title, crit.priority, cs.weight,
                                       cs.level, actions))
    live = [cs for cs in scores.criteria.values() if cs.applicable]
    return Declaration(
        service=a.entity.name,
        organisation=a.organisation.name,
        campaign_id=data.campaign_id,
        campaign=a.campaign.name,
        date=a.campaign.date,
        referential=ref,
        percent=scores.percent,
        validated_weight=_validated_weight(ref, live),
        applicable_weight=sum(cs.weight for cs in live),
        families=tuple(_family(ref, theme.id, theme.name, list(scores.criteria.values()))
                       for theme in ref.themes),
        open=tuple(open_),
        exempt=tuple(exempt),
        statuses=statuses,
        generated_at=data.exported_at,
        generated_by=data.exported_by,
        lang=data.lang,
    )


def _action(c: Commitment, cycle_start: dt.date | None) -> Action:
    return Action(c.title, c.owner, due_date(c, cycle_start), c.status)


def _validated_weight(ref: Referential, live: list[CriterionScore]) -> float:
    return sum(cs.weight for cs in live if _validates(ref, cs.level))


def _family(ref: Referential, family: str, name: Text, members: list[CriterionScore]) -> FamilyScore:
    mine = [cs for cs in members if cs.theme == family]
    live = [cs for cs in mine if cs.applicable]
    applicable = sum(cs.weight for cs in live)
    validated = _validated_weight(ref, live)
    return FamilyScore(family, name, 100.0 * validated / applicable if applicable else None,
                       validated, applicable, sum(1 for cs in live if _validates(ref, cs.level)),
                       len(live), len(mine) - len(live))


# --- the template's input ---------------------------------------------------------------------


def words(lang: Lang) -> dict[str, str]:
    """Every ``declaration.*`` catalog entry in ``lang``: the template's fixed words."""
    return {key.removeprefix(WORDS): texts[lang] for key, texts in catalog().items() if key.startswith(WORDS)}


def document(decl: Declaration) -> Json:
    """The Typst template's whole input, every text already in the declaration's language."""
    lang, t, ref = decl.lang, Translator(decl.lang), decl.referential

    def status(level_id: str | None) -> str:
        level = ref.scale.level(level_id) if level_id is not None else None
        return level.label.get(lang) if level else t("declaration.unanswered")

    def family_name(family: str) -> str:
        theme = ref.themes_by_id.get(family)
        return theme.name.get(lang) if theme else family

    title = t("declaration.title", service=decl.service)
    body: Json = {
        "service": decl.service,
        "organisation": decl.organisation,
        "campaign": decl.campaign,
        "campaign_id": decl.campaign_id,
        "date": fmt.date(decl.date, lang),
        "referential": ref.title.get(lang),
        "version": ref.version,
        "score": fmt.percent(decl.percent, lang),
        "score_rule": t("declaration.score_rule", validated=fmt.number(decl.validated_weight, lang, 2),
                        applicable=fmt.number(decl.applicable_weight, lang, 2)),
        "weights": [{"priority": priority_label(p, lang), "weight": fmt.number(w, lang, 2)}
                    for p, w in ref.scoring.priority_weights.items()],
        "statuses": [{"status": status(level.id), "count": str(decl.statuses.get(level.id, 0))}
                     for level in ref.scale.levels]
        + ([{"status": status(None), "count": str(decl.statuses[None])}] if decl.statuses.get(None) else []),
        "families": [
            {"name": f.name.get(lang), "percent": fmt.percent(f.percent, lang),
             "validated": f"{f.validated} / {f.applicable}", "not_applicable": str(f.not_applicable)}
            for f in decl.families
        ],
        "open": [
            {"id": c.id, "title": c.title.get(lang), "family": family_name(c.family),
             "priority": priority_label(c.priority, lang) if c.priority else "–",
             "status": status(c.status),
             "actions": [{"title": x.title, "owner": x.owner or "–",
                          "due": fmt.date(x.due, lang) if x.due else "–",
                          "status": t(f"excel.commitment_{x.status.value}")} for x in c.actions]}
            for c in decl.open
        ],
        "exempt": [
            {"id": c.id, "title": c.title.get(lang), "family": family_name(c.family),
             "justification": c.justification or t("declaration.no_justification"),
             "by_rule": c.by_rule}
            for c in decl.exempt
        ],
        "generated_at": fmt.datetime(decl.generated_at, lang),
        "generated_by": decl.generated_by,
    }
    return {"kind": "declaration", "lang": lang, "title": title, "author": decl.generated_by,
            "t": words(lang), "body": body}


def declaration_pdf(data: WorkbookData) -> bytes:
    """The declaration of one RGESN-shaped campaign as a tagged PDF, in the data's language."""
    from labelnr.report.render import compile_pdf

    decl = declaration(data)
    return compile_pdf(document(decl), data.exported_at, TEMPLATE)


def file_name(service: str, date: dt.date) -> str:
    """``declaration-rgesn-<service>-<date>.pdf``, safe on any file system."""
    return _UNSAFE.sub("_", f"declaration-rgesn-{service}-{date.isoformat()}") + ".pdf"
