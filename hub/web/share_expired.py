"""An expired (or missing) CSRF token on a share form: the form comes back with what the member typed.

The app-wide gate (`hub.web.security.check_csrf`) refuses every form POST whose token is missing or older
than `WTF_CSRF_TIME_LIMIT` (an hour): a member who pastes a long list, goes to a meeting and presses Share
would get a bare error page and lose the list. For the share forms only, this handler answers the refusal
(still 400, and nothing is stored) with the same form, filled from the request, a fresh token, and a
translated message saying to check and press again. Every other form keeps the generic error page. Safe
against forgery: nothing is done, and a cross-site page cannot read the answer (nor the new token in it).
"""

from __future__ import annotations

from flask import flash, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

from hub.errors import HubError
from hub.policy import writing
from hub.web import bp
from hub.web.auth import current_principal
from hub.web.errors import render_error
from hub.web.forms import BulkForm, IndicatorForm, UploadForm
from hub.web.share import share_page
from hub.web.share_bulk import read_list_file
from hub.web.share_support import tlp_choices, writable

SHARE_FORMS = frozenset({"web.share_indicator", "web.share_bulk", "web.share_upload"})


@bp.errorhandler(CSRFError)
def form_expired(exc: CSRFError) -> ResponseReturnValue:
    """The share forms again, as the member left them; any other form: the error page."""
    collection_id = (request.view_args or {}).get("collection_id")
    if request.endpoint not in SHARE_FORMS or not isinstance(collection_id, str):
        return render_error(400, exc.name, exc.description or "")
    try:
        collection = writable(collection_id)
    except HubError:  # not a channel the member may share in: the refusal, as for any form
        return render_error(400, exc.name, exc.description or "")
    flash(_("This form has expired: check what you entered, then press the button again."), "error")
    if request.endpoint == "web.share_indicator":
        p = current_principal()
        form = IndicatorForm()
        tlp_choices(form, p, collection)
        page = render_template(
            "web/share_preview.html",
            collection=collection,
            form=form,
            preview=None,
            quarantined=writing.quarantined(p),
        )
        return page, 400
    if request.endpoint == "web.share_bulk":
        bulk = BulkForm()
        read_list_file(bulk)
        return share_page(collection, bulk=bulk, status=400)
    return share_page(collection, upload=UploadForm(), status=400)
