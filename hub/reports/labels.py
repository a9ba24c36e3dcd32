"""Translated labels of the reporting channel's stable values (categories, statuses, outcomes, metrics),
shared by the reporter's and the responders' pages; CSV exports keep the stable English values.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectChoice

CATEGORY_LABELS = {
    "phishing": _l("Phishing"),
    "account-compromise": _l("Account compromise"),
    "spyware": _l("Suspected spyware"),
    "harassment": _l("Harassment or doxxing"),
    "impersonation": _l("Impersonation"),
    "smear": _l("Smear or disinformation campaign"),
    "other": _l("Something else"),
}
STATUS_LABELS = {
    "new": _l("New"),
    "in-progress": _l("In progress"),
    "escalated": _l("Escalated"),
    "resolved": _l("Resolved"),
    "closed": _l("Closed"),
}
OUTCOME_LABELS = {
    "pending": _l("Awaiting an answer"),
    "acknowledged": _l("Acknowledged"),
    "actioned": _l("Actioned"),
    "declined": _l("Declined"),
}
METRIC_LABELS = {
    "time to triage": _l("time to triage"),
    "time to first response": _l("time to first response"),
    "escalation to platform answer": _l("escalation to platform answer"),
    "escalated": _l("escalated"),
    "answered": _l("answered"),
    "actioned": _l("actioned"),
    "share actioned (%)": _l("share actioned (%)"),
    "open": _l("open"),
    "resolved": _l("resolved"),
    "indicators-shared": _l("indicators shared"),
    "platform-actioned": _l("platform took action"),
    "platform-declined": _l("platform declined"),
}


SHARING_LABELS = {
    "helpline": _l("Only the helpline: the technical traces are not shared"),
    "partners": _l("Helplines and trusted partner organisations, who pass them on only where needed"),
    "community": _l("The hub's whole community, platforms included, so they can block the attackers"),
    "public": _l("Anyone: the technical traces may be published"),
}
# Brand names stay as they are; only the generic entries are translated.
SERVICE_LABELS = {
    "whatsapp": "WhatsApp",
    "facebook": "Facebook",
    "instagram": "Instagram",
    "messenger": "Messenger",
    "x": "X (Twitter)",
    "telegram": "Telegram",
    "signal": "Signal",
    "gmail": "Gmail",
    "outlook": "Outlook",
    "youtube": "YouTube",
    "tiktok": "TikTok",
    "linkedin": "LinkedIn",
    "snapchat": "Snapchat",
    "phone-operator": _l("A phone operator"),
    "other": _l("Another service"),
}


# The stable English names the figures and CSV files use.
SERVICE_NAMES = {
    value: (
        label
        if isinstance(label, str)
        else {"phone-operator": "phone operator", "other": "other service"}[value]
    )
    for value, label in SERVICE_LABELS.items()
}


def choices(labels: dict[str, object]) -> list[SelectChoice]:
    """Choices from a value -> label mapping."""
    return [SelectChoice(value, label) for value, label in labels.items()]


def report_labels() -> dict[str, dict[str, object]]:
    """Translated labels of categories, statuses and outcomes for the templates."""
    return {
        "category": dict(CATEGORY_LABELS),
        "status": dict(STATUS_LABELS),
        "outcome": dict(OUTCOME_LABELS),
        "sharing": dict(SHARING_LABELS),
        "service": dict(SERVICE_LABELS),
    }
