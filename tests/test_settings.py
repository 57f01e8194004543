"""The LABELNR_* variables: defaults, values and a clear refusal of a value the package cannot use."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from labelnr import settings
from labelnr.errors import render


def test_defaults_when_nothing_is_set() -> None:
    loaded = settings.load({})
    assert loaded.data_dir == settings.PROJECT_ROOT / "audits"
    assert loaded.criteria_dirs == (settings.PROJECT_ROOT / "criteria",)
    assert (loaded.database_url, loaded.lang, loaded.actor) == (None, None, None)
    assert loaded.max_evidence_mb is None
    assert loaded.language == "fr"


def test_values_are_read_from_the_environment(tmp_path: Path) -> None:
    loaded = settings.load({
        settings.DATA_DIR: str(tmp_path),
        settings.DATABASE_URL: "postgresql://db/labelnr",
        settings.CRITERIA_DIR: os.pathsep.join([str(tmp_path / "a"), "", str(tmp_path / "b")]),
        settings.LANG: "EN",
        settings.ACTOR: "alice",
        settings.MAX_EVIDENCE_MB: " 5 ",
    })
    assert loaded.data_dir == tmp_path
    assert loaded.database_url == "postgresql://db/labelnr"
    assert loaded.criteria_dirs == (tmp_path / "a", tmp_path / "b")
    assert (loaded.lang, loaded.language, loaded.actor, loaded.max_evidence_mb) == ("en", "en", "alice", "5")


def test_the_process_environment_is_the_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(settings.DATA_DIR, str(tmp_path))
    assert settings.load().data_dir == tmp_path


def test_an_unknown_language_is_refused_with_the_variable_named() -> None:
    with pytest.raises(settings.SettingsError) as caught:
        settings.load({settings.LANG: "de"})
    assert render(caught.value, "fr") == "LABELNR_LANG=de : langue inconnue (possibles : fr, en)"
    assert str(caught.value) == "LABELNR_LANG=de: unknown language (expected one of: fr, en)"
