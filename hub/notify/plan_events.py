"""Planning every event but new objects: reports, escalations, moderation, applications, dead letters, tests.

These messages carry no report content (that stays sealed in the hub); they say what happened and link to it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from hub.notify.audience import AnySession
from hub.notify.models import Channel, Delivery, Webhook
from hub.notify.plan_objects import plan_objects
from hub.notify.recipients import (
    Recipient,
    coordinators,
    helpline_members,
    hooks_to,
    mail_to,
    org_members,
    webhooks_for,
)
from hub.orgs.models import User
from hub.orgs.onboarding_models import Application
from hub.reports.models import Escalation, Helpline, Report
from hub.stix.models import ObjectVersion

Planner = Callable[[AnySession, dict[str, Any]], Iterator[Recipient]]


def _helpline_org_ids(session: AnySession) -> list[int]:
    return [helpline.org_id for helpline in session.query(Helpline).all()]


def _report_new(session: AnySession, refs: dict[str, Any]) -> Iterator[Recipient]:
    yield from mail_to(session, helpline_members(session), "reports.new", refs)
    yield from hooks_to(webhooks_for(session, "reports", _helpline_org_ids(session)), "reports.new", refs)


def _report_followup(session: AnySession, refs: dict[str, Any]) -> Iterator[Recipient]:
    report = session.get(Report, refs["report_id"])
    if report is None:
        return
    assignee = report.assignee
    people = [assignee.id] if assignee is not None and assignee.is_active else helpline_members(session)
    yield from mail_to(session, people, "reports.followup", refs)
    yield from hooks_to(
        webhooks_for(session, "reports", _helpline_org_ids(session)), "reports.followup", refs
    )


def _escalation_new(session: AnySession, refs: dict[str, Any]) -> Iterator[Recipient]:
    escalation = session.get(Escalation, refs["escalation_id"])
    if escalation is None:
        return
    yield from mail_to(session, org_members(session, escalation.platform_org_id), "cases.new", refs)
    yield from hooks_to(webhooks_for(session, "cases", [escalation.platform_org_id]), "cases.new", refs)


def _escalation_answered(session: AnySession, refs: dict[str, Any]) -> Iterator[Recipient]:
    escalation = session.get(Escalation, refs["escalation_id"])
    if escalation is None:
        return
    people = [escalation.escalated_by_id, escalation.report.assignee_id]
    active = [
        uid for uid in people if uid is not None and (u := session.get(User, uid)) is not None and u.is_active
    ]
    yield from mail_to(session, active, "escalation.answer", refs)


def _moderation(session: AnySession, refs: dict[str, Any]) -> Iterator[Recipient]:
    version = session.get(ObjectVersion, refs["version_id"])
    if version is not None and version.author_id is not None:
        yield from mail_to(session, [version.author_id], "moderation", refs)


def _application_new(session: AnySession, refs: dict[str, Any]) -> Iterator[Recipient]:
    yield from mail_to(session, coordinators(session), "applications.new", refs)


def _application_decided(session: AnySession, refs: dict[str, Any]) -> Iterator[Recipient]:
    application = session.get(Application, refs["application_id"])
    if application is not None:  # to the contact address the applicant gave; no account exists yet
        yield Recipient(Channel.EMAIL, "application.decision", refs, address=application.contact_email)


def _delivery_dead(session: AnySession, refs: dict[str, Any]) -> Iterator[Recipient]:
    delivery = session.get(Delivery, refs["delivery_id"])
    if delivery is not None and delivery.topic != "deliveries.dead":  # never a loop of dead letters
        yield from mail_to(session, coordinators(session), "deliveries.dead", refs)


def _webhook_test(session: AnySession, refs: dict[str, Any]) -> Iterator[Recipient]:
    hook = session.get(Webhook, refs["webhook_id"])
    if hook is not None and hook.is_active:
        yield Recipient(Channel.WEBHOOK, "test", refs, webhook_id=hook.id)


def _account_link(session: AnySession, refs: dict[str, Any]) -> Iterator[Recipient]:
    user = session.get(User, refs["user_id"])
    if user is not None and user.is_active:  # transactional: no subscription can turn it off
        yield Recipient(Channel.EMAIL, "account.link", refs, user_id=user.id)


def _digest(session: AnySession, refs: dict[str, Any]) -> Iterator[Recipient]:
    user = session.get(User, refs["user_id"])
    if user is not None and user.is_active:
        yield Recipient(Channel.EMAIL, "digest", {"version_ids": refs["version_ids"]}, user_id=user.id)


PLANNERS: dict[str, Planner] = {
    "digest": _digest,
    "objects.added": plan_objects,
    "report.new": _report_new,
    "report.followup": _report_followup,
    "escalation.new": _escalation_new,
    "escalation.answered": _escalation_answered,
    "moderation.decided": _moderation,
    "application.new": _application_new,
    "application.decided": _application_decided,
    "delivery.dead": _delivery_dead,
    "webhook.test": _webhook_test,
    "account.link": _account_link,
}
