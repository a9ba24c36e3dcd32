"""The escalation API: a platform's case system lists, reads and answers its cases with an API token; other
organisations see nothing; the answer reaches the helpline like one given in the web UI."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy.orm import Session

from hub.orgs.tokens import issue_token
from hub.reports.triage import escalate
from tests.reports.conftest import SECRET_CONTACT, World, file_report, sealer, world

__all__ = ["sealer", "world"]
SPEC = json.loads((Path(__file__).resolve().parents[2] / "schemas" / "lookup-openapi.json").read_text())


def _headers(session: Session, user) -> dict[str, str]:  # type: ignore[no-untyped-def]
    secret = issue_token(session, None, user).secret
    session.commit()
    return {"Authorization": f"Bearer {secret}"}


def test_a_platform_lists_reads_and_answers_its_cases(client, session: Session, world: World, sealer):
    report, _ = file_report(session, sealer, world)
    escalation = escalate(session, world.p(session, world.responder), sealer, report, world.platform, "act")
    session.commit()
    platform = _headers(session, world.platform_user)

    listed = client.get("/api/v1/cases", headers=platform)
    assert listed.status_code == 200
    [summary] = listed.json["cases"]
    assert summary["id"] == escalation.id and summary["outcome"] == "pending"
    assert set(summary) == set(SPEC["components"]["schemas"]["CaseSummary"]["properties"])
    case = client.get(f"/api/v1/cases/{escalation.id}", headers=platform).json
    assert case["request"] == "act" and SECRET_CONTACT not in json.dumps(case)

    bad = client.post(f"/api/v1/cases/{escalation.id}/answer", json={"outcome": "maybe"}, headers=platform)
    assert bad.status_code == 400 and "outcome" in bad.json["description"]
    answered = client.post(
        f"/api/v1/cases/{escalation.id}/answer",
        json={"outcome": "actioned", "note": "removed"},
        headers=platform,
    )
    assert answered.status_code == 200
    assert (answered.json["outcome"], answered.json["answer"]) == ("actioned", "removed")
    assert client.get("/api/v1/cases", headers=platform).json["cases"][0]["outcome"] == "actioned"


def test_other_organisations_and_anonymous_callers_get_nothing(
    client, session: Session, world: World, sealer
):
    report, _ = file_report(session, sealer, world)
    escalation = escalate(session, world.p(session, world.responder), sealer, report, world.platform, "act")
    session.commit()
    outsider = _headers(session, world.outsider)
    assert client.get("/api/v1/cases", headers=outsider).json == {"cases": []}
    assert client.get(f"/api/v1/cases/{escalation.id}", headers=outsider).status_code == 404
    answer = client.post(
        f"/api/v1/cases/{escalation.id}/answer", json={"outcome": "declined"}, headers=outsider
    )
    assert answer.status_code == 404
    assert client.get("/api/v1/cases").status_code == 401
