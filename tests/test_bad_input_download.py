"""Issue 14, class 1: downloads and decompression are bounded in time and memory.

A hostile HTTP server on 127.0.0.1 (an ephemeral port, nothing beyond it): an endless body,
a Content-Length far larger than the file, a gzip bomb, a header declaring a huge array, a
server trickling one byte at a time (body or headers). Each must fail fast, in bounded
memory, with a message saying what was found, and the next mirror must then be tried. A
download killed by SIGTERM leaves a ``.part`` file that the next run removes.
"""

import gzip
import http.server
import os
import signal
import struct
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from local_server import listing, serve

from helpers import data

pytestmark = pytest.mark.network

ROOT = Path(__file__).resolve().parents[1]
NAME = "t10k-labels-idx1-ubyte"  # known size: 10,008 bytes decompressed
LABELS = np.arange(10, dtype=np.uint8)
CONTENT = bytes([0, 0, 8, 1]) + struct.pack(">I", 10) + LABELS.tobytes()
GOOD = gzip.compress(CONTENT, mtime=0)
DIGEST = data.sha256(CONTENT)
BOMB = gzip.compress(CONTENT + bytes(10_000_000), mtime=0)  # ~10 KB that inflate to 10 MB
HUGE_HEADER = gzip.compress(bytes([0, 0, 8, 1]) + struct.pack(">I", 2**31) + bytes(1000))
SERVER_LIMIT = 8.0  # seconds: no handler of the hostile server runs longer


class Hostile(http.server.BaseHTTPRequestHandler):
    log: list[str]

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.log.append(self.path)
        behaviour = self.path.strip("/").partition("/")[0]
        try:
            getattr(self, f"serve_{behaviour.replace('-', '_')}", self.serve_missing)()
        except (BrokenPipeError, ConnectionResetError):  # the client gave up: expected
            pass

    def serve_missing(self):
        self.send_error(404)

    def _headers(self, length=None):
        self.send_response(200)
        self.send_header("Content-Type", "application/gzip")
        if length is not None:
            self.send_header("Content-Length", str(length))
        self.end_headers()

    def _body(self, body: bytes):
        self._headers(len(body))
        self.wfile.write(body)

    def serve_good(self):
        self._body(GOOD)

    def serve_bomb(self):
        self._body(BOMB)

    def serve_huge_header(self):
        self._body(HUGE_HEADER)

    def serve_endless(self):  # no Content-Length, bytes until the client hangs up
        self._headers()
        self.close_connection = True
        stop = time.monotonic() + SERVER_LIMIT
        while time.monotonic() < stop:
            self.wfile.write(bytes(1 << 14))

    def serve_huge_length(self):  # announces a terabyte
        self._headers(10**12)
        self.wfile.write(GOOD)

    def serve_trickle(self):  # the right file, one byte every 20 ms
        self._headers(len(GOOD))
        stop = time.monotonic() + SERVER_LIMIT
        for byte in GOOD:
            if time.monotonic() > stop:
                break
            self.wfile.write(bytes([byte]))
            self.wfile.flush()
            time.sleep(0.02)

    def serve_stall(self):  # a few bytes, then nothing for a while
        self._headers(len(GOOD))
        self.wfile.write(GOOD[:10])
        self.wfile.flush()
        time.sleep(3.0)

    def serve_trickle_headers(self):  # the status line and headers, a byte at a time
        stop = time.monotonic() + SERVER_LIMIT
        for byte in b"HTTP/1.0 200 OK\r\n" + b"X-Padding: " + b"a" * 10_000:
            if time.monotonic() > stop:
                break
            self.wfile.write(bytes([byte]))
            self.wfile.flush()
            time.sleep(0.02)


@pytest.fixture(scope="module")
def server():
    """A threaded HTTP server on an ephemeral 127.0.0.1 port; yields (base_url, log)."""
    with serve(Hostile) as (base, log):
        yield base, log


@pytest.fixture
def mirror(server):
    base, _ = server
    return lambda behaviour: f"{base}/{behaviour}/"


def download(dest, mirrors, timeout=5.0, **kwargs):
    return data.download_file(NAME, dest, mirrors, DIGEST, timeout=timeout, **kwargs)


def only_reason(excinfo) -> str:
    lines = str(excinfo.value).splitlines()
    assert len(lines) == 2
    return lines[1].split(": ", 1)[1]


# --------------------------------------------------------------------------------------
# Each hostile mirror fails fast, says what it found, and the next one is tried
# --------------------------------------------------------------------------------------

HOSTILE = {
    "endless": ["the body exceeds", "bytes, more than the file can be", "endless"],
    "huge-length": ["announces 1000000000000 bytes (Content-Length)", "more than the file"],
    "bomb": ["more than the 18 bytes its IDX header declares", "decompression bomb"],
    "huge-header": ["declares shape (2147483648,)", "more than the 10008 bytes"],
    "trickle": ["too slow", "within the 0.5 s allowed for the whole file", "received"],
    "trickle-headers": ["too slow", "within the 0.5 s allowed"],
}


@pytest.mark.parametrize("bad", list(HOSTILE))
def test_hostile_mirror_fails_fast_with_a_reason(tmp_path, mirror, bad):
    start = time.monotonic()
    with pytest.raises(data.DownloadError) as excinfo:
        download(tmp_path, [mirror(bad)], timeout=0.5)
    assert time.monotonic() - start < 3.0
    reason = only_reason(excinfo)
    for words in HOSTILE[bad]:
        assert words in reason, reason
    assert listing(tmp_path) == []  # nothing half-written


@pytest.mark.parametrize("bad", list(HOSTILE))
def test_hostile_mirror_then_the_good_one(tmp_path, server, mirror, bad):
    _, log = server
    n = len(log)
    start = time.monotonic()
    path = download(tmp_path, [mirror(bad), mirror("good")], timeout=0.5)
    assert time.monotonic() - start < 3.0
    assert log[n:] == [f"/{bad}/{NAME}.gz", f"/good/{NAME}.gz"]
    assert listing(tmp_path) == [f"{NAME}.gz"]
    np.testing.assert_array_equal(data.read_idx(path, DIGEST), LABELS)


def test_the_deadline_is_for_the_whole_file_not_each_read(tmp_path, mirror):
    # Each byte of the trickle arrives well within any per-read timeout; only a deadline
    # for the whole transfer stops it.
    start = time.monotonic()
    with pytest.raises(data.DownloadError, match="too slow"):
        download(tmp_path, [mirror("trickle")], timeout=0.3)
    assert time.monotonic() - start < 1.5


def test_gzip_bomb_is_decompressed_in_bounded_memory(tmp_path, mirror):
    tracemalloc.start()
    try:
        with pytest.raises(data.DownloadError, match="decompression bomb"):
            download(tmp_path, [mirror("bomb")])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 3_000_000  # the bomb inflates to 10 MB; far less is ever held


def test_local_gzip_bomb_is_refused_by_read_idx(tmp_path):
    path = tmp_path / f"{NAME}.gz"
    path.write_bytes(BOMB)
    start = time.monotonic()
    with pytest.raises(data.IdxFormatError) as excinfo:
        data.read_idx(path)
    assert time.monotonic() - start < 1.0
    assert str(path) in str(excinfo.value)
    assert "more than the 18 bytes its IDX header declares" in str(excinfo.value)


def test_local_file_larger_than_it_can_be_is_refused_unread(tmp_path):
    path = tmp_path / NAME
    path.write_bytes(CONTENT + bytes(100_000))
    with pytest.raises(data.IdxFormatError, match="more than this file can be") as excinfo:
        data.read_idx(path, max_bytes=data.max_file_bytes(NAME))
    assert "100018 bytes" in str(excinfo.value)


def test_memory_error_falls_back_to_the_next_mirror(tmp_path, mirror, monkeypatch):
    real = data.read_bytes
    calls = []

    def exhausted_once(path, max_bytes=None):
        calls.append(path)
        if len(calls) == 1:
            raise MemoryError
        return real(path, max_bytes)

    monkeypatch.setattr(data, "read_bytes", exhausted_once)
    path = download(tmp_path, [mirror("good"), mirror("good")])
    assert len(calls) == 2 and listing(tmp_path) == [path.name]
    calls.clear()
    with pytest.raises(data.DownloadError, match="ran out of memory"):
        download(tmp_path, [mirror("good")])


@pytest.mark.parametrize(
    ("timeout", "error", "words"),
    [("30", TypeError, "timeout must be a number of seconds (e.g. 30.0), got str '30'"),
     (None, TypeError, "got NoneType None"),
     (0, ValueError, "positive, finite number of seconds, got 0"),
     (float("inf"), ValueError, "got inf")],
)
def test_timeout_argument_is_checked(tmp_path, timeout, error, words):
    with pytest.raises(error) as excinfo:
        download(tmp_path, ["http://127.0.0.1:9/"], timeout=timeout)
    assert words in str(excinfo.value)
    with pytest.raises(error):
        data.fetch("mnist", data_dir=tmp_path, timeout=timeout)


# --------------------------------------------------------------------------------------
# fetch and the command line take the deadline too
# --------------------------------------------------------------------------------------


@pytest.fixture
def fake_mnist(monkeypatch, tmp_path):
    """"mnist" whose four files are all CONTENT: patched checksums, a cache in tmp."""
    monkeypatch.setitem(data.SHA256, "mnist", {f: DIGEST for f in data.FILES.values()})
    monkeypatch.delenv("COURSE_DATA_DIR", raising=False)
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache" / "mnist"


def test_fetch_passes_its_timeout(fake_mnist, mirror):
    start = time.monotonic()
    folder = data.fetch("mnist", mirrors=[mirror("trickle"), mirror("good")], timeout=0.3)
    assert time.monotonic() - start < 4 * 1.0  # four files, each under a second
    assert listing(folder) == sorted(f"{f}.gz" for f in data.FILES.values())


def test_cli_timeout_option(fake_mnist, mirror, monkeypatch, capsys):
    monkeypatch.setitem(data.MIRRORS, "mnist", [mirror("trickle")])
    start = time.monotonic()
    assert data.main(["fetch", "--dataset", "mnist", "--timeout", "0.3"]) == 1
    assert time.monotonic() - start < 2.0  # gives up on the first file
    err = capsys.readouterr().err
    assert err.startswith("error: the mnist files were not found")
    assert "too slow: not complete within the 0.3 s allowed" in err
    with pytest.raises(SystemExit):
        data.main(["fetch", "--timeout", "soon"])
    assert "expected a positive number of seconds, got 'soon'" in capsys.readouterr().err


# --------------------------------------------------------------------------------------
# A download killed midway: the next run removes its .part file
# --------------------------------------------------------------------------------------

KILLED = """
import sys
from helpers import data
data.download_file(sys.argv[1], sys.argv[2], [sys.argv[3]], "0" * 64, timeout=30)
"""


@pytest.mark.skipif(os.name != "posix", reason="SIGTERM")
def test_killed_download_leaves_a_part_file_that_the_next_run_removes(tmp_path, mirror):
    dest = tmp_path / "cache"
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED, NAME, str(dest), mirror("stall")], cwd=ROOT
    )
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if dest.is_dir() and list(dest.glob(".*.part")):
                break
            time.sleep(0.05)
        time.sleep(0.2)  # inside the transfer
        proc.send_signal(signal.SIGTERM)  # what a kernel restart sends
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    leftover = [p.name for p in dest.glob(".*.part")]
    assert len(leftover) == 1 and f".{proc.pid}." in leftover[0]  # SIGTERM ran no clean-up
    download(dest, [mirror("good")])
    assert listing(dest) == [f"{NAME}.gz"]  # the stale .part is gone


def test_stale_part_rules(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    files = {
        "dead": tmp_path / f".{NAME}.{dead.stdout.strip()}.abc123.part",
        "alive": tmp_path / f".{NAME}.{os.getpid()}.def456.part",
        "old": tmp_path / f".{NAME}.{os.getpid()}.ghi789.part",
        "unrelated": tmp_path / "notes.part",
    }
    for f in files.values():
        f.write_bytes(b"x")
    old = time.time() - data.STALE_PART_SECONDS - 10
    os.utime(files["old"], (old, old))
    removed = data.remove_stale_parts(tmp_path)
    assert sorted(removed) == sorted([files["dead"], files["old"]])
    assert listing(tmp_path) == sorted([files["alive"].name, "notes.part"])
