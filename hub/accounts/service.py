"""Authentication and a user's own account settings. The web adapter commits; nothing here touches Flask.

A failed password or second-factor code counts towards a lockout: after `MAX_FAILURES` failures in a row the
account refuses every attempt for `LOCKOUT`, whatever is typed, so guessing costs 15 minutes per five tries.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import pyotp
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.audit.service import record
from hub.db import utcnow
from hub.errors import HubError, InvalidInput
from hub.orgs.models import Role, User
from hub.orgs.passwords import verify_password
from hub.orgs.service import normalise_email, set_password
from hub.policy.principal import Principal

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
ROLES_NEEDING_TOTP = frozenset({Role.COORDINATOR.value, Role.ORG_ADMIN.value})


REFUSED = (
    "The email address, password or code is wrong, or the account is locked for a while. Try again later."
)
CODE_MISMATCH = "That code does not match. Check the clock of your phone and type the current code."


class LoginRefused(HubError):
    """Wrong email, password or code, or a locked or deactivated account: one message for all, on purpose."""

    status = 401


def authenticate(session: Session, email: str, password: str) -> User:
    """The active user with that email and password. :raises LoginRefused: (failures are counted)"""
    user = session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None:
        verify_password(None, password)  # same cost as a real check
        raise LoginRefused(REFUSED)
    if is_locked(user):
        raise LoginRefused(REFUSED)
    if not verify_password(user.password_hash, password) or not user.is_active:
        register_failure(session, user)
        raise LoginRefused(REFUSED)
    return user


def is_locked(user: User, now: datetime | None = None) -> bool:
    """True while a lockout is running."""
    return user.locked_until is not None and user.locked_until > (now or utcnow())


def register_failure(session: Session, user: User) -> None:
    """Count one failed attempt; the fifth in a row locks the account for `LOCKOUT` and is audited."""
    user.failed_logins = (user.failed_logins or 0) + 1
    if user.failed_logins >= MAX_FAILURES:
        user.failed_logins = 0
        user.locked_until = utcnow() + LOCKOUT
        record(
            session, None, "user.locked", "user", user.id, org_id=user.org_id, minutes=LOCKOUT.seconds // 60
        )


def register_success(user: User) -> None:
    """A complete login (password and, if needed, code): clear the failure count."""
    user.failed_logins = 0
    user.locked_until = None


def needs_totp(user: User) -> bool:
    """Coordinators and organisation admins must have a second factor."""
    return user.role in ROLES_NEEDING_TOTP


def check_totp(session: Session, user: User, code: str) -> bool:
    """True iff `code` is the user's current TOTP code (one step of clock drift allowed) and was not used
    before; failures count."""
    if user.totp_secret is None or is_locked(user):
        return False
    step = totp_step(user.totp_secret, code)
    if step is not None and step > (user.totp_last_step or 0):
        user.totp_last_step = step
        return True
    register_failure(session, user)
    return False


def totp_step(secret: str, code: str, now: datetime | None = None) -> int | None:
    """The time step, within one of now, at which `code` (spaces ignored) is valid for `secret`; else None."""
    digits = "".join(code.split())
    if not (digits.isdigit() and len(digits) == 6):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now or datetime.now(UTC))
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), digits):
            return step
    return None


def new_totp_secret() -> str:
    """A fresh base32 TOTP secret (160 bits)."""
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, email: str, issuer: str) -> str:
    """The otpauth:// URI an authenticator app reads (typed or pasted; the hub draws no QR code)."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=issuer)


def enable_totp(session: Session, p: Principal | None, user: User, secret: str, code: str) -> None:
    """Turn on the second factor once the user proves their app has the secret."""
    step = totp_step(secret, code)
    if step is None:
        raise InvalidInput(CODE_MISMATCH)
    user.totp_secret = secret
    user.totp_last_step = step
    record(session, p, "user.totp-enable", "user", user.id, org_id=user.org_id)


def disable_totp(session: Session, p: Principal, user: User, password: str) -> None:
    """Turn off the second factor (refused for roles that need it)."""
    if needs_totp(user):
        raise InvalidInput("Coordinators and organisation admins must keep a second factor.")
    if not verify_password(user.password_hash, password):
        raise InvalidInput("The current password is wrong.")
    user.totp_secret = None
    record(session, p, "user.totp-disable", "user", user.id, org_id=user.org_id)


def change_password(session: Session, p: Principal, user: User, current: str, new: str) -> None:
    """Replace the password after checking the current one."""
    if not verify_password(user.password_hash, current):
        raise InvalidInput("The current password is wrong.")
    set_password(user, new)
    record(session, p, "user.password-change", "user", user.id, org_id=user.org_id)


def session_fingerprint(user: User, secret_key: str) -> str:
    """A short keyed digest of what must end a session when it changes: password, second factor, active flag.

    Stored in the session cookie beside the user id; a changed password, a reset second factor or a
    deactivation makes every existing session of that user invalid.
    """
    material = f"{user.password_hash}|{user.totp_secret}|{user.is_active}".encode()
    return hmac.new(secret_key.encode(), material, hashlib.sha256).hexdigest()[:20]
