"""Two hub instances on one PostgreSQL database: correctness under concurrent writers, and throughput.

    python -m bench.scale [--writers 2] [--envelopes 20] [--size 100] [--read-seconds 20] [--workers 2]

Starts two `hub serve` processes (own ports, 127.0.0.1) on a fresh database `hub_bench_scale`. Writers on both
instances post new objects and new versions of earlier objects while a poller pages by `added_after` (its
previous page's `X-TAXII-Date-Added-Last`), alternating between the instances, as TAXII clients poll. Checks:
every accepted version is seen exactly once (nothing lost, nothing duplicated), each page starts after the
previous page ended, and the manifest lists every version once with strictly increasing `date_added`. Then
measures write and read throughput with one instance and with both.
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import orjson

from bench import data
from bench.servers import (
    TAXII_ACCEPT,
    Target,
    create_database,
    drop_database,
    hub_env,
    seed_hub,
    start_hub,
    use_hub_source,
)
from bench.workload import Client

DATABASE = "hub_bench_scale"


def write(
    client: Client, url: str, writer: str, envelopes: int, size: int, accepted: list[tuple[str, str]]
) -> None:
    """Post `envelopes` envelopes; every third one re-posts an earlier envelope's objects as new versions."""
    for e in range(envelopes):
        if e % 3 == 2:
            objects = [data.indicator(i, writer, version=e) for i in range((e - 2) * size, (e - 1) * size)]
        else:
            objects = [data.indicator(i, writer) for i in range(e * size, (e + 1) * size)]
        response = client.request(
            "POST",
            url + "objects/",
            data=orjson.dumps({"objects": objects}),
            headers={"Content-Type": TAXII_ACCEPT},
        )
        status = orjson.loads(response.content)
        if response.status_code != 202 or status.get("failure_count"):
            raise RuntimeError(f"writer {writer}: {response.status_code} {response.text[:300]}")
        accepted += [(o["id"], o["modified"]) for o in objects]


class Poller:
    """Polls by `added_after` like a TAXII client, alternating instances; records what it saw and breaches."""

    def __init__(self, clients: list[Client], urls: list[str]) -> None:
        self.clients, self.urls = clients, urls
        self.seen: list[tuple[str, str]] = []
        self.problems: list[str] = []
        self.after = ""
        self.polls = 0

    def poll_once(self) -> int:
        """One request to the next instance; returns how many objects it brought."""
        k = self.polls % len(self.clients)
        self.polls += 1
        params = {"limit": 1000, "match[version]": "all"}
        if self.after:
            params["added_after"] = self.after
        body, response = self.clients[k].get_json(self.urls[k] + "objects/", params)
        objects = body.get("objects", [])
        if objects:
            first = response.headers["X-TAXII-Date-Added-First"]
            if self.after and not first > self.after:
                self.problems.append(f"page starts at {first}, not after {self.after}")
            self.after = response.headers["X-TAXII-Date-Added-Last"]
            self.seen += [(o["id"], o["modified"]) for o in objects]
        return len(objects)

    def run(self, stop: threading.Event) -> None:
        """Poll until told to stop, then drain."""
        while not stop.is_set():
            if not self.poll_once():
                time.sleep(0.05)
        while self.poll_once():
            pass


def manifest_check(client: Client, url: str) -> tuple[int, list[str]]:
    """Every manifest record once, `date_added` strictly increasing over the whole collection."""
    problems, last, count, keys = [], "", 0, set()
    params: dict[str, Any] = {"limit": 1000, "match[version]": "all"}
    while True:
        body, _ = client.get_json(url + "manifest/", params)
        for record in body.get("objects", []):
            if not record["date_added"] > last:
                problems.append(f"date_added {record['date_added']} after {last}")
            last = record["date_added"]
            key = (record["id"], record["version"])
            if key in keys:
                problems.append(f"manifest lists {key} twice")
            keys.add(key)
            count += 1
        if not body.get("more"):
            return count, problems
        params = {"limit": 1000, "match[version]": "all", "next": body["next"]}


def write_phase(
    targets: list[Target], writers: int, envelopes: int, size: int, tag: str, poll: bool
) -> dict[str, Any]:
    """Writers on every target (and optionally the poller); returns throughput and the correctness checks."""
    urls = [t.collection_url(0) for t in targets]
    accepted: list[tuple[str, str]] = []
    threads = []
    for k, url in enumerate(urls):
        for w in range(writers):
            args = (Client(targets[k], 900, 120), url, f"{tag}-{k}-{w}", envelopes, size, accepted)
            threads.append(threading.Thread(target=write, args=args))
    stop = threading.Event()
    poller = Poller([Client(t, 900, 120) for t in targets], urls) if poll else None
    poll_thread = threading.Thread(target=poller.run, args=(stop,)) if poller else None
    if poll_thread:
        poll_thread.start()
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - start
    stop.set()
    result: dict[str, Any] = {
        "instances": len(targets),
        "writers": writers * len(targets),
        "objects": len(accepted),
        "seconds": seconds,
        "objects_per_s": len(accepted) / seconds,
    }
    if poller and poll_thread:
        poll_thread.join()
        seen = poller.seen
        result.update(
            polls=poller.polls,
            seen=len(seen),
            lost=len(set(accepted) - set(seen)),
            duplicated=len(seen) - len(set(seen)),
            unexpected=len(set(seen) - set(accepted)),
            order_problems=poller.problems[:5],
        )
    return result


def read_phase(targets: list[Target], readers: int, seconds: float) -> dict[str, Any]:
    """Readers on every target page through the collection (limit=1000) for `seconds`."""
    counts = [0] * len(targets)
    pages = [0] * len(targets)
    deadline = time.monotonic() + seconds

    def read(k: int) -> None:
        client = Client(targets[k], seconds + 120, 120)
        url = targets[k].collection_url(0)
        params: dict[str, Any] = {"limit": 1000}
        while time.monotonic() < deadline:
            body, _ = client.get_json(url + "objects/", params)
            counts[k] += len(body.get("objects", []))
            pages[k] += 1
            params = {"limit": 1000, "next": body["next"]} if body.get("more") else {"limit": 1000}

    threads = [threading.Thread(target=read, args=(k,)) for k in range(len(targets)) for _ in range(readers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {
        "instances": len(targets),
        "readers": readers * len(targets),
        "seconds": seconds,
        "pages_per_s": sum(pages) / seconds,
        "objects_per_s": sum(counts) / seconds,
        "per_instance_objects_per_s": [c / seconds for c in counts],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writers", type=int, default=2, help="writer threads per instance")
    parser.add_argument("--envelopes", type=int, default=20, help="envelopes per writer")
    parser.add_argument("--size", type=int, default=100, help="objects per envelope")
    parser.add_argument("--readers", type=int, default=2, help="reader threads per instance")
    parser.add_argument("--read-seconds", type=float, default=20)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per instance")
    parser.add_argument("--hub-source", choices=("HEAD", "worktree"), default="HEAD")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hub-scale-") as folder:
        work = Path(folder)
        print("hub:", use_hub_source(work, args.hub_source), flush=True)
        env = hub_env(work, create_database(DATABASE))
        targets: list[Target] = []
        try:
            seed = seed_hub(env, collections=1, tag="scale")
            targets = [start_hub(work, "postgresql", 1, args.workers, env=env, seed=seed) for _ in range(2)]
            correctness = write_phase(targets, args.writers, args.envelopes, args.size, "both", poll=True)
            records, problems = manifest_check(Client(targets[1], 600, 120), targets[1].collection_url(0))
            correctness.update(manifest_records=records, manifest_problems=problems[:5])
            results = {
                "correctness": correctness,
                "write_one": write_phase(targets[:1], args.writers, args.envelopes, args.size, "one", False),
                "write_two": write_phase(targets, args.writers, args.envelopes, args.size, "two", False),
            }
            targets[0].analyse()
            results["read_one"] = read_phase(targets[:1], args.readers, args.read_seconds)
            results["read_two"] = read_phase(targets, args.readers, args.read_seconds)
            results["memory"] = [t.memory() for t in targets]
            results["args"] = vars(args)
            print(orjson.dumps(results, option=orjson.OPT_INDENT_2).decode())
        finally:
            for target in targets:
                target.close()
            drop_database(DATABASE)


if __name__ == "__main__":
    main()
