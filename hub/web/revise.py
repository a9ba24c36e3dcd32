"""Correcting and revoking an object from its page: the producer organisation's members only.

Both store a new version through `hub.stix.revision` (the rules are in `hub.policy.writing`). Widening TLP
takes a second step that shows who gains access; the confirmation is bound to the level shown, so changing
the level again asks again. Every refusal re-renders the form with the member's input and a translated error
beside the field.
"""

from __future__ import annotations

from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from wtforms import SelectChoice

from hub.extensions import db
from hub.policy import writing
from hub.policy.tlp import Tlp
from hub.sharing.models import Collection
from hub.sharing.service import get_collection_for
from hub.stix.revision import (
    IndicatorEdit,
    Revisable,
    RevisionRefused,
    require_revisable,
    revise_indicator,
    revoke,
    simple_value,
    widening_gain,
)
from hub.unit_of_work import discard_writes
from hub.web import bp
from hub.web.auth import current_principal
from hub.web.forms import EditIndicatorForm, RevokeForm


def _object_url(collection_id: str, stix_id: str) -> str:
    return url_for("web.object_detail", collection_id=collection_id, stix_id=stix_id)


def _load(collection_id: str, stix_id: str) -> tuple[Collection, Revisable]:
    """The channel and the object, when the member may revise it. :raises NotFound: invisible.
    :raises PermissionDenied: visible, but not theirs to revise (or revoked)."""
    p = current_principal()
    collection = get_collection_for(db.session(), p, collection_id)
    return collection, require_revisable(db.session(), p, collection.id, stix_id)


@bp.route("/collections/<collection_id>/objects/<stix_id>/edit", methods=["GET", "POST"])
def edit_object(collection_id: str, stix_id: str) -> ResponseReturnValue:
    """Edit an indicator: a new version; widening TLP asks for a confirmation first."""
    collection, found = _load(collection_id, stix_id)
    if found.version.type != "indicator":
        flash(_("Only indicators can be edited here; post a new version over TAXII."), "error")
        return redirect(_object_url(collection.id, stix_id))
    form = EditIndicatorForm()
    levels = writing.allowed_tlps(current_principal(), collection)
    form.tlp.choices = [SelectChoice(t.name.lower(), t.label) for t in levels]
    one_value = simple_value(str(found.body.get("pattern", "")))
    if request.method == "GET":
        _fill(form, found, one_value)
    gain = None
    if form.validate_on_submit():
        edit = _edit_of(form, one_value is not None)
        confirmed = form.widen.data == form.tlp.data
        if writing.widens(found.tlp, edit.tlp) and not confirmed:
            gain = widening_gain(db.session(), collection, found.tlp, edit.tlp)
            form.widen.data = form.tlp.data
        else:
            try:
                revise_indicator(db.session(), current_principal(), collection.id, stix_id, edit, confirmed)
            except RevisionRefused as refused:
                discard_writes()
                _show(form, refused)
            else:
                flash(_("Saved as a new version. Subscribers receive it with their next poll."), "info")
                return redirect(_object_url(collection.id, stix_id))
    status = 400 if form.errors else 200
    return render_template(
        "web/edit.html", collection=collection, found=found, form=form, one_value=one_value, gain=gain
    ), status


def _fill(form: EditIndicatorForm, found: Revisable, one_value: str | None) -> None:
    body = found.body
    form.name.data = body.get("name", "")
    form.description.data = body.get("description", "")
    form.value.data = one_value or ""
    form.pattern.data = body.get("pattern", "")
    form.labels.data = ", ".join(str(label) for label in body.get("labels", ()))
    confidence = body.get("confidence")
    form.confidence.data = "" if confidence is None else str(confidence)
    until = body.get("valid_until")
    form.valid_until.data = _day(until) if isinstance(until, str) else None
    form.tlp.data = found.tlp.name.lower()


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def _edit_of(form: EditIndicatorForm, one_value: bool) -> IndicatorEdit:
    confidence = (form.confidence.data or "").strip()
    return IndicatorEdit(
        name=form.name.data,
        description=form.description.data or "",
        valid_until=form.valid_until.data,
        confidence=int(confidence) if confidence else None,
        labels=tuple(label.strip() for label in (form.labels.data or "").split(",")),
        tlp=Tlp.parse(form.tlp.data),
        value=form.value.data if one_value else None,
        pattern=None if one_value else form.pattern.data,
    )


def _show(form: EditIndicatorForm, refused: RevisionRefused) -> None:
    """The refusal, translated, beside the field it concerns."""
    messages = {
        "value": _("This is not a valid value of this kind."),
        "pattern": _("This is not a valid STIX pattern."),
        "valid_until": _("'Valid until' must be after 'valid from'."),
        "tlp": _("The hub did not store this version at this TLP level in this channel."),
    }
    field = getattr(form, refused.field, form.tlp)
    field.errors = [*field.errors, messages.get(refused.field, messages["tlp"])]


@bp.route("/collections/<collection_id>/objects/<stix_id>/revoke", methods=["GET", "POST"])
def revoke_object(collection_id: str, stix_id: str) -> ResponseReturnValue:
    """Confirm, then store the final `revoked: true` version."""
    collection, found = _load(collection_id, stix_id)
    form = RevokeForm()
    if form.validate_on_submit():
        try:
            revoke(db.session(), current_principal(), collection.id, stix_id)
        except RevisionRefused:
            discard_writes()
            flash(_("The hub did not store the revocation; nothing changed."), "error")
        else:
            flash(_("Revoked. Subscribers receive the revoked version with their next poll."), "info")
        return redirect(_object_url(collection.id, stix_id))
    return render_template("web/revoke.html", collection=collection, found=found, form=form)
