"""Every message of ``labelnr`` in the user's language: ``--lang``, else ``LABELNR_LANG``, else French.

Counts take their real plural form (no "file(s)"), numbers and dates are written the language's way,
and every command accepts ``--lang``. The rest of the CLI tests read the English messages.
"""

from __future__ import annotations

import argparse
import ast
import re
import shutil
import sys
from pathlib import Path

import pytest

from labelnr import cli
from labelnr.cli import _excel
from labelnr.i18n import catalog

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
DEMO = ROOT / "audits" / "hexapost-group-year1.yaml"


@pytest.fixture(autouse=True)
def _no_language_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LABELNR_LANG", raising=False)


def run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, list[str], list[str]]:
    code = cli.main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out.splitlines(), captured.err.splitlines()


@pytest.fixture
def criteria(tmp_path: Path) -> Path:
    folder = tmp_path / "criteria"
    folder.mkdir()
    for name in ("v1-ref.yaml", "v2-ref.yaml"):
        shutil.copy(FIXTURES / name, folder / name)
    return folder


# --- French by default -----------------------------------------------------------------------------

def test_validate_speaks_french_by_default(capsys: pytest.CaptureFixture[str], criteria: Path,
                                           tmp_path: Path) -> None:
    audit = tmp_path / "acme.yaml"
    shutil.copy(FIXTURES / "v1-audit.yaml", audit)
    code, out, err = run(capsys, "validate", criteria, audit, "--criteria", criteria)
    assert (code, err) == (0, [])
    assert out == [
        f"ok  {criteria / 'v1-ref.yaml'}  evo@1 : 8 critères, 2 thèmes",
        f"ok  {criteria / 'v2-ref.yaml'}  evo@2 : 7 critères, 2 thèmes",
        f"ok  {audit}  acme-it baseline 2023-03-01 : 8 réponses pour evo@1",
        "3 fichiers valides",
    ]


def test_validate_problems_in_french_by_default(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    code, out, err = run(capsys, "validate", FIXTURES / "mini.yaml", missing)
    assert code == 1
    assert err == [f"{missing} : fichier ou dossier introuvable"]
    assert out[-1] == "1 fichier valide, 1 problème dans 1 fichier"


def test_validate_takes_lang_en(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """``labelnr validate --lang en`` was refused ("unrecognized arguments")."""
    missing = tmp_path / "nope.yaml"
    code, out, err = run(capsys, "validate", FIXTURES / "mini.yaml", missing, "--lang", "en")
    assert code == 1
    assert err == [f"{missing}: no such file or folder"]
    assert out == [f"ok  {FIXTURES / 'mini.yaml'}  mini@1: 3 criteria, 2 themes",
                   "1 valid file, 1 problem in 1 file"]


def test_lang_wins_over_the_environment(capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LABELNR_LANG", "en")
    assert run(capsys, "validate", FIXTURES / "mini.yaml")[1][-1] == "1 valid file"
    assert run(capsys, "validate", FIXTURES / "mini.yaml", "--lang", "fr")[1][-1] == "1 fichier valide"


@pytest.mark.parametrize(("lang", "one", "two", "none"), [
    ("fr", "1 fichier valide", "2 fichiers valides", "0 fichier valide"),  # French: 0 is singular
    ("en", "1 valid file", "2 valid files", "0 valid files"),
])
def test_counts_take_their_plural_form(capsys: pytest.CaptureFixture[str], tmp_path: Path, lang: str,
                                       one: str, two: str, none: str) -> None:
    mini, v1 = FIXTURES / "mini.yaml", FIXTURES / "v1-ref.yaml"
    assert run(capsys, "validate", mini, "--lang", lang)[1][-1] == one
    assert run(capsys, "validate", mini, v1, "--lang", lang)[1][-1] == two
    assert run(capsys, "validate", tmp_path / "none.yaml", "--lang", lang)[1][-1].startswith(none)


def test_an_export_line_in_french_by_default(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out_file = tmp_path / "group.xlsx"
    code, out, err = run(capsys, "export", DEMO, "--xlsx", out_file, "--criteria", ROOT / "criteria")
    assert (code, err) == (0, [])
    assert re.fullmatch(rf"{re.escape(str(out_file))} écrit \(\d+ critères, \d+ preuves?\)", out[0]), out
    code, out, _ = run(capsys, "export", DEMO, "--xlsx", out_file, "--criteria", ROOT / "criteria",
                       "--lang", "en")
    assert re.fullmatch(rf"wrote {re.escape(str(out_file))} \(\d+ criteria, \d+ evidence items?\)",
                        out[0]), out


def test_an_import_xlsx_error_in_french_by_default(capsys: pytest.CaptureFixture[str],
                                                   tmp_path: Path) -> None:
    junk = tmp_path / "notes.xlsx"
    junk.write_bytes(b"not a workbook at all")
    code, _, err = run(capsys, "import-xlsx", junk, "--yes")
    assert code == 1
    assert len(err) == 1
    assert err[0].startswith(f"{junk} : ce n'est pas un classeur .xlsx : le fichier n'est pas une "
                             "archive zip"), err


def test_a_migration_report_in_french(capsys: pytest.CaptureFixture[str], criteria: Path,
                                      tmp_path: Path) -> None:
    audit = tmp_path / "acme.yaml"
    shutil.copy(FIXTURES / "v1-audit.yaml", audit)
    code, out, _ = run(capsys, "migrate", audit, "--to", "2", "--criteria", criteria)
    assert code == 0
    assert out[0] == f"{audit.with_name('acme.2.yaml')} écrit (evo@2) ; {audit} reste inchangé."
    assert "  réponses reprises : 6 (2 conservées, 1 renommée, 3 à revoir)" in out
    assert ("  non repris : verdict G-1 : les verdicts jugeaient evo@1 ; la nouvelle version demande sa "
            "propre revue") in out
    assert out[-2:] == ["À renseigner (1) :", "  N-1  Sobriété  (nouveau)"]


def test_a_usage_error_in_french(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "migrate", "--to", "2")
    assert code == 2
    assert err == ["labelnr migrate: donnez le fichier d'évaluation à migrer (AUDIT.yaml)"]


@pytest.mark.parametrize(("args", "french", "english"), [
    (["validate", "--frob"], "labelnr: erreur : arguments non reconnus : --frob",
     "labelnr: error: unrecognized arguments: --frob"),
    (["score"], "labelnr score: erreur : ces arguments sont obligatoires : AUDIT.yaml",
     "labelnr score: error: the following arguments are required: AUDIT.yaml"),
    (["score", "x.yaml", "--lang", "de"],
     "labelnr score: erreur : argument --lang : choix invalide : 'de' (possibles : 'fr', 'en')",
     "labelnr score: error: argument --lang: invalid choice: 'de' (choose from 'fr', 'en')"),
    (["export", "1", "--as-of", "demain"],
     "labelnr export: erreur : argument --as-of : « demain » n'est pas une date (AAAA-MM-JJ)",
     "labelnr export: error: argument --as-of: 'demain' is not a date (YYYY-MM-DD)"),
    (["migrate", "x.yaml", "--to"], "labelnr migrate: erreur : argument --to : une valeur est attendue",
     "labelnr migrate: error: argument --to: expected one argument"),
])
def test_argparse_refusals_in_the_language(capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch, args: list[str], french: str,
                                           english: str) -> None:
    """The usage line stays argparse's; the error follows --lang, else LABELNR_LANG, else French."""
    code, _, err = run(capsys, *args)
    assert (code, err[0].startswith("usage: labelnr"), err[-1]) == (2, True, french)
    assert run(capsys, *args, "--lang", "en")[2][-1] == english
    monkeypatch.setenv("LABELNR_LANG", "en")
    assert run(capsys, *args)[2][-1] == english


# --- every command, one option -----------------------------------------------------------------------

def _commands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...],
                                                                                           argparse.ArgumentParser]]:
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, command in action.choices.items():
                found += _commands(command, (*path, name))
    if parser.get_default("func") is not None:
        found.append((path, parser))
    return found


def test_every_command_takes_lang() -> None:
    commands = _commands(cli.build_parser(["--campaign"]))
    assert len(commands) >= 17
    without = [" ".join(path) for path, parser in commands if "--lang" not in parser._option_string_actions]
    assert without == []
    for path, parser in commands:
        lang = parser._option_string_actions["--lang"]
        assert lang.choices == ("fr", "en"), path
        assert "default: LABELNR_LANG, else fr" in (lang.help or ""), path


def test_the_help_says_french_is_the_default(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--help")
    assert code == 0
    assert "--lang fr|en" in " ".join(out)
    assert "LABELNR_LANG, else fr" in " ".join(out)


# --- no "(s)" --------------------------------------------------------------------------------------------

PARENTHESISED_PLURAL = re.compile(r"\w\((?:s|e|es|x|e\)\(s)\)")


def test_no_parenthesised_plural_in_the_catalogs() -> None:
    bad = [f"{key} ({lang}): {text}" for key, texts in catalog().items() for lang, text in texts.items()
           if PARENTHESISED_PLURAL.search(text)]
    assert bad == []


def test_no_parenthesised_plural_in_the_cli_sources() -> None:
    """No string written in the CLI's code (every literal, f-strings' parts too) says "file(s)"."""
    sources = sorted((ROOT / "labelnr" / "cli").glob("*.py"))
    bad = [f"{path.name}:{node.lineno}: {node.value!r}" for path in sources
           for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
           if isinstance(node, ast.Constant) and isinstance(node.value, str)
           and PARENTHESISED_PLURAL.search(node.value)]
    assert bad == []


def test_the_scan_sees_a_parenthesised_plural() -> None:
    assert PARENTHESISED_PLURAL.search("wrote 3 file(s)")
    assert PARENTHESISED_PLURAL.search("preuve(s) enregistrée(s)")
    assert not PARENTHESISED_PLURAL.search("1 fichier valide, 2 problèmes dans 1 fichier")


def test_the_cli_messages_are_in_the_catalog_not_in_f_strings() -> None:
    """``out``/``err``/``input`` print catalog texts: no English sentence written in the CLI's code."""
    sentence = re.compile(r"""\b(?:out|err|input)\(\s*f?["'][^"']*[a-z]{3,} [a-z]{2,}""")
    sources = sorted((ROOT / "labelnr" / "cli").glob("*.py"))
    bad = [f"{path.name}:{n}: {line.strip()}" for path in sources
           for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
           if sentence.search(line)]
    assert bad == []


def test_every_cli_count_has_both_plural_forms() -> None:
    keys = {k for k in catalog() if k.startswith("cli.")}
    assert len(keys) > 100
    stems = {k.rsplit("_", 1)[0] for k in keys if k.endswith(("_one", "_other"))}
    missing = sorted(f"{stem}_{form}" for stem in stems for form in ("one", "other")
                     if f"{stem}_{form}" not in keys)
    assert missing == []


@pytest.mark.parametrize("key", sorted(k for k in catalog() if k.startswith("cli.")))
def test_french_cli_messages_use_french_punctuation(key: str) -> None:
    french = catalog()[key]["fr"]
    assert not re.search(r"\w[:;?!]( |$)", french), f"{key}: a space goes before ':', ';', '?', '!' in French"


# --- the confirmation of import-xlsx ---------------------------------------------------------------------

@pytest.mark.parametrize(("lang", "count", "prompt"), [
    ("fr", 1, "Appliquer cette modification ? [o/N] "), ("fr", 3, "Appliquer ces 3 modifications ? [o/N] "),
    ("en", 1, "Apply this change? [y/N] "), ("en", 3, "Apply these 3 changes? [y/N] "),
])
@pytest.mark.parametrize(("answer", "yes"), [("o", True), ("oui", True), ("y", True), ("YES", True),
                                             ("", False), ("n", False), ("non", False)])
def test_the_confirmation_asks_in_the_language_and_takes_oui(
        monkeypatch: pytest.MonkeyPatch, lang: str, count: int, prompt: str, answer: str, yes: bool) -> None:
    asked: list[str] = []

    def reply(question: str) -> str:
        asked.append(question)
        return answer

    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    monkeypatch.setattr("builtins.input", reply)
    assert _excel._confirm(argparse.Namespace(lang=lang), count) is yes
    assert asked == [prompt]
