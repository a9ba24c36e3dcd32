"""docs/performance.md from the benchmark's results; hand-written sections between markers are kept."""

from __future__ import annotations

import os
import platform
import re
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

import orjson
import psycopg

from bench.servers import PG_ADMIN_URL

BEGIN, END = "<!-- hand-written: begin -->", "<!-- hand-written: end -->"
HUBS = ("hub (SQLite)", "hub (PostgreSQL)")
FLOOR_OF = {"hub (SQLite)": "sqlite", "hub (PostgreSQL)": "postgresql"}


def machine() -> dict[str, str]:
    """The machine and the software versions the figures were measured with."""
    free = subprocess.run(["free", "-h"], capture_output=True, text=True).stdout.rstrip()
    try:
        with psycopg.connect(PG_ADMIN_URL) as conn:
            pg = str(conn.execute("SHOW server_version").fetchone()[0])  # type: ignore[index]
    except psycopg.Error:
        pg = "unavailable"
    return {
        "nproc": str(os.cpu_count()),
        "free": free,
        "python": platform.python_version(),
        "kernel": platform.release(),
        "postgresql": pg,
        "sqlite": sqlite3.sqlite_version,
    }


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "–"
    if unit == "ms":
        return (
            f"{value:,.1f} ms" if value >= 10 else (f"{value:,.2f} ms" if value >= 0.1 else f"{value:.3f} ms")
        )
    return f"{value:,.0f} {unit}"


def _metric(result: dict[str, Any], step: str) -> float | None:
    """One figure of a server's result: objects/s for ingest and paging, milliseconds for the rest."""
    if step == "ingest":
        return (result.get("ingest") or {}).get("objects_per_s")
    if step == "paging":
        return (result.get("paging") or {}).get("objects_per_s")
    if step == "lookup":
        return (result.get("lookup") or {}).get("single_ms")
    if step == "batch":
        return (result.get("lookup") or {}).get("batch_ms")
    return result.get(f"{step}_ms")


STEPS = (
    ("ingest", "ingest (envelopes of 500)", "obj/s"),
    ("first_page", "first page (limit=100)", "ms"),
    ("paging", "page through all (limit=1000, `next`)", "obj/s"),
    ("poll", "`match[type]` + `added_after` poll", "ms"),
    ("object", "object by id", "ms"),
    ("lookup", "observable lookup (one value)", "ms"),
    ("batch", "observable lookup (1,000 values)", "ms"),
)
ORDER = ("ingest", "first page", "paging", "poll", "object by id", "lookup", "lookup")
PROGRESS_NAME = dict(zip((s[0] for s in STEPS), ORDER, strict=True))


def _cell(name: str, result: dict[str, Any], step: str, unit: str) -> str:
    if step in ("lookup", "batch") and name not in HUBS:
        return "–"  # the peers have no observable lookup
    if "error" in result and _metric(result, step) is None:
        return "error"
    value = _metric(result, step)
    if value is not None:
        return _fmt(value, unit)
    dnf = result.get("dnf_at")
    if dnf and ORDER.index(dnf) <= ORDER.index(PROGRESS_NAME[step]):
        return f"did not finish in {result.get('budget_seconds', 0):.0f} s"
    return "–"


def _ratio(hub: float | None, other: float | None, unit: str) -> float | None:
    """How many times the hub is better: faster throughput, or shorter time."""
    if not hub or not other:
        return None
    return hub / other if unit == "obj/s" else other / hub


def _size_section(n: int, entry: dict[str, Any]) -> list[str]:
    servers: dict[str, Any] = entry["servers"]
    floors: dict[str, Any] = entry.get("floor", {})
    names = list(servers)
    floor_names = [f"floor ({'PostgreSQL' if k == 'postgresql' else 'SQLite'})" for k in floors]
    lines = [
        f"### N = {n:,}",
        "",
        "Medians; throughput in objects per second, times per request.",
        "",
        "| step | " + " | ".join(names + floor_names) + " |",
        "|---" * (1 + len(names) + len(floor_names)) + "|",
    ]
    for step, label, unit in STEPS:
        cells = [_cell(name, servers[name], step, unit) for name in names]
        no_floor = step in ("poll", "lookup", "batch")
        cells += ["–" if no_floor else _fmt(_metric(f, step), unit) for f in floors.values()]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    mem = []
    for name in names:
        memory = servers[name].get("memory", {})
        mem.append(f"{memory.get('worker_mib', 0):.0f} / {memory.get('master_mib', 0):.0f}")
    lines.append(
        "| peak RSS, MiB (largest worker / master) | " + " | ".join(mem + ["–"] * len(floors)) + " |"
    )
    lines.append("")
    hubs = [h for h in HUBS if h in servers]
    others = [x for x in names if x not in HUBS]
    if hubs:
        head = [f"{h} ÷ {o}" for h in hubs for o in others] + [f"{h} ÷ floor" for h in hubs]
        lines += [
            "How many times better the hub is (throughput ratio, or time ratio inverted; > 1 = hub ahead; "
            "÷ floor = share of what its database allows, 1.0 = the floor):",
            "",
            "| step | " + " | ".join(head) + " |",
            "|---" * (1 + len(head)) + "|",
        ]
        for step, label, unit in STEPS:
            if step in ("lookup", "batch"):
                continue
            cells = []
            for h in hubs:
                for o in others:
                    r = _ratio(_metric(servers[h], step), _metric(servers[o], step), unit)
                    cells.append(f"{r:,.1f}×" if r else "–")
            for h in hubs:
                f = floors.get(FLOOR_OF[h])
                r = (
                    _ratio(_metric(servers[h], step), _metric(f, step), unit)
                    if f and step != "poll"
                    else None
                )
                cells.append(f"{r:.2g}" if r else "–")
            lines.append(f"| {label} | " + " | ".join(cells) + " |")
        lines.append("")
    notes = []
    for name in names:
        result = servers[name]
        extra = []
        if result.get("error"):
            extra.append(f"error: {result['error']}")
        if result.get("dnf_after"):
            extra.append(f"its last request was given up after {result['dnf_after']:.0f} s")
        if result.get("dnf_at"):
            extra.append(
                f"did not finish step '{result['dnf_at']}' within the {result['budget_seconds']:.0f} s budget"
            )
        if (result.get("ingest") or {}).get("failures"):
            extra.append(f"{result['ingest']['failures']} objects reported as failures by the server")
        if result.get("paging") and not result["paging"].get("complete"):
            extra.append(f"paging returned {result['paging']['count']:,} objects, not {n:,}")
        if result.get("ingest"):
            extra.append(f"ingest median of {result['ingest']['runs']} run(s)")
        if isinstance(result.get("lookup"), dict) and result["lookup"].get("note"):
            extra.append(result["lookup"]["note"])
        if "first_page_before_analyze_ms" in result:
            extra.append(
                f"first page right after the load, before `ANALYZE`: "
                f"{result['first_page_before_analyze_ms']:,.1f} ms (one request; the table has figures "
                "after `ANALYZE`)"
            )
        extra += result.get("notes", [])
        if "load_average" in result:
            extra.append(f"load average {result['load_average']:.1f} at the end")
        notes.append(
            f"- {name} ({result.get('version', '?')}, {result.get('workers', '?')} worker(s)): "
            + "; ".join(extra)
        )
    for rerun in entry.get("reruns", []):
        for name, result in rerun["servers"].items():
            figures = ", ".join(
                f"{label} {_fmt(_metric(result, step), unit)}"
                for step, label, unit in STEPS
                if _metric(result, step) is not None
            )
            notes.append(
                f"- {name} measured again in a separate run ({result.get('version', '?')}, load average "
                f"{result.get('load_average', 0):.1f}): {figures}"
            )
    return lines + notes + [""]


def _get(results: dict[str, Any], n: int, name: str) -> dict[str, Any]:
    return results["sizes"].get(str(n), {}).get("servers", {}).get(name, {})


def _targets(results: dict[str, Any]) -> list[str]:
    sizes = sorted(int(s) for s in results["sizes"])
    rows = ["| target | measured | met? |", "|---|---|---|"]

    def verdict(ok: bool | None) -> str:
        return "not measured in this run" if ok is None else ("**yes**" if ok else "**no**")

    at10k = 10_000 in sizes
    for h in HUBS:
        if not at10k:
            break
        hub = _get(results, 10_000, h)
        for peer, factor, step, label in (
            ("medallion", 100, "first_page", "first page"),
            ("OpenTAXII", 5, "first_page", "first page"),
            ("OpenTAXII", 5, "ingest", "ingest"),
            ("medallion", 20, "ingest", "ingest"),
        ):
            unit = "obj/s" if step == "ingest" else "ms"
            other = _get(results, 10_000, peer)
            r = _ratio(_metric(hub, step), _metric(other, step), unit)
            dnf = other.get("dnf_at") and _metric(other, step) is None
            if dnf:
                rows.append(
                    f"| {h}: {label} ≥ {factor}× {peer} at 10k | {peer} did not finish in "
                    f"{other.get('budget_seconds', 0):.0f} s; hub {_fmt(_metric(hub, step), unit)} | "
                    f"{verdict(_metric(hub, step) is not None)} |"
                )
            else:
                rows.append(
                    f"| {h}: {label} ≥ {factor}× {peer} at 10k | {r:,.1f}× |"
                    if r
                    else f"| {h}: {label} ≥ {factor}× {peer} at 10k | – |"
                )
                rows[-1] += f" {verdict(None if r is None else r >= factor)} |"
    for h in HUBS:
        measured = [n for n in sizes if _metric(_get(results, n, h), "paging")]
        if not measured:
            continue
        n = measured[-1]
        f = results["sizes"][str(n)].get("floor", {}).get(FLOOR_OF[h])
        r = _ratio(_metric(_get(results, n, h), "paging"), _metric(f, "paging"), "obj/s") if f else None
        rows.append(
            f"| {h}: paging ≥ 50% of the floor (N = {n:,}) | {r:.0%} of the floor |"
            if r
            else f"| {h}: paging ≥ 50% of the floor | – |"
        )
        rows[-1] += f" {verdict(None if r is None else r >= 0.5)} |"
    pg = "hub (PostgreSQL)"
    million = _get(results, 1_000_000, pg)
    big = _metric(million, "first_page")
    # Compare with the 10k measurement taken under the most similar machine load (other work shares it).
    candidates = [results["sizes"].get("10000", {})] + results["sizes"].get("10000", {}).get("reruns", [])
    tenk = [e["servers"][pg] for e in candidates if _metric(e.get("servers", {}).get(pg, {}), "first_page")]
    load = million.get("load_average", 0)
    ref = min(tenk, key=lambda r: abs(r.get("load_average", 0) - load), default={})
    small = _metric(ref, "first_page")
    ok = None if not (small and big) else big <= 2 * small
    rows.append(
        f"| first page at 1M within 2× of 10k (PostgreSQL) | {_fmt(big, 'ms')} (load {load:.1f}) vs "
        f"{_fmt(small, 'ms')} (load {ref.get('load_average', 0):.1f}) | {verdict(ok)} |"
    )
    lookup = _metric(_get(results, 1_000_000, pg), "lookup")
    rows.append(
        f"| lookup p50 < 5 ms at 1M (one value) | {_fmt(lookup, 'ms')} | "
        f"{verdict(None if lookup is None else lookup < 5)} |"
    )
    batch = _metric(_get(results, 1_000_000, pg), "batch")
    rows.append(
        f"| lookup of a 1,000-value batch < 100 ms at 1M | {_fmt(batch, 'ms')} | "
        f"{verdict(None if batch is None else batch < 100)} |"
    )
    for h in HUBS:
        measured = [n for n in sizes if _get(results, n, h).get("memory")]
        if measured:
            n = measured[-1]
            mib = _get(results, n, h)["memory"]["worker_mib"]
            rows.append(
                f"| {h}: peak RSS per worker < 200 MiB (N = {n:,}; 1M is the target) | {mib:.0f} MiB | "
                f"{verdict(mib < 200) if n >= 1_000_000 else ('on track' if mib < 200 else '**no**')} |"
            )
    return rows


HEAD = """# Performance

Generated by `python -m bench.run` (see `bench/`); the section between the hand-written markers is kept
when the file is regenerated. Raw figures go to `bench/results/*.json` (not committed);
`python -m bench.report OUT.md RUN.json...` regenerates this file from them.

## Method

{commands}
- The tables show the first run listed for each size; a size measured again in a later run appears in its
  "measured again" notes, with the revision and the load average it ran under.
- Every server is started fresh for each size, bound to 127.0.0.1 on a free port: the hub with `hub
  serve` (gunicorn, {workers} sync workers) on a new SQLite file and on a new PostgreSQL database
  `hub_bench_<pid>`, seeded through the hub CLI (organisation, user, collections, API token); medallion 3.0.0
  (memory backend, 1 gunicorn worker: its data and `next` sessions live in one process) and OpenTAXII
  (SQLite, {workers} gunicorn workers), each in its own virtualenv under a temporary folder.
- The same TAXII 2.1 workload for every server, one client, sequential requests: ingest of N STIX 2.1
  indicators (single-comparison patterns over domains, IPv4 addresses, URLs and SHA-256 hashes) in
  envelopes of 500; the first page (`limit=100`); paging the whole collection with `next`
  (`limit=1000`); a `match[type]=indicator` + `added_after` poll (from the first page's
  `X-TAXII-Date-Added-Last`, `limit=1000`); object by id; for the hub the observable lookup when
  `/api/v1/lookup` exists.
- Medians of {repeat} runs for reads; ingest goes into up to {repeat} fresh collections while the budget
  clearly allows another run (the number of runs is noted). Every request has a timeout ({timeout:.0f}
  s, cut to what is left of the budget); a server that runs out of its {budget:.0f} s budget is stopped
  and the rest of its steps read "did not finish".
- Peak RSS is `VmHWM` from `/proc/<pid>/status` of the gunicorn master and of its largest worker, read
  after the workload.
- The floor (`bench/floor.py`) does the same logical work without a web server or hub code: decode each
  envelope and bulk-insert its rows into the hub's schema (one commit per envelope, as the hub does), a
  keyset query of one page, paging, and the JSON envelope built by splicing stored text. PostgreSQL is
  `ANALYZE`d after the load (untimed), as autovacuum would do.

## Machine

- `nproc`: {nproc}; Linux {kernel}; Python {python}; PostgreSQL {postgresql}; SQLite {sqlite}.
- The machine is shared with other work (other engineers' test suites ran at the same time; the load
  average is noted per server), so single figures carry noise of tens of percent; medians damp it.

```
$ free -h
{free}
```"""


def _command(run: dict[str, Any]) -> str:
    a = run["args"]
    timeout = a.get("request_timeout", 120)
    extra = "" if timeout == 120 else f" --request-timeout {timeout:.0f}"
    return (
        f"- Command: `python -m bench.run --sizes {','.join(str(s) for s in a['sizes'])} --peers "
        f"{','.join(a['peers']) or 'none'} --hub-databases {','.join(a.get('hub_databases', []))} "
        f"--budget-seconds {a['budget_seconds']:.0f} --repeat {a['repeat']}{extra}` "
        f"({max(run.get('seconds', 0) / 60, 1):.0f} min, hub {run.get('hub') or _hub_of(run)})."
    )


def _hub_of(run: dict[str, Any]) -> str:
    for entry in run["sizes"].values():
        for name, result in entry["servers"].items():
            if name in HUBS and result.get("version"):
                return str(result["version"])
    return "?"


def merge(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Results of several runs as one; a size measured again keeps its first run in the tables."""
    merged = {**runs[0], "sizes": {}, "runs": runs}
    for run in runs:
        for size, entry in run["sizes"].items():
            if size in merged["sizes"]:  # keep the side-by-side run in the tables; later runs as references
                merged["sizes"][size].setdefault("reruns", []).append(entry)
            else:
                merged["sizes"][size] = entry
    return merged


def write(path: Path, results: dict[str, Any]) -> None:
    """Write the report, keeping the hand-written block of the existing file."""
    kept = ""
    if path.exists():
        found = re.search(re.escape(BEGIN) + r"(.*?)" + re.escape(END), path.read_text(), re.S)
        kept = found.group(1).strip("\n") if found else ""
    m = results["machine"]
    args = results["args"]
    head = HEAD.format(
        commands="\n".join(_command(run) for run in results.get("runs", [results])),
        budget=args["budget_seconds"],
        repeat=args["repeat"],
        workers=args["workers"],
        timeout=args["request_timeout"],
        **m,
    )
    lines = [head, "", "## Results", ""]
    for n in sorted(int(s) for s in results["sizes"]):
        lines += _size_section(n, results["sizes"][str(n)])
    lines += ["## Targets of issue 7", "", *_targets(results), ""]
    lines += [BEGIN, kept or "## Profile of the hot paths\n\n(to be written)", END, ""]
    path.write_text("\n".join(lines))


def main() -> None:
    """Regenerate the report from saved runs: python -m bench.report OUT.md RESULTS.json [MORE.json ...]"""
    import sys

    write(Path(sys.argv[1]), merge([orjson.loads(Path(a).read_bytes()) for a in sys.argv[2:]]))


if __name__ == "__main__":
    main()
