"""The search page (blueprint "search", mounted at /search; login required by the web foundation's gate)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from wtforms import SelectChoice

from hub.extensions import db
from hub.policy.tlp import Tlp
from hub.search.forms import SearchForm
from hub.search.service import SearchQuery, SearchResults, search
from hub.sharing.service import list_collections_for
from hub.stix.reading import parse_body
from hub.web.auth import current_principal

bp = Blueprint("search", __name__)


@bp.get("/")
def results() -> tuple[str, int]:
    """Results of the header's search box, grouped by type, newest first, with totals and filters."""
    p = current_principal()
    channels = {c.id: c.title for c in list_collections_for(db.session(), p) if c.id in p.readable}
    form = SearchForm(request.args)
    form.tlp.choices = [
        SelectChoice("", _("Any TLP")),
        *(SelectChoice(level.name.lower(), level.label) for level in Tlp),
    ]
    form.channel.choices = [SelectChoice("", _("Any channel")), *(SelectChoice(*c) for c in channels.items())]
    found: SearchResults | None = None
    if request.args.get("q") is not None and form.validate():
        found = search(db.session(), p, _query(form))
    args = {key: value for key, value in request.args.items() if key != "page" and value}
    rows = [(version, parse_body(version)) for version in found.items] if found else []
    status = 400 if form.errors else 200
    return render_template(
        "search/results.html", form=form, found=found, rows=rows, channels=channels, args=args
    ), status


def _query(form: SearchForm) -> SearchQuery:
    return SearchQuery(
        text=form.q.data,
        types=(form.type.data,) if form.type.data else (),
        tlps=(int(Tlp.parse(form.tlp.data)),) if form.tlp.data else (),
        collection_id=form.channel.data or None,
        producer=(form.producer.data or "").strip() or None,
        added_from=_day_us(form.added_from.data) if form.added_from.data else None,
        added_to=_day_us(form.added_to.data + timedelta(days=1)) if form.added_to.data else None,
        sighted=bool(form.sighted.data),
        page=form.page.data or 1,
    )


def _day_us(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp() * 1_000_000)
