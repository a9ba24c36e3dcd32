"""Turning a plain reference `World` into real rows, and comparing what the SQL answers with the reference.

Organisations, users, groups and collections are created through the services operators use. Object versions
are inserted by the callers (through ingest where it accepts them, directly where a combination cannot be
posted).
"""

from __future__ import annotations

import json

from sqlalchemy import insert
from sqlalchemy.orm import Session

from hub.orgs import service as orgs
from hub.orgs.models import OrgStatus
from hub.policy.principal import Principal
from hub.policy.resolve import principal_for
from hub.policy.tlp import Tlp
from hub.sharing import service as sharing
from hub.stix.models import ObjectVersion, State
from hub.stix.query import ObjectFilter, count_versions, list_versions
from tests.conftest import delete_every_row
from tests.policy import reference as ref

EVERYTHING = 1_000_000


def build(session: Session, world: ref.World) -> dict[str, int]:
    """Create the world's organisations, groups, users and collections; returns the user ids by email."""
    org_rows = {}
    for org in world.orgs.values():
        row = orgs.add_org(session, None, org.name, "ngo", org.tier)
        if not org.active:
            orgs.set_status(session, None, row, OrgStatus.SUSPENDED, "test world")
        org_rows[org.name] = row
    groups = sorted(
        {g for org in world.orgs.values() for g in org.groups}
        | {
            r.target
            for c in world.collections.values()
            for r in (*c.read, *c.write)
            if r.kind == "group" and r.target
        }
    )
    for group in groups:
        orgs.add_group(session, None, group, sorted(o.name for o in world.orgs.values() if group in o.groups))
    user_ids: dict[str, int] = {}
    for user in world.users.values():
        # No password: hashing with argon2 would cost 50 ms per user and the rule never looks at it.
        row = orgs.add_user(session, None, user.email, org_rows[user.org], user.role, None)
        row.is_active = user.active
        session.flush()
        user_ids[user.email] = row.id
    for c in world.collections.values():
        sharing.add_collection(
            session,
            None,
            f"Collection {c.id[:8]}",
            collection_id=c.id,
            read=[r.text() for r in c.read],
            write=[r.text() for r in c.write],
        )
    session.commit()
    return user_ids


def version_row(
    x: ref.Version, org_ids: dict[str, int], user_ids: dict[str, int], is_latest: bool = False
) -> dict[str, object]:
    """An `object_versions` row for a reference version (bodies are minimal: the rule never reads them)."""
    return {
        "collection_id": x.collection,
        "stix_id": x.stix_id,
        "type": x.stix_id.partition("--")[0],
        "spec_version": "2.1",
        "version": x.version,
        "date_added": x.date_added,
        "tlp": int(Tlp.parse(x.tlp)),
        "state": int(State[x.state.upper()]),
        "producer_org_id": org_ids[x.producer] if x.producer else None,
        "author_id": user_ids[x.author] if x.author else None,
        "is_anonymous": False,
        "body": json.dumps({"type": x.stix_id.partition("--")[0], "id": x.stix_id}),
        "is_latest": is_latest,
    }


def insert_versions(
    session: Session, versions: list[ref.Version], user_ids: dict[str, int], flagged: bool = True
) -> None:
    """Insert versions directly, bypassing ingest (callers say why). With `flagged`, the newest version of
    each object in its collection carries `is_latest` as ingest would set it (`hub.stix.latest`), so the
    rule's shortcut is what the comparison checks; without, no row does and every `last` probes."""
    if not versions:
        return
    org_ids = {org.name: org.id for org in orgs.list_orgs(session)}
    newest = ref.newest_versions(versions) if flagged else set()
    rows = [
        version_row(x, org_ids, user_ids, (x.collection, x.stix_id, x.version) in newest) for x in versions
    ]
    session.execute(insert(ObjectVersion), rows)
    session.commit()


def principal_of(session: Session, email: str | None) -> Principal:
    user = None if email is None else orgs.get_user(session, email)
    return principal_for(session, user)


def mismatches(
    session: Session, world: ref.World, email: str | None, which: tuple[str, ...] = ("all",)
) -> list[str]:
    """Every difference between the SQL read paths and the reference for one principal, as readable lines."""
    p = principal_of(session, email)
    r = ref.reader(world, email)
    problems: list[str] = []
    for collection in world.collections:
        for keyword in which:
            expected = [(x.stix_id, x.version) for x in ref.visible_versions(world, r, collection, keyword)]
            f = ObjectFilter(versions=(keyword,))
            page = list_versions(session, p, collection, f, limit=EVERYTHING)
            got = [(row.stix_id, row.version) for row in page.items]
            if got != expected:
                by_key = {(x.stix_id, x.version): x for x in world.versions if x.collection == collection}
                note = {"versions": keyword}
                extra = [ref.describe(by_key[k], r, note) for k in got if k not in expected]
                missing = [ref.describe(by_key[k], r, note) for k in expected if k not in got]
                problems += [f"LEAKED  {line}" for line in extra] + [f"MISSING {line}" for line in missing]
                if not extra and not missing:
                    problems.append(f"ORDER   {email} {collection} versions={keyword}: {got} != {expected}")
            counted = count_versions(session, p, collection, f)
            if counted != len(expected):
                problems.append(f"COUNT   {email} {collection} {keyword}: {counted} != {len(expected)}")
    return problems


def empty_tables(session: Session) -> None:
    """Delete every row (between hypothesis examples, which share one test's app and database)."""
    session.rollback()
    delete_every_row(session.connection())
    session.commit()
