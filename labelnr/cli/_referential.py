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
    out,
    print_json,
    report_problems,
    shown,
)
from labelnr.cli._db import add_campaign_migration_options, cmd_migrate_campaign
from labelnr.errors import InvalidFile, LabelnrError, Problem

if TYPE_CHECKING:  # the commands import what they need when they run, to start fast
    from labelnr.assessment import Assessment
    from labelnr.diff import ReferentialDiff
    from labelnr.migrate import MigrationReport
    from labelnr.referential import Referential
    from labelnr.scoring import Scores


def _num(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


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
            problems.append(Problem(str(path), None, "no such file or folder"))
            continue
        found = referential_files([path])
        if path.is_dir() and not found:
            problems.append(Problem(str(path), None, "no YAML file (*.yaml, *.yml) in this folder"))
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
            problems.append(Problem(str(path), 1, f"{key} is already defined in {referentials[key].path}"))
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
            out(f"ok  {entry.path}  {key}: {len(ref.criteria)} criteria, {len(ref.themes)} themes")

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
        out(f"ok  {path}  {assessment.entity.id} {assessment.campaign.period.value} "
            f"{assessment.campaign.date}: {len(assessment.answers)} answers to {ref.key}")
        for warning in applicability_warnings(ref, assessment, read(path)):
            out(f"  warning: {warning}")

    report_problems(problems, getattr(args, "error_lang", None))
    bad = len({p.file for p in problems})
    out(f"{valid} valid file(s)" + (f", {len(problems)} problem(s) in {bad} file(s)" if problems else ""))
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

    how = f"through the mapping in {new.key}" if diff.mapping_used else "criteria matched by id"
    lines = [f"{old.key} → {new.key} ({how})"]
    if new.mapping is not None and not diff.mapping_used:
        lines.append(f"note: the mapping of {new.key} comes from version {new.mapping.from_version}, "
                     f"not {old.version}: it was not used")

    def section(name: str, items: list[str], count: int | None = None) -> None:
        if items:
            lines.append(f"{name} ({len(items) if count is None else count}):")
            lines.extend(f"  {item}" for item in items)

    section("Added", [f"+ {cid}  {title(new, cid)}" for cid in diff.added])
    section("Removed", [
        f"- {r.id}  {title(old, r.id)}" + ("" if r.declared else "  (not in the mapping: was it meant?)")
        for r in diff.removed])
    section("Renamed", [f"{lk.old[0]} → {lk.new[0]}  {title(new, lk.new[0])}" for lk in diff.renamed])
    section("Split", [f"{lk.old[0]} → {', '.join(lk.new)}  ({title(old, lk.old[0])})" for lk in diff.split])
    section("Merged", [f"{' + '.join(lk.old)} → {lk.new[0]}  {title(new, lk.new[0])}" for lk in diff.merged])
    changed: list[str] = []
    for change in diff.changed:
        name = change.new_id if change.old_id == change.new_id else f"{change.old_id} → {change.new_id}"
        changed.append(f"{name}  {title(new, change.new_id)}: {', '.join(change.field_names)}")
        changed.extend(f"  {f.field}: {_change(f.old, f.new, lang)}" for f in change.fields)
    section("Changed", changed, len(diff.changed))
    section("Other changes",
            [f"{f.field}: {_change(f.old, f.new, lang)}" for f in diff.settings])
    lines.append(f"Unchanged: {len(diff.unchanged)} criterion(s)" if not diff.is_empty else "No difference.")
    return lines


def diff_reversed_note(old: Path, new: Path) -> str:
    return f"note: {new} is the newer version: comparing {old} → {new}"


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
        err(diff_reversed_note(loaded[0].path, loaded[1].path))
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
    add_lang_option(parser)
    parser.set_defaults(func=cmd_diff)


# --- score -------------------------------------------------------------------------------

def render_scores(scores: Scores, ref: Referential, assessment: Assessment, lang: str) -> list[str]:
    """Readable lines for a :class:`~labelnr.scoring.Scores`."""
    def crit_title(cid: str) -> str:
        crit = ref.criteria_by_id.get(cid)
        return f"{cid} {crit.title.get(lang)}" if crit else cid

    campaign = assessment.campaign
    lines = [
        f"{assessment.entity.name} ({assessment.entity.id}), {campaign.period.value} of {campaign.date}, "
        f"{ref.title.get(lang)} {ref.version}",
        (f"Score: {_num(scores.points)} / {_num(scores.total_points)} points ({scores.percent:.1f} %), "
         if scores.percent is not None else "Score: undefined (no criterion applies), ")
        + f"{scores.answered} of {len(scores.criteria)} criteria answered",
    ]
    reached = next((g for g in scores.gaps if g.level == scores.level), None)
    lines.append(f"Label level reached: {scores.level} ({reached.name.get(lang)})" if reached
                 else "Label level reached: none")
    lines.append("Themes:")
    width = max((len(t.name.get(lang)) for t in ref.themes), default=0)
    for theme in ref.themes:
        ts = scores.themes[theme.id]
        pct = "n/a" if ts.percent is None else f"{ts.percent:5.1f} %"
        lines.append(f"  {theme.name.get(lang):<{width}}  {pct:>7}  {_num(ts.points):>6} / "
                     f"{_num(ts.max_points)} points  ({ts.answered}/{ts.in_scope} answered)")
    missing_levels = [g for g in scores.gaps if not g.reached]
    if missing_levels:
        lines.append("Gaps:")
    for gap in missing_levels:
        lines.append(f"  Level {gap.level} ({gap.name.get(lang)}), needs {_num(gap.points_needed)} points:")
        if gap.points_short > 0:
            lines.append(f"    {_num(gap.points_short)} points short")
        if gap.missing_mandatory:
            lines.append(f"    mandatory criteria not met ({len(gap.missing_mandatory)}):")
            lines.extend(f"      {crit_title(cid)}" for cid in gap.missing_mandatory)
        for short in gap.themes_below_minimum:
            theme_ = ref.themes_by_id.get(short.theme)
            name = theme_.name.get(lang) if theme_ else short.theme
            lines.append(f"    theme {name} at {short.percent:.1f} %, below the minimum of "
                         f"{_num(short.minimum)} % ({_num(short.points_short)} points short)")
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
    add_lang_option(parser)
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
        how = "through the mapping" if report.mapping_used else "no mapping: criteria matched by id"
        lines.append(f"{report.from_key} → {report.to_key} ({how})")
        kept = sum(1 for c in report.carried if c.kind == "kept")
        renamed = sum(1 for c in report.carried if c.kind == "renamed")
        lines.append(f"  answers carried: {len(report.carried)} ({kept} kept, {renamed} renamed, "
                     f"{len(report.to_review)} to review)")
        for c in report.to_review:
            why = f"copied from {c.old[0]} (split)" if c.kind == "split" else f"weakest of {', '.join(c.old)}"
            lines.append(f"    review {c.new}: {why}")
        for removed, had_answer in report.removed:
            note = "" if removed.declared else ", not in the mapping"
            lines.append(f"  removed {removed.id}" + (f" (its answer is dropped{note})" if had_answer
                                                    else f" (not answered{note})"))
        for moved in report.moved_commitments:
            check = f" (check it: {moved.old} was split)" if moved.review else ""
            where = (f"stays on {moved.new}" if moved.old == moved.new
                     else f"moved from {moved.old} to {moved.new}")
            lines.append(f"  commitment \"{moved.title}\" {where}{check}")
        for dropped in report.dropped:
            lines.append(f"  not carried: {dropped.what} {dropped.id}: {dropped.reason}")
    last = reports[-1]
    added = set(last.added)
    lines.append(f"Needs a new answer ({len(last.needs_answer)}):" if last.needs_answer
                 else "Every criterion has an answer.")
    lines.extend(f"  {title(cid)}" + ("  (new)" if cid in added else "") for cid in last.needs_answer)
    return lines


def cmd_migrate(args: argparse.Namespace) -> int:
    if getattr(args, "campaign", None) is not None:
        if args.audit is not None:
            raise UsageError("give either an assessment file or --campaign, not both")
        return cmd_migrate_campaign(args)
    if args.audit is None:
        raise UsageError("give the assessment file to migrate (AUDIT.yaml)"
                         + (" or --campaign ID" if hasattr(args, "campaign") else ""))
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
        known = ", ".join(r.version for r in catalog.versions(ref.id)) or "none"
        raise LabelnrError(f"version {args.to} of {ref.id} is not available (known versions: {known})")
    migrated, reports = migrate_through(migration_path(catalog.versions(ref.id), ref, target), assessment)
    leftover = check_against(target, migrated, file=str(args.audit))
    if leftover:  # a bug of the migration rules, not of the user's file
        raise LabelnrError("the migrated assessment would not be valid, nothing was written:\n"
                           + "\n".join(str(p) for p in leftover))
    output: Path = args.output or default_output(args.audit, target.version)
    if output.resolve() == args.audit.resolve():
        raise LabelnrError(f"{output} is the original assessment: it is never changed, choose another -o")
    try:
        write_atomic(output, dump_assessment(migrated), overwrite=args.force)
    except FileExistsError:
        raise LabelnrError(f"{output} already exists: choose another file with -o, or add --force") from None
    except OSError as exc:
        raise LabelnrError(f"cannot write {output}: {exc.strerror or exc}") from None
    if args.json:
        print_json({"output": str(output), "steps": list(reports)})
    else:
        out(f"Wrote {output} ({target.key}); {args.audit} is unchanged.")
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
    add_lang_option(parser)
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
            err(f"{shown(path)}: out of date with the model: run `labelnr schema` and commit it")
        if not stale:
            out("JSON schemas are up to date.")
        return EXIT_INVALID if stale else EXIT_OK
    written = schema.write()
    for path in written:
        out(f"wrote {shown(path)}")
    if not written:
        out("JSON schemas are up to date.")
    return EXIT_OK


def register_schema(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "schema", help="regenerate the published JSON Schemas from the model",
        description="Writes criteria/referential.schema.json and audits/assessment.schema.json.")
    parser.add_argument("--check", action="store_true", help="only check they are up to date (exit 1 if not)")
    parser.set_defaults(func=cmd_schema)

