"""The mark that opens a view to people who are not logged in.

The deny-by-default gate in `hub.web.auth` reads it. It lives apart from the login code so that the reporter's
side (`hub.reports.reporter_views`), which must not import login code, can mark its pages itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])
PUBLIC_MARK = "_hub_public"


def public(view: F) -> F:
    """Mark a view as reachable without logging in (login, language switch, public forms, /report pages)."""
    setattr(view, PUBLIC_MARK, True)
    return view


def is_marked_public(view: object) -> bool:
    """True when `public` marked this view."""
    return bool(getattr(view, PUBLIC_MARK, False))
