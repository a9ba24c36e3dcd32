"""The search form: a GET form (it changes nothing, so it carries no CSRF token), kept in every link."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, IntegerField, SelectChoice, SelectField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import HiddenInput

from hub.search.service import MIN_TEXT
from hub.stix.observables import candidates
from hub.web.forms import STIX_TYPES


class SearchForm(FlaskForm):
    """One box (a value or words) and the filters; channel and TLP choices are filled per reader."""

    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[InputRequired(), Length(max=300)])
    type = SelectField(
        _l("Type"),
        default="",
        choices=[SelectChoice("", _l("Any type")), *(SelectChoice(t) for t in STIX_TYPES)],
    )
    tlp = SelectField(_l("TLP"), choices=[], default="")
    channel = SelectField(_l("Channel"), choices=[], default="")
    producer = StringField(_l("Shared by (organisation)"), validators=[Optional(), Length(max=200)])
    added_from = DateField(_l("Added from"), validators=[Optional()])
    added_to = DateField(_l("Added until"), validators=[Optional()])
    sighted = BooleanField(_l("Only with sightings"))
    page = IntegerField(widget=HiddenInput(), validators=[Optional(), NumberRange(min=1)], default=1)

    def validate_q(self, field: StringField) -> None:
        """Words need three characters; a value (IP, hash, handle...) is read as it is."""
        text = (field.data or "").strip()
        if len(text) < MIN_TEXT and not candidates(text):
            raise ValidationError(_l("Type at least three characters, or a value such as a domain or an IP."))

    def validate_added_to(self, field: DateField) -> None:
        """The range must not end before it starts."""
        if field.data and self.added_from.data and field.data < self.added_from.data:
            raise ValidationError(_l("The end of the range is before its start."))
