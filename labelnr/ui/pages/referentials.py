"""Referentials: browse the versions under criteria/, search criteria, compare two versions.

Broken files are listed plainly (file, line, criterion, problem); the app keeps running on
the files that are valid.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from labelnr.diff import FieldChange, ReferentialDiff, diff_referentials
from labelnr.loader import Catalog
from labelnr.referential import Criterion, Referential
from labelnr.ui.resources import catalog
from labelnr.ui.session import day, lang, num, t, tp
from labelnr.ui.widgets import lazy, plain, show_problems, table


def _problems(cat: Catalog) -> None:
    if not cat.problems:
        return
    files = len({p.file for p in cat.problems})
    show_problems(cat.problems, tp("referentials.broken_files", files))
    st.caption(t("referentials.keeps_running"))


def _pick_referential(cat: Catalog) -> Referential | None:
    refs = cat.referentials
    if not refs:
        st.info(t("referentials.none"))
        return None
    ids = sorted({r.id for r in refs})
    titles = {r.id: f"{r.title.get(lang())} ({r.id})" for r in refs}
    # Button groups, not drop-down lists: a handful of choices, and no list scripts to load.
    ref_id = st.segmented_control(t("referentials.referential"), ids, format_func=titles.__getitem__,
                                  required=True, default=ids[0], key="ref_id", persist_state="session")
    versions = [r.version for r in cat.versions(str(ref_id))]
    version = st.segmented_control(t("referentials.version"), versions, required=True, default=versions[-1],
                                   key=f"ref_version_{ref_id}")
    return cat.get(str(ref_id), str(version))


def _summary(ref: Referential) -> None:
    lg = lang()
    st.header(ref.title.get(lg))
    st.caption(t("referentials.meta", version=ref.version, date=day(ref.effective_date),
                 source=plain(ref.source)))
    table([{
        t("referentials.criteria_count"): str(len(ref.criteria)),
        t("referentials.themes_count"): str(len(ref.themes)),
        t("referentials.total_points"): num(ref.scoring.total_points, 3),
        t("referentials.levels_count"): str(len(ref.scoring.levels)),
    }])
    st.markdown(f"**{t('referentials.scale')}** — "
                + " · ".join(f"{plain(lv.label.get(lg))} ({lv.credit:.0%})" for lv in ref.scale.levels))
    table([
        {
            t("referentials.level"): lv.name.get(lg),
            t("referentials.min_points"): t("referentials.more_than" if lv.strictly_above
                                            else "referentials.at_least", points=num(lv.min_points, 3)),
            t("referentials.theme_minimums"): ", ".join(
                f"{ref.themes_by_id[k].name.get(lg)} ≥ {num(v, 3)} %" for k, v in lv.theme_minimums.items()
                if k in ref.themes_by_id),
            t("referentials.mandatory"): ", ".join(ref.mandatory_for(lv)),
        }
        for lv in ref.scoring.levels
    ])


def _matches(ref: Referential, crit: Criterion, query: str) -> bool:
    if not query:
        return True
    theme = ref.themes_by_id.get(crit.theme)
    haystack = [crit.id, *crit.title.model_dump().values(), *crit.description.model_dump().values()]
    if theme is not None:
        haystack.extend(theme.name.model_dump().values())
    return any(query in text.casefold() for text in haystack)


#: Search results shown at most (the count says how many matched): refine the search for more.
FOUND_SHOWN = 20


def _criteria(ref: Referential) -> None:
    """One theme at a time; a search (behind its button) looks through every theme, the first
    :data:`FOUND_SHOWN` matches shown."""
    lg = lang()
    st.subheader(t("referentials.criteria"), anchor=False)
    typed = str(st.session_state.get("ref_search") or "").strip()
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    label = t("referentials.search_current", query=plain(typed)) if typed else t("referentials.search")
    with right.popover(label, icon=":material/search:"):
        st.text_input(t("referentials.search"), key="ref_search", help=t("referentials.search_help"))
    query = typed.casefold()
    if query:
        found = [c for c in ref.criteria if _matches(ref, c, query)]
        more = f" {t('referentials.first_shown', count=FOUND_SHOWN)}" if len(found) > FOUND_SHOWN else ""
        left.caption(tp("referentials.found", len(found), total=len(ref.criteria)) + more)
        found = found[:FOUND_SHOWN]
    else:
        names = {th.id: th.name.get(lg) for th in ref.themes}
        theme = left.pills(t("referentials.theme"), list(names), format_func=names.__getitem__, required=True,
                           default=next(iter(names)), key=f"ref_theme.{ref.id}.{ref.version}")
        found = [c for c in ref.criteria if c.theme == theme]
    if not found:
        return
    yes, no = t("referentials.answer_yes"), t("referentials.answer_no")
    table(
        [
            {
                t("referentials.id"): c.id,
                # One theme shown: its name is the picker's; a search spans themes and names them.
                **({t("referentials.theme"): ref.themes_by_id[c.theme].name.get(lg)} if query else {}),
                t("referentials.title_col"): c.title.get(lg),
                t("referentials.level"): c.level,
                t("referentials.mandatory"): yes if c.mandatory else no,
                t("referentials.weight"): c.priority or num(ref.criterion_weight(c), 3),
                t("referentials.na_allowed"): yes if c.not_applicable.allowed else no,
            }
            for c in found
        ]
    )
    by_id = {c.id: c for c in found}
    key = f"ref_details.{ref.id}.{ref.version}"
    if st.session_state.get(key) not in by_id:
        st.session_state.pop(key, None)
    current = st.session_state.get(key)
    with st.popover(t("referentials.details_current", criterion=current) if current
                    else t("referentials.details_of"), icon=":material/description:"):
        st.selectbox(t("referentials.details_of"), list(by_id), index=None, key=key,
                     format_func=lambda cid: f"{cid} — {by_id[cid].title.get(lg)}")
    chosen = st.session_state.get(key)
    if chosen in by_id:
        _criterion_details(ref, by_id[str(chosen)])


def _criterion_details(ref: Referential, crit: Criterion) -> None:
    lg = lang()
    st.markdown(f"**{plain(crit.id)} — {plain(crit.title.get(lg))}**")
    principle = next((p.name.get(lg) for th in ref.themes for p in th.principles if p.id == crit.principle),
                     None)
    if principle:
        st.caption(t("referentials.principle_of", name=plain(principle)))
    st.markdown(plain(crit.description.get(lg)))
    if crit.evidence:
        st.markdown(f"**{t('referentials.expected_evidence')}**")
        st.markdown("\n".join(
            f"- {t('referentials.evidence_' + e.type.value)} : {plain(e.description.get(lg))}"
            for e in crit.evidence))
    if crit.not_applicable.allowed:
        condition = crit.not_applicable.condition
        st.caption(t("referentials.na_condition", condition=plain(condition.get(lg)))
                   if condition else t("referentials.na_possible"))


def _value(value: Any) -> str:
    """A value of the diff in words: texts in the user's language, lists and records spelled out."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return t("referentials.answer_yes") if value else t("referentials.answer_no")
    if isinstance(value, float):
        return num(value, 3)
    if isinstance(value, dict):
        if set(value) == {"fr", "en"}:  # a text; French when it has no English
            return str(value[lang()] if value[lang()] is not None else value["fr"])
        return "; ".join(f"{k} : {_value(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_value(v) for v in value) or "—"
    return str(value)


def _changes_table(changes: tuple[FieldChange, ...]) -> list[dict[str, str]]:
    return [
        {t("referentials.field"): c.field, t("referentials.before"): _value(c.old),
         t("referentials.after"): _value(c.new)}
        for c in changes
    ]


def _compare(cat: Catalog, ref: Referential) -> None:
    versions = [r.version for r in cat.versions(ref.id)]
    if len(versions) < 2:
        st.info(t("referentials.single_version"))
        return
    left, right = st.columns(2)
    old_v = left.selectbox(t("referentials.old_version"), versions, index=len(versions) - 2,
                           key=f"diff_old_{ref.id}")
    new_v = right.selectbox(t("referentials.new_version"), versions, index=len(versions) - 1,
                            key=f"diff_new_{ref.id}")
    old, new = cat.get(ref.id, old_v), cat.get(ref.id, new_v)
    if old is None or new is None:
        return
    if old_v == new_v:
        st.info(t("referentials.same_version"))
        return
    _show_diff(diff_referentials(old, new))


def _show_diff(diff: ReferentialDiff) -> None:
    if not diff.mapping_used:
        st.warning(t("referentials.no_mapping", new=diff.new, old=diff.old))
    if diff.is_empty:
        st.success(t("referentials.no_change"))
        return
    cols = st.columns(5)
    cols[0].metric(t("referentials.added"), len(diff.added))
    cols[1].metric(t("referentials.removed"), len(diff.removed))
    cols[2].metric(t("referentials.relinked"), len([k for k in diff.links if k.kind != "kept"]))
    cols[3].metric(t("referentials.changed"), len(diff.changed))
    cols[4].metric(t("referentials.unchanged"), len(diff.unchanged))
    if diff.added:
        st.markdown(f"**{t('referentials.added')}** : " + ", ".join(plain(i) for i in diff.added))
    if diff.removed:
        st.markdown(f"**{t('referentials.removed')}** : " + ", ".join(
            plain(r.id) + ("" if r.declared else f" ({t('referentials.undeclared')})") for r in diff.removed))
    links = [k for k in diff.links if k.kind != "kept"]
    if links:
        st.markdown(f"**{t('referentials.relinked')}**")
        table([
            {t("referentials.kind"): t(f"referentials.kind_{k.kind}"),
             t("referentials.before"): ", ".join(k.old), t("referentials.after"): ", ".join(k.new)}
            for k in links
        ])
    for change in diff.changed:
        name = change.new_id if change.old_id == change.new_id else f"{change.old_id} → {change.new_id}"
        st.markdown(f"**{t('referentials.changed_criterion', id=plain(name))}**")
        table(_changes_table(change.fields))
    if diff.settings:
        st.markdown(f"**{t('referentials.settings')}**")
        table(_changes_table(diff.settings))


def main() -> None:
    st.title(t("referentials.title"))
    cat = catalog()
    _problems(cat)
    ref = _pick_referential(cat)
    if ref is None:
        return
    _summary(ref)
    _criteria(ref)
    # The comparison (two more pickers, a table per changed criterion) is built only when opened.
    lazy(t("referentials.compare"), f"ref_compare.{ref.id}", lambda: _compare(cat, ref),
         icon=":material/compare_arrows:")


main()
