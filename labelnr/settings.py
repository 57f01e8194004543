"""The ``LABELNR_*`` environment variables in one place: their names, defaults and meaning.

:func:`load` reads them all at once into a frozen :class:`Settings`; callers read it at their
entry point (a CLI command, the app's cached store) rather than calling ``os.environ`` here and
there, so that a variable has one name, one default and one error message.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from labelnr.errors import LabelnrError
from labelnr.i18n import DEFAULT_LANG, LANGUAGES, Lang

PROJECT_ROOT = Path(__file__).resolve().parent.parent

DATA_DIR = "LABELNR_DATA_DIR"
DATABASE_URL = "LABELNR_DATABASE_URL"
CRITERIA_DIR = "LABELNR_CRITERIA_DIR"
LANG = "LABELNR_LANG"
ACTOR = "LABELNR_ACTOR"
MAX_EVIDENCE_MB = "LABELNR_MAX_EVIDENCE_MB"

DEFAULT_DATA_DIR = PROJECT_ROOT / "audits"
DEFAULT_CRITERIA_DIR = PROJECT_ROOT / "criteria"


class SettingsError(LabelnrError):
    """An environment variable holds a value the package cannot use."""


@dataclass(frozen=True)
class Settings:
    """What the environment configures; ``None`` where the variable is unset."""

    data_dir: Path
    database_url: str | None
    criteria_dirs: tuple[Path, ...]
    #: The language asked for by ``LABELNR_LANG`` (``None``: unset; see :attr:`language`).
    lang: Lang | None
    actor: str | None
    max_evidence_mb: str | None

    @property
    def language(self) -> Lang:
        """The language of the texts: ``LABELNR_LANG``, else French."""
        return self.lang or DEFAULT_LANG


def load(environ: Mapping[str, str] | None = None) -> Settings:
    """The settings of ``environ`` (default: the process environment), checked."""
    env = os.environ if environ is None else environ
    return Settings(
        data_dir=Path(env[DATA_DIR]).expanduser() if env.get(DATA_DIR) else DEFAULT_DATA_DIR,
        database_url=env.get(DATABASE_URL) or None,
        criteria_dirs=_paths(env.get(CRITERIA_DIR)) or (DEFAULT_CRITERIA_DIR,),
        lang=_lang(env.get(LANG)),
        actor=env.get(ACTOR) or None,
        max_evidence_mb=(env.get(MAX_EVIDENCE_MB) or "").strip() or None,
    )


def _paths(value: str | None) -> tuple[Path, ...]:
    return tuple(Path(p).expanduser() for p in (value or "").split(os.pathsep) if p)


def _lang(value: str | None) -> Lang | None:
    if not value:
        return None
    for lang in LANGUAGES:
        if value.strip().lower() == lang:
            return lang
    raise SettingsError.of("settings_bad_lang", variable=LANG, value=value, allowed=", ".join(LANGUAGES))
