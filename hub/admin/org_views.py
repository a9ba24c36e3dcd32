"""Organisation admins' pages: the organisation's users (invite, deactivate, reset 2FA) and API tokens."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from hub.admin import bp
from hub.admin.forms import ActionForm, InviteForm
from hub.admin.nav import require_admin_page
from hub.errors import Conflict, InvalidInput, PermissionDenied
from hub.extensions import db
from hub.orgs import members
from hub.orgs.models import Organisation, User
from hub.orgs.onboarding_models import Invite
from hub.policy.principal import Principal
from hub.policy.roles import may_manage_coordinators
from hub.unit_of_work import discard_writes


@bp.before_request
def _only_admins() -> None:
    """Every /admin page is for organisation admins and coordinators; members get 403 (anonymous: login)."""
    require_admin_page()


@bp.get("/my-organisation")
def my_org() -> ResponseReturnValue:
    """An organisation admin's own users page."""
    p = require_admin_page()
    return redirect(url_for("admin.users", org_id=p.org_id))


def _invite_form(p: Principal) -> InviteForm:
    """The invitation form; the coordinator role is offered only to those who may grant it."""
    form = InviteForm()
    if may_manage_coordinators(p):
        form.role.choices = [*form.role.choices, SelectChoice("coordinator", _("Coordinator"))]
    return form


def _users_page(org: Organisation, form: InviteForm, status: int = 200) -> tuple[str, int]:
    p = require_admin_page()
    users = members.list_users(db.session(), p, org.id)
    moves = p.is_coordinator and p.org_id is not None and p.org_id != org.id
    home = members.get_org_for(db.session(), p, p.org_id) if moves and p.org_id is not None else None
    return render_template(
        "admin/users.html",
        org=org,
        users=users,
        form=form,
        action=ActionForm(),
        me=p.user_id,
        may_manage_coordinators=may_manage_coordinators(p),
        move_to=home,
    ), status


@bp.get("/orgs/<id:org_id>/users")
def users(org_id: int) -> ResponseReturnValue:
    """The organisation's accounts, with what an admin can do to each."""
    p = require_admin_page()
    org = members.get_org_for(db.session(), p, org_id)
    return _users_page(org, _invite_form(p))


@bp.post("/orgs/<id:org_id>/users")
def invite(org_id: int) -> ResponseReturnValue:
    """Invite someone: the one-time link goes to them, never to the admin (who could use it)."""
    p = require_admin_page()
    org = members.get_org_for(db.session(), p, org_id)
    form = _invite_form(p)
    if not form.validate_on_submit():
        return _users_page(org, form, 400)
    try:
        issued = members.invite_user(db.session(), p, org.id, form.email.data, form.role.data)
    except (InvalidInput, Conflict) as exc:
        discard_writes()
        form.email.errors = [*form.email.errors, exc.message]
        return _users_page(org, form, exc.status)
    return _link_sent(issued)


def _link_sent(invite: Invite) -> tuple[str, int]:
    """Say that a link was issued and how it reaches the user; the page never holds the link itself."""
    user, expires = invite.user, invite.expires_at
    return render_template("admin/invite_link.html", user=user, expires=expires), 200


def _user_action(user_id: int, action: str) -> Response | tuple[str, int]:
    p = require_admin_page()
    form = ActionForm()
    if not form.validate_on_submit():
        raise InvalidInput("the form has expired; reload the page and try again")
    target = members.get_user_for(db.session(), p, user_id)
    org_id = target.org_id
    if action == "reinvite":
        return _link_sent(members.reinvite_user(db.session(), p, target.id))
    try:
        if action == "deactivate":
            members.set_active(db.session(), p, target.id, False)
            message = _("The account %(email)s is deactivated.", email=target.email)
        elif action == "activate":
            members.set_active(db.session(), p, target.id, True)
            message = _("The account %(email)s is active again.", email=target.email)
        elif action == "move":
            message = _move_here(p, target)
        else:
            members.reset_second_factor(db.session(), p, target.id)
            message = _(
                "The second factor of %(email)s is removed; they set up a new one at their next login.",
                email=target.email,
            )
        flash(message, "success")
    except (InvalidInput, PermissionDenied) as exc:
        discard_writes()
        flash(exc.message, "error")
    return redirect(url_for("admin.users", org_id=org_id))


def _move_here(p: Principal, target: User) -> str:
    """Move `target` into `p`'s own organisation; the refusals in the page's language."""
    try:
        moved = members.move_user(db.session(), p, target.id, p.org_id or 0)
    except InvalidInput:
        raise InvalidInput(
            _(
                "The account %(email)s is already in your organisation, or is your own: it is not moved.",
                email=target.email,
            )
        ) from None
    except PermissionDenied:
        raise PermissionDenied(_("Only an organisation's own admins may bring an account into it.")) from None
    done: str = _(
        "The account %(email)s is now a member of %(org)s; its API tokens are revoked.",
        email=target.email,
        org=moved.org.name,
    )
    return done


@bp.post("/users/<id:user_id>/deactivate")
def deactivate(user_id: int) -> ResponseReturnValue:
    """Deactivate an account: no login, no API tokens."""
    return _user_action(user_id, "deactivate")


@bp.post("/users/<id:user_id>/activate")
def activate(user_id: int) -> ResponseReturnValue:
    """Reactivate an account."""
    return _user_action(user_id, "activate")


@bp.post("/users/<id:user_id>/reset-second-factor")
def reset_second_factor(user_id: int) -> ResponseReturnValue:
    """Remove the second factor (a lost phone)."""
    return _user_action(user_id, "reset")


@bp.post("/users/<id:user_id>/move-here")
def move_here(user_id: int) -> ResponseReturnValue:
    """Move an account into the acting coordinator's own organisation, as a member (`members.move_user`:
    only a destination's own admins bring people in; the account's tokens and sessions end)."""
    return _user_action(user_id, "move")


@bp.post("/users/<id:user_id>/reinvite")
def reinvite(user_id: int) -> ResponseReturnValue:
    """A new one-time link to set a password (a lost invitation or a forgotten password)."""
    return _user_action(user_id, "reinvite")


def _tokens_page(org: Organisation) -> tuple[str, int]:
    p = require_admin_page()
    tokens = members.list_tokens(db.session(), p, org.id)
    return render_template("admin/tokens.html", org=org, tokens=tokens, action=ActionForm()), 200


@bp.get("/orgs/<id:org_id>/tokens")
def tokens(org_id: int) -> ResponseReturnValue:
    """The organisation's API tokens with their last use, to see and revoke (each member creates their own
    on the API page, `web.connect`)."""
    org = members.get_org_for(db.session(), require_admin_page(), org_id)
    return _tokens_page(org)


@bp.post("/tokens/<id:token_id>/revoke")
def token_revoke(token_id: int) -> ResponseReturnValue:
    """Revoke a token at once."""
    p = require_admin_page()
    if not ActionForm().validate_on_submit():
        raise InvalidInput("the form has expired; reload the page and try again")
    token = members.revoke_org_token(db.session(), p, token_id)
    org_id = token.user.org_id
    flash(_("The token %(label)s is revoked.", label=token.label), "success")
    return redirect(url_for("admin.tokens", org_id=org_id))
