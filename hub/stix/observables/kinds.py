"""The kinds of observable value and the Observable (kind, normalised value) the lookup index stores."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal[
    "domain",
    "url",
    "ipv4",
    "ipv6",
    "email",
    "md5",
    "sha1",
    "sha256",
    "sha512",
    "account",
    "phone",
    "file-name",
    "app-id",
    "other",
]


@dataclass(frozen=True, slots=True)
class Observable:
    """One observable value: its kind and its normalised form (what the lookup index stores)."""

    kind: Kind
    value: str
