"""What a credential lets its holder do beyond the visibility rule: suspended organisations are told so.

A user of a suspended organisation reads what anonymous visitors read (`docs/access-control.md`). Served
silently, a platform's poller holding such a token would never learn that it was cut off; so every surface a
token or a login opens for machines (TAXII, the lookup API, exports) refuses it with 403 and says why.
"""

from __future__ import annotations

from hub.errors import PermissionDenied
from hub.policy.principal import Principal


class OrganisationSuspended(PermissionDenied):
    """The principal's organisation is suspended."""

    def __init__(self) -> None:
        super().__init__(
            "your organisation is suspended: its API tokens and exports are refused until a coordinator "
            "reinstates it"
        )


def require_active_organisation(p: Principal) -> None:
    """:raises OrganisationSuspended: `p` is a user whose organisation is suspended."""
    if not p.is_anonymous and not p.org_active:
        raise OrganisationSuspended()
