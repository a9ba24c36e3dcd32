"""The gunicorn worker the hub serves with: threads, and idle connections that cost no thread.

Gunicorn's sync worker reads each accepted socket until a request arrives, so a few hundred connections that
send nothing stop a whole deployment (issue 11, finding 13: 200 idle sockets, 0 of 8 other requests answered).
Its threaded worker (`gthread`) hands every new connection to a thread that waits up to five seconds for the
first bytes; a burst of idle sockets still queues every real request behind them. This worker waits for a new
connection's first bytes in the worker's poller, as gthread already does for kept-alive connections, and only
then gives it a thread; a connection that sends nothing within the keep-alive timeout is closed. Threads are
safe here: each request has its own SQLAlchemy session (scoped to its app context) and the engine's pool is
thread-safe.

Relies on `gunicorn.workers.gthread` internals (`TConn`, `pending_conns`, `on_pending_socket_readable`) of
gunicorn ≥ 27; `tests/serve/test_idle_connections.py` proves the behaviour with real sockets.
"""

from __future__ import annotations

import errno
import selectors
import socket
import time
from functools import partial

from gunicorn.workers.gthread import TConn, ThreadWorker

_RETRY = (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK)


class IdleSafeThreadWorker(ThreadWorker):  # type: ignore[misc]
    """`gthread` whose new connections wait for their first bytes in the poller rather than in a thread."""

    def accept(self, listener: socket.socket) -> None:
        """Accept a connection and park it until it is readable (or its keep-alive timeout closes it)."""
        try:
            client, address = listener.accept()
        except OSError as error:
            if error.errno in _RETRY:
                return
            raise
        self.nr_conns += 1
        conn = TConn(self.cfg, client, address, listener.getsockname())  # non-blocking until handled
        conn.timeout = time.monotonic() + self.cfg.keepalive
        self.pending_conns.append(conn)
        self.poller.register(client, selectors.EVENT_READ, partial(self.on_pending_socket_readable, conn))
