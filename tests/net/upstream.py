"""A real HTTP server on 127.0.0.1 (a free port) whose answers a test scripts: the misbehaving upstream."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

Handler = Callable[[Request], Response]


class Upstream:
    """Serves `handler` on loopback; `url` is its base URL and `requests` counts what it was asked."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.requests: list[str] = []
        self._server = make_server("127.0.0.1", 0, self._app, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        self.url = f"http://127.0.0.1:{self._server.server_port}/"

    def _app(self, environ, start_response):  # type: ignore[no-untyped-def]
        request = Request(environ)
        self.requests.append(request.full_path)
        return self.handler(request)(environ, start_response)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


@contextmanager
def upstream(handler: Handler) -> Iterator[Upstream]:
    server = Upstream(handler)
    try:
        yield server
    finally:
        server.stop()
