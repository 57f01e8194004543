"""The shared page context: what every page shows when the database cannot be opened."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.ui.conftest import APP, unescape


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_an_unreachable_database_gives_a_plain_message_not_a_traceback(
    data_dirs: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"postgresql+psycopg://labelnr:s3cret@127.0.0.1:{_closed_port()}/labelnr"
    monkeypatch.setenv("LABELNR_DATABASE_URL", url)
    at = AppTest.from_file(str(APP), default_timeout=30).run()

    assert not at.exception, [e.value for e in at.exception]
    errors = [unescape(str(e.value)) for e in at.error]
    assert len(errors) == 1, errors
    # The store's own error, in the page's language.
    assert errors[0].startswith(
        "La base de données n'a pas pu être ouverte : impossible d'utiliser la base de données")
    assert "s3cret" not in errors[0]
    assert not at.metric, "the page stops before drawing anything that needs the store"
