"""The store's subcommands: db upgrade/check/sweep, import, export-yaml."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from labelnr.cli._auth import register as register_users
from labelnr.cli._db import add_campaign_migration_options, cmd_migrate_campaign, register
from labelnr.errors import InvalidFile
from labelnr.loader import load_catalog
from labelnr.permissions import PermissionDenied
from labelnr.storage import NotFound, open_store


@pytest.fixture(autouse=True)
def _cli_in_english(monkeypatch: pytest.MonkeyPatch) -> None:
    """The commands here are read in English: LABELNR_LANG=en (French, the default, is tested in test_cli)."""
    monkeypatch.setenv("LABELNR_LANG", "en")


FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
ASSESSMENT = """\
referential: {id: mini, version: "1"}
organisation: {id: acme, name: ACME}
entity: {id: acme-group, name: ACME Group}
campaign: {period: baseline, date: 2025-01-10}
answers:
  A-1: {level: full}
"""


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="labelnr")
    commands = parser.add_subparsers(dest="command", required=True)
    register(commands)
    register_users(commands)
    args = parser.parse_args(argv)
    return int(args.func(args))


@pytest.fixture
def common(db_url: str, tmp_path: Path) -> list[str]:
    return [
        "--database",
        db_url,
        "--data-dir",
        str(tmp_path / "data"),
        "--criteria",
        str(FIXTURES / "mini.yaml"),
    ]


def test_upgrade_import_export_and_check(
    common: list[str], tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("db", "upgrade", "--database", db_url) == 0
    assert "schema upgraded to revision" in capsys.readouterr().out
    assert run("db", "upgrade", "--database", db_url) == 0
    assert "schema already at revision" in capsys.readouterr().out

    source = tmp_path / "in.yaml"
    source.write_text(ASSESSMENT, encoding="utf-8")
    # --as names who acts, and that identity's roles are checked like in the app.
    with pytest.raises(PermissionDenied, match=r"cli@example\.org may not"):
        run("import", str(source), "--as", "cli@example.org", *common)
    assert run("users", "grant", "cli@example.org", "admin", "*", *common) == 0
    assert run("import", str(source), "--as", "cli@example.org", *common) == 0
    assert "in.yaml: created campaign 1" in capsys.readouterr().out

    # Someone without a role on the campaign's entity is told it does not exist (nothing leaks).
    with pytest.raises(NotFound, match="there is no campaign 1"):
        run("export-yaml", "1", "--as", "nobody@example.org", *common)
    assert run("export-yaml", "1", *common) == 0
    assert capsys.readouterr().out.startswith("format: labelnr-assessment/1\n")
    target = tmp_path / "one.yaml"
    assert run("export-yaml", "1", "-o", str(target), *common) == 0
    assert "A-1:\n    level: full" in target.read_text(encoding="utf-8")
    assert run("export-yaml", "--all", str(tmp_path / "all"), *common) == 0
    assert [p.name for p in (tmp_path / "all").iterdir()] == ["acme-group--mini-1--baseline.yaml"]

    assert run("db", "check", *common) == 0
    assert (
        capsys.readouterr()
        .out.strip()
        .endswith("OK: database checked, 0 evidence files verified against their SHA-256")
    )
    assert run("db", "sweep", "--grace-hours", "0", *common) == 0

    with open_store(db_url, tmp_path / "data", import_demo=False) as store:
        assert store.history(1, "A-1")[0].actor == "cli@example.org"


def test_backup_and_restore_commands(common: list[str], tmp_path: Path, db_url: str,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "in.yaml"
    source.write_text(ASSESSMENT, encoding="utf-8")
    assert run("import", str(source), *common) == 0
    # Every organisation's data is in a backup: only an administrator of the installation.
    with pytest.raises(PermissionDenied, match=r"steer@example\.org may not 'manage' on the whole"):
        run("db", "backup", str(tmp_path / "b0"), "--as", "steer@example.org", *common)
    assert not (tmp_path / "b0").exists()
    assert run("db", "backup", str(tmp_path / "b1"), *common) == 0
    assert "to " + str(tmp_path / "b1") in capsys.readouterr().out
    other = ["--database", f"sqlite:///{tmp_path / 'other.db'}", "--data-dir", str(tmp_path / "other"),
             "--criteria", str(FIXTURES / "mini.yaml")]
    assert run("db", "restore", str(tmp_path / "b1"), *other) == 0
    assert run("db", "check", *other) == 0
    assert run("export-yaml", "1", *other) == 0
    assert "A-1:\n    level: full" in capsys.readouterr().out


def test_a_broken_file_is_reported_and_nothing_is_imported(common: list[str], tmp_path: Path) -> None:
    source = tmp_path / "bad.yaml"
    source.write_text(ASSESSMENT.replace("level: full", "level: great"), encoding="utf-8")
    with pytest.raises(InvalidFile, match=r"bad.yaml:6: criterion A-1: 'great' is not an answer"):
        run("import", str(source), *common)
    with pytest.raises(InvalidFile, match="either a CAMPAIGN_ID or --all DIR"):
        run("export-yaml", *common)


def test_migrate_a_stored_campaign(
    common: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    parser = argparse.ArgumentParser(prog="labelnr migrate")
    parser.add_argument("--to", required=True)
    add_campaign_migration_options(parser)
    fixtures = ["--criteria", str(FIXTURES / "v1-ref.yaml"), "--criteria", str(FIXTURES / "v2-ref.yaml")]
    source = tmp_path / "evo.yaml"
    source.write_text(
        'referential: {id: evo, version: "1"}\norganisation: {id: acme, name: ACME}\n'
        "entity: {id: it, name: IT}\ncampaign: {period: baseline, date: 2025-01-10}\n"
        "answers:\n  O-2: {level: full}\n  O-3: {level: low}\n  O-4: {level: full}\n",
        encoding="utf-8",
    )
    assert run("import", str(source), *common[:4], *fixtures) == 0
    capsys.readouterr()
    args = parser.parse_args(["--campaign", "1", "--to", "2", *common[:4], *fixtures])
    assert cmd_migrate_campaign(args) == 0
    out = capsys.readouterr().out
    assert "evo@1 -> evo@2: 1 answer carried, 1 to review" in out
    assert out.strip().endswith("created draft campaign 2 on evo@2 (from campaign 1)")


SERVICE = """\
referential: {id: rgesn-mini, version: "2024"}
organisation: {id: acme, name: ACME}
entity: {id: portal, name: Portal, parent: acme-group, kind: website}
campaign: {period: baseline, date: 2025-02-10}
answers:
  "1.1": {level: to_assess, owner: Ines (product owner)}
"""


def test_import_csv_applies_statuses_all_or_nothing(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    common = ["--database", db_url, "--data-dir", str(tmp_path / "data"),
              "--criteria", str(FIXTURES / "mini.yaml"), "--criteria", str(FIXTURES / "rgesn-mini.yaml")]
    (tmp_path / "group.yaml").write_text(ASSESSMENT, encoding="utf-8")
    (tmp_path / "portal.yaml").write_text(SERVICE, encoding="utf-8")
    assert run("import", str(tmp_path / "group.yaml"), str(tmp_path / "portal.yaml"), *common) == 0
    with open_store(db_url, tmp_path / "data", load_catalog([FIXTURES / "rgesn-mini.yaml"]),
                    import_demo=False) as store:
        campaign = store.campaigns("portal")[0].id
    bad = tmp_path / "bad.csv"
    bad.write_text("critère;statut;justification\n1.1;Validé;ok\n9.9;Validé;\n", encoding="utf-8")
    with pytest.raises(InvalidFile, match=r"bad\.csv"):
        run("import-csv", str(campaign), str(bad), *common)
    good = tmp_path / "good.csv"
    good.write_text("critère;statut;justification\n1.1;Validé;Revue du 10/02\n", encoding="utf-8")
    capsys.readouterr()
    assert run("import-csv", str(campaign), str(good), *common) == 0
    assert "1 answer read" in capsys.readouterr().out
    with open_store(db_url, tmp_path / "data", load_catalog([FIXTURES / "rgesn-mini.yaml"]),
                    import_demo=False) as store:
        answer = store.campaign(campaign).assessment.answers["1.1"]
    assert (answer.level, answer.comment) == ("validated", "Revue du 10/02")
    assert answer.owner == "Ines (product owner)"  # what the CSV does not say stays as stored
