"""TAXII POST throughput: envelopes of 500 from one poster and from several at once, into one collection.

    python -m bench.post [--objects 20000] [--posters 1,2,4] [--databases sqlite,postgresql] [--repeat 3]
                         [--workers 2] [--hub-source HEAD]

`bench.run` posts from one client, one envelope after the other, so one gunicorn worker checks and stores
while the other waits. Producers of a hub are several (NGOs, helplines, feed connectors), and the hub checks
an envelope (validation, its objects' own TLP, observable values) before it takes the collection's write
lock, so envelopes from several posters overlap their checks with each other's stores. This measures that:
for each database one fresh hub, and for each repeat and poster count (interleaved, so the counts share
the machine's load) a fresh collection that K threads fill with N indicators, each thread posting every
K-th envelope on a connection of its own, after a warm-up envelope for each worker. Reported per poster
count: objects/s over the wall time from the first request to the last answer (medians over the repeats),
the median envelope's latency, the share of the machine's CPU that was busy meanwhile (all of it: the
cores are the limit; well below: something serialises the posters), and the objects the hub acknowledged,
which must be all of them.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import threading
import time
from itertools import islice
from pathlib import Path
from typing import Any

import orjson

from bench import data
from bench.servers import TAXII_ACCEPT, Target, start_hub, use_hub_source
from bench.workload import Client

BUDGET_SECONDS = 3600.0
REQUEST_TIMEOUT = 300.0


def cpu_times() -> tuple[int, int]:
    """The machine's busy and total CPU time so far, in clock ticks of all cores (`/proc/stat`): idle and
    I/O wait are the not-busy part."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return sum(fields) - idle, sum(fields)


def busy_share(before: tuple[int, int], after: tuple[int, int]) -> float:
    """The share of the machine's CPU time that was busy between two `cpu_times` readings: 1.0 means every
    core worked throughout, so more posters cannot help; well below it, something serialises them."""
    total = after[1] - before[1]
    return (after[0] - before[0]) / total if total > 0 else 0.0


def post_all(target: Target, collection: int, n: int, posters: int, salt: str) -> dict[str, Any]:
    """N indicators into one collection from `posters` threads at once; wall-clock objects/s."""
    url = target.collection_url(collection) + "objects/"
    bodies = [orjson.dumps(envelope) for envelope in data.envelopes(n, salt)]
    latencies: list[float] = []
    acknowledged = [0] * posters
    errors: list[str] = []
    start = threading.Barrier(posters + 1)

    def poster(k: int) -> None:
        client = Client(target, BUDGET_SECONDS, REQUEST_TIMEOUT)
        start.wait()
        try:
            for body in islice(bodies, k, None, posters):
                began = time.perf_counter()
                response = client.request("POST", url, data=body, headers={"Content-Type": TAXII_ACCEPT})
                latencies.append(time.perf_counter() - began)
                if response.status_code not in (200, 201, 202):
                    errors.append(f"POST -> {response.status_code}: {response.text[:200]}")
                    return
                acknowledged[k] += int(orjson.loads(response.content).get("success_count", 0))
        finally:
            client.http.close()

    threads = [threading.Thread(target=poster, args=(k,)) for k in range(posters)]
    for thread in threads:
        thread.start()
    start.wait()
    began, cpu = time.perf_counter(), cpu_times()
    for thread in threads:
        thread.join()
    seconds, busy = time.perf_counter() - began, busy_share(cpu, cpu_times())
    return {
        "posters": posters,
        "seconds": seconds,
        "objects_per_s": n / seconds,
        "envelope_ms": 1000 * statistics.median(latencies) if latencies else None,
        "acknowledged": sum(acknowledged),
        "cpu_busy": busy,
        "errors": errors,
        "load_average": os.getloadavg()[0],
    }


def measure(database: str, args: argparse.Namespace, work: Path) -> list[dict[str, Any]]:
    """Every (repeat, poster count) on one fresh hub, each into a fresh collection."""
    measurements = args.repeat * len(args.posters)
    target = start_hub(work, database, measurements + 1, args.workers)
    runs = []
    try:
        post_all(target, measurements, 2 * data.ENVELOPE_SIZE, 2, "warm")  # both workers, before any timing
        for r in range(args.repeat):
            for i, posters in enumerate(args.posters):
                collection = r * len(args.posters) + i
                result = post_all(target, collection, args.objects, posters, f"p{collection}")
                result["database"] = database
                runs.append(result)
                print(
                    f"{database} posters={posters} round {r + 1}: {result['objects_per_s']:,.0f} obj/s, "
                    f"envelope {result['envelope_ms']:.0f} ms, CPU busy {result['cpu_busy']:.0%}, "
                    f"acknowledged {result['acknowledged']:,}/{args.objects:,}, "
                    f"load {result['load_average']:.1f}"
                    + (f", errors: {result['errors'][:1]}" if result["errors"] else ""),
                    flush=True,
                )
    finally:
        target.close()
    return runs


def summary(runs: list[dict[str, Any]], objects: int) -> list[str]:
    """One Markdown table row per (database, poster count): medians and the range of the rounds."""
    rows = []
    for database in dict.fromkeys(r["database"] for r in runs):
        for posters in dict.fromkeys(r["posters"] for r in runs):
            mine = [r for r in runs if r["database"] == database and r["posters"] == posters]
            rates = [r["objects_per_s"] for r in mine]
            rows.append(
                f"| {database} | {posters} | {statistics.median(rates):,.0f} "
                f"({', '.join(f'{x:,.0f}' for x in rates)}) | "
                f"{statistics.median(r['envelope_ms'] for r in mine):.0f} | "
                f"{statistics.median(r['cpu_busy'] for r in mine):.0%} | "
                f"{min(r['acknowledged'] for r in mine):,} of {objects:,} |"
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description="TAXII POST throughput from one and several posters.")
    parser.add_argument("--objects", type=int, default=20_000, help="indicators per measurement")
    parser.add_argument("--posters", default="1,2,4", help="comma-separated counts of concurrent posters")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--repeat", type=int, default=3, help="rounds; medians are reported")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers of the hub")
    parser.add_argument("--hub-source", default="HEAD", help="a commit to run, or `worktree`")
    parser.add_argument("--json", default=None, help="write every run here")
    args = parser.parse_args()
    args.posters = [int(p) for p in args.posters.split(",") if p]
    work = Path(tempfile.mkdtemp(prefix="hub-post-"))
    try:
        print(f"hub: {use_hub_source(work, args.hub_source)}, {args.workers} workers", flush=True)
        runs = [run for database in args.databases.split(",") for run in measure(database, args, work)]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if args.json:
        Path(args.json).write_bytes(orjson.dumps(runs, option=orjson.OPT_INDENT_2))
    print(
        "| database | posters | objects/s (rounds) | envelope ms (median) | machine CPU busy | acknowledged |"
    )
    print("|---|---|---|---|---|---|")
    print("\n".join(summary(runs, args.objects)))


if __name__ == "__main__":
    main()
