"""Sealing report contents at rest, and receipt codes that only the reporter holds.

The sealing key (`HUB_REPORTS_KEY`: one or more Fernet keys, comma-separated, newest first) never enters the
database: a dump alone reveals nothing. Without it set, a key is generated once into the instance folder
(owner-only), which suits `hub demo` and development; production sets it from a secret store. Rotation: see
docs/reporting.md.
"""

from __future__ import annotations

import hashlib
import secrets
from pathlib import Path
from typing import Any

import orjson
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import Flask

from hub.config import instance_secret

KEY_FILE = "reports_key"
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_GROUPS = 5
GROUP_LENGTH = 5  # 25 characters of 5 bits: 125 bits of entropy
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1"})


class Sealer:
    """Encrypts and decrypts JSON-able values with the reports key(s); the first key seals, any key opens."""

    def __init__(self, keys: list[str]) -> None:
        if not keys:
            raise ValueError("no reports key configured")
        self._fernet = MultiFernet([Fernet(key.encode()) for key in keys])

    def seal(self, value: Any) -> str:
        """The value as an encrypted, authenticated token (text)."""
        return self._fernet.encrypt(orjson.dumps(value)).decode("ascii")

    def open(self, token: str) -> Any:
        """The value sealed in `token`. :raises ValueError: no configured key opens it, or it was altered."""
        try:
            return orjson.loads(self._fernet.decrypt(token.encode("ascii")))
        except InvalidToken:
            raise ValueError("this sealed value cannot be opened with the configured reports keys") from None

    def rotate(self, token: str) -> str:
        """The same value sealed again with the newest key."""
        return self._fernet.rotate(token.encode("ascii")).decode("ascii")


def sealer_for(app: Flask) -> Sealer:
    """The app's sealer, built once from `REPORTS_KEY` or the instance key file."""
    sealer = app.extensions.get("hub_reports_sealer")
    if sealer is None:
        configured = app.config.get("REPORTS_KEY") or instance_secret(
            Path(app.instance_path), KEY_FILE, lambda: Fernet.generate_key().decode("ascii")
        )
        sealer = Sealer([key.strip() for key in str(configured).split(",") if key.strip()])
        app.extensions["hub_reports_sealer"] = sealer
    return sealer


def new_receipt_code() -> str:
    """A fresh receipt code: 25 Crockford base32 characters (125 bits) in five groups: `7KQ2X-M4P9A-…`."""
    chars = "".join(secrets.choice(CROCKFORD) for _ in range(CODE_GROUPS * GROUP_LENGTH))
    return "-".join(chars[i : i + GROUP_LENGTH] for i in range(0, len(chars), GROUP_LENGTH))


def normalise_code(code: str) -> str:
    """What the reporter typed, forgiving case, spaces, dashes and the letters Crockford reads as digits."""
    return "".join(c for c in code.upper() if c.isalnum()).translate(_CONFUSABLE)


def code_hash(code: str) -> str:
    """The stored form of a receipt code. SHA-256 suffices: 125 bits of entropy leave nothing to guess."""
    return hashlib.sha256(b"hub-report-receipt:" + normalise_code(code).encode("ascii", "ignore")).hexdigest()
