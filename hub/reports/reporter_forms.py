"""Forms of the reporter's pages (Flask-WTF: every form carries a CSRF token; none needs JavaScript).

The responders' and platforms' forms are in `hub.reports.forms`.
"""

from __future__ import annotations

from functools import cached_property

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from hub.reports.contents import MAX_CONTACT, MAX_TEXT
from hub.reports.handles import is_nonce
from hub.reports.labels import CATEGORY_LABELS, SHARING_LABELS, choices


class CheckboxesField(SelectMultipleField):
    """Several choices as checkboxes (works without JavaScript, unlike a multiple select on phones)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _a_nonce(_form: object, field: HiddenField) -> None:
    if not is_nonce(field.data):
        raise ValidationError("stale page")  # never shown: the page explains a stale form as a whole


REPORTER_TOKEN_SECONDS = 8 * 3600
"""How long a reporter's form stays valid (`HUB_REPORTER_TOKEN_SECONDS`): a frightened person types slowly."""


class ReporterForm(FlaskForm):
    """A reporter's form: its own CSRF token, bound to the reporter's forms (a token of another page does not
    open them) and valid for hours, and a nonce that makes submitting it twice file it once.

    The reporter's blueprint is exempt from the app-wide CSRF check, which would answer a stale token with
    a bare 400 and lose what was typed; `validate()` checks the token here instead, and the page keeps the
    input.
    """

    class Meta:
        csrf_field_name = "reporter_token"

        @cached_property
        def csrf_time_limit(self) -> int:
            return int(current_app.config.get("REPORTER_TOKEN_SECONDS", REPORTER_TOKEN_SECONDS))

    nonce = HiddenField(validators=[_a_nonce])

    def token_is_stale(self) -> bool:
        """True when the CSRF token or the nonce is missing, expired or from another session."""
        name = self.meta.csrf_field_name
        token_errors = bool(self.meta.csrf and name in self._fields and self[name].errors)
        return token_errors or bool(self.nonce.errors)


class ReportForm(ReporterForm):
    """The anonymous incident report; the platform choices are filled in per request."""

    category = RadioField(_l("What happened?"), choices=choices(CATEGORY_LABELS), validators=[DataRequired()])
    platforms = CheckboxesField(
        _l("Which platforms or services are involved?"), choices=[], validators=[Optional()]
    )
    platform_other = StringField(
        _l("Other platforms or services"), validators=[Optional(), Length(max=MAX_CONTACT)]
    )
    text = TextAreaField(
        _l("What happened, in your own words"),
        validators=[Optional(), Length(max=MAX_TEXT)],
        render_kw={"rows": 8},
    )
    traces = TextAreaField(
        _l("Technical traces, one per line"),
        validators=[Optional(), Length(max=MAX_TEXT * 5)],
        render_kw={"rows": 6, "dir": "ltr", "spellcheck": "false", "autocapitalize": "off"},
    )
    contact = StringField(
        _l("How can we reach you? (optional)"),
        validators=[Optional(), Length(max=MAX_CONTACT)],
        render_kw={"autocomplete": "off"},
    )
    sharing = RadioField(
        _l("Who may see the technical traces (links, numbers, accounts)?"),
        choices=choices(SHARING_LABELS),
        default="helpline",
        validators=[DataRequired()],
    )
    may_escalate = BooleanField(_l("The report may be passed on to the platforms I named"))


class CodeForm(ReporterForm):
    """The receipt code, and optionally something to add."""

    code = StringField(
        _l("Your receipt code"),
        validators=[DataRequired(), Length(max=100)],
        render_kw={
            "autocomplete": "off",
            "autocapitalize": "characters",
            "spellcheck": "false",
            "dir": "ltr",
        },
    )
    message = TextAreaField(
        _l("Answer or add information"), validators=[Optional(), Length(max=MAX_TEXT)], render_kw={"rows": 5}
    )


class AcknowledgeForm(ReporterForm):
    """The reporter confirms they wrote the receipt code down; only then does the hub forget it."""

    written_down = BooleanField(
        _l("I have written down my code"),
        validators=[DataRequired(_l("Tick the box once you have written the code down."))],
    )
