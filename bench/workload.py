"""The TAXII-only workload, the same for every server, bounded by a per-server time budget."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

import orjson
import requests

from bench import data
from bench.procs import LOOPBACK
from bench.servers import TAXII_ACCEPT, Target

FIRST_PAGE = 100
PAGE = 1000


class BudgetExceeded(Exception):
    """The server's time budget ran out; the step did not finish."""


class Client:
    """HTTP to one server, every request bounded by a timeout and by what is left of the budget."""

    def __init__(self, target: Target, budget_seconds: float, request_timeout: float) -> None:
        if not target.base_url.startswith(f"http://{LOOPBACK}:"):
            raise ValueError("the benchmark only contacts 127.0.0.1")
        self.target = target
        self.deadline = time.monotonic() + budget_seconds
        self.request_timeout = request_timeout
        self.http = requests.Session()
        self.http.headers.update({"Accept": TAXII_ACCEPT, **target.headers})
        self.http.auth = target.auth
        self.gave_up_after = 0.0

    def left(self) -> float:
        """Seconds of budget left."""
        return self.deadline - time.monotonic()

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        """One request; BudgetExceeded when the budget is (or runs) out."""
        left = self.left()
        if left <= 0:
            raise BudgetExceeded()
        timeout = min(self.request_timeout, left)
        try:
            return self.http.request(method, url, timeout=timeout, **kwargs)
        except requests.Timeout:
            self.gave_up_after = timeout
            raise BudgetExceeded() from None

    def get_json(self, url: str, params: dict[str, Any]) -> tuple[dict[str, Any], requests.Response]:
        """GET a TAXII resource; raise on any status but 200."""
        response = self.request("GET", url, params=params)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url} {params} -> {response.status_code}: {response.text[:300]}")
        return (orjson.loads(response.content) if response.content else {}), response


def median(samples: list[float]) -> float:
    """The median of the samples."""
    return statistics.median(samples)


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """Seconds taken by fn() and its result."""
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def ingest(client: Client, url: str, n: int, salt: str) -> dict[str, Any]:
    """POST N indicators in envelopes of 500; objects/s over the time spent in requests, per-envelope latency.

    Envelopes are built one at a time (a million objects are not held in the client) and outside the timing.
    """
    headers = {"Content-Type": TAXII_ACCEPT}
    failures = 0
    latencies = []
    for envelope in data.envelopes(n, salt):
        body = orjson.dumps(envelope)
        seconds, response = timed(
            lambda b=body: client.request("POST", url + "objects/", data=b, headers=headers)
        )
        latencies.append(seconds)
        if response.status_code not in (200, 201, 202):
            raise RuntimeError(f"POST -> {response.status_code}: {response.text[:300]}")
        status = orjson.loads(response.content) if response.content else {}
        failures += int(status.get("failure_count", 0) or 0)
    total = sum(latencies)
    return {
        "seconds": total,
        "objects_per_s": n / total,
        "envelope_ms": 1000 * median(latencies),
        "failures": failures,
    }


def page_all(client: Client, url: str) -> tuple[int, list[str]]:
    """Page through the collection with `next` (limit=1000); returns the count and each page's last header."""
    count = 0
    lasts: list[str] = []
    params: dict[str, Any] = {"limit": PAGE}
    while True:
        body, response = client.get_json(url + "objects/", params)
        count += len(body.get("objects", []))
        lasts.append(response.headers.get("X-TAXII-Date-Added-Last", ""))
        if not body.get("more"):
            return count, lasts
        params = {"limit": PAGE, "next": body["next"]}


class Progress:
    """The step being run, shown as it starts and reported when the budget runs out."""

    def __init__(self, label: str, quiet: bool = False) -> None:
        self.label, self.quiet, self.current = label, quiet, ""

    def step(self, name: str) -> None:
        """Enter step `name`."""
        self.current = name
        if not self.quiet:
            print(f"  {self.label}: {name}", flush=True)


def run_workload(client: Client, n: int, repeat: int, progress: Progress) -> dict[str, Any]:
    """Every step in order; a step that runs out of budget ends the run and is reported as not finished."""
    target = client.target
    results: dict[str, Any] = {}
    try:
        _ingest_steps(client, n, repeat, results, progress)
        _read_steps(client, n, repeat, results, progress)
    except BudgetExceeded:
        results["dnf_at"] = progress.current
        results["dnf_after"] = client.gave_up_after
    results["memory"] = target.memory()
    return results


def _ingest_steps(client: Client, n: int, repeat: int, results: dict[str, Any], progress: Progress) -> None:
    target = client.target
    runs = []
    count = min(repeat, len(target.collections)) if n <= 100_000 else 1  # one load of a million is enough
    for k in range(count):
        progress.step("ingest")
        started = client.left()
        runs.append(ingest(client, target.collection_url(k), n, f"b{k}"))
        results["ingest"] = _summary_ingest(runs)
        # Later runs only while they clearly fit: each costs about as much as the first.
        if client.left() < 3 * (started - client.left()):
            break


def _summary_ingest(runs: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "runs": len(runs),
        "objects_per_s": median([r["objects_per_s"] for r in runs]),
        "seconds": median([r["seconds"] for r in runs]),
        "envelope_ms": median([r["envelope_ms"] for r in runs]),
        "failures": sum(r["failures"] for r in runs),
    }


def _read_steps(client: Client, n: int, repeat: int, results: dict[str, Any], progress: Progress) -> None:
    url = client.target.collection_url(0)
    progress.step("first page")
    if client.target.database_url.startswith("postgresql"):
        # Right after a bulk load PostgreSQL has no statistics for the new rows and may plan a full scan.
        seconds, _ = timed(lambda: client.get_json(url + "objects/", {"limit": FIRST_PAGE}))
        results["first_page_before_analyze_ms"] = 1000 * seconds
        client.target.analyse()
    samples, last_header = [], ""
    for _ in range(repeat):
        seconds, (body, response) = timed(lambda: client.get_json(url + "objects/", {"limit": FIRST_PAGE}))
        samples.append(seconds)
        last_header = response.headers.get("X-TAXII-Date-Added-Last", "")
    results["first_page_ms"] = 1000 * median(samples)
    results["first_page_count"] = len(body.get("objects", []))

    progress.step("paging")
    samples, count = [], 0
    for _ in range(repeat):
        seconds, (count, _lasts) = timed(lambda: page_all(client, url))
        samples.append(seconds)
    results["paging"] = {
        "seconds": median(samples),
        "objects_per_s": count / median(samples),
        "count": count,
        "complete": count == n,
    }

    progress.step("poll")
    if last_header:
        params = {"match[type]": "indicator", "added_after": last_header, "limit": PAGE}
        samples = []
        for _ in range(repeat):
            seconds, (body, _r) = timed(lambda: client.get_json(url + "objects/", params))
            samples.append(seconds)
        results["poll_ms"] = 1000 * median(samples)
        results["poll_count"] = len(body.get("objects", []))
    else:
        results["poll_note"] = "no X-TAXII-Date-Added-Last header to poll from"

    progress.step("object by id")
    picks = [data.indicator((j * 7919) % n, "b0")["id"] for j in range(max(repeat, 5))]
    samples = []
    for stix_id in picks:
        seconds, _ = timed(lambda s=stix_id: client.get_json(f"{url}objects/{s}/", {}))
        samples.append(seconds)
    results["object_ms"] = 1000 * median(samples)

    if client.target.lookup_url:
        progress.step("lookup")
        results["lookup"] = _lookup(client, n, repeat)


def _lookup(client: Client, n: int, repeat: int) -> dict[str, Any]:
    """The hub's observable lookup when /api/v1/lookup exists: one value, and a batch of 1,000 values."""
    url = client.target.lookup_url or ""
    probe = client.request("GET", url, params={"value": data.lookup_value(0, "b0")})
    if probe.status_code == 404 and not probe.content.strip().startswith(b"{"):
        return {"note": "skipped: the hub has no /api/v1/lookup yet"}
    if probe.status_code != 200:
        return {"note": f"skipped: GET /api/v1/lookup?value=... answered {probe.status_code}"}
    samples, found = [], 0
    for j in range(max(repeat, 20)):
        value = data.lookup_value((j * 104729) % n, "b0")
        seconds, response = timed(lambda v=value: client.request("GET", url, params={"value": v}))
        if response.status_code != 200:
            return {"note": f"lookup answered {response.status_code}"}
        found += bool(orjson.loads(response.content).get("matches"))
        samples.append(seconds)
    result: dict[str, Any] = {"single_ms": 1000 * median(samples), "single_found": found / len(samples)}
    # A batch as an export check sends it: 1,000 values, half of them known domains.
    values = [
        data.lookup_value((j * 4 * 7919) % n, "b0") if j % 2 else f"unknown-{j}.example.com"
        for j in range(1000)
    ]
    body = orjson.dumps({"values": values})
    samples = []
    for _ in range(repeat):
        seconds, response = timed(
            lambda: client.request("POST", url, data=body, headers={"Content-Type": "application/json"})
        )
        if response.status_code != 200:
            result["batch_note"] = f"batch lookup answered {response.status_code}"
            return result
        samples.append(seconds)
    result["batch_ms"] = 1000 * median(samples)
    return result
