"""What every page carries: the document's language follows the user's, and the theme's font is
the reader's own system font (no web font to download for the text)."""

from __future__ import annotations

import tomllib
from pathlib import Path

from .conftest import ROOT, open_app


def _language_scripts(at: object) -> list[str]:
    return [str(h.proto.body) for h in at.sidebar.get("html")  # type: ignore[attr-defined]
            if "documentElement.lang" in h.proto.body]


def test_the_document_language_follows_the_language_switch(data_dirs: tuple[Path, Path]) -> None:
    at = open_app("history")
    [script] = _language_scripts(at)
    assert script == "<script>document.documentElement.lang = 'fr';</script>"
    assert at.sidebar.get("html")[0].proto.unsafe_allow_javascript
    at.segmented_control(key="lang").set_value("en").run()
    assert _language_scripts(at) == ["<script>document.documentElement.lang = 'en';</script>"]
    assert at.title[0].value == "History"


def test_the_text_font_is_the_system_font() -> None:
    theme = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))["theme"]
    families = [f.strip() for f in theme["font"].split(",")]
    assert families[0] == "system-ui"
    assert families[-1] == "sans-serif"  # Streamlit's own Source Sans only if nothing else is there
    assert "Source Sans" not in theme["font"]
