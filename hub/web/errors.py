"""Error pages for the web: the renderer for every path that no narrower surface claims."""

from __future__ import annotations

from typing import Any

from flask import Response, g, render_template
from jinja2 import TemplateNotFound

from hub.errors import DATABASE_OUTAGES
from hub.policy.principal import ANONYMOUS_BASE

PAGES = (403, 404, 500, 503)


def render_error(status: int, title: str, description: str, details: Any = None) -> Response:
    """An HTML error page; falls back to plain text if even the page cannot be drawn."""
    if status == 503:
        # the database is down: draw the page for a visitor rather than resolve who is signed in
        g.setdefault("hub_principal", ANONYMOUS_BASE)
    template = f"errors/{status}.html" if status in PAGES else "errors/error.html"
    try:
        body = render_template(template, status=status, title=title, description=description, details=details)
    except (TemplateNotFound, RuntimeError, LookupError, *DATABASE_OUTAGES):
        # the page itself may need the database (the signed-in user's name in the header) when it is down
        return Response(f"{status} {title}\n{description}\n", status=status, mimetype="text/plain")
    return Response(body, status=status, mimetype="text/html")
