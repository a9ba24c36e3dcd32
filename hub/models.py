"""Import every model so that SQLAlchemy's metadata (and Alembic) knows all tables."""

from hub.approvals.models import Proposal
from hub.audit.models import AuditEvent
from hub.interop.feeds.models import Feed
from hub.notify.models import Delivery, DigestItem, Event, MemberKey, Subscription, Webhook
from hub.orgs.models import ApiToken, Organisation, SharingGroup, User
from hub.orgs.onboarding_models import Application, Invite
from hub.policy.version import PolicyVersion
from hub.ratelimits import RateLimitCounter
from hub.reports.models import Escalation, Helpline, IntakeHandle, Report, ReportMessage
from hub.search.models import ObjectLink, SearchText
from hub.sharing.models import AccessRule, Collection
from hub.stix.models import ObjectVersion, Submission
from hub.stix.observable_index import IndexedObservable

__all__ = [
    "AccessRule",
    "ApiToken",
    "Application",
    "AuditEvent",
    "Delivery",
    "DigestItem",
    "Event",
    "MemberKey",
    "PolicyVersion",
    "Subscription",
    "Webhook",
    "Collection",
    "Escalation",
    "Feed",
    "Helpline",
    "IndexedObservable",
    "IntakeHandle",
    "Invite",
    "ObjectLink",
    "ObjectVersion",
    "Organisation",
    "Proposal",
    "RateLimitCounter",
    "Report",
    "ReportMessage",
    "SearchText",
    "SharingGroup",
    "Submission",
    "User",
]
