"""Forms of the reporter's pages (Flask-WTF: every form carries a CSRF token; none needs JavaScript).

The responders' and platforms' forms are in `hub.reports.forms`.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectChoice, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from hub.policy.tlp import Tlp
from hub.reports.contents import MAX_CONTACT, MAX_TEXT
from hub.reports.labels import CATEGORY_LABELS, choices

SHAREABLE_TLPS = (Tlp.CLEAR, Tlp.GREEN, Tlp.AMBER, Tlp.AMBER_STRICT)
TLP_HINTS = {
    Tlp.CLEAR: _l("anyone, publicly"),
    Tlp.GREEN: _l("the hub's community"),
    Tlp.AMBER: _l("vetted organisations that need to know"),
    Tlp.AMBER_STRICT: _l("only the organisation that receives it"),
}


class CheckboxesField(SelectMultipleField):
    """Several choices as checkboxes (works without JavaScript, unlike a multiple select on phones)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ReportForm(FlaskForm):
    """The anonymous incident report; the TLP choices are filled in per request, in the reader's language."""

    category = RadioField(_l("What happened?"), choices=choices(CATEGORY_LABELS), validators=[DataRequired()])
    platforms = CheckboxesField(
        _l("Which platforms or services are involved?"), coerce=int, choices=[], validators=[Optional()]
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
    may_share = BooleanField(_l("The technical traces may be shared with platforms and the hub's community"))
    share_max_tlp = RadioField(_l("Shared at most with"), default=str(int(Tlp.AMBER)), choices=[])
    may_escalate = BooleanField(_l("The report may be passed on to the platforms I named"))


def tlp_choices() -> list[SelectChoice]:
    """The TLP levels a reporter may allow, each with what it means (translated now, not at import)."""
    return [SelectChoice(str(int(t)), f"{t.label}: {TLP_HINTS[t]}") for t in SHAREABLE_TLPS]


class CodeForm(FlaskForm):
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
