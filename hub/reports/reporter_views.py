"""The reporter's pages: the public report form, the follow-up with the receipt code, and the public
transparency page. Anonymous by design, on a blueprint of their own with a base template of their own
(`reporter/base.html`: no member navigation, no logged-in user).

This side never imports login, policy or triage code (tests/test_architecture.py): it cannot learn who is
logged in, and a mistake on the responders' side cannot leak into it. Its service is `hub.reports.intake`.

Privacy: nothing here reads or logs the client's address or user agent, except the rate limiter's key
function (`hub.ratelimits.keyed_client_address`), which turns the address into a keyed hash that changes every
day and is kept only until its counting window ends.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask import session as browser_session
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from wtforms import SelectChoice

from hub.errors import HubError, InvalidInput
from hub.extensions import csrf, db, limiter
from hub.public import public
from hub.reports import handles, intake
from hub.reports import transparency as aggregates
from hub.reports.crypto import Sealer, sealer_for
from hub.reports.labels import SERVICE_LABELS, duration, report_labels
from hub.reports.reporter_forms import AcknowledgeForm, CodeForm, ReporterForm, ReportForm
from hub.unit_of_work import commit_now, discard_writes
from hub.web.i18n import current_language

bp = Blueprint("reporter", __name__)
bp.add_app_template_global(report_labels)
bp.add_app_template_filter(duration)
# Each reporter form checks its own long-lived token (ReporterForm) so a stale page keeps what was typed.
csrf.exempt(bp)
RECEIPT_HANDLE = "intake_receipt"
DEFAULT_REPORT_LIMIT = "10 per hour;30 per day"
DEFAULT_FOLLOW_UP_LIMIT = "60 per hour"


@bp.after_request
def _reporter_headers(response: Response) -> Response:
    """No reporter page is kept by caches, history or the back/forward cache; with an onion address
    configured, Tor Browser is told where the same page is (`Onion-Location`)."""
    response.headers["Cache-Control"] = "no-store"
    onion = str(current_app.config.get("HUB_ONION_URL") or "")
    if onion and not request.host.split(":")[0].endswith(".onion"):
        response.headers["Onion-Location"] = onion.rstrip("/") + request.full_path.rstrip("?")
    return response


def _sealer() -> Sealer:
    return sealer_for(current_app)


def _private(body: str, status: int = 200) -> Response:
    """A page that no cache, proxy or browser history may keep (it may show a receipt code or report text)."""
    response = Response(body, status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


def _private_redirect(target: str) -> Response:
    """A 303 (the browser GETs the target, so reloading never re-sends a form), kept out of caches too."""
    response = redirect(target, 303)
    response.headers["Cache-Control"] = "no-store"
    return response  # type: ignore[return-value]


@bp.route("/report", methods=["GET", "POST"])
@public
@limiter.limit(
    lambda: str(current_app.config.get("REPORTS_RATE_LIMIT", DEFAULT_REPORT_LIMIT)),
    methods=["POST"],
)
def report_new() -> ResponseReturnValue:
    """The report form. Sending it redirects to the receipt page; a stale page keeps everything typed."""
    form = ReportForm()
    form.platforms.choices = _platform_choices()
    if not form.is_submitted():
        form.nonce.data = handles.new_nonce()
        return _private(render_template("reporter/report_new.html", form=form))
    if not form.validate():
        _explain_stale(form)
        return _private(render_template("reporter/report_new.html", form=form), 400)
    try:
        intake.file_once(db.session(), _sealer(), _report_input(form), form.nonce.data)
    except InvalidInput as exc:
        discard_writes()
        flash(_(exc.message), "error")
        return _private(render_template("reporter/report_new.html", form=form), 400)
    browser_session[RECEIPT_HANDLE] = form.nonce.data
    return _private_redirect(url_for("reporter.receipt"))


def _platform_choices() -> list[SelectChoice]:
    """The services people use, then member platforms not among them; a service whose company is a member
    of the hub is marked, so the reporter (and escalation) knows who can act. A value is `whatsapp`,
    `org:7`, or both joined by `+`."""
    members = {org.name.casefold(): org for org in intake.platform_choices(db.session())}
    member_note = _("member of the hub, can act on reports")
    found: list[SelectChoice] = []
    for value, label in SERVICE_LABELS.items():
        org = members.pop(str(label).casefold(), None)
        if org is None:
            found.append(SelectChoice(value, str(label)))
        else:
            found.append(SelectChoice(f"{value}+org:{org.id}", f"{label} ({member_note})"))
    extra = [SelectChoice(f"org:{org.id}", f"{org.name} ({member_note})") for org in members.values()]
    return found[:-2] + extra + found[-2:]  # "a phone operator" and "another service" stay last


def _chosen(values: list[str]) -> tuple[tuple[int, ...], tuple[str, ...]]:
    """(member platform ids, services) from the checked boxes."""
    parts = [part for value in values for part in value.split("+")]
    ids = tuple(int(part[4:]) for part in parts if part.startswith("org:") and part[4:].isdigit())
    return ids, tuple(part for part in parts if not part.startswith("org:"))


def _report_input(form: ReportForm) -> intake.ReportInput:
    platform_ids, services = _chosen(list(form.platforms.data or ()))
    return intake.ReportInput(
        category=form.category.data,
        language=current_language(),
        text=form.text.data or "",
        traces=form.traces.data or "",
        contact=form.contact.data or "",
        platform_ids=platform_ids,
        services=services,
        platform_other=form.platform_other.data or "",
        sharing=form.sharing.data,
        may_escalate=form.may_escalate.data,
    )


def _explain_stale(form: ReporterForm) -> None:
    """A page whose token expired or whose session the browser lost: say so plainly, with a fresh token and
    nonce already in the re-rendered form, and keep everything typed."""
    if form.token_is_stale():
        if not handles.is_nonce(form.nonce.data):
            form.nonce.data = handles.new_nonce()
        flash(_stale_page_message(), "error")


def _stale_page_message() -> str:
    return str(
        _(
            "Nothing was sent yet: this page was open for a long time, or your browser forgot it. "
            "Everything you wrote is still here. Please check it and press Send again."
        )
    )


@bp.route("/report/receipt", methods=["GET", "POST"])
@public
def receipt() -> ResponseReturnValue:
    """The receipt code, held server-side for this browser until the reporter confirms they wrote it down."""
    nonce = str(browser_session.get(RECEIPT_HANDLE, ""))
    if not handles.is_nonce(nonce):
        return _private_redirect(url_for("reporter.report_new"))
    form = AcknowledgeForm()
    if form.is_submitted() and form.validate():
        handles.release_code(db.session(), nonce)
        browser_session.pop(RECEIPT_HANDLE, None)
        flash(_("Thank you. Keep your code safe; enter it here to read our replies."), "success")
        return _private_redirect(url_for("reporter.follow_up"))
    if form.is_submitted():
        _explain_stale(form)
    code = handles.held_code(db.session(), _sealer(), nonce)
    commit_now("expired receipt codes are forgotten even when this page sends the form back (400)")
    form.nonce.data = nonce
    page = render_template("reporter/receipt.html", code=code, form=form)
    return _private(page, 400 if form.errors else 200)


@bp.route("/report/follow-up", methods=["GET", "POST"])
@public
@limiter.limit(
    lambda: str(current_app.config.get("REPORTS_FOLLOW_UP_RATE_LIMIT", DEFAULT_FOLLOW_UP_LIMIT)),
    methods=["POST"],
)
def follow_up() -> ResponseReturnValue:
    """Come back with the receipt code (always POSTed) to read replies and add information."""
    form = CodeForm()
    if not form.is_submitted():
        form.nonce.data = handles.new_nonce()
        return _private(render_template("reporter/follow_up.html", form=form))
    if not form.validate():
        _explain_stale(form)
        return _private(render_template("reporter/follow_up.html", form=form), 400)
    sealer = _sealer()
    try:
        if form.message.data and form.message.data.strip():
            if intake.add_once(db.session(), sealer, form.code.data, form.message.data, form.nonce.data):
                flash(_("Your message was added."), "success")
        view = intake.view_receipt(db.session(), sealer, form.code.data)
    except HubError as exc:
        discard_writes()
        flash(_(exc.message), "error")
        return _private(render_template("reporter/follow_up.html", form=form), exc.status)
    form.message.data = ""
    form.nonce.data = handles.new_nonce()
    return _private(render_template("reporter/thread.html", form=form, view=view))


@bp.get("/transparency")
@public
def transparency() -> ResponseReturnValue:
    """Aggregate counts per quarter; counts below 5 are shown as "fewer than 5"."""
    rows = aggregates.transparency(db.session())
    quarters = sorted({row.quarter for row in rows}, reverse=True)
    return render_template(
        "reporter/transparency.html",
        rows=rows,
        times=aggregates.response_times(db.session()),
        quarters=quarters,
        threshold=aggregates.SUPPRESS_BELOW,
    )


@bp.get("/transparency.csv")
@public
def transparency_csv() -> Response:
    """Every public figure as CSV."""
    response = Response(aggregates.transparency_csv(db.session()), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="transparency.csv"'
    return response
