"""OpenPGP for mail: checking a member's uploaded public key and encrypting to it, with the system's `gpg`
through python-gnupg. Each operation uses a throw-away keyring, so no key ring state lives on the server."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass

import gnupg  # type: ignore[import-untyped]

from hub.errors import InvalidInput

MAX_KEY_BYTES = 64 * 1024


@dataclass(frozen=True, slots=True)
class PublicKey:
    """A checked public key: its fingerprint and armored text."""

    fingerprint: str
    armored: str


def _gpg(home: str) -> gnupg.GPG:
    return gnupg.GPG(gnupghome=home)


def read_public_key(armored: str) -> PublicKey:
    """Check an uploaded key: exactly one public key that can encrypt. :raises InvalidInput:"""
    text = armored.strip()
    if not text or len(text.encode()) > MAX_KEY_BYTES:
        raise InvalidInput("paste one ASCII-armored OpenPGP public key (at most 64 KiB)")
    if "PRIVATE KEY" in text:
        raise InvalidInput("this is a private key; never share it — paste your public key instead")
    with tempfile.TemporaryDirectory() as home:
        gpg = _gpg(home)
        result = gpg.import_keys(text)
        keys = gpg.list_keys()
        if len(keys) != 1 or not result.fingerprints:
            raise InvalidInput("paste exactly one OpenPGP public key")
        key = keys[0]
        if "e" not in str(key.get("cap", "")).lower() or key.get("trust") in ("r", "e"):
            raise InvalidInput("this key cannot encrypt (expired, revoked, or without an encryption subkey)")
        return PublicKey(str(key["fingerprint"]), text)


def encrypt(key: PublicKey, data: bytes) -> str:
    """`data` encrypted (ASCII-armored) to `key`. :raises RuntimeError: when gpg refuses (e.g. the key
    expired)."""
    with tempfile.TemporaryDirectory() as home:
        gpg = _gpg(home)
        gpg.import_keys(key.armored)
        result = gpg.encrypt(data, [key.fingerprint], always_trust=True, armor=True)
        if not result.ok:
            raise RuntimeError(f"gpg could not encrypt to {key.fingerprint}: {result.status}")
        return str(result)
