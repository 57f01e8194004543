"""Crosswalks: typed links between the criteria of two referentials (label NR ↔ RGESN...).

A crosswalk is data in YAML under ``criteria/mappings/``, versioned with the two referential
versions it joins. Each link says how one criterion of the *source* relates to one or more
criteria of the *target*:

- ``equal``: they ask the same thing;
- ``subset``: the source asks less (meeting the targets meets it);
- ``superset``: the source asks more (the targets are part of it);
- ``related``: they overlap; neither implies the other.

Only ``equal`` and ``subset`` links let an answer be derived from the target side, and then
only as a *proposal* shown to the referent: nothing here writes an answer. How the proposal
is derived (thresholds, how several services combine) is the crosswalk's ``proposal`` rule,
data beside the links (:mod:`labelnr.coverage` applies it).
"""

from __future__ import annotations

from collections import Counter
from enum import StrEnum
from pathlib import Path

from pydantic import Field

from labelnr.errors import InvalidFile, Problem
from labelnr.i18n import Term
from labelnr.loader import Catalog
from labelnr.referential import Id, Referential, Text, _Strict
from labelnr.validation import validate
from labelnr.yamlpos import Located, read

DEFAULT_DIR = Path(__file__).resolve().parent.parent / "criteria" / "mappings"


class Relation(StrEnum):
    EQUAL = "equal"
    SUBSET = "subset"
    SUPERSET = "superset"
    RELATED = "related"


#: Relations under which meeting the target criteria means the source criterion is met.
IMPLIES_SOURCE = frozenset({Relation.EQUAL, Relation.SUBSET})


class Side(_Strict):
    id: Id = Field(description="Referential id (e.g. 'label-nr', 'rgesn').")
    version: str = Field(min_length=1, description="Referential version, quoted (e.g. \"2024\").")

    @property
    def key(self) -> str:
        return f"{self.id}@{self.version}"


class Link(_Strict):
    source: str = Field(description="Criterion id in the source referential.")
    target: list[str] = Field(min_length=1, description="Criterion id(s) in the target referential.")
    relation: Relation = Field(description="equal, subset (source asks less), superset (source asks more) "
                               "or related.")
    note: Text | None = Field(default=None, description="Why the criteria are linked, in each language.")


class Combine(StrEnum):
    """How the coverage of several services makes one figure."""

    WORST = "worst"
    MEAN = "mean"


class ProposalStep(_Strict):
    level: str = Field(description="An answer of the source referential's scale (e.g. 'partial').")
    min_percent: float = Field(ge=0, le=100, description="Proposed when the coverage (0-100) reaches this.")


class ProposalRule(_Strict):
    """How a proposed answer for a source criterion is derived from the target's scores."""

    services: Combine = Field(default=Combine.WORST, description="worst: the least advanced service "
                              "decides; mean: the mean of the services.")
    levels: list[ProposalStep] = Field(min_length=1, description="Steps, highest first: the first whose "
                                       "min_percent the coverage reaches is proposed.")


class Crosswalk(_Strict):
    """Typed links from the criteria of one referential version to those of another."""

    id: Id
    version: str = Field(min_length=1, description="Version of the crosswalk itself.")
    title: Text
    source: Side
    target: Side
    links: list[Link] = Field(min_length=1)
    proposal: ProposalRule | None = Field(default=None, description="How equal and subset links propose "
                                          "an answer (none: the coverage is shown, nothing proposed).")

    def links_from(self, source_id: str) -> list[Link]:
        return [link for link in self.links if link.source == source_id]

    def links_to(self, target_id: str) -> list[Link]:
        return [link for link in self.links if target_id in link.target]


def _check(walk: Crosswalk, located: Located, catalog: Catalog) -> list[Problem]:
    problems: list[Problem] = []
    sides: dict[str, Referential | None] = {}
    for name in ("source", "target"):
        side: Side = getattr(walk, name)
        ref = catalog.get(side.id, side.version)
        if ref is None:
            problems.append(located.coded((name,), "crosswalk_side_missing",
                                          side=Term("errors.crosswalk_side", name), key=side.key))
        sides[name] = ref
    source, target = sides["source"], sides["target"]
    for i, link in enumerate(walk.links):
        if source is not None and link.source not in source.criteria_by_id:
            problems.append(located.coded(("links", i, "source"), "crosswalk_not_a_criterion",
                                          id=link.source, ref=walk.source.key))
        for cid in link.target:
            if target is not None and cid not in target.criteria_by_id:
                problems.append(located.coded(("links", i, "target"), "crosswalk_not_a_criterion",
                                              link.source, id=cid, ref=walk.target.key))
        for cid, n in Counter(link.target).items():
            if n > 1:
                problems.append(located.coded(("links", i, "target"), "crosswalk_target_twice", link.source,
                                              id=cid))
    if walk.proposal is not None and source is not None:
        problems.extend(_check_proposal(walk.proposal, located, source))
    for cid, n in Counter(link.source for link in walk.links).items():
        if n > 1:
            last = max(i for i, link in enumerate(walk.links) if link.source == cid)
            problems.append(located.coded(("links", last, "source"), "crosswalk_source_twice", cid, id=cid))
    return problems


def _check_proposal(rule: ProposalRule, located: Located, source: Referential) -> list[Problem]:
    """Each step an answer of the source scale that earns something, steps highest first."""
    problems: list[Problem] = []
    for i, step in enumerate(rule.levels):
        level = source.scale.level(step.level)
        if level is None or level.pending:
            problems.append(located.coded(("proposal", "levels", i, "level"), "crosswalk_proposal_level",
                                          level=step.level, ref=source.key,
                                          scale=[lv.id for lv in source.scale.levels if not lv.pending]))
        if i and step.min_percent >= rule.levels[i - 1].min_percent:
            problems.append(located.coded(("proposal", "levels", i, "min_percent"),
                                          "crosswalk_proposal_order", level=step.level,
                                          percent=step.min_percent))
    return problems


def load_crosswalk(path: Path, catalog: Catalog) -> Crosswalk:
    """Read and check a crosswalk file against the referentials it joins (all problems at once)."""
    located = read(path)
    walk = validate(Crosswalk, located, collection="links")
    problems = _check(walk, located, catalog)
    if problems:
        raise InvalidFile(problems)
    return walk


def load_crosswalks(catalog: Catalog, folder: Path = DEFAULT_DIR) -> tuple[list[Crosswalk], list[Problem]]:
    """Every crosswalk of a folder; a broken file is reported and the others still load."""
    walks: list[Crosswalk] = []
    problems: list[Problem] = []
    if not folder.is_dir():
        return walks, problems
    for path in sorted(p for p in folder.iterdir() if p.suffix in {".yaml", ".yml"} and p.is_file()):
        try:
            walks.append(load_crosswalk(path, catalog))
        except InvalidFile as exc:
            problems.extend(exc.problems)
    return walks, problems
