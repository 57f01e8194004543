"""Loading referentials from versioned YAML files, with every error located.

Loading is all-or-nothing: a file either gives a fully cross-checked
:class:`Referential` or raises :class:`InvalidFile` listing every problem found.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from labelnr.errors import InvalidFile, Problem
from labelnr.referential import Referential, Text
from labelnr.validation import validate
from labelnr.yamlpos import Located, parse, read

DEFAULT_DIR = Path(__file__).resolve().parent.parent / "criteria"


@dataclass(frozen=True)
class LoadedReferential:
    referential: Referential
    path: Path
    sha256: str


def _index_of(located: Located, collection: str, item: str) -> int | None:
    items = located.data.get(collection, [])
    for i, entry in enumerate(items if isinstance(items, list) else []):
        if isinstance(entry, dict) and entry.get("id") == item:
            return i
    return None


def _repeated_ids(ref: Referential) -> list[tuple[tuple[str | int, ...], str, str]]:
    """Every id given a second time (its location, the id, what it names), in file order.

    Principles are unique across themes: criteria name them by id alone in reports."""
    ids: list[tuple[tuple[str | int, ...], str, str]] = []
    for ti, theme in enumerate(ref.themes):
        ids.append((("themes", ti, "id"), theme.id, "theme"))
        ids.extend((("themes", ti, "principles", pi, "id"), p.id, "principle")
                   for pi, p in enumerate(theme.principles))
    ids.extend((("criteria", i, "id"), c.id, "criterion") for i, c in enumerate(ref.criteria))
    ids.extend((("profiles", i, "id"), p.id, "profile") for i, p in enumerate(ref.profiles))
    ids.extend((("questions", i, "id"), q.id, "question") for i, q in enumerate(ref.questions))
    ids.extend((("jobs", i, "id"), j.id, "job") for i, j in enumerate(ref.jobs))
    seen: set[tuple[str, str]] = set()
    repeated = []
    for loc, item_id, what in ids:
        if (what, item_id) in seen:
            repeated.append((loc, item_id, what))
        seen.add((what, item_id))
    return repeated


#: The error code of an id given twice, by what it names (criteria have their own, without the id).
TWICE = {what: f"{what}_twice" for what in ("theme", "principle", "profile", "question", "job")}

#: Missing English texts reported one by one, before a summary line: a whole French-only
#: file that forgot ``languages: [fr]`` must not print hundreds of lines.
MAX_MISSING_TEXTS = 10


def _texts(value: object, loc: tuple[str | int, ...]) -> Iterator[tuple[tuple[str | int, ...], Text]]:
    """Every :class:`Text` inside a model, with its location, in field order."""
    if isinstance(value, Text):
        yield loc, value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _texts(getattr(value, name), (*loc, name))
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            yield from _texts(item, (*loc, i))


def _missing_english(ref: Referential, located: Located) -> list[Problem]:
    if "en" not in ref.languages:
        return []
    missing = [loc for loc, text in _texts(ref, ()) if text.en is None]
    problems = [located.coded(loc, "missing_english", _criterion_at(ref, loc))
                for loc in missing[:MAX_MISSING_TEXTS]]
    if len(missing) > MAX_MISSING_TEXTS:
        problems.append(located.coded(("languages",), "missing_english_more",
                                      count=len(missing) - MAX_MISSING_TEXTS))
    return problems


def _criterion_at(ref: Referential, loc: tuple[str | int, ...]) -> str | None:
    if len(loc) >= 2 and loc[0] == "criteria" and isinstance(loc[1], int):
        return ref.criteria[loc[1]].id
    return None


def cross_check(ref: Referential, located: Located) -> list[Problem]:
    """Checks that span several parts of the file (ids that must exist, be unique...)."""
    problems: list[Problem] = []

    def at(loc: tuple[str | int, ...], code: str, criterion: str | None = None, /, **params: Any) -> None:
        problems.append(located.coded(loc, code, criterion, **params))

    for loc, item_id, what in _repeated_ids(ref):
        if what == "criterion":
            at(loc, "criterion_twice", item_id)
        else:
            at(loc, TWICE[what], id=item_id)
    profile_ids = {p.id for p in ref.profiles}
    job_ids = {j.id for j in ref.jobs}
    known = set(ref.criteria_by_id)

    for i, crit in enumerate(ref.criteria):
        theme = ref.themes_by_id.get(crit.theme)
        if theme is None:
            at(("criteria", i, "theme"), "unknown_theme", crit.id, theme=crit.theme)
        elif crit.principle is not None and crit.principle not in {p.id for p in theme.principles}:
            at(("criteria", i, "principle"), "unknown_principle", crit.id, principle=crit.principle,
               theme=crit.theme)
        if crit.priority is not None and crit.priority not in ref.scoring.priority_weights:
            at(("criteria", i, "priority"), "priority_no_weight", crit.id, priority=crit.priority)
        for p in crit.profiles:
            if p not in profile_ids:
                at(("criteria", i, "profiles"), "unknown_profile_id", crit.id, profile=p)
        for j in crit.jobs:
            if j not in job_ids:
                at(("criteria", i, "jobs"), "unknown_job", crit.id, job=j)
        if ref.scoring.levels and crit.level > ref.scoring.levels[-1].level:
            at(("criteria", i, "level"), "level_undefined", crit.id, level=crit.level)

    for li, level in enumerate(ref.scoring.levels):
        for theme_id in level.theme_minimums:
            if theme_id not in ref.themes_by_id:
                at(("scoring", "levels", li, "theme_minimums", theme_id), "unknown_theme", theme=theme_id)
        for cid in level.mandatory:
            if cid not in known:
                at(("scoring", "levels", li, "mandatory"), "unknown_criterion", cid, id=cid)

    if not any(lv.credit == 1.0 for lv in ref.scale.levels):
        at(("scale", "levels"), "no_full_credit")

    for pi, profile in enumerate(ref.profiles):
        for cid in profile.exclude:
            if cid not in known:
                at(("profiles", pi, "exclude"), "profile_excludes_unknown", cid, profile=profile.id, id=cid)
        for ei, effect in enumerate(profile.not_applicable):
            for cid in effect.criteria:
                if cid not in known:
                    at(("profiles", pi, "not_applicable", ei), "unknown_criterion", cid, id=cid)

    for qi, question in enumerate(ref.questions):
        ids = list(question.if_no_exclude)
        if question.if_no_not_applicable:
            ids += question.if_no_not_applicable.criteria
        for cid in ids:
            if cid not in known:
                at(("questions", qi), "question_names_unknown", cid, question=question.id, id=cid)

    if ref.mapping:
        seen_old: set[str] = set()
        seen_new: set[str] = set()
        for mi, entry in enumerate(ref.mapping.changes):
            for cid in entry.new:
                if cid not in known:
                    at(("mapping", "changes", mi, "new"), "mapping_to_unknown", cid, id=cid)
                elif cid in seen_new:
                    at(("mapping", "changes", mi, "new"), "mapping_target_twice", cid, id=cid)
            for cid in entry.old:
                if cid in seen_old:
                    at(("mapping", "changes", mi, "old"), "mapping_old_twice", cid, id=cid)
            seen_new.update(entry.new)
            seen_old.update(entry.old)
    problems.extend(_missing_english(ref, located))
    return problems


def parse_referential(text: str, file: str) -> Referential:
    located = parse(text, file)
    ref = validate(Referential, located)
    problems = cross_check(ref, located)
    if problems:
        raise InvalidFile(problems)
    return ref


def load_referential(path: Path, located: Located | None = None) -> LoadedReferential:
    """The referential of ``path`` (``located``: the file already parsed, not read again)."""
    located = read(path) if located is None else located
    ref = validate(Referential, located)
    problems = cross_check(ref, located)
    if problems:
        raise InvalidFile(problems)
    return LoadedReferential(ref, path, hashlib.sha256(path.read_bytes()).hexdigest())


@dataclass
class Catalog:
    """Every referential found under a folder, and the problems of the files that failed."""

    loaded: dict[str, LoadedReferential] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def get(self, ref_id: str, version: str) -> Referential | None:
        entry = self.loaded.get(f"{ref_id}@{version}")
        return entry.referential if entry else None

    def versions(self, ref_id: str) -> list[Referential]:
        refs = [e.referential for e in self.loaded.values() if e.referential.id == ref_id]
        return sorted(refs, key=lambda r: r.effective_date)

    def latest(self, ref_id: str) -> Referential | None:
        refs = self.versions(ref_id)
        return refs[-1] if refs else None

    @property
    def referentials(self) -> list[Referential]:
        return sorted((e.referential for e in self.loaded.values()), key=lambda r: (r.id, r.effective_date))


def mapping_problems(ref: Referential, located: Located, old: Referential | None) -> list[Problem]:
    """What is wrong with ``ref``'s mapping given the older version it comes from (``None``: not found)."""
    if ref.mapping is None:
        return []
    if old is None:
        return [located.coded(("mapping", "from_version"), "mapping_from_missing",
                              version=ref.mapping.from_version, ref=ref.id)]
    problems = [
        located.coded(("mapping", "changes", mi, "old"), "mapping_names_unknown", cid, id=cid,
                      version=old.version)
        for mi, change in enumerate(ref.mapping.changes)
        for cid in change.old
        if cid not in old.criteria_by_id
    ]
    # An id kept as is from the old version cannot also receive another criterion's answers.
    mapped_old = {cid for change in ref.mapping.changes for cid in change.old}
    for mi, change in enumerate(ref.mapping.changes):
        for cid in change.new:
            if cid in old.criteria_by_id and cid not in mapped_old:
                problems.append(located.coded(("mapping", "changes", mi, "new"), "mapping_kept_id", cid,
                                              id=cid, version=old.version))
    return problems


def _check_mappings(catalog: Catalog) -> None:
    """A mapping must name ids that exist in the older version it comes from."""
    for key, entry in list(catalog.loaded.items()):
        ref = entry.referential
        if ref.mapping is None:
            continue
        try:
            located = read(entry.path)
        except InvalidFile as exc:  # the file changed or vanished since it was loaded
            catalog.problems.extend(exc.problems)
            del catalog.loaded[key]
            continue
        except Exception as exc:
            catalog.problems.append(unexpected_problem(entry.path, exc))
            del catalog.loaded[key]
            continue
        problems = mapping_problems(ref, located, catalog.get(ref.id, ref.mapping.from_version))
        if problems:
            catalog.problems.extend(problems)
            del catalog.loaded[key]


def referential_files(paths: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.glob("*.y*ml") if p.suffix in {".yaml", ".yml"}))
        else:
            files.append(path)
    return files


def unexpected_problem(path: Path, exc: Exception) -> Problem:
    """A file that failed in a way no check foresaw: reported against it, never raised."""
    return Problem.of(path, None, "could_not_load", kind=type(exc).__name__, detail=str(exc))


def load_catalog(paths: Iterable[Path] = (DEFAULT_DIR,)) -> Catalog:
    """Load every referential under ``paths``; broken files are reported, not raised."""
    catalog = Catalog()
    for path in referential_files(paths):
        try:
            entry = load_referential(path)
        except InvalidFile as exc:
            catalog.problems.extend(exc.problems)
            continue
        except Exception as exc:  # one broken file must never keep the others (and the app) from loading
            catalog.problems.append(unexpected_problem(path, exc))
            continue
        key = entry.referential.key
        if key in catalog.loaded:
            catalog.problems.append(Problem.of(
                path, 1, "referential_twice", key=key, other=catalog.loaded[key].path.name))
            continue
        catalog.loaded[key] = entry
    _check_mappings(catalog)
    return catalog
