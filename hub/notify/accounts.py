"""Account links by email: invitations and password resets reach the user's own mailbox, never an admin's
screen.

The link's secret must reach the mail, yet the outbox must hold nothing usable: it is sealed (Fernet, with a
key derived from the app's secret key) in the event and opened only when the mail is built. The link itself is
one-time and expires (`hub.orgs.members.issue_invite`).
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app
from sqlalchemy import select

from hub.notify.audience import AnySession
from hub.notify.outbox import emit
from hub.orgs.models import User


def _fernet() -> Fernet:
    digest = hashlib.sha256(
        b"hub.notify.account-link:" + str(current_app.config["SECRET_KEY"]).encode()
    ).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def seal(secret: str) -> str:
    """The secret, encrypted for the outbox."""
    return _fernet().encrypt(secret.encode()).decode()


def unseal(token: str) -> str | None:
    """The secret, or None when the key changed since (the user asks for a new link)."""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        return None


def send_account_link(session: AnySession, user: User, secret: str, purpose: str = "reset") -> None:
    """Mail `user` their one-time link (`purpose` "invite" or "reset"), in the change's transaction."""
    emit(session, "account.link", user_id=user.id, sealed=seal(secret), purpose=purpose)


def send_password_reset(session: AnySession, email: str) -> None:
    """ "Forgot my password": a fresh link to an active account with this address; nothing otherwise.

    The caller answers the same whatever happened, so the form tells nobody which addresses have accounts.
    """
    from hub.orgs.members import issue_invite  # the members service owns links; imported late (no cycle)

    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or not user.is_active or not user.org.is_active:
        return
    issued = issue_invite(session, None, user)  # type: ignore[arg-type]
    send_account_link(session, user, issued.secret, "reset")
