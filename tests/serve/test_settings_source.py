"""`hub serve` and `deploy/gunicorn.conf.py` apply the same gunicorn settings (issue 11, finding 16).

Before, `hub serve` passed its own short list (no max_requests, jitter or graceful timeout; 2 workers), while
`deploy/README.md` said it used the file's settings.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from gunicorn.app.base import Application

from hub.serve import HubServer, gunicorn_settings

CONF = Path(__file__).resolve().parents[2] / "deploy" / "gunicorn.conf.py"
COMPARED = (
    "workers",
    "worker_class_str",
    "threads",
    "keepalive",
    "timeout",
    "graceful_timeout",
    "max_requests",
    "max_requests_jitter",
    "forwarded_allow_ips",
    "access_log_format",
    "logger_class",
    "accesslog",
    "errorlog",
)


class FromFile(Application):  # type: ignore[misc]
    """Gunicorn reading its settings from the deploy file, as `gunicorn -c deploy/gunicorn.conf.py` does."""

    def init(self, parser: Any, opts: Any, args: Any) -> None:
        return None

    def load_config(self) -> None:
        self.load_config_from_file(str(CONF))

    def load(self) -> None:
        raise AssertionError("not served")


def _effective(cfg: Any) -> dict[str, Any]:
    values = {name: getattr(cfg, name) for name in COMPARED}
    values["logger_class"] = cfg.settings["logger_class"].get()
    return values


@pytest.fixture(autouse=True)
def _no_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HUB_WORKERS", "HUB_THREADS", "HUB_BIND", "HUB_FORWARDED_ALLOW_IPS"):
        monkeypatch.delenv(name, raising=False)


def test_hub_serve_applies_the_deploy_files_settings() -> None:
    served = HubServer(gunicorn_settings("127.0.0.1:8000")).cfg
    from_file = FromFile().cfg
    assert _effective(served) == _effective(from_file)
    assert served.max_requests == 5000 and served.max_requests_jitter == 500 and served.graceful_timeout == 30
    assert served.workers == 2 * (os.cpu_count() or 1)
    assert served.worker_class_str == "hub.serve_worker.IdleSafeThreadWorker"


def test_the_environment_tunes_both(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_WORKERS", "3")
    monkeypatch.setenv("HUB_THREADS", "5")
    assert (FromFile().cfg.workers, FromFile().cfg.threads) == (3, 5)
    served = HubServer(gunicorn_settings("127.0.0.1:8000")).cfg
    assert (served.workers, served.threads) == (3, 5)
    assert HubServer(gunicorn_settings("127.0.0.1:8000", workers=1, threads=1)).cfg.workers == 1
