"""What a mail says about reports, cases, moderation, applications and dead letters: what happened and a link.

A reporter's words, contact and traces stay sealed in the hub; none of them is ever put in a mail.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_babel import gettext as _

from hub.notify.accounts import unseal
from hub.notify.audience import AnySession
from hub.notify.compose import Content, Item
from hub.notify.models import Delivery
from hub.notify.settings import base_url
from hub.orgs.onboarding_models import Application
from hub.reports.models import Escalation
from hub.stix.models import ObjectVersion

Composer = Callable[[AnySession, dict[str, Any]], Content | None]


def _report_new(session: AnySession, refs: dict[str, Any]) -> Content:
    url = f"{base_url()}/reports/{refs['report_id']}"
    return Content(
        _("A new incident report is in the queue"),
        _("Report %(id)s was filed. Open the queue to triage it.", id=refs["report_id"]),
        [Item(_("Open the report"), url)],
    )


def _report_followup(session: AnySession, refs: dict[str, Any]) -> Content:
    url = f"{base_url()}/reports/{refs['report_id']}"
    return Content(
        _("A reporter added a message to report %(id)s", id=refs["report_id"]),
        _("The reporter came back with their receipt code and wrote to you."),
        [Item(_("Open the report"), url)],
    )


def _escalation_answer(session: AnySession, refs: dict[str, Any]) -> Content | None:
    escalation = session.get(Escalation, refs["escalation_id"])
    if escalation is None:
        return None
    return Content(
        _("A platform answered an escalation"),
        _(
            "%(platform)s answered the escalation of report %(id)s: %(outcome)s.",
            platform=escalation.platform.name,
            id=escalation.report_id,
            outcome=escalation.outcome,
        ),
        [Item(_("Open the report"), f"{base_url()}/reports/{escalation.report_id}")],
    )


def _case_new(session: AnySession, refs: dict[str, Any]) -> Content:
    return Content(
        _("A new case was escalated to your platform"),
        _(
            "A helpline escalated case %(id)s to you. Read it and answer in the hub or through the API.",
            id=refs["escalation_id"],
        ),
        [Item(_("Open the case"), f"{base_url()}/platform/cases/{refs['escalation_id']}")],
    )


def _moderation(session: AnySession, refs: dict[str, Any]) -> Content | None:
    version = session.get(ObjectVersion, refs["version_id"])
    if version is None:
        return None
    decisions = {"approved": _("approved"), "rejected": _("rejected"), "withdrawn": _("withdrawn")}
    return Content(
        _("A decision on your post"),
        _(
            "A coordinator decided on your post (%(type)s): %(decision)s.",
            decision=decisions.get(refs.get("decision", ""), refs.get("decision", "")),
            type=version.type,
        ),
        [Item(_("Open it"), f"{base_url()}/collections/{version.collection_id}/objects/{version.stix_id}")],
    )


def _application_new(session: AnySession, refs: dict[str, Any]) -> Content:
    return Content(
        _("A new application to join"),
        _("An organisation applied to join the hub."),
        [Item(_("Open the application"), f"{base_url()}/admin/applications/{refs['application_id']}")],
    )


def _application_decision(session: AnySession, refs: dict[str, Any]) -> Content | None:
    application = session.get(Application, refs["application_id"])
    if application is None:
        return None
    if application.status == "approved":
        intro = _(
            "Your application for %(name)s was approved. A coordinator will send you an invitation link.",
            name=application.name,
        )
    elif application.status == "rejected":
        intro = _("Your application for %(name)s was not accepted.", name=application.name)
    else:
        intro = _(
            "A coordinator has a question about your application for %(name)s; "
            "open your status link to answer.",
            name=application.name,
        )
    return Content(_("A decision on your application"), intro, note=application.decision_reason or "")


def _dead(session: AnySession, refs: dict[str, Any]) -> Content | None:
    delivery = session.get(Delivery, refs["delivery_id"])
    if delivery is None:
        return None
    return Content(
        _("A notification could not be delivered"),
        _(
            "Delivery %(id)s (%(channel)s) failed after %(attempts)s attempts: %(error)s",
            id=delivery.id,
            channel=delivery.channel,
            attempts=delivery.attempts,
            error=delivery.last_error or "",
        ),
        [Item(_("Review failed deliveries"), f"{base_url()}/admin/deliveries")],
    )


def _account_link(session: AnySession, refs: dict[str, Any]) -> Content | None:
    secret = unseal(refs["sealed"])
    if secret is None:
        return None
    link = Item(_("Choose your password"), f"{base_url()}/join/invite/{secret}")
    if refs.get("purpose") == "invite":
        intro = _(
            "You were invited to the hub. Open this one-time link within 7 days to choose your password."
        )
    else:
        intro = _(
            "Someone asked to reset the password of your account. If it was you, open this one-time link "
            "within 7 days; if not, ignore this mail: your password stays as it is."
        )
    return Content(_("Your link to the hub"), intro, [link])


COMPOSERS: dict[str, Composer] = {
    "account.link": _account_link,
    "reports.new": _report_new,
    "reports.followup": _report_followup,
    "escalation.answer": _escalation_answer,
    "cases.new": _case_new,
    "moderation": _moderation,
    "applications.new": _application_new,
    "application.decision": _application_decision,
    "deliveries.dead": _dead,
}
