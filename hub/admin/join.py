"""Public pages (mounted at /join): apply to join, follow an application, and accept an invitation.

The status and invitation links carry unguessable secrets; the hub sends `Referrer-Policy: no-referrer`, so
they do not leak to other sites.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from hub.admin import join_bp as bp
from hub.admin.forms import AcceptInviteForm, ActionForm, AnswerForm, ApplicationForm
from hub.errors import Conflict, InvalidInput
from hub.extensions import db, limiter
from hub.orgs import applications, members
from hub.orgs.members import IssuedInvite
from hub.unit_of_work import discard_writes
from hub.web.auth import public

APPLY_LIMIT = "10 per hour"


@bp.route("/", methods=["GET", "POST"])
@public
@limiter.limit(APPLY_LIMIT, methods=["POST"])
def apply() -> ResponseReturnValue:
    """The application form; on success, the status link (shown once)."""
    form = ApplicationForm()
    if not form.validate_on_submit():
        return render_template("admin/join_apply.html", form=form), 400 if form.is_submitted() else 200
    try:
        submitted = applications.submit(
            db.session(),
            name=form.name.data,
            org_type=form.org_type.data,
            country=form.country.data,
            description=form.description.data,
            contact_email=form.contact_email.data,
            references=form.references.data or "",
        )
    except InvalidInput as exc:
        discard_writes()
        flash(exc.message, "error")
        return render_template("admin/join_apply.html", form=form), 400
    link = url_for("join.status", secret=submitted.status_secret, _external=True)
    return render_template("admin/join_submitted.html", link=link), 200


@bp.route("/status/<secret>", methods=["GET", "POST"])
@public
@limiter.limit(APPLY_LIMIT, methods=["POST"])
def status(secret: str) -> ResponseReturnValue:
    """Where the application stands, the coordinators' questions, and a form to answer them."""
    application = applications.get_by_status_secret(db.session(), secret)
    form = AnswerForm()
    if form.validate_on_submit():
        try:
            applications.answer(db.session(), secret, form.answer.data)
        except Conflict as exc:
            discard_writes()
            flash(exc.message, "error")
            return redirect(url_for("join.status", secret=secret))
        flash(_("Thank you. A coordinator will read your answer."), "success")
        return redirect(url_for("join.status", secret=secret))
    return render_template(
        "admin/join_status.html",
        application=application,
        secret=secret,
        form=form,
        messages=applications.messages(application),
        action=ActionForm(),
    ), 400 if form.is_submitted() else 200


@bp.post("/status/<secret>/invite")
@public
@limiter.limit(APPLY_LIMIT)
def status_invite(secret: str) -> ResponseReturnValue:
    """An approved applicant fetches the invitation link for their first admin account."""
    if not ActionForm().validate_on_submit():
        raise InvalidInput("the form has expired; reload the page and try again")
    try:
        issued: IssuedInvite = applications.applicant_invite(db.session(), secret)
    except Conflict as exc:
        discard_writes()
        flash(exc.message, "error")
        return redirect(url_for("join.status", secret=secret))
    return redirect(url_for("join.accept_invite", secret=issued.secret))


@bp.route("/invite/<secret>", methods=["GET", "POST"])
@public
@limiter.limit(APPLY_LIMIT, methods=["POST"])
def accept_invite(secret: str) -> ResponseReturnValue:
    """Choose a password through a one-time invitation link, then log in."""
    invite = members.get_invite(db.session(), secret)
    form = AcceptInviteForm()
    if form.validate_on_submit():
        try:
            members.accept_invite(db.session(), secret, form.password.data)
        except InvalidInput as exc:
            discard_writes()
            form.password.errors = [*form.password.errors, exc.message]
        else:
            flash(_("Your password is set. Log in now."), "success")
            return redirect(url_for("web.login"))
    return render_template(
        "admin/join_invite.html", form=form, email=invite.user.email, org=invite.user.org.name, secret=secret
    ), 400 if form.is_submitted() else 200
