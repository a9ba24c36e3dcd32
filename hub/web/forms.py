"""Web forms for signing in and a user's own settings (Flask-WTF: every form carries a CSRF token)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, EqualTo, Length, NumberRange, Optional, Regexp

from hub.orgs.models import TokenScope
from hub.orgs.own_tokens import MAX_TOKEN_DAYS
from hub.orgs.passwords import MIN_PASSWORD_LENGTH


class LoginForm(FlaskForm):
    """Email and password."""

    email = EmailField(
        _l("Email address"),
        validators=[DataRequired(), Length(max=320)],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(max=1000)],
        render_kw={"autocomplete": "current-password"},
    )
    next = HiddenField()


class CodeForm(FlaskForm):
    """A six-digit code from the authenticator app."""

    code = StringField(
        _l("Code from your authenticator app"),
        validators=[DataRequired(), Length(max=12)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )


class PasswordForm(FlaskForm):
    """Change the password."""

    current = PasswordField(
        _l("Current password"), validators=[DataRequired()], render_kw={"autocomplete": "current-password"}
    )
    new = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=1000)],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("New password again"),
        validators=[DataRequired(), EqualTo("new", message=_l("The two passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )


class DisableTotpForm(FlaskForm):
    """Turn off the second factor (asks for the password)."""

    password = PasswordField(
        _l("Current password"), validators=[DataRequired()], render_kw={"autocomplete": "current-password"}
    )


class LanguageForm(FlaskForm):
    """Choose the language of the hub."""

    lang = SelectField(_l("Language"), choices=[])
    next = HiddenField()


STIX_TYPES = (
    "indicator",
    "malware",
    "threat-actor",
    "campaign",
    "intrusion-set",
    "attack-pattern",
    "tool",
    "vulnerability",
    "identity",
    "infrastructure",
    "report",
    "note",
    "observed-data",
    "relationship",
    "sighting",
    "course-of-action",
    "location",
)


class BrowseForm(FlaskForm):
    """Filters of a collection listing (a GET form: it changes nothing, so it carries no CSRF token)."""

    class Meta:
        csrf = False

    q = StringField(_l("Text"), validators=[Length(max=200)])
    type = SelectField(
        _l("Type"),
        default="",
        choices=[SelectChoice("", _l("Any type")), *(SelectChoice(t) for t in STIX_TYPES)],
    )
    tlp = SelectField(_l("TLP"), choices=[], default="")
    added_from = DateField(_l("Added from"), validators=[Optional()])
    added_to = DateField(_l("Added until"), validators=[Optional()])
    order = SelectField(
        _l("Order"),
        default="newest",
        choices=[SelectChoice("newest", _l("Newest first")), SelectChoice("oldest", _l("Oldest first"))],
    )


def _choices(pairs: list[tuple[str, object]]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


KIND_LABELS: list[tuple[str, object]] = [
    ("domain", _l("Domain name")),
    ("url", _l("Web address (URL)")),
    ("ipv4", _l("IPv4 address")),
    ("ipv6", _l("IPv6 address")),
    ("email", _l("Email address")),
    ("hash", _l("File hash (MD5, SHA-1, SHA-256, SHA-512)")),
    ("account", _l("Social-media account")),
    ("phone", _l("Phone number")),
]


class ThreatFields(FlaskForm):
    """ "Campaign or threat": words to search for, then the match chosen (or a new object of a chosen type).
    The choices are filled per request from what the member may see (`hub.stix.threats`)."""

    threat = StringField(_l("Campaign or threat"), validators=[Length(max=250)])
    threat_ref = RadioField(_l("Which one"), choices=[], validate_choice=False, validators=[Optional()])
    threat_type = SelectField(
        _l("Type of the new one"),
        default="malware",
        choices=_choices(
            [
                ("malware", _l("Malware or spyware")),
                ("intrusion-set", _l("Intrusion set (a group's operations)")),
                ("threat-actor", _l("Threat actor")),
                ("campaign", _l("Campaign")),
            ]
        ),
    )


class _IndicatorDetails(ThreatFields):
    """What every shared indicator carries besides its value."""

    description = TextAreaField(_l("Context"), validators=[Length(max=5000)])
    indicator_type = SelectField(
        _l("Kind of indicator"),
        choices=_choices(
            [
                ("malicious-activity", _l("Malicious activity")),
                ("anomalous-activity", _l("Suspicious activity")),
                ("compromised", _l("Compromised (a victim's resource)")),
                ("attribution", _l("Attribution")),
                ("unknown", _l("Unknown")),
            ]
        ),
    )
    valid_from = DateField(_l("Valid from"), validators=[DataRequired()])
    valid_until = DateField(_l("Valid until"), validators=[Optional()])
    tlp = SelectField(_l("TLP"), choices=[])
    anonymous = BooleanField(_l("Share without attribution (readers see the hub as the source)"))
    insist = BooleanField(_l("I have read the warnings and want to share this anyway"))


class IndicatorForm(_IndicatorDetails):
    """Share one observable as a STIX indicator (collection and TLP choices are filled per user)."""

    collection = SelectField(_l("Channel"), choices=[])
    kind = SelectField(_l("What you observed"), choices=_choices(KIND_LABELS))
    value = StringField(
        _l("Value"),
        validators=[DataRequired(), Length(max=2000)],
        render_kw={"dir": "ltr", "spellcheck": "false", "autocomplete": "off"},
    )
    platform = StringField(
        _l("Platform of the account (for example twitter, facebook, telegram)"), validators=[Length(max=100)]
    )
    name = StringField(_l("What it is"), validators=[DataRequired(), Length(max=250)])


class BulkForm(_IndicatorDetails):
    """Many values, one a line, pasted or uploaded as a .txt or .csv list; `state` carries the preview."""

    values = TextAreaField(
        _l("Values, one a line"),
        validators=[Length(max=2_000_000)],
        render_kw={"dir": "ltr", "spellcheck": "false", "autocomplete": "off", "rows": 12},
    )
    listfile = FileField(_l("Or a list file (.txt or .csv, one value a line)"))
    state = HiddenField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # prefixed: its fields share the share page with the single-indicator form's, and ids must be unique
        super().__init__(*args, prefix="bulk", **kwargs)


class UploadForm(FlaskForm):
    """Upload a STIX 2.1 bundle (or a TAXII envelope, or a list of objects) as JSON."""

    collection = SelectField(_l("Channel"), choices=[])
    bundle = FileField(
        _l("STIX 2.1 bundle (JSON file)"),
        validators=[FileRequired(_l("Choose a STIX 2.1 bundle (a JSON file) to upload."))],
    )
    tlp = SelectField(_l("TLP for objects that carry no TLP marking"), choices=[])
    anonymous = BooleanField(_l("Share without attribution (readers see the hub as the source)"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, prefix="upload", **kwargs)  # unique ids beside the other share forms


class FeedbackForm(FlaskForm):
    """Feedback on an indicator, stored as a STIX sighting."""

    kind = RadioField(
        _l("Feedback"),
        validators=[DataRequired()],
        choices=_choices(
            [
                ("seen", _l("Seen by us")),
                ("actioned", _l("Actioned (for example taken down)")),
                ("false-positive", _l("False positive")),
            ]
        ),
    )
    note = TextAreaField(_l("Note (optional)"), validators=[Length(max=2000)])


class TokenForm(FlaskForm):
    """A new API token for one's own account: tokens are created by their owners only."""

    label = StringField(_l("Label"), validators=[DataRequired(), Length(max=200)])
    expires_days = IntegerField(
        _l("Valid for (days)"),
        default=90,
        validators=[DataRequired(), NumberRange(min=1, max=MAX_TOKEN_DAYS)],
    )
    scope = SelectField(
        _l("What it may do"),
        choices=[
            SelectChoice(TokenScope.READ.value, _l("Read only")),
            SelectChoice(TokenScope.WRITE.value, _l("Read and write (add and delete objects)")),
        ],
        default=TokenScope.READ.value,
    )
    collections = SelectMultipleField(_l("Only these channels"), choices=[])


class EditIndicatorForm(FlaskForm):
    """Correct an indicator: the fields a new version may change (TLP choices are filled per user). `value`
    is offered for one-value patterns, `pattern` otherwise; `widen` carries the TLP level the member confirmed
    widening to, after seeing who gains access."""

    name = StringField(
        _l("What it is"), validators=[DataRequired(message=_l("Give it a name.")), Length(max=250)]
    )
    value = StringField(
        _l("Value"),
        validators=[Length(max=2000)],
        render_kw={"dir": "ltr", "spellcheck": "false", "autocomplete": "off"},
    )
    pattern = TextAreaField(
        _l("STIX pattern"), validators=[Length(max=5000)], render_kw={"dir": "ltr", "spellcheck": "false"}
    )
    description = TextAreaField(_l("Context"), validators=[Length(max=5000)])
    labels = StringField(_l("Labels (separated by commas)"), validators=[Length(max=1000)])
    valid_until = DateField(_l("Valid until"), validators=[Optional()])
    confidence = StringField(
        _l("Confidence (0 to 100)"),
        validators=[Regexp(r"^\s*(100|[1-9]?[0-9])?\s*$", message=_l("Give a whole number from 0 to 100."))],
        render_kw={"inputmode": "numeric", "dir": "ltr"},
    )
    tlp = SelectField(_l("TLP"), choices=[])
    widen = HiddenField()


class RevokeForm(FlaskForm):
    """Revoke an object (the form carries only the CSRF token)."""
