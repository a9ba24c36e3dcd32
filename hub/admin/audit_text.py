"""The audit log as sentences people read: "coordinator@hub.example raised Rights Watch to trusted".

Each action code has one translated sentence; targets are named (`hub.audit.names`), tiers, roles and proposal
kinds are words (`hub.web.labels`), and the reason is shown as written. No JSON reaches the page or the CSV.
An action code without a sentence here (added by a newer change) is still shown, as its translated generic
form; `tests/admin/test_audit_pages.py` fails until every code the hub records has its own sentence.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from hub.audit import names
from hub.audit.queries import AuditRow
from hub.orgs.models import Tier
from hub.web.labels import proposal_kind, tier_label

SENTENCES: dict[str, LazyString] = {
    "application.submit": _l("%(target)s applied to join the hub"),
    "application.answer": _l("%(target)s answered a coordinator's question"),
    "application.approve": _l("%(actor)s approved the application of %(target)s"),
    "application.request-info": _l("%(actor)s asked %(target)s for more information"),
    "application.reject": _l("%(actor)s rejected the application of %(target)s"),
    "collection.add": _l("%(actor)s created the channel %(target)s"),
    "collection.edit": _l("%(actor)s edited the title or description of the channel %(target)s"),
    "collection.set-rules": _l("%(actor)s changed who may read and write the channel %(target)s"),
    "feed.add": _l("%(actor)s set up the feed %(target)s"),
    "feed.remove": _l("%(actor)s removed the feed %(target)s"),
    "group.add": _l("%(actor)s created the sharing group %(target)s"),
    "group.set-members": _l("%(actor)s changed the members of the sharing group %(target)s"),
    "helpline.designate": _l("%(actor)s made %(target)s a helpline"),
    "helpline.revoke": _l("%(actor)s ended the helpline role of %(target)s"),
    "object.approve": _l("%(actor)s approved %(target)s"),
    "object.reject": _l("%(actor)s rejected %(target)s"),
    "object.withdraw": _l("%(actor)s withdrew %(target)s"),
    "object.delete": _l("%(actor)s deleted %(target)s"),
    "org.add": _l("%(actor)s added the organisation %(target)s"),
    "org.raise": _l("%(actor)s raised %(target)s to %(tier)s"),
    "org.lower": _l("%(actor)s lowered %(target)s to %(tier)s"),
    "org.suspend": _l("%(actor)s suspended %(target)s"),
    "org.reinstate": _l("%(actor)s reinstated %(target)s"),
    "proposal.open": _l("%(actor)s proposed a change: %(target)s"),
    "proposal.approve": _l("%(actor)s approved a proposed change: %(target)s"),
    "proposal.reject": _l("%(actor)s closed a proposed change without making it: %(target)s"),
    "proposal.stale": _l("%(actor)s found a proposed change out of date: %(target)s"),
    "report.publish": _l("%(actor)s published intelligence from report %(target)s"),
    "report.purge": _l("%(actor)s deleted reports past their retention period"),
    "report.status": _l("%(actor)s changed the status of report %(target)s"),
    "report.assign": _l("%(actor)s assigned report %(target)s"),
    "report.escalate": _l("%(actor)s escalated report %(target)s to %(org)s"),
    "report.platform-answer": _l("%(actor)s answered report %(target)s for %(org)s"),
    "token.issue": _l("%(actor)s created the API token %(target)s"),
    "token.revoke": _l("%(actor)s revoked the API token %(target)s"),
    "user.add": _l("%(actor)s added the account %(target)s"),
    "user.invite": _l("%(actor)s sent an invitation or a new password link to %(target)s"),
    "user.accept-invite": _l("%(target)s chose a password through an invitation link"),
    "user.activate": _l("%(actor)s reactivated the account %(target)s"),
    "user.deactivate": _l("%(actor)s deactivated the account %(target)s"),
    "user.move": _l("%(actor)s moved the account %(target)s to %(org)s"),
    "user.totp-reset": _l("%(actor)s reset the second factor of %(target)s"),
    "user.totp-enable": _l("%(actor)s turned on a second factor"),
    "user.totp-disable": _l("%(actor)s turned off their second factor"),
    "user.password-change": _l("%(actor)s changed their password"),
    "user.login-delayed": _l("Logging in to %(target)s was slowed down after failed attempts"),
}
GENERIC = _l("%(actor)s: %(action)s, %(target)s")
RECORDED = sorted({*SENTENCES} - {"org.raise", "org.lower"} | {"org.set-tier"})
"""Every action code the hub records (the tier change has two sentences, raised and lowered)."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One event as people read it."""

    row: AuditRow
    actor: str
    sentence: str
    reason: str


def action_choices() -> list[tuple[str, str]]:
    """(code, what it means) for the action filter, in the reader's language."""
    return sorted(((code, _action_name(code)) for code in RECORDED), key=lambda pair: pair[1].casefold())


def _action_name(code: str) -> str:
    if code == "org.set-tier":
        changed: str = _("%(actor)s changed the tier of %(target)s", actor="…", target="…")
        return changed
    text: str = str(SENTENCES[code]) % {"actor": "…", "target": "…", "org": "…", "tier": "…"}
    return text


def entries(session: Session, rows: list[AuditRow], *, isolate: bool = True) -> list[Entry]:
    """The sentences of a page (or, with `isolate` off, an export) of events.

    `isolate`: each name goes between Unicode's first-strong and pop isolates (U+2068, U+2069), so an email
    or a STIX id keeps its own direction inside an Arabic or Persian sentence instead of reordering it."""
    targets = names.target_names(session, rows)
    details = [names.details(row) for row in rows]
    others = names.org_names(
        session, [d["to_org_id"] for d in details if isinstance(d.get("to_org_id"), int)]
    )
    return [_entry(row, d, targets, others, isolate) for row, d in zip(rows, details, strict=True)]


def _entry(
    row: AuditRow,
    detail: dict[str, Any],
    targets: dict[tuple[str, str], str],
    others: dict[int, str],
    isolate: bool,
) -> Entry:
    event = row.event
    actor = row.actor_email or _("the hub or an operator")
    target = targets.get((event.target_type, event.target_id), event.target_id)
    if event.target_type == "proposal" and (event.target_type, event.target_id) in targets:
        target = proposal_kind(target)
    if event.target_type == "feed" and detail.get("name"):
        target = str(detail["name"])
    org = others.get(detail.get("to_org_id", -1), row.org or "")
    code, tier = event.action, ""
    if code == "org.set-tier":
        before, after = (_tier(detail.get("before")), _tier(detail.get("after")))
        code = "org.lower" if after is not None and before is not None and after < before else "org.raise"
        tier = tier_label(after) if after is not None else ""
    values = {"actor": actor, "target": target, "org": org, "tier": tier, "action": event.action}
    if isolate:
        values = {key: f"\u2068{value}\u2069" for key, value in values.items()}
    template = SENTENCES.get(code, GENERIC)
    return Entry(row, actor, str(template) % values, event.reason or "")


def _tier(value: object) -> Tier | None:
    try:
        return Tier.parse(str(value)) if value is not None else None
    except ValueError:
        return None
