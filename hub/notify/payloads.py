"""The JSON body of a webhook delivery (`schemas/webhook-payload.json`), built when it is sent.

Objects are re-checked against the visibility rule for the organisation at that moment, and TLP:RED never
leaves by webhook; report and case events carry ids, categories and links, never a reporter's words.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import select

from hub.notify.audience import AnySession, org_principal, visible_ids
from hub.notify.models import Webhook
from hub.notify.settings import base_url
from hub.reports.models import Escalation, Report
from hub.sharing.models import Collection
from hub.stix.models import ObjectVersion

EVENT_OF_TOPIC = {
    "objects": "objects",
    "cases.new": "cases",
    "reports.new": "reports",
    "reports.followup": "reports",
    "test": "test",
}


def _iso(moment: datetime | None) -> str | None:
    return moment.replace(tzinfo=UTC).isoformat().replace("+00:00", "Z") if moment else None


def _objects(session: AnySession, hook: Webhook, refs: dict[str, Any]) -> dict[str, Any] | None:
    ids = visible_ids(session, org_principal(session, hook.org), refs["version_ids"], below_red=True)
    if not ids:
        return None
    rows = session.execute(
        select(ObjectVersion.collection_id, ObjectVersion.stix_id, ObjectVersion.body)
        .where(ObjectVersion.id.in_(ids))
        .order_by(ObjectVersion.id)
    ).all()
    collection = session.get(Collection, rows[0].collection_id)
    return {
        "collection": {"id": rows[0].collection_id, "title": collection.title if collection else ""},
        "objects": [orjson.loads(row.body) for row in rows],
    }


def _case(session: AnySession, hook: Webhook, refs: dict[str, Any]) -> dict[str, Any] | None:
    escalation = session.get(Escalation, refs["escalation_id"])
    if escalation is None or escalation.platform_org_id != hook.org_id:
        return None
    return {
        "case": {
            "id": escalation.id,
            "category": escalation.report.category,
            "language": escalation.report.language,
            "escalated_at": _iso(escalation.escalated_at),
            "outcome": escalation.outcome,
            "url": f"{base_url()}/platform/cases/{escalation.id}",
            "api_url": f"{base_url()}/api/v1/cases/{escalation.id}",
        }
    }


def _report(session: AnySession, refs: dict[str, Any]) -> dict[str, Any] | None:
    report = session.get(Report, refs["report_id"])
    if report is None:
        return None
    return {
        "report": {
            "id": report.id,
            "category": report.category,
            "language": report.language,
            "status": report.status,
            "created": _iso(report.created_at),
            "url": f"{base_url()}/reports/{report.id}",
        }
    }


def build_payload(
    session: AnySession, hook: Webhook, delivery_id: str, topic: str, refs: dict[str, Any], created_us: int
) -> tuple[str, bytes] | None:
    """(event name, body) for this delivery, or None when nothing may be told any more."""
    event = EVENT_OF_TOPIC.get(topic)
    if event == "objects":
        data = _objects(session, hook, refs)
    elif event == "cases":
        data = _case(session, hook, refs)
    elif event == "reports":
        data = _report(session, refs)
    elif event == "test":
        data = {"message": "a test event: this endpoint is registered with the hub", "webhook_id": hook.id}
    else:
        return None
    if data is None:
        return None
    body = {
        "id": delivery_id,
        "event": event,
        "type": topic,
        "created": datetime.fromtimestamp(created_us / 1e6, UTC).isoformat().replace("+00:00", "Z"),
        "hub": base_url(),
        "data": data,
    }
    return event, orjson.dumps(body)
