"""Coordinators' pages: applications, organisations' tiers and history, moderation, the audit log."""

from __future__ import annotations

import io
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from hub.admin import audit_text, bp
from hub.admin.forms import (
    ActionForm,
    ApproveForm,
    AuditFilterForm,
    BulkApproveForm,
    FindObjectForm,
    NoteForm,
    ReasonForm,
    TierForm,
)
from hub.admin.nav import require_admin_page, require_coordinator_page
from hub.admin.proposal_views import flash_proposed
from hub.approvals import service as approvals
from hub.audit.queries import AuditFilter, all_events, list_events
from hub.csvcells import writer as csv_writer
from hub.errors import Conflict, InvalidInput
from hub.extensions import db
from hub.orgs import applications, trust
from hub.orgs.models import Organisation, Tier
from hub.orgs.onboarding_models import ApplicationStatus
from hub.orgs.service import list_orgs
from hub.sharing import channels
from hub.stix import moderation
from hub.stix.reading import parse_body
from hub.unit_of_work import discard_writes
from hub.web.labels import tier_label

PAGE_SIZE = 50
CSV_LIMIT = 100_000


@bp.get("/")
def home() -> ResponseReturnValue:
    """Coordinators: what waits for them. Organisation admins go to their own organisation."""
    p = require_admin_page()
    if not p.is_coordinator:
        return redirect(url_for("admin.users", org_id=p.org_id))
    waiting = applications.list_applications(db.session(), p, ApplicationStatus.PENDING)
    return render_template(
        "admin/home.html", waiting=len(waiting), queued=moderation.count_queue(db.session(), p)
    )


# Applications --------------------------------------------------------------------------------


@bp.get("/applications")
def application_list() -> ResponseReturnValue:
    """Every application, newest activity first, grouped by status."""
    p = require_coordinator_page()
    found = applications.list_applications(db.session(), p)
    return render_template("admin/applications.html", applications=found)


def _application_page(application_id: int, status: int = 200, **forms: object) -> tuple[str, int]:
    p = require_coordinator_page()
    application = applications.get_application(db.session(), p, application_id)
    context = {"approve_form": ApproveForm(), "note_form": NoteForm(), "reject_form": ReasonForm(), **forms}
    references = applications.reference_matches(db.session(), application)
    return render_template(
        "admin/application.html",
        application=application,
        references=references,
        messages=applications.messages(application),
        **context,
    ), status


@bp.get("/applications/<id:application_id>")
def application_detail(application_id: int) -> ResponseReturnValue:
    """One application, its references checked against vetted members, and the three decisions."""
    return _application_page(application_id)


@bp.post("/applications/<id:application_id>/approve")
def application_approve(application_id: int) -> ResponseReturnValue:
    """Approve: creates the organisation; its first admin fetches the invitation from the status page."""
    p = require_coordinator_page()
    form = ApproveForm()
    if not form.validate_on_submit():
        return _application_page(application_id, 400, approve_form=form)
    try:
        approval = applications.approve(db.session(), p, application_id, form.tier.data)
    except Conflict as exc:
        discard_writes()
        form.tier.errors = [exc.message]
        return _application_page(application_id, 409, approve_form=form)
    name = approval.org.name
    flash(
        _(
            "%(org)s is now a member. Its contact sets up the first admin account from the application's "
            "status page.",
            org=name,
        ),
        "success",
    )
    return redirect(url_for("admin.application_detail", application_id=application_id))


@bp.post("/applications/<id:application_id>/ask")
def application_ask(application_id: int) -> ResponseReturnValue:
    """Ask the applicant a question; they see it on their status page."""
    p = require_coordinator_page()
    form = NoteForm()
    if not form.validate_on_submit():
        return _application_page(application_id, 400, note_form=form)
    applications.request_information(db.session(), p, application_id, form.note.data)
    flash(_("The question is on the applicant's status page."), "success")
    return redirect(url_for("admin.application_detail", application_id=application_id))


@bp.post("/applications/<id:application_id>/reject")
def application_reject(application_id: int) -> ResponseReturnValue:
    """Reject with a reason (shown to the applicant)."""
    p = require_coordinator_page()
    form = ReasonForm()
    if not form.validate_on_submit():
        return _application_page(application_id, 400, reject_form=form)
    applications.reject(db.session(), p, application_id, form.reason.data)
    flash(_("The application is rejected."), "success")
    return redirect(url_for("admin.application_list"))


# Organisations: tiers, suspension, history --------------------------------------------------


@bp.get("/orgs")
def org_list() -> ResponseReturnValue:
    """Every organisation with its tier and status."""
    require_coordinator_page()
    return render_template("admin/orgs.html", orgs=list_orgs(db.session()))


def _org_page(org_id: int, status: int = 200, **forms: object) -> tuple[str, int]:
    p = require_coordinator_page()
    org = trust.get_org_for_coordinator(db.session(), p, org_id)
    history = list_events(
        db.session(),
        p,
        AuditFilter(org_id=org.id),
        limit=PAGE_SIZE,
        before=request.args.get("before", type=int),
    )
    tier_form = forms.pop("tier_form", None) or TierForm(tier=Tier(org.tier).label)
    return render_template(
        "admin/org.html",
        org=org,
        history=history,
        entries=audit_text.entries(db.session(), history.items),
        tier_form=tier_form,
        status_form=forms.pop("status_form", None) or ReasonForm(),
    ), status


@bp.get("/orgs/<id:org_id>")
def org_detail(org_id: int) -> ResponseReturnValue:
    """An organisation's tier and status, the forms to change them, and its history."""
    return _org_page(org_id)


@bp.post("/orgs/<id:org_id>/tier")
def org_tier(org_id: int) -> ResponseReturnValue:
    """Raise or lower the tier, with a reason."""
    p = require_coordinator_page()
    form = TierForm()
    if not form.validate_on_submit():
        return _org_page(org_id, 400, tier_form=form)
    org = trust.get_org_for_coordinator(db.session(), p, org_id)
    payload = {"tier": form.tier.data, "reason": form.reason.data}
    try:
        proposal = approvals.submit(db.session(), p, "org.tier", str(org.id), payload)
    except (Conflict, InvalidInput) as exc:
        discard_writes()
        form.tier.errors = [exc.message]
        return _org_page(org_id, exc.status, tier_form=form)
    name, target = org.name, org.id
    if proposal is not None:
        flash_proposed()
    else:
        flash(_("%(org)s is now at tier %(tier)s.", org=name, tier=tier_label(form.tier.data)), "success")
    return redirect(url_for("admin.org_detail", org_id=target))


def _set_status(org_id: int, suspend: bool) -> Response | tuple[str, int]:
    p = require_coordinator_page()
    form = ReasonForm()
    if not form.validate_on_submit():
        return _org_page(org_id, 400, status_form=form)
    change = trust.suspend if suspend else trust.reinstate
    try:
        org: Organisation = change(db.session(), p, org_id, form.reason.data)
    except Conflict as exc:
        discard_writes()
        form.reason.errors = [exc.message]
        return _org_page(org_id, 409, status_form=form)
    flash(
        _("%(org)s is suspended.", org=org.name) if suspend else _("%(org)s is reinstated.", org=org.name),
        "success",
    )
    return redirect(url_for("admin.org_detail", org_id=org.id))


@bp.post("/orgs/<id:org_id>/suspend")
def org_suspend(org_id: int) -> ResponseReturnValue:
    """Suspend, with a reason."""
    return _set_status(org_id, True)


@bp.post("/orgs/<id:org_id>/reinstate")
def org_reinstate(org_id: int) -> ResponseReturnValue:
    """Reinstate, with a reason."""
    return _set_status(org_id, False)


# Moderation --------------------------------------------------------------------------------


@bp.get("/moderation")
def moderation_queue() -> ResponseReturnValue:
    """Quarantined versions the coordinator may see, oldest first, with approve and reject for each and a
    box per row to approve several with one reason."""
    return _queue_page(BulkApproveForm())


def _queue_page(bulk_form: BulkApproveForm, status: int = 200) -> tuple[str, int]:
    p = require_coordinator_page()
    page = moderation.list_queue(db.session(), p, PAGE_SIZE, request.args.get("after", type=int))
    rows = [(version, parse_body(version)) for version in page.items]
    return render_template(
        "admin/moderation.html",
        page=page,
        rows=rows,
        action=ActionForm(),
        producers=moderation.producer_names(db.session(), page.items),
        reject_form=ReasonForm(),
        bulk_form=bulk_form,
        ticked={str(value) for value in bulk_form.version.data or []},
    ), status


@bp.post("/moderation/approve")
def moderation_approve_many() -> ResponseReturnValue:
    """Publish the ticked versions with one reason (kept in each one's audit entry)."""
    p = require_coordinator_page()
    form = BulkApproveForm()
    ids = [int(value) for value in form.version.data or [] if value.isdigit()]
    if not form.validate_on_submit() or not ids:
        if not ids:
            form.version.errors = [_("Tick the objects to approve.")]
        return _queue_page(form, 400)
    published = moderation.approve_many(db.session(), p, ids, form.reason.data)
    count, skipped = len(published), len(set(ids)) - len(published)
    flash(ngettext("%(num)d object is published.", "%(num)d objects are published.", count), "success")
    if skipped:
        flash(
            ngettext(
                "%(num)d object was already decided by someone else and is left as it is.",
                "%(num)d objects were already decided by someone else and are left as they are.",
                skipped,
            ),
            "error",
        )
    return redirect(url_for("admin.moderation_queue"))


@bp.post("/moderation/<id:version_id>/approve")
def moderation_approve(version_id: int) -> ResponseReturnValue:
    """Publish a quarantined version (readers and TAXII pollers receive it as new)."""
    p = require_coordinator_page()
    if not ActionForm().validate_on_submit():
        raise InvalidInput("the form has expired; reload the page and try again")
    version = moderation.approve(db.session(), p, version_id)
    stix_id = version.stix_id
    flash(_("%(id)s is published.", id=stix_id), "success")
    return redirect(url_for("admin.moderation_queue"))


@bp.post("/moderation/<id:version_id>/reject")
def moderation_reject(version_id: int) -> ResponseReturnValue:
    """Refuse a quarantined version, with a reason."""
    p = require_coordinator_page()
    form = ReasonForm()
    if not form.validate_on_submit():
        flash(_("Give a reason for the rejection."), "error")
        return redirect(url_for("admin.moderation_queue"))
    version = moderation.reject(db.session(), p, version_id, form.reason.data)
    stix_id = version.stix_id
    flash(_("%(id)s is rejected.", id=stix_id), "success")
    return redirect(url_for("admin.moderation_queue"))


@bp.get("/objects")
def object_find() -> ResponseReturnValue:
    """Find a published object by STIX id, to withdraw it."""
    p = require_coordinator_page()
    form = FindObjectForm(request.args, meta={"csrf": False})
    searched = "stix_id" in request.args  # the first visit is not a search: no "This field is required."
    versions = (
        moderation.find_object(db.session(), p, form.stix_id.data) if searched and form.validate() else []
    )
    titles = {c.id: c.title for c in channels.collections(db.session(), p)} if versions else {}
    return render_template(
        "admin/objects.html",
        form=form,
        versions=versions,
        searched=searched,
        titles=titles,
        withdraw_form=ReasonForm(),
    )


@bp.post("/objects/<id:version_id>/withdraw")
def object_withdraw(version_id: int) -> ResponseReturnValue:
    """Withdraw a published object (abuse, error, danger to someone), with a reason."""
    p = require_coordinator_page()
    form = ReasonForm()
    version = moderation.get_version(db.session(), p, version_id)
    if not form.validate_on_submit():
        flash(_("Give a reason for the withdrawal."), "error")
        return redirect(url_for("admin.object_find", stix_id=version.stix_id))
    stix_id = version.stix_id
    count = moderation.withdraw(db.session(), p, version.id, form.reason.data)
    flash(_("%(id)s is withdrawn (%(count)d versions).", id=stix_id, count=count), "success")
    return redirect(url_for("admin.object_find", stix_id=stix_id))


# Audit log --------------------------------------------------------------------------------


def _audit_filter() -> tuple[AuditFilterForm, AuditFilter]:
    """The filter form of the audit page and the CSV, from the query string (an invalid field is ignored
    and shown with its error)."""
    form = AuditFilterForm(request.args, meta={"csrf": False})
    form.action.choices = [SelectChoice("", _("Any action")), *audit_text.action_choices()]
    if not form.validate():
        return form, AuditFilter()
    return form, AuditFilter(
        actor=form.actor.data or "",
        org=form.org.data or "",
        target=form.target.data or "",
        action=form.action.data or "",
        since=form.since.data,
        until=form.until.data,
    )


@bp.get("/audit")
def audit() -> ResponseReturnValue:
    """The audit log as sentences, filtered by actor, organisation, target, action and dates; newest first."""
    p = require_coordinator_page()
    form, f = _audit_filter()
    before = request.args.get("before", type=int)
    page = list_events(db.session(), p, f, PAGE_SIZE, before)
    args: dict[str, Any] = {key: value for key, value in request.args.items() if key != "before" and value}
    return render_template(
        "admin/audit.html",
        form=form,
        page=page,
        entries=audit_text.entries(db.session(), page.items),
        args=args,
        first_url=url_for("admin.audit", **args) if before else None,
    )


@bp.get("/audit.csv")
def audit_csv() -> ResponseReturnValue:
    """The filtered audit log as CSV, newest first (at most `CSV_LIMIT` rows), in the reader's language:
    when, who, their organisation, the sentence, the reason, the action code and the target's id. Cells go
    through `hub.csvcells`, so a name such as `=HYPERLINK(...)` reaches a spreadsheet as text."""
    p = require_coordinator_page()
    _form, f = _audit_filter()
    rows = all_events(db.session(), p, f, CSV_LIMIT)
    out = io.StringIO()
    sheet = csv_writer(out)
    sheet.writerow(
        [_("When (UTC)"), _("Who"), _("Their organisation"), _("What"), _("Reason"), _("Action"), _("Target")]
    )
    for entry in audit_text.entries(db.session(), rows, isolate=False):
        event = entry.row.event
        when = event.at.strftime("%Y-%m-%d %H:%M:%S")
        sheet.writerow(
            [
                when,
                entry.actor,
                entry.row.actor_org or "",
                entry.sentence,
                entry.reason,
                event.action,
                event.target_id,
            ]
        )
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="audit-log.csv"'},
    )
