"""Bulk paste and list upload: many values, one a line, previewed in a table where lines can be unticked,
then shared as one indicator per ticked value (plus the `indicates` relationship to a threat, if chosen).

Without JavaScript the preview is a form: the values stay in the text area (a list file's contents are put
there, so nothing depends on the browser sending the file twice), each usable line has a tick box, and a
signed `state` field says which text was previewed and when. Share stores only what was previewed: if the
text changed since, or the preview is older than a day, the page previews again and says why.
"""

from __future__ import annotations

import hashlib
from typing import Any, Final

from flask import current_app, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from hub.extensions import db
from hub.policy import writing
from hub.policy.tlp import Tlp
from hub.sharing.audience import audience
from hub.sharing.models import Collection
from hub.stix.build import IndicatorInput, build_indicator
from hub.stix.bulk import MAX_LINES, Line, TooManyLines, preview_lines, read_lines, values_of_file
from hub.stix.ingest import IngestOptions
from hub.web import bp
from hub.web.auth import current_principal
from hub.web.forms import KIND_LABELS, BulkForm
from hub.web.share import share_page
from hub.web.share_support import (
    ThreatStep,
    attribution,
    has_errors,
    org_identity,
    store,
    threat_step,
    tlp_choices,
    with_threat,
    writable,
)

MAX_LIST_BYTES: Final = 2 * 1024 * 1024
STATE_MAX_AGE: Final = 24 * 3600
_SALT: Final = "hub.share.bulk-preview"


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key or "", salt=_SALT)


def _digest(collection: Collection, text: str) -> str:
    return hashlib.sha256(f"{collection.id}\n{text}".encode()).hexdigest()


@bp.post("/share/<collection_id>/bulk")
def share_bulk(collection_id: str) -> ResponseReturnValue:
    """Preview the pasted or uploaded values; on Share, store one indicator per ticked value."""
    collection = writable(collection_id)
    p = current_principal()
    form = BulkForm()
    tlp_choices(form, p, collection)
    text = read_list_file(form) if form.validate_on_submit() else None
    lines = _lines_of(form, text)
    if text is None or lines is None:
        return share_page(collection, bulk=form, status=400)
    level = Tlp.parse(form.tlp.data)
    previewed = _previewed(form, collection, text)
    sharing = request.form.get("action") == "share" and previewed
    step = threat_step(form, collection, level, sharing)
    preview_lines(db.session(), p, lines, current_app.config.get("HUB_DOMAINS", ()))
    kept = _kept(lines, previewed)
    chosen = [line for line in lines if line.usable and line.number in kept]
    table_error = None
    if sharing:
        table_error = None if chosen else _("Tick at least one value to share.")
        if any(line.warnings for line in chosen) and not form.insist.data:
            form.insist.errors.append(
                _("Tick this box to share despite the warnings, or untick those values.")
            )
        if not has_errors(form) and table_error is None:
            return store(collection, _objects(form, step, chosen, level), _options(form))
    form.state.data = _signer().dumps(_digest(collection, text))
    return render_template(
        "web/share_bulk.html",
        collection=collection,
        form=form,
        lines=lines,
        kept=kept,
        counts=_counts(lines, kept),
        table_error=table_error,
        kinds={kind: str(label) for kind, label in KIND_LABELS},
        audience=audience(db.session(), collection, level),
        quarantined=writing.quarantined(p),
        threat=step,
    ), (400 if has_errors(form) or table_error else 200)


def read_list_file(form: BulkForm) -> str | None:
    """The values: a list file's contents (put into the text area, so the preview keeps them) or the text
    area's; None with the reason next to the field."""
    upload = form.listfile.data
    if upload is None or not getattr(upload, "filename", ""):
        return form.values.data or ""
    name = upload.filename or ""
    raw = upload.stream.read(MAX_LIST_BYTES + 1)
    if not name.lower().endswith((".txt", ".csv")):
        form.listfile.errors.append(_("Choose a .txt or .csv file: one value a line."))
    elif len(raw) > MAX_LIST_BYTES:
        form.listfile.errors.append(
            _("The file is larger than %(mib)d MiB: split it.", mib=MAX_LIST_BYTES // 2**20)
        )
    else:
        try:
            form.values.data = values_of_file(raw, name)
            return str(form.values.data)
        except UnicodeDecodeError:
            form.listfile.errors.append(_("The file is not UTF-8 text: save it as UTF-8 and try again."))
    return None


def _lines_of(form: BulkForm, text: str | None) -> list[Line] | None:
    """The lines, or None with the reason next to the text area."""
    if text is None:
        return None
    try:
        lines = read_lines(text)
    except TooManyLines:
        form.values.errors.append(_("At most %(max)d values at once: split the list.", max=MAX_LINES))
        return None
    if not lines:
        form.values.errors.append(_("Paste at least one value, or choose a list file."))
        return None
    if form.valid_until.data is not None and form.valid_until.data <= form.valid_from.data:
        form.valid_until.errors.append(_("“Valid until” must be after “Valid from”."))
        return None
    return lines


def _previewed(form: BulkForm, collection: Collection, text: str) -> bool:
    """This exact text was previewed here less than a day ago; otherwise say why, if the member asked to
    share."""
    if not form.state.data:
        return False
    sharing = request.form.get("action") == "share"
    try:
        digest = _signer().loads(form.state.data, max_age=STATE_MAX_AGE)
    except SignatureExpired:
        if sharing:
            form.values.errors.append(_("This preview is too old: check the list again, then share."))
        return False
    except BadSignature:
        return False
    if digest != _digest(collection, text):
        if sharing:
            form.values.errors.append(_("The list changed since the preview: check it again, then share."))
        return False
    return True


def _kept(lines: list[Line], previewed: bool) -> set[int]:
    """The ticked lines: the member's ticks on a previewed list; at first, every usable line without
    warnings (a value on a warning list is shared only if the member ticks it and confirms)."""
    if previewed:
        ticked = {int(n) for n in request.form.getlist("keep") if n.isdigit()}
        return {line.number for line in lines if line.usable and line.number in ticked}
    return {line.number for line in lines if line.usable and not line.warnings}


def _counts(lines: list[Line], kept: set[int]) -> dict[str, int]:
    return {
        "lines": len(lines),
        "usable": sum(line.usable for line in lines),
        "kept": len(kept),
        "problems": sum(not line.usable for line in lines),
        "warned": sum(bool(line.warnings) for line in lines),
        "known": sum(bool(line.correlation and line.correlation.count) for line in lines),
    }


def _objects(form: BulkForm, step: ThreatStep, chosen: list[Line], level: Tlp) -> list[dict[str, Any]]:
    author = org_identity()
    indicators = []
    for line in chosen:
        if line.kind is None or line.observable is None:
            continue
        data = IndicatorInput(
            kind=line.kind,
            value=line.observable.value,
            name="",
            tlp=level,
            valid_from=form.valid_from.data,
            valid_until=form.valid_until.data,
            description=form.description.data or "",
            indicator_type=form.indicator_type.data,
        )
        indicators.append(build_indicator(data, author))
    return with_threat(step, indicators, level)


def _options(form: BulkForm) -> IngestOptions:
    return IngestOptions(**attribution(form.anonymous.data))
