"""The hub's reads as ratios to the floor of its own stack (`bench.stack_floor`), measured side by side.

    python -m bench.stack [--sizes 10000,100000] [--databases sqlite,postgresql] [--rounds 3] [--samples 20]
                          [--passes 3] [--load post|import] [--name NAME] [--templates DIR]
                          [--hub-source HEAD|worktree] [--json bench/results/stack.json]
    python -m bench.stack --name NAME --templates DIR --drop-templates

For each database and size: a database of this run (named after `--name`) holding N indicators stored by the
hub's own ingest (`bench.stack_load`: TAXII POST in envelopes of 500 by default; `--load import` writes them
to a file and runs `hub import`; `--templates DIR` keeps each loaded database and copies it in later runs).
Then the hub (`hub serve`, gunicorn, fresh workers that did not do the load) and the floor app on the same
database and collection (same gunicorn settings, same worker count, same objects). Before timing, both are
paged through once and every served object compared (`same_objects`). Each round measures the hub and then
the floor step by step, so both see the same load on a shared machine, and the ratio is taken within the
round; the report gives the median ratio over the rounds and its range. Steps: first page (`limit=100`, the
median of `--samples` requests); paging the whole collection (`limit=1000`, `next`; `--passes` passes each,
alternating); for the hub the observable lookup of one value (compared to the floor's first page) and of a
1,000-value batch (absolute). Peak RSS per worker of both servers at the end (the floor holds every stored
body of the collection in each worker). On PostgreSQL also the server's `shared_buffers`, its
`effective_cache_size` and the database's size: at 1M objects the database outgrows the default cache, and a
lookup's reading depends on it (`docs/scaling.md`).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson
import requests

from bench import data
from bench.procs import BENCH_PYTHON, LOOPBACK, free_port, peak_rss, start, stop, wait_http
from bench.servers import TAXII_ACCEPT, Target, postgresql_memory, start_hub, use_hub_source
from bench.stack_load import SALT, Templates, prepare
from bench.workload import FIRST_PAGE, PAGE, timed

ROOT = Path(__file__).resolve().parent.parent


class Reader:
    """Sequential keep-alive HTTP reads of one server's collection."""

    def __init__(self, base_url: str, collection: str, headers: dict[str, str]) -> None:
        if not base_url.startswith(f"http://{LOOPBACK}:"):
            raise ValueError("the benchmark only contacts 127.0.0.1")
        self.objects = f"{base_url}/taxii2/api/collections/{collection}/objects/"
        self.http = requests.Session()
        self.http.headers.update({"Accept": TAXII_ACCEPT, **headers})

    def get(self, url: str, params: dict[str, Any]) -> requests.Response:
        """GET; raise on any status but 200."""
        response = self.http.get(url, params=params, timeout=120)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url} {params} -> {response.status_code}: {response.text[:300]}")
        return response

    def first_page_ms(self, samples: int) -> float:
        """Median time of `samples` first pages (limit=100)."""
        times = [timed(lambda: self.get(self.objects, {"limit": FIRST_PAGE}))[0] for _ in range(samples)]
        return 1000 * statistics.median(times)

    def paging(self) -> tuple[int, float]:
        """Page through everything with `next` (limit=1000): objects seen and seconds."""
        count, params = 0, {"limit": PAGE}
        started = time.perf_counter()
        while True:
            body = orjson.loads(self.get(self.objects, params).content)
            count += len(body.get("objects", []))
            if not body.get("more"):
                return count, time.perf_counter() - started
            params = {"limit": PAGE, "next": body["next"]}

    def digest(self) -> tuple[int, str]:
        """Page through everything (untimed): the count and a hash of every served object, in order."""
        count, params, hashed = 0, {"limit": PAGE}, hashlib.blake2b()
        while True:
            body = orjson.loads(self.get(self.objects, params).content)
            objects = body.get("objects", [])
            count += len(objects)
            for obj in objects:
                hashed.update(orjson.dumps(obj, option=orjson.OPT_SORT_KEYS))
            if not body.get("more"):
                return count, hashed.hexdigest()
            params = {"limit": PAGE, "next": body["next"]}


def same_objects(hub: Reader, floor: Reader, n: int) -> None:
    """Both servers serve the same N objects in the same order, equal property by property."""
    served = hub.digest()
    if served[0] != n or served != floor.digest():
        raise RuntimeError(f"the hub and the floor serve different objects ({served[0]} of {n} from the hub)")


def start_floor(work: Path, hub: Target, workers: int) -> tuple[Any, str]:
    """The floor app on the hub's database and first collection. Returns the process and its base URL."""
    port = free_port()
    env = dict(os.environ, FLOOR_DATABASE_URL=hub.database_url, FLOOR_COLLECTION=hub.collections[0])
    argv = [str(BENCH_PYTHON), "-m", "bench.stack_floor", "--port", str(port), "--workers", str(workers)]
    proc = start(argv, work / f"floor-{port}.log", env=env, cwd=ROOT)
    base = f"http://{LOOPBACK}:{port}"
    wait_http(f"{base}/taxii2/", proc, timeout=300)
    return proc, base


def lookup_single_ms(hub: Target, http: requests.Session, n: int, samples: int) -> float:
    """Median time of `samples` one-value lookups (`GET /api/v1/lookup?value=`), all of known values."""
    times = []
    for j in range(samples):
        value = data.lookup_value((j * 104729) % n, SALT)
        seconds, response = timed(lambda v=value: http.get(hub.lookup_url, params={"value": v}, timeout=120))
        if response.status_code != 200 or not orjson.loads(response.content).get("matches"):
            raise RuntimeError(f"lookup of {value} -> {response.status_code}: {response.text[:200]}")
        times.append(seconds)
    return 1000 * statistics.median(times)


def lookup_batch_ms(hub: Target, http: requests.Session, n: int, samples: int) -> float:
    """Median time of a 1,000-value batch (half known domains), as an export check sends it."""
    values = [
        data.lookup_value((j * 4 * 7919) % n, SALT) if j % 2 else f"unknown-{j}.example.com"
        for j in range(1000)
    ]
    body = orjson.dumps({"values": values})
    headers = {"Content-Type": "application/json"}
    times = []
    for _ in range(samples):
        seconds, response = timed(lambda: http.post(hub.lookup_url, data=body, headers=headers, timeout=120))
        if response.status_code != 200:
            raise RuntimeError(f"batch lookup -> {response.status_code}: {response.text[:200]}")
        times.append(seconds)
    return 1000 * statistics.median(times)


def one_round(
    hub: Target, hub_reader: Reader, floor: Reader, n: int, samples: int, passes: int = 3
) -> dict[str, float]:
    """One round, hub then floor per step, so that the ratio of a step is taken under the same load."""
    hub_first = hub_reader.first_page_ms(samples)
    floor_first = floor.first_page_ms(samples)
    hub_seconds, floor_seconds = [], []
    for _ in range(passes):  # a few passes, alternating: one pass of 10k objects is only ten requests
        for reader, times in ((hub_reader, hub_seconds), (floor, floor_seconds)):
            count, seconds = reader.paging()
            if count != n:
                raise RuntimeError(f"paging {reader.objects} saw {count} of {n} objects")
            times.append(seconds)
    single = lookup_single_ms(hub, hub_reader.http, n, samples)
    floor_first_again = floor.first_page_ms(samples)
    batch = lookup_batch_ms(hub, hub_reader.http, n, 3)
    return {
        "hub_first_ms": hub_first,
        "floor_first_ms": floor_first,
        "first_ratio": hub_first / floor_first,
        "hub_paging_obj_s": n / statistics.median(hub_seconds),
        "floor_paging_obj_s": n / statistics.median(floor_seconds),
        "paging_share": statistics.median(floor_seconds) / statistics.median(hub_seconds),
        "lookup_ms": single,
        "lookup_ratio": single / floor_first_again,
        "batch_ms": batch,
        "load_average": os.getloadavg()[0],
    }


def measure(work: Path, database: str, n: int, args: argparse.Namespace) -> dict[str, Any]:
    """Load N objects (or copy a template), start the hub and the floor beside it, check that they serve the
    same objects, run the rounds."""
    templates = Templates(Path(args.templates), args.name) if args.templates else None
    loaded = prepare(work, database, n, args.load, args.name, templates, args.workers)
    print(f"  loaded: {_loaded_line(loaded.load)}", flush=True)
    hub = floor_proc = None
    readers: list[Reader] = []
    try:
        server = postgresql_memory(loaded.env["HUB_DATABASE_URL"]) if database == "postgresql" else {}
        if server:
            print(f"  server: {_server_line(server)}", flush=True)
        hub = start_hub(work, database, 1, args.workers, env=loaded.env, seed=loaded.seed)
        hub.analyse()
        floor_proc, floor_base = start_floor(work, hub, args.workers)
        hub_reader = Reader(hub.base_url, hub.collections[0], hub.headers)
        floor = Reader(floor_base, hub.collections[0], {})
        readers += [hub_reader, floor]
        same_objects(hub_reader, floor, n)
        rounds = []
        for k in range(args.rounds):
            rounds.append(one_round(hub, hub_reader, floor, n, args.samples, args.passes))
            print(f"  round {k + 1}: {_line(rounds[-1])}", flush=True)
        return {
            "load": loaded.load,
            "ingest_obj_s": loaded.load["objects_per_s"],
            "rounds": rounds,
            "server": server,
            "hub_memory": hub.memory(),
            "floor_memory": peak_rss(floor_proc.pid),
        }
    finally:
        for reader in readers:  # an open keep-alive connection holds a stopping gunicorn worker ~2 s
            reader.http.close()
        if floor_proc is not None:
            stop(floor_proc)
        if hub is not None:
            hub.close()
        loaded.close()


def _loaded_line(load: dict[str, Any]) -> str:
    how = f"{load['how']} at {load['objects_per_s']:,.0f} obj/s ({load['stored_by']})"
    return f"copy of a template stored by {how}, {load['copied_s']:.0f} s" if load["template"] else how


def _server_line(server: dict[str, Any]) -> str:
    return (
        f"shared_buffers {server['shared_buffers']}, effective_cache_size {server['effective_cache_size']}, "
        f"database {server['database_mib']:,} MiB"
    )


def _line(r: dict[str, float]) -> str:
    first = f"{r['hub_first_ms']:.2f} / {r['floor_first_ms']:.2f} ms = {r['first_ratio']:.2f}x"
    paging = f"{r['hub_paging_obj_s']:,.0f} / {r['floor_paging_obj_s']:,.0f} obj/s = {r['paging_share']:.2f}"
    lookup = f"{r['lookup_ms']:.2f} ms = {r['lookup_ratio']:.2f}x floor page"
    return f"first page {first}; paging {paging}; lookup {lookup}; batch {r['batch_ms']:.1f} ms"


def table(results: dict[str, Any]) -> str:
    """Markdown: one row per database and size, medians over rounds with the range in brackets."""
    lines = [
        "| database | N | first page: hub / floor (ratio, target ≤ 2) "
        "| paging: hub / floor obj/s (share, target ≥ 0.5) "
        "| lookup one value (× floor first page, target ≤ 2) | 1,000-value batch (target ≤ 50 ms) "
        "| RSS per worker, MiB (hub / floor) | load |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for key, entry in results["runs"].items():
        database, n = key.split(":")
        rs = entry["rounds"]

        def med(name: str, rs: list[dict[str, float]] = rs) -> float:
            return statistics.median(r[name] for r in rs)

        def rng(name: str, fmt: str, rs: list[dict[str, float]] = rs) -> str:
            values = [r[name] for r in rs]
            return f"{format(med(name), fmt)} [{format(min(values), fmt)}–{format(max(values), fmt)}]"

        first = (
            f"{med('hub_first_ms'):.2f} / {med('floor_first_ms'):.2f} ms (**{rng('first_ratio', '.2f')}**)"
        )
        paging = (
            f"{med('hub_paging_obj_s'):,.0f} / {med('floor_paging_obj_s'):,.0f} "
            f"(**{rng('paging_share', '.2f')}**)"
        )
        lookup = f"{med('lookup_ms'):.2f} ms (**{rng('lookup_ratio', '.2f')}**)"
        memory = f"{entry['hub_memory']['worker_mib']:.0f} / {entry['floor_memory']['worker_mib']:.0f}"
        lines.append(
            f"| {database} | {int(n):,} | {first} | {paging} | {lookup} | {rng('batch_ms', '.1f')} ms "
            f"| {memory} | {med('load_average'):.1f} |"
        )
    servers = [(key, entry["server"]) for key, entry in results["runs"].items() if entry.get("server")]
    if servers:  # what a PostgreSQL reading depends on most at 1M: how much of the database it caches
        lines += ["", *(f"PostgreSQL of {key}: {_server_line(server)}" for key, server in servers)]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of hub-then-floor; medians reported")
    parser.add_argument("--samples", type=int, default=20, help="requests per timed step and round")
    parser.add_argument("--passes", type=int, default=3, help="paging passes per server and round")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--load",
        choices=("post", "import"),
        default="post",
        help="TAXII POST (500 per envelope) or hub import",
    )
    parser.add_argument(
        "--name",
        default=f"stack{os.getpid()}",
        help="databases are named hub_NAME_N (templates hub_NAME_tpl_N)",
    )
    parser.add_argument(
        "--templates", default="", help="keep loaded databases here and copy them in later runs"
    )
    parser.add_argument("--drop-templates", action="store_true", help="remove this name's templates and exit")
    parser.add_argument("--hub-source", choices=("HEAD", "worktree"), default="HEAD")
    parser.add_argument("--json", default=str(ROOT / "bench" / "results" / "stack.json"))
    args = parser.parse_args()
    if args.drop_templates:
        Templates(Path(args.templates), args.name).drop()
        return
    work = Path(tempfile.mkdtemp(prefix="hub-stack-"))
    results: dict[str, Any] = {"hub": use_hub_source(work, args.hub_source), "args": vars(args), "runs": {}}
    print(f"hub: {results['hub']}", flush=True)
    try:
        for n in (int(s) for s in args.sizes.split(",") if s):
            for database in (d for d in args.databases.split(",") if d):
                print(f"[{time.strftime('%H:%M:%S')}] N={n:,} {database}", flush=True)
                results["runs"][f"{database}:{n}"] = measure(work, database, n, args)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_bytes(orjson.dumps(results, option=orjson.OPT_INDENT_2))
    print(table(results))


if __name__ == "__main__":
    main()
