"""Every text the UI shows goes through the catalogs: each ``t("…")`` key used in the code
exists, each key built from an enum exists for every member, and no widget or heading is
given a bare string literal."""

from __future__ import annotations

import ast
import string
from pathlib import Path

import pytest

from labelnr.assessment import Period
from labelnr.i18n import catalog
from labelnr.referential import EvidenceType
from labelnr.storage.views import CampaignStatus

ROOT = Path(__file__).resolve().parents[2]
UI_FILES = sorted([ROOT / "app.py", *(ROOT / "labelnr" / "ui").rglob("*.py")])
TRANSLATORS = {"t", "translate"}
#: Plural translators: a key ``k`` stands for ``k_one`` and ``k_other``.
PLURALS = {"tp", "plural"}
#: Streamlit calls whose first argument is shown to the user.
SHOWN = {
    "title", "header", "subheader", "markdown", "caption", "write", "text", "info", "warning", "error",
    "success", "button", "download_button", "form_submit_button", "link_button", "page_link", "checkbox",
    "toggle", "radio", "selectbox", "multiselect", "text_input", "text_area", "number_input",
    "date_input", "time_input", "file_uploader", "slider", "select_slider", "segmented_control", "pills",
    "expander", "metric", "toast", "tabs", "popover", "color_picker",
}


def _calls(path: Path) -> list[ast.Call]:
    return [n for n in ast.walk(ast.parse(path.read_text(encoding="utf-8"))) if isinstance(n, ast.Call)]


def _name(call: ast.Call) -> str | None:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _keys(path: Path) -> tuple[list[str], list[str]]:
    """(literal keys, literal prefixes of f-string keys) passed to t() / translate()."""
    literal, prefixes = [], []
    for call in _calls(path):
        if _name(call) not in TRANSLATORS | PLURALS or not call.args:
            continue
        first = call.args[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str) and _name(call) in PLURALS:
            literal.extend([f"{first.value}_one", f"{first.value}_other"])
        elif isinstance(first, ast.Constant) and isinstance(first.value, str):
            literal.append(first.value)
        elif isinstance(first, ast.JoinedStr) and first.values and isinstance(first.values[0], ast.Constant):
            prefixes.append(str(first.values[0].value))
    return literal, prefixes


def test_the_scan_finds_the_ui_code() -> None:
    names = {p.name for p in UI_FILES}
    assert {"app.py", "session.py", "assessment.py", "referentials.py"} <= names
    assert sum(len(_keys(p)[0]) for p in UI_FILES) > 100


@pytest.mark.parametrize("path", UI_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_key_used_in_the_code_exists(path: Path) -> None:
    known = catalog()
    literal, prefixes = _keys(path)
    missing = [k for k in literal if k not in known]
    missing += [f"{p}…" for p in prefixes if not any(k.startswith(p) for k in known)]
    assert not missing, f"{path.name} uses keys missing from labelnr/locales: {missing}"


@pytest.mark.parametrize("path", UI_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_bare_string_is_shown(path: Path) -> None:
    bare = []
    for call in _calls(path):
        if _name(call) not in SHOWN or not call.args:
            continue
        first = call.args[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str) and any(
                ch.isalpha() for ch in first.value):
            bare.append(f"line {call.lineno}: {first.value!r}")
    assert not bare, f"{path.name} shows text that does not go through t(): {bare}"


@pytest.mark.parametrize(("prefix", "values"), [
    ("context.period_", [p.value for p in Period]),
    ("context.status_", [s.value for s in CampaignStatus]),
    ("assessment.evidence_", [e.value for e in EvidenceType]),
    ("referentials.evidence_", [e.value for e in EvidenceType]),
    ("admin.status_to_", ["submitted", "audited", "closed"]),
    ("admin.status_warning_", ["submitted", "audited", "closed"]),
])
def test_keys_built_from_enums_exist_for_every_member(prefix: str, values: list[str]) -> None:
    known = catalog()
    assert [v for v in values if f"{prefix}{v}" not in known] == []


def test_history_kinds_are_all_translated() -> None:
    source = (ROOT / "labelnr" / "ui" / "pages" / "history.py").read_text(encoding="utf-8")
    kinds = next(n for n in ast.walk(ast.parse(source))
                 if isinstance(n, ast.Assign) and getattr(n.targets[0], "id", None) == "KINDS")
    values = ast.literal_eval(kinds.value)
    assert [k for k in values if f"history.kind_{k}" not in catalog()] == []


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("path", UI_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_placeholder_of_a_key_is_given(path: Path) -> None:
    """``t("k", a=1)`` fills every ``{field}`` of ``k`` (a missing one raises KeyError on the page)."""
    entries, problems = catalog(), []
    for call in _calls(path):
        name = _name(call)
        first = call.args[0] if call.args else None
        if name not in TRANSLATORS | PLURALS or not isinstance(first, ast.Constant) or not isinstance(
                first.value, str) or any(k.arg is None for k in call.keywords):
            continue
        given = {k.arg for k in call.keywords if k.arg} | ({"count"} if name in PLURALS else set())
        keys = [f"{first.value}_one", f"{first.value}_other"] if name in PLURALS else [first.value]
        for key in keys:
            for text in entries.get(key, {}).values():
                if _placeholders(text) - given:
                    problems.append(f"line {call.lineno}: {key} needs {sorted(_placeholders(text) - given)}")
    assert not problems, problems
