"""One browser scenario per persona, each in French and in English, against ``streamlit run``.

Every number a scenario reads on the page is compared with what the core computes from the
store for the same campaign (never a number written here), in the language's own format.

1. Referent — opens the self-assessment of the demo campaign "Clair Conseil · Diagnostic
   initial 2025", answers a criterion with a level, declares another not applicable with a
   justification, writes a comment, attaches a link as evidence; the points and the theme's
   score become those the core computes for the saved answers; after a reload the answers,
   the comment and the link are still there.
2. Steering committee — opens the dashboard, then the plan, of "Groupe Hexapost — périmètre
   groupe" (its latest campaign, year 1): points, level, theme scores, the trajectory's data
   table (baseline → year 3: planned, projected, actual), the commitments done / on track /
   late, and the plan's projected points per year all equal the core's figures; the sidebar
   names the campaign the page shows.
3. Auditor — opens the audit page of the same campaign, records a verdict on a criterion and
   sees the verified points the core computes; downloads the Excel evidence workbook, changes a
   verdict in it offline (openpyxl), re-imports it (preview, then apply) and sees the change on
   the page and in the store.

Screenshots: ``test-artifacts/screenshots/personas-<persona>-<lang>-<step>.png``.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import openpyxl
import pytest
from playwright.sync_api import expect

from labelnr.assessment import Verdict
from labelnr.formatting import format_date, format_number, plural
from labelnr.i18n import translate
from labelnr.loader import load_catalog
from labelnr.referential import Referential
from labelnr.storage import open_store
from labelnr.trajectory import (
    PERIOD_YEAR,
    YEARS,
    Held,
    Progress,
    Start,
    actual_trajectory,
    planned_trajectory,
    progress,
    projected_trajectory,
)

from .conftest import ROOT, Server, screenshot, wait_for_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LANGS = ["fr", "en"]
#: The machine is shared: a Streamlit rerun may take long.
SLOW_MS = 60_000
REFERENT = ("clairconseil", "clairconseil")
GROUP = ("hexapost", "hexapost-group")


class Words:
    """The catalog's texts and the locale's formats in one language (what the page should print)."""

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def __call__(self, key: str, **fields: Any) -> str:
        return translate(key, self.lang, **fields)

    def p(self, key: str, count: float, **fields: Any) -> str:
        return plural(key, count, self.lang, **fields)

    def num(self, value: float, decimals: int = 0) -> str:
        return format_number(value, self.lang, "#,##0" + ("." + "#" * decimals if decimals else ""))

    def points(self, value: float, total: float) -> str:
        return f"{self.num(value)} / {self.num(total, 3)}"


@contextmanager
def core(server: Server) -> Iterator[Any]:
    """The server's own database, read by the core (labelnr.storage, labelnr.scoring)."""
    store = open_store(data_dir=server.data_dir, catalog=load_catalog([ROOT / "criteria"]))
    try:
        yield store
    finally:
        store.dispose()


def latest_campaign(server: Server, entity: str) -> int:
    with core(server) as store:
        return int(max(store.campaigns(entity), key=lambda c: (c.period.index, c.date)).id)


def open_page(page: Any, server: Server, path: str, where: tuple[str, str], lang: str) -> None:
    page.set_default_timeout(SLOW_MS)  # a cold first run of the dashboard (plotly) takes long here
    page.goto(f"{server.url}/{path}?organisation={where[0]}&entity={where[1]}")
    wait_for_app(page)
    if lang == "en":
        page.locator("[data-testid='stSidebar']").get_by_text("English", exact=True).click()
        wait_for_app(page)
    expect(page.locator("[data-testid='stMain'] h1")).to_be_visible(timeout=SLOW_MS)


def metric(page: Any, label: str) -> Any:
    box = page.locator("[data-testid='stMetric']").filter(
        has=page.locator("[data-testid='stMetricLabel']", has_text=re.compile(f"^{re.escape(label)}$")))
    return box.locator("[data-testid='stMetricValue']")


def figure(page: Any, label: str) -> Any:
    """A key figure: the cell under ``label`` in the first light table that has such a column."""
    table = page.locator("[data-testid='stMain'] table").filter(
        has=page.get_by_role("columnheader", name=label, exact=True)).first
    expect(table).to_be_visible(timeout=SLOW_MS)
    index = table.evaluate("(t, label) => [...t.querySelectorAll('th')]"
                           ".findIndex(th => th.textContent.trim() === label)", label)
    return table.locator("tbody tr").first.locator("td").nth(index)


def sidebar_box(page: Any, label: str) -> str:
    """What the sidebar names for ``label`` (the campaign with its period, date and status)."""
    from .conftest import shown

    return shown(page, label)


def grid(frame: Any) -> list[list[str]]:
    """A st.dataframe's cells, from the table the data grid keeps for screen readers."""
    rows: list[list[str]] = frame.evaluate(
        "e => [...e.querySelectorAll('table[role=grid] tr')]"
        ".map(r => [...r.children].map(c => c.textContent.trim()))")
    return rows


def find_grid(page: Any, column: str) -> list[list[str]]:
    """The cells of the page's first st.dataframe with a ``column`` header (the grid draws its
    table for screen readers once it is on screen: each is scrolled to in turn)."""
    frames = page.locator("[data-testid='stDataFrame']")
    expect(frames.first).to_be_attached(timeout=SLOW_MS)
    for index in range(frames.count()):
        frame = frames.nth(index)
        if not frame.is_visible():  # in a closed expander
            continue
        frame.scroll_into_view_if_needed()
        frame.locator("table[role=grid]").wait_for(state="attached", timeout=SLOW_MS)
        rows = grid(frame)
        if rows and column in rows[0]:
            return rows
    raise AssertionError(f"no table with a column {column!r}")


def html_table(page: Any, header: str) -> list[list[str]]:
    """A Markdown table of the page (its first column's header is ``header``)."""
    table = page.locator("[data-testid='stMain'] table").filter(has=page.locator("th", has_text=header)).first
    rows: list[list[str]] = table.evaluate(
        "e => [...e.querySelectorAll('tr')].map(r => [...r.children].map(c => c.textContent.trim()))")
    return rows


def wait_until(page: Any, check: Callable[[], bool], what: str) -> None:
    """Poll ``check`` (the page or the store catching up) up to SLOW_MS, then fail naming ``what``."""
    for _ in range(SLOW_MS // 500):
        if check():
            return
        page.wait_for_timeout(500)
    raise AssertionError(f"never true: {what}")


# --- 1. the referent ---------------------------------------------------------------------------


def _referent_criteria(ref: Referential, view: Any, lang: str) -> tuple[str, str]:
    """Two criteria of the campaign's scope, different per language: one to answer, one N/A."""
    from labelnr.assessment import excluded_and_forced_na

    a = view.assessment
    excluded, forced = excluded_and_forced_na(ref, a.profile, dict(a.applicability))
    open_ = [c for c in ref.criteria_for(a.profile) if c.id not in forced and c.id not in excluded]
    half = open_[: len(open_) // 2] if lang == "fr" else open_[len(open_) // 2:]
    answered = next(c.id for c in half if not c.not_applicable.allowed)
    na = next(c.id for c in half if c.not_applicable.allowed and c.id != answered)
    return answered, na


def _criterion_box(page: Any, w: Words, ref: Referential, cid: str) -> Any:
    """Open ``cid`` as a referent does: its theme, then the criterion in the list; its editor."""
    theme = ref.themes_by_id[ref.criteria_by_id[cid].theme].name.get(w.lang)
    themes = page.locator("[data-testid='stButtonGroup']").filter(
        has_text=re.compile(f"^{re.escape(w('assessment.filter_theme'))}"))
    themes.get_by_role("radio", name=theme, exact=True).click()
    wait_for_app(page)
    listing = page.locator("[data-testid='stButtonGroup']").filter(has_text=w("assessment.pick_criterion"))
    listing.get_by_role("radio", name=re.compile(f"^{re.escape(cid)} ?: ")).click()
    wait_for_app(page)
    box = page.locator("[data-testid='stColumn']").filter(
        has=page.get_by_role("heading", level=3, name=re.compile(f"^{re.escape(cid)} — ")))
    expect(box.locator("textarea").first).to_be_visible(timeout=SLOW_MS)
    return box


def score(page: Any, label: str) -> Any:
    """The bold value after ``label`` in the self-assessment's score line ("Points : **x** · …")."""
    line = page.locator("[data-testid='stMarkdown']").filter(has_text=re.compile(f"^{re.escape(label)} ?:"))
    return line.locator("strong").first


def _save(page: Any, box: Any, w: Words) -> None:
    box.get_by_role("button", name=w("assessment.save"), exact=True).click()
    expect(box.get_by_text(w("assessment.saved"))).to_be_visible(timeout=SLOW_MS)
    wait_for_app(page)


@pytest.mark.parametrize("lang", LANGS)
def test_referent_answers_justifies_attaches_and_finds_it_all_after_a_reload(
        app_server: Server, page: Any, lang: str) -> None:
    w = Words(lang)
    campaign = latest_campaign(app_server, REFERENT[1])
    with core(app_server) as store:
        view = store.campaign(campaign)
        ref = store.referential_of(campaign)
        answered, na = _referent_criteria(ref, view, lang)
        before = view.assessment.answers.get(answered)
    level = max((lv for lv in ref.scale.levels
                 if not lv.pending and (before is None or before.level != lv.id)),
                key=lambda lv: lv.credit)  # the best level it does not hold yet: the score moves
    theme = ref.themes_by_id[ref.criteria_by_id[answered].theme]
    comment = f"Persona {lang}: charte validée en comité"
    justification = f"Persona {lang}: aucune activité concernée"
    url = f"https://intranet.example/{lang}/charte-nr"

    open_page(page, app_server, "", REFERENT, lang)
    expect(page.get_by_text(w("assessment.score"), exact=True)).to_be_visible(timeout=SLOW_MS)
    screenshot(page, f"personas-referent-{lang}-1-opened")

    box = _criterion_box(page, w, ref, answered)
    box.get_by_text(level.label.get(lang), exact=True).click()
    box.get_by_role("textbox", name=w("assessment.comment"), exact=True).fill(comment)
    box.get_by_role("textbox", name=w("assessment.comment"), exact=True).press("Tab")
    _save(page, box, w)
    form = box.locator("[data-testid='stForm']").filter(has_text=w("assessment.add_link"))
    form.get_by_role("textbox", name=w("assessment.url"), exact=True).fill(url)
    form.get_by_role("textbox", name=w("assessment.link_title"), exact=True).fill("Charte NR")
    form.get_by_role("button", name=w("assessment.add"), exact=True).click()
    wait_for_app(page)
    expect(page.get_by_text(url).first).to_be_visible(timeout=SLOW_MS)

    box = _criterion_box(page, w, ref, na)
    box.get_by_text(w("assessment.not_applicable"), exact=True).click()
    wait_for_app(page)
    box.get_by_role("textbox", name=w("assessment.justification"), exact=True).fill(justification)
    box.get_by_role("textbox", name=w("assessment.justification"), exact=True).press("Tab")
    _save(page, box, w)

    with core(app_server) as store:  # what was saved, and what the core makes of it
        view = store.campaign(campaign)
        saved = view.assessment.answers
        assert saved[answered].level == level.id
        assert saved[answered].comment == comment
        assert saved[na].not_applicable is not None
        assert saved[na].not_applicable.justification == justification
        assert [e.url for e in view.evidence.get(answered, ())] == [url]
        scores = store.scores_of(view).self_assessed
    total = ref.scoring.total_points
    expect(score(page, w("assessment.points"))).to_have_text(w.points(scores.points, total), timeout=SLOW_MS)
    page.get_by_text(w("assessment.score_details"), exact=True).click()  # the per-theme table
    wait_for_app(page)
    themes = {row[0]: row for row in html_table(page, w("assessment.theme"))[1:]}
    percent = scores.themes[theme.id].percent
    assert themes[theme.name.get(lang)][1] == ("—" if percent is None else f"{w.num(percent)} %")
    if lang == "en":  # the gap lines join their parts the English way, not with a French " ; "
        expect(page.get_by_text(re.compile(r"^✘ .* ; "))).to_have_count(0)
        expect(page.get_by_text(re.compile(r"^✘ .*; ")).first).to_be_visible()
    screenshot(page, f"personas-referent-{lang}-2-answered")

    page.reload()  # a new session: what was saved is read back from the store
    wait_for_app(page)
    if lang == "en":
        page.locator("[data-testid='stSidebar']").get_by_text("English", exact=True).click()
        wait_for_app(page)
    expect(score(page, w("assessment.points"))).to_have_text(w.points(scores.points, total), timeout=SLOW_MS)
    box = _criterion_box(page, w, ref, answered)
    expect(box.get_by_role("textbox", name=w("assessment.comment"), exact=True)).to_have_value(comment)
    expect(box.get_by_role("radio", name=level.label.get(lang), exact=True)).to_be_checked()
    expect(box.get_by_text(url)).to_be_visible()
    box = _criterion_box(page, w, ref, na)
    justified = box.get_by_role("textbox", name=w("assessment.justification"), exact=True)
    expect(justified).to_have_value(justification)
    screenshot(page, f"personas-referent-{lang}-3-reloaded")


# --- 2. the steering committee -----------------------------------------------------------------


def _cycle_figures(server: Server, campaign: int) -> dict[str, Any]:
    """The committee's figures, from the core: scores, trajectories, commitments' progress."""
    import datetime as dt

    with core(server) as store:
        view = store.campaign(campaign)
        info = view.info
        ref = store.referential_of(campaign)
        same = [c for c in store.campaigns(info.entity_id)
                if c.referential_id == info.referential_id and c.period in PERIOD_YEAR]
        views = {c.id: store.campaign(c.id) for c in same}
        scored = {cid: store.scores_of(v).self_assessed for cid, v in views.items()}
        actual = actual_trajectory([Held(c.period, c.date, scored[c.id].points, scored[c.id].level, c.id)
                                    for c in same])
        baseline = min(same, key=lambda c: (c.period.index, c.date))
        a = view.assessment
        start = views[baseline.id].effective
        planned = planned_trajectory(ref, start, a.targets, a.profile, a.applicability)
        starts = {PERIOD_YEAR[c.period]: Start(views[c.id].effective, views[c.id].assessment.profile,
                                               views[c.id].assessment.applicability)
                  for c in same if actual[PERIOD_YEAR[c.period]].campaign_id == c.id}
        commitments = [i.commitment for i in view.commitments]
        projected = projected_trajectory(ref, start, commitments, a.profile, a.applicability, starts)
        today = dt.date.today()
        states = [progress(cm, today, baseline.date) for cm in commitments]
        return {"ref": ref, "info": info, "scores": scored[campaign], "actual": actual, "planned": planned,
                "projected": projected, "states": states, "commitments": commitments,
                "entity": view.entity.name}


@pytest.mark.parametrize("lang", LANGS)
def test_steering_committee_reads_dashboard_and_plan_as_the_core_computes_them(
        app_server: Server, page: Any, lang: str) -> None:
    w = Words(lang)
    campaign = latest_campaign(app_server, GROUP[1])
    f = _cycle_figures(app_server, campaign)
    ref, info, scores = f["ref"], f["info"], f["scores"]
    total = ref.scoring.total_points

    open_page(page, app_server, "dashboard", GROUP, lang)
    day = format_date(info.date, lang)
    expect(page.locator("[data-testid='stMain'] [data-testid='stCaptionContainer']").first).to_contain_text(
        day, timeout=SLOW_MS)
    assert day in sidebar_box(page, w("context.campaign"))  # the sidebar names the campaign shown
    assert sidebar_box(page, w("context.entity")) == f["entity"]
    expect(figure(page, w("dashboard.points"))).to_have_text(w.points(scores.points, total))
    level = next((lv.name.get(lang) for lv in ref.scoring.levels if lv.level == scores.level),
                 w("steering.no_level"))
    expect(figure(page, w("dashboard.level"))).to_have_text(level)
    for theme in ref.themes:  # the radar's text alternative
        percent = scores.themes[theme.id].percent
        if percent is not None:
            expect(page.get_by_text(f"{theme.name.get(lang)} {w.num(percent)} %").first).to_be_visible()

    # The trajectory's data, as a table on the page: baseline → year 3, planned, projected, actual.
    rows = html_table(page, w("steering.col_projected"))
    header = rows[0]
    by_year = {row[header.index(w("steering.col_year"))]: row for row in rows[1:]}
    for year in YEARS:
        name = w("charts.year_0") if year == 0 else w("charts.year_n", n=year)
        row = by_year[name]
        assert row[header.index(w("steering.col_planned"))] == w.num(round(f["planned"][year].points, 1), 1)
        projected = f["projected"][year].points
        assert row[header.index(w("steering.col_projected"))] == w.num(round(projected, 1), 1)
        actual = f["actual"].get(year)
        assert row[header.index(w("steering.col_actual"))] == (
            w.num(round(actual.points, 1), 1) if actual else "—"), (name, row)
    counts = {s: f["states"].count(s) for s in Progress}
    for state in (Progress.DONE, Progress.ON_TRACK, Progress.LATE):
        label = w(f"steering.progress_{state.value}")
        expect(page.get_by_text(re.compile(rf"{re.escape(label)} {counts[state]}\b")).first).to_be_visible()
    screenshot(page, f"personas-committee-{lang}-1-dashboard")

    page.get_by_role("link", name=w("context.page_plan")).click()
    wait_for_app(page)
    expect(page.locator("[data-testid='stMain'] h1")).to_have_text(w("plan.title"), timeout=SLOW_MS)
    assert day in sidebar_box(page, w("context.campaign"))
    rows = html_table(page, w("steering.col_level"))  # the projection: points, level, gain per year
    header = rows[0]
    by_year = {row[0]: row for row in rows[1:]}
    for year in YEARS:
        name = w("charts.year_0") if year == 0 else w("charts.year_n", n=year)
        assert by_year[name][header.index(w("steering.col_projected"))] == w.num(
            round(f["projected"][year].points, 1), 1)
    late = [cm for cm, state in zip(f["commitments"], f["states"], strict=True) if state is Progress.LATE]
    if late:  # the plan names each late commitment (the table's columns run off screen)
        alert = page.locator("[data-testid='stAlert']").filter(has_text=w.p("plan.late_flag", len(late)))
        expect(alert).to_be_visible()
        expect(alert.locator("li")).to_have_count(len(late))
        for cm in late:
            expect(alert).to_contain_text(cm.title)
    screenshot(page, f"personas-committee-{lang}-2-plan")


# --- 3. the auditor ----------------------------------------------------------------------------


def _auditor_criteria(server: Server, campaign: int, lang: str) -> tuple[str, str]:
    """Two answered criteria with no verdict yet (different per language): one verdict typed on
    the page, one in the workbook."""
    with core(server) as store:
        view = store.campaign(campaign)
        ref = store.referential_of(campaign)
        scores = store.scores_of(view).self_assessed
        free = [c.id for c in ref.criteria if c.id in view.assessment.answers
                and scores.criteria[c.id].applicable and c.id not in view.assessment.verdicts]
    half = free[::2] if lang == "fr" else free[1::2]
    return half[0], half[1]


def _edit_workbook(content: bytes, cid: str, verdict: str, w: Words) -> bytes:
    """The auditor's offline change: the verdict cell of ``cid``, set to ``verdict``'s label."""
    book = openpyxl.load_workbook(io.BytesIO(content))
    for ws in book.worksheets:
        header = [cell.value for cell in ws[1]]
        if w("excel.col_id") not in header or w("excel.col_verdict") not in header:
            continue
        for row in ws.iter_rows(min_row=2):
            if row[header.index(w("excel.col_id"))].value == cid:
                row[header.index(w("excel.col_verdict"))].value = w(f"excel.verdict_{verdict}")
                out = io.BytesIO()
                book.save(out)
                return out.getvalue()
    raise AssertionError(f"{cid} is in no criteria sheet of the workbook")


@pytest.mark.parametrize("lang", LANGS)
def test_auditor_records_a_verdict_and_round_trips_the_excel_workbook(
        app_server: Server, page: Any, lang: str) -> None:
    w = Words(lang)
    campaign = latest_campaign(app_server, GROUP[1])
    on_page, in_book = _auditor_criteria(app_server, campaign, lang)
    with core(app_server) as store:
        ref = store.referential_of(campaign)
    total = ref.scoring.total_points

    open_page(page, app_server, "audit", GROUP, lang)
    expect(page.get_by_text(w("audit.scores"), exact=True)).to_be_visible(timeout=SLOW_MS)
    screenshot(page, f"personas-auditor-{lang}-1-opened")

    # One theme at a time: the criterion's theme, then the criterion, picked behind its button.
    theme_of = {c.id: ref.themes_by_id[c.theme].name.get(lang) for c in ref.criteria}
    show_theme(page, theme_of[on_page])
    page.get_by_role("button", name=re.compile(re.escape(w("audit.open_criterion")))).click()
    picker = page.locator("[data-testid='stPopoverBody']").get_by_role(
        "combobox", name=w("audit.open_criterion"))
    picker.click()
    picker.fill(on_page)
    page.get_by_role("option", name=re.compile(f"^{re.escape(on_page)} — ")).first.click()
    wait_for_app(page)
    page.keyboard.press("Escape")
    expect(page.locator("[data-testid='stPopoverBody']")).to_have_count(0)
    expect(page.get_by_role("heading", name=re.compile(f"^{re.escape(on_page)} — "))).to_be_visible()
    screenshot(page, f"personas-auditor-{lang}-1-criterion")
    # By its text: an open drop-down hides the rest of the page from the accessibility tree.
    box = page.locator("[data-testid='stForm']").filter(has_text=w("audit.save_verdict"))
    verdict_box = box.get_by_role("combobox", name=w("audit.verdict"))
    expect(verdict_box).to_be_visible(timeout=SLOW_MS)
    verdict_box.click()
    verdict_box.fill(w("audit.verdict_non_conform"))
    page.get_by_role("option", name=re.compile(re.escape(w("audit.verdict_non_conform")) + "$")).first.click()
    expect(page.get_by_role("listbox")).to_have_count(0)
    comment = box.get_by_role("textbox", name=w("audit.verdict_comment"), exact=True)
    comment.fill(f"Persona {lang}: preuve absente")
    box.get_by_role("button", name=w("audit.save_verdict")).click()
    expect(page.get_by_text(w("audit.verdict_saved", criterion=on_page))).to_be_visible(timeout=SLOW_MS)
    wait_for_app(page)
    with core(app_server) as store:
        view = store.campaign(campaign)
        assert view.assessment.verdicts[on_page].verdict is Verdict.NON_CONFORM
        verified = store.scores_of(view).verified
    expect(figure(page, w("audit.verified_points"))).to_have_text(
        re.compile("^" + re.escape(w.points(verified.points, total))), timeout=SLOW_MS)
    screenshot(page, f"personas-auditor-{lang}-2-verdict")

    page.get_by_role("button", name=w("audit.prepare_xlsx")).click()
    download_button = page.get_by_role("button", name=w("audit.download_xlsx"))
    expect(download_button).to_be_visible(timeout=SLOW_MS)
    with page.expect_download(timeout=SLOW_MS) as download:
        download_button.click()
    assert download.value.suggested_filename.endswith(".xlsx")
    content = download.value.path().read_bytes()
    edited = _edit_workbook(content, in_book, "conform", w)

    # The uploader waits behind its expander.
    page.locator("[data-testid='stExpander'] summary", has_text=w("audit.upload_xlsx")).click()
    wait_for_app(page)
    uploader = page.locator("[data-testid='stFileUploader']").filter(has_text=w("audit.upload_xlsx"))
    uploader.locator("input[type='file']").set_input_files(files=[{
        "name": "classeur-audit.xlsx", "buffer": edited,
        "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}])
    expect(page.get_by_text(w.p("audit.import_preview", 1))).to_be_visible(timeout=SLOW_MS)
    rows = html_table(page, w("audit.col_field"))
    assert len(rows) == 2, rows
    assert rows[1][0] == in_book, rows
    assert w("excel.verdict_conform") in " ".join(rows[1]), rows
    screenshot(page, f"personas-auditor-{lang}-3-preview")
    page.get_by_role("button", name=w.p("audit.apply_all", 1)).click()
    expect(page.get_by_text(w.p("audit.imported", 1))).to_be_visible(timeout=SLOW_MS)
    wait_for_app(page)

    with core(app_server) as store:
        view = store.campaign(campaign)
        assert view.assessment.verdicts[in_book].verdict is Verdict.CONFORM
        verified = store.scores_of(view).verified
    expect(figure(page, w("audit.verified_points"))).to_have_text(
        re.compile("^" + re.escape(w.points(verified.points, total))), timeout=SLOW_MS)
    show_theme(page, theme_of[in_book])
    row = next(r for r in html_table(page, w("audit.col_verdict")) if r and r[0] == in_book)
    assert f"✓ {w('audit.verdict_conform')}" in row, row
    screenshot(page, f"personas-auditor-{lang}-4-imported")


def show_theme(page: Any, name: str) -> None:
    """The audit's criteria of one theme (a button of the theme picker; a theme chosen stays chosen)."""
    page.locator("[data-testid='stMain'] [data-testid='stButtonGroup'] button").filter(
        has_text=re.compile(f"^{re.escape(name)}$")).first.click()
    wait_for_app(page)
