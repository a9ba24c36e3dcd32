"""Error pages for the web: the renderer for every path that no narrower surface claims."""

from __future__ import annotations

from typing import Any

from flask import Response, render_template
from jinja2 import TemplateNotFound

PAGES = (403, 404, 500)


def render_error(status: int, title: str, description: str, details: Any = None) -> Response:
    """An HTML error page; falls back to plain text if even the page cannot be drawn."""
    template = f"errors/{status}.html" if status in PAGES else "errors/error.html"
    try:
        body = render_template(template, status=status, title=title, description=description, details=details)
    except (TemplateNotFound, RuntimeError, LookupError):  # pragma: no cover (last resort)
        return Response(f"{status} {title}\n{description}\n", status=status, mimetype="text/plain")
    return Response(body, status=status, mimetype="text/html")
