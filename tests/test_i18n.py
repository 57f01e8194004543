"""The translation mechanism and its catalogs: French by default, English on request, every entry
complete in both languages with the same placeholders."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from labelnr.i18n import LOCALES_DIR, MissingTranslation, Translator, catalog, normalise, translate

PLACEHOLDER = re.compile(r"\{(\w*)[^{}]*\}")


def test_french_is_the_default_and_english_is_available() -> None:
    assert translate("context.entity") == "Entité"
    assert translate("context.entity", "en") == "Entity"
    assert Translator("en")("context.campaign") == "Campaign"
    assert Translator()("context.campaign") == "Campagne"


@pytest.mark.parametrize("given", [None, "", "de", "EN", "fr"])
def test_unknown_languages_fall_back_to_french(given: str | None) -> None:
    assert normalise(given) == "fr"


def test_fields_fill_the_placeholders() -> None:
    assert translate("assessment.saved_by", "en", who="alice", when="2025-01-01") == \
        "Saved by alice on 2025-01-01."


def test_an_unknown_key_is_an_error_naming_it() -> None:
    with pytest.raises(MissingTranslation, match=r"common\.no_such_key"):
        translate("common.no_such_key", "en")


def test_every_catalog_entry_has_both_languages_and_the_same_placeholders() -> None:
    problems = []
    for key, texts in catalog().items():
        if set(texts) != {"fr", "en"}:
            problems.append(f"{key}: languages {sorted(texts)}")
            continue
        if not texts["fr"].strip() or not texts["en"].strip():
            problems.append(f"{key}: empty text")
        if sorted(PLACEHOLDER.findall(texts["fr"])) != sorted(PLACEHOLDER.findall(texts["en"])):
            problems.append(f"{key}: placeholders differ between fr and en")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", sorted(LOCALES_DIR.glob("*.yaml")), ids=lambda p: p.name)
def test_catalog_keys_are_plain_strings(path: Path) -> None:
    """YAML reads keys such as ``yes``/``no``/``on`` as booleans: a key must stay a string."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    assert isinstance(data, dict)
    odd = [k for k in data if not isinstance(k, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", k)]
    assert not odd, f"{path.name}: keys that are not lower_snake_case strings: {odd}"


def test_the_completeness_check_covers_every_catalog_file() -> None:
    """The checks above walk every file of labelnr/locales/, the CLI's messages (cli.yaml) included."""
    areas = {key.split(".", 1)[0] for key in catalog()}
    assert areas == {path.stem for path in LOCALES_DIR.glob("*.yaml")}
    assert {"cli", "errors"} <= areas
    assert translate("cli.valid_files_other", "fr", count="2") == "2 fichiers valides"
    assert translate("cli.valid_files_other", "en", count="2") == "2 valid files"


def test_every_plural_key_has_both_forms() -> None:
    """``plural(key, n)`` reads ``<key>_one`` or ``<key>_other``: a sentence with a count has both."""
    keys = set(catalog())
    stems = {key.rsplit("_", 1)[0] for key in keys if key.endswith(("_one", "_other"))}
    missing = sorted(f"{stem}_{form}" for stem in stems for form in ("one", "other")
                     if f"{stem}_{form}" not in keys)
    assert missing == []
