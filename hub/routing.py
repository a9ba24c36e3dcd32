"""The one URL converter for database ids, registered by `create_app` for every blueprint.

Every route that takes a row's id writes `<id:name>`: the view receives an `int`, and anything else — letters,
a sign, more digits than a BIGINT holds — is an address that does not exist, answered 404 by the router in
the surface's own format before any view or query runs. (Before, some routes used `<int:…>`, which let a
25-digit id reach the database and fail there, and others took a string and called a helper.)
"""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import BaseConverter

MAX_ID_DIGITS = 18  # every id fits a signed 64-bit integer (BIGINT)


class IdConverter(BaseConverter):
    """`<id:name>`: a positive database id of at most 18 digits, as an `int`."""

    regex = rf"[0-9]{{1,{MAX_ID_DIGITS}}}"
    part_isolating = True

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: object) -> str:
        return str(int(value))  # type: ignore[call-overload]


def install_converters(app: Flask) -> None:
    """Make `<id:…>` available to every blueprint mounted afterwards."""
    app.url_map.converters["id"] = IdConverter
