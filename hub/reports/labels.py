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
    "time to triage": _l("From receipt to triage"),
    "time to first response": _l("From receipt to the first reply"),
    "escalation to platform answer": _l("From escalation to the platform's answer"),
    "escalated": _l("Escalated to a platform"),
    "answered": _l("Answered by the platform"),
    "actioned": _l("Platform took action"),
    "share actioned (%)": _l("Share of escalations the platform acted on (%)"),
    "open": _l("Open"),
    "resolved": _l("Resolved"),
    "indicators-shared": _l("Indicators shared"),
    "platform-actioned": _l("Platform took action"),
    "platform-declined": _l("Platform declined"),
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


def duration(hours: float) -> str:
    """A duration for people: "45 min", "5 h 20 min", "3 days 4 h" (medians are stored in hours)."""
    minutes = round(hours * 60)
    if minutes < 60:
        return str(_l("%(minutes)d min", minutes=minutes))
    if minutes < 48 * 60:
        return str(_l("%(hours)d h %(minutes)d min", hours=minutes // 60, minutes=minutes % 60))
    return str(_l("%(days)d days %(hours)d h", days=minutes // 1440, hours=minutes % 1440 // 60))
