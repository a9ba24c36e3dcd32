"""Sharing: an indicator built from one observable (with a preview of who will read it, correlation and
the threat it indicates), a bundle upload, and feedback sightings on indicators. Bulk paste is in
`hub.web.share_bulk`; what both share, in `hub.web.share_support`."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import orjson
from flask import current_app, flash, g, make_response, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from hub.errors import InvalidInput, NotFound
from hub.extensions import db
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
from hub.stix.observables import Observable, candidates
from hub.stix.reading import get_object_for
from hub.stix.warninglists import warnings_for
from hub.web import bp
from hub.web.auth import current_principal
from hub.web.forms import BulkForm, FeedbackForm, IndicatorForm, UploadForm
from hub.web.share_support import (
    INVALID_VALUE,
    attribution,
    has_errors,
    org_identity,
    store,
    threat_step,
    tlp_choices,
    with_threat,
    writable,
)

MAX_UPLOAD_BYTES = 10 * 1024 * 1024


@bp.get("/share")
def share() -> ResponseReturnValue:
    """Choose the channel to share in."""
    p = current_principal()
    readable = list_collections_for(db.session(), p) if p.org_active else []
    channels = [c for c in readable if writing.may_write(p, c.id)]
    if len(channels) == 1:
        return redirect(url_for("web.share_in", collection_id=channels[0].id))
    return render_template("web/share_choose.html", channels=channels)


@bp.get("/share/<collection_id>")
def share_in(collection_id: str) -> ResponseReturnValue:
    """The forms to share an indicator, paste a list or upload a bundle, with who can read each TLP level."""
    return share_page(writable(collection_id))


def share_page(
    collection: Collection,
    form: IndicatorForm | None = None,
    upload: UploadForm | None = None,
    bulk: BulkForm | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    """The share page; a form given back (with its errors) keeps what the member typed."""
    p = current_principal()
    form, upload, bulk = form or IndicatorForm(), upload or UploadForm(), bulk or BulkForm()
    levels = tlp_choices(form, p, collection)
    for other in (upload, bulk):
        tlp_choices(other, p, collection)
    for dated in (form, bulk):
        dated.valid_from.data = dated.valid_from.data or _today()
    return render_template(
        "web/share.html",
        collection=collection,
        form=form,
        upload=upload,
        bulk=bulk,
        audiences=[audience(db.session(), collection, level) for level in levels],
        quarantined=writing.quarantined(p),
    ), status


@bp.post("/share/<collection_id>/indicator")
def share_indicator(collection_id: str) -> ResponseReturnValue:
    """Preview (who will read it, warnings, where it already is, the threat), then share on the second
    submit; every problem is shown next to its field."""
    collection = writable(collection_id)
    p = current_principal()
    form = IndicatorForm()
    tlp_choices(form, p, collection)
    sharing = request.form.get("action") == "share"
    preview: dict[str, Any] | None = None
    if form.validate_on_submit():
        level = Tlp.parse(form.tlp.data)
        step = threat_step(form, collection, level, sharing)
        data = _indicator_input(form, level)
        if data is not None:
            observable = observable_of(data.kind, data.value)
            warnings = warnings_for(observable, hub_domains=current_app.config.get("HUB_DOMAINS", ()))
            if sharing and warnings and not form.insist.data:
                form.insist.errors.append(
                    _("Tick this box to share despite the warnings, or change the value.")
                )
            indicator = build_indicator(data, org_identity())
            if sharing and not has_errors(form):
                objects = with_threat(step, [indicator], level)
                return store(collection, objects, IngestOptions(**attribution(form.anonymous.data)))
            preview = {
                "indicator": indicator,
                "warnings": warnings,
                "audience": audience(db.session(), collection, level),
                "correlation": _correlation(p, data.value, observable),
                "threat": step,
            }
    return render_template(
        "web/share_preview.html",
        collection=collection,
        form=form,
        preview=preview,
        quarantined=writing.quarantined(p),
    ), (400 if has_errors(form) else 200)


def _indicator_input(form: IndicatorForm, level: Tlp) -> IndicatorInput | None:
    """What the form says, or None with the reason next to the field (in the member's language)."""
    kind = ObservableKind(form.kind.data)
    try:
        observable_of(kind, form.value.data)
    except InvalidInput:
        form.value.errors.append(str(INVALID_VALUE[kind]))
    if form.valid_until.data is not None and form.valid_until.data <= form.valid_from.data:
        form.valid_until.errors.append(_("“Valid until” must be after “Valid from”."))
    if form.value.errors or form.valid_until.errors:
        return None
    return IndicatorInput(
        kind=kind,
        value=form.value.data,
        name=form.name.data,
        tlp=level,
        valid_from=form.valid_from.data,
        valid_until=form.valid_until.data,
        description=form.description.data or "",
        indicator_type=form.indicator_type.data,
        platform=form.platform.data or "",
    )


@bp.post("/share/<collection_id>/upload")
def share_upload(collection_id: str) -> ResponseReturnValue:
    """Add every object of an uploaded bundle; the result is a summary. A bad file is explained next to the
    file field, on the share page, with the other choices kept."""
    collection = writable(collection_id)
    p = current_principal()
    form = UploadForm()
    tlp_choices(form, p, collection)
    if not form.validate_on_submit():
        return share_page(collection, upload=form, status=400)
    raw = form.bundle.data.stream.read(MAX_UPLOAD_BYTES + 1)
    objects = _objects_of(raw)
    if objects is None:
        form.bundle.errors.append(_file_problem(raw))
        return share_page(collection, upload=form, status=400)
    options = IngestOptions(tlp=Tlp.parse(form.tlp.data), **attribution(form.anonymous.data))
    return store(collection, objects, options)


def _correlation(p: Principal, typed: str, observable: Observable) -> Correlation:
    """Where the value already is: read as the lookup API reads it, and as the form built it."""
    read_as = [observable, *candidates(typed)]
    return correlate_observables(db.session(), p, [(typed, read_as)])[0]


def _objects_of(raw: bytes) -> list[Any] | None:
    """The objects of a bundle, a TAXII envelope, a list, or a single object; None if it is none of these."""
    if len(raw) > MAX_UPLOAD_BYTES:
        return None
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    if isinstance(data, dict) and isinstance(data.get("objects"), list):
        return list(data["objects"])
    if isinstance(data, list):
        return data
    if isinstance(data, dict) and "type" in data:
        return [data]
    return None


def _file_problem(raw: bytes) -> str:
    """Why the file is not a bundle, in the member's language."""
    if len(raw) > MAX_UPLOAD_BYTES:
        return str(
            _(
                "The file is larger than %(mib)d MiB: share it over TAXII instead.",
                mib=MAX_UPLOAD_BYTES // 2**20,
            )
        )
    try:
        orjson.loads(raw)
    except orjson.JSONDecodeError:
        return str(_("The file is not JSON: upload a STIX 2.1 bundle."))
    return str(_("The file holds no STIX objects: upload a STIX 2.1 bundle."))


def _today() -> date:
    return datetime.now(UTC).date()


def feedback_form_for(collection: Collection, object_type: str) -> FeedbackForm | None:
    """The feedback form, when the user may give feedback on this object here."""
    allowed = writing.may_give_feedback(current_principal(), collection.id, object_type)
    if not allowed:
        return None
    refused: FeedbackForm | None = g.get("feedback_form")  # sent back with its errors: the note is kept
    return refused or FeedbackForm()


@bp.post("/collections/<collection_id>/objects/<stix_id>/feedback")
def feedback(collection_id: str, stix_id: str) -> ResponseReturnValue:
    """Store feedback on a visible indicator as a sighting at the indicator's TLP."""
    p = current_principal()
    collection = get_collection_for(db.session(), p, collection_id)
    if collection.id not in p.readable:
        raise NotFound(f"no collection {collection_id!r}")
    view = get_object_for(db.session(), p, collection.id, stix_id)
    if view.current.type != "indicator":
        raise NotFound(f"no indicator {stix_id!r}")
    collection = writable(collection.id)
    form = FeedbackForm()
    target = url_for("web.object_detail", collection_id=collection.id, stix_id=stix_id) + "#feedback"
    if not form.validate_on_submit():
        from hub.web.views import object_detail  # the object page imports this module

        form.kind.errors = [_("Choose what kind of feedback you give.")]
        g.feedback_form = form
        response = make_response(object_detail(collection.id, stix_id))
        response.status_code = 400
        return response
    sighting = build_sighting(
        stix_id, Tlp(view.current.tlp), Feedback(form.kind.data), form.note.data or "", org_identity()
    )
    submission = add_objects(db.session(), p, collection.id, [sighting])
    if submission.failure_count:
        failure = orjson.loads(submission.results)["failures"][0]
        flash(_("The feedback was not stored: %(reason)s", reason=failure["message"]), "error")
    else:
        flash(_("Thank you: your feedback is stored."), "info")
    return redirect(target)
