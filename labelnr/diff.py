"""What changed between two versions of a referential, as the newer version's mapping says.

The newer file's ``mapping`` tells which old criteria were renamed, split, merged or
removed; every other id present in both versions is the same criterion (id identity).
The result is plain data (frozen dataclasses) that the CLI prints and the app shows.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

from labelnr.referential import Criterion, MappingKind, Referential

#: The fields of a criterion compared between versions, in the order they are reported.
CRITERION_FIELDS: tuple[str, ...] = (
    "title", "description", "theme", "principle", "level", "mandatory", "weight", "priority",
    "not_applicable", "evidence", "profiles",
)

LinkKind = Literal["kept", "renamed", "split", "merged"]
_LINK_KIND: dict[MappingKind, LinkKind] = {
    MappingKind.RENAMED: "renamed", MappingKind.SPLIT: "split", MappingKind.MERGED: "merged",
}


@dataclass(frozen=True)
class FieldChange:
    """One field (or setting path such as ``scoring.levels.2.min_points``) and its two values."""

    field: str
    #: JSON-ready values; ``None`` when absent on that side.
    old: Any
    new: Any


@dataclass(frozen=True)
class CriterionChange:
    """A criterion that carries over (same id or renamed) but whose content changed."""

    old_id: str
    new_id: str
    fields: tuple[FieldChange, ...]

    @property
    def field_names(self) -> list[str]:
        return [f.field for f in self.fields]


@dataclass(frozen=True)
class Link:
    """Where the answers of old criteria go in the new version."""

    kind: LinkKind
    old: tuple[str, ...]
    new: tuple[str, ...]


@dataclass(frozen=True)
class Removed:
    id: str
    #: True when the mapping says so; False when the id simply vanished (possibly a forgotten entry).
    declared: bool


@dataclass(frozen=True)
class ReferentialDiff:
    old: str
    new: str
    #: False when the newer version has no mapping from ``old`` (ids compared as they are).
    mapping_used: bool
    added: tuple[str, ...]
    removed: tuple[Removed, ...]
    #: Every old → new correspondence: kept (same id), renamed, split, merged.
    links: tuple[Link, ...]
    changed: tuple[CriterionChange, ...]
    #: Themes, principles, answer scale, scoring rules, profiles and questions.
    settings: tuple[FieldChange, ...]

    def of_kind(self, kind: LinkKind) -> list[Link]:
        return [link for link in self.links if link.kind == kind]

    @property
    def renamed(self) -> list[Link]:
        return self.of_kind("renamed")

    @property
    def split(self) -> list[Link]:
        return self.of_kind("split")

    @property
    def merged(self) -> list[Link]:
        return self.of_kind("merged")

    @property
    def unchanged(self) -> list[str]:
        changed = {c.new_id for c in self.changed}
        return [link.new[0] for link in self.of_kind("kept") if link.new[0] not in changed]

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.changed or self.settings
                    or any(link.kind != "kept" for link in self.links))

    def to_json(self) -> dict[str, Any]:
        """Plain JSON data: the links that are not plain "kept", and the unchanged ids."""
        data = asdict(self)
        data["links"] = [asdict(link) for link in self.links if link.kind != "kept"]
        data["unchanged"] = self.unchanged
        return dict(_lists(data))


def _lists(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _lists(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_lists(v) for v in value]
    return value


def _mandatory(ref: Referential, crit: Criterion) -> bool:
    return crit.mandatory or any(crit.id in lv.mandatory for lv in ref.scoring.levels)


def _criterion_values(ref: Referential, crit: Criterion) -> dict[str, Any]:
    data = crit.model_dump(mode="json")
    # Compare what scoring uses: the effective weight and whether it is mandatory at any level.
    data["weight"] = ref.criterion_weight(crit)
    data["mandatory"] = _mandatory(ref, crit)
    return {name: data.get(name) for name in CRITERION_FIELDS}


def criterion_changes(old_ref: Referential, old: Criterion, new_ref: Referential,
                      new: Criterion) -> tuple[FieldChange, ...]:
    before = _criterion_values(old_ref, old)
    after = _criterion_values(new_ref, new)
    return tuple(FieldChange(name, before[name], after[name])
                 for name in CRITERION_FIELDS if before[name] != after[name])


def _flatten(value: Any, prefix: str, out: dict[str, Any]) -> None:
    """Nested settings as ``path → leaf``; lists of items with an ``id`` (or ``level``) are keyed by it.

    A text in both languages is one leaf: its translations change together. Empty lists
    and maps are left out, like absent values, so that "nothing" reads the same either way.
    """
    if isinstance(value, (list, dict)) and not value:
        return
    if isinstance(value, dict) and set(value) != {"fr", "en"}:
        for key, item in value.items():
            _flatten(item, f"{prefix}.{key}" if prefix else str(key), out)
    elif isinstance(value, list) and value and all(
            isinstance(v, dict) and ("id" in v or "level" in v) for v in value):
        for item in value:
            key_field = "id" if "id" in item else "level"
            rest = {k: v for k, v in item.items() if k != key_field}
            _flatten(rest, f"{prefix}.{item[key_field]}", out)
    else:
        out[prefix] = value


def settings_changes(old: Referential, new: Referential) -> tuple[FieldChange, ...]:
    """Changes outside the criteria: themes and principles, scale, scoring, profiles, questions."""
    parts = ("title", "source", "languages", "themes", "scale", "scoring", "profiles", "questions")
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    _flatten(old.model_dump(mode="json", include=set(parts)), "", before)
    _flatten(new.model_dump(mode="json", include=set(parts)), "", after)
    keys = list(before) + [k for k in after if k not in before]
    return tuple(FieldChange(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k))


def _mapping_applies(old: Referential, new: Referential) -> bool:
    return new.mapping is not None and new.id == old.id and new.mapping.from_version == old.version


def given_in_reverse(first: Referential, second: Referential) -> bool:
    """True when ``first`` is the newer version of the same referential: its mapping comes from
    ``second``'s version, or (no mapping between them) it takes effect later."""
    if first.id != second.id:
        return False
    if _mapping_applies(second, first):
        return True
    if _mapping_applies(first, second):
        return False
    return first.effective_date > second.effective_date


def diff_referentials(old: Referential, new: Referential) -> ReferentialDiff:
    """Compare two versions; ``new``'s mapping applies when it comes from ``old``'s version.

    Assumes a mapping already checked by the loader (its old ids exist in ``old``);
    entries naming unknown ids are skipped rather than trusted.
    """
    old_by_id = old.criteria_by_id
    new_by_id = new.criteria_by_id
    links: list[Link] = []
    removed: list[Removed] = []
    mapped_old: set[str] = set()
    mapped_new: set[str] = set()
    use_mapping = _mapping_applies(old, new)
    if use_mapping and new.mapping is not None:
        for entry in new.mapping.changes:
            olds = tuple(i for i in entry.old if i in old_by_id)
            news = tuple(i for i in entry.new if i in new_by_id)
            mapped_old.update(entry.old)
            mapped_new.update(entry.new)
            if entry.kind is MappingKind.REMOVED:
                removed.extend(Removed(i, True) for i in olds)
            elif olds and news:
                links.append(Link(_LINK_KIND[entry.kind], olds, news))
    mapped = mapped_old | mapped_new
    kept = [c.id for c in old.criteria if c.id in new_by_id and c.id not in mapped]
    links.extend(Link("kept", (cid,), (cid,)) for cid in kept)
    removed.extend(Removed(c.id, False) for c in old.criteria
                   if c.id not in new_by_id and c.id not in mapped_old)
    added = tuple(c.id for c in new.criteria if c.id not in mapped_new and c.id not in old_by_id)

    changed: list[CriterionChange] = []
    for link in links:
        if link.kind in ("kept", "renamed"):
            fields = criterion_changes(old, old_by_id[link.old[0]], new, new_by_id[link.new[0]])
            if fields:
                changed.append(CriterionChange(link.old[0], link.new[0], fields))

    new_order = {c.id: i for i, c in enumerate(new.criteria)}
    old_order = {c.id: i for i, c in enumerate(old.criteria)}
    links.sort(key=lambda lk: (new_order.get(lk.new[0], len(new_order)), lk.old))
    removed.sort(key=lambda r: old_order.get(r.id, len(old_order)))
    changed.sort(key=lambda c: new_order.get(c.new_id, len(new_order)))
    return ReferentialDiff(
        old=old.key, new=new.key, mapping_used=use_mapping,
        added=added, removed=tuple(removed), links=tuple(links),
        changed=tuple(changed), settings=settings_changes(old, new),
    )
