"""Forms of the reporting channel (Flask-WTF: every form carries a CSRF token; none needs JavaScript)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from hub.policy.tlp import Tlp
from hub.reports.service import MAX_CONTACT, MAX_TEXT

CATEGORY_LABELS = {
    "phishing": _l("Phishing"),
    "account-compromise": _l("Account compromise"),
    "spyware": _l("Suspected spyware"),
    "harassment": _l("Harassment or doxxing"),
    "impersonation": _l("Impersonation"),
    "smear": _l("Smear or disinformation campaign"),
    "other": _l("Something else"),
}
STATUS_LABELS = {
    "new": _l("New"),
    "in-progress": _l("In progress"),
    "escalated": _l("Escalated"),
    "resolved": _l("Resolved"),
    "closed": _l("Closed"),
}
OUTCOME_LABELS = {
    "pending": _l("Awaiting an answer"),
    "acknowledged": _l("Acknowledged"),
    "actioned": _l("Actioned"),
    "declined": _l("Declined"),
}
METRIC_LABELS = {
    "time to triage": _l("time to triage"),
    "time to first response": _l("time to first response"),
    "escalation to platform answer": _l("escalation to platform answer"),
    "escalated": _l("escalated"),
    "answered": _l("answered"),
    "actioned": _l("actioned"),
    "share actioned (%)": _l("share actioned (%)"),
    "open": _l("open"),
    "resolved": _l("resolved"),
    "indicators-shared": _l("indicators shared"),
    "platform-actioned": _l("platform took action"),
    "platform-declined": _l("platform declined"),
}
SHAREABLE_TLPS = (Tlp.CLEAR, Tlp.GREEN, Tlp.AMBER, Tlp.AMBER_STRICT)
TLP_HINTS = {
    Tlp.CLEAR: _l("anyone, publicly"),
    Tlp.GREEN: _l("the hub's community"),
    Tlp.AMBER: _l("vetted organisations that need to know"),
    Tlp.AMBER_STRICT: _l("only the organisation that receives it"),
}


def choices(labels: dict[str, object]) -> list[SelectChoice]:
    """Choices from a value -> label mapping."""
    return [SelectChoice(value, label) for value, label in labels.items()]


class CheckboxesField(SelectMultipleField):  # type: ignore[misc]
    """Several choices as checkboxes (works without JavaScript, unlike a multiple select on phones)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ReportForm(FlaskForm):  # type: ignore[misc]
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


class CodeForm(FlaskForm):  # type: ignore[misc]
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


class StatusForm(FlaskForm):  # type: ignore[misc]
    """Move a report in the queue."""

    status = SelectField(_l("Status"), choices=choices(STATUS_LABELS))


class AssignForm(FlaskForm):  # type: ignore[misc]
    """Assign a report (0 = nobody)."""

    assignee = SelectField(_l("Assigned to"), coerce=int, choices=[])


class MessageForm(FlaskForm):  # type: ignore[misc]
    """A reply to the reporter or an internal note."""

    kind = RadioField(
        _l("Kind"),
        choices=[
            SelectChoice("reply", _l("Reply to the reporter")),
            SelectChoice("note", _l("Internal note")),
        ],
        default="reply",
    )
    text = TextAreaField(
        _l("Message"), validators=[DataRequired(), Length(max=MAX_TEXT)], render_kw={"rows": 5}
    )


class EscalateForm(FlaskForm):  # type: ignore[misc]
    """Escalate to a platform the reporter named."""

    platform = SelectField(_l("Platform"), coerce=int, choices=[])
    request = TextAreaField(
        _l("What you ask the platform to do"),
        validators=[DataRequired(), Length(max=MAX_TEXT)],
        render_kw={"rows": 4},
    )


class PublishForm(FlaskForm):  # type: ignore[misc]
    """Publish the edited STIX bundle."""

    collection = SelectField(_l("Collection"), choices=[])
    tlp = SelectField(_l("TLP"), choices=[])
    bundle = TextAreaField(
        _l("STIX bundle (JSON)"),
        validators=[DataRequired()],
        render_kw={"rows": 24, "dir": "ltr", "spellcheck": "false"},
    )


class AnswerForm(FlaskForm):  # type: ignore[misc]
    """A platform's answer to an escalation."""

    outcome = RadioField(
        _l("Your answer"),
        choices=[SelectChoice(k, v) for k, v in OUTCOME_LABELS.items() if k != "pending"],
        validators=[DataRequired()],
    )
    note = TextAreaField(
        _l("Note for the responders"), validators=[Optional(), Length(max=MAX_TEXT)], render_kw={"rows": 4}
    )


class HelplineForm(FlaskForm):  # type: ignore[misc]
    """Designate an organisation as a helpline, or stop."""

    org = SelectField(_l("Organisation"), coerce=int, choices=[])
    action = RadioField(
        _l("Action"),
        default="add",
        choices=[
            SelectChoice("add", _l("Make it a helpline")),
            SelectChoice("remove", _l("Stop it being a helpline")),
        ],
    )
