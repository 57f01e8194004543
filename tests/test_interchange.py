"""The assessment interchange file: located loading, lossless and stable dump, atomic writes."""

from __future__ import annotations

import datetime as dt
import stat
from pathlib import Path

import pytest

from labelnr.assessment import Answer, Assessment, Commitment, Indicator
from labelnr.errors import InvalidFile
from labelnr.files import write_atomic
from labelnr.interchange import dump_assessment, load_assessment, load_many, parse_assessment
from labelnr.loader import Catalog, load_catalog

FIXTURES = Path(__file__).parent / "fixtures"
AUDIT = FIXTURES / "v1-audit.yaml"
AUDIT_TEXT = AUDIT.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog([FIXTURES / "v1-ref.yaml", FIXTURES / "v2-ref.yaml"])


@pytest.fixture
def audit(catalog: Catalog) -> Assessment:
    return load_assessment(AUDIT, catalog)[0]


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), start=1) if needle in line)


def test_round_trip_is_lossless(audit: Assessment, catalog: Catalog) -> None:
    again, ref = parse_assessment(dump_assessment(audit), "dumped.yaml", catalog)
    assert again == audit
    assert ref.key == "evo@1"


def test_dump_is_stable(audit: Assessment, catalog: Catalog) -> None:
    text = dump_assessment(audit)
    assert dump_assessment(audit) == text
    assert dump_assessment(parse_assessment(text, "dumped.yaml", catalog)[0]) == text


def test_empty_optional_fields_are_not_written(audit: Assessment) -> None:
    text = dump_assessment(audit)
    assert "evidence: []" not in text
    assert "[]" not in text
    assert "{}" not in text
    assert "null" not in text
    assert text.count("evidence:") == 1  # only G-3 has evidence


def test_an_empty_answer_is_kept(audit: Assessment, catalog: Catalog) -> None:
    blank = audit.model_copy(update={"answers": {**audit.answers, "O-5": Answer()}})
    text = dump_assessment(blank)
    assert "  O-5: {}\n" in text
    assert parse_assessment(text, "blank.yaml", catalog)[0].answers["O-5"] == Answer()


def test_keys_are_sorted_and_fields_in_model_order(audit: Assessment, catalog: Catalog) -> None:
    shuffled = audit.model_copy(update={
        "answers": dict(reversed(list(audit.answers.items()))),
        "targets": {cid: dict(reversed(years.items())) for cid, years in reversed(audit.targets.items())},
    })
    text = dump_assessment(shuffled)
    assert text == dump_assessment(audit)
    top_keys = [line.split(":")[0] for line in text.splitlines() if line and not line.startswith((" ", "-"))]
    assert top_keys == ["format", "referential", "organisation", "entity", "campaign", "answers", "verdicts",
                        "commitments", "targets"]


def test_nested_empty_collections_are_omitted_and_restored(audit: Assessment, catalog: Catalog) -> None:
    indicator = Indicator(name="Devices reused", unit="%", baseline=10)
    commitment = Commitment(title="Reuse", theme="ops", target_year=2, indicator=indicator)
    withind = audit.model_copy(update={"commitments": [commitment]})
    text = dump_assessment(withind)
    assert "actuals" not in text
    assert "targets:\n      " not in text
    assert parse_assessment(text, "c.yaml", catalog)[0] == withind


def test_dates_and_multiline_comments(audit: Assessment, catalog: Catalog) -> None:
    noted = audit.model_copy(update={"answers": {"G-1": Answer(level="full", comment="line one\nline two")}})
    text = dump_assessment(noted)
    assert "date: 2023-03-01\n" in text
    assert "comment: |-\n      line one\n      line two\n" in text
    assert parse_assessment(text, "n.yaml", catalog)[0] == noted



def test_shared_values_are_written_out_not_aliased(audit: Assessment, catalog: Catalog) -> None:
    day = audit.campaign.date
    stamped = audit.model_copy(update={"verdicts": {
        cid: v.model_copy(update={"date": day}) for cid, v in audit.verdicts.items()}})
    assert stamped.verdicts
    text = dump_assessment(stamped)
    assert "&id" not in text
    assert "*id" not in text
    assert text.count(f"date: {day.isoformat()}") == 1 + len(stamped.verdicts)
    assert parse_assessment(text, "s.yaml", catalog)[0] == stamped

@pytest.mark.parametrize(("old", "new", "marker", "criterion", "words"), [
    ('version: "1"', 'version: "9"', "referential:", None, "referential evo version 9 is not available"),
    ("  O-5: {level: partial}", "  O-9: {level: partial}", "O-9:", "O-9",
     "unknown criterion id 'O-9' in evo@1"),
    ("  O-5: {level: partial}", "  O-5: {level: great}", "O-5:", "O-5",
     "'great' is not an answer of the scale"),
    ("  G-3: {1: full}", "  G-3: {5: full}", "G-3: {5", "G-3", "less than or equal to 3"),
    ("verdict: conform", "verdict: fine", "verdict: fine", "G-1", "'verdict'"),
    ("{title: Train the referent, criterion: G-3,", "{title: Train the referent, criterion: G-3, theme: ops,",
     "Train the referent", "G-3", "either one 'criterion' or one 'theme'"),
    ("  G-2: {level: partial}", "  G-2: {level: partial, not_applicable: {reason: x, justification: y}}",
     "G-2:", "G-2", "either a level or 'not applicable'"),
    ("campaign: {period: baseline", "campaign: {period: year7", "campaign:", None, "'period'"),
    ("  - {title: Operations plan, theme: ops, target_year: 3}",
     "  - {title: Operations plan, theme: ops, target_year: 4}", "Operations plan", None, "'target_year'"),
])
def test_errors_name_file_line_and_criterion(catalog: Catalog, old: str, new: str, marker: str,
                                             criterion: str | None, words: str) -> None:
    assert AUDIT_TEXT.count(old) == 1
    text = AUDIT_TEXT.replace(old, new)
    with pytest.raises(InvalidFile) as caught:
        parse_assessment(text, "bad.yaml", catalog)
    problem = next(p for p in caught.value.problems if words in p.message)
    assert (problem.file, problem.line, problem.criterion) == ("bad.yaml", line_of(text, marker), criterion)


def test_structural_and_referential_problems_are_reported_together(catalog: Catalog) -> None:
    edits = [
        ("entity: {id: acme-it, name: Acme IT, parent: acme}", "entity: {id: acme-it, parent: acme}"),
        ("  G-2: {level: partial}", "  G-2: {level: partial, not_applicable: {reason: x}}"),
        ("  O-4: {level: full}", "  O-4: {not_applicable: {reason: x, justification: '  '}}"),
        ("  O-5: {level: partial}", "  O-5: {level: great}\n  Z-9: {comment: not in the grid}"),
        ("criterion: O-1, target_level: full,", "criterion: O-11, target_level: best, theme: ops,"),
        ("  G-1: {verdict: conform, auditor: Carol}", "  G-1: {verdict: fine}\n  Q-1: {verdict: conform}"),
    ]
    text = AUDIT_TEXT
    for old, new in edits:
        assert text.count(old) == 1
        text = text.replace(old, new)
    with pytest.raises(InvalidFile) as caught:
        parse_assessment(text, "bad.yaml", catalog)
    found = {(p.line, p.criterion, p.message) for p in caught.value.problems}
    expected = [
        ("entity:", None, "'name' is required but missing"),
        ("G-2:", "G-2", "'justification' is required but missing"),
        ("G-2:", "G-2", "this criterion cannot be declared not applicable"),
        ("O-5:", "O-5", "'great' is not an answer of the scale (none, low, partial, full, to_assess)"),
        ("Z-9:", "Z-9", "unknown criterion id 'Z-9' in evo@1"),
        ("Q-1:", "Q-1", "unknown criterion id 'Q-1' in evo@1"),
        ("O-4:", "O-4", "'not applicable' needs a justification"),
        ("criterion: O-11", "O-11", "unknown criterion id 'O-11'"),
        ("criterion: O-11", "O-11", "'best' is not an answer of the scale"),
    ]
    for marker, criterion, message in expected:
        assert (line_of(text, marker), criterion, message) in found, (marker, message, sorted(found))
    assert any(p.message.startswith("'verdict'") for p in caught.value.problems)


def test_load_many_is_all_or_nothing(tmp_path: Path, catalog: Catalog) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(AUDIT_TEXT, encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(AUDIT_TEXT.replace("G-1: {level: full", "G-1: {level: fulll"), encoding="utf-8")
    assert [path for path, _, _ in load_many([good], catalog)] == [good]
    with pytest.raises(InvalidFile) as caught:
        load_many([good, bad], catalog)
    assert [(p.file, p.criterion) for p in caught.value.problems] == [(str(bad), "G-1")]


def test_write_atomic_creates_a_readable_file(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "out.yaml"
    write_atomic(target, "a: 1\n")
    assert target.read_text(encoding="utf-8") == "a: 1\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert [p.name for p in target.parent.iterdir()] == ["out.yaml"]


def test_write_atomic_keeps_the_mode_of_the_file_it_replaces(tmp_path: Path) -> None:
    target = tmp_path / "out.yaml"
    target.write_text("old\n", encoding="utf-8")
    target.chmod(0o600)
    write_atomic(target, "new\n")
    assert target.read_text(encoding="utf-8") == "new\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_write_atomic_can_refuse_to_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "out.yaml"
    target.write_text("keep me\n", encoding="utf-8")
    with pytest.raises(FileExistsError):
        write_atomic(target, "new\n", overwrite=False)
    assert target.read_text(encoding="utf-8") == "keep me\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.yaml"]
    fresh = tmp_path / "fresh.yaml"
    write_atomic(fresh, "x\n", overwrite=False)
    assert fresh.read_text(encoding="utf-8") == "x\n"


def test_failed_write_leaves_the_old_file_and_no_debris(tmp_path: Path) -> None:
    target = tmp_path / "out.yaml"
    target.write_text("old\n", encoding="utf-8")
    with pytest.raises(UnicodeEncodeError):
        write_atomic(target, "bad \udcff surrogate\n")
    assert target.read_text(encoding="utf-8") == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.yaml"]


def test_campaign_date_type_survives(audit: Assessment) -> None:
    assert audit.campaign.date == dt.date(2023, 3, 1)
