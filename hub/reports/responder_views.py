"""The responders' pages: the triage queue, a case and the actions on it, publishing from a report, the
metrics, and the designation of helplines. For logged-in coordinators and helpline members; every decision is
the triage service's. The reporter's pages are in `reporter_views`, the platforms' in `platform_views`."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from wtforms import SelectChoice

from hub.errors import InvalidInput, NotFound
from hub.extensions import db
from hub.policy import writing
from hub.policy.tlp import Tlp
from hub.reports import metrics, publish, triage
from hub.reports.charts import bar_chart
from hub.reports.crypto import Sealer, sealer_for
from hub.reports.forms import (
    AssignForm,
    EscalateForm,
    HelplineForm,
    MessageForm,
    PublishForm,
    StatusForm,
)
from hub.reports.labels import CATEGORY_LABELS, METRIC_LABELS, duration, report_labels
from hub.reports.models import MessageKind, Status, sharing_of
from hub.sharing.audience import audience
from hub.sharing.models import Collection
from hub.sharing.service import list_collections_for
from hub.stix.models import Submission
from hub.web.auth import current_principal
from hub.web.i18n import is_language, language_name
from hub.web.nav import add_nav_item
from hub.web.share_support import result_context

bp = Blueprint("reports", __name__)
bp.add_app_template_global(report_labels)
bp.add_app_template_global(sharing_of)


def _sealer() -> Sealer:
    return sealer_for(current_app)


@bp.get("/reports/")
def queue() -> ResponseReturnValue:
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


@bp.get("/reports/<id:report_id>")
def case(report_id: int) -> ResponseReturnValue:
    """Everything about one report, and the forms to act on it."""
    found = triage.get_case(db.session(), current_principal(), _sealer(), report_id)
    return render_template("reports/case.html", case=found, **_case_forms(found))


def _back(report_id: int) -> ResponseReturnValue:
    return redirect(url_for("reports.case", report_id=report_id), 303)


def _act(report_id: int, done: str) -> ResponseReturnValue:
    """Confirm a responder's action (the request's commit point keeps it) and go back to the case."""
    flash(done, "success")
    return _back(report_id)


@bp.post("/reports/<id:report_id>/status")
def case_status(report_id: int) -> ResponseReturnValue:
    """Change the status."""
    p = current_principal()
    report = triage.get_report(db.session(), p, report_id)
    form = StatusForm()
    if not form.validate_on_submit():
        raise InvalidInput("choose a status")
    triage.set_status(db.session(), p, report, Status(form.status.data))
    return _act(report_id, _("Status changed."))


@bp.post("/reports/<id:report_id>/assign")
def case_assign(report_id: int) -> ResponseReturnValue:
    """Assign or unassign."""
    p = current_principal()
    report = triage.get_report(db.session(), p, report_id)
    user = triage.assignee(db.session(), p, request.form.get("assignee", type=int) or 0)
    triage.assign(db.session(), p, report, user)
    return _act(report_id, _("Assignment changed."))


@bp.post("/reports/<id:report_id>/message")
def case_message(report_id: int) -> ResponseReturnValue:
    """Reply to the reporter, or add an internal note."""
    p = current_principal()
    report = triage.get_report(db.session(), p, report_id)
    form = MessageForm()
    if not form.validate_on_submit():
        raise InvalidInput("write a message")
    triage.add_message(db.session(), p, _sealer(), report, MessageKind(form.kind.data), form.text.data)
    return _act(report_id, _("Reply sent.") if form.kind.data == "reply" else _("Note added."))


@bp.post("/reports/<id:report_id>/escalate")
def case_escalate(report_id: int) -> ResponseReturnValue:
    """Escalate to a platform the reporter named."""
    p = current_principal()
    report = triage.get_report(db.session(), p, report_id)
    form = EscalateForm()
    form.platform.choices = [SelectChoice(org.id, org.name) for org in report.platforms]
    if not form.validate_on_submit():
        raise InvalidInput("choose a platform the reporter named and say what you ask of it")
    platform = triage.escalation_target(db.session(), p, form.platform.data)
    triage.escalate(db.session(), p, _sealer(), report, platform, form.request.data)
    return _act(report_id, _("Escalated to %(platform)s.", platform=platform.name))


@bp.route("/reports/<id:report_id>/publish", methods=["GET", "POST"])
def case_publish(report_id: int) -> ResponseReturnValue:
    """One row per trace (kind, value, name, warnings, already in the hub, victim warning), the channel and
    TLP within the reporter's consent, the audience preview; publishing shows what was published."""
    p = current_principal()
    report = triage.get_report(db.session(), p, report_id)
    ceiling = publish.consent_ceiling(report)
    channels = {c.id: c for c in list_collections_for(db.session(), p) if writing.may_write(p, c.id)}
    form = PublishForm()
    form.collection.choices = [SelectChoice(c.id, c.title) for c in channels.values()]
    form.tlp.choices = [SelectChoice(str(int(t)), t.label) for t in Tlp if t >= ceiling]
    rows = publish.trace_rows(db.session(), p, _sealer(), report)
    ticked = {row.index for row in rows if row.ticked}
    if request.method == "GET":
        asked = set(request.args.getlist("trace", type=int))
        ticked = {i for i in ticked if i in asked} if asked else ticked
        form.tlp.data = str(int(ceiling))
    elif form.validate():
        ticked = set(request.form.getlist("trace", type=int))
        if request.form.get("action") == "publish":
            choice = publish.Choice(
                form.collection.data,
                Tlp(int(form.tlp.data)),
                {i: request.form.get(f"name-{i}", "") for i in ticked},
                form.threat.data or "",
            )
            since = channels[choice.collection_id].last_date_added
            submission = publish.publish_traces(db.session(), p, _sealer(), report, choice)
            return _published(channels[choice.collection_id], submission, since)
    chosen = channels.get(form.collection.data) or next(iter(channels.values()), None)
    level = Tlp(int(form.tlp.data)) if form.tlp.data else ceiling
    page = render_template(
        "reports/publish.html",
        report=report,
        form=form,
        ceiling=ceiling,
        rows=rows,
        ticked=ticked,
        names={row.index: request.form.get(f"name-{row.index}", row.name) for row in rows},
        audience=audience(db.session(), chosen, level) if chosen is not None else None,
    )
    return (page, 400) if form.errors else page


def _published(channel: Collection, submission: Submission, since: int) -> ResponseReturnValue:
    """The result as after any share: counts per type, the refusals, a link to what was published."""
    return render_template("web/share_result.html", **result_context(channel, submission, since))


@bp.get("/reports/metrics")
def metrics_page() -> ResponseReturnValue:
    """Every metric as a chart over the chosen dates, each with its CSV and SVG beside it."""
    period, dates = _period()
    tables = metrics.metric_tables(db.session(), current_principal(), period)
    charts = [(table, _chart(table)) for table in tables]
    return render_template("reports/metrics.html", charts=charts, dates=dates)


def _period() -> tuple[metrics.Period, dict[str, str]]:
    """The date range of `?start=YYYY-MM-DD&end=YYYY-MM-DD` (both days included), and the dates as given.

    :raises InvalidInput: a date that is not YYYY-MM-DD, or an end before the start.
    """
    dates = {key: request.args.get(key, "").strip() for key in ("start", "end")}
    try:
        start, end = (datetime.fromisoformat(dates[key]) if dates[key] else None for key in ("start", "end"))
    except ValueError:
        raise InvalidInput("give dates as YYYY-MM-DD") from None
    if start and end and end < start:
        raise InvalidInput("the end date is before the start date")
    return metrics.Period(start, end + timedelta(days=1) if end else None), {
        k: v for k, v in dates.items() if v
    }


def _chart(table: metrics.Table) -> Markup:
    """The chart in the reader's language (the CSV keeps the stable English labels)."""
    labels = {**CATEGORY_LABELS, **METRIC_LABELS}
    if table.name == "by-language":
        labels = {label: language_name(label) for label, _value in table.rows if is_language(label)}
    rows = [(str(labels[label]) if label in labels else label, value) for label, value in table.rows]
    shown = duration if table.unit == "hours" else None
    return bar_chart(replace(table, rows=rows), _(table.title), shown)


@bp.get("/reports/metrics/<name>.<any(csv, svg):fmt>")
def metrics_export(name: str, fmt: str) -> ResponseReturnValue:
    """One metric as CSV or SVG."""
    table = metrics.metric_table(db.session(), current_principal(), name, _period()[0])
    if table is None:
        raise NotFound(f"no metric {name!r}")
    if fmt == "csv":
        response = Response(table.csv(), mimetype="text/csv")
        response.headers["Content-Disposition"] = f'attachment; filename="{table.name}.csv"'
        return response
    return Response(str(_chart(table)), mimetype="image/svg+xml")


@bp.route("/reports/helplines", methods=["GET", "POST"])
def helplines() -> ResponseReturnValue:
    """Coordinators designate the organisations whose members respond to reports."""
    p = current_principal()
    form = HelplineForm()
    form.org.choices = [SelectChoice(org.id, org.name) for org in triage.helpline_candidates(db.session(), p)]
    if form.validate_on_submit():
        org = triage.helpline_candidate(db.session(), p, form.org.data)
        designate_on = form.action.data == "add"
        triage.designate_helpline(db.session(), p, org, designated=designate_on)
        flash(
            _("%(org)s is now a helpline.", org=org.name)
            if designate_on
            else _("%(org)s is no longer a helpline.", org=org.name),
            "success",
        )
        return redirect(url_for("reports.helplines"), 303)
    return render_template("reports/helplines.html", form=form, helplines=triage.list_helplines(db.session()))


def _is_responder(p: object) -> bool:
    return triage.is_responder(db.session(), p)  # type: ignore[arg-type]


add_nav_item(bp, "reports.queue", _l("Reports"), _is_responder, 60)
add_nav_item(bp, "reports.metrics_page", _l("Metrics"), _is_responder, 61)
add_nav_item(bp, "reports.helplines", _l("Helplines"), lambda p: p.is_coordinator, 63)
add_nav_item(bp, "reporter.transparency", _l("Transparency"), lambda p: True, 90)
add_nav_item(bp, "reporter.report_new", _l("Report an incident"), lambda p: True, 91)
