"""Forms of the admin and joining pages (Flask-WTF: every POST form carries a CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from hub.orgs.applications import APPLICANT_TYPES
from hub.orgs.models import Tier
from hub.orgs.passwords import MIN_PASSWORD_LENGTH
from hub.policy.tlp import Tlp
from hub.web.labels import ORG_KIND_LABELS, TIER_LABELS

TIER_CHOICES = [SelectChoice(t.label, TIER_LABELS[t]) for t in Tier]
TLP_CHOICES = [SelectChoice(level.name.lower(), level.label) for level in Tlp]


def _reason(label: object = None) -> TextAreaField:
    return TextAreaField(
        label or _l("Reason"), validators=[DataRequired(), Length(max=2000)], render_kw={"rows": 2}
    )


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class InviteForm(FlaskForm):
    """Invite a person to the organisation."""

    email = EmailField(_l("Email address"), validators=[DataRequired(), Length(max=320)])
    role = SelectField(
        _l("Role"),
        choices=[SelectChoice("member", _l("Member")), SelectChoice("org-admin", _l("Organisation admin"))],
    )


class AcceptInviteForm(FlaskForm):
    """Choose a password through an invitation link."""

    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=1000)],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("New password again"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )


class ApplicationForm(FlaskForm):
    """The public application to join the hub."""

    name = StringField(_l("Name of the organisation"), validators=[DataRequired(), Length(max=200)])
    org_type = SelectField(
        _l("Kind of organisation"),
        choices=[SelectChoice(t.value, ORG_KIND_LABELS[t.value]) for t in APPLICANT_TYPES],
    )
    country = StringField(_l("Country"), validators=[DataRequired(), Length(max=80)])
    description = TextAreaField(
        _l("What you do"), validators=[DataRequired(), Length(max=5000)], render_kw={"rows": 5}
    )
    contact_email = EmailField(_l("Contact email"), validators=[DataRequired(), Length(max=320)])
    references = TextAreaField(
        _l("References (optional)"), validators=[Optional(), Length(max=2000)], render_kw={"rows": 3}
    )


class AnswerForm(FlaskForm):
    """The applicant's answer to a coordinator's question."""

    answer = TextAreaField(
        _l("Your answer"), validators=[DataRequired(), Length(max=5000)], render_kw={"rows": 4}
    )


class ApproveForm(FlaskForm):
    """Approve an application at a tier."""

    tier = SelectField(_l("Tier"), choices=TIER_CHOICES, default="registered")


class NoteForm(FlaskForm):
    """Ask the applicant for more information."""

    note = _reason(_l("Question for the applicant"))


class ReasonForm(FlaskForm):
    """Any decision that needs a reason (reject, withdraw, suspend, reinstate)."""

    reason = _reason()


class BulkApproveForm(FlaskForm):
    """Approve the ticked rows of the moderation queue with one reason."""

    version = SelectMultipleField(_l("Objects to approve"), choices=[], validate_choice=False)
    reason = _reason(_l("Reason for approving the ticked objects"))


class TierForm(FlaskForm):
    """Raise or lower a tier."""

    tier = SelectField(_l("New tier"), choices=TIER_CHOICES)
    reason = _reason()


class FindObjectForm(FlaskForm):
    """Find an object by its STIX id (a GET form)."""

    class Meta:
        csrf = False

    stix_id = StringField(_l("STIX id"), validators=[DataRequired(), Length(max=300)])


class RuleChecklist(SelectMultipleField):
    """Rules to tick: each choice's value is the rule's text (`org:Rights Watch`), so ticked boxes and typed
    lines meet in one list. No script: plain checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class CollectionForm(FlaskForm):
    """A channel's settings and rules: rules are ticked in lists (tiers, organisations, groups, people) or
    typed one per line; both are used. `previewed` carries the fingerprint of the rules last previewed, so a
    rule change is saved only after its audience was shown."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    alias = StringField(_l("Alias (optional, for URLs)"), validators=[Optional(), Length(max=100)])
    description = TextAreaField(
        _l("Description"), validators=[Optional(), Length(max=5000)], render_kw={"rows": 3}
    )
    default_tlp = SelectField(_l("TLP for objects that carry none"), choices=TLP_CHOICES, default="amber")
    read_public = BooleanField(_l("Anyone, even without an account (public)"))
    read_tiers = RuleChecklist(_l("Organisations at this tier or above"), choices=[])
    read_orgs = RuleChecklist(_l("Organisations"), choices=[])
    read_groups = RuleChecklist(_l("Sharing groups"), choices=[])
    read_users = RuleChecklist(_l("People (they may also read TLP:RED)"), choices=[])
    read = TextAreaField(
        _l("Other read rules (one per line)"),
        validators=[Optional(), Length(max=5000)],
        render_kw={"rows": 2, "dir": "ltr"},
    )
    write_tiers = RuleChecklist(_l("Organisations at this tier or above"), choices=[])
    write_orgs = RuleChecklist(_l("Organisations"), choices=[])
    write_groups = RuleChecklist(_l("Sharing groups"), choices=[])
    write_users = RuleChecklist(_l("People"), choices=[])
    write = TextAreaField(
        _l("Other write rules (one per line)"),
        validators=[Optional(), Length(max=5000)],
        render_kw={"rows": 2, "dir": "ltr"},
    )
    previewed = HiddenField()


class GroupForm(FlaskForm):
    """A sharing group and its member organisations."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    members = TextAreaField(
        _l("Member organisations (one name per line)"),
        validators=[Optional(), Length(max=20000)],
        render_kw={"rows": 6},
    )


class GroupMembersForm(FlaskForm):
    """The member organisations of an existing group."""

    members = TextAreaField(
        _l("Member organisations (one name per line)"),
        validators=[Optional(), Length(max=20000)],
        render_kw={"rows": 6},
    )


class AuditFilterForm(FlaskForm):
    """Filters of the audit log (a GET form)."""

    class Meta:
        csrf = False

    actor = StringField(_l("Actor (email contains)"), validators=[Optional(), Length(max=320)])
    org = StringField(_l("Organisation (name contains)"), validators=[Optional(), Length(max=200)])
    target = StringField(_l("Target (exact id)"), validators=[Optional(), Length(max=300)])
    action = SelectField(_l("Action"), choices=[], validate_choice=False)
    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("Until"), validators=[Optional()])
