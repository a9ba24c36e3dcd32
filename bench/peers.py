"""The peers under test, each in its own virtualenv under the work folder and started fresh on a free loopback
port: medallion 3.0.0 (memory backend) and OpenTAXII (SQLite)."""

from __future__ import annotations

import json
import os
import secrets
import sys
import uuid
from pathlib import Path

import requests

from bench.procs import LOOPBACK, free_port, run, start, wait_http
from bench.servers import PASSWORD, TAXII_ACCEPT, Target

PEER_REQUIREMENTS = {
    "medallion": ["medallion==3.0.0", "gunicorn"],
    # OpenTAXII 0.9.3 predates Flask 2.3 and SQLAlchemy 2 (UUIDs come back as objects and break its JSON).
    "opentaxii": ["opentaxii", "gunicorn", "flask<2.3", "werkzeug<2.3", "sqlalchemy<2"],
}

# OpenTAXII 0.9.3 encodes its TAXII 2.1 responses with `json.dumps`, which cannot encode the UUIDs its models
# return, so a successful POST and the collection list answer 500. This loader only gives that `json.dumps`
# a `default=str`, and changes nothing else.
OPENTAXII_WSGI = '''"""Load OpenTAXII with UUIDs encodable by its TAXII 2.1 JSON responses (bench shim)."""
import functools
import json
import types

import opentaxii.taxii2.http as taxii2_http

taxii2_http.json = types.SimpleNamespace(dumps=functools.partial(json.dumps, default=str), loads=json.loads)

from opentaxii.http import app  # noqa: E402
'''


def venv(work: Path, name: str) -> Path:
    """A virtualenv with one peer installed (reused if the work folder already has it). Returns its bin/."""
    home = work / "venvs" / name
    marker = home / ".installed"
    if not marker.exists():
        run([sys.executable, "-m", "venv", "--clear", str(home)])
        run(
            [
                str(home / "bin" / "pip"),
                "install",
                "--quiet",
                "--disable-pip-version-check",
                *PEER_REQUIREMENTS[name],
            ],
            timeout=900,
        )
        marker.write_text("ok\n")
    return home / "bin"


def pip_version(bin_dir: Path, package: str) -> str:
    """The installed version of `package` in a virtualenv."""
    out = run(
        [str(bin_dir / "python"), "-c", f"import importlib.metadata as m; print(m.version({package!r}))"]
    )
    return out.strip()


# --- medallion ---------------------------------------------------------------------------------------------


def start_medallion(work: Path, collections: int) -> Target:
    """medallion 3.0.0, memory backend, one gunicorn worker (its data and `next` sessions are per process)."""
    bin_dir = venv(work, "medallion")
    port = free_port()
    base = f"http://{LOOPBACK}:{port}"
    ids = [str(uuid.uuid4()) for _ in range(collections)]
    data = {
        "/discovery": {"title": "medallion bench", "default": f"{base}/api/", "api_roots": [f"{base}/api/"]},
        "api": {
            "information": {"title": "bench", "versions": [TAXII_ACCEPT], "max_content_length": 100 * 2**20},
            "status": [],
            "collections": [
                {
                    "id": cid,
                    "title": f"bench {k}",
                    "can_read": True,
                    "can_write": True,
                    "media_types": ["application/stix+json;version=2.1"],
                    "objects": [],
                    "manifest": [],
                }
                for k, cid in enumerate(ids)
            ],
        },
    }
    folder = work / f"medallion-{port}"
    folder.mkdir(parents=True)
    (folder / "data.json").write_text(json.dumps(data))
    config = {
        "backend": {
            "module": "medallion.backends.memory_backend",
            "module_class": "MemoryBackend",
            "filename": str(folder / "data.json"),
        },
        "users": {"bench": PASSWORD},
        "taxii": {"max_page_size": 1000},
    }
    (folder / "config.json").write_text(json.dumps(config))
    proc = start(
        [
            str(bin_dir / "gunicorn"),
            "--workers",
            "1",
            "--timeout",
            "3600",
            "--bind",
            f"{LOOPBACK}:{port}",
            f"medallion:load_app({str(folder / 'config.json')!r})",
        ],
        folder / "server.log",
        cwd=folder,
    )
    target = Target(
        "medallion",
        "medallion",
        base,
        "/api/",
        ids,
        {},
        ("bench", PASSWORD),
        proc,
        version=pip_version(bin_dir, "medallion"),
        workers=1,
    )
    try:
        wait_http(f"{base}/taxii2/", proc)
    except Exception:
        target.close()
        raise
    return target


# --- OpenTAXII ---------------------------------------------------------------------------------------------


def start_opentaxii(work: Path, collections: int, workers: int) -> Target:
    """OpenTAXII (TAXII 2.1 only, SQLite) under gunicorn, with an admin account and public collections."""
    bin_dir = venv(work, "opentaxii")
    port = free_port()
    base = f"http://{LOOPBACK}:{port}"
    folder = work / f"opentaxii-{port}"
    folder.mkdir(parents=True)
    (folder / "opentaxii.yml").write_text(f"""---
domain: "{LOOPBACK}:{port}"
support_basic_auth: yes
return_server_error_details: no
auth_api:
  class: opentaxii.auth.sqldb.SQLDatabaseAPI
  parameters:
    db_connection: sqlite:///{folder}/auth.db
    create_tables: yes
    secret: {secrets.token_urlsafe(32)}
    token_ttl_secs: 86400
taxii1:
taxii2:
  title: OpenTAXII bench
  max_content_length: {100 * 2**20}
  public_discovery: yes
  persistence_api:
    class: opentaxii.persistence.sqldb.Taxii2SQLDatabaseAPI
    parameters:
      db_connection: sqlite:///{folder}/data.db
      create_tables: yes
logging:
  opentaxii: warning
  root: warning
""")
    (folder / "bench_opentaxii_wsgi.py").write_text(OPENTAXII_WSGI)
    env = dict(os.environ, OPENTAXII_CONFIG=str(folder / "opentaxii.yml"), PYTHONWARNINGS="ignore")
    run([str(bin_dir / "opentaxii-add-api-root"), "-t", "bench", "--default"], env=env)
    proc = start(
        [
            str(bin_dir / "gunicorn"),
            "--workers",
            str(workers),
            "--timeout",
            "3600",
            "--bind",
            f"{LOOPBACK}:{port}",
            "--chdir",
            str(folder),
            "bench_opentaxii_wsgi:app",
        ],
        folder / "server.log",
        env=env,
    )
    auth = ("bench", PASSWORD)
    target = Target(
        "OpenTAXII",
        "opentaxii",
        base,
        "",
        [],
        {},
        auth,
        proc,
        version=pip_version(bin_dir, "opentaxii"),
        workers=workers,
    )
    try:
        wait_http(f"{base}/taxii2/", proc)
        discovery = requests.get(f"{base}/taxii2/", headers={"Accept": TAXII_ACCEPT}, timeout=10).json()
        root = discovery["default"]
        root_id = root.rstrip("/").rsplit("/", 1)[-1]
        for k in range(collections):
            run(
                [
                    str(bin_dir / "opentaxii-add-collection"),
                    "-r",
                    root_id,
                    "-t",
                    f"bench {k}",
                    "-a",
                    f"bench-{k}",
                ],
                env=env,
            )
        created = run([str(bin_dir / "opentaxii-create-account"), "-u", "bench", "-p", PASSWORD], env=env)
        run([str(bin_dir / "opentaxii-update-account"), "-u", "bench", "-f", "admin", "-v", "yes"], env=env)
    except Exception:
        target.close()
        raise
    # Its JWT, as its clients use: with Basic auth OpenTAXII re-hashes the password on every request.
    token = created.strip().splitlines()[-1].split("token:", 1)[-1].strip()
    target.headers, target.auth = {"Authorization": f"Bearer {token}"}, None
    target.api_root = root if root.startswith("/") else "/" + root.split("/", 3)[-1]
    target.collections = [f"bench-{k}" for k in range(collections)]
    target.notes.append(
        "collections addressed by alias; loaded through a shim that lets its json.dumps "
        "encode UUIDs (0.9.3 otherwise answers a successful POST with a 500)"
    )
    return target
