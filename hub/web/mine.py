"""My submissions: what the member shared (and, for org admins, what the organisation shared), with each
object's state, the coordinator's reason when it was refused, and the sightings it received."""

from __future__ import annotations

from flask import render_template, request
from flask.typing import ResponseReturnValue

from hub.extensions import db
from hub.sharing.models import Collection
from hub.stix.correlation import names_of
from hub.stix.produced import Scope, Status, Wanted, may_see_org, produced
from hub.web import bp
from hub.web.auth import current_principal
from hub.web.forms import STIX_TYPES


def _choice(value: str | None, allowed: tuple[str, ...]) -> str | None:
    return value if value in allowed else None


@bp.get("/mine")
def mine() -> ResponseReturnValue:
    """Newest first, 50 a page, with totals per state; `scope=org` for the organisation's admins."""
    p = current_principal()
    scope = Scope.ORG if request.args.get("scope") == Scope.ORG.value else Scope.MINE
    status = _choice(request.args.get("status"), tuple(s.value for s in Status))
    kind = _choice(request.args.get("type"), STIX_TYPES)
    wanted = Wanted(scope, Status(status) if status else None, kind, request.args.get("page", 1, type=int))
    page = produced(db.session(), p, wanted)
    channels = names_of(db.session(), Collection, {row.version.collection_id for row in page.rows})
    args = {k: v for k, v in (("scope", scope.value), ("status", status), ("type", kind)) if v}
    return render_template(
        "web/mine.html",
        page=page,
        wanted=wanted,
        channels=channels,
        args=args,
        statuses=list(Status),
        types=STIX_TYPES,
        org_view=may_see_org(p),
    )
