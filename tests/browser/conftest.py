"""Fixtures for the browser tests: Debian's Chromium driven by Playwright, a static server.

These tests run with ``make test-browser`` in the ``.venv-publish`` environment, after
``make html slides``. They are not part of ``make test``: in the course's own ``.venv``
Playwright is not installed, and this folder is then left out of the collection.

Chromium is always ``/usr/bin/chromium`` (Debian's package, installed by ``.ci/run``); a
browser downloaded by Playwright is never used. It starts with a fresh profile and with the
flags that keep it from calling home, so the only requests are the pages' own.
"""

import functools
import http.server
import os
import threading
from pathlib import Path

import pytest

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # the course's .venv: nothing here to collect
    collect_ignore_glob = ["test_*.py"]

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "build"
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = Path(os.environ.get("COURSE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """``tests/artifacts/``: where the screenshots go (git-ignored)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def browser_context(tmp_path_factory):
    """A headless Chromium with a fresh, empty user-data-dir; one context for the session."""
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium)")
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--headless", *CHROMIUM_FLAGS],
            viewport={"width": 1280, "height": 900},
        )
        yield context
        context.close()


@pytest.fixture
def page(browser_context):
    """A new tab, closed after the test."""
    tab = browser_context.new_page()
    yield tab
    tab.close()


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves files quietly, but remembers every request it answered with an error: the
    browser asks for some things (``/favicon.ico``) without telling Playwright."""

    def log_request(self, code="-", size="-"):
        if isinstance(code, int) and code >= 400:
            self.server.errors.append(f"HTTP {code} (seen by the server): {self.path}")

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


class ServerURL(str):
    """The server's base URL, ``http://127.0.0.1:N``, with its list of error answers."""

    errors: list[str]


@pytest.fixture(scope="session")
def static_server():
    """Serve ``build/`` on 127.0.0.1 (a free port); yields its base URL (a ``ServerURL``)."""
    handler = functools.partial(_Handler, directory=str(BUILD))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.errors = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = ServerURL(f"http://127.0.0.1:{server.server_address[1]}")
    url.errors = server.errors
    yield url
    server.shutdown()
    server.server_close()


class RequestLog:
    """Every failed request, 4xx/5xx response and request that leaves the test's own origin,
    and the requests still under way."""

    def __init__(self, page, origin: str):
        self.page = page
        self.origin = origin
        self._problems: list[str] = []
        self._server_errors = getattr(origin, "errors", [])
        self._server_errors.clear()
        self.pending: dict[object, str] = {}
        page.on("request", self._request)
        page.on("requestfinished", self._done)
        page.on("requestfailed", self._failed)
        page.on("response", self._response)

    def _request(self, request):
        url = request.url
        self.pending[request] = url
        if not (url.startswith(self.origin + "/") or url.startswith(("data:", "blob:", "about:"))):
            self._problems.append(f"left 127.0.0.1: {url}")

    def _done(self, request):
        self.pending.pop(request, None)

    def _failed(self, request):
        self.pending.pop(request, None)
        self._problems.append(f"failed: {request.url} ({request.failure})")

    def _response(self, response):
        if response.status >= 400:
            self._problems.append(f"HTTP {response.status}: {response.url}")

    @property
    def problems(self) -> list[str]:
        """What went wrong so far, as seen by the browser and by the static server."""
        return self._problems + self._server_errors

    def wait_idle(self, quiet_ms: int = 500, timeout_ms: int = 60_000) -> None:
        """Wait until no request has been under way for ``quiet_ms``; fail naming the rest."""
        quiet = waited = 0
        while quiet < quiet_ms:
            if waited > timeout_ms:
                pytest.fail(f"requests still under way: {sorted(self.pending.values())}")
            self.page.wait_for_timeout(100)
            waited += 100
            quiet = quiet + 100 if not self.pending else 0


@pytest.fixture
def request_log():
    """``request_log(page, origin)`` starts recording problems with the page's requests."""
    return RequestLog


def _built(folder: str) -> Path:
    path = BUILD / folder
    if not (path / "index.html").is_file():
        pytest.fail(f"{path}/index.html is missing: run `make html slides` first")
    return path


@pytest.fixture(scope="session")
def site_dir() -> Path:
    """``build/html``, the website (fails clearly when it has not been built)."""
    return _built("html")


@pytest.fixture(scope="session")
def slides_dir() -> Path:
    """``build/slides``, the slide decks (fails clearly when they have not been built)."""
    return _built("slides")
