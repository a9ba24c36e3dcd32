"""Scoped tokens on the escalation API (issue 10, scoped tokens; second look).

`/api/v1/cases` came after the token scopes and asked nothing of them: a read-only token answered cases,
and a token limited to one STIX collection (a TAXII poller's) read every case escalated to the platform,
reporters' words included. A read-only token reads cases but never answers them; cases belong to no
collection, so a token limited to collections does not reach them at all.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from hub.orgs.tokens import issue_token
from hub.reports.models import Escalation
from hub.reports.triage import escalate
from tests.factories import make_collection
from tests.reports.conftest import World, file_report, sealer, world

__all__ = ["sealer", "world"]


def _case(session: Session, world: World, sealer) -> Escalation:  # type: ignore[no-untyped-def]
    report, _ = file_report(session, sealer, world)
    escalation = escalate(session, world.p(session, world.responder), sealer, report, world.platform, "act")
    session.commit()
    return escalation


def _bearer(session: Session, user, **scope) -> dict[str, str]:  # type: ignore[no-untyped-def]
    secret = issue_token(session, None, user, **scope).secret
    session.commit()
    return {"Authorization": f"Bearer {secret}"}


def test_a_read_only_token_reads_cases_but_cannot_answer_them(client, session: Session, world: World, sealer):  # type: ignore[no-untyped-def]
    escalation = _case(session, world, sealer)
    reader = _bearer(session, world.platform_user, scope="read")
    assert client.get("/api/v1/cases", headers=reader).json["cases"][0]["id"] == escalation.id
    answer = client.post(
        f"/api/v1/cases/{escalation.id}/answer", json={"outcome": "declined", "note": "x"}, headers=reader
    )
    assert answer.status_code == 403 and "read-only" in answer.json["description"]
    session.expire_all()
    assert session.get(Escalation, escalation.id).outcome == "pending"


def test_a_token_limited_to_collections_does_not_reach_cases(client, session: Session, world: World, sealer):  # type: ignore[no-untyped-def]
    escalation = _case(session, world, sealer)
    feed = make_collection(session, read=["public"])
    poller = _bearer(session, world.platform_user, scope="write", collections=[feed.id])
    for response in (
        client.get("/api/v1/cases", headers=poller),
        client.get(f"/api/v1/cases/{escalation.id}", headers=poller),
        client.post(f"/api/v1/cases/{escalation.id}/answer", json={"outcome": "declined"}, headers=poller),
    ):
        assert response.status_code == 403 and "collections" in response.json["description"]
    assert client.get("/api/v1/lookup?value=example.org", headers=poller).status_code == 200
    session.expire_all()
    assert session.get(Escalation, escalation.id).outcome == "pending"
