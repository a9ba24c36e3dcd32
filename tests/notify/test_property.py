"""Property: in random worlds, no notification reaches someone who cannot see the object.

Every user subscribes to every channel and every organisation registers a webhook for objects; every version
of every channel is announced; the worker plans deliveries (`expand_pending`, the real step) and builds each
message (the send-time re-check). Each version in a mail must be visible to its recipient under the
plain-Python reference of the visibility rule; each version in a webhook must be visible to a plain member
of its organisation (a synthetic one no `user:` rule names) and never TLP:RED.
"""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from sqlalchemy import select

from hub.notify.delivery import Claimed, Outcome
from hub.notify.models import Delivery, Subscription
from hub.notify.outbox import emit_objects
from hub.notify.settings import worker_settings
from hub.notify.webhooks import add_webhook
from hub.notify.worker import CHANNELS, expand_pending
from hub.orgs import service as orgs
from hub.stix.models import ObjectVersion
from tests.policy import dbworld
from tests.policy import reference as ref
from tests.policy.test_property import worlds


def _with_plain_members(world: ref.World) -> ref.World:
    for name in world.orgs:
        email = f"plain-member@{name}.example"
        world.users[email] = ref.User(email, name, "member", True)
    return world


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(world=worlds().map(_with_plain_members))
def test_no_notification_reaches_someone_who_cannot_see_the_object(notify_app, session, world):
    dbworld.empty_tables(session)
    user_ids = dbworld.build(session, world)
    dbworld.insert_versions(session, world.versions, user_ids)
    org_of_hook = {}
    for org in orgs.list_orgs(session):
        hook, _ = add_webhook(session, org, "http://127.0.0.1:9/hook", ["objects"])
        org_of_hook[hook.id] = org.name
    for user_id in user_ids.values():
        session.add(Subscription(user_id=user_id, topic="objects"))
    for collection in world.collections:
        ids = session.scalars(select(ObjectVersion.id).where(ObjectVersion.collection_id == collection)).all()
        emit_objects(session, collection, sorted(ids))
    session.commit()
    expand_pending(session, worker_settings())

    key_of = {row.id: (row.stix_id, row.version) for row in session.execute(select(ObjectVersion)).scalars()}
    email_of = {uid: email for email, uid in user_ids.items()}
    problems = []
    for delivery in session.scalars(select(Delivery)).all():
        refs = json.loads(delivery.refs)
        if delivery.webhook_id is not None:
            reader_email = f"plain-member@{org_of_hook[delivery.webhook_id]}.example"
        else:
            reader_email = email_of[delivery.user_id]
        reader = ref.reader(world, reader_email)
        allowed = {
            (x.stix_id, x.version)
            for c in world.collections
            for x in ref.visible_versions(world, reader, c)
            if delivery.webhook_id is None or x.tlp != "red"
        }
        for version_id in refs.get("version_ids", []):
            if key_of[version_id] not in allowed:
                problems.append(
                    f"{delivery.channel} {delivery.topic} to {reader_email}: {key_of[version_id]}"
                )
        claimed = Claimed(
            delivery.id,
            delivery.channel,
            delivery.topic,
            refs,
            1,
            delivery.created_us,
            delivery.user_id,
            delivery.webhook_id,
            delivery.address,
        )
        built = CHANNELS[delivery.channel].prepare(session, claimed)
        if isinstance(built, Outcome):
            continue
        text = built.body.decode() if hasattr(built, "body") else built.message.as_string()
        allowed_ids = {stix_id for stix_id, _ in allowed}
        for stix_id in {stix_id for stix_id, _ in key_of.values()} - allowed_ids:
            if stix_id in text:
                problems.append(f"built {delivery.channel} to {reader_email} names {stix_id}")
    assert not problems, "\n".join(problems)
