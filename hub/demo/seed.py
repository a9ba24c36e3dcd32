"""Seeding the demo hub through the same services users call; safe to run again."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.demo import objects
from hub.orgs import service as orgs
from hub.orgs.models import Organisation
from hub.policy.resolve import principal_for
from hub.policy.tlp import Tlp
from hub.reports.crypto import Sealer
from hub.reports.intake import ReportInput, submit_report
from hub.reports.triage import designate_helpline
from hub.sharing import service as sharing
from hub.stix.ingest import add_objects

DEMO_PASSWORD = "demo-password"


@dataclass(frozen=True, slots=True)
class DemoUser:
    """A demo account and what it shows."""

    email: str
    org: str
    role: str
    shows: str


ORGS = [
    ("Hub Coordination", "coordinator", "trusted"),
    ("Digital Defenders Helpline", "cert", "trusted"),
    ("Frontline Rights Watch", "ngo", "vetted"),
    ("Example Social", "platform", "vetted"),
    ("New Voices Collective", "hrd", "registered"),
]

USERS = [
    DemoUser(
        "coordinator@hub.example",
        "Hub Coordination",
        "coordinator",
        "vets members, moderates, sees the audit log",
    ),
    DemoUser(
        "analyst@helpline.example",
        "Digital Defenders Helpline",
        "org-admin",
        "helpline responder (incident reports); named reader of the escalations channel: TLP:RED",
    ),
    DemoUser(
        "researcher@rightswatch.example", "Frontline Rights Watch", "member", "vetted: sees GREEN and AMBER"
    ),
    DemoUser("trust-safety@social.example", "Example Social", "member", "a platform's trust-and-safety team"),
    DemoUser(
        "member@newvoices.example",
        "New Voices Collective",
        "member",
        "registered tier: sees CLEAR; what it posts is quarantined",
    ),
]


def seed(session: Session) -> bool:
    """Create the demo organisations, users, channels and objects; returns False when they already exist."""
    if session.scalar(select(Organisation.id).where(Organisation.name == ORGS[0][0])) is not None:
        return False
    for name, kind, tier in ORGS:
        orgs.add_org(session, None, name, kind, tier)
    for user in USERS:
        orgs.add_user(session, None, user.email, orgs.get_org(session, user.org), user.role, DEMO_PASSWORD)
    orgs.add_group(
        session, None, "Spyware responders", ["Digital Defenders Helpline", "Frontline Rights Watch"]
    )
    public = sharing.add_collection(
        session,
        None,
        "Public advisories",
        alias="public",
        default_tlp=Tlp.CLEAR,
        description="TLP:CLEAR advisories anyone may read, including without an account.",
        read=["public"],
        write=["tier:vetted"],
    )
    community = sharing.add_collection(
        session,
        None,
        "Community threat feed",
        alias="community",
        description="Indicators shared among members; unvetted members' posts are moderated.",
        read=["tier:registered"],
        write=["tier:registered"],
    )
    escalation = sharing.add_collection(
        session,
        None,
        "Helpline escalations",
        alias="escalations",
        default_tlp=Tlp.AMBER_STRICT,
        description="Cases the helpline escalates to platforms; RED objects reach named readers only.",
        read=[
            "org:Digital Defenders Helpline",
            "org:Example Social",
            "user:analyst@helpline.example",
            "user:trust-safety@social.example",
        ],
        write=["org:Digital Defenders Helpline"],
    )
    session.flush()
    helpline = orgs.get_user(session, "analyst@helpline.example")
    producer = helpline.org.identity_id
    p = principal_for(session, helpline)
    add_objects(session, p, public.id, objects.public_advisories(producer))
    add_objects(session, p, community.id, objects.community_feed(producer))
    add_objects(session, p, escalation.id, objects.escalations(producer))
    return True


def seed_report(session: Session, sealer: Sealer) -> str:
    """Make the helpline a responder and file an incident report as an HRD would; returns its receipt code."""
    helpline = orgs.get_org(session, "Digital Defenders Helpline")
    designate_helpline(session, None, helpline)
    platform = orgs.get_org(session, "Example Social")
    _, code = submit_report(
        session,
        sealer,
        ReportInput(
            category="impersonation",
            language="ar",
            text="حساب ينتحل شخصيتي ويراسل زملائي طالباً أرقام هواتفهم.",
            traces="@defender_official_real\nhttps://social.example/defender_official_real",
            platform_ids=(platform.id,),
            may_share=True,
            share_max_tlp=Tlp.GREEN,
            may_escalate=True,
        ),
    )
    return code
