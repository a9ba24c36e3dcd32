"""Who is asking: a principal resolved once per request into the plain values the visibility rule needs."""

from __future__ import annotations

from dataclasses import dataclass, field

from hub.orgs.models import Role, Tier


@dataclass(frozen=True, slots=True)
class Principal:
    """Anonymous, or a user (through a session or an API token) of an organisation.

    `readable`, `writable` and `named` are collection ids, computed by `hub.policy.resolve` from the
    collections' rules; everything else is copied from the user and organisation rows.
    """

    user_id: int | None = None
    org_id: int | None = None
    email: str | None = None
    role: Role | None = None
    tier: Tier | None = None
    org_active: bool = False
    readable: frozenset[str] = field(default_factory=frozenset)
    writable: frozenset[str] = field(default_factory=frozenset)
    named: frozenset[str] = field(default_factory=frozenset)

    @property
    def known(self) -> frozenset[str]:
        """Collections `p` may know exist (read or write them); any other is answered as if it did not."""
        return self.readable | self.writable

    @property
    def is_anonymous(self) -> bool:
        """True when nobody is logged in."""
        return self.user_id is None

    @property
    def is_vetted(self) -> bool:
        """Active organisation at tier `vetted` or above: may read GREEN, AMBER and AMBER+STRICT."""
        return self.org_active and self.tier is not None and self.tier >= Tier.VETTED

    @property
    def is_coordinator(self) -> bool:
        """A coordinator of an active organisation: moderates, but is no superuser of content."""
        return self.org_active and self.role == Role.COORDINATOR

    @property
    def is_org_admin(self) -> bool:
        """May manage the users and tokens of its own organisation."""
        return self.org_active and self.role in (Role.ORG_ADMIN, Role.COORDINATOR)


ANONYMOUS_BASE = Principal()
