"""Coordinators' channel pages: collections, their read/write rules and who can read them; sharing groups."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from hub.admin import bp, rule_fields
from hub.admin.forms import CollectionForm, GroupForm, GroupMembersForm
from hub.admin.nav import require_coordinator_page
from hub.admin.proposal_views import flash_proposed
from hub.approvals import service as approvals
from hub.errors import Conflict, InvalidInput
from hub.extensions import db
from hub.policy.rules import RULE_FORMS
from hub.policy.tlp import Tlp
from hub.sharing import channels, preview
from hub.sharing.audience import audience
from hub.sharing.models import Collection, Mode
from hub.sharing.preview import RulePreview
from hub.sharing.service import rule_text
from hub.unit_of_work import discard_writes


def _rules(collection: Collection, mode: Mode) -> str:
    return "\n".join(_rule_list(collection, mode))


def _rule_list(collection: Collection, mode: Mode) -> list[str]:
    return [rule_text(r) for r in collection.rules if r.mode == mode]


def _audience(collection: Collection) -> list[tuple[Tlp, Any]]:
    """Who can read the collection at each TLP level: counts by tier, and names for the coordinator."""
    return [(level, audience(db.session(), collection, level)) for level in Tlp]


@bp.get("/collections")
def collection_list() -> ResponseReturnValue:
    """Every collection with its rules."""
    p = require_coordinator_page()
    rows = [(c, _rules(c, Mode.READ), _rules(c, Mode.WRITE)) for c in channels.collections(db.session(), p)]
    return render_template("admin/collections.html", rows=rows)


def _form_page(
    form: CollectionForm, collection: Collection | None, status: int = 200, shown: RulePreview | None = None
) -> tuple[str, int]:
    return render_template(
        "admin/collection.html",
        form=form,
        collection=collection,
        audience=_audience(collection) if collection is not None else [],
        preview=shown,
        rule_forms=RULE_FORMS,
    ), status


def _form(collection: Collection | None) -> CollectionForm:
    """The channel form with its lists offered (and, for an existing channel, its stored values)."""
    p = require_coordinator_page()
    targets = channels.rule_targets(db.session(), p)
    if collection is None:
        form = CollectionForm()
    else:
        form = CollectionForm(
            title=collection.title,
            alias=collection.alias,
            description=collection.description,
            default_tlp=Tlp(collection.default_tlp).name.lower(),
            **rule_fields.initial(
                _rule_list(collection, Mode.READ), _rule_list(collection, Mode.WRITE), targets
            ),
        )
    rule_fields.offer(form, targets)
    return form


def _show_preview(
    form: CollectionForm, collection: Collection | None, make: Callable[[], RulePreview]
) -> tuple[str, int]:
    """The form again with who gains and loses access; Save then saves exactly these rules."""
    try:
        shown = make()
    except (InvalidInput, Conflict) as exc:
        discard_writes()
        form.read.errors = [*form.read.errors, exc.message]
        return _form_page(form, collection, exc.status)
    form.previewed.data = rule_fields.fingerprint(*rule_fields.submitted(form))
    return _form_page(form, collection, 200, shown)


def _wants_preview(form: CollectionForm, read: str, write: str) -> bool:
    return request.form.get("step") == "preview" or form.previewed.data != rule_fields.fingerprint(
        read, write
    )


@bp.route("/collections/new", methods=["GET", "POST"])
def collection_new() -> ResponseReturnValue:
    """Create a collection: first a preview of who will read and write it, then Save."""
    p = require_coordinator_page()
    form = _form(None)
    if not form.validate_on_submit():
        return _form_page(form, None, 400 if form.is_submitted() else 200)
    read, write = rule_fields.submitted(form)
    if _wants_preview(form, read, write):
        return _show_preview(
            form,
            None,
            lambda: preview.preview_new(db.session(), p, form.title.data, form.alias.data, read, write),
        )
    try:
        created = channels.create_collection(
            db.session(),
            p,
            form.title.data,
            form.description.data or "",
            form.alias.data,
            _tlp(form),
            read,
            write,
        )
    except (InvalidInput, Conflict) as exc:
        discard_writes()
        form.read.errors = [*form.read.errors, exc.message]
        return _form_page(form, None, exc.status)
    collection_id = created.id
    flash(_("The channel is created."), "success")
    return redirect(url_for("admin.collection_edit", collection_id=collection_id))


def _tlp(form: CollectionForm) -> Tlp:
    return Tlp.parse(form.default_tlp.data)


@bp.route("/collections/<collection_id>", methods=["GET", "POST"])
def collection_edit(collection_id: str) -> ResponseReturnValue:
    """Edit a collection's settings and rules, with who can read it at each TLP level. A change of rules is
    previewed (who gains and who loses access) before it is saved."""
    p = require_coordinator_page()
    collection = channels.collection(db.session(), p, collection_id)
    form = _form(collection)
    if not form.validate_on_submit():
        return _form_page(form, collection, 400 if form.is_submitted() else 200)
    read, write = rule_fields.submitted(form)
    unchanged = rule_fields.same_rules(
        read, write, _rule_list(collection, Mode.READ), _rule_list(collection, Mode.WRITE)
    )
    if _wants_preview(form, read, write) and not (unchanged and request.form.get("step") != "preview"):
        return _show_preview(
            form, collection, lambda: preview.preview_update(db.session(), p, collection.id, read, write)
        )
    payload = {
        "title": form.title.data,
        "description": form.description.data or "",
        "default_tlp": _tlp(form).label,
        "read": read,
        "write": write,
    }
    try:
        proposal = approvals.submit(db.session(), p, "collection.update", collection.id, payload)
    except InvalidInput as exc:
        discard_writes()
        form.read.errors = [*form.read.errors, exc.message]
        return _form_page(form, channels.collection(db.session(), p, collection_id), 400)
    if proposal is not None:
        flash_proposed()
    else:
        flash(_("The channel is saved."), "success")
    return redirect(url_for("admin.collection_edit", collection_id=collection_id))


@bp.route("/groups", methods=["GET", "POST"])
def group_list() -> ResponseReturnValue:
    """Sharing groups, and a form to create one."""
    p = require_coordinator_page()
    form = GroupForm()
    if form.validate_on_submit():
        try:
            group = channels.create_group(db.session(), p, form.name.data, form.members.data or "")
        except (InvalidInput, Conflict) as exc:
            discard_writes()
            form.members.errors = [*form.members.errors, exc.message]
        else:
            group_id = group.id
            flash(_("The group is created."), "success")
            return redirect(url_for("admin.group_edit", group_id=group_id))
    return render_template(
        "admin/groups.html", groups=channels.groups(db.session(), p), form=form
    ), 400 if form.is_submitted() else 200


@bp.route("/groups/<id:group_id>", methods=["GET", "POST"])
def group_edit(group_id: int) -> ResponseReturnValue:
    """Replace a group's members."""
    p = require_coordinator_page()
    group = channels.group(db.session(), p, group_id)
    form = GroupMembersForm(members="\n".join(sorted(o.name for o in group.orgs)))
    if form.validate_on_submit():
        payload = {"members": form.members.data or ""}
        try:
            proposal = approvals.submit(db.session(), p, "group.members", str(group.id), payload)
        except InvalidInput as exc:
            discard_writes()
            form.members.errors = [*form.members.errors, exc.message]
            group = channels.group(db.session(), p, group_id)
        else:
            if proposal is not None:
                flash_proposed()
            else:
                flash(_("The group is saved."), "success")
            return redirect(url_for("admin.group_edit", group_id=group_id))
    return render_template("admin/group.html", group=group, form=form), 400 if form.is_submitted() else 200
