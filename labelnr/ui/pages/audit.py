"""Audit: the auditor's view of a campaign, criterion by criterion.

Each criterion shows the self-assessed answer, its evidence (links, files with their SHA-256)
and the verdict form; the self-assessed and verified scores sit side by side. Criteria sit
in lazy expanders, so only the ones an auditor opens draw their widgets. Verdicts carry the
revision the auditor read: a verdict changed by someone else meanwhile is refused, saying who.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from pathlib import Path

import streamlit as st

from labelnr.assessment import AuditorVerdict, Verdict, excluded_and_forced_na
from labelnr.errors import InvalidFile, LabelnrError
from labelnr.i18n import translate, weight_text
from labelnr.referential import Criterion, Referential
from labelnr.storage import CampaignScores, CampaignStatus, CampaignView, ConflictError, EvidenceItem
from labelnr.ui.dossier import declaration_download, dossier_download
from labelnr.ui.drafts import draft, forget
from labelnr.ui.resources import store
from labelnr.ui.selection import pick_campaign
from labelnr.ui.session import day, error_text, lang, num, t, tp
from labelnr.ui.widgets import Link, lazy, plain, show_problems, table
from labelnr.verification import audited, to_verify

FLASH = "audit.flash"
AUDITABLE = (CampaignStatus.DRAFT, CampaignStatus.SUBMITTED)
VERDICT_ICON: dict[Verdict | None, str] = {
    Verdict.CONFORM: "✓",
    Verdict.PARTIAL: "◐",
    Verdict.NON_CONFORM: "✗",
    Verdict.NOT_VERIFIED: "?",
    None: "–",
}


def _flash() -> None:
    message = st.session_state.pop(FLASH, None)
    if isinstance(message, str):
        st.success(message, icon=":material/check_circle:")


def _write(action: Callable[[], object], success: str, form: str) -> None:
    """Run one change; on success forget the form's draft. When refused, the draft stays as typed."""
    try:
        action()
    except LabelnrError as exc:
        st.error(t("audit.refused", reason=error_text(exc)), icon=":material/error:")
        if isinstance(exc, ConflictError):
            st.button(t("audit.reload"), key=f"{form}.reload", on_click=forget, args=(form,),
                      icon=":material/refresh:")
        return
    forget(form)
    st.session_state[FLASH] = success
    st.rerun()


def verdict_text(verdict: Verdict | None) -> str:
    """The verdict in words, with an icon beside (never the icon or a colour alone)."""
    name = t(f"audit.verdict_{verdict.value}") if verdict else t("audit.no_verdict")
    return f"{VERDICT_ICON[verdict]} {name}"


def _answer_text(ref: Referential, view: CampaignView, cid: str) -> str:
    a = view.assessment
    forced = excluded_and_forced_na(ref, a.profile, dict(a.applicability))[1]
    if cid in forced:  # whatever it holds or inherits: the score treats it as not applicable
        return t("audit.not_applicable_forced", reason=forced[cid].get(lang()))
    answer = view.effective.get(cid)
    if answer is None:
        return t("audit.unanswered")
    if answer.not_applicable is not None:
        return t("audit.not_applicable")
    level = ref.scale.level(answer.level) if answer.level else None
    return level.label.get(lang()) if level else t("audit.unanswered")


def _verified_text(ref: Referential, scores: CampaignScores, view: CampaignView, cid: str) -> str:
    lowered = scores.lowered.get(cid)
    if lowered is None:
        return _answer_text(ref, view, cid)
    level = ref.scale.level(lowered[1])
    return level.label.get(lang()) if level else lowered[1]


def _verdict_cell(ref: Referential, view: CampaignView, scores: CampaignScores, cid: str) -> str:
    """The verdict, and the answer it lowers the self-assessment to, if it does ("◐ … → Faible")."""
    verdict = view.assessment.verdicts.get(cid)
    text = verdict_text(verdict.verdict if verdict else None)
    if cid in scores.lowered:
        text = t("audit.lowered_to", verdict=text, answer=_verified_text(ref, scores, view, cid))
    return text


# --- scores side by side -----------------------------------------------------------------------


def _scores(ref: Referential, view: CampaignView, scores: CampaignScores) -> None:
    st.header(t("audit.scores"), anchor=False)
    mine, verified = scores.self_assessed, scores.verified
    total = ref.scoring.total_points
    asked = to_verify(ref, view.assessment)
    covered = audited(asked, {cid: v.verdict for cid, v in view.assessment.verdicts.items()})
    # Answers outside the campaign (inherited, or left from before a "no") need no verdict.
    unverified = [cid for cid in scores.unverified if cid in asked]
    not_audited = t("audit.not_audited")  # no verdict yet: "verified" figures would repeat the answers
    table([{
        t("audit.self_points"): f"{num(mine.points)} / {num(total, 3)}" if mine.defined
        else t("steering.score_undefined"),
        t("audit.verified_points"): f"{num(verified.points)} / {num(total, 3)}" if covered else not_audited,
        t("audit.self_level"): _level_name(ref, mine.level),
        t("audit.verified_level"): _level_name(ref, verified.level) if covered else not_audited,
    }])
    state = t("audit.verification_state", unverified=tp("audit.unverified", len(unverified)),
              lowered=tp("audit.lowered", len(scores.lowered)))
    count = tp("audit.verified_count", len(covered), total=len(asked))
    st.caption((f"{t('audit.not_audited_yet')} " if not covered else "") + f"{count} {state}")
    lg = lang()
    lazy(t("audit.theme_scores"), f"audit.themes_open.{view.id}", lambda: table([
        {t("audit.col_theme"): th.name.get(lg),
         t("audit.col_self_percent"): _pct(mine.themes[th.id].percent),
         # No verdict yet: a "verified" percentage would only repeat the self-assessment.
         t("audit.col_verified_percent"): _pct(verified.themes[th.id].percent if covered else None)}
        for th in ref.themes if th.id in mine.themes
    ]), icon=":material/table:")


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{num(value)} %"


def _level_name(ref: Referential, level: int) -> str:
    for lv in ref.scoring.levels:
        if lv.level == level:
            return lv.name.get(lang())
    return t("audit.no_level")


# --- criteria ---------------------------------------------------------------------------------


PENDING = ("all", "pending")


def _filters(ref: Referential, view: CampaignView) -> tuple[str, bool]:
    """One theme at a time (the first by default), and all its criteria or those without verdict."""
    lg = lang()
    names = {th.id: th.name.get(lg) for th in ref.themes}
    theme = st.pills(t("audit.filter_theme"), list(names), format_func=names.__getitem__, required=True,
                     default=next(iter(names)), key=f"audit.theme.{view.id}")
    pending = st.segmented_control(t("audit.filter_show"), PENDING, required=True, default="all",
                                   format_func=lambda o: t(f"audit.filter_{o}"), key="audit.pending",
                                   help=t("audit.filter_pending_help"))
    return str(theme), pending == "pending"


def _criteria(ref: Referential, view: CampaignView, scores: CampaignScores) -> None:
    st.header(t("audit.criteria"), anchor=False)
    theme, pending = _filters(ref, view)
    verdicts = view.assessment.verdicts
    shown = [c for c in ref.criteria if c.id in scores.self_assessed.criteria and c.theme == theme
             and (not pending or verdicts.get(c.id) is None
                  or verdicts[c.id].verdict is Verdict.NOT_VERIFIED)]
    if not shown:
        st.info(t("audit.nothing_shown"))
        return
    lg = lang()
    mine, verified = scores.self_assessed.criteria, scores.verified.criteria
    table([
        {t("audit.col_criterion"): c.id,
         t("audit.col_title"): c.title.get(lg),
         t("audit.col_self"): _answer_text(ref, view, c.id),
         t("audit.col_verdict"): _verdict_cell(ref, view, scores, c.id),
         t("audit.col_points"): f"{num(mine[c.id].points, 1)} → {num(verified[c.id].points, 1)}",
         t("audit.col_evidence"): str(len(view.evidence.get(c.id, ())))}
        for c in shown
    ])
    by_id = {c.id: c for c in shown}
    # One criterion at a time, picked behind a button: the picker is drawn (and its scripts
    # loaded) only when opened; the chosen criterion's evidence and verdict form show below.
    key = f"audit.open.{view.id}"
    if st.session_state.get(key) not in by_id:
        st.session_state.pop(key, None)
    current = st.session_state.get(key)
    label = t("audit.open_criterion_current", criterion=current) if current else t("audit.open_criterion")
    with st.popover(label, icon=":material/fact_check:"):
        st.selectbox(t("audit.open_criterion"), list(by_id), index=None, key=key,
                     format_func=lambda cid: f"{cid} — {by_id[cid].title.get(lg)}",
                     placeholder=t("audit.open_hint"))
    chosen = st.session_state.get(key)
    if chosen in by_id:
        crit = by_id[str(chosen)]
        st.subheader(f"{plain(crit.id)} — {plain(crit.title.get(lg))}", anchor=False)
        _criterion(ref, view, scores, crit)


def _criterion(ref: Referential, view: CampaignView, scores: CampaignScores, crit: Criterion) -> None:
    lg = lang()
    cid = crit.id
    weight = weight_text(ref, crit, lg)
    if weight:
        st.caption(weight)
    st.markdown(plain(crit.description.get(lg)))
    if crit.evidence:
        st.markdown(f"**{t('audit.expected_evidence')}**\n\n" + "\n".join(
            f"- {t(f'audit.evidence_type_{e.type.value}')} : {plain(e.description.get(lg))}"
            for e in crit.evidence))
    answer = view.effective.get(cid)
    source = view.sources.get(cid)
    st.markdown(f"**{t('audit.self_assessed')}** : {plain(_answer_text(ref, view, cid))}")
    if source is not None and source.inherited:
        st.caption(t("audit.inherited_from", entity=plain(source.entity_name)))
    if answer is not None:
        if answer.not_applicable is not None:
            st.markdown(f"**{t('audit.na_justification')}** : {plain(answer.not_applicable.justification)}")
        if answer.comment:
            st.markdown(f"**{t('audit.comment')}** : {plain(answer.comment)}")
        if answer.owner:
            st.markdown(f"**{t('audit.owner')}** : {plain(answer.owner)}")
    _evidence(view.evidence.get(cid, ()))
    mine, verified = scores.self_assessed.criteria[cid], scores.verified.criteria[cid]
    verified_answer = plain(_verified_text(ref, scores, view, cid))
    st.markdown(t("audit.points_side_by_side", mine=num(mine.points, 1), verified=num(verified.points, 1),
                  max=num(mine.max_points, 1), verified_answer=verified_answer))
    _verdict_form(view, cid)


def _evidence(items: tuple[EvidenceItem, ...]) -> None:
    if not items:
        st.warning(t("audit.no_evidence"), icon=":material/warning:")
        return
    st.markdown(f"**{t('audit.evidence')}**")
    table([
        {t("audit.col_ev_type"): t(f"audit.evidence_type_{e.type.value}"),
         t("audit.col_ev_title"): e.title,
         t("audit.col_ev_link"): _link(e.url) if e.kind == "link" else None,
         t("audit.col_ev_file"): _file_name(e) if e.kind != "link" else "",
         t("audit.col_ev_size"): _size(e.size),
         t("audit.col_ev_sha256"): e.sha256 or "",
         t("audit.col_ev_date"): day(e.effective_date) if e.effective_date else "",
         t("audit.col_ev_added"): f"{e.added_by} · {day(e.added_at)}",
         t("audit.col_ev_inherited"): t("audit.answer_yes") if e.inherited_from_id is not None else ""}
        for e in items
    ])
    for e in items:
        if e.kind == "named":
            st.caption(t("audit.named_missing", title=plain(e.title)))
        if e.kind != "file":
            continue
        try:
            path = store().evidence_path(e.id)
        except LabelnrError as exc:
            st.caption(t("audit.file_unavailable", title=plain(e.title), reason=plain(error_text(exc))))
            continue
        st.download_button(t("audit.download_file", name=plain(e.filename or e.title)), _reader(path),
                           file_name=e.filename or f"evidence-{e.id}", mime=e.media_type or None,
                           key=f"audit.dl.{e.id}", on_click="ignore", icon=":material/download:")


def _link(url: str | None) -> Link | str | None:
    """An evidence link as a link when it is a web address; anything else stays text, as typed."""
    if url and url.lower().startswith(("https://", "http://")) and not any(ch in url for ch in "<>\"`"):
        return Link(url, url)
    return url


def _file_name(item: EvidenceItem) -> str:
    # "named" evidence (a file an imported assessment names but did not provide) keeps its reference.
    return item.filename or str(getattr(item, "reference", None) or "")


def _reader(path: Path) -> Callable[[], bytes]:
    return path.read_bytes


def _size(size: int | None) -> str:
    if size is None:
        return ""
    french = lang() == "fr"
    if size < 1024:
        return f"{size} {'o' if french else 'B'}"
    return f"{num(size / 1024)} {'Ko' if french else 'KB'}"


def _verdict_form(view: CampaignView, cid: str) -> None:
    current = view.verdict(cid)
    if view.info.status not in AUDITABLE:
        if current is not None and current.comment:
            st.markdown(f"**{t('audit.verdict_comment')}** : {plain(current.comment)}")
        return
    form = f"audit.verdict.{view.id}.{cid}"
    revision = draft(form, view.verdict_revision(cid), {
        "verdict": current.verdict if current else None,
        "comment": (current.comment or "") if current else "",
    })
    options: list[Verdict | None] = [None, *Verdict]
    with st.form(form):
        st.markdown(f"**{t('audit.verdict')}**")
        if current is not None:
            st.caption(t("audit.verdict_by", auditor=plain(current.auditor or "?"),
                         date=day(current.date) if current.date else "?"))
        chosen = st.selectbox(t("audit.verdict"), options, key=f"{form}.verdict", format_func=verdict_text)
        comment = st.text_area(t("audit.verdict_comment"), max_chars=8000, key=f"{form}.comment")
        submitted = st.form_submit_button(t("audit.save_verdict"), type="primary", icon=":material/gavel:",
                                          key=f"{form}.submit")
    if not submitted:
        return
    if chosen is None and comment.strip():
        st.error(t("audit.comment_needs_verdict"), icon=":material/error:")
        return
    verdict = (AuditorVerdict(verdict=chosen, comment=comment.strip() or None, date=dt.date.today())
               if chosen is not None else None)
    _write(lambda: store().set_verdict(view.id, cid, verdict, revision),
           t("audit.verdict_saved", criterion=cid) if verdict else t("audit.verdict_cleared", criterion=cid),
           form)


# --- Excel evidence workbook ---------------------------------------------------------------------

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _workbook(view: CampaignView) -> None:
    """Export the evidence workbook; re-import one filled in offline, after a preview of every change."""
    st.header(t("audit.workbook"), anchor=False)
    st.caption(t("audit.workbook_help"))
    _export(view)
    dossier_download(view.info)
    declaration_download(view.info)
    # The uploader's scripts load, and the preview is built, only when the auditor opens it.
    lazy(t("audit.upload_xlsx"), f"audit.import_open.{view.id}", lambda: _import(view),
         icon=":material/upload_file:")


def _export(view: CampaignView) -> None:
    key = f"audit.xlsx.{view.id}"
    ready = st.session_state.get(key)
    if st.button(t("audit.prepare_xlsx"), key=f"{key}.prepare", icon=":material/table_view:"):
        from labelnr.excel.export import workbook_bytes
        from labelnr.excel.from_store import workbook

        try:
            ready = (view.info.revision, workbook_bytes(workbook(store(), view.id, lang())))
        except LabelnrError as exc:
            st.error(t("audit.export_failed", reason=error_text(exc)), icon=":material/error:")
            return
        st.session_state[key] = ready
    if not isinstance(ready, tuple) or ready[0] != view.info.revision:
        return  # nothing prepared yet, or prepared before the campaign last changed
    info = view.info
    name = f"labelnr-{view.entity.id}-{info.period.value}-{day(info.date)}.xlsx"
    st.download_button(t("audit.download_xlsx"), ready[1], file_name=name, mime=XLSX_MIME,
                       key=f"{key}.download", on_click="ignore", icon=":material/download:", type="primary")


def _import(view: CampaignView) -> None:
    from labelnr.excel.from_store import apply_workbook, workbook
    from labelnr.excel.reimport import FIELD_KEYS, preview, read_workbook, shown_value

    round_key = f"audit.upload_round.{view.id}"
    upload = st.file_uploader(t("audit.upload_xlsx"), type=["xlsx"], help=t("audit.upload_help"),
                              key=f"audit.upload.{view.id}.{st.session_state.get(round_key, 0)}")
    if upload is None:
        return
    try:
        imported = read_workbook(io.BytesIO(upload.getvalue()), upload.name)
        current = workbook(store(), view.id, lang())
        result = preview(imported, current)
    except InvalidFile as exc:
        show_problems(exc.problems, tp("audit.import_refused", len(exc.problems)))
        return
    except LabelnrError as exc:
        st.error(t("audit.import_failed", reason=error_text(exc)), icon=":material/error:")
        return
    if result.empty:
        st.info(t("audit.import_nothing"), icon=":material/info:")
        return
    lg = lang()
    st.markdown(f"**{tp('audit.import_preview', len(result.changes))}**")
    table([
        {t("audit.col_criterion"): c.criterion,
         t("audit.col_field"): translate(FIELD_KEYS[c.field], lg),
         t("audit.col_old"): shown_value(current, c.field, c.old, lg),
         t("audit.col_new"): shown_value(current, c.field, c.new, lg),
         t("audit.col_cell"): f"{c.sheet} {c.cell}".strip()}
        for c in result.changes
    ])
    if st.button(tp("audit.apply_all", len(result.changes)), key=f"audit.apply.{view.id}",
                 type="primary", icon=":material/done_all:"):
        try:
            apply_workbook(store(), current, result)
        except InvalidFile as exc:
            show_problems(exc.problems, tp("audit.import_refused", len(exc.problems)))
            return
        except LabelnrError as exc:
            st.error(t("audit.import_failed", reason=error_text(exc)), icon=":material/error:")
            return
        st.session_state[round_key] = st.session_state.get(round_key, 0) + 1  # a fresh, empty uploader
        st.session_state[FLASH] = tp("audit.imported", len(result.changes))
        st.rerun()


def _header(ref: Referential, view: CampaignView) -> None:
    info = view.info
    st.caption(t("audit.caption", entity=plain(view.entity.name), campaign=plain(
        info.name or t(f"context.period_{info.period.value}")), date=day(info.date),
        referential=plain(ref.title.get(lang())), version=plain(ref.version),
        status=t(f"context.status_{info.status.value}")))
    if info.status not in AUDITABLE:
        st.info(t("audit.read_only", status=t(f"context.status_{info.status.value}")), icon=":material/lock:")


def main() -> None:
    st.title(t("audit.title"))
    selection = pick_campaign()
    if selection is None:
        return
    _flash()
    data = store()
    try:
        view = data.campaign(selection.campaign)
        ref = data.referential_of(selection.campaign)
        scores = data.scores_of(view)
    except LabelnrError as exc:
        st.error(t("audit.cannot_open", reason=error_text(exc)), icon=":material/error:")
        return
    _header(ref, view)
    _scores(ref, view, scores)
    _workbook(view)
    _criteria(ref, view, scores)


main()
