"""Authentication and a user's own account settings. The web adapter commits; nothing here touches Flask.

Failed passwords and second-factor codes slow guessing down without letting a stranger lock anyone out: after
`FREE_FAILURES` failures in a row each further failure makes the account refuse every attempt for a delay that
doubles from one second up to `DELAY_CAP`, and attempts during a delay neither count towards it nor extend it.
The owner can always get in within `DELAY_CAP`; the second factor is the real barrier. Every check does the
same work whatever the account's state (one argon2 verification, against a dummy hash when there is no
account), so neither answers nor timings tell members from strangers. The owner sees the failures at their
next sign-in.
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

FREE_FAILURES = 5
FIRST_DELAY = timedelta(seconds=1)
DELAY_CAP = timedelta(seconds=30)
ROLES_NEEDING_TOTP = frozenset({Role.COORDINATOR.value, Role.ORG_ADMIN.value})


REFUSED = (
    "The email address, password or code is wrong, or the account is locked for a while. Try again later."
)
CODE_MISMATCH = "That code does not match. Check the clock of your phone and type the current code."


class LoginRefused(HubError):
    """Wrong email, password or code, or a locked or deactivated account: one message for all, on purpose."""

    status = 401


def authenticate(
    session: Session,
    email: str,
    password: str,
    now: datetime | None = None,
    *,
    device_cookie: str | None = None,
    secret_key: str = "",
) -> User:
    """The active user with that email and password. :raises LoginRefused: (failures are counted)

    Exactly one argon2 verification whatever happens: against a dummy hash for an unknown email, and before
    looking at the delay or the active flag, so the time taken does not reveal the account's state.
    A browser whose `device_cookie` proves an earlier complete login of this user (`is_known_device`, keyed
    with `secret_key`) is not held by the delays.
    """
    user = session.scalar(select(User).where(User.email == normalise_email(email)))
    matches = verify_password(user.password_hash if user is not None else None, password)
    if user is None:
        raise LoginRefused(REFUSED)
    held = is_delayed(user, now) and not is_known_device(user, device_cookie, secret_key)
    if held or not matches or not user.is_active:
        register_failure(session, user, now)
        raise LoginRefused(REFUSED)
    return user


def is_delayed(user: User, now: datetime | None = None) -> bool:
    """True while a delay after failures is running: every attempt is refused, the right password too (but
    not from the owner's known browser, see `device_proof`)."""
    return user.login_not_before is not None and user.login_not_before > (now or utcnow())


def device_proof(user: User, secret_key: str) -> str:
    """What a browser keeps after a complete login of `user` (cookie `hub_device`): a keyed digest of the user
    and their password hash, opaque to whoever reads the cookie and dead once the password changes.

    Why: a delay refuses every attempt while it runs, so a stranger sending one wrong password whenever a
    delay ends would keep the owner out for ever. The owner's own browser is not held by those delays
    (OWASP's device cookie); every other client still is, so guessing stays slow."""
    material = f"device|{user.id}|{user.password_hash}".encode()
    return hmac.new(secret_key.encode(), material, hashlib.sha256).hexdigest()


def is_known_device(user: User, proof: str | None, secret_key: str) -> bool:
    """True when `proof` (the browser's `hub_device` cookie) is `user`'s device proof."""
    if not proof or not secret_key:
        return False
    return hmac.compare_digest(proof.encode(), device_proof(user, secret_key).encode())


def delay_after(failures: int) -> timedelta:
    """How long the account refuses attempts after `failures` failures in a row: none for the first
    `FREE_FAILURES`, then 1 s, 2 s, 4 s … up to `DELAY_CAP`."""
    beyond = failures - FREE_FAILURES
    if beyond <= 0:
        return timedelta(0)
    return min(FIRST_DELAY * (1 << min(beyond - 1, 16)), DELAY_CAP)


def register_failure(session: Session, user: User, now: datetime | None = None) -> None:
    """Count one failed attempt (shown to the owner at their next sign-in). Outside a delay, a failure
    beyond the free ones starts the next delay; the first such delay of a run of failures is audited."""
    now = now or utcnow()
    delayed = is_delayed(user, now)
    user.failed_logins = (user.failed_logins or 0) + 1
    user.last_failed_login_at = now
    if delayed:
        return
    delay = delay_after(user.failed_logins)
    if delay:
        user.login_not_before = now + delay
    if user.failed_logins == FREE_FAILURES + 1:
        record(session, None, "user.login-delayed", "user", user.id, org_id=user.org_id)


def register_success(user: User) -> None:
    """A complete login (password and, if needed, code): clear the failures and any delay."""
    user.failed_logins = 0
    user.last_failed_login_at = None
    user.login_not_before = None


def needs_totp(user: User) -> bool:
    """Coordinators and organisation admins must have a second factor."""
    return user.role in ROLES_NEEDING_TOTP


def check_totp(session: Session, user: User, code: str, known_device: bool = False) -> bool:
    """True iff `code` is the user's current TOTP code (one step of clock drift allowed) and was not used
    before; failures count. A delay refuses it unless the browser is `known_device` (`is_known_device`)."""
    if user.totp_secret is None:
        return False
    if is_delayed(user) and not known_device:
        register_failure(session, user)
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


def active_user(session: Session, user_id: object) -> User | None:
    """The active account with this id, or None: for the steps of logging in that come before any Principal
    exists (the user a session cookie names, the half-logged-in user between password and second factor).
    Anything but an id a BIGINT holds is None, so a forged cookie never reaches the database as an error."""
    if not isinstance(user_id, int) or isinstance(user_id, bool) or not 0 < user_id < 2**63:
        return None
    user = session.get(User, user_id)
    return user if user is not None and user.is_active else None


def session_fingerprint(user: User, secret_key: str) -> str:
    """A short keyed digest of what must end a session when it changes: password, second factor, active flag,
    organisation and role.

    Stored in the session cookie beside the user id; a changed password, a reset second factor, a
    deactivation or a move to another organisation makes every existing session of that user invalid.
    """
    material = f"{user.password_hash}|{user.totp_secret}|{user.is_active}|{user.org_id}|{user.role}".encode()
    return hmac.new(secret_key.encode(), material, hashlib.sha256).hexdigest()[:20]
