"""A connection whose timeout runs out while its next request is already waiting is served, not reset.

The worker closes expired connections after dispatching the poller's events. A request that arrives in
between (a long while when request threads hold the GIL on busy cores) used to be closed unread, and the
kernel answers unread data with a reset: the client got `ECONNRESET` for a request it had sent
(`httpx.ReadError` in bench/load.py). These tests put the worker in exactly that state with real sockets and
run its expiry step.
"""

from __future__ import annotations

import os
import selectors
import socket
import time
from collections.abc import Iterator
from functools import partial
from typing import Any

import pytest
from gunicorn.config import Config
from gunicorn.glogging import Logger
from gunicorn.workers.gthread import TConn

from hub.serve_worker import IdleSafeThreadWorker

REQUEST = b"GET /taxii2/ HTTP/1.1\r\nHost: hub\r\n\r\n"


@pytest.fixture
def worker() -> Iterator[IdleSafeThreadWorker]:
    """A worker as its main loop sees it, with request dispatch recorded instead of run on a thread."""
    cfg = Config()
    made = IdleSafeThreadWorker(0, os.getpid(), [], None, 30, cfg, Logger(cfg))
    made.poller = selectors.DefaultSelector()
    made.dispatched = []
    made.enqueue_req = made.dispatched.append
    yield made
    made.poller.close()
    made.tmp.close()


@pytest.fixture
def pair() -> Iterator[tuple[socket.socket, socket.socket]]:
    """A connected (client, server side) pair of loopback TCP sockets."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        client = socket.create_connection(listener.getsockname())
        server, _ = listener.accept()
    yield client, server
    client.close()
    server.close()


def _expired(worker: IdleSafeThreadWorker, server: socket.socket, kept_alive: bool) -> Any:
    """Register `server` as an expired kept-alive (or new, still silent) connection of `worker`."""
    conn = TConn(worker.cfg, server, ("127.0.0.1", 0), server.getsockname())
    conn.timeout = time.monotonic() - 0.01
    if kept_alive:
        conn.initialized = True
        worker.keepalived_conns.append(conn)
        worker.poller.register(server, selectors.EVENT_READ, partial(worker.on_client_socket_readable, conn))
    else:
        worker.pending_conns.append(conn)
        worker.poller.register(server, selectors.EVENT_READ, partial(worker.on_pending_socket_readable, conn))
    worker.nr_conns += 1
    return conn


def _arrived(server: socket.socket) -> None:
    """Wait until the client's bytes are in the server side's receive buffer."""
    deadline = time.monotonic() + 5
    while not _waiting(server):
        assert time.monotonic() < deadline, "the request never reached the server side"
        time.sleep(0.01)


def _waiting(server: socket.socket) -> bool:
    """Bytes sent by the client and not read yet."""
    try:
        return bool(server.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT))
    except BlockingIOError:
        return False


def _lost(client: socket.socket) -> bool:
    """Whether the server side closed or reset the connection (rather than keeping it for the answer)."""
    client.settimeout(0.3)
    try:
        return client.recv(1) == b""  # closed without an answer counts as lost too
    except TimeoutError:
        return False
    except ConnectionResetError:
        return True


@pytest.mark.parametrize("kept_alive", [True, False], ids=["kept-alive", "new"])
def test_an_expired_connection_with_a_request_waiting_is_served(
    worker: IdleSafeThreadWorker, pair: tuple[socket.socket, socket.socket], kept_alive: bool
) -> None:
    client, server = pair
    conn = _expired(worker, server, kept_alive)
    client.sendall(REQUEST)
    _arrived(server)

    worker.murder_pending()
    worker.murder_keepalived()

    assert worker.dispatched == [conn]
    assert not worker.keepalived_conns and not worker.pending_conns
    assert not _lost(client)
    assert server.fileno() != -1


@pytest.mark.parametrize("kept_alive", [True, False], ids=["kept-alive", "new"])
def test_an_expired_silent_connection_is_closed(
    worker: IdleSafeThreadWorker, pair: tuple[socket.socket, socket.socket], kept_alive: bool
) -> None:
    client, server = pair
    _expired(worker, server, kept_alive)

    worker.murder_pending()
    worker.murder_keepalived()

    assert worker.dispatched == []
    assert worker.nr_conns == 0 and not worker.keepalived_conns and not worker.pending_conns
    assert _lost(client)  # end of stream: the client sees the close before it sends anything
