"""Forms of the responders' and platforms' pages (Flask-WTF: every form carries a CSRF token; none needs
JavaScript). The reporter's forms are in `hub.reports.reporter_forms`.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from hub.reports.contents import MAX_TEXT
from hub.reports.labels import OUTCOME_LABELS, STATUS_LABELS, choices


class StatusForm(FlaskForm):
    """Move a report in the queue."""

    status = SelectField(_l("Status"), choices=choices(STATUS_LABELS))


class AssignForm(FlaskForm):
    """Assign a report (0 = nobody)."""

    assignee = SelectField(_l("Assigned to"), coerce=int, choices=[])


class MessageForm(FlaskForm):
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


class EscalateForm(FlaskForm):
    """Escalate to a platform the reporter named."""

    platform = SelectField(_l("Platform"), coerce=int, choices=[])
    request = TextAreaField(
        _l("What you ask the platform to do"),
        validators=[DataRequired(), Length(max=MAX_TEXT)],
        render_kw={"rows": 4},
    )


class PublishForm(FlaskForm):
    """Where and how widely to publish the ticked traces (the traces and their names are per-row fields,
    `trace` and `name-<index>`, read by the view)."""

    collection = SelectField(_l("Channel"), choices=[])
    tlp = SelectField(_l("TLP"), choices=[])
    threat = StringField(
        _l("The threat it relates to (optional)"),
        validators=[Optional(), Length(max=200)],
        render_kw={"placeholder": "e.g. fake bank login campaign"},
    )


class AnswerForm(FlaskForm):
    """A platform's answer to an escalation."""

    outcome = RadioField(
        _l("Your answer"),
        choices=[SelectChoice(k, v) for k, v in OUTCOME_LABELS.items() if k != "pending"],
        validators=[DataRequired()],
    )
    note = TextAreaField(
        _l("Note for the responders"), validators=[Optional(), Length(max=MAX_TEXT)], render_kw={"rows": 4}
    )


class HelplineForm(FlaskForm):
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
