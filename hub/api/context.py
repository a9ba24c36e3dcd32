"""What a looked-up indicator indicates: the threats behind a match, named only where the caller may see them.

A moderator who finds a value wants to know what it is about ("Pegasus", "APT-C-23") before acting on it.
The answer comes from `indicates` relationships whose source is the matched indicator, in the indicator's
own collection, to a `malware`, `intrusion-set`, `threat-actor` or `campaign`. Both the relationship and its
target pass the visibility rule at their latest visible version, so a threat the caller may not see is
neither named nor counted, and a relationship the caller may not see names nothing, even when its target is
visible.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import BigInteger, Exists, Select, String, and_, exists, select
from sqlalchemy.orm import Session, aliased, scoped_session

from hub.db import one_of_parameter, one_of_values
from hub.policy.principal import Principal
from hub.policy.visibility import visible
from hub.search.models import ObjectLink
from hub.stix.models import ObjectVersion
from hub.stix.query import is_last_visible

THREAT_TYPES = ("malware", "intrusion-set", "threat-actor", "campaign")
AnySelect = Select[*tuple[Any, ...]]
_LINK = aliased(ObjectVersion, name="context_link")
_TARGET = aliased(ObjectVersion, name="context_target")


@dataclass(frozen=True, slots=True, order=True)
class Indicated:
    """One visible threat a matched indicator indicates."""

    type: str
    name: str | None
    id: str


def indicated(
    session: Session | scoped_session[Any], p: Principal, places: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], list[Indicated]]:
    """(collection id, indicator id) -> the visible threats it indicates, sorted by type, name and id."""
    asked = set(places)
    if not asked:
        return {}
    sources = sorted({source for _, source in asked})
    postgresql = session.get_bind().dialect.name == "postgresql"
    # the index on the source end first: the planner cannot start anywhere else
    few, parameters = one_of_values("sources", sources)
    links = session.scalars(_links(postgresql, few), parameters).all()
    if not links:
        return {}
    found: dict[tuple[str, str], set[Indicated]] = {}
    few, parameters = one_of_values("links", links)
    for collection_id, source, kind, target_id, body in session.execute(
        _statement(p, postgresql, few), parameters
    ):
        if (collection_id, source) not in asked:
            continue  # the same indicator id in a collection the match was not in
        name = orjson.loads(body).get("name")
        threat = Indicated(kind, name if isinstance(name, str) else None, target_id)
        found.setdefault((collection_id, source), set()).add(threat)
    return {place: sorted(threats) for place, threats in found.items()}


def names_threats(indicator: Any) -> Exists:
    """SQL condition: some `indicates` relationship version has `indicator`'s id as its source (visible or
    not, in any collection): a column of the lookup's statement, so that `indicated` runs only for the
    matches it can name a threat for. The index on the source end answers it."""
    return exists().where(
        ObjectLink.source_ref == indicator.stix_id, ObjectLink.relationship_type == "indicates"
    )


@functools.lru_cache(maxsize=4)
def _links(postgresql: bool, few: bool) -> AnySelect:
    """The `indicates` relationship versions whose source is in the parameter `sources` (`few`: in a few
    parameters, `hub.db.one_of_values`)."""
    return select(ObjectLink.version_id).where(
        one_of_parameter(ObjectLink.source_ref, "sources", String, postgresql, few),
        ObjectLink.relationship_type == "indicates",
    )


@functools.lru_cache(maxsize=1024)
def _statement(p: Principal, postgresql: bool, few: bool) -> AnySelect:
    """The query of `p` over the relationship versions in the parameter `links` (`few`: in a few parameters,
    `hub.db.one_of_values`): built once per principal, as the lookup's own queries are (building it costs
    more than running it for a few ids)."""
    link, target = _LINK, _TARGET
    return (
        select(link.collection_id, ObjectLink.source_ref, target.type, target.stix_id, target.body)
        .join(link, link.id == ObjectLink.version_id)
        .join(
            target,
            and_(target.collection_id == link.collection_id, target.stix_id == ObjectLink.target_ref),
        )
        .where(
            one_of_parameter(link.id, "links", BigInteger, postgresql, few),
            target.type.in_(THREAT_TYPES),
            visible(p, link),
            is_last_visible(p, link),
            visible(p, target),
            is_last_visible(p, target),
        )
    )
