"""What an API token lets its holder do: its owner's reach, narrowed by the token's scope and collections.

- **Suspended organisations are told so.** A user of a suspended organisation reads what anonymous visitors
  read (`docs/access-control.md`). Served silently, a platform's poller holding such a token would never learn
  that it was cut off; so every surface a token or a login opens for machines (TAXII, the lookup API, exports)
  refuses it with 403 and says why.
- **Scopes.** A `read` token may not post or delete (TAXII answers 403 before doing anything); a token limited
  to some collections sees the others as if they did not exist. Both narrow the principal itself (`narrowed`),
  so the visibility rule and the write rules apply them on every path without knowing about tokens.
- **Escalated cases** (`/api/v1/cases`) belong to no collection, so narrowing cannot reach them:
  `require_case_access` lets a read-only token read cases but not answer them, and keeps a token limited to
  collections (a TAXII poller's, say) away from reporters' words altogether.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy.orm import Session, scoped_session

from hub.errors import PermissionDenied
from hub.orgs.models import ApiToken, TokenScope
from hub.orgs.tokens import token_for_authorization
from hub.policy import version, version_check
from hub.policy.principal import ANONYMOUS_BASE, Principal
from hub.policy.principal_cache import Credentials, PrincipalCache, TokenGrant
from hub.policy.resolve import principal_for, resolve_collections
from hub.reads import first_read

READING_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


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


def narrowed(p: Principal, scope: TokenScope, collections: frozenset[str] | None) -> Principal:
    """`p` as a token of this scope and these collections (None: all) may act: never more than `p`."""
    readable, writable, named = p.readable, p.writable, p.named
    if collections is not None:
        readable, writable, named = readable & collections, writable & collections, named & collections
    if scope is TokenScope.READ:
        writable = frozenset()
    return replace(p, readable=readable, writable=writable, named=named)


def principal_for_token(session: Session | scoped_session[Session], token: ApiToken | None) -> Principal:
    """The principal a request presenting `token` acts as (anonymous without one).

    :raises OrganisationSuspended: the owner's organisation is suspended."""
    if token is None:
        return resolve_collections(session, ANONYMOUS_BASE)
    p = principal_for(session, token.user)
    require_active_organisation(p)
    return narrowed(p, TokenScope(token.scope), token.collection_ids)


def credentials_for(
    session: Session | scoped_session[Session], header: str | None, cache: PrincipalCache
) -> Credentials | None:
    """What a request presenting this `Authorization` header acts as (anonymous without one); None when the
    header presents no valid token. Served from `cache` while the policy version has not moved.

    The version is read before anything else, so an entry is never tagged newer than the rows it was built
    from; as the request's first statement it is also its connection's liveness check (`hub.reads`).
    :raises OrganisationSuspended: the owner's organisation is suspended (never cached)."""
    current = first_read(session, lambda: version.current(session))
    key = cache.key(header)
    cached = cache.get(key, current)
    if cached is not None:
        return cached
    token = None if header is None else token_for_authorization(session, header)
    if header is not None and token is None:
        return None
    principal = principal_for_token(session, token)
    credentials = Credentials(principal, *_grant(token))
    cache.put(key, current, credentials)
    return credentials


def unchecked_credentials(header: str | None, cache: PrincipalCache) -> Credentials | None:
    """What `cache` holds for this header, used before the policy version is read: the request must check
    the version before anything read with these leaves it (`hub.policy.version_check`, which `defer`s
    here). None when nothing fresh is cached: resolve with `credentials_for` instead."""
    found = cache.peek(cache.key(header))
    if found is None:
        return None
    version_check.defer(found[1])
    return found[0]


def _grant(token: ApiToken | None) -> tuple[TokenGrant | None, datetime | None]:
    if token is None:
        return None, None
    return TokenGrant(token.id, token.scope, token.collection_ids), token.expires_at


def require_method_allowed(token: TokenGrant | None, method: str) -> None:
    """A read-only token only reads. :raises PermissionDenied: anything but GET/HEAD/OPTIONS with one."""
    if token is not None and token.scope == TokenScope.READ and method.upper() not in READING_METHODS:
        raise PermissionDenied(
            "this API token is read-only: it may not add or delete objects; create a read-write token "
            "for that"
        )


def require_case_access(token: TokenGrant, answering: bool) -> None:
    """A token may read (or, `answering`, answer) the cases escalated to its owner's platform.

    :raises PermissionDenied: the token is limited to collections, or read-only and `answering`."""
    if token.collection_ids is not None:
        raise PermissionDenied(
            "this API token is limited to collections, and escalated cases belong to none: use a token that "
            "is not limited to collections"
        )
    if answering and token.scope == TokenScope.READ:
        raise PermissionDenied(
            "this API token is read-only: it may read cases but not answer them; create a read-write token "
            "for that"
        )
