"""RGESN answers from a CSV of criterion id, status, justification."""

from __future__ import annotations

from pathlib import Path

import pytest

from labelnr.csvanswers import parse_answers, read_answers
from labelnr.errors import InvalidFile, render
from labelnr.loader import load_referential
from labelnr.referential import Referential

GRID = Path(__file__).resolve().parent.parent / "criteria" / "rgesn-2024.yaml"


@pytest.fixture(scope="module")
def grid() -> Referential:
    return load_referential(GRID).referential


def test_a_french_export_with_semicolons_labels_and_aliases(grid: Referential) -> None:
    raw = ("\ufeffCritère;Statut;Justification\n"
           "1.1;Validé;Étude d'utilité de mars\n"
           "1.2;conforme;\n"
           "1.3;En cours;Référent en recrutement\n"
           "\n"
           "1.7;Non applicable;Aucun chiffrement : site statique public\n"
           "1.8;A EVALUER;\n"
           "4.14;Non conforme;Bandeau de relance à revoir\n").encode()
    answers = {a.criterion_id: a for a in parse_answers(raw, "rgesn.csv", grid)}
    assert {cid: a.answer.level for cid, a in answers.items()} == {
        "1.1": "validated", "1.2": "validated", "1.3": "in_progress", "1.7": None, "1.8": "to_assess",
        "4.14": "not_validated"}
    assert answers["1.1"].answer.comment == "Étude d'utilité de mars"
    assert answers["1.2"].answer.comment is None
    na = answers["1.7"].answer.not_applicable
    assert na is not None
    assert na.justification == "Aucun chiffrement : site statique public"
    # Lines as a spreadsheet shows them (the blank line counts).
    assert answers["4.14"].line == 8


def test_english_columns_in_another_order_with_commas(grid: Referential) -> None:
    raw = b'status,criterion id,comment\n"In progress",2.1,"Profiles listed, not yet reviewed"\n'
    [answer] = parse_answers(raw, "x.csv", grid)
    assert (answer.criterion_id, answer.answer.level) == ("2.1", "in_progress")
    assert answer.answer.comment == "Profiles listed, not yet reviewed"


def test_every_problem_is_reported_at_once_with_its_line(grid: Referential) -> None:
    raw = ("criterion;status;justification\n"
           "1.1;Validé;\n"
           "1.99;Validé;\n"          # unknown id
           "1.1;En cours;\n"         # twice
           "1.2;Peut-être;\n"        # unknown status
           "1.3;N/A;\n"              # 1.3 applies to every service
           "1.7;N/A;\n").encode()    # N/A without justification
    with pytest.raises(InvalidFile) as info:
        parse_answers(raw, "bad.csv", grid)
    got = [(p.line, p.criterion, p.message.split(" (")[0]) for p in info.value.problems]
    assert got == [
        (3, "1.99", "unknown criterion id '1.99' in rgesn@2024"),
        (4, "1.1", "answered twice"),
        (5, "1.2", "unknown status 'Peut-être'"),
        (6, "1.3", "this criterion cannot be declared not applicable"),
        (7, "1.7", "'not applicable' needs a justification"),
    ]
    assert all(p.file == "bad.csv" for p in info.value.problems)


def test_the_problems_of_a_file_read_in_french_and_english(grid: Referential) -> None:
    raw = ("critère;statut;justification\n"
           "1.1;Validé;\n"
           "1.99;Validé;\n"
           "1.1;En cours;\n"
           "1.2;Peut-être;\n"
           "1.3;N/A;\n"
           "1.7;N/A;\n").encode()
    with pytest.raises(InvalidFile) as info:
        parse_answers(raw, "bad.csv", grid)
    french = render(info.value, "fr").splitlines()
    assert french[:2] == ["bad.csv:3 : critère 1.99 : identifiant de critère « 1.99 » inconnu dans "
                          "rgesn@2024",
                          "bad.csv:4 : critère 1.1 : répondu deux fois (la première fois ligne 2)"]
    assert french[2].startswith("bad.csv:5 : critère 1.2 : statut « Peut-être » inconnu (attendu : Validé, ")
    assert french[2].endswith(", Non applicable)")
    assert french[3:] == ["bad.csv:6 : critère 1.3 : ce critère ne peut pas être déclaré non applicable",
                          "bad.csv:7 : critère 1.7 : « non applicable » demande une justification"]
    english = render(info.value, "en").splitlines()
    assert english[1] == "bad.csv:4: criterion 1.1: answered twice (first on line 2)"
    assert english == str(info.value).splitlines()


@pytest.mark.parametrize(("raw", "french"), [
    (b"", "odd.csv:1 : le fichier est vide"),
    (b"a;b;c\n1.1;x;y\n", "odd.csv:1 : la première ligne doit nommer les colonnes : critère (ou criterion)"),
    (b"crit\xe8re;statut\n1.1;Valid\xe9\n", "odd.csv:1 : le fichier n'est pas du texte UTF-8 (enregistrez"),
])
def test_files_that_are_not_answer_tables_in_french(grid: Referential, raw: bytes, french: str) -> None:
    with pytest.raises(InvalidFile) as info:
        parse_answers(raw, "odd.csv", grid)
    assert render(info.value, "fr").startswith(french)


def test_a_missing_or_huge_file_in_french(grid: Referential, tmp_path: Path) -> None:
    with pytest.raises(InvalidFile) as info:
        read_answers(tmp_path / "nope.csv", grid)
    assert render(info.value, "fr").startswith(f"{tmp_path / 'nope.csv'} : impossible de lire le fichier : ")
    with pytest.raises(InvalidFile) as info:
        parse_answers(b"criterion,status\n" + b"1.1,validated\n" * 200_000, "big.csv", grid)
    assert render(info.value, "fr") == "big.csv : le fichier dépasse 2 Mo"


@pytest.mark.parametrize(("raw", "message"), [
    (b"", "the file is empty"),
    (b"a;b;c\n1.1;x;y\n", "the first line must name the columns"),
    (b"crit\xe8re;statut\n1.1;Valid\xe9\n", "the file is not UTF-8 text"),
])
def test_files_that_are_not_answer_tables(grid: Referential, raw: bytes, message: str) -> None:
    with pytest.raises(InvalidFile) as info:
        parse_answers(raw, "odd.csv", grid)
    assert info.value.problems[0].message.startswith(message)


def test_a_missing_or_huge_file(grid: Referential, tmp_path: Path) -> None:
    with pytest.raises(InvalidFile, match="cannot read the file"):
        read_answers(tmp_path / "nope.csv", grid)
    big = tmp_path / "big.csv"
    big.write_bytes(b"criterion,status\n" + b"1.1,validated\n" * 200_000)
    with pytest.raises(InvalidFile, match="larger than 2 MB"):
        read_answers(big, grid)
