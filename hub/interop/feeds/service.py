"""Feeds: adding, listing and removing them, and keeping their credentials encrypted at rest.

Credentials (a password or an API token of the remote server) are encrypted with Fernet under a key derived
from the hub's SECRET_KEY (HKDF-SHA256); the database alone does not reveal them, and no command ever prints
them. Changing SECRET_KEY makes stored credentials unreadable: set them again with `hub feed add --replace`.
"""

from __future__ import annotations

import base64
from urllib.parse import urlsplit

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.audit.service import record
from hub.db import first_or_raise
from hub.errors import Conflict, InvalidInput
from hub.interop.feeds.models import Feed
from hub.netguard import BlockedAddress, check_url
from hub.orgs.service import get_user
from hub.policy import writing
from hub.policy.resolve import principal_for
from hub.policy.tlp import Tlp
from hub.sharing.service import get_collection_for

AUTH_KINDS = ("none", "basic", "token")


def _fernet(secret_key: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"hub feed credentials").derive(
        secret_key.encode()
    )
    return Fernet(base64.urlsafe_b64encode(key))


def seal(secret_key: str, secret: str) -> str:
    """Encrypt a credential for storage."""
    return _fernet(secret_key).encrypt(secret.encode()).decode()


def unseal(secret_key: str, feed: Feed) -> str | None:
    """The feed's credential in clear, or None. :raises InvalidInput: sealed under another SECRET_KEY."""
    if feed.secret_ciphertext is None:
        return None
    try:
        return _fernet(secret_key).decrypt(feed.secret_ciphertext.encode()).decode()
    except InvalidToken:
        raise InvalidInput(
            f"feed {feed.name!r}: its stored credential cannot be decrypted (was SECRET_KEY "
            "changed?); add the feed again with --replace"
        ) from None


def add_feed(
    session: Session,
    secret_key: str,
    name: str,
    *,
    api_root_url: str,
    remote_collection_id: str,
    local_collection_id: str,
    email: str,
    auth_kind: str = "none",
    username: str | None = None,
    secret: str | None = None,
    tlp_max: Tlp = Tlp.AMBER,
    community: bool = False,
    replace: bool = False,
    allow_private: bool = False,
) -> Feed:
    """Add (or with `replace`, redefine) a feed; the acting user must be able to write the local collection.

    :raises NotFound: unknown user or collection. :raises InvalidInput: bad URL or auth. :raises Conflict:
    name taken.
    """
    name = name.strip()
    if not name:
        raise InvalidInput("a feed needs a name")
    _check_url(api_root_url, allow_private)
    if auth_kind not in AUTH_KINDS or (auth_kind == "none") != (secret is None):
        raise InvalidInput("give either no credential, --user with --password-stdin, or --token-stdin")
    if secret is not None and not _safe_transport(api_root_url):
        raise InvalidInput(
            "credentials would travel in clear over http://: use https:// (plain http is accepted "
            "only for loopback addresses)"
        )
    user = get_user(session, email)
    p = principal_for(session, user)
    collection = get_collection_for(session, p, local_collection_id)
    if not writing.may_write(p, collection.id):
        raise InvalidInput(f"{user.email} may not add objects to collection {collection.id}")
    feed = session.scalar(select(Feed).where(Feed.name == name))
    if feed is not None and not replace:
        raise Conflict(f"a feed named {name!r} already exists (use --replace to redefine it)")
    if feed is None:
        feed = Feed(name=name, push_cursor=0)
        session.add(feed)
    url = api_root_url.rstrip("/") + "/"
    if (feed.api_root_url, feed.remote_collection_id, feed.local_collection_id) != (
        url,
        remote_collection_id,
        collection.id,
    ):
        feed.pull_cursor, feed.push_cursor = None, 0  # the cursors belonged to the other pair of collections
    feed.api_root_url = url
    feed.remote_collection_id = remote_collection_id
    feed.local_collection_id = collection.id
    feed.user_id = user.id
    feed.auth_kind = auth_kind
    feed.username = username
    feed.secret_ciphertext = seal(secret_key, secret) if secret is not None else None
    feed.tlp_max = int(tlp_max)
    feed.is_community = community
    session.flush()
    record(
        session,
        None,
        "feed.add",
        "feed",
        str(feed.id),
        name=name,
        url=feed.api_root_url,
        remote=remote_collection_id,
        local=collection.id,
        tlp_max=tlp_max.label,
        community=community,
    )
    return feed


def _check_url(url: str, allow_private: bool) -> None:
    """An http(s) URL without credentials in it, not aimed at an internal address (unless allowed).
    :raises InvalidInput:"""
    if not url.startswith(("https://", "http://")):
        raise InvalidInput("--url must be the remote API root's URL, e.g. https://hub.example/taxii2/api/")
    parts = urlsplit(url)
    if parts.username or parts.password:
        raise InvalidInput(
            "--url must not carry a user name or token: give credentials on stdin "
            "(--user with --password-stdin, or --token-stdin), where they are stored encrypted"
        )
    try:
        check_url(url, allow_private, unresolvable_ok=True)
    except BlockedAddress as exc:
        raise InvalidInput(f"{exc} (setting HUB_FEED_ALLOW_PRIVATE)") from None


def _safe_transport(url: str) -> bool:
    """https, or http to this machine only (tests, or a TLS-terminating proxy on the same host)."""
    parts = urlsplit(url)
    return parts.scheme == "https" or parts.hostname in ("localhost", "127.0.0.1", "::1")


def get_feed(session: Session, name: str) -> Feed:
    """A feed by name."""
    return first_or_raise(session, select(Feed).where(Feed.name == name), f"no feed named {name!r}")


def list_feeds(session: Session) -> list[Feed]:
    """Every feed, by name."""
    return list(session.scalars(select(Feed).order_by(Feed.name)))


def remove_feed(session: Session, name: str) -> None:
    """Forget a feed (objects it brought in stay)."""
    feed = get_feed(session, name)
    session.delete(feed)
    record(session, None, "feed.remove", "feed", str(feed.id), name=name)
