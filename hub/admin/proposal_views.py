"""Coordinators' proposals page: changes one coordinator may not make alone, approved by a second one."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from hub.admin import bp
from hub.admin.forms import ActionForm, ReasonForm
from hub.admin.nav import require_coordinator_page
from hub.approvals import service as approvals
from hub.approvals.models import ProposalStatus
from hub.errors import InvalidInput
from hub.extensions import db


def flash_proposed() -> None:
    """Tell a coordinator that their change waits for a second coordinator."""
    flash(
        _(
            "This change would let you read more than you can now, so it is not made yet: it waits on the "
            "proposals page until another coordinator approves it."
        ),
        "success",
    )


@bp.get("/proposals")
def proposals() -> ResponseReturnValue:
    """Open proposals, each with what it changes, who proposed it, and Approve / Reject."""
    p = require_coordinator_page()
    rows = [
        (x, approvals.payload_of(x)) for x in approvals.list_proposals(db.session(), p, ProposalStatus.OPEN)
    ]
    return render_template(
        "admin/proposals.html", rows=rows, me=p.user_id, action=ActionForm(), form=ReasonForm()
    )


@bp.post("/proposals/<id:proposal_id>/approve")
def proposal_approve(proposal_id: int) -> ResponseReturnValue:
    """Approve: the change is made as this coordinator (refused to its proposer, and if it widens their
    reach)."""
    p = require_coordinator_page()
    if not ActionForm().validate_on_submit():
        raise InvalidInput("the form has expired; reload the page and try again")
    proposal = approvals.approve(db.session(), p, proposal_id)
    stale = proposal.status == ProposalStatus.STALE
    if stale:
        flash(_("What this proposal changes was changed since it was made; nothing was applied."), "error")
    else:
        flash(_("The change is made; the audit log names both coordinators."), "success")
    return redirect(url_for("admin.proposals"))


@bp.post("/proposals/<id:proposal_id>/reject")
def proposal_reject(proposal_id: int) -> ResponseReturnValue:
    """Reject (or, for its proposer, withdraw) a proposal, with a reason."""
    p = require_coordinator_page()
    form = ReasonForm()
    if not form.validate_on_submit():
        raise InvalidInput("a reason is required: it is kept in the audit log")
    approvals.reject(db.session(), p, proposal_id, form.reason.data)
    flash(_("The proposal is closed; nothing was changed."), "success")
    return redirect(url_for("admin.proposals"))
