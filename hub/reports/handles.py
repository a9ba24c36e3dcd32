"""Intake handles: what makes the reporter's forms idempotent and keeps the receipt code out of every URL.

Each form page carries a fresh random nonce. Submitting records the nonce's hash, so a double POST, a
reload or a second press after a lost response files one report (or adds one message), never two. For a
new report the row also holds the receipt code, sealed, for at most `RECEIPT_LIFETIME`: the browser keeps
the nonce in its session and is redirected to the receipt page (POST/redirect/GET), which opens the code
until the reporter confirms they wrote it down. Rows hold no link to the report and nothing about the
reporter, and go after `NONCE_LIFETIME`.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hub.db import utcnow
from hub.reports.crypto import Sealer
from hub.reports.models import IntakeHandle

RECEIPT_LIFETIME = timedelta(hours=1)
NONCE_LIFETIME = timedelta(days=1)
_NONCE = re.compile(r"[A-Za-z0-9_-]{32}")


def new_nonce() -> str:
    """A fresh nonce for one form page (192 random bits)."""
    return secrets.token_urlsafe(24)


def is_nonce(value: object) -> bool:
    """True for something `new_nonce` could have made."""
    return isinstance(value, str) and _NONCE.fullmatch(value) is not None


def _hash(nonce: str) -> str:
    return hashlib.sha256(b"hub-intake-nonce:" + nonce.encode("ascii")).hexdigest()


def forget_expired(session: Session, now: datetime | None = None) -> None:
    """Drop expired nonces and receipt codes nobody came back for."""
    moment = now or utcnow()
    session.execute(delete(IntakeHandle).where(IntakeHandle.expires_at <= moment))
    session.execute(
        update(IntakeHandle)
        .where(IntakeHandle.code_expires_at <= moment)
        .values(sealed_code=None, code_expires_at=None)
    )


def claim(session: Session, nonce: str) -> IntakeHandle | None:
    """Record the nonce of a submission; None when it was already used (the submission is a repeat).

    Runs first in the request's transaction: a concurrent repeat waits on the primary key and then fails here,
    and the caller rolls back whatever else the repeat did.
    """
    forget_expired(session)
    key = _hash(nonce)
    if session.get(IntakeHandle, key) is not None:
        return None
    handle = IntakeHandle(nonce_hash=key, expires_at=utcnow() + NONCE_LIFETIME)
    session.add(handle)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        return None
    return handle


def hold_code(handle: IntakeHandle, sealer: Sealer, code: str) -> None:
    """Keep the receipt code, sealed, for the receipt page."""
    handle.sealed_code = sealer.seal(code)
    handle.code_expires_at = utcnow() + RECEIPT_LIFETIME


def held_code(session: Session, sealer: Sealer, nonce: str) -> str | None:
    """The receipt code the handle still holds, or None (acknowledged, expired, or never held)."""
    forget_expired(session)
    handle = session.get(IntakeHandle, _hash(nonce)) if is_nonce(nonce) else None
    if handle is None or handle.sealed_code is None:
        return None
    return str(sealer.open(handle.sealed_code))


def release_code(session: Session, nonce: str) -> None:
    """The reporter wrote the code down: forget it (the nonce stays, so a repeat still files nothing)."""
    handle = session.get(IntakeHandle, _hash(nonce)) if is_nonce(nonce) else None
    if handle is not None:
        handle.sealed_code = None
        handle.code_expires_at = None
