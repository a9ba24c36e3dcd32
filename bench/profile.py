"""Profile the hub's hot paths in-process (cProfile): TAXII ingest, first page, paging, object by id, lookup.

    python -m bench.profile [--objects 10000] [--database sqlite|postgresql] [--hub-source HEAD|worktree]

The requests go through Flask's test client, so the profile holds the whole request (auth, principal, query,
serialisation) without gunicorn and socket noise. Prints the top functions by cumulative and by own time.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from bench import data
from bench.servers import (
    TAXII_ACCEPT,
    in_process_hub,
    use_hub_source,
)


def profiled(label: str, fn: Callable[[], Any], top: int) -> None:
    """Run fn under cProfile and print where the time went."""
    profile = cProfile.Profile()
    start = time.perf_counter()
    profile.enable()
    fn()
    profile.disable()
    print(f"\n=== {label}: {time.perf_counter() - start:.2f} s ===")
    for key, only in (("cumulative", ""), ("tottime", ""), ("cumulative", "/hub/")):
        out = io.StringIO()
        stats = pstats.Stats(profile, stream=out)
        if only:
            print(f"--- hub's own functions by {key}")
            stats.sort_stats(key).print_stats(only, top)
        else:
            print(f"--- all functions by {key}")
            stats.strip_dirs().sort_stats(key).print_stats(top)
        text = out.getvalue()
        print(text[text.index("   ncalls") :] if "   ncalls" in text else text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=10_000)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--hub-source", choices=("HEAD", "worktree"), default="HEAD")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hub-profile-") as folder:
        work = Path(folder)
        print("hub:", use_hub_source(work, args.hub_source))
        with in_process_hub(work, args.database, "hub_bench_profile", "profile") as seed:
            run(seed.collections[0], seed.token, args.objects, args.top)


def explain(app: Any, request: Callable[[], Any], label: str) -> None:
    """Print the SQL of one request and, for its object-row queries, the database's plan (EXPLAIN ANALYZE)."""
    from sqlalchemy import event

    from hub.extensions import db

    statements: list[tuple[str, Any]] = []
    with app.app_context():
        engine = db.engine

    def capture(
        _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool
    ) -> None:
        statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    request()
    event.remove(engine, "before_cursor_execute", capture)
    print(f"\n=== SQL of one request: {label} ({len(statements)} statements) ===")
    prefix = "EXPLAIN (ANALYZE, BUFFERS)" if engine.dialect.name == "postgresql" else "EXPLAIN QUERY PLAN"
    for statement, parameters in statements:
        print("\n" + statement.strip())
        if "object_versions" not in statement and "observables" not in statement:
            continue
        rounds = ("right after the load", "after ANALYZE") if engine.dialect.name == "postgresql" else ("",)
        for when in rounds:
            with engine.connect() as conn:
                cursor = conn.connection.driver_connection.cursor()
                if when == "after ANALYZE":
                    cursor.execute("ANALYZE object_versions")
                cursor.execute(f"{prefix} {statement}", parameters)
                print(
                    f"-- plan {when}\n"
                    + "\n".join(" ".join(str(c) for c in row) for row in cursor.fetchall())
                )
                cursor.close()
                conn.commit()


def run(collection: str, token: str, n: int, top: int) -> None:
    """The profiled requests."""
    from hub import create_app

    app = create_app()
    client = app.test_client()
    headers = {"Accept": TAXII_ACCEPT, "Authorization": f"Bearer {token}"}
    objects = f"/taxii2/api/collections/{collection}/objects/"
    bodies = [orjson.dumps(e) for e in data.envelopes(n, "b0")]

    def ingest() -> None:
        for body in bodies:
            response = client.post(objects, data=body, headers={**headers, "Content-Type": TAXII_ACCEPT})
            assert response.status_code == 202, response.data[:300]

    def first_pages() -> None:
        for _ in range(50):
            assert client.get(objects, query_string={"limit": 100}, headers=headers).status_code == 200

    def page_all() -> None:
        params: dict[str, Any] = {"limit": 1000}
        while True:
            body = orjson.loads(client.get(objects, query_string=params, headers=headers).data)
            if not body.get("more"):
                return
            params = {"limit": 1000, "next": body["next"]}

    def by_id() -> None:
        for j in range(50):
            stix_id = data.indicator((j * 7919) % n, "b0")["id"]
            assert client.get(f"{objects}{stix_id}/", headers=headers).status_code == 200

    def lookups() -> None:
        for j in range(50):
            client.get(
                "/api/v1/lookup", query_string={"value": data.lookup_value(j * 4, "b0")}, headers=headers
            )

    profiled(f"ingest of {n:,} objects in envelopes of 500", ingest, top)
    explain(app, lambda: client.get(objects, query_string={"limit": 100}, headers=headers), "first page")
    one = data.indicator(n // 2, "b0")["id"]
    explain(app, lambda: client.get(f"{objects}{one}/", headers=headers), "object by id")
    values = {"values": [data.lookup_value(j * 4, "b0") for j in range(3)]}
    explain(app, lambda: client.post("/api/v1/lookup", json=values, headers=headers), "lookup of 3 values")
    profiled("50 first pages (limit=100)", first_pages, top)
    profiled(f"paging through {n:,} objects (limit=1000)", page_all, top)
    profiled("50 objects by id", by_id, top)
    profiled("50 single-value lookups", lookups, top)


if __name__ == "__main__":
    main()
