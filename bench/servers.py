"""The servers under test, each started fresh on a free loopback port: the hub (SQLite, PostgreSQL), medallion
3.0.0 (memory backend) and OpenTAXII (SQLite), the peers each in its own virtualenv under the work folder."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import requests

from bench.procs import BENCH_PYTHON, LOOPBACK, free_port, peak_rss, run, start, stop, wait_http

PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
TAXII_ACCEPT = "application/taxii+json;version=2.1"
PASSWORD = "bench-password-" + "x" * 8

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


@dataclass
class Target:
    """One running server: where its collections are, how to authenticate, and its process."""

    name: str
    kind: str
    base_url: str
    api_root: str
    collections: list[str]
    headers: dict[str, str]
    auth: tuple[str, str] | None
    proc: subprocess.Popen[bytes]
    version: str = ""
    workers: int = 1
    lookup_url: str | None = None
    notes: list[str] = field(default_factory=list)
    cleanup: list[str] = field(default_factory=list)
    database_url: str = ""

    def collection_url(self, index: int = 0) -> str:
        """The TAXII collection URL (with trailing slash) of collection number `index`."""
        return f"{self.base_url}{self.api_root}collections/{self.collections[index]}/"

    def memory(self) -> dict[str, float]:
        """Peak RSS of the server's processes so far."""
        return peak_rss(self.proc.pid)

    def analyse(self) -> bool:
        """Refresh PostgreSQL's planner statistics after the bulk load, as autovacuum soon would (untimed)."""
        if not self.database_url.startswith("postgresql"):
            return False
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            conn.execute("ANALYZE")
        return True

    def close(self) -> None:
        """Stop the server and drop what it created outside the work folder."""
        stop(self.proc)
        for database in self.cleanup:
            drop_database(database)


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


# --- the hub -----------------------------------------------------------------------------------------------


REPO = Path(__file__).resolve().parent.parent
_hub_source: dict[str, str] = {"path": "", "version": ""}


def hub_bin() -> str:
    """The `hub` command of the virtualenv running the benchmark (it imports `hub` from PYTHONPATH first)."""
    return str(BENCH_PYTHON.parent / "hub")


def use_hub_source(work: Path, source: str) -> str:
    """Run the hub from the committed HEAD (exported into the work folder: what is measured is a commit, not
    a shared checkout in flux) or from the working tree as it is. Returns a description of the version."""
    rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=REPO)
    commit = rev.stdout.strip() or "?"
    if source == "worktree":
        _hub_source.update(path="", version=f"working tree at git {commit}")
        return _hub_source["version"]
    folder = work / f"hub-src-{commit}"
    if not folder.exists():
        folder.mkdir(parents=True)
        archive = subprocess.run(["git", "archive", "HEAD"], capture_output=True, cwd=REPO, check=True)
        subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
    _hub_source.update(path=str(folder), version=f"git {commit}")
    return _hub_source["version"]


def create_database(name: str) -> str:
    """A fresh PostgreSQL database on 127.0.0.1 (dropped first if it exists). Returns its URL."""
    drop_database(name)
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql://postgres@{LOOPBACK}:5432/{name}"


def drop_database(name: str) -> None:
    """Drop a benchmark database if it exists."""
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def hub_env(work: Path, database_url: str) -> dict[str, str]:
    """Environment for hub commands and servers of one benchmark database."""
    env = dict(os.environ)
    env.update(
        HUB_DATABASE_URL=database_url,
        HUB_SECRET_KEY=secrets.token_urlsafe(32),
        HUB_INSTANCE_PATH=str(work / "hub-instance"),
    )
    if _hub_source["path"]:
        env["PYTHONPATH"] = _hub_source["path"]
    return env


@dataclass(frozen=True)
class HubSeed:
    """What the CLI seeding created: collection ids and the reader/writer token."""

    collections: list[str]
    token: str
    email: str


SEED_SCRIPT = """
import json, sys
from click.testing import CliRunner
from hub.cli import main

outputs = []
for argv, stdin in json.loads(sys.argv[1]):
    result = CliRunner().invoke(main, argv, input=stdin, catch_exceptions=False)
    if result.exit_code != 0:
        sys.exit(f"hub {' '.join(argv)} failed ({result.exit_code}): {result.output}")
    outputs.append(result.output.strip().splitlines()[-1] if result.output.strip() else "")
print(json.dumps(outputs))
"""


def seed_hub(env: dict[str, str], collections: int, tag: str = "bench") -> HubSeed:
    """Migrate, then create an organisation, a user, collections and a token with the hub's CLI commands
    (`hub db upgrade`, `hub org add`, `hub user add`, `hub collection add`, `hub token add`), run one
    after the other in one process so the app is imported once."""
    org, email = f"{tag}-org", f"{tag}@bench.invalid"
    commands: list[tuple[list[str], str | None]] = [
        (["db", "upgrade"], None),
        (["org", "add", org, "--type", "ngo", "--tier", "trusted"], None),
        (["user", "add", email, "--org", org, "--role", "member", "--password-stdin"], PASSWORD + "\n"),
    ]
    commands += [
        (
            [
                "collection",
                "add",
                f"{tag} {k}",
                "--read",
                f"org:{org}",
                "--write",
                f"org:{org}",
                "--default-tlp",
                "green",
            ],
            None,
        )
        for k in range(collections)
    ]
    commands.append((["token", "add", email, "--label", "benchmark"], None))
    out = run([str(BENCH_PYTHON), "-c", SEED_SCRIPT, json.dumps(commands)], env=env)
    outputs = json.loads(out.strip().splitlines()[-1])
    return HubSeed(outputs[3 : 3 + collections], outputs[-1], email)


def start_hub(
    work: Path,
    database: str,
    collections: int,
    workers: int,
    port: int | None = None,
    env: dict[str, str] | None = None,
    seed: HubSeed | None = None,
) -> Target:
    """Start the hub under gunicorn (`hub serve`) on a fresh SQLite file or PostgreSQL database."""
    cleanup: list[str] = []
    if env is None:
        if database == "postgresql":
            url = create_database("hub_bench")
            cleanup.append("hub_bench")
        else:
            path = work / f"hub-{uuid.uuid4().hex[:8]}.sqlite3"
            url = f"sqlite:///{path}"
        env = hub_env(work, url)
    if seed is None:
        seed = seed_hub(env, collections)
    port = port or free_port()
    proc = start(
        [hub_bin(), "serve", "--host", LOOPBACK, "--port", str(port), "--workers", str(workers)],
        work / f"hub-{database}-{port}.log",
        env=env,
    )
    base = f"http://{LOOPBACK}:{port}"
    target = Target(
        f"hub ({'PostgreSQL' if database == 'postgresql' else 'SQLite'})",
        "hub",
        base,
        "/taxii2/api/",
        seed.collections,
        {"Authorization": f"Bearer {seed.token}"},
        None,
        proc,
        version=_hub_version(),
        workers=workers,
        cleanup=cleanup,
        database_url=env["HUB_DATABASE_URL"],
    )
    try:
        wait_http(f"{base}/taxii2/", proc)
    except Exception:
        target.close()
        raise
    target.lookup_url = f"{base}/api/v1/lookup"
    return target


def _hub_version() -> str:
    return _hub_source["version"] or "working tree"


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
