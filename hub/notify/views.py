"""Notification pages: forgotten password (public), webhooks (organisation admins), failed deliveries
(coordinators). Thin: parse, call `hub.notify` services with the principal, render."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import EmailField, StringField
from wtforms.validators import DataRequired, Length

from hub.admin.nav import require_admin_page, require_coordinator_page
from hub.errors import InvalidInput
from hub.extensions import db, limiter
from hub.notify import dead_letters as failed
from hub.notify import webhooks
from hub.notify.accounts import send_password_reset
from hub.orgs.members import get_org_for
from hub.public import public
from hub.unit_of_work import discard_writes

bp = Blueprint("notify", __name__)


class ForgotForm(FlaskForm):  # type: ignore[misc]
    """Ask for a new password link."""

    email = EmailField(_l("Email address"), validators=[DataRequired(), Length(max=320)])


class WebhookForm(FlaskForm):  # type: ignore[misc]
    """Register an endpoint."""

    url = StringField(_l("HTTPS address of your endpoint"), validators=[DataRequired(), Length(max=2000)])
    events = StringField(_l("Events (objects, cases, reports)"), default="objects,cases,reports")


class ActionForm(FlaskForm):  # type: ignore[misc]
    """A button: only the CSRF token."""


@bp.route("/login/forgot", methods=["GET", "POST"])
@public
@limiter.limit("5/minute", methods=["POST"])
def forgot() -> Response | str:
    """The same answer whether or not the address has an account."""
    form = ForgotForm()
    if form.validate_on_submit():
        send_password_reset(db.session(), form.email.data or "")
        flash(_("If an account uses this address, a one-time link is on its way to it."), "success")
        return redirect(url_for("web.login"))
    return render_template("notify/forgot.html", form=form)


def _webhooks_page(
    org_id: int, form: WebhookForm, secret: str | None = None, status: int = 200
) -> tuple[str, int]:
    p = require_admin_page()
    org = get_org_for(db.session(), p, org_id)
    hooks = webhooks.list_webhooks(db.session(), org.id)
    history = {hook.id: webhooks.last_deliveries(db.session(), hook.id) for hook in hooks}
    page = render_template(
        "notify/webhooks.html",
        org=org,
        hooks=hooks,
        history=history,
        form=form,
        action=ActionForm(),
        secret=secret,
    )
    return page, status


@bp.get("/admin/orgs/<id:org_id>/webhooks")
def webhook_list(org_id: int) -> tuple[str, int]:
    """The organisation's endpoints with their last deliveries and status codes."""
    return _webhooks_page(org_id, WebhookForm())


@bp.post("/admin/orgs/<id:org_id>/webhooks")
def webhook_add(org_id: int) -> tuple[str, int]:
    """Register an endpoint; its signing secret is shown once."""
    p = require_admin_page()
    org = get_org_for(db.session(), p, org_id)
    form = WebhookForm()
    if not form.validate_on_submit():
        return _webhooks_page(org.id, form, status=400)
    try:
        events = webhooks.parse_events(form.events.data)
        _, secret = webhooks.add_for(db.session(), p, org, form.url.data or "", events)
    except InvalidInput as exc:
        discard_writes()
        form.url.errors = [*form.url.errors, exc.message]
        return _webhooks_page(org.id, form, status=400)
    return _webhooks_page(org.id, WebhookForm(), secret=secret)


@bp.post("/admin/webhooks/<id:webhook_id>/test")
def webhook_test(webhook_id: int) -> Response:
    """Queue a test event to the endpoint (the worker delivers it)."""
    p = require_admin_page()
    if not ActionForm().validate_on_submit():
        raise InvalidInput("the form has expired; reload the page and try again")
    hook = webhooks.get_for(db.session(), p, webhook_id)
    webhooks.send_test(db.session(), hook)
    org_id = hook.org_id
    flash(_("A test event is queued; reload this page in a few seconds to see how it went."), "success")
    return redirect(url_for("notify.webhook_list", org_id=org_id))


@bp.post("/admin/webhooks/<id:webhook_id>/remove")
def webhook_remove(webhook_id: int) -> Response:
    """Delete the endpoint and its history."""
    p = require_admin_page()
    if not ActionForm().validate_on_submit():
        raise InvalidInput("the form has expired; reload the page and try again")
    hook = webhooks.get_for(db.session(), p, webhook_id)
    org_id = hook.org_id
    webhooks.remove_webhook(db.session(), hook.id)
    return redirect(url_for("notify.webhook_list", org_id=org_id))


@bp.get("/admin/deliveries")
def dead_letters() -> str:
    """Coordinators: deliveries that ran out of attempts, with a retry button."""
    p = require_coordinator_page()
    rows = failed.dead_letters(db.session(), p)
    events = failed.stuck_events(db.session(), p)
    return render_template("notify/deliveries.html", deliveries=rows, events=events, action=ActionForm())


@bp.post("/admin/deliveries/<delivery_id>/retry")
def retry(delivery_id: str) -> Response:
    """Try a dead delivery again, under the same id."""
    p = require_coordinator_page()
    if not ActionForm().validate_on_submit():
        raise InvalidInput("the form has expired; reload the page and try again")
    failed.retry(db.session(), p, delivery_id[:36])
    flash(_("The delivery will be tried again."), "success")
    return redirect(url_for("notify.dead_letters", _anchor=request.args.get("at", "")))


@bp.post("/admin/events/<id:event_id>/retry")
def retry_event(event_id: int) -> Response:
    """Plan an event again whose planning failed on every attempt."""
    p = require_coordinator_page()
    if not ActionForm().validate_on_submit():
        raise InvalidInput("the form has expired; reload the page and try again")
    failed.retry_event(db.session(), p, event_id)
    flash(_("The event will be planned again on the worker's next pass."), "success")
    return redirect(url_for("notify.dead_letters"))


from hub.notify import member_views  # noqa: E402,F401  (attach the members' pages to `bp`)
