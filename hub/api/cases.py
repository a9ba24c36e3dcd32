"""The escalation API: a platform's case system takes the cases escalated to it and answers them without
the web UI.

`GET /api/v1/cases`, `GET /api/v1/cases/{id}`, `POST /api/v1/cases/{id}/answer` (token-authenticated like
the rest
of `/api/v1`). A platform sees only cases escalated to its own organisation and only what the reporter
consented
to share (`hub.reports.triage`); never the reporter's contact details.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
from flask import Response, current_app, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import UnsupportedMediaType

from hub.api import bp
from hub.api.auth import current_principal, current_token
from hub.errors import InvalidInput
from hub.extensions import db
from hub.policy.credentials import require_case_access
from hub.reports.crypto import sealer_for
from hub.reports.models import Escalation, Outcome
from hub.reports.triage import PlatformCase, answer_escalation, get_platform_case, list_platform_cases


def _iso(moment: datetime | None) -> str | None:
    return moment.replace(tzinfo=UTC).isoformat().replace("+00:00", "Z") if moment else None


def _summary(escalation: Escalation) -> dict[str, Any]:
    return {
        "id": escalation.id,
        "category": escalation.report.category,
        "language": escalation.report.language,
        "escalated_at": _iso(escalation.escalated_at),
        "outcome": escalation.outcome,
        "answered_at": _iso(escalation.answered_at),
    }


def _case(case: PlatformCase) -> dict[str, Any]:
    return {
        **_summary(case.escalation),
        "reported_at": _iso(case.reported_at),
        "text": case.text,
        "traces": list(case.traces),
        "request": case.request,
        "answer": case.answer,
    }


def _json(body: Any, status: int = 200) -> Response:
    response = Response(orjson.dumps(body), status=status, mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/cases")
def cases_list() -> ResponseReturnValue:
    """The cases escalated to the caller's platform, newest first."""
    require_case_access(current_token(), answering=False)
    body = {"cases": [_summary(e) for e in list_platform_cases(db.session(), current_principal())]}
    return _json(body)


@bp.get("/cases/<id:case_id>")
def case_get(case_id: int) -> ResponseReturnValue:
    """One case with what the reporter consented to share."""
    require_case_access(current_token(), answering=False)
    body = _case(get_platform_case(db.session(), current_principal(), sealer_for(current_app), case_id))
    return _json(body)


@bp.post("/cases/<id:case_id>/answer")
def case_answer(case_id: int) -> ResponseReturnValue:
    """Record the platform's answer: `{"outcome": "acknowledged"|"actioned"|"declined", "note": "..."}`."""
    require_case_access(current_token(), answering=True)
    if request.mimetype != "application/json":
        raise UnsupportedMediaType("send the answer as JSON with Content-Type: application/json")
    try:
        document = orjson.loads(request.get_data())
    except orjson.JSONDecodeError as exc:
        raise InvalidInput(f"the body is not valid JSON: {exc}") from None
    if not isinstance(document, dict) or not isinstance(document.get("note", ""), str):
        raise InvalidInput('send {"outcome": "acknowledged|actioned|declined", "note": "..."}')
    try:
        outcome = Outcome(str(document.get("outcome", "")))
    except ValueError:
        raise InvalidInput("outcome must be acknowledged, actioned or declined") from None
    sealer = sealer_for(current_app)
    answer_escalation(db.session(), current_principal(), sealer, case_id, outcome, document.get("note", ""))
    return _json(_case(get_platform_case(db.session(), current_principal(), sealer, case_id)))
