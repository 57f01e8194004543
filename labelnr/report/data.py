"""What the committee's dossier shows, as plain JSON data for the Typst template.

Built from the same :class:`~labelnr.excel.model.WorkbookData` as the Excel export (from a
stored campaign or an interchange file), so the dossier and the workbook never disagree.
Every user text travels as a JSON string: the template places it as text, never as markup.
Numbers and dates are formatted here (:mod:`labelnr.report.fmt`); the chart also gets the
raw numbers it draws.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from labelnr.assessment import Commitment, Indicator
from labelnr.coverage import coverage_rows
from labelnr.excel.model import NOT_APPLICABLE, EvidenceEntry, WorkbookData, row_values
from labelnr.formatting import plural
from labelnr.i18n import Lang, Translator, catalog
from labelnr.referential import Criterion, Referential
from labelnr.report import fmt
from labelnr.scoring import LevelGap, Scores
from labelnr.trajectory import (
    PERIOD_YEAR,
    YEARS,
    Progress,
    check_indicator,
    due_date,
    indicator_series,
    planned_trajectory,
    progress,
    projected_trajectory,
)
from labelnr.verification import audited, to_verify

Json = dict[str, Any]
#: The latest changes listed in the history summary (the Excel workbook has them all).
HISTORY_LATEST = 15
#: Characters of the SHA-256 shown beside each evidence (the annex gives it in full).
SHA_PREFIX = 12


def labels(lang: Lang) -> dict[str, str]:
    """Every ``report.*`` catalog entry in ``lang``: the template's fixed words."""
    return {key.removeprefix("report."): texts[lang] for key, texts in catalog().items()
            if key.startswith("report.")}


class _Builder:
    def __init__(self, data: WorkbookData) -> None:
        self.data, self.ref = data, data.referential
        self.t = Translator(data.lang)
        self.lang: Lang = self.t.lang
        self.evidence: dict[str, list[EvidenceEntry]] = defaultdict(list)
        for entry in data.evidence:
            self.evidence[entry.criterion].append(entry)
        self.cycle_start = next((p.date for p in data.actual if PERIOD_YEAR.get(p.period) == 0), None)
        self.today = data.as_of or data.exported_at.date()

    # --- small labels ----------------------------------------------------------------------

    def num(self, value: float | None, digits: int = 1) -> str:
        return fmt.number(value, self.lang, digits)

    def level_name(self, level: int) -> str:
        found = next((lv for lv in self.ref.scoring.levels if lv.level == level), None)
        return found.name.get(self.lang) if found else self.t("report.no_level")

    def answer_label(self, level: str | None) -> str:
        if level is None:
            return self.t("report.unanswered")
        if level == NOT_APPLICABLE:
            return self.t("excel.not_applicable")
        scale = self.ref.scale.level(level)
        return scale.label.get(self.lang) if scale else level

    def theme_name(self, theme_id: str | None) -> str:
        theme = self.ref.themes_by_id.get(theme_id or "")
        return theme.name.get(self.lang) if theme else (theme_id or "–")

    def criterion_title(self, cid: str) -> str:
        crit = self.ref.criteria_by_id.get(cid)
        return crit.title.get(self.lang) if crit else cid

    def year_label(self, year: int) -> str:
        return self.t("excel.year_baseline") if year == 0 else self.t("excel.year_label", year=year)

    # --- sections --------------------------------------------------------------------------

    def cover(self) -> Json:
        d, a = self.data, self.data.assessment
        profile = self.ref.profile(a.profile)
        return {
            "organisation": a.organisation.name,
            "entity": a.entity.name,
            "referential": self.ref.title.get(self.lang),
            "version": self.ref.version,
            "profile": profile.name.get(self.lang) if profile else None,
            "campaign": a.campaign.name or self.t(f"context.period_{a.campaign.period.value}"),
            "period": self.t(f"context.period_{a.campaign.period.value}"),
            "campaign_date": fmt.date(a.campaign.date, self.lang),
            "campaign_id": d.campaign_id,
            "status": self.t(f"context.status_{d.status}"),
            "exported_at": fmt.datetime(d.exported_at, self.lang),
            "exported_by": d.exported_by,
            "as_of": fmt.date(d.as_of, self.lang) if d.as_of else None,
            "app_version": d.app_version,
            "referential_sha256": d.referential_sha256,
        }

    def gaps(self, gaps: Sequence[LevelGap]) -> list[Json]:
        return [
            {
                "level": gap.name.get(self.lang),
                "reached": gap.reached,
                "needed": self.num(gap.points_needed),
                "short": self.num(gap.points_short),
                "missing": [{"id": cid, "title": self.criterion_title(cid)} for cid in gap.missing_mandatory],
                "below": [
                    {"theme": self.theme_name(b.theme), "percent": fmt.percent(b.percent, self.lang),
                     "minimum": fmt.percent(b.minimum, self.lang)}
                    for b in gap.themes_below_minimum
                ],
            }
            for gap in gaps
        ]

    def summary(self) -> Json:
        s, v = self.data.self_scores, self.data.verified_scores
        a = self.data.assessment
        asked = to_verify(self.ref, a)
        covered = audited(asked, {cid: verdict.verdict for cid, verdict in a.verdicts.items()})
        # Until a verdict exists the "verified" score is the self-assessment itself: say so.
        not_audited = self.t("report.not_audited")
        themes = []
        for theme in self.ref.themes:
            mine, checked = s.themes.get(theme.id), v.themes.get(theme.id)
            if mine is None or checked is None or not mine.in_scope:
                continue
            themes.append({
                "name": theme.name.get(self.lang),
                "self": fmt.percent(mine.percent, self.lang),
                "verified": fmt.percent(checked.percent, self.lang) if covered else "—",
                "points": self.num(mine.points),
                "max": self.num(mine.max_points),
                "answered": f"{mine.answered} / {mine.in_scope}",
            })
        return {
            "total": self.num(s.total_points, 0),
            "self": self._scores(s, asked),
            "verified": self._scores(v, asked) if covered else {
                "points": not_audited, "percent": "—", "level": not_audited,
                "answered": plural("report.verified_count", 0, self.lang, total=len(asked))},
            "themes": themes,
            "gaps_self": self.gaps(s.gaps),
            "gaps_verified": self.gaps(v.gaps) if covered else [],
            "audited": bool(covered),
            "not_audited_text": self.t("report.not_audited_yet", total=len(asked)),
        }

    def _scores(self, scores: Scores, asked: Sequence[str]) -> Json:
        # Answered among the criteria one may answer (those N/A by rule are not asked), as the
        # self-assessment page counts them.
        answered = sum(1 for cid in asked if cid in scores.criteria and scores.criteria[cid].answered)
        return {
            "points": self.num(scores.points),
            "percent": fmt.percent(scores.percent, self.lang),
            "level": self.level_name(scores.level),
            "answered": f"{answered} / {len(asked)}",
        }

    def criteria(self) -> list[Json]:
        """Themes, each with its principles and their criteria (in the referential's order)."""
        shown = {c.id for c in self.data.criteria}
        result = []
        for theme in self.ref.themes:
            crits = [c for c in self.ref.criteria if c.theme == theme.id and c.id in shown]
            if not crits:
                continue
            groups: list[Json] = []
            for principle in theme.principles:
                inside = [self.criterion(c) for c in crits if c.principle == principle.id]
                if inside:
                    groups.append({"name": principle.name.get(self.lang), "criteria": inside})
            known = {p.id for p in theme.principles}
            rest = [self.criterion(c) for c in crits if c.principle not in known]
            if rest:
                groups.append({"name": self.t("report.other_criteria"), "criteria": rest})
            ts = self.data.self_scores.themes.get(theme.id)
            result.append({
                "id": theme.id,
                "name": theme.name.get(self.lang),
                "percent": fmt.percent(ts.percent if ts else None, self.lang),
                "principles": groups,
            })
        return result

    def criterion(self, crit: Criterion) -> Json:
        d = self.data
        row = row_values(d, crit.id)
        answer = d.effective.get(crit.id)
        na = answer.not_applicable if answer is not None and crit.id not in d.forced_na else None
        scored = d.self_scores.criteria.get(crit.id)
        checked = d.verified_scores.criteria.get(crit.id)
        verdict = d.verdict(crit.id)
        return {
            "id": crit.id,
            "title": crit.title.get(self.lang),
            "mandatory": crit.mandatory,
            "level": crit.level,
            "answer": self.answer_label(row["answer"]),
            "points": (f"{self.num(scored.points)} / {self.num(scored.max_points)}"
                       if scored and scored.applicable else None),
            "verified_points": self.num(checked.points) if checked and checked.applicable else None,
            "na": {
                "justification": row["na_justification"] or "",
                "approved_by": na.approved_by if na else None,
                "review_by": fmt.date(na.review_by, self.lang) if na and na.review_by else None,
                "forced": crit.id in d.forced_na,
            } if row["answer"] == NOT_APPLICABLE else None,
            "comment": row["comment"],
            "owner": row["owner"],
            "inherited_from": d.inherited_from.get(crit.id),
            "evidence": [self.evidence_item(e) for e in self.evidence.get(crit.id, [])],
            "verdict": {
                "label": self.t(f"excel.verdict_{verdict.verdict.value}"),
                "comment": verdict.comment,
                "auditor": verdict.auditor,
                "date": fmt.date(verdict.date, self.lang) if verdict.date else None,
            } if verdict else None,
        }

    def evidence_item(self, e: EvidenceEntry) -> Json:
        return {
            "title": e.title,
            "type": self.t(f"report.evidence_{e.type.value}"),
            "date": fmt.date(e.effective_date, self.lang) if e.effective_date else None,
            "sha": e.sha256[:SHA_PREFIX] if e.sha256 else None,
            "url": e.url,
            # Where the evidence pack holds the file; only its name when there is no file to pack.
            "file": e.pack_path if e.location is not None else e.file_name,
            "inherited_from": e.inherited_from,
        }

    # --- the three-year plan ---------------------------------------------------------------

    def plan(self) -> Json:
        d, ref, a = self.data, self.ref, self.data.assessment
        start = d.plan_start if d.plan_start is not None else d.effective
        planned = planned_trajectory(ref, start, a.targets, a.profile, a.applicability)
        # Each projected year starts from the latest campaign held at or before it, as on the plan page.
        projected = projected_trajectory(ref, start, a.commitments, a.profile, a.applicability,
                                         d.projection_starts)
        actual: dict[int, float] = {}
        for point in sorted(d.actual, key=lambda p: p.date):
            year = PERIOD_YEAR.get(point.period)
            if year is not None:
                actual[year] = point.points
        return {
            "chart": trajectory_chart(
                ref,
                [self.year_label(y) for y in YEARS],
                {"planned": [planned[y].points for y in YEARS],
                 "projected": [projected[y].points for y in YEARS],
                 "actual": [actual.get(y) for y in YEARS]},
                self.lang,
            ),
            "commitments": [self.commitment(c) for c in a.commitments],
            "late": sum(1 for c in a.commitments
                        if progress(c, self.today, self.cycle_start) is Progress.LATE),
            "indicators": [self.indicator(c.title, c.indicator) for c in a.commitments if c.indicator],
        }

    def commitment(self, c: Commitment) -> Json:
        state = progress(c, self.today, self.cycle_start)
        due = due_date(c, self.cycle_start)
        scope = (f"{c.criterion} — {self.criterion_title(c.criterion)}" if c.criterion is not None
                 else self.theme_name(c.theme))
        return {
            "title": c.title,
            "scope": scope,
            "target_level": self.answer_label(c.target_level) if c.target_level else None,
            "target_year": self.year_label(c.target_year),
            "owner": c.owner,
            "due": fmt.date(due, self.lang) if due else None,
            "status": self.t(f"excel.commitment_{c.status.value}"),
            "progress": self.t(f"excel.progress_{state.value}"),
            "late": state is Progress.LATE,
            "expected_points": self.num(c.expected_points) if c.expected_points is not None else None,
        }

    def indicator(self, commitment: str, ind: Indicator) -> Json:
        check = check_indicator(ind)
        return {
            "commitment": commitment,
            "name": ind.name,
            "unit": ind.unit,
            "direction": self.t(f"report.direction_{ind.direction.value}"),
            "years": [
                {"year": self.year_label(p.year), "planned": self.num(p.planned),
                 "actual": self.num(p.actual) if p.actual is not None else "–"}
                for p in indicator_series(ind)
            ],
            "state": self.t(f"report.indicator_{check.state.value}"),
            "off_track": check.state.value == "off_track",
        }

    # --- history and annex -----------------------------------------------------------------

    def history(self) -> Json:
        events = sorted(self.data.history, key=lambda e: e.at)
        by_action = Counter(e.action for e in events)
        by_actor = Counter(e.actor for e in events)
        return {
            "count": len(events),
            "first": fmt.datetime(events[0].at, self.lang) if events else None,
            "last": fmt.datetime(events[-1].at, self.lang) if events else None,
            "by_action": [{"name": k, "count": v} for k, v in by_action.most_common()],
            "by_actor": [{"name": k, "count": v} for k, v in by_actor.most_common()],
            "latest": [
                {"at": fmt.datetime(e.at, self.lang), "actor": e.actor, "action": e.action,
                 "criterion": e.criterion or "", "field": e.field}
                for e in reversed(events[-HISTORY_LATEST:])
            ],
        }

    def annex(self) -> list[Json]:
        return [
            {"criterion": p["criterion"], "title": p["title"], "type": self.t(f"report.evidence_{p['type']}"),
             "status": self.t(f"report.pack_{p['status']}"),
             "where": p["path"] or p["url"] or p["file_name"] or "–",
             "size": fmt.size(p["size"], self.lang), "sha256": p["sha256"] or "–"}
            for p in pack_index(self.data)
        ]


def pack_index(data: WorkbookData) -> list[Json]:
    """The evidence as the evidence pack's ``manifest.json`` lists it (status, path, SHA-256).

    Same rules as :mod:`labelnr.excel.pack`, without copying the files: a link is ``link``, a
    file the store or the folder holds is ``included`` at its pack path, any other
    ``not_provided``.
    """
    from pathlib import Path

    rows = []
    for e in data.evidence:
        if e.url is not None:
            status, path = "link", None
        elif e.location is not None and e.pack_path is not None and Path(e.location).is_file():
            status, path = "included", e.pack_path
        else:
            status, path = "not_provided", None
        rows.append({"criterion": e.criterion, "type": e.type.value, "title": e.title, "status": status,
                     "path": path, "url": e.url, "size": e.size, "sha256": e.sha256,
                     "file_name": e.file_name})
    return rows


def trajectory_chart(ref: Referential, years: Sequence[str], series: Mapping[str, Sequence[float | None]],
                     lang: Lang) -> Json:
    """The trajectory chart's numbers: what the template draws and the table beside it prints."""
    t = Translator(lang)
    return {
        "total": ref.scoring.total_points,
        "years": list(years),
        "series": [
            {"key": key, "name": t(f"report.series_{key}"), "values": list(values),
             "texts": [fmt.number(v, lang) if v is not None else "–" for v in values]}
            for key, values in series.items()
        ],
        "thresholds": [{"name": lv.name.get(lang), "points": lv.min_points,
                        "text": fmt.number(lv.min_points, lang)} for lv in ref.scoring.levels],
        "ticks": _ticks(ref.scoring.total_points, lang),
    }


def _ticks(total: float, lang: Lang) -> list[Json]:
    step = total / 4
    return [{"value": step * i, "text": fmt.number(step * i, lang, 0)} for i in range(5)]


def campaign_dossier(data: WorkbookData) -> Json:
    """Everything one campaign's dossier shows."""
    b = _Builder(data)
    return {"cover": b.cover(), "summary": b.summary(), "themes": b.criteria(), "plan": b.plan(),
            "history": b.history(), "annex": b.annex(), "coverage": coverage_section(data)}


def coverage_section(data: WorkbookData) -> Json | None:
    """The RGESN coverage of the mapped criteria by the entity's services (as in the workbook's
    sheet); ``None`` when the campaign has none."""
    found = data.coverage
    if found is None:
        return None
    lang: Lang = Translator(data.lang).lang
    items: dict[str, Json] = {}
    for r in coverage_rows(found, data.referential, lang):
        item = items.setdefault(r.criterion, {
            "criterion": r.criterion, "title": r.title, "relation": r.relation, "targets": r.targets,
            "proposed": r.proposed, "reason": r.reason, "services": []})
        item["services"].append({"service": r.service, "date": fmt.date(r.date, lang),
                                 "percent": fmt.percent(r.percent, lang), "statuses": r.statuses})
    services = [{"name": s.name, "date": fmt.date(s.date, lang), "score": fmt.percent(s.scores.percent, lang)}
                for s in found.services]
    return {"services": services, "items": list(items.values())}


def entity_summary(data: WorkbookData) -> Json:
    """One entity's part of an organisation dossier: its cover facts, summary and plan."""
    b = _Builder(data)
    return {"cover": b.cover(), "summary": b.summary(), "plan": b.plan()}


def group_view(items: Sequence[WorkbookData], lang: Lang) -> Json:
    """The organisation's figures: each entity's points and level, and the mean trajectory."""
    first = items[0]
    ref, t = first.referential, Translator(lang)
    entities = sorted(items, key=lambda d: -d.self_scores.points)
    b = _Builder(first)
    rows = [
        {"entity": d.assessment.entity.name,
         "points": fmt.number(d.self_scores.points, lang),
         "verified": fmt.number(d.verified_scores.points, lang),
         "level": _Builder(d).level_name(d.self_scores.level),
         "verified_level": _Builder(d).level_name(d.verified_scores.level),
         "next": _next_gap(_Builder(d), d.self_scores)}
        for d in entities
    ]
    reaching = [
        {"level": lv.name.get(lang),
         "count": f"{sum(1 for d in items if d.self_scores.level >= lv.level)} / {len(items)}"}
        for lv in ref.scoring.levels
    ]
    plans = [_Builder(d).plan()["chart"]["series"] for d in items]
    series: dict[str, list[float | None]] = {}
    for i, key in enumerate(("planned", "projected", "actual")):
        series[key] = [_mean(p[i]["values"][y] for p in plans) for y in range(len(YEARS))]
    return {
        "organisation": first.assessment.organisation.name,
        "referential": ref.title.get(lang),
        "version": ref.version,
        "period": t(f"context.period_{first.period.value}"),
        "count": len(items),
        "mean": fmt.number(_mean(d.self_scores.points for d in items), lang),
        "total": fmt.number(ref.scoring.total_points, lang, 0),
        "reaching": reaching,
        "entities": rows,
        "chart": trajectory_chart(ref, [b.year_label(y) for y in YEARS], series, lang),
        "exported_at": fmt.datetime(first.exported_at, lang),
        "exported_by": first.exported_by,
    }


def _next_gap(b: _Builder, scores: Scores) -> str:
    gap = next((g for g in scores.gaps if not g.reached), None)
    if gap is None:
        return b.t("report.all_levels_reached")
    return b.t("report.next_gap", level=gap.name.get(b.lang), points=b.num(gap.points_short),
               mandatory=plural("report.mandatory_missing", len(gap.missing_mandatory), b.lang))


def _mean(values: Iterable[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) / len(known) if known else None


def document(kind: str, lang: Lang, title: str, author: str, body: Json,
             generated: dt.datetime | None = None) -> Json:
    """The template's whole input: the kind of dossier, its language, words and data."""
    return {"kind": kind, "lang": lang, "title": title, "author": author, "t": labels(lang),
            "body": body, "generated": generated.isoformat() if generated else None}
