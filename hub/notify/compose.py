"""What a mail says, in the recipient's language, with the TLP rule applied.

No TLP:AMBER, AMBER+STRICT or RED content goes into an unencrypted body: such a mail says what happened and
links
to the hub. CLEAR and GREEN values may be included. When the mail will be encrypted to the member's own key,
values of every level they may see are included. Report contents never leave the hub by mail.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson
from flask_babel import gettext as _
from sqlalchemy import select

from hub.notify.audience import AnySession
from hub.notify.settings import base_url
from hub.policy.tlp import Tlp
from hub.sharing.models import Collection
from hub.stix.models import ObjectVersion


@dataclass(slots=True)
class Item:
    """One line of a mail: what, and where to read it."""

    text: str
    url: str = ""


@dataclass(slots=True)
class Content:
    """A mail before it is laid out as text and HTML."""

    subject: str
    intro: str
    items: list[Item] = field(default_factory=list)
    note: str = ""


def object_summary(obj: dict[str, Any]) -> str:
    """What a reader recognises: the name, then the value (a pattern, an observable's value, hashes)."""
    parts: list[str] = []
    for key in ("name", "pattern", "value", "hashes"):
        value = obj.get(key)
        if value:
            parts.append(value if isinstance(value, str) else orjson.dumps(value).decode())
    text = " — ".join(parts) or str(obj.get("id", ""))
    return text if len(text) <= 300 else text[:297] + "…"


def object_items(session: AnySession, version_ids: list[int], *, encrypted: bool) -> tuple[list[Item], bool]:
    """Lines for these versions (already checked visible); the flag says whether any value was withheld."""
    rows = session.execute(
        select(
            ObjectVersion.collection_id,
            ObjectVersion.stix_id,
            ObjectVersion.type,
            ObjectVersion.tlp,
            ObjectVersion.body,
        )
        .where(ObjectVersion.id.in_(version_ids))
        .order_by(ObjectVersion.id)
    ).all()
    items: list[Item] = []
    withheld = False
    for row in rows:
        level = Tlp(row.tlp)
        url = f"{base_url()}/collections/{row.collection_id}/objects/{row.stix_id}"
        if encrypted or level <= Tlp.GREEN:
            text = f"[{level.label}] {row.type}: {object_summary(orjson.loads(row.body))}"
        else:
            withheld = True
            text = f"[{level.label}] {row.type}"
        items.append(Item(text, url))
    return items, withheld


def withheld_note() -> str:
    """Said whenever a value was left out of an unencrypted mail."""
    return str(
        _(
            "Details marked TLP:AMBER or above are never sent by unencrypted email; "
            "open the hub to read them, or add your OpenPGP key to your profile to receive them encrypted."
        )
    )


def collection_title(session: AnySession, version_ids: list[int]) -> str:
    """The channel the versions were posted in."""
    collection_id = session.scalar(
        select(ObjectVersion.collection_id).where(ObjectVersion.id.in_(version_ids))
    )
    collection = session.get(Collection, collection_id) if collection_id else None
    return str(collection.title) if collection else ""


def compose_objects(session: AnySession, topic: str, refs: dict[str, Any], *, encrypted: bool) -> Content:
    """New objects (a subscription), or something addressed to the member (RED, a sighting, a reply)."""
    ids = refs["version_ids"]
    items, withheld = object_items(session, ids, encrypted=encrypted)
    channel = collection_title(session, ids)
    why = refs.get("why")
    if topic == "addressed" and why == "red":
        content = Content(
            _("A TLP:RED object awaits you"),
            _("A TLP:RED object was shared with you by name in the channel %(channel)s.", channel=channel),
        )
    elif topic == "addressed" and why == "sighting":
        content = Content(
            _("Someone saw what you posted"), _("A sighting of an object you posted was reported.")
        )
    elif topic == "addressed":
        content = Content(
            _("A reply to your post"), _("Someone added a note or opinion on an object you posted.")
        )
    elif topic == "quarantine":
        content = Content(
            _("Posts wait in quarantine"),
            _("%(count)s new posts wait for a coordinator's decision.", count=len(ids)),
            [Item(_("Open the moderation queue"), f"{base_url()}/admin/moderation")],
        )
        return content
    elif topic == "digest":
        content = Content(
            _("Your daily digest"),
            _("%(count)s new objects matched your daily subscriptions.", count=len(items)),
        )
    else:
        content = Content(
            _("New objects in %(channel)s", channel=channel),
            _("%(count)s new objects match your subscription.", count=len(items)),
        )
    content.items = items
    content.note = withheld_note() if withheld else ""
    return content
