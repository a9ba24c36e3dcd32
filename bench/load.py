"""Concurrent load on several hub instances sharing one PostgreSQL: latency per endpoint, errors, and whether
every poller saw every acknowledged object exactly once.

    python -m bench.load [--instances 2] [--workers 2] [--pollers 50] [--writers 10] [--lookups 50]
                         [--page-readers 10] [--idle-clients 10] [--idle-seconds 4.5,5] [--seconds 60]
                         [--preload 10000] [--client-processes 2] [--scales 1] [--threads N]

Starts `--instances` `hub serve` processes (own ports, `--workers` gunicorn workers each) on a fresh database
(`--database`, default `hub_bench_load_<pid>`), imports `--preload` indicators, then for `--seconds` runs at
once:

- pollers paging the collection as TAXII clients do: `added_after` (the previous page's
  `X-TAXII-Date-Added-Last`), `next` while `more`, alternating instances on every request, 1 s apart once
  caught up; after the writers stop they drain;
- writers posting envelopes of `--envelope` new indicators, round-robin over the instances;
- lookup clients asking `/api/v1/lookup?value=` for known values;
- page readers asking for the first page (`limit=100`), the request a dashboard or a new subscriber makes;
- idle clients, each on a connection of its own, asking for one object every `--idle-seconds`: a client's
  pool reuses a kept-alive connection up to its expiry (httpx: 5 s), and a server that closes it as the
  request arrives loses the request (docs/scaling.md).

`--scales 0.1,0.25,0.5,1` repeats the run on the same instances with every client count multiplied by each
factor in turn, to find where latency turns from service time into queueing (the knee). Each run also reports
the peak number of database connections the instances held (`pg_stat_activity`).

Clients are asyncio tasks (httpx) spread over `--client-processes` processes, so the load generator is not
one Python thread's bottleneck. Latencies are measured in the client (they include its own scheduling delay on
a busy machine: run the clients on another machine for absolute figures). Prints a JSON document and a
Markdown table, and counts gunicorn's worker restarts, timeouts and tracebacks in the instances' logs. A
transport error says whether it happened on a new or a kept-alive connection. `docs/scaling.md` keeps the
results.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import random
import statistics
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson
import psycopg

from bench import data
from bench.procs import BENCH_PYTHON, run
from bench.servers import (
    PG_ADMIN_URL,
    TAXII_ACCEPT,
    Target,
    create_database,
    drop_database,
    hub_bin,
    hub_env,
    run_database,
    seed_hub,
    start_hub,
    use_hub_source,
)

POLL_LIMIT = 1000
FIRST_PAGE = 100
GIVE_UP_AFTER = 300  # seconds past the end a failing poller keeps trying


@dataclass(frozen=True)
class Plan:
    """What one client process runs (plain data: it crosses a process boundary)."""

    process: int
    collection_urls: list[str]
    lookup_urls: list[str]
    token: str
    pollers: int
    writers: int
    lookups: int
    page_readers: int
    idle_clients: int
    idle_seconds: tuple[float, float]
    seconds: float
    envelope: int
    preload: int


@dataclass
class Outcome:
    """What one client process measured."""

    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)
    accepted: list[tuple[str, str]] = field(default_factory=list)
    seen: list[list[tuple[str, str]]] = field(default_factory=list)

    def timed(self, endpoint: str, seconds: float) -> None:
        self.latencies.setdefault(endpoint, []).append(seconds)

    def failed(self, endpoint: str, why: str) -> None:
        self.errors.setdefault(endpoint, []).append(why[:200])


class Refused(Exception):
    """The hub refused a request as malformed (a 4xx other than 408 and 429): sending it again cannot help."""


def _refusal(status: int) -> bool:
    return 400 <= status < 500 and status not in (408, 429)


class _Connection:
    """Whether one request went out on a new connection or on one kept alive in the client's pool (from
    httpcore's trace events)."""

    def __init__(self) -> None:
        self.new = False

    async def trace(self, event: str, info: dict[str, Any]) -> None:
        if event == "connection.connect_tcp.complete":
            self.new = True

    def describe(self) -> str:
        return "(new connection)" if self.new else "(kept-alive connection)"


class Clients:
    """The asyncio clients of one process, sharing one connection pool and the writers-still-running count."""

    def __init__(self, plan: Plan, http: httpx.AsyncClient, writers_left: Any) -> None:
        self.plan, self.http, self.writers_left = plan, http, writers_left
        self.outcome = Outcome()
        self.deadline = time.monotonic() + plan.seconds

    async def request(
        self,
        endpoint: str,
        method: str,
        url: str,
        http: httpx.AsyncClient | None = None,
        raise_refused: bool = False,
        **kwargs: Any,
    ) -> httpx.Response | None:
        """One request, timed; a transport error or an unexpected status is counted as an error. A transport
        error says whether the request went out on a new connection or on a kept-alive one,
        which tells a kept-alive connection the server closed from a server that failed.

        :raises Refused: `raise_refused` and the hub refused the request itself (counted first)."""
        started = time.perf_counter()
        connection = _Connection()
        try:
            response = await (http or self.http).request(
                method, url, extensions={"trace": connection.trace}, **kwargs
            )
        except httpx.HTTPError as exc:
            self.outcome.failed(endpoint, f"{type(exc).__name__} {connection.describe()}: {exc}")
            return None
        self.outcome.timed(endpoint, time.perf_counter() - started)
        if response.status_code not in (200, 202):
            self.outcome.failed(endpoint, f"{response.status_code}: {response.text[:150]}")
            if raise_refused and _refusal(response.status_code):
                raise Refused(response.status_code)
            return None
        return response

    async def poller(self, number: int) -> None:
        """Page by `added_after`/`next` until the writers are done and a poll comes back empty; give up at
        once when the hub refuses a poll (the same query would be refused for the rest of the run)."""
        seen: list[tuple[str, str]] = []
        self.outcome.seen.append(seen)
        after, next_token, polls = "", "", number
        query_after = ""  # the `added_after` of the query being paged: resent with its `next`, as clients do
        urls = self.plan.collection_urls
        while True:
            drained = self.writers_left.value == 0 and not next_token
            params: dict[str, Any] = {"limit": POLL_LIMIT, "match[version]": "all"}
            endpoint = "objects: next page" if next_token else "objects: added_after poll"
            if not next_token:
                query_after = after
            if query_after:
                params["added_after"] = query_after
            if next_token:
                params["next"] = next_token
            polls += 1
            try:
                response = await self.request(
                    endpoint, "GET", urls[polls % len(urls)] + "objects/", params=params, raise_refused=True
                )
            except Refused:
                return  # counted; the exactly-once check will show what this poller missed
            if response is None:
                if time.monotonic() > self.deadline + GIVE_UP_AFTER:
                    return  # the errors are counted; the exactly-once check will show what was missed
                await asyncio.sleep(1)
                continue
            body = orjson.loads(response.content) if response.content else {}
            objects = body.get("objects", [])
            seen += [(obj["id"], obj["modified"]) for obj in objects]
            if objects:
                after = response.headers["X-TAXII-Date-Added-Last"]
            next_token = body.get("next", "") if body.get("more") else ""
            if drained and not objects:
                return
            if not next_token:
                await asyncio.sleep(1.0)

    async def writer(self, number: int) -> None:
        """Post envelopes of new indicators until the time is up; keep what the hub acknowledged."""
        urls = self.plan.collection_urls
        salt, posted = f"load{self.plan.process}w{number}", 0
        try:
            while time.monotonic() < self.deadline:
                objects = [data.indicator(i, salt) for i in range(posted, posted + self.plan.envelope)]
                posted += self.plan.envelope
                envelope = orjson.dumps({"objects": objects})
                headers = {"Content-Type": TAXII_ACCEPT}
                url = urls[(number + posted // self.plan.envelope) % len(urls)] + "objects/"
                response = await self.request("POST envelope", "POST", url, content=envelope, headers=headers)
                if response is not None:
                    # the status names versions in the hub's own timestamp form: match on ids
                    status = orjson.loads(response.content)
                    stored = {entry["id"] for entry in status.get("successes", [])}
                    self.outcome.accepted += [(o["id"], o["modified"]) for o in objects if o["id"] in stored]
        finally:
            with self.writers_left.get_lock():
                self.writers_left.value -= 1

    async def looker(self, number: int) -> None:
        """Look up one known value at a time."""
        rng = random.Random(number)
        urls = self.plan.lookup_urls
        while time.monotonic() < self.deadline:
            value = data.lookup_value(rng.randrange(self.plan.preload), "pre")
            await self.request("lookup one value", "GET", urls[number % len(urls)], params={"value": value})
            await asyncio.sleep(0.05)

    async def page_reader(self, number: int) -> None:
        """Ask for the first page, as a new subscriber or a dashboard does."""
        urls = self.plan.collection_urls
        while time.monotonic() < self.deadline:
            url = urls[number % len(urls)] + "objects/"
            await self.request("objects: first page (limit=100)", "GET", url, params={"limit": FIRST_PAGE})
            await asyncio.sleep(0.05)

    async def idle_reuser(self, number: int) -> None:
        """Ask for one object, then idle for `idle_seconds` and ask again on the same kept-alive connection,
        as a client polling every few seconds does. An idle time near the server's keep-alive timeout finds
        the race between a server closing the connection and a request arriving on it."""
        rng = random.Random(number)
        low, high = self.plan.idle_seconds
        url = self.plan.collection_urls[number % len(self.plan.collection_urls)] + "objects/"
        endpoint = f"objects: after {low:g}-{high:g} s idle (limit=1)"
        limits = httpx.Limits(max_connections=1)
        async with httpx.AsyncClient(headers=self.http.headers, limits=limits, timeout=120) as own:
            while time.monotonic() < self.deadline:
                await self.request(endpoint, "GET", url, http=own, params={"limit": 1})
                await asyncio.sleep(rng.uniform(low, high))

    async def run(self) -> Outcome:
        plan = self.plan
        tasks = [self.poller(k) for k in range(plan.pollers)]
        tasks += [self.writer(k) for k in range(plan.writers)]
        tasks += [self.looker(k) for k in range(plan.lookups)]
        tasks += [self.page_reader(k) for k in range(plan.page_readers)]
        tasks += [self.idle_reuser(k) for k in range(plan.idle_clients)]
        await asyncio.gather(*tasks)
        return self.outcome


def _client_process(plan: Plan, writers_left: Any) -> Outcome:
    async def main() -> Outcome:
        limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
        headers = {"Accept": TAXII_ACCEPT, "Authorization": f"Bearer {plan.token}"}
        async with httpx.AsyncClient(headers=headers, limits=limits, timeout=120) as http:
            return await Clients(plan, http, writers_left).run()

    return asyncio.run(main())


def _share(total: int, parts: int, k: int) -> int:
    return total // parts + (1 if k < total % parts else 0)


def run_load(targets: list[Target], args: argparse.Namespace) -> list[Outcome]:
    """Run the clients over `args.client_processes` processes; returns each process's outcome."""
    context = multiprocessing.get_context("spawn")
    writers_left = context.Value("i", args.writers)
    token = targets[0].headers["Authorization"].removeprefix("Bearer ")
    plans = [
        Plan(
            k,
            [t.collection_url(0) for t in targets],
            [t.lookup_url or "" for t in targets],
            token,
            _share(args.pollers, args.client_processes, k),
            _share(args.writers, args.client_processes, k),
            _share(args.lookups, args.client_processes, k),
            _share(args.page_readers, args.client_processes, k),
            _share(args.idle_clients, args.client_processes, k),
            args.idle_seconds,
            args.seconds,
            args.envelope,
            args.preload,
        )
        for k in range(args.client_processes)
    ]
    with context.Pool(args.client_processes, initializer=_keep, initargs=(writers_left,)) as pool:
        return pool.map(_run_plan, plans)


_shared: dict[str, Any] = {}


def _keep(writers_left: Any) -> None:
    _shared["writers_left"] = writers_left


def _run_plan(plan: Plan) -> Outcome:
    return _client_process(plan, _shared["writers_left"])


def summarise(outcomes: list[Outcome], expected: set[tuple[str, str]], seconds: float) -> dict[str, Any]:
    """Per-endpoint throughput and percentiles, errors, and the exactly-once check for every poller."""
    endpoints: dict[str, Any] = {}
    names = {name for o in outcomes for name in (*o.latencies, *o.errors)}
    for name in sorted(names):
        samples = sorted(s for o in outcomes for s in o.latencies.get(name, []))
        errors = [e for o in outcomes for e in o.errors.get(name, [])]
        endpoints[name] = {"requests": len(samples), "per_s": len(samples) / seconds, "errors": len(errors)}
        if errors:
            endpoints[name]["first_errors"] = errors[:3]
        if samples:
            several = samples if len(samples) > 1 else samples * 2  # quantiles() needs two
            cuts = statistics.quantiles(several, n=100, method="inclusive")
            endpoints[name].update(p50_ms=1000 * cuts[49], p95_ms=1000 * cuts[94], p99_ms=1000 * cuts[98])
    pollers = [seen for o in outcomes for seen in o.seen]
    checks = [
        {
            "seen": len(seen),
            "lost": len(expected - set(seen)),
            "duplicated": len(seen) - len(set(seen)),
            "unexpected": len(set(seen) - expected),
        }
        for seen in pollers
    ]
    return {
        "endpoints": endpoints,
        "acknowledged_writes": len(expected),
        "pollers": len(pollers),
        "pollers_exactly_once": sum(
            1 for c in checks if not (c["lost"] or c["duplicated"] or c["unexpected"])
        ),
        "worst_poller": max(checks, key=lambda c: (c["lost"], c["duplicated"], c["unexpected"]), default={}),
    }


def markdown(summary: dict[str, Any]) -> str:
    """The per-endpoint table for docs/scaling.md."""
    lines = ["| endpoint | requests/s | p50 ms | p95 ms | p99 ms | errors |", "|---|---|---|---|---|---|"]
    for name, e in summary["endpoints"].items():
        row = [f"{e.get(k, float('nan')):.1f}" for k in ("p50_ms", "p95_ms", "p99_ms")]
        lines.append(f"| {name} | {e['per_s']:,.1f} | {' | '.join(row)} | {e['errors']} |")
    lines.append(
        f"\n{summary['pollers_exactly_once']} of {summary['pollers']} pollers saw each of the "
        f"{summary['acknowledged_writes']:,} acknowledged versions exactly once; "
        f"worst: {summary['worst_poller']}"
    )
    return "\n".join(lines)


# What gunicorn writes when a worker dies, is killed, restarts or a request fails (`hub serve` logs to stderr)
SERVER_EVENTS = {
    "worker booted": "Booting worker with pid",
    "worker timeout": "WORKER TIMEOUT",
    "worker killed": "was sent SIGKILL",
    "worker exited": "Worker exiting",
    "max_requests restart": "Autorestarting worker",
    "request error": "Error handling request",
    "traceback": "Traceback (most recent call last)",
}


def server_events(work: Path) -> dict[str, Any]:
    """Count gunicorn's lifecycle and error lines in every instance's log; keep the first error lines."""
    counts = dict.fromkeys(SERVER_EVENTS, 0)
    lines: list[str] = []
    for log in sorted(work.glob("hub-postgresql-*.log")):
        for line in log.read_text(errors="replace").splitlines():
            for name, marker in SERVER_EVENTS.items():
                if marker in line:
                    counts[name] += 1
                    if name not in ("worker booted", "worker exited") and len(lines) < 20:
                        lines.append(line[:300])
    return {"counts": counts, "first_lines": lines}


class ConnectionPeak(threading.Thread):
    """Samples, twice a second, how many server processes the hub instances hold on the benchmark database."""

    def __init__(self, database: str) -> None:
        super().__init__(daemon=True)
        self.database, self.peak, self.done = database, 0, threading.Event()

    def run(self) -> None:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            while not self.done.wait(0.5):
                row = conn.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", (self.database,)
                ).fetchone()
                self.peak = max(self.peak, int(row[0]) if row else 0)

    def stop(self) -> int:
        self.done.set()
        self.join()
        return self.peak


CLIENT_KINDS = ("pollers", "writers", "lookups", "page_readers", "idle_clients")


def scaled(args: argparse.Namespace, scale: float) -> argparse.Namespace:
    """The arguments with every client count multiplied by `scale` (at least one of each kind asked for)."""
    counts = {
        kind: max(1, round(getattr(args, kind) * scale)) if getattr(args, kind) else 0
        for kind in CLIENT_KINDS
    }
    return argparse.Namespace(**{**vars(args), **counts})


def load_at(
    targets: list[Target], args: argparse.Namespace, expected: set[tuple[str, str]]
) -> dict[str, Any]:
    """One run of every client at once; `expected` gains what the writers got acknowledged."""
    peak = ConnectionPeak(args.database)
    peak.start()
    started = time.perf_counter()
    outcomes = run_load(targets, args)
    elapsed = time.perf_counter() - started
    expected |= {pair for o in outcomes for pair in o.accepted}
    summary = summarise(outcomes, expected, args.seconds)
    summary.update(
        clients={kind: getattr(args, kind) for kind in CLIENT_KINDS},
        wall_seconds=elapsed,
        database_connections_peak=peak.stop(),
    )
    return summary


def preload(work: Path, env: dict[str, str], collection: str, email: str, n: int) -> set[tuple[str, str]]:
    """Import `n` indicators with `hub import` (the fast path) and return their (id, version) pairs."""
    objects = [data.indicator(i, "pre") for i in range(n)]
    bundle = work / "preload.json"
    bundle.write_bytes(orjson.dumps({"type": "bundle", "id": "bundle--load", "objects": objects}))
    run([hub_bin(), "import", str(bundle), "--as", email, "--collection", collection, "--quiet"], env=env)
    return {(o["id"], o["modified"]) for o in objects}


def _seconds_range(text: str) -> tuple[float, float]:
    low, high = (float(part) for part in text.split(","))
    return low, high


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per instance")
    parser.add_argument("--pollers", type=int, default=50)
    parser.add_argument("--writers", type=int, default=10)
    parser.add_argument("--lookups", type=int, default=50)
    parser.add_argument("--page-readers", type=int, default=10)
    parser.add_argument(
        "--idle-clients", type=int, default=10, help="clients reusing a connection after idling"
    )
    parser.add_argument(
        "--idle-seconds",
        type=_seconds_range,
        default=(4.5, 5.0),
        help="their idle time, LOW,HIGH (default 4.5,5: just under httpx's 5 s pool expiry)",
    )
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument(
        "--scales",
        default="1",
        help="client-count multipliers, run one after the other on the same instances (e.g. 0.1,0.25,0.5,1)",
    )
    parser.add_argument("--threads", type=int, default=None, help="threads per worker (default: the hub's)")
    parser.add_argument("--envelope", type=int, default=100, help="objects per posted envelope")
    parser.add_argument("--preload", type=int, default=10_000)
    parser.add_argument("--client-processes", type=int, default=2)
    parser.add_argument("--hub-source", choices=("HEAD", "worktree"), default="HEAD")
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    parser.add_argument(
        "--database", default=run_database("hub_bench_load"), help="PostgreSQL database (created, dropped)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hub-load-") as folder:
        work = Path(folder)
        print("hub:", use_hub_source(work, args.hub_source), "client:", BENCH_PYTHON, flush=True)
        env = hub_env(work, create_database(args.database))
        if args.threads:
            env["HUB_THREADS"] = str(args.threads)
        targets: list[Target] = []
        try:
            seed = seed_hub(env, collections=1, tag="load")
            expected = preload(work, env, seed.collections[0], seed.email, args.preload)
            targets = [
                start_hub(work, "postgresql", 1, args.workers, env=env, seed=seed)
                for _ in range(args.instances)
            ]
            runs: dict[str, Any] = {}
            for scale in (float(s) for s in args.scales.split(",")):
                runs[f"{scale:g}"] = summary = load_at(targets, scaled(args, scale), expected)
                print(f"\n## scale {scale:g}: {summary['clients']} (load average {os.getloadavg()[0]:.1f})")
                print(markdown(summary), flush=True)
            document = {
                **(summary if len(runs) == 1 else {"scales": runs}),
                "args": {k: str(v) for k, v in vars(args).items()},
                "memory": [t.memory() for t in targets],
                "server_log": server_events(work),
            }
            print(json.dumps(document, indent=2))
            if args.json:
                args.json.write_text(json.dumps(document, indent=2))
        finally:
            for target in targets:
                target.close()
            drop_database(args.database)


if __name__ == "__main__":
    main()
