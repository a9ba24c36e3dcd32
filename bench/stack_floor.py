"""The floor of the hub's own stack: a minimal Flask app under the hub's gunicorn, serving TAXII envelopes
spliced from pre-serialised bytes held in memory.

Same gunicorn settings as `hub serve` (`hub.serve.gunicorn_settings`: the worker class of
`hub/serve_worker.py`, threads, access log), same worker count, same objects: at start each worker reads
the stored JSON text of one collection of the hub's database once, in `date_added` order, and then answers
from memory. No
authentication, no principal, no visibility rule, no SQL per request: what is left is what Flask, Werkzeug and
gunicorn cost. Every hub read in `bench.stack` is reported as a ratio to this.

    python -m bench.stack_floor --port 8001 --workers 2    (FLOOR_DATABASE_URL, FLOOR_COLLECTION in the env)
"""

from __future__ import annotations

import argparse
import os
import sqlite3
from datetime import UTC, datetime
from typing import Any

import orjson
import psycopg
from flask import Flask, Response, request

TAXII_MEDIA_TYPE = "application/taxii+json;version=2.1"


def _stamp(microseconds: int) -> str:
    moment = datetime.fromtimestamp(microseconds / 1_000_000, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def load(url: str, collection: str) -> tuple[list[bytes], list[int]]:
    """The stored bodies (as bytes) and `date_added` of one collection, oldest first."""
    sql = "SELECT body, date_added FROM object_versions WHERE collection_id = {} ORDER BY date_added"
    if url.startswith("sqlite:///"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            rows: list[Any] = conn.execute(sql.format("?"), (collection,)).fetchall()
    else:
        with psycopg.connect(url) as pg:
            rows = pg.execute(sql.format("%s"), (collection,)).fetchall()  # type: ignore[arg-type]
    return [r[0].encode() if isinstance(r[0], str) else bytes(r[0]) for r in rows], [int(r[1]) for r in rows]


def create_app() -> Flask:
    """The floor app over the collection named in the environment."""
    bodies, added = load(os.environ["FLOOR_DATABASE_URL"], os.environ["FLOOR_COLLECTION"])
    app = Flask(__name__)

    @app.get("/taxii2/api/collections/<collection_id>/objects/")
    def objects(collection_id: str) -> Response:
        limit = int(request.args.get("limit", 100))
        start = int(request.args.get("next", 0))
        end = min(start + limit, len(bodies))
        if start >= end:
            return Response(b"{}", content_type=TAXII_MEDIA_TYPE)
        more = end < len(bodies)
        head = b'{"more":true,"next":"%d",' % end if more else b'{"more":false,'
        body = head + b'"objects":[' + b",".join(bodies[start:end]) + b"]}"
        headers = {
            "X-TAXII-Date-Added-First": _stamp(added[start]),
            "X-TAXII-Date-Added-Last": _stamp(added[end - 1]),
        }
        return Response(body, content_type=TAXII_MEDIA_TYPE, headers=headers)

    @app.get("/taxii2/")
    def discovery() -> Response:
        return Response(orjson.dumps({"title": "floor"}), content_type=TAXII_MEDIA_TYPE)

    return app


def main() -> None:
    from hub.serve import HubServer, gunicorn_settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    settings = gunicorn_settings(f"{args.host}:{args.port}", args.workers)
    settings.pop("on_starting")  # the hub's rate-limit check; the floor has no limits
    HubServer(settings, create_app).run()


if __name__ == "__main__":
    main()
