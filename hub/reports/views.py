"""Pages of the reporting channel: the public report form and follow-up, the responders' queue and case pages,
the platforms' escalated cases, the metrics and the public transparency page.

Privacy: nothing here reads or logs the client's address or user agent, except the rate limiter's key
function, which turns the address into a keyed hash that changes every day and is held only in the limiter's
memory.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import replace
from datetime import UTC, datetime

import orjson
from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from wtforms import SelectChoice

from hub.errors import HubError, InvalidInput, NotFound, PermissionDenied
from hub.extensions import db, limiter
from hub.orgs.models import Organisation, User
from hub.orgs.service import list_orgs
from hub.policy.tlp import Tlp
from hub.reports import metrics, publish, service, triage
from hub.reports.charts import bar_chart
from hub.reports.crypto import Sealer, sealer_for
from hub.reports.forms import (
    CATEGORY_LABELS,
    METRIC_LABELS,
    OUTCOME_LABELS,
    STATUS_LABELS,
    AnswerForm,
    AssignForm,
    CodeForm,
    EscalateForm,
    HelplineForm,
    MessageForm,
    PublishForm,
    ReportForm,
    StatusForm,
    tlp_choices,
)
from hub.reports.models import MessageKind, Outcome, Status
from hub.sharing.service import list_collections_for
from hub.web.auth import current_principal, public
from hub.web.i18n import current_language, is_language, language_name
from hub.web.nav import add_nav_item

bp = Blueprint("reports", __name__)
DEFAULT_REPORT_LIMIT = "10 per hour;30 per day"
DEFAULT_FOLLOW_UP_LIMIT = "60 per hour"


def daily_client_key() -> str:
    """The rate-limit key: HMAC(secret key, today's date + client address). Never stored or logged; it rotates
    daily, so yesterday's counters cannot be linked to today's."""
    day = datetime.now(UTC).date().isoformat()
    message = f"{day}|{request.remote_addr or ''}".encode()
    return hmac.new(current_app.config["SECRET_KEY"].encode(), message, hashlib.sha256).hexdigest()


def _sealer() -> Sealer:
    return sealer_for(current_app)


def _private(body: str, status: int = 200) -> Response:
    """A page that no cache, proxy or browser history may keep (it may show a receipt code or report text)."""
    response = Response(body, status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.app_template_global()
def report_labels() -> dict[str, dict[str, object]]:
    """Translated labels of categories, statuses and outcomes for the templates."""
    return {"category": dict(CATEGORY_LABELS), "status": dict(STATUS_LABELS), "outcome": dict(OUTCOME_LABELS)}


# --- the reporter (public, no account) ------------------------------------------------------------


@bp.route("/report", methods=["GET", "POST"])
@public
@limiter.limit(
    lambda: str(current_app.config.get("REPORTS_RATE_LIMIT", DEFAULT_REPORT_LIMIT)),
    key_func=daily_client_key,
    methods=["POST"],
)
def report_new() -> Response:
    """The report form; on success, the receipt code (shown once, in the page, never in a URL)."""
    form = ReportForm()
    form.platforms.choices = [
        SelectChoice(org.id, org.name) for org in service.platform_choices(db.session())
    ]
    form.share_max_tlp.choices = tlp_choices()
    if form.validate_on_submit():
        data = service.ReportInput(
            category=form.category.data,
            language=current_language(),
            text=form.text.data or "",
            traces=form.traces.data or "",
            contact=form.contact.data or "",
            platform_ids=tuple(form.platforms.data or ()),
            platform_other=form.platform_other.data or "",
            may_share=form.may_share.data,
            share_max_tlp=Tlp(int(form.share_max_tlp.data or Tlp.AMBER)),
            may_escalate=form.may_escalate.data,
        )
        try:
            code = service.submit_report(db.session(), _sealer(), data)[1]
        except InvalidInput as exc:
            db.session.rollback()
            flash(_(exc.message), "error")
            return _private(render_template("reports/report_new.html", form=form), 400)
        db.session.commit()
        return _private(render_template("reports/receipt.html", code=code))
    return _private(render_template("reports/report_new.html", form=form), 400 if form.errors else 200)


@bp.route("/report/follow-up", methods=["GET", "POST"])
@public
@limiter.limit(
    lambda: str(current_app.config.get("REPORTS_FOLLOW_UP_RATE_LIMIT", DEFAULT_FOLLOW_UP_LIMIT)),
    key_func=daily_client_key,
    methods=["POST"],
)
def follow_up() -> Response:
    """Come back with the receipt code (always POSTed) to read replies and add information."""
    form = CodeForm()
    if not form.validate_on_submit():
        return _private(render_template("reports/follow_up.html", form=form))
    sealer = _sealer()
    try:
        if form.message.data and form.message.data.strip():
            service.add_from_reporter(db.session(), sealer, form.code.data, form.message.data)
            db.session.commit()
            flash(_("Your message was added."), "success")
        view = service.view_receipt(db.session(), sealer, form.code.data)
    except HubError as exc:
        db.session.rollback()
        flash(_(exc.message), "error")
        return _private(render_template("reports/follow_up.html", form=form), exc.status)
    form.message.data = ""
    return _private(render_template("reports/thread.html", form=form, view=view))


@bp.get("/transparency")
@public
def transparency() -> str:
    """Aggregate counts per quarter; counts below 5 are shown as "fewer than 5"."""
    rows = metrics.transparency(db.session())
    quarters = sorted({row.quarter for row in rows}, reverse=True)
    return render_template(
        "reports/transparency.html", rows=rows, quarters=quarters, threshold=metrics.SUPPRESS_BELOW
    )


# --- responders ----------------------------------------------------------------------------------


@bp.get("/reports/")
def queue() -> str:
    """The triage queue, optionally of one status."""
    status = request.args.get("status")
    chosen = Status(status) if status in {s.value for s in Status} else None
    reports = triage.list_queue(db.session(), current_principal(), chosen)
    return render_template("reports/queue.html", reports=reports, chosen=chosen, statuses=list(Status))


def _case_forms(case: triage.Case) -> dict[str, object]:
    report = case.report
    status = StatusForm(status=report.status)
    assign = AssignForm(assignee=report.assignee_id or 0)
    assign.assignee.choices = [
        SelectChoice(0, _("Nobody")),
        *(SelectChoice(u.id, u.email) for u in triage.list_responders(db.session())),
    ]
    escalate = EscalateForm()
    escalate.platform.choices = [SelectChoice(org.id, org.name) for org in report.platforms]
    return {
        "status_form": status,
        "assign_form": assign,
        "message_form": MessageForm(),
        "escalate_form": escalate,
    }


@bp.get("/reports/<int:report_id>")
def case(report_id: int) -> str:
    """Everything about one report, and the forms to act on it."""
    found = triage.get_case(db.session(), current_principal(), _sealer(), report_id)
    return render_template("reports/case.html", case=found, **_case_forms(found))


def _back(report_id: int) -> Response:
    return redirect(url_for("reports.case", report_id=report_id), 303)  # type: ignore[return-value]


def _act(report_id: int, done: str) -> Response:
    """Commit a responder's action and go back to the case, or show why it was refused."""
    db.session.commit()
    flash(done, "success")
    return _back(report_id)


@bp.post("/reports/<int:report_id>/status")
def case_status(report_id: int) -> Response:
    """Change the status."""
    p = current_principal()
    report = triage.get_report(db.session(), p, report_id)
    form = StatusForm()
    if not form.validate_on_submit():
        raise InvalidInput("choose a status")
    triage.set_status(db.session(), p, report, Status(form.status.data))
    return _act(report_id, _("Status changed."))


@bp.post("/reports/<int:report_id>/assign")
def case_assign(report_id: int) -> Response:
    """Assign or unassign."""
    p = current_principal()
    report = triage.get_report(db.session(), p, report_id)
    user_id = request.form.get("assignee", type=int) or 0
    user = db.session.get(User, user_id) if user_id else None
    if user_id and user is None:
        raise InvalidInput("choose a responder")
    triage.assign(db.session(), p, report, user)
    return _act(report_id, _("Assignment changed."))


@bp.post("/reports/<int:report_id>/message")
def case_message(report_id: int) -> Response:
    """Reply to the reporter, or add an internal note."""
    p = current_principal()
    report = triage.get_report(db.session(), p, report_id)
    form = MessageForm()
    if not form.validate_on_submit():
        raise InvalidInput("write a message")
    triage.add_message(db.session(), p, _sealer(), report, MessageKind(form.kind.data), form.text.data)
    return _act(report_id, _("Reply sent.") if form.kind.data == "reply" else _("Note added."))


@bp.post("/reports/<int:report_id>/escalate")
def case_escalate(report_id: int) -> Response:
    """Escalate to a platform the reporter named."""
    p = current_principal()
    report = triage.get_report(db.session(), p, report_id)
    form = EscalateForm()
    form.platform.choices = [SelectChoice(org.id, org.name) for org in report.platforms]
    if not form.validate_on_submit():
        raise InvalidInput("choose a platform the reporter named and say what you ask of it")
    platform = db.session.get(Organisation, form.platform.data)
    if platform is None:
        raise NotFound("no such platform")
    triage.escalate(db.session(), p, _sealer(), report, platform, form.request.data)
    return _act(report_id, _("Escalated to %(platform)s.", platform=platform.name))


@bp.route("/reports/<int:report_id>/publish", methods=["GET", "POST"])
def case_publish(report_id: int) -> Response | str | tuple[str, int]:
    """Draft STIX from the chosen traces (GET ?trace=N…), edit, publish within the reporter's consent."""
    p = current_principal()
    report = triage.get_report(db.session(), p, report_id)
    ceiling = publish.consent_ceiling(report)
    form = PublishForm()
    form.collection.choices = [
        SelectChoice(c.id, c.title) for c in list_collections_for(db.session(), p) if c.id in p.writable
    ]
    form.tlp.choices = [SelectChoice(str(int(t)), t.label) for t in Tlp if t >= ceiling]
    if form.validate_on_submit():
        submission = publish.publish(
            db.session(), p, report, form.collection.data, Tlp(int(form.tlp.data)), form.bundle.data
        )
        db.session.commit()
        flash(
            _(
                "%(stored)d objects published, %(failed)d refused.",
                stored=submission.success_count,
                failed=submission.failure_count,
            ),
            "success" if not submission.failure_count else "error",
        )
        return _back(report_id)
    if request.method == "GET":
        traces = request.args.getlist("trace", type=int)
        bundle = publish.draft_bundle(db.session(), p, _sealer(), report, traces)
        form.bundle.data = orjson.dumps(bundle, option=orjson.OPT_INDENT_2).decode()
        form.tlp.data = str(int(ceiling))
    page = render_template("reports/publish.html", report=report, form=form, ceiling=ceiling)
    return (page, 400) if form.errors else page


@bp.get("/reports/metrics")
def metrics_page() -> str:
    """Every metric as a chart, each with its CSV and SVG beside it."""
    tables = metrics.metric_tables(db.session(), current_principal())
    charts = [(table, _chart(table)) for table in tables]
    return render_template("reports/metrics.html", charts=charts)


def _chart(table: metrics.Table) -> Markup:
    """The chart in the reader's language (the CSV keeps the stable English labels)."""
    labels = {**CATEGORY_LABELS, **METRIC_LABELS}
    if table.name == "by-language":
        labels = {label: language_name(label) for label, _value in table.rows if is_language(label)}
    rows = [(str(labels[label]) if label in labels else label, value) for label, value in table.rows]
    return bar_chart(replace(table, rows=rows), _(table.title))


@bp.get("/reports/metrics/<name>.<any(csv, svg):fmt>")
def metrics_export(name: str, fmt: str) -> Response:
    """One metric as CSV or SVG."""
    table = metrics.metric_table(db.session(), current_principal(), name)
    if table is None:
        raise NotFound(f"no metric {name!r}")
    if fmt == "csv":
        response = Response(table.csv(), mimetype="text/csv")
        response.headers["Content-Disposition"] = f'attachment; filename="{table.name}.csv"'
        return response
    return Response(str(_chart(table)), mimetype="image/svg+xml")


@bp.route("/reports/helplines", methods=["GET", "POST"])
def helplines() -> Response | str:
    """Coordinators designate the organisations whose members respond to reports."""
    p = current_principal()
    if not p.is_coordinator:
        raise PermissionDenied("only coordinators designate helplines")
    form = HelplineForm()
    form.org.choices = [SelectChoice(org.id, org.name) for org in list_orgs(db.session())]
    if form.validate_on_submit():
        org = db.session.get(Organisation, form.org.data)
        if org is None:
            raise NotFound("no such organisation")
        designate_on = form.action.data == "add"
        triage.designate_helpline(db.session(), p, org, designated=designate_on)
        db.session.commit()
        flash(
            _("%(org)s is now a helpline.", org=org.name)
            if designate_on
            else _("%(org)s is no longer a helpline.", org=org.name),
            "success",
        )
        return redirect(url_for("reports.helplines"), 303)  # type: ignore[return-value]
    return render_template("reports/helplines.html", form=form, helplines=triage.list_helplines(db.session()))


# --- platforms -----------------------------------------------------------------------------------


@bp.get("/platform/cases")
def platform_cases() -> str:
    """The cases escalated to the user's organisation."""
    return render_template(
        "reports/platform_cases.html",
        escalations=triage.list_platform_cases(db.session(), current_principal()),
    )


@bp.route("/platform/cases/<int:escalation_id>", methods=["GET", "POST"])
def platform_case(escalation_id: int) -> Response | str:
    """One escalated case with only the consented fields, and the platform's answer."""
    p = current_principal()
    found = triage.get_platform_case(db.session(), p, _sealer(), escalation_id)
    form = AnswerForm()
    if form.validate_on_submit():
        triage.answer_escalation(
            db.session(), p, _sealer(), escalation_id, Outcome(form.outcome.data), form.note.data or ""
        )
        db.session.commit()
        flash(_("Your answer was recorded."), "success")
        target = url_for("reports.platform_case", escalation_id=escalation_id)
        return redirect(target, 303)  # type: ignore[return-value]
    return render_template("reports/platform_case.html", case=found, form=form)


def _is_responder(p: object) -> bool:
    return triage.is_responder(db.session(), p)  # type: ignore[arg-type]


def _has_cases(p: object) -> bool:
    return triage.has_platform_cases(db.session(), p)  # type: ignore[arg-type]


add_nav_item("reports.queue", _l("Reports"), _is_responder, 60)
add_nav_item("reports.metrics_page", _l("Metrics"), _is_responder, 61)
add_nav_item("reports.helplines", _l("Helplines"), lambda p: p.is_coordinator, 63)
add_nav_item("reports.platform_cases", _l("Escalated cases"), _has_cases, 62)
add_nav_item("reports.transparency", _l("Transparency"), lambda p: True, 90)
add_nav_item("reports.report_new", _l("Report an incident"), lambda p: True, 91)
