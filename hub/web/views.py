"""Members' pages: what is new, browsing collections, one object with its versions and feedback."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import orjson
from flask import current_app, render_template, request, session
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from wtforms import SelectChoice

from hub.errors import NotFound
from hub.extensions import db
from hub.identity import hub_identity_id
from hub.policy.tlp import Tlp
from hub.sharing.models import Collection
from hub.sharing.service import get_collection_for, list_collections_for
from hub.stix.browsing import NEWEST
from hub.stix.browsing import browse as browse_channel
from hub.stix.query import ObjectFilter, count_versions
from hub.stix.reading import get_object_for, producer_name, reporter_name, source_label
from hub.stix.revision import revisable
from hub.web import bp
from hub.web.auth import current_principal
from hub.web.forms import BrowseForm
from hub.web.share import feedback_form_for

PAGE_SIZE = 50


def _since_us() -> int | None:
    """The start of "new since your last visit", in µs (None on a first visit)."""
    since = session.get("since")
    if not since:
        return None
    return int(datetime.fromisoformat(since).replace(tzinfo=UTC).timestamp() * 1_000_000)


@bp.get("/")
def home() -> ResponseReturnValue:
    """What is new in each readable collection since the last visit, counted under the visibility rule."""
    p = current_principal()
    since = _since_us()
    rows = []
    for collection in list_collections_for(db.session(), p):
        if collection.id not in p.readable:
            continue
        new = count_versions(db.session(), p, collection.id, ObjectFilter(added_after=since))
        rows.append((collection, new))
    return render_template("web/home.html", rows=rows, since=session.get("since"), since_us=since)


def _readable_collection(collection_id: str) -> Collection:
    """A collection the user may read; any other answers 404, as if it did not exist."""
    p = current_principal()
    collection = get_collection_for(db.session(), p, collection_id)
    if collection.id not in p.readable:
        raise NotFound(f"no collection {collection_id!r}")
    return collection


@bp.get("/collections")
def collections() -> ResponseReturnValue:
    """The channels the user may read."""
    p = current_principal()
    readable = [c for c in list_collections_for(db.session(), p) if c.id in p.readable]
    return render_template("web/collections.html", collections=readable)


@bp.get("/collections/<collection_id>")
def browse(collection_id: str) -> ResponseReturnValue:
    """A filtered listing of the newest visible version of each object, newest first, with the total and
    page numbers; relationships and sightings are folded into the rows they concern."""
    collection = _readable_collection(collection_id)
    form = BrowseForm(request.args)
    form.tlp.choices = [
        SelectChoice("", _("Any TLP")),
        *(SelectChoice(level.name.lower(), level.label) for level in Tlp),
    ]
    valid = form.validate()
    f = _object_filter(form) if valid else ObjectFilter()
    order = form.order.data if valid else NEWEST
    number = request.args.get("page", default=1, type=int)
    page = browse_channel(db.session(), current_principal(), collection.id, f, order, number, PAGE_SIZE)
    args: dict[str, Any] = {key: value for key, value in request.args.items() if key != "page" and value}
    return render_template(
        "web/browse.html",
        collection=collection,
        form=form,
        page=page,
        args={**args, "collection_id": collection.id},
    )


def _object_filter(form: BrowseForm) -> ObjectFilter:
    added_after = request.args.get("added_after", type=int)
    if form.added_from.data:
        added_after = _day_us(form.added_from.data) - 1
    added_before = _day_us(form.added_to.data + timedelta(days=1)) if form.added_to.data else None
    return ObjectFilter(
        types=(form.type.data,) if form.type.data else (),
        tlps=(int(Tlp.parse(form.tlp.data)),) if form.tlp.data else (),
        text=(form.q.data or "").strip() or None,
        added_after=added_after,
        added_before=added_before,
    )


def _day_us(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp() * 1_000_000)


@bp.get("/collections/<collection_id>/objects/<stix_id>")
def object_detail(collection_id: str, stix_id: str) -> ResponseReturnValue:
    """One object: readable fields, all visible versions, relationships, sightings and the raw JSON."""
    collection = _readable_collection(collection_id)
    view = get_object_for(
        db.session(), current_principal(), collection.id, stix_id, request.args.get("version", type=int)
    )
    raw = orjson.dumps(view.body, option=orjson.OPT_INDENT_2).decode()
    hub = hub_identity_id(current_app.config), current_app.config["HUB_NAME"]
    source = source_label(db.session(), view.current, *hub)
    producer = producer_name(db.session(), current_principal(), view.current)
    revision = revisable(db.session(), current_principal(), collection.id, stix_id)
    return render_template(
        "web/object.html",
        collection=collection,
        view=view,
        obj=view.body,
        raw=raw,
        source=source,
        producer=producer,
        reporters={s.link.id: reporter_name(db.session(), s.link) for s in view.sightings},
        feedback_form=feedback_form_for(collection, view.current.type),
        revision=revision,
    )
