"""The web bundle upload at its size limit: how long a member waits for the summary of a 10 MiB bundle.

    python -m bench.upload [--databases sqlite,postgresql] [--mib 10]

The hub's own app in this process (Flask's test client, CSRF off as in the tests; no gunicorn, no network),
on a fresh database per run (PostgreSQL `hub_bench_upload_<pid>`, dropped afterwards): a member logs in
through the form and uploads a bundle of `bench.data` indicators just under the limit
(`hub.web.share.MAX_UPLOAD_BYTES`). The answer must come well within gunicorn's timeout (120 s).
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
from pathlib import Path

import orjson

from bench import data
from bench.servers import PASSWORD, create_database, drop_database, hub_env, run_database, seed_hub


def bundle_of(limit: int) -> tuple[bytes, int]:
    """A bundle of indicators as large as fits in `limit` bytes, and how many objects it holds."""
    head, tail = b'{"type":"bundle","id":"bundle--6b1d3c1e-9d1c-4c55-9a51-0f3c3b7a2b10","objects":[', b"]}"
    parts: list[bytes] = []
    size = len(head) + len(tail)
    while True:
        part = orjson.dumps(data.indicator(len(parts), "u"))
        if size + len(part) + 1 > limit:
            return head + b",".join(parts) + tail, len(parts)
        parts.append(part)
        size += len(part) + 1


def one_upload(database: str, mib: int, work: Path) -> dict[str, object]:
    """Seed a hub, log in, upload; the seconds the POST took and what the summary said."""
    name = run_database("hub_bench_upload")
    url = create_database(name) if database == "postgresql" else f"sqlite:///{work / f'{name}.sqlite3'}"
    try:
        env = hub_env(work, url)
        seed = seed_hub(env, collections=1, tag="upload")
        os.environ.update({k: v for k, v in env.items() if k.startswith("HUB_")})
        from hub import create_app
        from hub.web.share import MAX_UPLOAD_BYTES

        app = create_app({"WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
        client = app.test_client()
        login = client.post("/login", data={"email": seed.email, "password": PASSWORD})
        if login.status_code != 302:
            raise RuntimeError(f"login failed: {login.status_code}")
        body, objects = bundle_of(min(mib * 2**20, MAX_UPLOAD_BYTES))
        collection = seed.collections[0]
        form = {
            "upload-collection": collection,
            "upload-tlp": "green",
            "upload-bundle": (io.BytesIO(body), "bundle.json"),
        }
        load = os.getloadavg()[0]
        started = time.perf_counter()
        response = client.post(f"/share/{collection}/upload", content_type="multipart/form-data", data=form)
        seconds = time.perf_counter() - started
        text = response.get_data(as_text=True)
        stored = f"{objects} of {objects} objects stored" in text
        return {
            "database": database,
            "bytes": len(body),
            "objects": objects,
            "status": response.status_code,
            "all_stored": stored,
            "seconds": round(seconds, 2),
            "load": round(load, 2),
        }
    finally:
        if database == "postgresql":
            drop_database(name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--mib", type=int, default=10)
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    with tempfile.TemporaryDirectory(prefix="hub-upload-") as folder:
        for database in args.databases.split(","):
            print(orjson.dumps(one_upload(database, args.mib, Path(folder))).decode(), flush=True)


if __name__ == "__main__":
    main()
