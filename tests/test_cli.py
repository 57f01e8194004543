"""The ``labelnr`` command line: exit codes, output lines, files written (or not)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from labelnr import cli, schema
from labelnr.cli import _referential
from labelnr.loader import DEFAULT_DIR
from labelnr.referential import Referential
from labelnr.storage.errors import NotFound

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(autouse=True)
def _in_english(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests read the English messages: LABELNR_LANG=en (French is the default, tested apart)."""
    monkeypatch.setenv("LABELNR_LANG", "en")


def run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, list[str], list[str]]:
    code = cli.main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out.splitlines(), captured.err.splitlines()


@pytest.fixture
def criteria(tmp_path: Path) -> Path:
    """A criteria folder holding the two test versions."""
    folder = tmp_path / "criteria"
    folder.mkdir()
    for name in ("v1-ref.yaml", "v2-ref.yaml"):
        shutil.copy(FIXTURES / name, folder / name)
    return folder


@pytest.fixture
def audit(tmp_path: Path) -> Path:
    path = tmp_path / "work" / "acme.yaml"
    path.parent.mkdir()
    shutil.copy(FIXTURES / "v1-audit.yaml", path)
    return path


# --- validate ------------------------------------------------------------------------------

def test_validate_the_default_criteria_folder(capsys: pytest.CaptureFixture[str]) -> None:
    shipped = sorted(DEFAULT_DIR.glob("*.y*ml"))
    code, out, err = run(capsys, "validate")
    if not shipped:  # before the referentials land: an empty folder is an error, said plainly
        assert code == 1
        assert err == [f"{cli.shown(DEFAULT_DIR)}: no YAML file (*.yaml, *.yml) in this folder"]
        return
    assert (code, err) == (0, [])
    assert [line.split()[1] for line in out[:-1]] == [str(cli.shown(p)) for p in shipped]
    assert out[-1] == f"{len(shipped)} valid files"


def test_validate_reports_one_line_per_problem(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    text = (FIXTURES / "v1-ref.yaml").read_text(encoding="utf-8")
    text = text.replace("{id: O-4, theme: ops", "{id: O-4, theme: opz").replace(
        "{id: G-2, theme: gov", "{id: G-2, theme: gov, priority: high")
    bad.write_text(text, encoding="utf-8")
    line_o4 = next(i for i, t in enumerate(text.splitlines(), 1) if "id: O-4" in t)
    line_g2 = next(i for i, t in enumerate(text.splitlines(), 1) if "id: G-2" in t)
    good = FIXTURES / "mini.yaml"
    code, out, err = run(capsys, "validate", good, bad)
    assert code == 1
    assert err == [
        f"{bad}:{line_g2}: criterion G-2: priority 'high' has no weight in scoring.priority_weights",
        f"{bad}:{line_o4}: criterion O-4: unknown theme 'opz'",
    ]
    assert out == [f"ok  {good}  mini@1: 3 criteria, 2 themes", "1 valid file, 2 problems in 1 file"]


def test_validate_yaml_syntax_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "broken-syntax.yaml"
    bad.write_text("id: x\nversion: '1'\ncriteria: [a, b\nthemes: []\n", encoding="utf-8")
    code, _, err = run(capsys, "validate", bad)
    assert code == 1
    assert len(err) == 1
    assert err[0].startswith(f"{bad}:4: YAML syntax error")


def test_validate_missing_path_and_empty_folder(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    code, _, err = run(capsys, "validate", tmp_path / "nope.yaml", empty)
    assert code == 1
    assert err == [f"{tmp_path / 'nope.yaml'}: no such file or folder",
                   f"{empty}: no YAML file (*.yaml, *.yml) in this folder"]


def test_validate_a_folder_with_versions_and_an_assessment(capsys: pytest.CaptureFixture[str], criteria: Path,
                                                           audit: Path) -> None:
    code, out, err = run(capsys, "validate", criteria, audit, "--criteria", criteria)
    assert (code, err) == (0, [])
    assert out == [
        f"ok  {criteria / 'v1-ref.yaml'}  evo@1: 8 criteria, 2 themes",
        f"ok  {criteria / 'v2-ref.yaml'}  evo@2: 7 criteria, 2 themes",
        f"ok  {audit}  acme-it baseline 2023-03-01: 8 answers to evo@1",
        "3 valid files",
    ]


def test_validate_a_newer_version_alone_finds_the_older_one_in_criteria(
        capsys: pytest.CaptureFixture[str], criteria: Path, tmp_path: Path) -> None:
    code, out, _ = run(capsys, "validate", criteria / "v2-ref.yaml", "--criteria", criteria)
    assert code == 0
    assert out[0].endswith("evo@2: 7 criteria, 2 themes")
    (tmp_path / "elsewhere").mkdir()
    code, _, err = run(capsys, "validate", criteria / "v2-ref.yaml", "--criteria", tmp_path / "elsewhere")
    assert code == 1
    assert len(err) == 1
    assert "mapping comes from version '1' of 'evo', which is not available" in err[0]


def test_validate_an_assessment_with_problems(capsys: pytest.CaptureFixture[str], criteria: Path,
                                              audit: Path) -> None:
    text = audit.read_text(encoding="utf-8").replace("O-5: {level: partial}", "O-5: {level: plenty}")
    audit.write_text(text, encoding="utf-8")
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "O-5:" in t)
    code, _, err = run(capsys, "validate", audit, "--criteria", criteria)
    assert code == 1
    assert err == [f"{audit}:{line}: criterion O-5: 'plenty' is not an answer of the scale "
                   "(none, low, partial, full, to_assess)"]


# --- diff ----------------------------------------------------------------------------------

def test_diff_human(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "diff", FIXTURES / "v1-ref.yaml", FIXTURES / "v2-ref.yaml", "--lang", "en")
    assert (code, err) == (0, [])
    assert out == [
        "evo@1 → evo@2 (through the mapping in evo@2)",
        "Added (1):",
        "  + N-1  Sufficiency",
        "Removed (2):",
        "  - O-4  Fax",
        "  - O-5  Screens  (not in the mapping: was it meant?)",
        "Renamed (1):",
        "  G-3 → GOV-3  Referent",
        "Split (1):",
        "  O-1 → O-1a, O-1b  (Devices and printing)",
        "Merged (1):",
        "  O-2 + O-3 → O-23  End of life",
        "Changed (1):",
        "  G-2  Dedicated budget: title, weight",
        "    title: Budget → Dedicated budget",
        "    weight: 1 → 2",
        "Other changes (1):",
        "  scoring.levels.2.min_points: 600 → 500",
        "Unchanged: 1 criterion",
    ]


def test_diff_french_by_default(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LABELNR_LANG")
    _, out, _ = run(capsys, "diff", FIXTURES / "v1-ref.yaml", FIXTURES / "v2-ref.yaml")
    assert "  + N-1  Sobriété" in out
    assert "    title: Budget → Budget dédié" in out
    assert out[:2] == ["evo@1 → evo@2 (par la correspondance de evo@2)", "Ajoutés (1) :"]
    assert "  - O-5  Écrans  (absent de la correspondance : est-ce voulu ?)" in out
    assert out[-1] == "Inchangé : 1 critère"


def test_diff_json(capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["diff", str(FIXTURES / "v1-ref.yaml"), str(FIXTURES / "v2-ref.yaml"), "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0
    assert data["added"] == ["N-1"]
    assert data["links"] == [
        {"kind": "renamed", "old": ["G-3"], "new": ["GOV-3"]},
        {"kind": "split", "old": ["O-1"], "new": ["O-1a", "O-1b"]},
        {"kind": "merged", "old": ["O-2", "O-3"], "new": ["O-23"]},
    ]
    assert [c["new_id"] for c in data["changed"]] == ["G-2"]


def test_diff_checks_the_mapping_against_the_old_file(capsys: pytest.CaptureFixture[str],
                                                      tmp_path: Path) -> None:
    new = tmp_path / "v2.yaml"
    text = (FIXTURES / "v2-ref.yaml").read_text(encoding="utf-8").replace("old: O-4}", "old: O-44}")
    new.write_text(text, encoding="utf-8")
    code, out, err = run(capsys, "diff", FIXTURES / "v1-ref.yaml", new)
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "O-44" in t)
    assert (code, out) == (1, [])
    assert err == [f"{new}:{line}: criterion O-44: mapping names 'O-44', which is not a criterion of "
                   "version 1"]


def test_diff_unreadable_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "diff", tmp_path / "a.yaml", FIXTURES / "v2-ref.yaml")
    assert code == 1
    assert err == [f"{tmp_path / 'a.yaml'}: cannot read the file: No such file or directory"]


# --- score ---------------------------------------------------------------------------------

def test_score_human(capsys: pytest.CaptureFixture[str], criteria: Path, audit: Path) -> None:
    code, out, err = run(capsys, "score", audit, "--criteria", criteria, "--lang", "en")
    assert (code, err) == (0, [])
    # gov (weight 2 of 3): (1 + 0.5 + 1) / 3 = 83.3 % of 666.7; ops: 3.25 / 5 = 65 % of 333.3
    assert out == [
        "Acme IT (acme-it), baseline of March 1, 2023, Evolution 1",
        "Score: 772.2 / 1,000 points (77.2 %), 8 of 8 criteria answered",
        "Label level reached: 2 (Level 2)",
        "Themes:",
        "  Governance   83.3 %   555.6 / 666.7 points  (3/3 answered)",
        "  Operations   65.0 %   216.7 / 333.3 points  (5/5 answered)",
    ]


def test_score_gaps(capsys: pytest.CaptureFixture[str], criteria: Path, audit: Path) -> None:
    audit.write_text(audit.read_text(encoding="utf-8").replace("G-1: {level: full", "G-1: {level: none"),
                     encoding="utf-8")
    code, out, _ = run(capsys, "score", audit, "--criteria", criteria)
    assert code == 0
    # gov: (0 + 0.5 + 1) / 3 = 50 % of 666.7 = 333.3, plus ops 216.7 = 550
    assert out[1] == "Score: 550 / 1,000 points (55.0 %), 8 of 8 criteria answered"
    assert out[2] == "Label level reached: none"
    assert out[out.index("Gaps:"):] == [
        "Gaps:",
        "  Level 1 (Level 1), needs 300 points:",
        "    mandatory criteria not met (1):",
        "      G-1 Written strategy",
        "  Level 2 (Level 2), needs 600 points:",
        "    50 points short",
        "    mandatory criteria not met (1):",
        "      G-1 Written strategy",
    ]


def test_score_gaps_in_french_by_default(capsys: pytest.CaptureFixture[str], criteria: Path, audit: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LABELNR_LANG")
    audit.write_text(audit.read_text(encoding="utf-8").replace("G-1: {level: full", "G-1: {level: none"),
                     encoding="utf-8")
    code, out, _ = run(capsys, "score", audit, "--criteria", criteria)
    assert code == 0
    assert out[:4] == [
        "Acme IT (acme-it), état initial du 1er mars 2023, Évolution 1",
        "Score : 550 / 1\u202f000 points (55,0 %), critères renseignés : 8 sur 8",
        "Niveau de label atteint : aucun",
        "Thèmes :",
    ]
    assert "  Gouvernance    50,0 %   333,3 / 666,7 points  (3/3 renseignés)" in out
    assert out[out.index("Écarts :"):] == [
        "Écarts :",
        "  Niveau 1 (Niveau 1), 300 points requis :",
        "    critères obligatoires non satisfaits (1) :",
        "      G-1 Stratégie écrite",
        "  Niveau 2 (Niveau 2), 600 points requis :",
        "    il manque 50 points",
        "    critères obligatoires non satisfaits (1) :",
        "      G-1 Stratégie écrite",
    ]


def test_score_json(capsys: pytest.CaptureFixture[str], criteria: Path, audit: Path) -> None:
    code = cli.main(["score", str(audit), "--criteria", str(criteria), "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0
    scores = data["scores"]
    assert (scores["referential"], scores["level"], scores["answered"]) == ("evo@1", 2, 8)
    assert round(scores["points"], 2) == 772.22
    assert round(scores["themes"]["ops"]["percent"], 2) == 65.0
    assert scores["criteria"]["O-3"]["credit"] == 0.25
    assert [g["reached"] for g in scores["gaps"]] == [True, True]
    assert data["entity"]["id"] == "acme-it"


def test_score_of_an_unknown_version(capsys: pytest.CaptureFixture[str], criteria: Path, audit: Path) -> None:
    text = audit.read_text(encoding="utf-8").replace('version: "1"', 'version: "7"')
    audit.write_text(text, encoding="utf-8")
    code, out, err = run(capsys, "score", audit, "--criteria", criteria)
    assert (code, out) == (1, [])
    assert err == [f"{audit}:2: referential evo version 7 is not available (known: evo@1, evo@2)"]


# --- migrate -------------------------------------------------------------------------------

def test_migrate_writes_a_new_file_next_to_the_original(capsys: pytest.CaptureFixture[str], criteria: Path,
                                                        audit: Path) -> None:
    original = audit.read_bytes()
    code, out, err = run(capsys, "migrate", audit, "--to", "2", "--criteria", criteria, "--lang", "en")
    target = audit.with_name("acme.2.yaml")
    assert (code, err) == (0, [])
    assert audit.read_bytes() == original
    assert out[0] == f"Wrote {target} (evo@2); {audit} is unchanged."
    assert "  answers carried: 6 (2 kept, 1 renamed, 3 to review)" in out
    assert "    review O-23: weakest of O-2, O-3" in out
    assert "  removed O-5 (its answer is dropped, not in the mapping)" in out
    assert '  commitment "Track every printer" moved from O-1 to O-1a (check it: O-1 was split)' in out
    assert "  not carried: verdict G-1: verdicts judged evo@1; the new version needs its own review" in out
    assert out[-2:] == ["Needs a new answer (1):", "  N-1  Sufficiency  (new)"]
    code, out, _ = run(capsys, "validate", target, "--criteria", criteria)
    assert code == 0
    assert out[0] == f"ok  {target}  acme-it baseline 2023-03-01: 6 answers to evo@2"


def test_migrate_never_overwrites_without_force(capsys: pytest.CaptureFixture[str], criteria: Path,
                                                audit: Path) -> None:
    target = audit.with_name("acme.2.yaml")
    target.write_text("mine\n", encoding="utf-8")
    code, out, err = run(capsys, "migrate", audit, "--to", "2", "--criteria", criteria)
    assert (code, out) == (1, [])
    assert err == [f"labelnr: {target} already exists: choose another file with -o, or add --force"]
    assert target.read_text(encoding="utf-8") == "mine\n"
    code, _, _ = run(capsys, "migrate", audit, "--to", "2", "--criteria", criteria, "--force")
    assert code == 0
    written = target.read_text(encoding="utf-8")
    assert written.startswith("format: labelnr-assessment/1\nreferential:\n  id: evo\n  version: '2'\n")


def test_migrate_output_option_and_json(capsys: pytest.CaptureFixture[str], criteria: Path, audit: Path,
                                        tmp_path: Path) -> None:
    out_file = tmp_path / "elsewhere" / "new.yaml"
    code = cli.main(["migrate", str(audit), "--to", "2", "--criteria", str(criteria), "-o", str(out_file),
                     "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0
    assert data["output"] == str(out_file)
    assert out_file.exists()
    (step,) = data["steps"]
    assert step["needs_answer"] == ["N-1"]
    assert [c["new"] for c in step["carried"] if c["review"]] == ["O-1a", "O-1b", "O-23"]


@pytest.mark.parametrize(("extra", "message"), [
    (["--to", "9"], "labelnr: version 9 of evo is not available (known versions: 1, 2)"),
    (["--to", "1"], "labelnr: the assessment already uses evo@1"),
    (["--to", "2", "-o", "{audit}"], "labelnr: {audit} is the original assessment: it is never changed, "
                                     "choose another -o"),
])
def test_migrate_refusals(capsys: pytest.CaptureFixture[str], criteria: Path, audit: Path, extra: list[str],
                          message: str) -> None:
    original = audit.read_bytes()
    args = [a.format(audit=audit) for a in extra]
    code, _, err = run(capsys, "migrate", audit, *args, "--criteria", criteria)
    assert code == 1
    assert err == [message.format(audit=audit)]
    assert audit.read_bytes() == original
    assert sorted(p.name for p in audit.parent.iterdir()) == ["acme.yaml"]


def test_migrate_needs_a_file(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "migrate", "--to", "2")
    assert code == 2
    assert err[0].startswith("labelnr migrate: give the assessment file to migrate (AUDIT.yaml)")


# --- schema --------------------------------------------------------------------------------

def test_schema_check_on_the_repository(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "schema", "--check")
    assert (code, out, err) == (0, ["JSON schemas are up to date."], [])


def test_schema_check_and_write(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    item = schema.Published(Referential, tmp_path / "referential.schema.json", "t", "d")
    monkeypatch.setattr(schema, "PUBLISHED", (item,))
    code, _, err = run(capsys, "schema", "--check")
    assert code == 1
    assert err == [f"{item.path}: out of date with the model: run `labelnr schema` and commit it"]
    code, out, _ = run(capsys, "schema")
    assert (code, out) == (0, [f"wrote {item.path}"])
    assert json.loads(item.path.read_text(encoding="utf-8"))["title"] == "t"
    assert run(capsys, "schema", "--check")[0] == 0


# --- the program ---------------------------------------------------------------------------

@pytest.mark.parametrize(("args", "code"), [([], 2), (["frobnicate"], 2), (["diff", "only-one.yaml"], 2),
                                            (["--help"], 0), (["score", "--lang", "de", "x.yaml"], 2)])
def test_usage_exit_codes(capsys: pytest.CaptureFixture[str], args: list[str], code: int) -> None:
    assert cli.main(args) == code
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    assert "usage: labelnr" in (captured.out if code == 0 else captured.err)


def test_one_command_tree_lists_every_group(capsys: pytest.CaptureFixture[str]) -> None:
    """The full help lists the commands of every group (files, store, workbook, dossier, roles)."""
    code, out, err = run(capsys, "--help")
    assert (code, err) == (0, [])
    listed = {line.split()[0] for line in out if line.startswith("    ") and line.split()}
    assert {"validate", "diff", "score", "migrate", "schema", "db", "import", "export-yaml", "export",
            "import-xlsx", "report", "users"} <= listed


def test_installed_console_script(tmp_path: Path) -> None:
    script = shutil.which("labelnr", path=str(Path(sys.executable).parent)) or shutil.which("labelnr")
    assert script is not None, "the labelnr console script is not installed (pip install -e .)"
    bad = tmp_path / "broken-theme.yaml"
    text = (FIXTURES / "mini.yaml").read_text(encoding="utf-8")
    text = text.replace("{id: B-1, theme: b,", "{id: B-1, theme: c,")
    bad.write_text(text, encoding="utf-8")
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "id: B-1" in t)
    result = subprocess.run([script, "validate", str(FIXTURES / "mini.yaml"), str(bad)],
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 1
    assert result.stderr == f"{bad}:{line}: criterion B-1: unknown theme 'c'\n"
    assert result.stdout.splitlines()[0] == f"ok  {FIXTURES / 'mini.yaml'}  mini@1: 3 criteria, 2 themes"


def test_diff_shows_where_a_long_text_changed(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    long = "A strategy exists and is signed by the board and published to every employee and reviewed"
    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    text = (FIXTURES / "v1-ref.yaml").read_text(encoding="utf-8")
    old.write_text(text.replace("en: A strategy exists.}", f"en: {long} yearly.}}"), encoding="utf-8")
    new.write_text(text.replace('version: "1"', 'version: "2"').replace(
        "en: A strategy exists.}", f"en: {long} every two years.}}"), encoding="utf-8")
    code, out, _ = run(capsys, "diff", old, new, "--lang", "en")
    assert code == 0
    assert out[1:4] == [
        "Changed (1):",
        "  G-1  Written strategy: description",
        "    description: …e and reviewed yearly. → …e and reviewed every two years.",
    ]


def test_missing_criteria_folder_is_named(capsys: pytest.CaptureFixture[str], audit: Path,
                                          tmp_path: Path) -> None:
    code, out, err = run(capsys, "score", audit, "--criteria", tmp_path / "nope")
    assert (code, out, err) == (1, [], [f"labelnr: {tmp_path / 'nope'}: no such criteria folder"])


# --- errors in the user's language -------------------------------------------------------------
def _bad_referential(tmp_path: Path) -> tuple[Path, int]:
    bad = tmp_path / "bad.yaml"
    text = (FIXTURES / "v1-ref.yaml").read_text(encoding="utf-8").replace("{id: O-4, theme: ops",
                                                                           "{id: O-4, theme: opz")
    bad.write_text(text, encoding="utf-8")
    return bad, next(i for i, t in enumerate(text.splitlines(), 1) if "id: O-4" in t)


def test_errors_follow_labelnr_lang(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    bad, line = _bad_referential(tmp_path)
    monkeypatch.setenv("LABELNR_LANG", "fr")
    assert run(capsys, "validate", bad)[2] == [f"{bad}:{line} : critère O-4 : thème « opz » inconnu"]
    monkeypatch.setenv("LABELNR_LANG", "en")
    assert run(capsys, "validate", bad)[2] == [f"{bad}:{line}: criterion O-4: unknown theme 'opz'"]


def test_errors_follow_the_lang_option(capsys: pytest.CaptureFixture[str], criteria: Path,
                                      audit: Path) -> None:
    text = audit.read_text(encoding="utf-8").replace("  G-2: {level: partial}", "  G-9: {level: partial}")
    audit.write_text(text, encoding="utf-8")
    code, _, err = run(capsys, "score", audit, "--criteria", criteria, "--lang", "fr")
    assert code == 1
    assert any("critère G-9 : identifiant de critère « G-9 » inconnu dans" in e for e in err), err
    _, _, err = run(capsys, "score", audit, "--criteria", criteria, "--lang", "en")
    assert any("criterion G-9: unknown criterion id 'G-9' in" in e for e in err), err


def test_a_store_error_in_french(capsys: pytest.CaptureFixture[str],
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A core error without ``--lang`` follows LABELNR_LANG; its English text stays in str()."""

    def refuse(args: object) -> int:
        raise NotFound.of("no_campaign", campaign=42)

    def register(sub: cli.Subparsers) -> None:
        sub.add_parser("validate").set_defaults(func=refuse)

    monkeypatch.setitem(cli.CORE, "validate", register)
    monkeypatch.setenv("LABELNR_LANG", "fr")
    assert run(capsys, "validate")[2] == ["labelnr: il n'y a pas de campagne 42"]
    monkeypatch.setenv("LABELNR_LANG", "en")
    assert run(capsys, "validate")[2] == ["labelnr: there is no campaign 42"]
    monkeypatch.delenv("LABELNR_LANG")  # French, the product's default
    assert run(capsys, "validate")[2] == ["labelnr: il n'y a pas de campagne 42"]
    assert run(capsys, "validate", "--lang", "en")[2] == ["labelnr: there is no campaign 42"]
def test_diff_given_newest_first_compares_in_the_right_direction(capsys: pytest.CaptureFixture[str]) -> None:
    old, new = FIXTURES / "v1-ref.yaml", FIXTURES / "v2-ref.yaml"
    code, out, err = run(capsys, "diff", new, old, "--lang", "en")
    assert code == 0
    assert err == [f"note: {new} is the newer version: comparing {old} → {new}"]
    _, in_order, _ = run(capsys, "diff", old, new, "--lang", "en")
    assert out == in_order
    assert "  G-3 → GOV-3  Referent" in out


def test_diff_json_given_newest_first_uses_the_mapping(capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["diff", str(FIXTURES / "v2-ref.yaml"), str(FIXTURES / "v1-ref.yaml"), "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0
    assert (data["old"], data["new"], data["mapping_used"]) == ("evo@1", "evo@2", True)
    assert data["added"] == ["N-1"]


def test_an_os_error_no_check_caught_is_one_line(capsys: pytest.CaptureFixture[str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(args: object) -> int:
        raise PermissionError(13, "Permission denied", "/somewhere/file.yaml")

    monkeypatch.setattr(_referential, "cmd_schema", refuse)
    code, out, err = run(capsys, "schema")
    assert (code, out) == (1, [])
    assert err == ["labelnr: /somewhere/file.yaml: Permission denied"]


def test_validate_warns_about_answers_an_applicability_no_sets_aside(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    audit = tmp_path / "app.yaml"
    audit.write_text(textwrap.dedent("""\
        format: labelnr-assessment/1
        referential: {id: profiles-test, version: "1"}
        applicability: {datacenter: false}
        organisation: {id: org, name: Org}
        entity: {id: org, name: Org}
        campaign: {period: year1, date: 2024-06-01}
        answers:
          DC-1: {level: full}
        """), encoding="utf-8")
    code, out, err = run(capsys, "validate", audit, "--criteria", FIXTURES)
    assert (code, err) == (0, [])
    assert f"  warning: {audit}:3: applicability 'datacenter: no' leaves out DC-1: their answers are not " \
        "scored" in out


def test_validate_reports_a_file_that_fails_unexpectedly_and_checks_the_others(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import labelnr.loader as loader

    for name in ("v1-ref.yaml", "mini.yaml"):
        shutil.copy(FIXTURES / name, tmp_path / name)
    real = loader.load_referential

    def flaky(path: Path, located: object = None) -> loader.LoadedReferential:
        if path.name == "v1-ref.yaml":
            raise MemoryError("out of memory")
        return real(path, located)  # type: ignore[arg-type]

    monkeypatch.setattr(loader, "load_referential", flaky)
    code, out, err = run(capsys, "validate", tmp_path / "v1-ref.yaml", tmp_path / "mini.yaml")
    assert code == 1
    assert err == [f"{tmp_path / 'v1-ref.yaml'}: could not be loaded (MemoryError: out of memory)"]
    assert out[0].startswith(f"ok  {tmp_path / 'mini.yaml'}  mini@1")


#: Not even the catalogs (PyYAML) nor Babel: the messages are loaded when a command has something to say.
HEAVY = ("sqlalchemy", "pandas", "openpyxl", "numpy", "alembic", "pydantic", "yaml", "babel")


@pytest.mark.parametrize("args", [["--version"], ["--help"]], ids=lambda a: a[0])
def test_version_and_help_import_no_heavy_library(args: list[str]) -> None:
    """What `labelnr --version` / `--help` import, every command listed (a fresh interpreter)."""
    probe = textwrap.dedent(f"""
        import contextlib, io, sys
        from labelnr import cli
        with contextlib.redirect_stdout(io.StringIO()) as text:
            code = cli.main({args!r})
        print(code, "db" in text.getvalue() and "export" in text.getvalue() or {args!r} == ["--version"])
        print(" ".join(sorted({{m.split(".")[0] for m in sys.modules}} & set({HEAVY!r}))))
    """)
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    status, loaded = [*run.stdout.splitlines(), ""][:2]
    assert status == "0 True", run.stdout + run.stderr
    assert loaded == "", f"{args} imported {loaded}"


def test_the_version_starts_without_the_store() -> None:
    """`python -m labelnr.cli --version`, as the console script runs it: no SQLAlchemy, pandas or store."""
    run = subprocess.run([sys.executable, "-X", "importtime", "-m", "labelnr.cli", "--version"],
                         capture_output=True, text=True, check=False)
    assert (run.returncode, run.stdout.split()[:1]) == (0, ["labelnr"]), run.stdout + run.stderr
    imported = {line.split("|")[-1].strip() for line in run.stderr.splitlines()
                if line.startswith("import time:")}
    assert "labelnr.cli" in imported
    assert not {m for m in imported if m.split(".")[0] in ("sqlalchemy", "pandas")}
    assert not {m for m in imported if m.startswith("labelnr.storage")}


def test_validating_referentials_does_not_import_the_assessment_model() -> None:
    probe = textwrap.dedent(f"""
        import contextlib, io, sys
        from labelnr import cli
        with contextlib.redirect_stdout(io.StringIO()):
            code = cli.main(["validate", {str(DEFAULT_DIR)!r}])
        print(code, "labelnr.interchange" in sys.modules, "sqlalchemy" in sys.modules)
    """)
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "0 False False", run.stdout + run.stderr


def test_an_unknown_language_in_the_environment_is_named_before_any_command(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LABELNR_LANG", "de")
    assert cli.main(["validate", "criteria", "--lang", "en"]) == 2
    assert capsys.readouterr().err.strip() == (
        "labelnr: LABELNR_LANG=de: unknown language (expected one of: fr, en)")
    assert cli.main(["validate", "criteria"]) == 2  # French, the default, when LABELNR_LANG is the wrong one
    assert capsys.readouterr().err.strip() == (
        "labelnr: LABELNR_LANG=de : langue inconnue (possibles : fr, en)")


def test_the_language_of_the_environment_is_the_default_of_lang(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("LABELNR_LANG", "en")
    missing = tmp_path / "nowhere.yaml"
    assert cli.main(["validate", str(missing)]) != 0
    monkeypatch.setenv("LABELNR_LANG", "fr")
    english = capsys.readouterr().err
    assert cli.main(["validate", str(missing)]) != 0
    assert capsys.readouterr().err != english
