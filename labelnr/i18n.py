"""The one translation mechanism: every user-facing string goes through :func:`translate`.

Catalogs are YAML files under ``labelnr/locales/``, one per area (``common.yaml``,
``dashboard.yaml``...), each mapping a key to its French and English text. A key is
used as ``"<file stem>.<key>"``; ``str.format`` fields fill the placeholders.
French is the default language.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from labelnr.referential import Criterion, Referential

Lang = Literal["fr", "en"]
LANGUAGES: tuple[Lang, ...] = ("fr", "en")
DEFAULT_LANG: Lang = "fr"
LOCALES_DIR = Path(__file__).resolve().parent / "locales"


class MissingTranslation(KeyError):
    """A key used in code has no entry in the catalogs: a bug, caught by the tests."""


@cache
def catalog() -> dict[str, dict[str, str]]:
    """Every key of every catalog file, as ``{"area.key": {"fr": ..., "en": ...}}``."""
    import yaml  # here, not above: `labelnr --version` and the settings need no catalog

    # libyaml when installed: about six times faster on the first page of a session.
    loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    entries: dict[str, dict[str, str]] = {}
    for path in sorted(LOCALES_DIR.glob("*.yaml")):
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader) or {}  # noqa: S506 (safe loaders only)
        for key, texts in data.items():
            entries[f"{path.stem}.{key}"] = {str(k): str(v) for k, v in texts.items()}
    return entries


def normalise(lang: str | None) -> Lang:
    return "en" if lang == "en" else DEFAULT_LANG


def translate(key: str, lang: str | None = DEFAULT_LANG, /, **fields: Any) -> str:
    try:
        text = catalog()[key][normalise(lang)]
    except KeyError:
        raise MissingTranslation(key) from None
    return text.format(**fields) if fields else text


def priority_label(priority: str, lang: str | None = DEFAULT_LANG) -> str:
    """A criterion's priority in words ("Prioritaire"...); a priority the catalogs do not know stays
    as the referential writes it."""
    key = f"common.priority_{priority}"
    return translate(key, lang) if key in catalog() else priority


def weight_text(ref: Referential, crit: Criterion, lang: str | None = DEFAULT_LANG) -> str | None:
    """"Priorité : Recommandé · Poids : 1,25" where priorities or weights tell criteria apart; None
    where every criterion weighs the same (nothing to say)."""
    weights = {ref.criterion_weight(c) for c in ref.criteria}
    parts = []
    if crit.priority is not None:
        parts.append(translate("common.priority_is", lang, priority=priority_label(crit.priority, lang)))
    if len(weights) > 1:
        parts.append(translate("common.weight_is", lang, weight=f"{ref.criterion_weight(crit):g}"))
    return " · ".join(parts) or None


class Translator:
    """``t = Translator("en"); t("context.entity")`` — bound to one language."""

    def __init__(self, lang: str | None = DEFAULT_LANG) -> None:
        self.lang: Lang = normalise(lang)

    def __call__(self, key: str, /, **fields: Any) -> str:
        return translate(key, self.lang, **fields)


class Term(str):
    """A stored value (a status, an action) shown through ``<prefix>_<value>`` when the catalog has it.

    ``str(Term("context.status", "submitted"))`` is the raw value, for logs; message rendering
    (:func:`labelnr.formatting.format_value`) shows ``context.status_submitted`` in the language.
    """

    prefix: str

    def __new__(cls, prefix: str, value: str) -> Term:
        term = super().__new__(cls, value)
        term.prefix = prefix
        return term

    def shown(self, lang: str | None) -> str:
        key = f"{self.prefix}_{re.sub(r'[^a-z0-9]+', '_', self.lower()).strip('_')}"
        return translate(key, lang) if key in catalog() else str(self)
