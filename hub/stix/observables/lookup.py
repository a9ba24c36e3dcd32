"""Lookup candidates: what a user typed, refanged and read as the observables it could mean."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Final

from hub.stix.observables.kinds import Kind, Observable
from hub.stix.observables.normalisation import _HEX, _SCHEME, _has_control, normalise

_REFANG: Final[tuple[tuple[re.Pattern[str], str], ...]] = (
    (re.compile(r"\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)", re.IGNORECASE), "."),
    (re.compile(r"\[@\]|\(@\)|\[at\]|\(at\)", re.IGNORECASE), "@"),
    (re.compile(r"\[:\]"), ":"),
    (re.compile(r"^hxxp", re.IGNORECASE), "http"),
    (re.compile(r"^fxp", re.IGNORECASE), "ftp"),
)
_HASH_BY_LENGTH: Final[dict[int, Kind]] = {32: "md5", 40: "sha1", 64: "sha256", 128: "sha512"}
_PHONE_LIKE = re.compile(r"(?:\+|tel:)?[\d\s\-.()/]+", re.IGNORECASE)
_EXTENSION = re.compile(r"[^/\\]+\.([A-Za-z0-9]{1,6})")
# Extensions that make a dotted name more likely a file than a host ('roleaccountd.plist').
_FILE_EXTENSIONS: Final[frozenset[str]] = frozenset(
    "apk ipa plist db sqlite so dex jar exe dll sys bin sh js py zip rar 7z gz tar dmg pkg deb rpm msi "
    "bat ps1 vbs doc docx xls xlsx ppt pptx pdf rtf txt log json xml html htm png jpg jpeg gif mp4 dylib "
    "app ko elf tmp dat cfg conf ini lnk scr".split()
)
# First labels that make a dotted name look like an Android/iOS app id (reverse DNS: com.example.app).
_REVERSED_FIRST_LABELS: Final[frozenset[str]] = frozenset(
    "com org net io app dev info biz edu gov me co tv cc".split()
)
_PACKAGE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+")
_TOKEN = re.compile(r"[\w.-]+")
_MAX_INPUT = 4096


class _Candidates:
    def __init__(self) -> None:
        self.items: list[Observable] = []

    def add(self, kind: Kind, raw: str) -> bool:
        try:
            obs = Observable(kind, normalise(kind, raw))
        except ValueError:
            return False
        if obs not in self.items:
            self.items.append(obs)
        return True


def refang(raw: str) -> str:
    """What a person pasted, without quotes or brackets around it and with defanged forms undone
    ('hxxp://evil[.]com' -> 'http://evil.com'): how analysts write values in reports."""
    text = raw.strip()
    while len(text) >= 2 and (text[0], text[-1]) in {("<", ">"), ('"', '"'), ("'", "'"), ("`", "`")}:
        text = text[1:-1].strip()
    for regex, replacement in _REFANG:
        text = regex.sub(replacement, text)
    return text


def _looks_reversed(text: str) -> bool:
    first = text.split(".", 1)[0].lower()
    return first in _REVERSED_FIRST_LABELS or len(first) == 2


def _add_host(out: _Candidates, host: str) -> None:
    for kind in ("ipv4", "ipv6", "domain"):
        if out.add(kind, host):
            return


def _candidates(raw: str) -> list[Observable]:
    """Try each reading in turn, most specific first; the first that recognises the text decides alone."""
    text = refang(raw)
    if not text or len(text) > _MAX_INPUT or _has_control(text):
        return []
    out = _Candidates()
    for reading in _DECISIVE_READINGS:
        if reading(out, text):
            return out.items
    _as_names(out, text)
    return out.items


def _as_hash(out: _Candidates, text: str) -> bool:
    kind = _HASH_BY_LENGTH.get(len(text))
    if not kind or not _HEX.fullmatch(text.lower()):
        return False
    out.add(kind, text)
    return True


def _as_handle(out: _Candidates, text: str) -> bool:
    if not text.startswith("@") or "@" in text[1:]:
        return False
    out.add("account", text)
    return True


def _as_email(out: _Candidates, text: str) -> bool:
    looks_like = text.lower().startswith("mailto:") or (
        "@" in text and "/" not in text and not any(c.isspace() for c in text)
    )
    return looks_like and out.add("email", text)


def _as_ip(out: _Candidates, text: str) -> bool:
    return out.add("ipv4", text) or out.add("ipv6", text)


def _as_phone(out: _Candidates, text: str) -> bool:
    if not (_PHONE_LIKE.fullmatch(text) and sum(c.isdigit() for c in text) >= 7):
        return False
    if not out.add("phone", text):
        return False
    out.add("account", normalise("phone", text))
    return True


def _as_url_or_path(out: _Candidates, text: str) -> bool:
    """A URL (with or without a scheme, then also its host) or an absolute file path."""
    scheme = _SCHEME.match(text)
    if not (scheme or any(sep in text for sep in "/?#:")):
        return False
    if text.startswith("/"):
        out.add("other", f"file:path={text}")
        return True
    for url in [text] if scheme else ["http://" + text, "https://" + text]:
        out.add("url", url)
    if out.items:
        host = out.items[0].value.split("://", 1)[1]
        host = re.split(r"[/?#]", host, maxsplit=1)[0].rpartition("@")[2]
        host = host[1 : host.index("]")] if host.startswith("[") else host.partition(":")[0]
        _add_host(out, host)
    return True


def _as_names(out: _Candidates, text: str) -> None:
    """What is left: a domain, an app id, a file name, or else an account or process name."""
    is_domain = False
    if "." in text and not any(c.isspace() for c in text):
        is_domain = out.add("domain", text)
        if _PACKAGE.fullmatch(text) and _looks_reversed(text):
            out.add("app-id", text)
    extension = _EXTENSION.fullmatch(text)
    if extension and (not is_domain or extension.group(1).lower() in _FILE_EXTENSIONS):
        out.add("file-name", text)
    if not out.items and _TOKEN.fullmatch(text):
        out.add("account", text)
        out.add("other", f"process:name={text}")


_DECISIVE_READINGS: tuple[Callable[[_Candidates, str], bool], ...] = (
    _as_hash,
    _as_handle,
    _as_email,
    _as_ip,
    _as_phone,
    _as_url_or_path,
)


def candidates(raw: str) -> list[Observable]:
    """What a user typed into a lookup box -> the normalised observables it could mean, most likely first.

    Accepts URLs with or without a scheme, domains ('Example.COM.'), IPs, phone numbers, '@handle',
    email addresses, hashes, file names and app ids; defanged forms ('hxxp://evil[.]com') are refanged.
    Never raises; returns an empty list for garbage.
    """
    try:
        return _candidates(raw)
    except Exception:  # noqa: BLE001 - the contract is "never raises"; garbage in, nothing out
        return []
