"""Reading the tables back as domain objects: rows → views, inheritance resolved.

Inheritance (how shared answers reach the entities below):

- A campaign inherits from the campaigns of its entity's ancestors that have the same
  referential id, version and period (a site's year-1 campaign on label-nr@2024 inherits
  from its IT department's year-1 campaign on label-nr@2024, which inherits from the
  group's).
- For each criterion the effective answer is the campaign's own answer when it states a
  level or "not applicable"; otherwise the nearest ancestor campaign's effective answer.
  An own answer holding only a comment, an owner or evidence does not hide the inherited
  one (the referent may note something on a shared criterion without re-answering it).
- The evidence of an inherited answer comes along with it, added to the campaign's own.
- Inheritance is live while a campaign is a draft. Submitting freezes it: the inherited
  answers and their evidence are copied into the campaign (``inherited_answers``,
  evidence rows with ``inherited_from_id``), still labelled with where they came from,
  so the snapshot no longer moves when an ancestor's draft changes.
- Auditor verdicts are not inherited: each campaign is verified on its own.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from sqlalchemy import Connection, Row, Select, bindparam, func, literal, select
from sqlalchemy.orm import Session

from labelnr.assessment import (
    Answer,
    Assessment,
    AuditorVerdict,
    Campaign,
    Commitment,
    Entity,
    EntityKind,
    EvidenceRef,
    NotApplicable,
    Party,
    Period,
    RefPin,
)
from labelnr.referential import EvidenceType
from labelnr.storage.errors import NotFound
from labelnr.storage.history import Replayed
from labelnr.storage.models import (
    AnswerRow,
    CampaignRow,
    CommitmentRow,
    EntityRow,
    EvidenceRow,
    InheritedAnswerRow,
    OrganisationRow,
    TargetRow,
    VerdictRow,
)
from labelnr.storage.views import (
    AnswerSource,
    CampaignInfo,
    CampaignStatus,
    CampaignView,
    CommitmentItem,
    EntityInfo,
    EvidenceItem,
    OrganisationInfo,
    Revision,
)


def organisation_info(row: OrganisationRow) -> OrganisationInfo:
    return OrganisationInfo(row.id, row.name)


def campaign_info(row: CampaignRow | Row[Any], organisation_id: str) -> CampaignInfo:
    """Info of an ORM campaign row or of a plain result row of the campaigns table."""
    return CampaignInfo(
        id=row.id,
        organisation_id=organisation_id,
        entity_id=row.entity_id,
        referential_id=row.referential_id,
        referential_version=row.referential_version,
        profile=row.profile,
        period=Period(row.period),
        date=row.date,
        name=row.name,
        status=CampaignStatus(row.status),
        revision=row.revision,
        copied_from_id=row.copied_from_id,
        created_at=row.created_at,
        created_by=row.created_by,
        updated_at=row.updated_at,
        updated_by=row.updated_by,
        submitted_at=row.submitted_at,
        audited_at=row.audited_at,
        closed_at=row.closed_at,
    )


def evidence_item(row: EvidenceRow) -> EvidenceItem:
    return EvidenceItem(
        id=row.id,
        campaign_id=row.campaign_id,
        criterion_id=row.criterion_id,
        kind=row.kind,
        type=EvidenceType(row.type),
        title=row.title,
        url=row.url,
        sha256=row.sha256,
        size=row.size,
        filename=row.filename,
        media_type=row.media_type,
        effective_date=row.effective_date,
        added_at=row.added_at,
        added_by=row.added_by,
        inherited_from_id=row.inherited_from_id,
        reference=row.reference,
    )


# --- answers ------------------------------------------------------------------------------


def answer_fields(answer: Answer) -> dict[str, Any]:
    """The stored fields of an answer (evidence is stored apart)."""
    na = answer.not_applicable
    return {
        "level": answer.level,
        "na_reason": na.reason if na else None,
        "na_justification": na.justification if na else None,
        "na_approved_by": na.approved_by if na else None,
        "na_review_by": na.review_by if na else None,
        "comment": answer.comment,
        "owner": answer.owner,
    }


def history_fields(answer: Answer | None) -> dict[str, Any]:
    """The fields of an answer as history records them."""
    if answer is None:
        return {"level": None, "not_applicable": None, "comment": None, "owner": None}
    return {
        "level": answer.level,
        "not_applicable": answer.not_applicable,
        "comment": answer.comment,
        "owner": answer.owner,
    }


def row_answer(row: AnswerRow, evidence: Sequence[EvidenceItem] = ()) -> Answer:
    na = None
    if row.na_reason is not None and row.na_justification is not None:
        na = NotApplicable(
            reason=row.na_reason,
            justification=row.na_justification,
            approved_by=row.na_approved_by,
            review_by=row.na_review_by,
        )
    return Answer(
        level=row.level,
        not_applicable=na,
        comment=row.comment,
        owner=row.owner,
        evidence=[e.ref() for e in evidence],
    )


def is_set(row: AnswerRow | None) -> bool:
    """True when the row states a level or "not applicable" (it then overrides inheritance)."""
    return row is not None and (row.level is not None or row.na_reason is not None)


def is_empty(row: AnswerRow) -> bool:
    return not is_set(row) and row.comment is None and row.owner is None


def verdict_of(row: VerdictRow) -> AuditorVerdict | None:
    if row.verdict is None:
        return None
    return AuditorVerdict.model_validate(
        {"verdict": row.verdict, "comment": row.comment, "auditor": row.auditor, "date": row.date}
    )


def revision_of(row: AnswerRow | VerdictRow | CommitmentRow) -> Revision:
    return Revision(row.revision, row.updated_at, row.updated_by)


# --- the organisation tree ----------------------------------------------------------------


def get_campaign(session: Session, campaign_id: int) -> CampaignRow:
    row = session.get(CampaignRow, campaign_id)
    if row is None:
        raise NotFound.of("no_campaign", campaign=campaign_id)
    return row


def get_entity(session: Session, entity_id: str) -> EntityRow:
    row = session.get(EntityRow, entity_id)
    if row is None:
        raise NotFound.of("no_entity", entity=entity_id)
    return row


def organisation_revision(session: Session, organisation_id: str) -> tuple[Any, ...]:
    """What changes with any write to an organisation's campaigns or tree, read from the
    database (replicas share it): every campaign write revises its campaign row, and names and
    places of the entities and the organisation are read as they are."""
    campaigns = session.execute(
        select(func.count(), func.sum(CampaignRow.revision), func.max(CampaignRow.updated_at))
        .join(EntityRow, EntityRow.id == CampaignRow.entity_id)
        .where(EntityRow.organisation_id == organisation_id)
    ).one()
    names = session.execute(
        select(EntityRow.id, EntityRow.name, EntityRow.parent_id)
        .where(EntityRow.organisation_id == organisation_id)
        .order_by(EntityRow.id)
    ).all()
    return (organisation_id, *campaigns, hash(tuple(tuple(n) for n in names)))


def campaign_revision(session: Session, campaign_id: int) -> tuple[Any, ...] | None:
    """:func:`campaign_key` read in a session's transaction (the view it keys is read there too)."""
    return campaign_key(session.connection(), campaign_id)


def _key_statements() -> tuple[Select[Any], Select[Any]]:
    """The two statements of :func:`campaign_key`, built once (SQLAlchemy caches their SQL)."""
    camp, ent, org = CampaignRow.__table__, EntityRow.__table__, OrganisationRow.__table__
    others, members = camp.alias("others"), ent.alias("members")

    def over_org(column: Any) -> Any:
        return (
            select(column)
            .select_from(others.join(members, members.c.id == others.c.entity_id))
            .where(members.c.organisation_id == ent.c.organisation_id)
            .scalar_subquery()
        )

    place = (
        select(
            ent.c.organisation_id,
            org.c.name,
            over_org(func.count()),
            over_org(func.sum(others.c.revision)),
            over_org(func.max(others.c.updated_at)),
        )
        .select_from(
            camp.join(ent, ent.c.id == camp.c.entity_id).join(org, org.c.id == ent.c.organisation_id)
        )
        .where(camp.c.id == bindparam("campaign_id"))
    )
    names = (
        select(ent.c.id, ent.c.name, ent.c.parent_id)
        .where(ent.c.organisation_id == bindparam("organisation_id"))
        .order_by(ent.c.id)
    )
    return place, names


_KEY_PLACE, _KEY_NAMES = _key_statements()


def campaign_key(connection: Connection, campaign_id: int) -> tuple[Any, ...] | None:
    """The revision of everything a campaign's view shows (its own rows, what it inherits, the
    names around it): the campaign id, its organisation's name and revision (as
    :func:`organisation_revision` reads it). None: no such campaign.

    Two Core statements on the connection (no ORM): every page rerun reads it, once per
    campaign read, to find the cached view."""
    found = connection.execute(_KEY_PLACE, {"campaign_id": campaign_id}).one_or_none()
    if found is None:
        return None
    organisation_id, name, count, total, latest = found
    names = connection.execute(_KEY_NAMES, {"organisation_id": organisation_id}).all()
    return (campaign_id, name, organisation_id, count, total, latest, hash(tuple(tuple(n) for n in names)))


def get_organisation(session: Session, organisation_id: str) -> OrganisationRow:
    row = session.get(OrganisationRow, organisation_id)
    if row is None:
        raise NotFound.of("no_organisation", organisation=organisation_id)
    return row


def lineage(session: Session, entity_id: str) -> list[EntityRow]:
    """The entity and its ancestors, the entity first."""
    chain = [get_entity(session, entity_id)]
    seen = {entity_id}
    while chain[-1].parent_id is not None and chain[-1].parent_id not in seen:
        seen.add(chain[-1].parent_id)
        chain.append(get_entity(session, chain[-1].parent_id))
    return chain


def _lineage_statement() -> Select[Any]:
    ent = EntityRow.__table__
    start = (
        select(ent.c.id, ent.c.organisation_id, ent.c.parent_id, literal(0).label("depth"))
        .where(ent.c.id == bindparam("entity_id"))
        .cte("lineage", recursive=True)
    )
    parent = ent.alias("parent")
    up = start.union_all(
        select(parent.c.id, parent.c.organisation_id, parent.c.parent_id, start.c.depth + 1)
        .where(parent.c.id == start.c.parent_id, start.c.depth < _MAX_DEPTH)
    )
    return select(up.c.id, up.c.organisation_id, up.c.parent_id).order_by(up.c.depth)


#: Deeper than any real tree; only stops a (corrupt) cycle of parents in :func:`lineage_path`.
_MAX_DEPTH = 200
_LINEAGE = _lineage_statement()


def lineage_path(connection: Connection, entity_id: str) -> tuple[str, list[str]] | None:
    """The entity's organisation and the ids from the top of its tree down to it, read in one
    Core statement (what :func:`lineage` gives, without loading the rows); None: no such entity."""
    ids: list[str] = []
    organisation_id = None
    for row in connection.execute(_LINEAGE, {"entity_id": entity_id}):
        if row.id in ids:  # a cycle: stop where lineage() stops
            break
        ids.append(row.id)
        organisation_id = organisation_id or row.organisation_id
    if organisation_id is None:
        return None
    return organisation_id, ids[::-1]


def entity_info(chain: Sequence[EntityRow]) -> EntityInfo:
    """Info of ``chain[0]`` given its lineage (itself first)."""
    row = chain[0]
    path = tuple(e.id for e in reversed(chain))
    return EntityInfo(row.id, row.name, row.organisation_id, row.parent_id, len(chain) - 1, path,
                      EntityKind(row.kind))


def _entity(row: EntityRow) -> Entity:
    """The interchange entity of a row (``kind`` only for a service: unit files stay as they were)."""
    kind = EntityKind(row.kind)
    return Entity(id=row.id, name=row.name, parent=row.parent_id, kind=kind if kind.is_service else None)


def tree(rows: Iterable[EntityRow | Row[Any]]) -> list[EntityInfo]:
    """Entities (ORM or plain rows of the entities table) depth-first, children by name then id."""
    children: dict[str | None, list[EntityRow | Row[Any]]] = defaultdict(list)
    rows = list(rows)
    ids = {r.id for r in rows}
    for row in rows:
        children[row.parent_id if row.parent_id in ids else None].append(row)
    out: list[EntityInfo] = []

    def walk(parent: str | None, path: tuple[str, ...]) -> None:
        for row in sorted(children.get(parent, []), key=lambda r: (r.name.casefold(), r.id)):
            here = (*path, row.id)
            out.append(EntityInfo(row.id, row.name, row.organisation_id, row.parent_id, len(path), here,
                                  EntityKind(row.kind)))
            walk(row.id, here)

    walk(None, ())
    return out


# --- inheritance ----------------------------------------------------------------------------


@dataclass
class CampaignData:
    """The rows of one campaign, indexed by criterion."""

    row: CampaignRow
    entity: EntityRow
    answers: dict[str, AnswerRow]
    frozen: dict[str, InheritedAnswerRow]
    evidence: dict[str, list[EvidenceRow]]

    @property
    def draft(self) -> bool:
        return self.row.status == CampaignStatus.DRAFT.value


@dataclass(frozen=True)
class Resolved:
    """The effective answer to one criterion and where it comes from."""

    answer: AnswerRow | dict[str, Any] | None
    source: CampaignData | None
    #: Source campaign and entity ids when the answer was frozen from an ancestor.
    frozen_source: tuple[int, str] | None
    evidence: list[EvidenceRow]


def load_data(
    session: Session, campaigns: Sequence[CampaignRow], entities: Mapping[str, EntityRow]
) -> dict[int, CampaignData]:
    ids = [c.id for c in campaigns]
    data = {c.id: CampaignData(c, entities[c.entity_id], {}, {}, defaultdict(list)) for c in campaigns}
    if not ids:
        return data
    for a in session.scalars(select(AnswerRow).where(AnswerRow.campaign_id.in_(ids))):
        data[a.campaign_id].answers[a.criterion_id] = a
    for f in session.scalars(select(InheritedAnswerRow).where(InheritedAnswerRow.campaign_id.in_(ids))):
        data[f.campaign_id].frozen[f.criterion_id] = f
    for e in session.scalars(
        select(EvidenceRow).where(EvidenceRow.campaign_id.in_(ids)).order_by(EvidenceRow.id)
    ):
        data[e.campaign_id].evidence[e.criterion_id].append(e)
    return data


def resolve(chain: Sequence[CampaignData], criterion: str) -> Resolved:
    """The effective answer of ``chain[0]`` (a campaign, then its ancestors' campaigns)."""
    own = chain[0]
    evidence = list(own.evidence.get(criterion, []))
    row = own.answers.get(criterion)
    if is_set(row):
        return Resolved(row, own, None, evidence)
    if not own.draft:
        frozen = own.frozen.get(criterion)
        if frozen is None:
            return Resolved(None, None, None, evidence)
        return Resolved(frozen.answer, None, (frozen.source_campaign_id, frozen.source_entity_id), evidence)
    for ancestor in chain[1:]:
        evidence.extend(ancestor.evidence.get(criterion, []))
        row = ancestor.answers.get(criterion)
        if is_set(row):
            return Resolved(row, ancestor, None, evidence)
        if not ancestor.draft:
            frozen = ancestor.frozen.get(criterion)
            if frozen is None:
                return Resolved(None, None, None, evidence)
            return Resolved(
                frozen.answer, None, (frozen.source_campaign_id, frozen.source_entity_id), evidence
            )
    return Resolved(None, None, None, evidence)


def campaign_chain(session: Session, campaign: CampaignRow) -> list[CampaignData]:
    """The campaign and the campaigns it inherits from (nearest ancestor first)."""
    entities = lineage(session, campaign.entity_id)
    by_id = {e.id: e for e in entities}
    ancestors: list[CampaignRow] = []
    if len(entities) > 1:
        found = {
            c.entity_id: c
            for c in session.scalars(
                select(CampaignRow).where(
                    CampaignRow.entity_id.in_([e.id for e in entities[1:]]),
                    CampaignRow.referential_id == campaign.referential_id,
                    CampaignRow.referential_version == campaign.referential_version,
                    CampaignRow.period == campaign.period,
                )
            )
        }
        ancestors = [found[e.id] for e in entities[1:] if e.id in found]
    data = load_data(session, [campaign, *ancestors], by_id)
    return [data[campaign.id], *(data[a.id] for a in ancestors)]


def criteria_of(chain: Sequence[CampaignData]) -> list[str]:
    ids: set[str] = set()
    for data in chain:
        ids.update(data.answers, data.frozen, data.evidence)
    return sorted(ids)


def _answer_from(resolved: Resolved, evidence: Sequence[EvidenceItem]) -> Answer | None:
    if isinstance(resolved.answer, AnswerRow):
        return row_answer(resolved.answer, evidence)
    if isinstance(resolved.answer, dict):
        return Answer.model_validate({**resolved.answer, "evidence": [e.ref() for e in evidence]})
    return None


def build_view(session: Session, campaign: CampaignRow) -> CampaignView:
    chain = campaign_chain(session, campaign)
    own = chain[0]
    entity_chain = lineage(session, campaign.entity_id)
    org = get_organisation(session, own.entity.organisation_id)
    names = {e.id: e.name for e in entity_chain}

    effective: dict[str, Answer] = {}
    sources: dict[str, AnswerSource] = {}
    evidence: dict[str, tuple[EvidenceItem, ...]] = {}
    for cid in criteria_of(chain):
        resolved = resolve(chain, cid)
        items = tuple(evidence_item(e) for e in resolved.evidence)
        if items:
            evidence[cid] = items
        answer = _answer_from(resolved, items)
        if answer is None:
            continue
        effective[cid] = answer
        if resolved.source is not None:
            sources[cid] = AnswerSource(
                resolved.source.row.id,
                resolved.source.entity.id,
                resolved.source.entity.name,
                resolved.source is not own,
            )
        elif resolved.frozen_source is not None:
            src_campaign, src_entity = resolved.frozen_source
            name = names.get(src_entity) or get_entity(session, src_entity).name
            sources[cid] = AnswerSource(src_campaign, src_entity, name, True)

    verdict_rows = list(session.scalars(select(VerdictRow).where(VerdictRow.campaign_id == campaign.id)))
    commitments = list(
        session.scalars(
            select(CommitmentRow)
            .where(CommitmentRow.campaign_id == campaign.id)
            .order_by(CommitmentRow.position, CommitmentRow.id)
        )
    )
    targets = list(session.scalars(select(TargetRow).where(TargetRow.campaign_id == campaign.id)))
    info = campaign_info(campaign, org.id)
    return CampaignView(
        info=info,
        organisation=organisation_info(org),
        entity=entity_info(entity_chain),
        assessment=own_assessment(own, org, entity_chain[0], verdict_rows, commitments, targets),
        effective=effective,
        sources=sources,
        answer_revisions={cid: revision_of(r) for cid, r in own.answers.items()},
        verdict_revisions={r.criterion_id: revision_of(r) for r in verdict_rows},
        evidence=evidence,
        commitments=tuple(
            CommitmentItem(
                c.id, c.position, c.revision, Commitment.model_validate(c.data), c.updated_at, c.updated_by
            )
            for c in commitments
        ),
    )


def own_assessment(
    own: CampaignData,
    org: OrganisationRow,
    entity: EntityRow,
    verdicts: Iterable[VerdictRow],
    commitments: Iterable[CommitmentRow],
    targets: Iterable[TargetRow],
) -> Assessment:
    """The campaign's own data as the interchange model (inherited answers left out)."""
    row = own.row
    answers: dict[str, Answer] = {}
    for cid in sorted(set(own.answers) | set(own.evidence)):
        mine = [evidence_item(e) for e in own.evidence.get(cid, []) if e.inherited_from_id is None]
        answer_row = own.answers.get(cid)
        if answer_row is not None and not is_empty(answer_row):
            answers[cid] = row_answer(answer_row, mine)
        elif mine:
            answers[cid] = Answer(evidence=[e.ref() for e in mine])
    by_year: dict[str, dict[int, str]] = defaultdict(dict)
    for t in targets:
        by_year[t.criterion_id][t.year] = t.level
    verdict_map = {v.criterion_id: verdict for v in verdicts if (verdict := verdict_of(v)) is not None}
    return Assessment(
        referential=RefPin(id=row.referential_id, version=row.referential_version),
        profile=row.profile,
        applicability=dict(row.applicability),
        organisation=Party(id=org.id, name=org.name),
        entity=_entity(entity),
        campaign=Campaign(period=Period(row.period), date=row.date, name=row.name),
        answers=answers,
        verdicts=dict(sorted(verdict_map.items())),
        commitments=[Commitment.model_validate(c.data) for c in commitments],
        targets={cid: dict(sorted(years.items())) for cid, years in sorted(by_year.items())},
    )


# --- history replay -----------------------------------------------------------------------


def _recorded_ref(record: dict[str, Any]) -> EvidenceRef:
    """The interchange form of an evidence record kept by the history."""
    common = {
        "type": record["type"],
        "title": record["title"],
        "effective_date": record.get("effective_date"),
    }
    if record["kind"] == "link":
        return EvidenceRef.model_validate({**common, "url": record["url"]})
    if record["kind"] == "named":
        # Only a name: never a path of the evidence store, whatever the imported file said
        # (``evidence/<sha256>/…`` is how a replayed *uploaded* file is told apart, below).
        name = PurePosixPath(str(record.get("reference") or record.get("filename"))).name
        return EvidenceRef.model_validate({**common, "file": name, "sha256": record.get("sha256")})
    sha = record["sha256"]
    return EvidenceRef.model_validate(
        {**common, "file": f"evidence/{sha}/{record['filename']}", "sha256": sha}
    )


def replayed_assessment(state: Replayed, org: OrganisationRow, entity: EntityRow) -> Assessment:
    """The campaign's own content as the history says it was (see :func:`history.replay`)."""
    ref_id, _, version = str(state.campaign["referential"]).partition("@")
    evidence: dict[str, list[EvidenceRef]] = defaultdict(list)
    for evidence_id in sorted(state.evidence):
        criterion, record = state.evidence[evidence_id]
        evidence[criterion].append(_recorded_ref(record))
    answers = {
        cid: Answer.model_validate({**state.answers.get(cid, {}), "evidence": evidence.get(cid, [])})
        for cid in sorted(set(state.answers) | set(evidence))
        if state.answers.get(cid) or evidence.get(cid)
    }
    by_year: dict[str, dict[int, str]] = defaultdict(dict)
    for (cid, year), level in sorted(state.targets.items()):
        by_year[cid][year] = level
    return Assessment(
        referential=RefPin(id=ref_id, version=version),
        profile=state.campaign.get("profile"),
        applicability=dict(sorted(state.applicability.items())),
        organisation=Party(id=org.id, name=org.name),
        entity=_entity(entity),
        campaign=Campaign.model_validate(
            {
                "period": state.campaign["period"],
                "date": state.campaign["date"],
                "name": state.campaign.get("name"),
            }
        ),
        answers=answers,
        verdicts={
            cid: AuditorVerdict.model_validate(fields)
            for cid, fields in sorted(state.verdicts.items())
            if fields.get("verdict")
        },
        commitments=[Commitment.model_validate(state.commitments[i]) for i in sorted(state.commitments)],
        targets=dict(by_year),
    )
