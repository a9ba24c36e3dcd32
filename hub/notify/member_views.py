"""`/notifications`: a member's own choices (topics, filtered subscriptions, OpenPGP key). Thin: parse, call
`hub.notify.subscriptions` with the principal, render."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from hub.errors import InvalidInput
from hub.extensions import db
from hub.notify import subscriptions as subs
from hub.notify.views import ActionForm, bp
from hub.sharing.service import list_collections_for
from hub.unit_of_work import discard_writes
from hub.web.auth import current_principal
from hub.web.forms import KIND_LABELS
from hub.web.nav import add_nav_item

add_nav_item(bp, "notify.preferences", _l("Notifications"), order=85)


def _page(status: int = 200, error: str | None = None) -> tuple[str, int]:
    p = current_principal()
    session = db.session()
    page = render_template(
        "notify/preferences.html",
        topics=subs.topic_choices(session, p),
        subscriptions=subs.object_subscriptions(session, p),
        channels=list_collections_for(session, p),
        kinds=[(kind, label) for kind, label in KIND_LABELS if kind in subs.VALUE_KINDS],
        key=subs.member_key(session, p),
        action=ActionForm(),
        error=error,
    )
    return page, status


def _checked() -> None:
    if not ActionForm().validate_on_submit():
        raise InvalidInput("the form has expired; reload the page and try again")


@bp.get("/notifications")
def preferences() -> tuple[str, int]:
    """What the member is told, and how."""
    return _page()


@bp.post("/notifications/topics")
def save_topics() -> Response:
    """Switch topics on and off."""
    _checked()
    chosen = set(request.form.getlist("topic")) & subs.topic_names()
    subs.set_topics(db.session(), current_principal(), chosen)
    flash(_("Your choices are saved."), "success")
    return redirect(url_for("notify.preferences"))


@bp.post("/notifications/objects")
def add_objects_subscription() -> Response | tuple[str, int]:
    """Subscribe to new objects matching a filter."""
    _checked()
    form = request.form
    try:
        subs.add_object_subscription(
            db.session(),
            current_principal(),
            form.get("collection_id", ""),
            form.get("object_type", ""),
            form.get("max_tlp", ""),
            form.get("text", ""),
            form.get("daily") == "1",
            form.get("value_kind", ""),
        )
    except InvalidInput as exc:
        discard_writes()
        return _page(400, exc.message)
    return redirect(url_for("notify.preferences"))


@bp.post("/notifications/objects/<id:subscription_id>/remove")
def remove_objects_subscription(subscription_id: int) -> Response:
    """Drop one subscription."""
    _checked()
    subs.remove_object_subscription(db.session(), current_principal(), subscription_id)
    return redirect(url_for("notify.preferences"))


@bp.post("/notifications/key")
def save_key() -> Response | tuple[str, int]:
    """Upload (or replace) the OpenPGP public key every mail is then encrypted to."""
    _checked()
    armored = request.form.get("key", "")
    if request.form.get("remove") == "1":
        subs.remove_member_key(db.session(), current_principal())
    else:
        try:
            subs.set_member_key(db.session(), current_principal(), armored)
        except InvalidInput as exc:
            discard_writes()
            return _page(400, exc.message)
    flash(_("Your choices are saved."), "success")
    return redirect(url_for("notify.preferences"))
