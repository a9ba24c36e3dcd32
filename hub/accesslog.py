"""Gunicorn's access log without anything that identifies or empowers: no client address, user agent or
referrer (reporters and members are not tracked), and no secret carried in a URL (invitation and
application-status links).
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from gunicorn.glogging import Logger

# Paths whose last segment is a bearer secret: anyone reading the log could use it.
_SECRET_PATH = re.compile(r"^(/join/(?:invite|status)/)[^/?]+")
_REDACTED = "[secret]"


def redact_path(path: str) -> str:
    """The path with any secret segment replaced."""
    return _SECRET_PATH.sub(lambda m: m.group(1) + _REDACTED, path)


class PrivateAccessLogger(Logger):  # type: ignore[misc]
    """The logger `hub serve` and `deploy/gunicorn.conf.py` use."""

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: timedelta) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        # Header atoms ({x-forwarded-for}i and the like) could carry addresses: drop them all.
        atoms = {key: value for key, value in atoms.items() if not key.startswith("{")}
        path = redact_path(str(atoms.get("U") or ""))
        atoms.update(h="-", a="-", f="-", u="-", q="-", U=path, r=f"{atoms.get('m')} {path} {atoms.get('H')}")
        return atoms
