"""The platforms' pages: the cases a helpline escalated to the user's organisation, with only the fields the
reporter consented to, and the platform's answer."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from hub.extensions import db
from hub.reports import triage
from hub.reports.crypto import Sealer, sealer_for
from hub.reports.forms import AnswerForm
from hub.reports.labels import report_labels
from hub.reports.models import Outcome
from hub.web.auth import current_principal
from hub.web.nav import add_nav_item

bp = Blueprint("platform", __name__)
bp.add_app_template_global(report_labels)


def _sealer() -> Sealer:
    return sealer_for(current_app)


@bp.get("/platform/cases")
def cases() -> ResponseReturnValue:
    """The cases escalated to the user's organisation."""
    return render_template(
        "platform/cases.html",
        escalations=triage.list_platform_cases(db.session(), current_principal()),
    )


@bp.route("/platform/cases/<id:escalation_id>", methods=["GET", "POST"])
def case(escalation_id: int) -> ResponseReturnValue:
    """One escalated case with only the consented fields, and the platform's answer."""
    p = current_principal()
    found = triage.get_platform_case(db.session(), p, _sealer(), escalation_id)
    form = AnswerForm()
    if form.validate_on_submit():
        triage.answer_escalation(
            db.session(), p, _sealer(), escalation_id, Outcome(form.outcome.data), form.note.data or ""
        )
        flash(_("Your answer was recorded."), "success")
        target = url_for("platform.case", escalation_id=escalation_id)
        return redirect(target, 303)
    return render_template("platform/case.html", case=found, form=form)


def _has_cases(p: object) -> bool:
    return triage.has_platform_cases(db.session(), p)  # type: ignore[arg-type]


add_nav_item(bp, "platform.cases", _l("Escalated cases"), _has_cases, 62)
