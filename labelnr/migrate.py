"""Carry an assessment over to a newer version of its referential, through the mapping.

An assessment stays pinned to the version it was made with: migrating makes a *new*
assessment and a report of everything a person must look at. Rules:

- kept and renamed criteria keep their answer;
- a split criterion's answer is copied to each new criterion, flagged for review;
- merged criteria keep the weakest answer (lowest credit; "not applicable" only when
  every part was), flagged for review; an unanswered part leaves the result unanswered;
- removed criteria are listed with the answers they had;
- auditor verdicts are not carried: they judged the audited version;
- commitments and targets follow their criterion; those that cannot are listed.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Literal

from labelnr.assessment import (
    Answer,
    Assessment,
    Commitment,
    EvidenceRef,
    RefPin,
    excluded_and_forced_na,
)
from labelnr.diff import Link, LinkKind, Removed, diff_referentials
from labelnr.errors import LabelnrError, Msg
from labelnr.referential import Referential

#: Longest comment an answer may hold (see ``Answer.comment``); merged comments are cut to it.
MAX_COMMENT = 8000

DroppedKind = Literal["answer", "verdict", "commitment", "target", "target_level", "profile", "applicability"]


@dataclass(frozen=True)
class Carried:
    """An answer that reached a criterion of the new version."""

    new: str
    old: tuple[str, ...]
    kind: LinkKind
    #: A person should confirm it (copied from a split criterion, weakest of a merge).
    review: bool


@dataclass(frozen=True)
class Dropped:
    """Something of the old assessment that could not be carried, and why."""

    what: DroppedKind
    #: Criterion id, question id, profile id or commitment title.
    id: str
    #: Why, in the reader's language (``reason.shown(lang)``); ``str(reason)`` is English (JSON, logs).
    reason: Msg


@dataclass(frozen=True)
class MovedCommitment:
    title: str
    old: str
    new: str
    review: bool


@dataclass(frozen=True)
class MigrationReport:
    from_key: str
    to_key: str
    #: False when the newer version has no mapping from the older one (ids matched as they are).
    mapping_used: bool
    carried: tuple[Carried, ...]
    #: Old criteria with no successor, and whether the assessment had answered them.
    removed: tuple[tuple[Removed, bool], ...]
    #: New criteria with no predecessor, within the assessment's profile.
    added: tuple[str, ...]
    #: Every criterion within the profile that has no answer after migration.
    needs_answer: tuple[str, ...]
    moved_commitments: tuple[MovedCommitment, ...]
    dropped: tuple[Dropped, ...]

    @property
    def to_review(self) -> list[Carried]:
        return [c for c in self.carried if c.review]


@dataclass(frozen=True)
class Migration:
    assessment: Assessment
    report: MigrationReport


@dataclass
class _Work:
    """Mutable state of one migration step, frozen into the report at the end."""

    answers: dict[str, Answer] = field(default_factory=dict)
    carried: list[Carried] = field(default_factory=list)
    dropped: list[Dropped] = field(default_factory=list)
    moved: list[MovedCommitment] = field(default_factory=list)

    def drop(self, what: DroppedKind, item: str, reason: Msg) -> None:
        self.dropped.append(Dropped(what, item, reason))


def _answered(answer: Answer | None) -> bool:
    return answer is not None and (answer.level is not None or answer.not_applicable is not None)


def _strength(ref: Referential, level_id: str) -> tuple[float, int]:
    """Order of answers from weakest: by credit, then "not assessed yet" below a real answer."""
    level = ref.scale.level(level_id)
    if level is None:
        return (0.0, 0)
    return (level.credit, 0 if level.pending else 1)


def _merge_comments(parts: list[tuple[str, Answer]]) -> str | None:
    comments = [(cid, a.comment) for cid, a in parts if a.comment]
    if not comments:
        return None
    text = "\n\n".join(f"[{cid}] {comment}" for cid, comment in comments)
    return text if len(text) <= MAX_COMMENT else text[: MAX_COMMENT - 1] + "…"


def _merge_answers(ref: Referential, parts: list[tuple[str, Answer | None]]) -> Answer | None:
    """The weakest of several answers, with every comment and piece of evidence kept."""
    present = [(cid, a) for cid, a in parts if a is not None]
    if not present:
        return None
    evidence: list[EvidenceRef] = []
    for _, answer in present:
        evidence.extend(e for e in answer.evidence if e not in evidence)
    comment = _merge_comments(present)
    if not all(_answered(a) for _, a in parts):
        # A part never assessed: the merged criterion cannot claim any level yet.
        owner = next((a.owner for _, a in present if a.owner), None)
        return Answer(comment=comment, owner=owner, evidence=evidence)
    rated = [(cid, a) for cid, a in present if a.level is not None]
    if not rated:  # every part not applicable
        first = present[0][1]
        return Answer(not_applicable=first.not_applicable, comment=comment, owner=first.owner,
                      evidence=evidence)
    weakest = min(rated, key=lambda item: _strength(ref, item[1].level or ""))[1]
    owner = weakest.owner or next((a.owner for _, a in present if a.owner), None)
    return Answer(level=weakest.level, comment=comment, owner=owner, evidence=evidence)


def _fits(new_ref: Referential, cid: str, answer: Answer, scope: set[str], work: _Work) -> bool:
    """Whether ``answer`` is valid for ``cid`` in the new version; if not, say why it is dropped."""
    if cid not in scope:
        work.drop("answer", cid, Msg("dropped_out_of_profile"))
        return False
    if answer.level is not None and new_ref.scale.level(answer.level) is None:
        work.drop("answer", cid, Msg("dropped_level_not_in_scale", level=answer.level, ref=new_ref.key))
        return False
    if answer.not_applicable is not None and not new_ref.criteria_by_id[cid].not_applicable.allowed:
        work.drop("answer", cid, Msg("dropped_na_not_allowed", ref=new_ref.key))
        return False
    return True


def _carry_answers(old_ref: Referential, new_ref: Referential, links: list[Link],
                   assessment: Assessment, scope: set[str], work: _Work) -> None:
    answers = assessment.answers
    for link in links:
        if link.kind == "merged":
            merged = _merge_answers(old_ref, [(cid, answers.get(cid)) for cid in link.old])
            candidates = [(link.new[0], merged)] if merged is not None else []
        else:
            source = answers.get(link.old[0])
            candidates = [(cid, source) for cid in link.new] if source is not None else []
        for cid, answer in candidates:
            if answer is None or not _fits(new_ref, cid, answer, scope, work):
                continue
            work.answers[cid] = answer.model_copy(deep=True)
            work.carried.append(Carried(cid, link.old, link.kind, link.kind in ("split", "merged")))


def _successors(links: list[Link]) -> dict[str, Link]:
    return {old: link for link in links for old in link.old}


def _carry_commitments(new_ref: Referential, assessment: Assessment, successors: dict[str, Link],
                       work: _Work) -> list[Commitment]:
    kept: list[Commitment] = []
    for commitment in assessment.commitments:
        moved = commitment.model_copy(deep=True)
        if commitment.criterion is not None:
            link = successors.get(commitment.criterion)
            if link is None:
                work.drop("commitment", commitment.title,
                          Msg("dropped_criterion_gone", criterion=commitment.criterion, ref=new_ref.key))
                continue
            # A split commitment goes to the first new criterion: duplicating it would count it twice.
            moved.criterion = link.new[0]
            if link.new[0] != commitment.criterion or link.kind == "split":
                work.moved.append(MovedCommitment(commitment.title, commitment.criterion, link.new[0],
                                                  review=link.kind == "split"))
        elif commitment.theme not in new_ref.themes_by_id:
            work.drop("commitment", commitment.title,
                      Msg("dropped_theme_gone", theme=commitment.theme, ref=new_ref.key))
            continue
        if moved.target_level is not None and new_ref.scale.level(moved.target_level) is None:
            work.drop("target_level", commitment.title,
                      Msg("dropped_target_level", level=moved.target_level, ref=new_ref.key))
            moved.target_level = None
        kept.append(moved)
    return kept


def _carry_targets(old_ref: Referential, new_ref: Referential, links: list[Link], assessment: Assessment,
                   scope: set[str], work: _Work) -> dict[str, dict[int, str]]:
    targets: dict[str, dict[int, str]] = {}
    for link in links:
        parts = [assessment.targets[cid] for cid in link.old if cid in assessment.targets]
        if not parts:
            continue
        by_year: dict[int, str] = {}
        for year in sorted({y for part in parts for y in part}):
            levels = [part[year] for part in parts if year in part]
            by_year[year] = min(levels, key=lambda lv: _strength(old_ref, lv))
        for cid in link.new:
            if cid not in scope:
                work.drop("target", cid, Msg("dropped_out_of_profile"))
                continue
            fitting: dict[int, str] = {}
            for year, level in by_year.items():
                if new_ref.scale.level(level) is None:
                    work.drop("target", cid, Msg("dropped_target_not_in_scale", year=year, level=level))
                else:
                    fitting[year] = level
            if fitting:
                targets[cid] = fitting
    carried = {old for link in links for old in link.old}
    for cid in assessment.targets:
        if cid not in carried:
            work.drop("target", cid, Msg("dropped_criterion_gone", criterion=cid, ref=new_ref.key))
    return targets


def migrate(old_ref: Referential, new_ref: Referential, assessment: Assessment) -> Migration:
    """A new assessment for ``new_ref`` made from ``assessment`` (made with ``old_ref``), and its report."""
    pin = assessment.referential
    if (pin.id, pin.version) != (old_ref.id, old_ref.version):
        raise LabelnrError.of("migrate_other_pin", made=f"{pin.id} {pin.version}", ref=old_ref.key)
    diff = diff_referentials(old_ref, new_ref)
    work = _Work()

    profile = assessment.profile
    if profile is not None and new_ref.profile(profile) is None:
        work.drop("profile", profile, Msg("dropped_no_profile", ref=new_ref.key))
        profile = None
    questions = {q.id for q in new_ref.questions}
    applicability = {q: v for q, v in assessment.applicability.items() if q in questions}
    for qid in assessment.applicability:
        if qid not in questions:
            work.drop("applicability", qid, Msg("dropped_question_gone", ref=new_ref.key))
    scope = {c.id for c in new_ref.criteria_for(profile)}

    links = list(diff.links)
    _carry_answers(old_ref, new_ref, links, assessment, scope, work)
    for cid in sorted(assessment.verdicts):
        work.drop("verdict", cid, Msg("dropped_verdict", ref=old_ref.key))
    commitments = _carry_commitments(new_ref, assessment, _successors(links), work)
    targets = _carry_targets(old_ref, new_ref, links, assessment, scope, work)

    migrated = assessment.model_copy(deep=True, update={
        "referential": RefPin(id=new_ref.id, version=new_ref.version),
        "profile": profile,
        "applicability": applicability,
        "answers": work.answers,
        "verdicts": {},
        "commitments": commitments,
        "targets": targets,
    })
    excluded, forced = excluded_and_forced_na(new_ref, profile, applicability)
    to_answer = [c.id for c in new_ref.criteria
                 if c.id in scope and c.id not in excluded and c.id not in forced]
    removed_answered = {r.id: (r.id in assessment.answers and _answered(assessment.answers[r.id]))
                        for r in diff.removed}
    report = MigrationReport(
        from_key=old_ref.key,
        to_key=new_ref.key,
        mapping_used=diff.mapping_used,
        carried=tuple(work.carried),
        removed=tuple((r, removed_answered[r.id]) for r in diff.removed),
        added=tuple(cid for cid in diff.added if cid in to_answer),
        needs_answer=tuple(cid for cid in to_answer if not _answered(work.answers.get(cid))),
        moved_commitments=tuple(work.moved),
        dropped=tuple(work.dropped),
    )
    return Migration(migrated, report)


def migration_path(versions: list[Referential], source: Referential,
                   target: Referential) -> list[Referential]:
    """The versions to step through, ``source`` first and ``target`` last.

    Follows the mappings backwards from ``target`` (each names the version it comes from);
    when they do not lead to ``source``, one direct step matches criteria by id.
    """
    if source.id != target.id:
        raise LabelnrError.of("migrate_other_referential", source=source.key, target=target.key)
    if source.version == target.version:
        raise LabelnrError.of("migrate_same", target=target.key)
    if target.effective_date < source.effective_date:
        raise LabelnrError.of("migrate_backwards", source=source.key, target=target.key)
    by_version = {r.version: r for r in versions if r.id == source.id}
    chain = [target]
    while chain[-1].mapping is not None and chain[-1].version != source.version:
        previous = by_version.get(chain[-1].mapping.from_version)
        if previous is None or previous.version in {r.version for r in chain}:
            break
        chain.append(previous)
    if chain[-1].version != source.version:
        return [source, target]
    return list(reversed(chain))


def migrate_through(path: list[Referential],
                    assessment: Assessment) -> tuple[Assessment, list[MigrationReport]]:
    """Migrate step by step along ``path`` (from :func:`migration_path`)."""
    reports: list[MigrationReport] = []
    for old_ref, new_ref in itertools.pairwise(path):
        step = migrate(old_ref, new_ref, assessment)
        assessment = step.assessment
        reports.append(step.report)
    return assessment, reports
