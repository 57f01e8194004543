"""Text typed by users is shown as typed on every page: never HTML, never Markdown.

Comments, owners, evidence titles and file names, commitment titles and verdict comments
carry script tags, an ``onerror`` image, a ``javascript:`` link, a tracking image and
emphasis. Everywhere Streamlit interprets Markdown (text, alerts, captions, headings,
labels, tooltips), each of them must arrive escaped — and still be there, as text.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from labelnr.assessment import Answer, AuditorVerdict, Commitment, Indicator, Verdict
from labelnr.loader import load_catalog
from labelnr.permissions import LOCAL_USER
from labelnr.storage import Store, open_store
from labelnr.ui.session import language_script

from .conftest import APP, PAGES, unescape

SCRIPT = "<script>alert('xss')</script>"
IMG = '<img src=x onerror="alert(1)">'
LINK = "[click me](javascript:alert(1)) ![pixel](https://tracker.example/p.png)"
#: An uploaded file's name: the store keeps ``_img src_x onerror_alert(1)_ _click me_(javascript_alert(1))
#: _bold_.png`` (its characters sanitised) — which is still Markdown emphasis if not escaped.
FILE = "<img src=x onerror=alert(1)>[click me](javascript:alert(1)) __bold__.png"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
SITE = 2  # the demo's Lyon campaign
#: Substrings that only our payloads contain.
MARKERS = ("xss", "onerror", "click me", "pixel", "bold", "devices", "javascript")
#: Elements whose text Streamlit shows as it is (no Markdown).
VERBATIM = {"Text", "Code", "Json"}


@pytest.fixture
def payloads(data_dirs: tuple[Path, Path]) -> dict[str, str]:
    """The demo store with user text full of markup on the Lyon campaign, criterion GOV-02."""
    criteria, audits = data_dirs
    store: Store = open_store(data_dir=audits, catalog=load_catalog([criteria]))
    store.save_answer(
        LOCAL_USER, SITE, "GOV-02", Answer(level="low", comment=f"{SCRIPT} {LINK}", owner=IMG), 0
    )
    stored = store.add_evidence_file(LOCAL_USER, SITE, "GOV-02", FILE, PNG, "result", title=f"{IMG} {LINK}")
    indicator = Indicator(name=f"{IMG} *devices*", unit="[%](javascript:x)", baseline=10, targets={1: 20})
    store.add_commitment(
        LOCAL_USER,
        SITE,
        Commitment(
            title=f"{SCRIPT}{LINK}",
            criterion="GOV-02",
            target_year=1,
            due=dt.date(2020, 1, 1),
            indicator=indicator,
        ),
    )
    store.set_verdict(
        LOCAL_USER, SITE, "GOV-02", AuditorVerdict(verdict=Verdict.PARTIAL, comment=f"{IMG} _x_"), 0
    )
    store.dispose()
    assert stored.filename is not None
    return {
        "comment": f"{SCRIPT} {LINK}",
        "owner": IMG,
        "title": f"{IMG} {LINK}",
        "file": stored.filename,
        "commitment": f"{SCRIPT}{LINK}",
        "indicator": f"{IMG} *devices*",
        "verdict": f"{IMG} _x_",
    }


def _walk(node: Any) -> Iterator[Any]:
    yield node
    children = getattr(node, "children", None)
    if isinstance(children, dict):
        for child in children.values():
            yield from _walk(child)


def _strings(message: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Every string field of a protobuf message, with its dotted path."""
    for field, value in message.ListFields():
        name = f"{path}.{field.name}"
        values = (
            value
            if isinstance(value, list | tuple) or type(value).__name__.startswith("Repeated")
            else [value]
        )
        for item in values:
            if hasattr(item, "ListFields"):
                yield from _strings(item, name)
            elif isinstance(item, str):
                yield name, item


def markdown_texts(at: AppTest) -> list[tuple[str, str]]:
    """(where, text) of everything the page sends that the browser renders as Markdown."""
    found: list[tuple[str, str]] = []
    for node in _walk(at._tree):
        proto = getattr(node, "proto", None)
        kind = type(node).__name__
        if proto is None or kind in VERBATIM:
            continue
        if kind == "Html":  # the one exception: the document's language, a constant per language
            assert proto.body in {language_script("fr"), language_script("en")}, "no page sends raw HTML"
            continue
        if getattr(proto, "allow_html", False):
            pytest.fail(f"{kind} allows HTML (unsafe_allow_html)")
        found.extend(
            (f"{kind}{name}", text)
            for name, text in _strings(proto)
            if name.rsplit(".", 1)[-1] in {"body", "label", "help", "content"}  # content: a pill's
        )
    return found


def verbatim_texts(at: AppTest) -> str:
    """What shows as typed: tables, text areas and inputs, plain text."""
    parts = [str(e.value) for e in (*at.text_area, *at.text_input, *at.text)]
    parts += [d.value.to_string() for d in at.dataframe]
    return "\n".join(parts)


def page(name: str, expander: str | tuple[str, str] | None) -> AppTest:
    """The page for the Lyon site, with ``expander`` open (or, as ``(key, value)``, that picked)."""
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.run()
    at.switch_page(f"{PAGES}/{name}.py").run()
    at.sidebar.selectbox(key="pick_entity").set_value("acme-lyon").run()
    if isinstance(expander, str) and expander.startswith("criterion="):
        at.button_group(key="criterion_pick").set_value(expander.split("=", 1)[1]).run()  # the list's click
    elif expander is not None:
        key, value = expander if isinstance(expander, tuple) else (expander, True)
        at.session_state[key] = value  # AppTest does not send an expander's state back
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def assert_escaped(at: AppTest, payloads: dict[str, str]) -> str:
    """No payload reaches a Markdown field as it is; returns the Markdown shown, unescaped."""
    texts = markdown_texts(at)
    for where, text in texts:
        if not any(m in text for m in MARKERS):
            continue
        for what, payload in payloads.items():
            assert payload not in text, f"{what} reaches {where} unescaped: {text!r}"
        assert not re.search(r"(?<!\\)(<[A-Za-z/]|!?\[[^\]]*\]\()", text), f"markup in {where}: {text!r}"
    return unescape("\n".join(text for _, text in texts))


#: Page, expander to open (or criterion to click in the list), and the texts it must show.
PAGES_SHOWN = [
    ("assessment", "criterion=GOV-02", ["comment", "owner", "title", "file"]),
    ("audit", (f"audit.open.{SITE}", "GOV-02"), ["comment", "owner", "title", "file", "verdict"]),
    ("plan", None, ["commitment", "indicator"]),
    ("dashboard", None, ["commitment"]),
    ("history", None, ["comment", "owner", "title", "commitment"]),
]


@pytest.mark.parametrize(("name", "expander", "shown"), PAGES_SHOWN, ids=[p[0] for p in PAGES_SHOWN])
def test_user_text_is_shown_as_text(
    payloads: dict[str, str], name: str, expander: str | tuple[str, str] | None, shown: list[str]
) -> None:
    at = page(name, expander)
    everything = assert_escaped(at, payloads) + "\n" + verbatim_texts(at)
    for what in shown:
        assert payloads[what] in everything, f"the {what} is not shown on the {name} page"


def test_a_refused_link_is_explained_without_rendering_what_was_typed(payloads: dict[str, str]) -> None:
    at = page("assessment", "criterion=GOV-02")
    typed = "javascript:[click me](https://evil.example) <img src=x onerror=alert(1)>"
    at.text_input(key=f"a{SITE}.GOV-02.url").set_value(typed)
    at.text_input(key=f"a{SITE}.GOV-02.link_title").set_value("Proof")
    at = next(b for b in at.button if b.label == "Ajouter").click().run()
    errors = [e.value for e in at.error]
    assert errors, "the bad link is refused with a message"
    assert_escaped(at, {**payloads, "typed": typed})
    assert any("n'est pas un lien web" in unescape(e) and "evil.example" in unescape(e) for e in errors)
