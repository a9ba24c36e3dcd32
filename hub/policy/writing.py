"""Every write decision, in one place: the counterpart of `visibility.py` for writing.

Who may add to a collection, the TLP ceiling of a poster, where TLP:RED may be placed, whether a post waits
for a coordinator, who may add versions of an object (edit, revoke) and who may delete it, whether an edit may
widen TLP, and the level older versions are read at once a later one is tighter. Every surface (TAXII, the
share pages, ingest, deletion, federation set-up) asks here instead of re-deriving a rule, so a form offers
exactly what ingest accepts. `tests/policy/test_write_matrix.py` checks these answers against the plain-Python
reference.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement, and_, false, or_
from sqlalchemy.orm import Session

from hub.errors import PermissionDenied
from hub.orgs.models import Tier
from hub.policy import sro
from hub.policy.principal import Principal
from hub.policy.tlp import Tlp
from hub.sharing.models import Collection, Mode, RuleKind
from hub.stix.models import ObjectVersion, State

REGISTERED_MAX_TLP = Tlp.GREEN
READ_ONLY = "you may read this collection but not add objects to it"


def may_write(p: Principal, collection_id: str) -> bool:
    """A write rule of the collection matches `p`, whose organisation is active (`public` never writes)."""
    return p.org_active and collection_id in p.writable


def may_write_somewhere(p: Principal) -> bool:
    """`p` may add to at least one collection: whether to show the way to share at all."""
    return p.org_active and bool(p.writable)


def require_write(p: Principal, collection_id: str, refusal: str = READ_ONLY) -> None:
    """Call after the collection was found visible to `p`.

    :raises PermissionDenied: when `p` may read the collection but not add to it.
    """
    if not may_write(p, collection_id):
        raise PermissionDenied(refusal)


def tlp_ceiling(p: Principal) -> Tlp:
    """The most restrictive level `p` may post: registered-tier organisations stop at GREEN, coordinators
    included (their posts skip quarantine, not the ceiling)."""
    return REGISTERED_MAX_TLP if p.tier == Tier.REGISTERED else Tlp.RED


def red_placeable(collection: Collection) -> bool:
    """TLP:RED may be placed only where a `user:` read rule names someone who could read it (a `user:` write
    rule does not count)."""
    return any(r.mode == Mode.READ and r.kind == RuleKind.USER for r in collection.rules)


def tlp_refusal(p: Principal, level: Tlp, red_allowed: bool) -> str | None:
    """Why an object at `level` from `p` is refused here (`red_allowed`: `red_placeable` of the collection),
    or None when it is accepted."""
    if level > tlp_ceiling(p):
        return (
            f"organisations at tier 'registered' may post only TLP:CLEAR and TLP:GREEN; this object is "
            f"{level.label}"
        )
    if level is Tlp.RED and not red_allowed:
        return (
            "TLP:RED objects need named readers: this collection has no 'user:' read rule, "
            "so nobody could be allowed to read it"
        )
    return None


def allowed_tlps(p: Principal, collection: Collection) -> list[Tlp]:
    """The levels `p` may post at in this collection, least restrictive first: what a form may offer."""
    red_allowed = red_placeable(collection)
    return [level for level in Tlp if tlp_refusal(p, level, red_allowed) is None]


def quarantined(p: Principal) -> bool:
    """A registered-tier organisation's posts wait for a coordinator; a coordinator's own are published."""
    return p.tier == Tier.REGISTERED and not p.is_coordinator


def initial_state(p: Principal) -> State:
    """The moderation state of a new post by `p`."""
    return State.QUARANTINED if quarantined(p) else State.PUBLISHED


def revocation_state(p: Principal, shown_already: bool) -> State:
    """A revocation that says nothing a published version did not already say (same content, at that level or
    tighter) is published at once: it withdraws information, and waiting for a coordinator would leave a wrong
    indicator (an HRD's own domain, say) in every subscriber's block list. Anything else is moderated like a
    new post."""
    return State.PUBLISHED if shown_already else initial_state(p)


def may_add_version(p: Principal, first_producer_org_id: int | None, revoked: bool = False) -> bool:
    """Only the organisation that posted an object's first version in a collection adds later ones; a new id
    (no first producer) may be posted by any active organisation (`may_write` decides where). A revoked object
    takes no later version: STIX 2.1 (3.6) makes revocation final, and subscribers drop it for good."""
    return p.org_active and not revoked and first_producer_org_id in (None, p.org_id)


def may_revise(p: Principal, collection_id: str, first_producer_org_id: int | None, revoked: bool) -> bool:
    """Edit or revoke a stored object (a new version): its producer organisation, while it may write the
    collection (the new version goes through ingest like any other) and the object is not revoked."""
    return (
        first_producer_org_id is not None
        and may_write(p, collection_id)
        and may_add_version(p, first_producer_org_id, revoked)
    )


def widens(old: Tlp, new: Tlp) -> bool:
    """A new version at `new` reaches readers the version at `old` did not."""
    return new < old


def tlp_change_refusal(old: Tlp, new: Tlp, widening_confirmed: bool) -> str | None:
    """An edit may tighten TLP freely; widening it shows the object to new readers, so the producer must
    have confirmed after seeing who gains access. None when the change is accepted."""
    if widens(old, new) and not widening_confirmed:
        return f"widening {old.label} to {new.label} needs a confirmation of the new audience"
    return None


def access_levels(levels_newest_first: Iterable[Tlp]) -> list[Tlp]:
    """The level each version of one object is read at, newest first: its own, raised to the most restrictive
    of every later version. Tightening an object must hide its older, wider versions from the readers who
    lose access (otherwise "the last version I may see" would serve them the old text); widening leaves
    older versions where they were."""
    levels: list[Tlp] = []
    ceiling = Tlp.CLEAR
    for level in levels_newest_first:
        ceiling = max(ceiling, level)
        levels.append(ceiling)
    return levels


def may_delete(p: Principal, producer_org_ids: Iterable[int | None]) -> bool:
    """Only the producer organisation deletes, and only while it is active: every version must be its own."""
    return p.org_active and all(org_id == p.org_id for org_id in producer_org_ids)


def own_deletable(p: Principal) -> ColumnElement[bool]:
    """SQL condition: versions `p`'s organisation produced and may know exist.

    It may delete them even where it cannot read them (a write-only drop box); TLP:RED only when `p` is its
    author or a named reader of the collection.
    """
    if not p.org_active or p.org_id is None:
        return false()
    red_known = or_(ObjectVersion.author_id == p.user_id, ObjectVersion.collection_id.in_(sorted(p.named)))
    return and_(ObjectVersion.producer_org_id == p.org_id, or_(ObjectVersion.tlp < int(Tlp.RED), red_known))


def may_give_feedback(p: Principal, collection_id: str, object_type: str) -> bool:
    """Feedback is a sighting posted into the indicator's collection: writers only, indicators only."""
    return object_type == "indicator" and may_write(p, collection_id)


def link_refusal(
    session: Session, p: Principal, collection: Collection, level: Tlp, target_id: str
) -> str | None:
    """Why `p` may not add, in `collection`, a relationship at `level` to `target_id` (a threat the member
    picked), or None. The same rules as ingest: the poster's TLP ceiling, then the SRO rule
    (`sro.sro_refusal`): a relationship is never less restrictive than what the hub holds of its target,
    or its readers would learn the id of an object they may not see."""
    ceiling = tlp_refusal(p, level, red_placeable(collection))
    if ceiling is not None:
        return ceiling
    return sro.sro_refusal(level, [target_id], sro.held(session, collection.id, [target_id]))
