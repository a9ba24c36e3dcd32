"""Words for the codes the hub stores: tiers, kinds of organisation, roles, moderation states, proposal kinds.

Codes such as `ngo`, `vetted` or `org-admin` are what rules, the command line and the database speak; people
read the translated word. Templates use the filters registered in `hub.web.templating` (`tier_label`,
`org_kind`, `role_label`, `state_label`, `proposal_kind`); forms use the same tables for their choices. An
unknown code (a value written by a newer version) is shown as it is rather than hidden.
"""

from __future__ import annotations

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from hub.orgs.models import OrgType, Role, Tier
from hub.stix.models import State

TIER_LABELS: dict[Tier, LazyString] = {
    Tier.REGISTERED: _l("registered"),
    Tier.VETTED: _l("vetted"),
    Tier.TRUSTED: _l("trusted"),
}

ORG_KIND_LABELS: dict[str, LazyString] = {
    OrgType.NGO.value: _l("NGO"),
    OrgType.HRD.value: _l("human-rights defender"),
    OrgType.CIVIL_SOCIETY.value: _l("civil-society group"),
    OrgType.CERT.value: _l("CERT or security team"),
    OrgType.PLATFORM.value: _l("online platform"),
    OrgType.COORDINATOR.value: _l("hub coordination"),
}

ROLE_LABELS: dict[str, LazyString] = {
    Role.MEMBER.value: _l("member"),
    Role.ORG_ADMIN.value: _l("organisation admin"),
    Role.COORDINATOR.value: _l("coordinator"),
}

STATE_LABELS: dict[State, LazyString] = {
    State.PUBLISHED: _l("published"),
    State.QUARANTINED: _l("waiting for moderation"),
    State.WITHDRAWN: _l("withdrawn"),
}

PROPOSAL_KIND_LABELS: dict[str, LazyString] = {
    "collection.update": _l("Change a channel's rules"),
    "group.members": _l("Change a sharing group's members"),
    "org.tier": _l("Change an organisation's tier"),
}

PAYLOAD_FIELD_LABELS: dict[str, LazyString] = {
    "title": _l("Title"),
    "description": _l("Description"),
    "default_tlp": _l("TLP for objects that carry none"),
    "read": _l("Who may read"),
    "write": _l("Who may write"),
    "members": _l("Member organisations"),
    "tier": _l("Tier"),
    "reason": _l("Reason"),
}


def tier_label(tier: int | str | None) -> str:
    """A tier (number, `Tier` or its code such as `vetted`) in the reader's language."""
    if tier is None or tier == "":
        return ""
    try:
        level = Tier(tier) if isinstance(tier, int) else Tier.parse(tier)
    except ValueError:
        return str(tier)
    return str(TIER_LABELS[level])


def org_kind(code: str | None) -> str:
    """A kind of organisation (`ngo`, `hrd`, ...) in the reader's language."""
    return str(ORG_KIND_LABELS.get(code or "", code or ""))


def role_label(code: str | None) -> str:
    """A role (`member`, `org-admin`, `coordinator`) in the reader's language."""
    return str(ROLE_LABELS.get(code or "", code or ""))


def state_label(state: int | None) -> str:
    """A moderation state of an object version in the reader's language."""
    try:
        return str(STATE_LABELS[State(state if state is not None else -1)])
    except ValueError:
        return str(state)


def proposal_kind(code: str) -> str:
    """What kind of change a proposal makes, in the reader's language."""
    return str(PROPOSAL_KIND_LABELS.get(code, code))


def payload_field(name: str) -> str:
    """The name of a field of a proposed change, in the reader's language."""
    return str(PAYLOAD_FIELD_LABELS.get(name, name))


FILTERS = {
    "tier_label": tier_label,
    "org_kind": org_kind,
    "role_label": role_label,
    "state_label": state_label,
    "proposal_kind": proposal_kind,
    "payload_field": payload_field,
}
