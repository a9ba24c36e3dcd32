"""Downloads of a member's visible objects from the web UI: the same exports as `hub export` (blueprint
"interop", mounted at /export; login required by the web foundation's deny-by-default gate)."""

from __future__ import annotations

import io
import tempfile
from collections.abc import Iterator
from typing import IO

from flask import Blueprint, Response, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l

from hub.errors import InvalidInput
from hub.extensions import db
from hub.interop.cli import EXPORTERS
from hub.interop.exporter import ExportScope
from hub.policy.credentials import require_active_organisation
from hub.policy.tlp import Tlp
from hub.sharing.service import list_collections_for
from hub.web.auth import current_principal
from hub.web.nav import add_nav_item, is_member

bp = Blueprint("interop", __name__)
add_nav_item(bp, "interop.export_form", _l("Export"), is_member, 75)

FORMATS = {
    "stix": ("application/stix+json;version=2.1", "json", "STIX 2.1 bundle"),
    "mvt": ("application/json", "stix2", "MVT indicators (mvt-ios / mvt-android --iocs)"),
    "csv": ("text/csv", "csv", "CSV blocklist"),
    "misp": ("application/json", "json", "MISP event (JSON)"),
}


@bp.get("/")
def export_form() -> ResponseReturnValue:
    """The choice of collection, TLP limit and format."""
    p = current_principal()
    collections = [c for c in list_collections_for(db.session(), p) if c.id in p.readable]
    return render_template("interop/export.html", collections=collections, formats=FORMATS, levels=list(Tlp))


@bp.get("/download")
def export_download() -> ResponseReturnValue:
    """The export as a file, written to a temporary file first so memory stays flat."""
    require_active_organisation(current_principal())
    fmt = request.args.get("format", "stix")
    if fmt not in FORMATS:
        raise InvalidInput(f"unknown export format {fmt!r}")
    try:
        tlp_max = Tlp.parse(request.args.get("tlp_max") or "red")
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    scope = ExportScope(request.args.get("collection") or None, tlp_max)
    spool = tempfile.TemporaryFile()
    text = io.TextIOWrapper(spool, encoding="utf-8", newline="")
    EXPORTERS[fmt](db.session(), current_principal(), scope, text)
    text.flush()
    text.detach()
    spool.seek(0)
    mimetype, extension, _ = FORMATS[fmt]
    return Response(
        _chunks(spool),
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="hub-export-{fmt}.{extension}"'},
    )


def _chunks(spool: IO[bytes]) -> Iterator[bytes]:
    """The spooled file in blocks; closed (and so deleted) once sent."""
    try:
        while block := spool.read(64 * 1024):
            yield block
    finally:
        spool.close()
