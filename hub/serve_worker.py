"""The gunicorn worker the hub serves with: threads, and idle connections that cost no thread.

Gunicorn's sync worker reads each accepted socket until a request arrives, so a few hundred connections that
send nothing stop a whole deployment (issue 11, finding 13: 200 idle sockets, 0 of 8 other requests answered).
Its threaded worker (`gthread`) hands every new connection to a thread that waits up to five seconds for the
first bytes; a burst of idle sockets still queues every real request behind them. This worker waits for a new
connection's first bytes in the worker's poller, as gthread already does for kept-alive connections, and only
then gives it a thread; a new connection that sends nothing within `FIRST_BYTES_SECONDS` is closed (a
kept-alive one may wait the longer keep-alive timeout: it has proved to be a client). Threads are safe here:
each request has its own SQLAlchemy session (scoped to its app context) and the engine's pool is thread-safe.

A connection whose keep-alive (or silence) timeout has run out is closed only if no request is waiting on it.
gthread closes every expired connection after dispatching the poller's events, so a request that arrived while
the main thread was dispatching them (a long while when request threads hold the GIL on busy cores) was closed
unread: the kernel answers unread data with a reset, and the client got `ECONNRESET` for a request it had
already sent (bench/load.py's three `ReadError`s). Such a request is now served.

Relies on `gunicorn.workers.gthread` internals (`TConn`, `pending_conns`, `keepalived_conns`,
`on_pending_socket_readable`, `on_client_socket_readable`, `murder_*`) of gunicorn ≥ 27;
`tests/serve/test_idle_connections.py` and `tests/serve/test_keepalive_expiry.py` prove the behaviour with
real sockets.
"""

from __future__ import annotations

import errno
import selectors
import socket
import time
from collections import deque
from collections.abc import Callable
from contextlib import suppress
from functools import partial
from typing import Any

from gunicorn.workers.gthread import TConn, ThreadWorker

_RETRY = (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK)
FIRST_BYTES_SECONDS = 5  # how long a new connection may stay silent before it is closed


class IdleSafeThreadWorker(ThreadWorker):  # type: ignore[misc]
    """`gthread` whose new connections wait for their first bytes in the poller rather than in a thread, and
    whose expired connections are closed only when no request waits on them."""

    def accept(self, listener: socket.socket) -> None:
        """Accept a connection and park it until it is readable (or closed after `FIRST_BYTES_SECONDS`)."""
        try:
            client, address = listener.accept()
        except OSError as error:
            if error.errno in _RETRY:
                return
            raise
        self.nr_conns += 1
        conn = TConn(self.cfg, client, address, listener.getsockname())  # non-blocking until handled
        conn.timeout = time.monotonic() + FIRST_BYTES_SECONDS
        self.pending_conns.append(conn)
        self.poller.register(client, selectors.EVENT_READ, partial(self.on_pending_socket_readable, conn))

    def murder_keepalived(self, force: bool = False) -> None:
        """Close the kept-alive connections whose timeout ran out, but serve one whose request has arrived."""
        if force:  # the worker is exiting: gthread closes everything left
            super().murder_keepalived(force=True)
        else:
            self._expire(self.keepalived_conns, self.on_client_socket_readable)

    def murder_pending(self) -> None:
        """Close the new connections that stayed silent too long, but serve one whose request has arrived."""
        self._expire(self.pending_conns, self.on_pending_socket_readable)

    def _expire(self, conns: deque[Any], serve: Callable[[Any, socket.socket], None]) -> None:
        """Walk the expired head of `conns` (kept in timeout order): a connection with bytes waiting goes to
        a thread through `serve`, as the poller would have sent it; the others are closed."""
        now = time.monotonic()
        while conns and conns[0].timeout <= now:
            conn = conns[0]
            if request_waiting(conn.sock):
                serve(conn, conn.sock)  # unregisters it and takes it out of `conns`
                continue
            conns.popleft()
            with suppress(OSError, KeyError, ValueError):
                self.poller.unregister(conn.sock)
            self.nr_conns -= 1
            conn.close()


def request_waiting(sock: socket.socket) -> bool:
    """Whether the peer has sent bytes not read yet (False at end of stream, when nothing came, or on an
    error: those connections are closed)."""
    try:
        return bool(sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT))
    except OSError:  # BlockingIOError when nothing is waiting; a reset connection
        return False
