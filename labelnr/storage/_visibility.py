"""What one identity may read and see of the tree: the checks :class:`~labelnr.storage.scoped.ActorStore`
makes before it reads or changes anything (the rules are in its module docstring)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

from labelnr.auth import GrantAuthorizer
from labelnr.errors import LabelnrError
from labelnr.permissions import LOCAL_USER, ROOT, Action, PermissionDenied, allowed
from labelnr.storage import repository as repo
from labelnr.storage.errors import NotFound
from labelnr.storage.models import CommitmentRow
from labelnr.storage.views import CampaignInfo, EntityInfo, EvidenceItem

if TYPE_CHECKING:
    from labelnr.storage.service import Store

#: ``may(action, path)``: whether the identity may do ``action`` on the node at ``path``.
Rights = Callable[[Action, Sequence[str]], bool]


class VisibleTree:
    """One organisation's entities, with what the identity may read and see of them."""

    def __init__(self, organisation_id: str, entities: list[EntityInfo], may: Rights) -> None:
        self.entities = entities
        self.readable = {e.id for e in entities if may(Action.READ, [organisation_id, *e.path])}
        self.visible = set(self.readable)
        for e in entities:
            if e.id in self.readable:
                self.visible.update(e.path)
        self.organisation_visible = bool(self.readable) or may(Action.READ, [organisation_id])


class ActorRights:
    """The identity's rights and the visibility checks built on them (the base of ActorStore)."""

    def __init__(self, store: Store, identity: str) -> None:
        self._store = store
        self.identity = identity

    # --- rights -------------------------------------------------------------------------------

    def _rights(self) -> Rights:
        """The identity's rights, read once for this call (never cached: a revoked role stops
        working at once). The grant check the store's authorizer makes, without a query per node."""
        auth, who = self._store.authorizer, self.identity
        if isinstance(auth, GrantAuthorizer):
            grants = () if who == LOCAL_USER else tuple(auth.grants_of(who))
            return lambda action, path: allowed(who, action, path, grants)

        def may(action: Action, path: Sequence[str]) -> bool:
            try:
                auth(who, action, path)
            except LabelnrError:
                return False
            return True

        return may

    def can(self, action: Action, node: str | None = None) -> bool:
        """Whether the identity may ``action`` on ``node`` (None: the whole installation)."""
        try:
            path = self._node_path(node)
        except NotFound:
            return False
        return self._rights()(action, path)

    def _node_path(self, node: str | None) -> list[str]:
        if node is None or node == ROOT:
            return []
        try:
            entity = self._store.entity(node)
        except NotFound:
            self._store.organisation(node)
            return [node]
        return [entity.organisation_id, *entity.path]

    def _tree(self, organisation_id: str, may: Rights | None = None) -> VisibleTree:
        return VisibleTree(organisation_id, self._store.entity_tree(organisation_id), may or self._rights())

    def _require(self, action: Action, entity: EntityInfo, missing: NotFound) -> None:
        """The authorizer's check on ``entity``; ``missing`` when it is invisible."""
        try:
            self._store.authorizer(self.identity, action, [entity.organisation_id, *entity.path])
        except LabelnrError:
            if entity.id in self._tree(entity.organisation_id).visible:
                raise
            raise missing from None

    def _readable_entity(self, entity_id: str) -> EntityInfo:
        entity = self._store.entity(entity_id)
        self._require(Action.READ, entity, NotFound.of("no_entity", entity=entity_id))
        return entity

    def _campaign_place(self, campaign_id: int) -> tuple[CampaignInfo, EntityInfo]:
        """A campaign and its entity, read in one go."""
        with self._store.db.reading() as s:
            row = repo.get_campaign(s, campaign_id)
            entity = repo.entity_info(repo.lineage(s, row.entity_id))
            return repo.campaign_info(row, entity.organisation_id), entity

    def _readable_campaign(self, campaign_id: int) -> CampaignInfo:
        info, entity = self._campaign_place(campaign_id)
        self._require(Action.READ, entity, NotFound.of("no_campaign", campaign=campaign_id))
        return info

    def _visible(self, entity: EntityInfo) -> bool:
        # Readable is the common case and needs no scan of the tree.
        if self._rights()(Action.READ, [entity.organisation_id, *entity.path]):
            return True
        return entity.id in self._tree(entity.organisation_id).visible

    def _visible_campaign(self, campaign_id: int) -> None:
        """NotFound for a campaign the identity cannot see (before a change names it)."""
        if not self._visible(self._campaign_place(campaign_id)[1]):
            raise NotFound.of("no_campaign", campaign=campaign_id)

    @contextmanager
    def _refused_as_missing(self, campaign_id: int) -> Iterator[None]:
        """For the changes the store checks before anything else (the answer saves): the
        store's refusal becomes NotFound when the identity cannot even see the campaign. The
        same outcome as :meth:`_visible_campaign` before the change, without its reads on
        every save: the store authorizes before any check that could tell what the campaign
        holds (its status, its revisions)."""
        try:
            yield
        except PermissionDenied:
            self._visible_campaign(campaign_id)
            raise

    def _visible_node(self, node: str) -> None:
        """NotFound for an organisation or entity the identity cannot see."""
        if node == ROOT:
            return
        try:
            entity = self._store.entity(node)
        except NotFound:
            if not self._tree(self._store.organisation(node).id).organisation_visible:
                raise NotFound.of("no_organisation", organisation=node) from None
            return
        if not self._visible(entity):
            raise NotFound.of("no_entity", entity=node)

    def _visible_organisation(self, organisation_id: str) -> VisibleTree:
        self._store.organisation(organisation_id)
        tree = self._tree(organisation_id)
        if not tree.organisation_visible:
            raise NotFound.of("no_organisation", organisation=organisation_id)
        return tree

    def _readable_evidence(self, evidence_id: int) -> EvidenceItem:
        item = self._store.evidence_item(evidence_id)
        try:
            self._readable_campaign(item.campaign_id)
        except NotFound:
            raise NotFound.of("no_evidence", evidence=evidence_id) from None
        return item

    def _visible_commitment(self, commitment_id: int) -> None:
        with self._store.db.reading() as s:
            row = s.get(CommitmentRow, commitment_id)
            campaign_id = row.campaign_id if row is not None else None
        if campaign_id is None:
            raise NotFound.of("no_commitment", commitment=commitment_id)
        try:
            self._visible_campaign(campaign_id)
        except NotFound:
            raise NotFound.of("no_commitment", commitment=commitment_id) from None
