"""Real components for notification tests: an HTTP receiver (werkzeug, on a free 127.0.0.1 port) and an SMTP
server (aiosmtpd), both in-process, recording exactly what arrived."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from email.policy import default
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from tests.serving import serving


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """Records every POST; `answer(n)` gives (status, delay in seconds) for the n-th request (from 1)."""

    url: str = ""
    requests: list[Received] = field(default_factory=list)
    answer: Callable[[int], tuple[int, float]] = lambda n: (200, 0.0)
    keep_bodies: bool = True  # False keeps only the headers that matter (a burst of thousands)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def app(self, environ: Any, start_response: Any) -> Any:
        request = Request(environ)
        body = request.get_data()
        with self.lock:
            if self.keep_bodies:
                self.requests.append(Received(dict(request.headers), body))
            else:
                self.requests.append(Received({"X-Hub-Delivery": request.headers["X-Hub-Delivery"]}, b""))
            n = len(self.requests)
        status, delay = self.answer(n)
        if delay:
            time.sleep(delay)
        return Response(b"ok", status=status)(environ, start_response)


class _KeepAlive(WSGIRequestHandler):
    """HTTP/1.1, so the worker's connection is reused as with a production receiver."""

    protocol_version = "HTTP/1.1"

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        """Quiet: ten thousand requests would fill the captured log."""


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()
    with serving(make_server("127.0.0.1", 0, state.app, threaded=True, request_handler=_KeepAlive)) as url:
        state.url = f"{url}/hook"
        yield state


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.port = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's API)
        self.messages.append(message_from_bytes(envelope.content, policy=default))
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[_Inbox]:
    inbox = _Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    inbox.port = port
    yield inbox
    controller.stop()


@pytest.fixture
def notify_app(app: Flask) -> Flask:
    """The app with test-sized retry settings and private targets allowed (the receiver is on 127.0.0.1)."""
    app.config.update(
        WEBHOOK_ALLOW_PRIVATE=True,
        WEBHOOK_TIMEOUT_SECONDS=1,
        NOTIFY_BACKOFF_SECONDS=0,
        NOTIFY_MAX_ATTEMPTS=3,
        BASE_URL="https://hub.example",
        MAIL_FROM="hub@hub.example",
    )
    return app


@pytest.fixture
def member_gpg(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A member's own gpg keyring in a temporary home; its gpg-agent is stopped afterwards (gpg starts one
    to generate a key, and it would outlive the test)."""
    import subprocess

    import gnupg  # type: ignore[import-untyped]

    home = tmp_path_factory.mktemp("gnupg")
    yield gnupg.GPG(gnupghome=str(home))
    subprocess.run(["gpgconf", "--homedir", str(home), "--kill", "all"], check=False, capture_output=True)
