"""What every template can use: the principal, the navigation, TLP helpers and ISO date filters."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask.sansio.app import App
from markupsafe import Markup

from hub.policy.tlp import TLP_COLOURS, Tlp
from hub.stix.validation import format_timestamp
from hub.web.auth import current_principal
from hub.web.labels import FILTERS as LABEL_FILTERS
from hub.web.nav import nav_items


def tlp_info(level: int | Tlp) -> dict[str, str]:
    """Label (never translated), CSS class and official colour of a TLP level."""
    tlp = Tlp(int(level))
    css = "tlp-" + tlp.name.lower().replace("_", "-")
    return {"label": tlp.label, "css": css, "colour": TLP_COLOURS[tlp]}


def isolated_ltr(text: str) -> Markup:
    """Text that reads left to right whatever the page's direction (dates, codes, values), isolated in a
    `<bdi dir="ltr">`: "2026-12-02 00:11 UTC" is not reordered to "UTC 00:11 2026-12-02" on an Arabic page."""
    return Markup('<bdi dir="ltr">%s</bdi>') % text if text else Markup("")


def iso_us(value: int | None, minutes: bool = False) -> Markup:
    """Microseconds since the epoch as an ISO 8601 UTC timestamp (or `YYYY-MM-DD HH:MM` with `minutes`),
    isolated left to right."""
    text = format_timestamp(value) if value is not None else ""
    return isolated_ltr(text[:16].replace("T", " ") if minutes else text)


def iso_datetime(value: datetime | None) -> Markup:
    """A naive UTC datetime as 'YYYY-MM-DD HH:MM UTC', isolated left to right."""
    return isolated_ltr(value.strftime("%Y-%m-%d %H:%M UTC") if value is not None else "")


def _context() -> dict[str, Any]:
    p = current_principal()
    return {"principal": p, "nav": nav_items(p)}


def init_templating(app: App) -> None:
    """Register the context processor and filters (the words for stored codes: `hub.web.labels`)."""
    app.context_processor(_context)
    app.jinja_env.globals.update(tlp_info=tlp_info, tlp_levels=list(Tlp))
    app.jinja_env.filters.update(iso_us=iso_us, iso_datetime=iso_datetime, ltr=isolated_ltr, **LABEL_FILTERS)
