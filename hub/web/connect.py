"""The API and TAXII page: where a member connects a tool (curl, taxii2-client, OpenCTI, MISP) to the hub.

It shows the discovery address, every collection the member may read with its TAXII id and address, and
examples filled with the member's own values, and it is where members create, list and revoke their own API
tokens (`hub.orgs.own_tokens`: nobody creates a token for someone else). A new token's secret is shown once,
on the page that answers its creation, and never again: the hub keeps only its hash.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from wtforms import SelectChoice

from hub.errors import InvalidInput
from hub.extensions import db
from hub.orgs import own_tokens
from hub.policy import writing
from hub.policy.principal import Principal
from hub.sharing.models import Collection
from hub.sharing.service import list_collections_for
from hub.unit_of_work import discard_writes
from hub.web import bp
from hub.web.auth import current_principal
from hub.web.forms import TokenForm


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A collection as a tool sees it: its TAXII address, and whether the member may also write to it."""

    collection: Collection
    url: str
    objects_url: str
    may_write: bool


def endpoints(p: Principal) -> list[Endpoint]:
    """The collections `p` may read, by title; one `p` may not read is never listed, even if writable."""
    root = current_app.config["TAXII_API_ROOT"]
    found = []
    for collection in list_collections_for(db.session(), p):
        if collection.id not in p.readable:
            continue
        args = {"api_root": root, "collection_id": collection.id, "_external": True}
        found.append(
            Endpoint(
                collection,
                url_for("taxii.collection_get", **args),
                url_for("taxii.objects_get", **args),
                writing.may_write(p, collection.id),
            )
        )
    return found


def _addresses() -> dict[str, str]:
    """The discovery and API root addresses, as a tool outside the hub must write them."""
    root = current_app.config["TAXII_API_ROOT"]
    return {
        "discovery": url_for("taxii.discovery", _external=True),
        "api_root": url_for("taxii.api_root", api_root=root, _external=True),
        "root_name": root,
    }


def _token_form(p: Principal) -> TokenForm:
    """The form for one's own token; it may be limited to the channels the page lists (those `p` may read)."""
    form = TokenForm()
    form.collections.choices = [SelectChoice(e.collection.id, e.collection.title) for e in endpoints(p)]
    return form


def _page(form: TokenForm, status: int = 200) -> tuple[str, int]:
    p = current_principal()
    found = endpoints(p)
    return render_template(
        "web/connect.html",
        form=form,
        endpoints=found,
        example=found[0] if found else None,
        tokens=own_tokens.list_own_tokens(db.session(), p),
        **_addresses(),
    ), status


@bp.get("/connect")
def connect() -> ResponseReturnValue:
    """The API and TAXII page."""
    return _page(_token_form(current_principal()))


@bp.post("/connect/tokens")
def connect_token_create() -> ResponseReturnValue:
    """Create a token for one's own account and show its secret once, with how to use it."""
    p = current_principal()
    form = _token_form(p)
    if not form.validate_on_submit():
        return _page(form, 400)
    try:
        issued = own_tokens.create_own_token(
            db.session(),
            p,
            form.label.data,
            form.expires_days.data,
            form.scope.data,
            form.collections.data or None,
        )
    except InvalidInput as exc:
        discard_writes()
        form.label.errors = [*form.label.errors, exc.message]
        return _page(form, exc.status)
    token = issued.token
    found = [
        e for e in endpoints(p) if token.collection_ids is None or e.collection.id in token.collection_ids
    ]
    return render_template(
        "web/token_secret.html",
        token=token,
        secret=issued.secret,
        example=found[0] if found else None,
        **_addresses(),
    ), 200


@bp.post("/connect/tokens/<id:token_id>/revoke")
def connect_token_revoke(token_id: int) -> ResponseReturnValue:
    """Revoke one of one's own tokens at once (someone else's answers 404)."""
    token = own_tokens.revoke_own_token(db.session(), current_principal(), token_id)
    flash(_("The token %(label)s is revoked.", label=token.label), "success")
    return redirect(url_for("web.connect"))
