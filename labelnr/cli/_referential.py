"""The commands on files: ``validate``, ``diff``, ``score``, ``migrate`` and ``schema``.

``migrate --campaign`` carries a stored campaign instead (:mod:`labelnr.cli._db`).
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from labelnr.cli._common import (
    EXIT_INVALID,
    EXIT_OK,
    Subparsers,
    UsageError,
    add_criteria_option,
    add_lang_option,
    criteria_dirs,
    err,
    jsonable,
    message_lang,
    out,
    print_json,
    report_problems,
    shown,
    text,
)
from labelnr.cli._db import add_campaign_migration_options, cmd_migrate_campaign
from labelnr.errors import InvalidFile, LabelnrError, Msg, Problem

if TYPE_CHECKING:  # the commands import what they need when they run, to start fast
    from labelnr.assessment import Assessment
    from labelnr.diff import ReferentialDiff
    from labelnr.migrate import MigrationReport
    from labelnr.referential import Referential
    from labelnr.scoring import Scores


def _num(value: float) -> str:
    """A value of a referential as the diff shows it (data, not a sentence)."""
    return f"{value:.1f}".removesuffix(".0")


def _amount(value: float, lang: str) -> str:
    """Points as the language writes them, one decimal at most: ``1,234.5`` / ``1 234,5``."""
    from labelnr.formatting import format_number

    return format_number(round(value, 1), lang)


def _percent(value: float, lang: str) -> str:
    """A percentage's number, one decimal: ``77.2`` / ``77,2``."""
    from labelnr.formatting import format_number

    return format_number(value, lang, "0.0")


# --- validate ----------------------------------------------------------------------------

def is_assessment(data: object) -> bool:
    """An interchange file rather than a referential: its format tag, or its telltale keys."""
    if not isinstance(data, dict):
        return False
    tagged = str(data.get("format", "")).startswith("labelnr-assessment")
    return tagged or "entity" in data or "answers" in data


def _files_to_validate(paths: Sequence[Path], problems: list[Problem]) -> list[Path]:
    from labelnr.loader import referential_files

    files: list[Path] = []
    for path in paths:
        if not path.exists():
            problems.append(Problem.of(path, None, "no_such_path"))
            continue
        found = referential_files([path])
        if path.is_dir() and not found:
            problems.append(Problem.of(path, None, "no_yaml_in_folder"))
        files.extend(f for f in found if f not in files)
    return files


def cmd_validate(args: argparse.Namespace) -> int:
    from labelnr.loader import (
        Catalog,
        LoadedReferential,
        load_catalog,
        load_referential,
        mapping_problems,
        unexpected_problem,
    )
    from labelnr.yamlpos import Located, read

    problems: list[Problem] = []
    files = _files_to_validate(args.paths or criteria_dirs(args), problems)
    referentials: dict[str, LoadedReferential] = {}
    parsed: dict[str, Located] = {}  # each file is parsed once (YAML parsing is most of the time)
    assessments: list[Path] = []
    catalog: Catalog | None = None
    valid = 0
    lang = message_lang(args)

    def known() -> Catalog:
        nonlocal catalog
        if catalog is None:
            catalog = load_catalog(criteria_dirs(args))
        return catalog

    for path in files:
        try:
            located = read(path)
            if is_assessment(located.data):
                assessments.append(path)
                continue
            entry = load_referential(path, located)
        except InvalidFile as exc:
            problems.extend(exc.problems)
            continue
        except Exception as exc:  # reported against its file; the other files are still checked
            problems.append(unexpected_problem(path, exc))
            continue
        key = entry.referential.key
        if key in referentials:
            other = str(referentials[key].path)
            problems.append(Problem.of(path, 1, "referential_twice", key=key, other=other))
            continue
        referentials[key] = entry
        parsed[key] = located

    for key, entry in referentials.items():
        ref = entry.referential
        found: list[Problem] = []
        if ref.mapping is not None:
            old_key = f"{ref.id}@{ref.mapping.from_version}"
            old = referentials[old_key].referential if old_key in referentials else known().get(
                ref.id, ref.mapping.from_version)
            found = mapping_problems(ref, parsed[key], old)
        problems.extend(found)
        if not found:
            valid += 1
            out(text(lang, "validate_ok_referential", path=str(entry.path), key=key,
                     criteria=text(lang, "n_criteria", len(ref.criteria)),
                     themes=text(lang, "n_themes", len(ref.themes))))

    if assessments:  # the assessment model takes a while to import: only when there are some
        from labelnr.assessment import applicability_warnings
        from labelnr.interchange import load_assessment
    for path in assessments:
        try:
            assessment, ref = load_assessment(path, known())
        except InvalidFile as exc:
            problems.extend(exc.problems)
            continue
        valid += 1
        campaign = (f"{assessment.entity.id} {assessment.campaign.period.value} "  # ids: the campaign's key
                    f"{assessment.campaign.date.isoformat()}")
        out(text(lang, "validate_ok_assessment", path=str(path), campaign=campaign, referential=ref.key,
                 answers=text(lang, "n_answers", len(assessment.answers))))
        for warning in applicability_warnings(ref, assessment, read(path)):
            out(text(lang, "warning", message=warning.render(lang)))

    report_problems(problems, lang)
    valid_files = text(lang, "valid_files", valid)
    if problems:
        bad = len({p.file for p in problems})
        valid_files = text(lang, "validate_problems", valid=valid_files, problems=text(
            lang, "n_problems", len(problems)), files=text(lang, "n_files", bad))
    out(valid_files)
    return EXIT_INVALID if problems else EXIT_OK


def register_validate(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "validate", help="check referential and assessment files",
        description="Check referential files (and assessment files, against the referentials of --criteria). "
                    "Prints one line per problem, FILE:LINE: message, and exits 1 if there is any.")
    parser.add_argument("paths", nargs="*", type=Path, metavar="PATH",
                        help="files or folders (default: the criteria folder)")
    add_criteria_option(parser)
    parser.set_defaults(func=cmd_validate)


# --- diff --------------------------------------------------------------------------------

def _localised(value: Any, lang: str) -> Any:
    """Texts ``{fr, en}`` replaced by the one in ``lang``, at any depth."""
    if isinstance(value, dict):
        if set(value) == {"fr", "en"}:  # a text; French when it has no English
            return value[lang] if value[lang] is not None else value["fr"]
        return {k: _localised(v, lang) for k, v in value.items()}
    if isinstance(value, list):
        return [_localised(v, lang) for v in value]
    return value


def _text(value: Any, lang: str) -> str:
    value = _localised(value, lang)
    if isinstance(value, (dict, list)):
        text = json.dumps(value, ensure_ascii=False)
    elif isinstance(value, float):
        text = _num(value)
    else:
        text = "—" if value is None else str(value)
    return " ".join(text.split())


def _change(old: Any, new: Any, lang: str, limit: int = 60) -> str:
    """``old → new``; long values are cut around their first difference so that it shows."""
    before, after = _text(old, lang), _text(new, lang)
    if len(before) <= limit and len(after) <= limit:
        return f"{before} → {after}"
    same = next((i for i, (a, b) in enumerate(zip(before, after, strict=False)) if a != b),
                min(len(before), len(after)))
    start = max(0, same - 15)

    def cut(text: str) -> str:
        part = text[start:start + limit]
        return ("…" if start else "") + part + ("…" if start + limit < len(text) else "")

    return f"{cut(before)} → {cut(after)}"


def render_diff(diff: ReferentialDiff, old: Referential, new: Referential, lang: str) -> list[str]:
    """The diff as readable lines."""
    def title(ref: Referential, cid: str) -> str:
        crit = ref.criteria_by_id.get(cid)
        return crit.title.get(lang) if crit else ""

    how = (text(lang, "diff_through_mapping", key=new.key) if diff.mapping_used
           else text(lang, "diff_by_id"))
    lines = [text(lang, "diff_heading", old=old.key, new=new.key, how=how)]
    if new.mapping is not None and not diff.mapping_used:
        lines.append(text(lang, "diff_mapping_unused", new=new.key, mapped=new.mapping.from_version,
                          old=old.version))

    def section(name: str, items: list[str], count: int | None = None) -> None:
        if items:
            lines.append(text(lang, f"diff_{name}", n=len(items) if count is None else count))
            lines.extend(f"  {item}" for item in items)

    section("added", [f"+ {cid}  {title(new, cid)}" for cid in diff.added])
    section("removed", [
        f"- {r.id}  {title(old, r.id)}" + ("" if r.declared else text(lang, "diff_not_in_mapping"))
        for r in diff.removed])
    section("renamed", [f"{lk.old[0]} → {lk.new[0]}  {title(new, lk.new[0])}" for lk in diff.renamed])
    section("split", [f"{lk.old[0]} → {', '.join(lk.new)}  ({title(old, lk.old[0])})" for lk in diff.split])
    section("merged", [f"{' + '.join(lk.old)} → {lk.new[0]}  {title(new, lk.new[0])}" for lk in diff.merged])
    changed: list[str] = []
    for change in diff.changed:
        name = change.new_id if change.old_id == change.new_id else f"{change.old_id} → {change.new_id}"
        changed.append(text(lang, "diff_changed_item", name=name, title=title(new, change.new_id),
                            fields=", ".join(change.field_names)))
        # A field's path (title, scoring.levels.2.min_points) is an id: "path: old → new" in either language.
        changed.extend(f"  {f.field}: {_change(f.old, f.new, lang)}" for f in change.fields)
    section("changed", changed, len(diff.changed))
    section("others",
            [f"{f.field}: {_change(f.old, f.new, lang)}" for f in diff.settings])
    lines.append(text(lang, "diff_unchanged", len(diff.unchanged)) if not diff.is_empty
                 else text(lang, "diff_none"))
    return lines


def diff_reversed_note(old: Path, new: Path, lang: str) -> str:
    return text(lang, "diff_reversed", old=str(old), new=str(new))


def cmd_diff(args: argparse.Namespace) -> int:
    from labelnr.diff import diff_referentials, given_in_reverse
    from labelnr.loader import load_referential, mapping_problems
    from labelnr.yamlpos import read

    problems: list[Problem] = []
    loaded = []
    for path in (args.old, args.new):
        try:
            loaded.append(load_referential(path))
        except InvalidFile as exc:
            problems.extend(exc.problems)
    if problems:
        raise InvalidFile(problems)
    if given_in_reverse(loaded[0].referential, loaded[1].referential):
        # Compared the other way round, the mapping would be read backwards.
        loaded.reverse()
        err(diff_reversed_note(loaded[0].path, loaded[1].path, args.lang))
    old, new = loaded[0].referential, loaded[1].referential
    if new.mapping is not None and new.id == old.id and new.mapping.from_version == old.version:
        found = mapping_problems(new, read(loaded[1].path), old)
        if found:
            raise InvalidFile(found)
    diff = diff_referentials(old, new)
    if args.json:
        print_json(diff.to_json())
    else:
        for line in render_diff(diff, old, new, args.lang):
            out(line)
    return EXIT_OK


def register_diff(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "diff", help="what changed between two versions of a referential",
        description="Criteria added, removed, renamed, split, merged and changed (which fields), "
                    "as the newer file's mapping says; other ids are matched as they are.")
    parser.add_argument("old", type=Path, metavar="OLD.yaml")
    parser.add_argument("new", type=Path, metavar="NEW.yaml")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    add_lang_option(parser, "the referential's texts")
    parser.set_defaults(func=cmd_diff)


# --- score -------------------------------------------------------------------------------

def render_scores(scores: Scores, ref: Referential, assessment: Assessment, lang: str) -> list[str]:
    """Readable lines for a :class:`~labelnr.scoring.Scores`."""
    def crit_title(cid: str) -> str:
        crit = ref.criteria_by_id.get(cid)
        return f"{cid} {crit.title.get(lang)}" if crit else cid

    from labelnr.i18n import translate

    def short_of(points: float) -> str:
        return text(lang, "points_short", round(points, 1))

    campaign = assessment.campaign
    period = translate(f"context.period_{campaign.period.value}", lang)
    answered = text(lang, "answered_of", len(scores.criteria), answered=scores.answered)
    lines = [
        text(lang, "score_heading", entity=assessment.entity.name, entity_id=assessment.entity.id,
             period=period[:1].lower() + period[1:], date=campaign.date,
             referential=f"{ref.title.get(lang)} {ref.version}"),
        text(lang, "score_points", points=_amount(scores.points, lang),
             total=_amount(scores.total_points, lang),
             percent=_percent(scores.percent, lang), answered=answered)
        if scores.percent is not None else text(lang, "score_undefined", answered=answered),
    ]
    reached = next((g for g in scores.gaps if g.level == scores.level), None)
    lines.append(text(lang, "level_reached", level=str(scores.level), name=reached.name.get(lang)) if reached
                 else text(lang, "level_none"))
    lines.append(text(lang, "score_themes"))
    width = max((len(t.name.get(lang)) for t in ref.themes), default=0)
    for theme in ref.themes:
        ts = scores.themes[theme.id]
        pct = (text(lang, "not_applicable_short") if ts.percent is None
               else f"{_percent(ts.percent, lang):>5} %")
        lines.append(text(lang, "theme_line", name=f"{theme.name.get(lang):<{width}}", percent=f"{pct:>7}",
                          points=f"{_amount(ts.points, lang):>6}", total=_amount(ts.max_points, lang),
                          answered=text(lang, "theme_answered", ts.answered, in_scope=str(ts.in_scope))))
    missing_levels = [g for g in scores.gaps if not g.reached]
    if missing_levels:
        lines.append(text(lang, "score_gaps"))
    for gap in missing_levels:
        lines.append(text(lang, "gap_level", level=str(gap.level), name=gap.name.get(lang),
                          points=text(lang, "n_points", round(gap.points_needed, 1))))
        if gap.points_short > 0:
            lines.append(f"    {short_of(gap.points_short)}")
        if gap.missing_mandatory:
            lines.append(text(lang, "mandatory_missing", n=len(gap.missing_mandatory)))
            lines.extend(f"      {crit_title(cid)}" for cid in gap.missing_mandatory)
        for short in gap.themes_below_minimum:
            theme_ = ref.themes_by_id.get(short.theme)
            name = theme_.name.get(lang) if theme_ else short.theme
            lines.append(text(lang, "theme_below", theme=name, percent=_percent(short.percent, lang),
                              minimum=_amount(short.minimum, lang), short=short_of(short.points_short)))
    return lines


def cmd_score(args: argparse.Namespace) -> int:
    from labelnr.interchange import load_assessment
    from labelnr.loader import load_catalog
    from labelnr.scoring import score_assessment

    assessment, ref = load_assessment(args.audit, load_catalog(criteria_dirs(args)))
    scores = score_assessment(ref, assessment)
    if args.json:
        data = jsonable(scores)
        data["answered"] = scores.answered
        print_json({"file": str(args.audit), "entity": assessment.entity, "campaign": assessment.campaign,
                    "scores": data})
    else:
        for line in render_scores(scores, ref, assessment, args.lang):
            out(line)
    return EXIT_OK


def register_score(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "score", help="score an assessment file",
        description="Points out of the referential's total, per-theme percentages, the label level reached "
                    "and, for each level not reached, what is missing.")
    parser.add_argument("audit", type=Path, metavar="AUDIT.yaml")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    add_lang_option(parser, "the referential's texts")
    add_criteria_option(parser)
    parser.set_defaults(func=cmd_score)


# --- migrate -----------------------------------------------------------------------------

def default_output(audit: Path, version: str) -> Path:
    """``<stem>.<version>.yaml`` next to the original."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", version)
    return audit.with_name(f"{audit.stem}.{safe}.yaml")


def render_migration(reports: Sequence[MigrationReport], new_ref: Referential, lang: str) -> list[str]:
    """Readable lines for a list of :class:`~labelnr.migrate.MigrationReport` (one per step)."""
    def title(cid: str) -> str:
        crit = new_ref.criteria_by_id.get(cid)
        return f"{cid}  {crit.title.get(lang)}" if crit else cid

    lines: list[str] = []
    for report in reports:
        how = text(lang, "migrate_through_mapping" if report.mapping_used else "migrate_no_mapping")
        lines.append(text(lang, "migrate_step", source=report.from_key, target=report.to_key, how=how))
        kept = sum(1 for c in report.carried if c.kind == "kept")
        renamed = sum(1 for c in report.carried if c.kind == "renamed")
        lines.append(text(lang, "migrate_carried", carried=str(len(report.carried)),
                          kept=text(lang, "n_kept", kept), renamed=text(lang, "n_renamed", renamed),
                          review=text(lang, "n_to_review", len(report.to_review))))
        for c in report.to_review:
            why = (text(lang, "migrate_copied", old=c.old[0]) if c.kind == "split"
                   else text(lang, "migrate_weakest", old=", ".join(c.old)))
            lines.append(text(lang, "migrate_review", criterion=c.new, why=why))
        for removed, had_answer in report.removed:
            note = "" if removed.declared else text(lang, "migrate_not_in_mapping")
            key = "migrate_removed_answered" if had_answer else "migrate_removed_unanswered"
            lines.append(text(lang, key, criterion=removed.id, note=note))
        for moved in report.moved_commitments:
            check = text(lang, "migrate_check_split", old=moved.old) if moved.review else ""
            if moved.old == moved.new:
                lines.append(text(lang, "migrate_commitment_stays", title=moved.title, new=moved.new,
                                  check=check))
            else:
                lines.append(text(lang, "migrate_commitment_moved", title=moved.title, old=moved.old,
                                  new=moved.new, check=check))
        for dropped in report.dropped:
            lines.append(text(lang, "migrate_not_carried", what=text(lang, f"dropped_{dropped.what}"),
                              item=dropped.id, reason=dropped.reason))
    last = reports[-1]
    added = set(last.added)
    lines.append(text(lang, "migrate_needs_answer", n=len(last.needs_answer)) if last.needs_answer
                 else text(lang, "migrate_all_answered"))
    lines.extend(f"  {title(cid)}" + (text(lang, "migrate_new") if cid in added else "")
                 for cid in last.needs_answer)
    return lines


def cmd_migrate(args: argparse.Namespace) -> int:
    if getattr(args, "campaign", None) is not None:
        if args.audit is not None:
            raise UsageError.of("migrate_file_or_campaign")
        return cmd_migrate_campaign(args)
    if args.audit is None:
        if hasattr(args, "campaign"):
            raise UsageError.of("migrate_needs_file_or_campaign")
        raise UsageError.of("migrate_needs_file")
    return _migrate_file(args)


def _migrate_file(args: argparse.Namespace) -> int:
    from labelnr.assessment import check_against
    from labelnr.files import write_atomic
    from labelnr.interchange import dump_assessment, load_assessment
    from labelnr.loader import load_catalog
    from labelnr.migrate import migrate_through, migration_path

    catalog = load_catalog(criteria_dirs(args))
    assessment, ref = load_assessment(args.audit, catalog)
    target = catalog.get(ref.id, args.to)
    if target is None:
        known = [r.version for r in catalog.versions(ref.id)] or Msg("none_known")
        raise LabelnrError.of("version_unavailable", version=args.to, ref=ref.id, known=known)
    migrated, reports = migrate_through(migration_path(catalog.versions(ref.id), ref, target), assessment)
    leftover = check_against(target, migrated, file=str(args.audit))
    if leftover:  # a bug of the migration rules, not of the user's file
        raise LabelnrError.of("migrated_invalid", problems="\n".join(str(p) for p in leftover))
    output: Path = args.output or default_output(args.audit, target.version)
    if output.resolve() == args.audit.resolve():
        raise LabelnrError.of("migrate_onto_original", output=output)
    try:
        write_atomic(output, dump_assessment(migrated), overwrite=args.force)
    except FileExistsError:
        raise LabelnrError.of("output_exists", output=output) from None
    except OSError as exc:
        raise LabelnrError.of("cannot_write", output=output, reason=exc.strerror or str(exc)) from None
    if args.json:
        print_json({"output": str(output), "steps": list(reports)})
    else:
        out(text(args, "migrate_wrote", output=str(output), key=target.key, audit=str(args.audit)))
        for line in render_migration(reports, target, args.lang):
            out(line)
    return EXIT_OK


def register_migrate(subparsers: Subparsers, campaigns: bool = True) -> None:
    """``campaigns``: also offer ``--campaign`` (a stored campaign) and the store's options."""
    parser = subparsers.add_parser(
        "migrate", help="carry an assessment over to a newer referential version",
        description="Writes a NEW assessment for the newer version through the mapping (renamed ids keep "
                    "their answers, split ones are copied for review, merged ones keep the weakest, removed "
                    "ones are listed) and lists what needs a new answer. The original file is never changed.")
    parser.add_argument("audit", type=Path, metavar="AUDIT.yaml", nargs="?")
    parser.add_argument("--to", required=True, metavar="VERSION", help="the referential version to reach")
    parser.add_argument("-o", "--output", type=Path, metavar="OUT.yaml",
                        help="where to write it (default: <stem>.<version>.yaml next to the original)")
    parser.add_argument("--force", action="store_true", help="replace OUT.yaml if it exists")
    parser.add_argument("--json", action="store_true", help="machine-readable report")
    add_lang_option(parser, "the referential's texts")
    if campaigns:
        add_campaign_migration_options(parser)  # --campaign ID, --database..., --criteria
    else:
        add_criteria_option(parser)
    parser.set_defaults(func=cmd_migrate)


# --- schema ------------------------------------------------------------------------------

def cmd_schema(args: argparse.Namespace) -> int:
    from labelnr import schema

    if args.check:
        stale = schema.stale()
        for path in stale:
            err(text(args, "schema_stale", path=str(shown(path))))
        if not stale:
            out(text(args, "schema_up_to_date"))
        return EXIT_INVALID if stale else EXIT_OK
    written = schema.write()
    for path in written:
        out(text(args, "wrote", path=str(shown(path))))
    if not written:
        out(text(args, "schema_up_to_date"))
    return EXIT_OK


def register_schema(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "schema", help="regenerate the published JSON Schemas from the model",
        description="Writes criteria/referential.schema.json and audits/assessment.schema.json.")
    parser.add_argument("--check", action="store_true", help="only check they are up to date (exit 1 if not)")
    parser.set_defaults(func=cmd_schema)

