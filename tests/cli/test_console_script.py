"""The installed `hub` console script, run for real in subprocesses on a temporary instance and SQLite."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import select

from hub import create_app
from hub.extensions import db
from hub.orgs.tokens import user_for_secret
from hub.sharing.models import Collection

HUB = Path(sys.executable).with_name("hub")
PASSWORD = "a long enough password"

pytestmark = [
    pytest.mark.skipif(not HUB.exists(), reason=f"no console script at {HUB} (install the package)"),
    pytest.mark.own_sqlite,
]


def environment(tmp_path: Path, database: bool = True) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env["HUB_INSTANCE_PATH"] = str(tmp_path / "instance")
    if database:
        env["HUB_DATABASE_URL"] = f"sqlite:///{tmp_path / 'hub.sqlite3'}"
    return env


def hub(env: dict[str, str], *args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(HUB), *args], env=env, input=input, capture_output=True, text=True, timeout=180
    )


def test_operator_session_from_an_empty_database(tmp_path):
    env = environment(tmp_path)
    for _ in range(2):  # idempotent
        upgraded = hub(env, "db", "upgrade")
        assert upgraded.returncode == 0, upgraded.stderr
    assert hub(env, "org", "add", "Helpline", "--type", "cert", "--tier", "trusted").returncode == 0
    added = hub(
        env,
        "user",
        "add",
        "bot@helpline.example",
        "--org",
        "Helpline",
        "--password-stdin",
        input=PASSWORD + "\n",
    )
    assert added.returncode == 0, added.stderr
    collection = hub(env, "collection", "add", "Feed", "--read", "tier:vetted", "--write", "org:Helpline")
    token = hub(env, "token", "add", "bot@helpline.example", "--label", "connector")
    assert collection.returncode == token.returncode == 0, collection.stderr + token.stderr
    collection_id = collection.stdout.splitlines()[-1]
    secret = token.stdout.splitlines()[-1]

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": env["HUB_DATABASE_URL"], "INSTANCE_PATH": env["HUB_INSTANCE_PATH"]}
    )
    with app.app_context():
        assert db.session.scalar(select(Collection.title).where(Collection.id == collection_id)) == "Feed"
        assert user_for_secret(db.session, secret).email == "bot@helpline.example"
        db.session.remove()
        db.engine.dispose()


def test_refusal_is_one_line_on_stderr_and_a_non_zero_exit(tmp_path):
    env = environment(tmp_path)
    hub(env, "db", "upgrade")
    result = hub(
        env, "user", "add", "a@b.example", "--org", "Nowhere", "--password-stdin", input=PASSWORD + "\n"
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == ["Error: no organisation named 'Nowhere'"]
    assert result.stdout == ""


def test_demo_prepares_the_instance_twice_without_failing(tmp_path):
    env = environment(tmp_path, database=False)
    first = hub(env, "demo", "--no-serve")
    second = hub(env, "demo", "--no-serve")
    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    assert first.stdout.startswith("Created") and second.stdout.startswith("Reusing")
    assert (tmp_path / "instance" / "hub.sqlite3").exists()
    assert "Receipt: " in first.stdout and "Receipt: " not in second.stdout  # the demo report, filed once


def test_serve_answers_http_with_gunicorn(tmp_path):
    env = environment(tmp_path)
    hub(env, "db", "upgrade")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [str(HUB), "serve", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        headers = None
        deadline = time.monotonic() + 60
        while headers is None and time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/no-such-page", timeout=5) as response:
                    headers = response.headers
            except urllib.error.HTTPError as exc:
                headers = exc.headers
            except OSError:
                time.sleep(0.2)
        assert headers is not None, "the server never answered"
        assert "gunicorn" in headers.get("Server", "")
    finally:
        server.terminate()
        server.wait(30)


def test_the_hub_starts_without_the_libraries_only_some_commands_use(tmp_path):
    """`stix2` (0.1 s to import) serves only a MISP export, Flask-Migrate and Alembic (0.15 s, 11 MiB) only
    migrations: every other `hub` command (`hub import` of 10,000 objects is mostly its start) and every
    server worker starts without them."""
    code = "import sys, hub.cli; from hub import create_app; create_app(); print(*sys.modules)"
    started = subprocess.run(
        [sys.executable, "-c", code], env=environment(tmp_path), capture_output=True, text=True, timeout=180
    )
    assert started.returncode == 0, started.stderr
    modules = set(started.stdout.split())
    assert "hub.interop.misp" in modules  # the module that uses it is loaded, the library is not
    assert "stix2" not in modules
    assert not {"flask_migrate", "alembic"} & modules
    listed = hub(environment(tmp_path), "db", "--help")  # `hub db` still offers Flask-Migrate's commands
    assert listed.returncode == 0, listed.stderr
    assert {"upgrade", "downgrade", "current", "stamp"} <= set(listed.stdout.split())
