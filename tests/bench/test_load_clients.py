"""The load generator's clients against a real HTTP receiver (bench/load.py), without a hub."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import httpx
import pytest

from bench.load import Clients, Plan
from tests.serving import serving


class _RefusesEverything(BaseHTTPRequestHandler):
    requests = 0

    def do_GET(self) -> None:  # noqa: N802  (http.server's name)
        type(self).requests += 1
        body = b'{"title": "the filter is not valid"}'
        self.send_response(400)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def refusing_server() -> Iterator[str]:
    with serving(ThreadingHTTPServer(("127.0.0.1", 0), _RefusesEverything)) as url:
        yield f"{url}/collections/c/"


def _plan(url: str) -> Plan:
    return Plan(0, [url], [""], "token", 1, 0, 0, 0, 0, (1.0, 1.0), 0.0, 10, 0)


def test_a_poller_gives_up_at_once_when_the_hub_refuses_its_query(refusing_server: str) -> None:
    """A refused query would be refused again for the rest of the run (it once retried for 300 s)."""
    _RefusesEverything.requests = 0

    async def poll() -> Clients:
        async with httpx.AsyncClient() as http:
            clients = Clients(_plan(refusing_server), http, SimpleNamespace(value=0))
            await asyncio.wait_for(clients.poller(0), timeout=10)
            return clients

    clients = asyncio.run(poll())
    assert _RefusesEverything.requests == 1
    assert clients.outcome.errors == {
        "objects: added_after poll": ['400: {"title": "the filter is not valid"}']
    }
