"""`hub import`, `hub export` and `hub feed sync` show progress on a terminal, and nothing in a pipe or with
`--quiet`: the console script runs for real, once with a pseudo-terminal as its output and once with pipes."""

from __future__ import annotations

import json
import os
import pty
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.cli.test_console_script import HUB, PASSWORD, environment, hub
from tests.cli.test_console_script import pytestmark as pytestmark  # the console script's, on its own SQLite
from tests.factories import indicator

OBJECTS = 2500  # three import batches: the display is updated more than once


def in_terminal(env: dict[str, str], *args: str) -> tuple[int, str]:
    """Run `hub ARGS` with a pseudo-terminal as standard output and error, as an operator at a shell would."""
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        [str(HUB), *args], env=env, stdin=subprocess.DEVNULL, stdout=terminal, stderr=terminal
    )
    os.close(terminal)
    chunks: list[bytes] = []
    while True:
        try:
            data = os.read(controller, 65536)
        except OSError:  # EIO: the command ended and closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    code = process.wait(timeout=180)
    os.close(controller)
    return code, b"".join(chunks).decode("utf-8", errors="replace")


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """An instance with an organisation, a member, a collection and a bundle to import, made once by the
    console script (five `hub` processes) and copied for each test: its folder and the collection's id."""
    folder = tmp_path_factory.mktemp("progress")
    env = environment(folder)
    assert hub(env, "db", "upgrade").returncode == 0
    assert hub(env, "org", "add", "Helpline", "--type", "cert", "--tier", "trusted").returncode == 0
    added = hub(
        env, "user", "add", "a@helpline.example", "--org", "Helpline", "--password-stdin", input=PASSWORD
    )
    assert added.returncode == 0, added.stderr
    collection = hub(env, "collection", "add", "Feed", "--read", "tier:vetted", "--write", "org:Helpline")
    objects = [indicator(value=f"progress{n}.example") for n in range(OBJECTS)]
    (folder / "bundle.json").write_text(json.dumps({"type": "bundle", "id": "bundle--1", "objects": objects}))
    return folder, collection.stdout.splitlines()[-1]


@pytest.fixture
def instance(prepared: tuple[Path, str], tmp_path: Path) -> tuple[dict[str, str], str, Path]:
    """A copy of the prepared instance of this test's own: its environment, collection id and bundle."""
    folder, collection = prepared
    shutil.copytree(folder, tmp_path, dirs_exist_ok=True)
    env = environment(tmp_path) | {"TERM": "xterm", "COLUMNS": "160"}
    return env, collection, tmp_path / "bundle.json"


def test_import_on_a_terminal_shows_objects_rate_and_time_left(instance):
    env, collection_id, bundle = instance
    code, shown = in_terminal(
        env, "import", str(bundle), "--as", "a@helpline.example", "--collection", collection_id
    )
    assert code == 0, shown
    assert "importing bundle.json" in shown
    assert f"{OBJECTS:,} objects" in shown and "obj/s" in shown
    assert "left" in shown  # the file's size is known: a time left is estimated
    assert f"bundle.json: {OBJECTS} objects: {OBJECTS} stored" in shown


def test_import_in_a_pipe_or_with_quiet_shows_no_progress(instance):
    env, collection_id, bundle = instance
    piped = hub(env, "import", str(bundle), "--as", "a@helpline.example", "--collection", collection_id)
    assert piped.returncode == 0, piped.stderr
    assert "obj/s" not in piped.stdout + piped.stderr
    assert "bundle.json:" in piped.stdout  # the summary line scripts read is still there
    code, shown = in_terminal(
        env, "import", "--quiet", str(bundle), "--as", "a@helpline.example", "--collection", collection_id
    )
    assert code == 0, shown
    assert "obj/s" not in shown and "bundle.json:" in shown


def test_export_on_a_terminal_shows_progress_and_keeps_standard_output_clean(instance, tmp_path):
    env, collection_id, bundle = instance
    hub(env, "import", str(bundle), "--as", "a@helpline.example", "--collection", collection_id)
    code, shown = in_terminal(env, "export", "--as", "a@helpline.example", "-o", str(tmp_path / "out.json"))
    assert code == 0, shown
    assert "exporting (stix)" in shown and f"{OBJECTS:,} objects" in shown and "obj/s" in shown
    piped = hub(env, "export", "--as", "a@helpline.example")
    assert piped.returncode == 0, piped.stderr
    exported = json.loads(piped.stdout)  # nothing but the bundle on standard output
    assert sum(1 for obj in exported["objects"] if obj["type"] == "indicator") == OBJECTS
    assert "obj/s" not in piped.stderr
