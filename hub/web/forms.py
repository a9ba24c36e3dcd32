"""Web forms for signing in and a user's own settings (Flask-WTF: every form carries a CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, EmailField, HiddenField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from hub.orgs.passwords import MIN_PASSWORD_LENGTH


class LoginForm(FlaskForm):  # type: ignore[misc]
    """Email and password."""

    email = EmailField(_l("Email address"), validators=[DataRequired(), Length(max=320)],
                       render_kw={"autocomplete": "username"})
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1000)],
                             render_kw={"autocomplete": "current-password"})
    next = HiddenField()


class CodeForm(FlaskForm):  # type: ignore[misc]
    """A six-digit code from the authenticator app."""

    code = StringField(_l("Code from your authenticator app"), validators=[DataRequired(), Length(max=12)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})


class PasswordForm(FlaskForm):  # type: ignore[misc]
    """Change the password."""

    current = PasswordField(_l("Current password"), validators=[DataRequired()],
                            render_kw={"autocomplete": "current-password"})
    new = PasswordField(_l("New password"),
                        validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=1000)],
                        render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("New password again"),
                            validators=[DataRequired(),
                                        EqualTo("new", message=_l("The two passwords differ."))],
                            render_kw={"autocomplete": "new-password"})


class DisableTotpForm(FlaskForm):  # type: ignore[misc]
    """Turn off the second factor (asks for the password)."""

    password = PasswordField(_l("Current password"), validators=[DataRequired()],
                             render_kw={"autocomplete": "current-password"})


class LanguageForm(FlaskForm):  # type: ignore[misc]
    """Choose the language of the hub."""

    lang = SelectField(_l("Language"), choices=[])
    next = HiddenField()


STIX_TYPES = ("indicator", "malware", "threat-actor", "campaign", "intrusion-set", "attack-pattern", "tool",
              "vulnerability", "identity", "infrastructure", "report", "note", "observed-data",
              "relationship", "sighting", "course-of-action", "location")


class BrowseForm(FlaskForm):  # type: ignore[misc]
    """Filters of a collection listing (a GET form: it changes nothing, so it carries no CSRF token)."""

    class Meta:
        csrf = False

    q = StringField(_l("Text"), validators=[Length(max=200)])
    type = SelectField(_l("Type"),
                       choices=[SelectChoice("", _l("Any type")), *(SelectChoice(t) for t in STIX_TYPES)])
    tlp = SelectField(_l("TLP"), choices=[])
    added_from = DateField(_l("Added from"), validators=[Optional()])
    added_to = DateField(_l("Added until"), validators=[Optional()])
