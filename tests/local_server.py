"""A throw-away HTTP server on 127.0.0.1 for the download tests (no network needed).

``serve(handler)`` runs a threaded ``http.server`` with a subclass of ``handler`` whose
class attribute ``log`` collects what the handler appends to it (the requests it saw), and
yields ``(base_url, log)``; the server is shut down when the block ends.
"""

from __future__ import annotations

import contextlib
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def serve(handler: type[http.server.BaseHTTPRequestHandler]) -> Iterator[tuple[str, list[str]]]:
    log: list[str] = []
    logging_handler = type(f"Logging{handler.__name__}", (handler,), {"log": log})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), logging_handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", log
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def listing(folder: Path) -> list[str]:
    """Every entry of ``folder``, hidden temporary files included, sorted."""
    return sorted(p.name for p in folder.iterdir())
