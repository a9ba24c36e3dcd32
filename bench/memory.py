"""What a hub worker's memory holds as the collection grows: RSS and Python allocations after each phase.

    python -m bench.memory [--sizes 10000,100000] [--database sqlite|postgresql] [--hub-source HEAD|worktree]
                           [--lookups 2000] [--hub-rev REV] [--no-trace]

One process serves the requests a gunicorn worker serves (Flask's test client, the hub's own app): for each
size in turn it posts indicators through TAXII in envelopes of 500 until the collection holds that many, then
reads as clients do (first pages, the whole collection in pages of 1,000, `--lookups` one-value lookups).
After each phase it records the process's RSS (`/proc/self/status`), the bytes tracemalloc sees allocated,
the sizes of the hub's caches, and which source lines hold the memory that grew since the previous size
(tracemalloc's snapshot difference, by line). RSS beyond the traced bytes is native memory (SQLite's page
cache) or the allocator's (freed memory it keeps). Tracing costs memory and time: `--no-trace` gives a
worker's RSS as it is, `--hub-rev` runs an older commit (before and after side by side in one run).
Prints a JSON document and a Markdown table; `docs/performance.md` keeps the results.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import tempfile
import tracemalloc
from pathlib import Path
from typing import Any

import orjson

from bench import data
from bench.servers import (
    TAXII_ACCEPT,
    in_process_hub,
    run_database,
    use_hub_source,
)

ENVELOPE = 500
TOP_LINES = 12


def rss_mib() -> float:
    """This process's resident set size now, in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cache_sizes() -> dict[str, int]:
    """Entries in each of the hub's per-process caches (those whose size could follow the data)."""
    from hub.api import context, service
    from hub.stix import query
    from hub.stix.observables import extraction
    from hub.stix.validation import patterns

    functions: dict[str, Any] = {
        "pattern validation (by text)": patterns._pattern_error,
        "observable extraction (by text)": extraction._extract_cached,
        "lookup values read (by value)": service._read_as_cached,
        "lookup statements (by principal)": service._statement,
        "context statements (by principal)": context._statement,
    }
    sizes = {name: int(f.cache_info().currsize) for name, f in functions.items()}
    sizes["page statements (by principal, filter)"] = len(query._STATEMENTS)
    return sizes


class Worker:
    """The app and the requests, as one gunicorn worker would serve them."""

    def __init__(self, collection: str, token: str, lookups: int) -> None:
        from hub import create_app

        self.app = create_app()
        self.client = self.app.test_client()
        self.headers = {"Accept": TAXII_ACCEPT, "Authorization": f"Bearer {token}"}
        self.objects = f"/taxii2/api/collections/{collection}/objects/"
        self.held = 0
        self.lookups = lookups

    def ingest_to(self, n: int) -> None:
        """Post indicators in envelopes of ENVELOPE until the collection holds `n`."""
        headers = {**self.headers, "Content-Type": TAXII_ACCEPT}
        for start in range(self.held, n, ENVELOPE):
            objects = [data.indicator(i, "mem") for i in range(start, min(n, start + ENVELOPE))]
            body = orjson.dumps({"objects": objects})
            response = self.client.post(self.objects, data=body, headers=headers)
            assert response.status_code == 202, response.data[:300]
        self.held = n

    def read(self) -> None:
        """First pages, the whole collection in pages of 1,000, and one-value lookups of known values."""
        for _ in range(50):
            response = self.client.get(self.objects, query_string={"limit": 100}, headers=self.headers)
            assert response.status_code == 200
        params: dict[str, Any] = {"limit": 1000}
        while True:
            body = orjson.loads(self.client.get(self.objects, query_string=params, headers=self.headers).data)
            if not body.get("more"):
                break
            params["next"] = body["next"]
        for k in range(self.lookups):
            value = data.lookup_value((k * 7919) % self.held, "mem")
            response = self.client.get("/api/v1/lookup", query_string={"value": value}, headers=self.headers)
            assert response.status_code == 200


def growth(before: tracemalloc.Snapshot, after: tracemalloc.Snapshot) -> list[str]:
    """The source lines whose live allocations grew most between two snapshots."""
    stats = after.compare_to(before, "lineno")
    return [
        f"{s.size_diff / 2**20:+.2f} MiB ({s.count_diff:+,} blocks) {s.traceback[0].filename}:"
        f"{s.traceback[0].lineno}"
        for s in stats[:TOP_LINES]
    ]


def measure(worker: Worker, sizes: list[int]) -> list[dict[str, Any]]:
    """Each size in turn: ingest, read, and what the process holds afterwards."""
    rows: list[dict[str, Any]] = []
    tracing = tracemalloc.is_tracing()
    previous = tracemalloc.take_snapshot() if tracing else None
    for n in sizes:
        worker.ingest_to(n)
        gc.collect()
        phases = {"rss_after_ingest_mib": rss_mib()}
        worker.read()
        gc.collect()
        phases["rss_after_read_mib"] = rss_mib()
        row: dict[str, Any] = {"n": n, **phases, "caches": cache_sizes()}
        if previous is not None:
            snapshot = tracemalloc.take_snapshot()
            row.update(
                traced_mib=tracemalloc.get_traced_memory()[0] / 2**20, grew_most=growth(previous, snapshot)
            )
            previous = snapshot
        rows.append(row)
        print(json.dumps(rows[-1], indent=2), flush=True)
    return rows


def markdown(rows: list[dict[str, Any]]) -> str:
    """One line per size: RSS after ingest and after reads, traced Python memory, the cache sizes."""
    names = list(rows[0]["caches"])
    lines = [
        "| N | RSS after ingest, MiB | RSS after reads, MiB | traced by Python, MiB | "
        + " | ".join(names)
        + " |",
        "|---" * (4 + len(names)) + "|",
    ]
    for row in rows:
        caches = " | ".join(f"{row['caches'][name]:,}" for name in names)
        lines.append(
            f"| {row['n']:,} | {row['rss_after_ingest_mib']:.0f} | {row['rss_after_read_mib']:.0f} | "
            f"{row.get('traced_mib', float('nan')):.1f} | {caches} |"
        )
    return "\n".join(lines)


def use_revision(work: Path, revision: str) -> str:
    """Import the hub from `revision` of this repository (exported into the work folder)."""
    folder = work / "hub-rev"
    folder.mkdir()
    archive = subprocess.run(["git", "archive", revision], capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
    sys.path.insert(0, str(folder))
    os.environ["PYTHONPATH"] = str(folder)
    return f"git {revision}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--hub-source", choices=("HEAD", "worktree"), default="HEAD")
    parser.add_argument("--lookups", type=int, default=2_000, help="one-value lookups per size")
    parser.add_argument("--hub-rev", default="", help="run this git revision of the hub instead")
    parser.add_argument("--no-trace", action="store_true", help="RSS only, without tracemalloc")
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    name = run_database("hub_bench_memory")
    with tempfile.TemporaryDirectory(prefix="hub-memory-") as folder:
        work = Path(folder)
        print(
            "hub:",
            use_revision(work, args.hub_rev) if args.hub_rev else use_hub_source(work, args.hub_source),
        )
        with in_process_hub(work, args.database, name, "memory") as seed:
            if not args.no_trace:
                tracemalloc.start()
            worker = Worker(seed.collections[0], seed.token, args.lookups)
            rows = measure(worker, sizes)
            print(markdown(rows))
            if args.json:
                args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
