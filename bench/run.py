"""Run the TAXII benchmark: the hub (SQLite and PostgreSQL) beside medallion and OpenTAXII, plus the floor.

    python -m bench.run [--sizes 1000,10000] [--peers medallion,opentaxii] [--budget-seconds 300] [--repeat 5]
                        [--out docs/performance.md]

Each server is started fresh for each size on a free 127.0.0.1 port, the peers in their own virtualenvs
under a temporary folder; each gets the same workload within its own time budget. Sizes above 100,000 run
only the hub on PostgreSQL (`--sizes 1000000` takes tens of minutes: see docs/performance.md).
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from bench import floor, report
from bench.peers import start_medallion, start_opentaxii
from bench.servers import Target, start_hub, use_hub_source
from bench.workload import Client, Progress, run_workload

ROOT = Path(__file__).resolve().parent.parent
PEER_LIMIT = 100_000  # above this size only the hub on PostgreSQL runs


def plan(n: int, args: argparse.Namespace, work: Path) -> list[tuple[str, Callable[[], Target]]]:
    """The servers to run at size n, each as (name, starter)."""
    collections = args.repeat
    servers: list[tuple[str, Callable[[], Target]]] = []
    for database in args.hub_databases:
        if n > PEER_LIMIT and database != "postgresql":
            continue
        name = f"hub ({'PostgreSQL' if database == 'postgresql' else 'SQLite'})"
        servers.append((name, lambda d=database: start_hub(work, d, collections, args.workers)))
    if n <= PEER_LIMIT:
        if "medallion" in args.peers:
            servers.append(("medallion", lambda: start_medallion(work, collections)))
        if "opentaxii" in args.peers:
            servers.append(("OpenTAXII", lambda: start_opentaxii(work, collections, args.workers)))
    return servers


def run_server(name: str, starter: Callable[[], Target], n: int, args: argparse.Namespace) -> dict[str, Any]:
    """Start one server, run the workload within the budget, stop it. Failures are recorded, not raised."""
    print(f"[{time.strftime('%H:%M:%S')}] N={n:,} {name}: starting", flush=True)
    try:
        target = starter()
    except Exception as exc:  # a peer that cannot be set up is reported, not fatal
        traceback.print_exc()
        return {"error": f"could not start: {str(exc).splitlines()[0][:200]}"}
    client: Client | None = None
    try:
        client = Client(target, args.budget_seconds, args.request_timeout)
        result = run_workload(client, n, args.repeat, Progress(f"N={n:,} {name}"))
    except Exception as exc:
        traceback.print_exc()
        result = {"error": str(exc).splitlines()[0][:300], "memory": target.memory()}
    finally:
        if client is not None:  # an open keep-alive connection holds a stopping gunicorn worker ~2 s
            client.http.close()
        target.close()
    result.update(
        load_average=os.getloadavg()[0],
        version=target.version,
        workers=target.workers,
        notes=target.notes,
        budget_seconds=args.budget_seconds,
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description="TAXII benchmark: the hub beside medallion and OpenTAXII.")
    parser.add_argument("--sizes", default="1000,10000", help="comma-separated object counts")
    parser.add_argument("--peers", default="medallion,opentaxii", help="peers to run (or 'none')")
    parser.add_argument("--hub-databases", default="sqlite,postgresql")
    parser.add_argument("--budget-seconds", type=float, default=300, help="time budget per server and size")
    parser.add_argument("--repeat", type=int, default=5, help="runs per measurement; medians are reported")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers of the hub and OpenTAXII")
    parser.add_argument("--request-timeout", type=float, default=120)
    parser.add_argument(
        "--hub-source",
        default="HEAD",
        help="a commit to run (HEAD or any revision, exported to the work folder) or worktree",
    )
    parser.add_argument("--no-floor", action="store_true", help="skip the database floor")
    parser.add_argument("--out", default=str(ROOT / "docs" / "performance.md"))
    parser.add_argument("--json", default=str(ROOT / "bench" / "results" / "latest.json"))
    parser.add_argument("--work-dir", default=None, help="keep venvs, logs and databases here (reused)")
    args = parser.parse_args()
    args.sizes = [int(s) for s in args.sizes.split(",") if s]
    args.peers = [p for p in args.peers.split(",") if p and p != "none"]
    args.hub_databases = [d for d in args.hub_databases.split(",") if d]

    work = Path(args.work_dir) if args.work_dir else Path(tempfile.mkdtemp(prefix="hub-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    started = time.time()
    results: dict[str, Any] = {
        "args": {k: v for k, v in vars(args).items() if k not in ("out", "json", "work_dir")},
        "machine": report.machine(),
        "hub": use_hub_source(work, args.hub_source),
        "sizes": {},
    }
    print(f"hub: {results['hub']}", flush=True)
    try:
        for n in args.sizes:
            entry: dict[str, Any] = {"servers": {}, "floor": {}}
            results["sizes"][str(n)] = entry
            for name, starter in plan(n, args, work):
                entry["servers"][name] = run_server(name, starter, n, args)
            if not args.no_floor:
                for database in args.hub_databases:
                    if n > PEER_LIMIT and database != "postgresql":
                        continue
                    print(f"[{time.strftime('%H:%M:%S')}] N={n:,} floor {database}", flush=True)
                    entry["floor"][database] = floor.measure(database, n, args.repeat, work)
    finally:
        results["seconds"] = time.time() - started
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_bytes(orjson.dumps(results, option=orjson.OPT_INDENT_2))
        if not args.work_dir:
            shutil.rmtree(work, ignore_errors=True)
    report.write(Path(args.out), results)
    print(f"wrote {args.out} and {args.json} in {time.time() - started:.0f} s")


if __name__ == "__main__":
    main()
