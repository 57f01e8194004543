"""``labelnr users list|grant|revoke``: role grants from the command line, checked like any change."""

from __future__ import annotations

from pathlib import Path

import pytest

from labelnr.cli import main
from labelnr.loader import load_catalog
from labelnr.storage import open_store


@pytest.fixture(autouse=True)
def _cli_in_english(monkeypatch: pytest.MonkeyPatch) -> None:
    """The commands here are read in English: LABELNR_LANG=en (French, the default, is tested in test_cli)."""
    monkeypatch.setenv("LABELNR_LANG", "en")


FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def common(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Options pointing at a database with one organisation (acme → group → dsi-a)."""
    monkeypatch.delenv("LABELNR_ACTOR", raising=False)
    url = f"sqlite:///{tmp_path / 'labelnr.db'}"
    store = open_store(url, tmp_path / "data", load_catalog([FIXTURES / "mini.yaml"]), import_demo=False)
    store.create_organisation("local", "acme", "ACME")
    store.create_entity("local", "acme", "group", "ACME Group")
    store.create_entity("local", "acme", "dsi-a", "IT A", parent_id="group")
    store.dispose()
    return [
        "--database",
        url,
        "--data-dir",
        str(tmp_path / "data"),
        "--criteria",
        str(FIXTURES / "mini.yaml"),
    ]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_grant_list_and_revoke(common: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "users", "list", *common) == (
        0,
        "no role granted yet (the local administrator needs none)\n",
        "",
    )
    code, out, _ = run(capsys, "users", "grant", "Ann@Example.org", "referent", "dsi-a", *common)
    assert code == 0
    assert out == "ann@example.org now holds referent on dsi-a (ACME / ACME Group / IT A)\n"
    assert run(capsys, "users", "grant", "boss@example.org", "admin", "*", *common)[0] == 0
    assert run(capsys, "users", "grant", "sam@example.org", "steering", "acme", *common)[0] == 0
    code, out, _ = run(capsys, "users", "list", *common)
    assert out.splitlines() == [
        "boss@example.org  admin     *      whole installation",
        "sam@example.org   steering  acme   ACME",
        "ann@example.org   referent  dsi-a  ACME / ACME Group / IT A",
    ]
    assert run(capsys, "users", "list", "ANN@example.org", *common)[1].splitlines() == [
        "ann@example.org  referent  dsi-a  ACME / ACME Group / IT A"
    ]
    code, out, _ = run(capsys, "users", "revoke", "ann@example.org", "referent", "dsi-a", *common)
    assert (code, out) == (
        0,
        "ann@example.org no longer holds referent on dsi-a (ACME / ACME Group / IT A)\n",
    )
    code, _, err = run(capsys, "users", "revoke", "ann@example.org", "referent", "dsi-a", *common)
    assert code == 1
    assert "does not hold referent on dsi-a: nothing to revoke" in err


def test_the_command_is_checked_as_the_identity_it_acts_for(
    common: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "users", "grant", "chief@example.org", "admin", "acme", *common)
    code, _, err = run(
        capsys, "users", "grant", "x@example.org", "admin", "*", "--as", "chief@example.org", *common
    )
    assert code == 1
    assert (
        err
        == "labelnr: chief@example.org may not 'manage' on the whole installation: no role grants it there\n"
    )
    code, out, _ = run(
        capsys, "users", "grant", "x@example.org", "referent", "dsi-a", "--as", "chief@example.org", *common
    )
    assert code == 0
    assert "x@example.org now holds referent on dsi-a" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["users", "grant", "ann", "referent", "dsi-a"], "'ann' is not an e-mail address"),
        (["users", "grant", "ann@example.org", "referent", "nowhere"], "there is no organisation 'nowhere'"),
    ],
)
def test_bad_input_is_explained(
    common: list[str], capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, _, err = run(capsys, *args, *common)
    assert code == 1
    assert message in err


def test_an_unknown_role_is_a_usage_error(common: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "users", "grant", "ann@example.org", "boss", "dsi-a", *common)
    assert code == 2
    assert "invalid choice: 'boss'" in err
