"""Sharing: an indicator built from one observable (with a preview of who will read it), a bundle upload, and
feedback sightings on indicators."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import orjson
from flask import current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from wtforms import SelectChoice

from hub.errors import InvalidInput, NotFound
from hub.extensions import db
from hub.identity import hub_identity_id
from hub.policy import writing
from hub.policy.principal import Principal
from hub.policy.tlp import Tlp
from hub.sharing.audience import audience
from hub.sharing.models import Collection
from hub.sharing.service import get_collection_for, list_collections_for
from hub.stix.build import (
    Feedback,
    IndicatorInput,
    ObservableKind,
    build_indicator,
    build_sighting,
    observable_of,
)
from hub.stix.correlation import Correlation, correlate_observables
from hub.stix.ingest import IngestOptions, add_objects
from hub.stix.models import Submission
from hub.stix.observables import Observable, candidates
from hub.stix.reading import get_object_for
from hub.stix.warninglists import warnings_for
from hub.web import bp
from hub.web.auth import current_db_user, current_principal, db_session
from hub.web.forms import FeedbackForm, IndicatorForm, UploadForm

MAX_UPLOAD_BYTES = 10 * 1024 * 1024


def _writable(collection_id: str) -> Collection:
    """A collection the user may add to. :raises NotFound: invisible. :raises PermissionDenied: read-only."""
    p = current_principal()
    collection = get_collection_for(db_session(), p, collection_id)
    writing.require_write(p, collection.id, "you may read this channel but not share in it")
    return collection


def _tlp_choices(form: Any, p: Principal, collection: Collection) -> list[Tlp]:
    levels = writing.allowed_tlps(p, collection)
    form.tlp.choices = [SelectChoice(t.name.lower(), t.label) for t in levels]
    form.collection.choices = [SelectChoice(collection.id, collection.title)]
    if request.method == "GET":
        default = Tlp(collection.default_tlp)
        form.tlp.data = (default if default in levels else levels[-1]).name.lower()
    form.collection.data = collection.id
    return levels


@bp.get("/share")
def share() -> ResponseReturnValue:
    """Choose the channel to share in."""
    p = current_principal()
    readable = list_collections_for(db_session(), p) if p.org_active else []
    channels = [c for c in readable if writing.may_write(p, c.id)]
    if len(channels) == 1:
        return redirect(url_for("web.share_in", collection_id=channels[0].id))
    return render_template("web/share_choose.html", channels=channels)


@bp.get("/share/<collection_id>")
def share_in(collection_id: str) -> ResponseReturnValue:
    """The forms to share an indicator or upload a bundle, with who can read each TLP level here."""
    collection = _writable(collection_id)
    p = current_principal()
    form, upload = IndicatorForm(), UploadForm()
    levels = _tlp_choices(form, p, collection)
    _tlp_choices(upload, p, collection)
    form.valid_from.data = form.valid_from.data or _today()
    audiences = [audience(db_session(), collection, level) for level in levels]
    return render_template(
        "web/share.html",
        collection=collection,
        form=form,
        upload=upload,
        audiences=audiences,
        quarantined=writing.quarantined(p),
    )


@bp.post("/share/<collection_id>/indicator")
def share_indicator(collection_id: str) -> ResponseReturnValue:
    """Preview (who will read it, warnings), then share on the second submit."""
    collection = _writable(collection_id)
    p = current_principal()
    form = IndicatorForm()
    _tlp_choices(form, p, collection)
    preview: dict[str, Any] | None = None
    if form.validate_on_submit():
        data = IndicatorInput(
            kind=ObservableKind(form.kind.data),
            value=form.value.data,
            name=form.name.data,
            tlp=Tlp.parse(form.tlp.data),
            valid_from=form.valid_from.data,
            valid_until=form.valid_until.data,
            description=form.description.data or "",
            threat=form.threat.data or "",
            indicator_type=form.indicator_type.data,
            platform=form.platform.data or "",
        )
        try:
            indicator = build_indicator(data, _org_identity())
        except InvalidInput as exc:
            form.value.errors = [*form.value.errors, exc.message]
        else:
            observable = observable_of(data.kind, data.value)
            warnings = warnings_for(observable, hub_domains=current_app.config.get("HUB_DOMAINS", ()))
            if request.form.get("action") == "share" and (not warnings or form.insist.data):
                return _store(collection, [indicator], IngestOptions(**_attribution(form.anonymous.data)))
            preview = {
                "indicator": indicator,
                "warnings": warnings,
                "audience": audience(db_session(), collection, data.tlp),
                "correlation": _correlation(p, data.value, observable),
            }
    status = 200 if preview or not form.errors else 400
    return render_template(
        "web/share_preview.html",
        collection=collection,
        form=form,
        preview=preview,
        quarantined=writing.quarantined(p),
    ), status


@bp.post("/share/<collection_id>/upload")
def share_upload(collection_id: str) -> ResponseReturnValue:
    """Add every object of an uploaded bundle; the result lists each object's outcome."""
    collection = _writable(collection_id)
    p = current_principal()
    form = UploadForm()
    _tlp_choices(form, p, collection)
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "error")
        return redirect(url_for("web.share_in", collection_id=collection.id))
    raw = form.bundle.data.stream.read(MAX_UPLOAD_BYTES + 1)
    if len(raw) > MAX_UPLOAD_BYTES:
        raise InvalidInput(f"the file is larger than {MAX_UPLOAD_BYTES // 2**20} MiB; use TAXII instead")
    objects = _objects_of(raw)
    options = IngestOptions(tlp=Tlp.parse(form.tlp.data), **_attribution(form.anonymous.data))
    return _store(collection, objects, options)


def _correlation(p: Principal, typed: str, observable: Observable) -> Correlation:
    """Where the value already is: read as the lookup API reads it, and as the form built it."""
    read_as = [observable, *candidates(typed)]
    return correlate_observables(db_session(), p, [(typed, read_as)])[0]


def _objects_of(raw: bytes) -> list[Any]:
    """The objects of a bundle, a TAXII envelope, a list, or a single object."""
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise InvalidInput("the file is not JSON; upload a STIX 2.1 bundle") from None
    if isinstance(data, dict) and isinstance(data.get("objects"), list):
        return list(data["objects"])
    if isinstance(data, list):
        return data
    if isinstance(data, dict) and "type" in data:
        return [data]
    raise InvalidInput("the file holds no STIX objects; upload a STIX 2.1 bundle")


def _store(collection: Collection, objects: list[Any], options: IngestOptions) -> str:
    submission = add_objects(db_session(), current_principal(), collection.id, objects, options)
    db.session.commit()
    return _result_page(collection, submission)


def _result_page(collection: Collection, submission: Submission) -> str:
    results = orjson.loads(submission.results)
    return render_template(
        "web/share_result.html",
        collection=collection,
        submission=submission,
        successes=results.get("successes", []),
        failures=results.get("failures", []),
        warnings=results.get("warnings", []),
    )


def _attribution(anonymous: bool) -> dict[str, Any]:
    return {"anonymous": True, "hub_identity_id": hub_identity_id(current_app.config)} if anonymous else {}


def _org_identity() -> str | None:
    user = current_db_user()
    return user.org.identity_id if user is not None else None


def _today() -> date:
    return datetime.now(UTC).date()


def feedback_form_for(collection: Collection, object_type: str) -> FeedbackForm | None:
    """The feedback form, when the user may give feedback on this object here."""
    allowed = writing.may_give_feedback(current_principal(), collection.id, object_type)
    return FeedbackForm() if allowed else None


@bp.post("/collections/<collection_id>/objects/<stix_id>/feedback")
def feedback(collection_id: str, stix_id: str) -> ResponseReturnValue:
    """Store feedback on a visible indicator as a sighting at the indicator's TLP."""
    p = current_principal()
    collection = get_collection_for(db_session(), p, collection_id)
    if collection.id not in p.readable:
        raise NotFound(f"no collection {collection_id!r}")
    view = get_object_for(db_session(), p, collection.id, stix_id)
    if view.current.type != "indicator":
        raise NotFound(f"no indicator {stix_id!r}")
    collection = _writable(collection.id)
    form = FeedbackForm()
    target = url_for("web.object_detail", collection_id=collection.id, stix_id=stix_id) + "#feedback"
    if not form.validate_on_submit():
        flash(_("Choose what kind of feedback you give."), "error")
        return redirect(target)
    sighting = build_sighting(
        stix_id, Tlp(view.current.tlp), Feedback(form.kind.data), form.note.data or "", _org_identity()
    )
    submission = add_objects(db_session(), p, collection.id, [sighting])
    db.session.commit()
    if submission.failure_count:
        failure = orjson.loads(submission.results)["failures"][0]
        flash(_("The feedback was not stored: %(reason)s", reason=failure["message"]), "error")
    else:
        flash(_("Thank you: your feedback is stored."), "info")
    return redirect(target)
