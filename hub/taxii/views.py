"""TAXII 2.1 endpoints (§4, §5): parse the request, call the services, render the resource."""

from __future__ import annotations

from typing import Any

import orjson
from flask import current_app, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import Unauthorized

from hub.db import refresh_stale_statistics
from hub.errors import InvalidInput, NotFound, PermissionDenied
from hub.extensions import db
from hub.policy import writing
from hub.policy.principal import Principal
from hub.policy.version_check import check, request_may_defer, unchecked
from hub.sharing.models import Collection
from hub.sharing.service import get_collection_for, list_collections_for
from hub.stix.deletion import delete_object
from hub.stix.ingest import add_objects
from hub.stix.models import ObjectVersion
from hub.stix.query import (
    ALL,
    VERSION_TEXT,
    ObjectFilter,
    Page,
    get_submission_for,
    list_columns,
    object_exists,
)
from hub.taxii import bp, serializers
from hub.taxii.http import (
    authenticate,
    check_request,
    checked_view,
    current_principal,
    register,
    taxii_response,
)
from hub.taxii.params import PageRequest, next_token, object_filter, page_request
from hub.unit_of_work import reads_only

COLLECTION = "/<api_root>/collections/<collection_id>"
OBJECT = COLLECTION + "/objects/<object_id>"
BODY_COLUMNS = (ObjectVersion.body,)
MANIFEST_COLUMNS = (ObjectVersion.stix_id, ObjectVersion.version, VERSION_TEXT)
VERSION_COLUMNS = (ObjectVersion.version, VERSION_TEXT)
NO_OPTIONS = {"provide_automatic_options": False, "strict_slashes": False}

bp.record_once(lambda state: register(state.app, state.url_prefix or "/taxii2"))


@bp.before_request
def _before() -> None:
    """Refuse unanswerable requests, then authenticate; `api_root` must be the one this hub serves. A GET
    only reads (`reads_only`: no BEGIN, no COMMIT)."""
    check_request()
    if request.method == "GET":
        reads_only()
    root = (request.view_args or {}).get("api_root")
    known_root = root is None or root == current_app.config["TAXII_API_ROOT"]
    # A view that checks the policy version itself may start with a cached principal unchecked: nothing
    # after this point and before it may answer (the root is known, a GET is always allowed).
    authenticate(defer=known_root and request_may_defer())
    if not known_root:
        raise NotFound(f"no API root {root!r}")


@bp.get("/", **NO_OPTIONS)
def discovery() -> ResponseReturnValue:
    """§4.1 Server Discovery."""
    root = url_for("taxii.api_root", api_root=current_app.config["TAXII_API_ROOT"], _external=True)
    resource: dict[str, Any] = {
        "title": current_app.config["HUB_NAME"],
        "description": current_app.config["HUB_DESCRIPTION"],
        "default": root,
        "api_roots": [root],
    }
    if current_app.config["HUB_CONTACT"]:
        resource["contact"] = current_app.config["HUB_CONTACT"]
    return taxii_response(resource)


@bp.get("/<api_root>/", **NO_OPTIONS)
def api_root(api_root: str) -> ResponseReturnValue:
    """§4.2 Get API Root Information."""
    config = current_app.config
    return taxii_response(
        serializers.api_root(
            config["HUB_NAME"], config["HUB_DESCRIPTION"], int(config["TAXII_MAX_CONTENT_LENGTH"])
        )
    )


@bp.get("/<api_root>/status/<status_id>/", **NO_OPTIONS)
def status_get(api_root: str, status_id: str) -> ResponseReturnValue:
    """§4.3 Get Status: only the user who posted sees it; to everyone else it does not exist."""
    return taxii_response(
        serializers.status(get_submission_for(db.session(), current_principal(), status_id))
    )


@bp.get("/<api_root>/collections/", **NO_OPTIONS)
def collection_list(api_root: str) -> ResponseReturnValue:
    """§5.1 Get Collections: those the principal may read or write."""
    p = current_principal()
    return taxii_response(serializers.collections(list_collections_for(db.session(), p), p))


@bp.get(COLLECTION + "/", **NO_OPTIONS)
def collection_get(api_root: str, collection_id: str) -> ResponseReturnValue:
    """§5.2 Get a Collection."""
    p = current_principal()
    return taxii_response(serializers.collection(_collection(p, collection_id), p))


@bp.get(COLLECTION + "/manifest/", **NO_OPTIONS)
@checked_view
def manifest_get(api_root: str, collection_id: str) -> ResponseReturnValue:
    """§5.3 Get Object Manifests: the rows of Get Objects, without their bodies."""
    p = _readable(collection_id)
    scope = f"{collection_id}/manifest"
    page, token = _page(p, collection_id, scope, page_request(request.args, p, scope), MANIFEST_COLUMNS)
    return taxii_response(serializers.manifest(page, token), headers=serializers.date_added_headers(page))


@bp.get(COLLECTION + "/objects/", **NO_OPTIONS)
@checked_view
def objects_get(api_root: str, collection_id: str) -> ResponseReturnValue:
    """§5.4 Get Objects in `date_added` order, filtered and paged in SQL under the visibility rule."""
    p = _readable(collection_id)
    scope = f"{collection_id}/objects"
    page, token = _page(p, collection_id, scope, page_request(request.args, p, scope), BODY_COLUMNS)
    return taxii_response(serializers.envelope(page, token), headers=serializers.date_added_headers(page))


@bp.post(COLLECTION + "/objects/", **NO_OPTIONS)
def objects_add(api_root: str, collection_id: str) -> ResponseReturnValue:
    """§5.5 Add Objects: every object is checked on its own; answers 202 with the (complete) status."""
    p = _writer(collection_id)
    refresh_stale_statistics(db.session())
    submission = add_objects(db.session(), p, collection_id, _envelope_objects())
    return taxii_response(serializers.status(submission), 202)


@bp.get(OBJECT + "/", **NO_OPTIONS)
@checked_view
def object_get(api_root: str, collection_id: str, object_id: str) -> ResponseReturnValue:
    """§5.6 Get an Object: its versions (by default the last one) that the principal may see."""
    p = _readable(collection_id)
    scope = f"{collection_id}/objects/{object_id}"
    allowed = ("added_after", "match[version]", "match[spec_version]")
    pr = page_request(request.args, p, scope, allowed, ObjectFilter(ids=(object_id,)))
    page, token = _page(p, collection_id, scope, pr, BODY_COLUMNS)
    if not page.items and not object_exists(db.session(), p, collection_id, object_id):
        raise NotFound(f"no object {object_id!r} in this collection")
    return taxii_response(serializers.envelope(page, token), headers=serializers.date_added_headers(page))


@bp.delete(OBJECT + "/", **NO_OPTIONS)
def object_delete(api_root: str, collection_id: str, object_id: str) -> ResponseReturnValue:
    """§5.7 Delete an Object: every version unless `match[version]` / `match[spec_version]` (§3.4.1) choose
    some; the producer organisation only."""
    p = current_principal()
    collection = _collection(p, collection_id)
    if p.is_anonymous:
        raise Unauthorized("log in with an API token to delete objects")
    allowed = ("match[version]", "match[spec_version]")
    unknown = sorted(set(request.args) - set(allowed))
    if unknown:
        raise InvalidInput(f"to delete, only {' and '.join(allowed)} apply; not {', '.join(unknown)}")
    f = object_filter(request.args, allowed, ObjectFilter(versions=(ALL,)))
    delete_object(db.session(), p, collection.id, object_id, f.versions, f.spec_versions)
    return taxii_response(b"")


@bp.get(OBJECT + "/versions/", **NO_OPTIONS)
@checked_view
def versions_get(api_root: str, collection_id: str, object_id: str) -> ResponseReturnValue:
    """§5.8 Get Object Versions: only versions the principal may see, oldest `date_added` first."""
    p = _readable(collection_id)
    scope = f"{collection_id}/versions/{object_id}"
    allowed = ("added_after", "match[spec_version]")
    pr = page_request(request.args, p, scope, allowed, ObjectFilter(ids=(object_id,), versions=(ALL,)))
    page, token = _page(p, collection_id, scope, pr, VERSION_COLUMNS)
    if not page.items and not object_exists(db.session(), p, collection_id, object_id):
        raise NotFound(f"no object {object_id!r} in this collection")
    return taxii_response(serializers.versions(page, token), headers=serializers.date_added_headers(page))


def _collection(p: Principal, collection_id: str) -> Collection:
    """The collection, if `p` may read or write it. The anonymous are told to authenticate (401) for every
    collection that is not public, existing or not, so the answer neither hides a credential problem behind
    a 404 nor tells which collection ids exist."""
    try:
        return get_collection_for(db.session(), p, collection_id)
    except NotFound:
        if p.is_anonymous:
            raise Unauthorized("this collection is not public: send an API token to use it") from None
        raise


def _readable(collection_id: str) -> Principal:
    """The principal, which must be allowed to read the collection. A collection it reads exists without
    asking the database: its read rules name it, and deleting it deletes them (and moves the policy version
    that cached principals depend on). Only a refusal loads the row, to choose the right one."""
    p = current_principal()
    if collection_id not in p.readable:
        _collection(p, collection_id)
        raise PermissionDenied("you may add objects to this collection but not read it")
    return p


def _writer(collection_id: str) -> Principal:
    p = current_principal()
    collection = _collection(p, collection_id)
    if p.is_anonymous:
        raise Unauthorized("log in with an API token to add objects")
    writing.require_write(p, collection.id)
    return p


def _page(
    p: Principal, collection_id: str, scope: str, pr: PageRequest, columns: Any
) -> tuple[Page[Any], str | None]:
    tagged = unchecked()
    page = list_columns(db.session, p, collection_id, pr.filter, pr.limit, pr.after, columns, tagged)
    if tagged:
        check(page.policy_version)  # before anything of the page is used
    token = next_token(p, scope, pr.filter, page.next_after) if page.next_after is not None else None
    return page, token


def _envelope_objects() -> list[Any]:
    """The posted envelope's `objects`. :raises InvalidInput: not JSON, not an object, no `objects` list."""
    try:
        envelope = orjson.loads(request.get_data())
    except orjson.JSONDecodeError as exc:
        raise InvalidInput(f"the body is not valid JSON: {exc}") from None
    if not isinstance(envelope, dict):
        raise InvalidInput("the body must be a TAXII envelope: a JSON object with an `objects` list")
    objects = envelope.get("objects")
    if not isinstance(objects, list):
        raise InvalidInput("the envelope has no `objects` list")
    return objects
