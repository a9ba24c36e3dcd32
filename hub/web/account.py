"""Signing in and out (password, then a TOTP code when the account has one), and the user's own settings."""

from __future__ import annotations

import time
from typing import Any

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import login_user, logout_user
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from hub.accounts import service as accounts
from hub.db import utcnow
from hub.errors import InvalidInput
from hub.extensions import db, limiter
from hub.orgs.models import User
from hub.unit_of_work import commit_now, discard_writes
from hub.web import bp
from hub.web.auth import SessionUser, current_db_user, current_principal, public
from hub.web.forms import CodeForm, DisableTotpForm, LanguageForm, LoginForm, PasswordForm
from hub.web.i18n import available_languages, is_language, language_name
from hub.web.safety import safe_next

PENDING = "pending_login"
PENDING_SECONDS = 300
FAILURES = "failures_since_last_login"
DEVICE_COOKIE = "hub_device"
DEVICE_COOKIE_SECONDS = 180 * 24 * 3600
LOGIN_LIMIT = "20 per minute"


def _login_limit() -> str:
    """Attempts per client address (`HUB_LOGIN_RATE_LIMIT`; many Tor users share one exit address)."""
    return str(current_app.config.get("LOGIN_RATE_LIMIT", LOGIN_LIMIT))


def _code_mismatch() -> str:
    return str(_("That code does not match. Check the clock of your phone and type the current code."))


def _refused() -> str:
    return str(
        _(
            "The email address, password or code is wrong, or the account is locked for a while. "
            "Try again later."
        )
    )


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(_login_limit, methods=["POST"])
def login() -> ResponseReturnValue:
    """Step one: email and password."""
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(
                db.session(),
                form.email.data,
                form.password.data,
                device_cookie=request.cookies.get(DEVICE_COOKIE),
                secret_key=current_app.config["SECRET_KEY"],
            )
        except accounts.LoginRefused:
            commit_now("the failure is counted even though the login is refused: it drives the delays")
            flash(_refused(), "error")
            return render_template("web/login.html", form=form), 401
        return _second_step(user, form.next.data)
    return render_template("web/login.html", form=form)


def _known_device(user: User) -> bool:
    """This browser completed a login of `user` before (`accounts.device_proof`): delays do not hold it."""
    return accounts.is_known_device(
        user, request.cookies.get(DEVICE_COOKIE), current_app.config["SECRET_KEY"]
    )


def _remember_device(response: Response, user: User) -> Response:
    """Give the browser its device proof after a complete login (kept across log-outs, HttpOnly)."""
    response.set_cookie(
        DEVICE_COOKIE,
        accounts.device_proof(user, current_app.config["SECRET_KEY"]),
        max_age=DEVICE_COOKIE_SECONDS,
        httponly=True,
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE", False)),
        samesite="Lax",
    )
    return response


def _second_step(user: User, next_url: str | None) -> Response:
    """Send the user on to the code, to enrolment, or straight in."""
    pending: dict[str, Any] = {
        "uid": user.id,
        "next": safe_next(next_url),
        "exp": time.time() + PENDING_SECONDS,
    }
    if user.totp_secret:
        session[PENDING] = pending
        return redirect(url_for("web.login_code"))
    if accounts.needs_totp(user):
        session[PENDING] = {**pending, "secret": accounts.new_totp_secret()}
        return redirect(url_for("web.login_enrol"))
    return _complete_login(user, pending["next"])


def _pending_user() -> tuple[User, dict[str, Any]] | None:
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or pending.get("exp", 0) < time.time():
        session.pop(PENDING, None)
        return None
    user = accounts.active_user(db.session(), pending.get("uid"))
    if user is None:
        return None
    return user, pending


@bp.route("/login/code", methods=["GET", "POST"])
@public
@limiter.limit(_login_limit, methods=["POST"])
def login_code() -> ResponseReturnValue:
    """Step two: the code from the authenticator app."""
    found = _pending_user()
    if found is None:
        return redirect(url_for("web.login"))
    user, pending = found
    form = CodeForm()
    if form.validate_on_submit():
        if accounts.check_totp(db.session(), user, form.code.data, _known_device(user)):
            return _complete_login(user, pending["next"])
        commit_now("the wrong code is counted even though the login is refused: it drives the delays")
        flash(_refused(), "error")
        return render_template("web/login_code.html", form=form), 401
    return render_template("web/login_code.html", form=form)


@bp.route("/login/enrol", methods=["GET", "POST"])
@public
@limiter.limit(_login_limit, methods=["POST"])
def login_enrol() -> ResponseReturnValue:
    """First login of a coordinator or organisation admin: set up the second factor before going in."""
    found = _pending_user()
    if found is None or "secret" not in found[1]:
        return redirect(url_for("web.login"))
    user, pending = found
    form = CodeForm()
    if form.validate_on_submit():
        try:
            accounts.enable_totp(db.session(), None, user, pending["secret"], form.code.data)
        except InvalidInput:
            discard_writes()
            flash(_code_mismatch(), "error")
        else:
            return _complete_login(user, pending["next"])
    return _enrol_page("web/login_enrol.html", form, user, pending["secret"])


def _enrol_page(template: str, form: CodeForm, user: User, secret: str) -> str:
    uri = accounts.provisioning_uri(secret, user.email, current_app.config["HUB_NAME"])
    return render_template(template, form=form, secret=secret, uri=uri)


def _failures_since_last_login(user: User) -> dict[str, Any] | None:
    """How many attempts failed since the user's last complete login, and when the last one was (or None)."""
    if not user.failed_logins or user.last_failed_login_at is None:
        return None
    return {"count": user.failed_logins, "last": user.last_failed_login_at.strftime("%Y-%m-%d %H:%M UTC")}


def _failures_message(failures: dict[str, Any]) -> str:
    return str(
        _(
            "Failed sign-in attempts since your last sign-in: %(count)d, the last on %(when)s. If they were "
            "not yours, someone tried to guess your password: keep your second factor on and tell your "
            "organisation's admin.",
            count=failures["count"],
            when=failures["last"],
        )
    )


def _complete_login(user: User, next_url: str) -> Response:
    """Log in: a fresh session, remember when the user was last here (for "new since your last visit")."""
    failures = _failures_since_last_login(user)
    accounts.register_success(user)
    language = session.get("lang")
    session.clear()
    if failures:
        session[FAILURES] = failures
        flash(_failures_message(failures), "error")
    if is_language(user.locale) or is_language(language):
        session["lang"] = user.locale if is_language(user.locale) else language
    session["since"] = user.last_seen_at.isoformat() if user.last_seen_at else None
    user.last_seen_at = utcnow()
    login_user(SessionUser(user))
    return _remember_device(redirect(safe_next(next_url, url_for("web.home"))), user)


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    """Log out (a POST with a CSRF token, so no other site can log anyone out)."""
    language = session.get("lang")
    logout_user()
    session.clear()
    if language:
        session["lang"] = language
    flash(_("You are logged out."), "info")
    return redirect(url_for("web.login"))


@bp.route("/language", methods=["GET", "POST"])
@public
def set_language() -> ResponseReturnValue:
    """Switch language for this session (a link), and also for the account (the form: a CSRF-checked POST)."""
    form = _language_form()
    posted = form.validate_on_submit()
    code = form.lang.data if posted else request.args.get("lang")
    if is_language(code):
        session["lang"] = code
        user = current_db_user()
        if posted and user is not None:
            user.locale = code
    return redirect(safe_next(form.next.data or request.args.get("next"), url_for("web.home")))


def _language_form() -> LanguageForm:
    form = LanguageForm()
    form.lang.choices = [SelectChoice(code, language_name(code)) for code in available_languages()]
    return form


@bp.get("/profile")
def profile() -> ResponseReturnValue:
    """The user's own settings: password, second factor, language."""
    user = current_db_user()
    assert user is not None
    secret = session.get("enrol_secret")
    uri = accounts.provisioning_uri(secret, user.email, current_app.config["HUB_NAME"]) if secret else None
    language = _language_form()
    language.lang.data = user.locale or ""
    return render_template(
        "web/profile.html",
        user=user,
        password_form=PasswordForm(),
        code_form=CodeForm(),
        disable_form=DisableTotpForm(),
        language_form=language,
        secret=secret,
        uri=uri,
        totp_required=accounts.needs_totp(user),
        failures=_failures_message(session[FAILURES]) if session.get(FAILURES) else None,
    )


@bp.post("/profile/password")
def profile_password() -> ResponseReturnValue:
    """Change the password (this ends every other session of the account)."""
    user = current_db_user()
    assert user is not None
    form = PasswordForm()
    if not form.validate_on_submit():
        return _form_errors(form)
    try:
        accounts.change_password(db.session(), current_principal(), user, form.current.data, form.new.data)
    except InvalidInput:
        discard_writes()
        flash(_("The current password is wrong."), "error")
        return redirect(url_for("web.profile"))
    login_user(SessionUser(user))  # the session id follows the new password
    flash(_("Your password is changed."), "info")
    return redirect(url_for("web.profile"))


@bp.post("/profile/totp/start")
def profile_totp_start() -> ResponseReturnValue:
    """Show a new secret to set up the second factor."""
    session["enrol_secret"] = accounts.new_totp_secret()
    return redirect(url_for("web.profile") + "#second-factor")


@bp.post("/profile/totp/confirm")
def profile_totp_confirm() -> ResponseReturnValue:
    """Turn the second factor on once a code proves the app has the secret."""
    user = current_db_user()
    secret = session.get("enrol_secret")
    form = CodeForm()
    assert user is not None
    if secret and form.validate_on_submit():
        try:
            accounts.enable_totp(db.session(), current_principal(), user, secret, form.code.data)
        except InvalidInput:
            discard_writes()
            flash(_code_mismatch(), "error")
        else:
            session.pop("enrol_secret", None)
            login_user(SessionUser(user))
            flash(_("The second factor is on."), "info")
    return redirect(url_for("web.profile") + "#second-factor")


@bp.post("/profile/totp/disable")
def profile_totp_disable() -> ResponseReturnValue:
    """Turn the second factor off (not allowed for coordinators and organisation admins)."""
    user = current_db_user()
    form = DisableTotpForm()
    assert user is not None
    if form.validate_on_submit():
        try:
            accounts.disable_totp(db.session(), current_principal(), user, form.password.data)
        except InvalidInput:
            discard_writes()
            flash(
                _("Coordinators and organisation admins must keep a second factor.")
                if accounts.needs_totp(user)
                else _("The current password is wrong."),
                "error",
            )
        else:
            login_user(SessionUser(user))
            flash(_("The second factor is off."), "info")
    return redirect(url_for("web.profile") + "#second-factor")


def _form_errors(form: Any) -> Response:
    for errors in form.errors.values():
        for error in errors:
            flash(str(error), "error")
    return redirect(url_for("web.profile"))
