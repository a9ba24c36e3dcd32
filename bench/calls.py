"""Count what one read request costs, deterministically: Python calls, SQL statements, and round trips.

    python -m bench.calls [--objects 2000] [--database sqlite|postgresql] [--hub-source HEAD|REV|worktree]
                          [--top 30]

On a shared machine timings cannot show a cut of a few hundred microseconds; these counts can. Each request
goes through Flask's test client and is counted inside the app's `wsgi_app` (a `sys.setprofile` counter of
Python calls, C calls excluded), warm: the principal cache, the statement caches and the lookup's value cache
filled by earlier requests, as they are in a serving worker. Statements are counted with SQLAlchemy's
`before_execute` and the driver's path (`hub.driver`), not the `BEGIN` and `COMMIT` around a write; on
PostgreSQL each one is a round trip (GETs run outside a transaction). `--top`
also lists, per request, the functions called most often in its last counted run (where the calls go).
"""

from __future__ import annotations

import argparse
import collections
import statistics
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

import orjson

from bench import data
from bench.servers import (
    TAXII_ACCEPT,
    in_process_hub,
    use_hub_source,
)

WARM = 5
COUNTED = 20


def counted(app: Any, request: Callable[[int], Any], top: int = 0) -> tuple[int, int]:
    """Median Python calls inside `wsgi_app` and SQL statements of `request(j)`, after `WARM` warm-ups;
    with `top`, prints the `top` functions called most often in the last run."""
    from sqlalchemy import event

    from hub.extensions import db

    with app.app_context():
        engine = db.engine
    statements: list[object] = []

    def capture(_c: Any, clause: Any, *_: Any) -> None:
        statements.append(clause)

    # A cursor listener would send every statement through SQLAlchemy (`hub.driver`): statements are counted
    # where SQLAlchemy executes them (`before_execute`) and where the driver's path runs them.
    driver_run = _driver_run_code()
    calls = [0]
    functions: collections.Counter[str] = collections.Counter()

    def profile(frame: FrameType, event_name: str, _arg: Any) -> None:
        if event_name == "call":
            calls[0] += 1
            if frame.f_code is driver_run:
                statements.append(frame)
            if top:
                code = frame.f_code
                functions[f"{code.co_filename.rsplit('/', 2)[-2:]!s} {code.co_qualname}"] += 1

    inner = app.wsgi_app

    def wsgi_app(environ: Any, start_response: Any) -> Any:
        sys.setprofile(profile)
        try:
            return inner(environ, start_response)
        finally:
            sys.setprofile(None)

    app.wsgi_app = wsgi_app
    event.listen(engine, "before_execute", capture)
    per_call, per_statements = [], []
    try:
        for j in range(WARM + COUNTED):
            calls[0], statements[:] = 0, []
            functions.clear()
            request(j)
            if j >= WARM:
                per_call.append(calls[0])
                per_statements.append(len(statements))
    finally:
        event.remove(engine, "before_execute", capture)
        app.wsgi_app = inner
    for name, count in functions.most_common(top):
        print(f"    {count:5} {name}")
    return int(statistics.median(per_call)), int(statistics.median(per_statements))


def _driver_run_code() -> Any:
    """The code of `hub.driver._run`, where the revision under test has it."""
    try:
        from hub import driver
    except ImportError:
        return None
    return driver._run.__code__


def run(collection: str, token: str, n: int, top: int = 0) -> None:
    """Load `n` indicators through TAXII, then count first pages and lookups."""
    from hub import create_app

    app = create_app()
    client = app.test_client()
    headers = {"Accept": TAXII_ACCEPT, "Authorization": f"Bearer {token}"}
    objects = f"/taxii2/api/collections/{collection}/objects/"
    for body in (orjson.dumps(e) for e in data.envelopes(n, "b0")):
        response = client.post(objects, data=body, headers={**headers, "Content-Type": TAXII_ACCEPT})
        assert response.status_code == 202, response.data[:300]

    batch = [
        data.lookup_value((i * 4 * 7919) % n, "b0") if i % 2 else f"unknown-{i}.example.com"
        for i in range(1000)
    ]

    def ok(response: Any) -> None:
        assert response.status_code == 200, response.data[:300]

    requests: dict[str, Callable[[int], Any]] = {
        "TAXII first page (limit=100)": lambda j: ok(
            client.get(objects, query_string={"limit": 100}, headers=headers)
        ),
        "lookup, one known value": lambda j: ok(
            client.get(
                "/api/v1/lookup",
                query_string={"value": data.lookup_value((j * 104729) % n, "b0")},
                headers=headers,
            )
        ),
        "lookup, one unknown value": lambda j: ok(
            client.get("/api/v1/lookup", query_string={"value": f"unknown-{j}.example.com"}, headers=headers)
        ),
        "lookup, 1,000 values (half known, as bench.stack's batch)": lambda j: ok(
            client.post("/api/v1/lookup", json={"values": batch}, headers=headers)
        ),
    }
    print("| request | Python calls | SQL statements |\n|---|---|---|")
    for label, request in requests.items():
        calls, statements = counted(app, request, top)
        print(f"| {label} | {calls:,} | {statements} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=2_000)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--hub-source", default="HEAD", help="HEAD, any revision, or worktree")
    parser.add_argument("--top", type=int, default=0, help="list the functions called most often")
    parser.add_argument("--name", default="calls", help="PostgreSQL database: hub_bench_<name>")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hub-calls-") as folder:
        work = Path(folder)
        print(
            "hub:",
            use_hub_source(work, args.hub_source),
            "|",
            args.database,
            "|",
            f"{args.objects:,} objects",
        )
        with in_process_hub(work, args.database, f"hub_bench_{args.name}", "calls") as seed:
            run(seed.collections[0], seed.token, args.objects, args.top)


if __name__ == "__main__":
    main()
