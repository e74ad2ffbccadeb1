"""The download path, for real, against a throwaway HTTP server on 127.0.0.1.

Each mirror is a path prefix on the server (``/good/``, ``/missing/``, ...) that serves
every ``<name>.gz`` in one way: the verified file, a valid gzip of the wrong content, a cut
gzip, a short body under a longer Content-Length, a 404, and so on. The loader must fall
back to the next mirror, reject the bad ones and leave no partial file behind.
"""

import gzip
import hashlib
import http.server
import struct
import time

import numpy as np
import pytest
from local_server import listing, serve

from helpers import data

pytestmark = pytest.mark.network

TIMEOUT = 5.0  # seconds, for every client request in this file


def idx_bytes(arr: np.ndarray) -> bytes:
    """The IDX encoding of a uint8 array (see test_data.py for every type code)."""
    assert arr.dtype == np.uint8
    return bytes([0, 0, 0x08, arr.ndim]) + struct.pack(f">{arr.ndim}I", *arr.shape) + arr.tobytes()


def fake_files(seed: int, n_train=6, n_test=4) -> dict[str, bytes]:
    """The four files of a tiny valid data set, decompressed: {filename: bytes}."""
    rng = np.random.default_rng(seed)
    files = {}
    for (split, kind), filename in data.FILES.items():
        n = n_train if split == "train" else n_test
        shape = (n, 28, 28) if kind == "images" else (n,)
        high = 256 if kind == "images" else 10
        files[filename] = idx_bytes(rng.integers(0, high, size=shape, dtype=np.uint8))
    return files


GOOD = fake_files(seed=0)  # what the good mirror serves
OTHER = fake_files(seed=1)  # valid IDX and gzip, but not the published content
DIGESTS = {name: hashlib.sha256(content).hexdigest() for name, content in GOOD.items()}
NAME = "t10k-labels-idx1-ubyte"  # the file most tests download


class Handler(http.server.BaseHTTPRequestHandler):
    """Serve ``/<behaviour>/<filename>.gz``; the behaviour is the mirror's first path part."""

    log: list[str]  # set on the subclass made by the fixture

    def log_message(self, *args):  # keep the test output clean
        pass

    def do_GET(self):
        self.log.append(self.path)
        behaviour, _, file = self.path.strip("/").partition("/")
        filename = file.removesuffix(".gz")
        if filename not in GOOD or not file.endswith(".gz"):
            return self.send_error(404)
        good = gzip.compress(GOOD[filename], mtime=0)
        if behaviour == "good":
            self._send(good)
        elif behaviour == "missing":
            self.send_error(404)
        elif behaviour == "broken":
            self.send_error(500)
        elif behaviour == "corrupt":  # a valid gzip of the wrong content
            self._send(gzip.compress(OTHER[filename], mtime=0))
        elif behaviour == "truncated":  # a cut gzip with an honest Content-Length
            self._send(good[: len(good) // 2])
        elif behaviour == "short":  # Content-Length promises more than is sent
            self._send(good[: len(good) // 2], length=len(good))
        elif behaviour == "chunked":  # chunked encoding, connection lost inside a chunk
            self.protocol_version = "HTTP/1.1"
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(b"%x\r\n" % len(good) + good[:10])
            self.close_connection = True
        elif behaviour == "garbage":  # not HTTP at all
            self.wfile.write(b"this is not an HTTP response\r\n\r\n")
        elif behaviour == "html":  # a captive portal's page instead of the file
            self._send(b"<html><body>Please log in</body></html>")
        elif behaviour == "slow":
            time.sleep(1.0)
            try:
                self._send(good)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up: expected
                pass
        else:
            self.send_error(404)

    def _send(self, body: bytes, length: int | None = None):
        self.send_response(200)
        self.send_header("Content-Type", "application/gzip")
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def server():
    """A threaded HTTP server on an ephemeral 127.0.0.1 port; yields (base_url, log)."""
    with serve(Handler) as (base, log):
        yield base, log


@pytest.fixture
def mirror(server):
    base, _ = server
    return lambda behaviour: f"{base}/{behaviour}/"


def download(dest, mirrors, name=NAME, timeout=TIMEOUT):
    return data.download_file(name, dest, mirrors, DIGESTS[name], timeout=timeout)


# --------------------------------------------------------------------------------------
# download_file
# --------------------------------------------------------------------------------------


def test_good_mirror(tmp_path, mirror):
    path = download(tmp_path, [mirror("good")])
    assert path == tmp_path / f"{NAME}.gz"
    assert listing(tmp_path) == [f"{NAME}.gz"]
    assert gzip.decompress(path.read_bytes()) == GOOD[NAME]


@pytest.mark.parametrize(
    "bad", ["missing", "broken", "corrupt", "truncated", "short", "chunked", "garbage", "html"]
)
def test_falls_back_to_the_next_mirror(tmp_path, server, mirror, bad):
    _, log = server
    start = len(log)
    path = download(tmp_path, [mirror(bad), mirror("good")])
    assert log[start:] == [f"/{bad}/{NAME}.gz", f"/good/{NAME}.gz"]  # both tried, in order
    assert listing(tmp_path) == [f"{NAME}.gz"]
    np.testing.assert_array_equal(data.read_idx(path, DIGESTS[NAME]), data.parse_idx(GOOD[NAME]))


def test_every_bad_mirror_then_the_good_one(tmp_path, mirror):
    bad = ["missing", "corrupt", "truncated", "short", "chunked", "garbage"]
    path = download(tmp_path, [*map(mirror, bad), mirror("good")])
    assert listing(tmp_path) == [f"{NAME}.gz"]
    assert gzip.decompress(path.read_bytes()) == GOOD[NAME]


def test_all_mirrors_bad(tmp_path, mirror):
    bad = ["missing", "broken", "corrupt", "truncated", "short", "chunked", "garbage", "html"]
    with pytest.raises(data.DownloadError) as excinfo:
        download(tmp_path, [mirror(b) for b in bad])
    lines = str(excinfo.value).splitlines()
    assert lines[0] == f"could not download {NAME}.gz from any mirror:"
    reasons = dict(line.strip().split(": ", 1) for line in lines[1:])
    assert list(reasons) == [f"{mirror(b)}{NAME}.gz" for b in bad]  # one line per mirror
    reason = {b: reasons[f"{mirror(b)}{NAME}.gz"] for b in bad}
    assert reason["missing"].startswith("HTTP 404")
    assert reason["broken"].startswith("HTTP 500")
    assert reason["corrupt"].startswith("checksum mismatch: SHA-256 ")
    assert reason["corrupt"].endswith(f"expected {DIGESTS[NAME]}")
    assert reason["truncated"].startswith("truncated gzip file")  # no temp file name
    n = len(gzip.compress(GOOD[NAME], mtime=0))
    assert reason["short"] == f"received {n // 2} of {n} bytes"
    assert reason["chunked"].startswith("broken HTTP response (IncompleteRead")
    assert reason["garbage"].startswith("broken HTTP response (BadStatusLine")
    assert reason["html"].startswith("checksum mismatch")
    assert listing(tmp_path) == []  # no partial or temporary file


def test_timeout_is_a_failure_like_any_other(tmp_path, mirror):
    path = download(tmp_path, [mirror("slow"), mirror("good")], timeout=0.3)
    assert listing(tmp_path) == [path.name]


def test_unreachable_mirror(tmp_path, mirror):
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}/"
        with pytest.raises(data.DownloadError, match="unreachable"):
            download(tmp_path, [dead])
        assert listing(tmp_path) == []
        download(tmp_path, [dead, mirror("good")])
        assert listing(tmp_path) == [f"{NAME}.gz"]


def test_verified_download_replaces_a_bad_file(tmp_path, mirror):
    (tmp_path / f"{NAME}.gz").write_bytes(b"junk")
    download(tmp_path, [mirror("good")])
    assert gzip.decompress((tmp_path / f"{NAME}.gz").read_bytes()) == GOOD[NAME]


def test_failed_download_leaves_an_existing_file_alone(tmp_path, mirror):
    (tmp_path / f"{NAME}.gz").write_bytes(b"old")
    with pytest.raises(data.DownloadError):
        download(tmp_path, [mirror("corrupt")])
    assert listing(tmp_path) == [f"{NAME}.gz"]
    assert (tmp_path / f"{NAME}.gz").read_bytes() == b"old"


def test_interrupted_download_leaves_nothing(tmp_path, mirror, monkeypatch):
    def interrupt(buf):
        raise KeyboardInterrupt

    monkeypatch.setattr(data, "sha256", interrupt)  # Ctrl-C after the bytes arrived
    with pytest.raises(KeyboardInterrupt):
        download(tmp_path, [mirror("good")])
    assert listing(tmp_path) == []


def test_dest_dir_is_created(tmp_path, mirror):
    dest = tmp_path / "a" / "b"
    download(dest, [mirror("good")])
    assert listing(dest) == [f"{NAME}.gz"]


# --------------------------------------------------------------------------------------
# fetch and load_dataset end to end, with a fake "mnist" whose checksums are patched in
# --------------------------------------------------------------------------------------


@pytest.fixture
def fake_mnist(monkeypatch, tmp_path):
    """"mnist" with tiny files: patched checksums, no COURSE_DATA_DIR, a cache in tmp."""
    monkeypatch.setitem(data.SHA256, "mnist", dict(DIGESTS))
    monkeypatch.delenv("COURSE_DATA_DIR", raising=False)
    cache = tmp_path / "cache"
    monkeypatch.setenv("COURSE_CACHE_DIR", str(cache))
    return cache


def test_fetch_then_load(fake_mnist, server, mirror):
    _, log = server
    start = len(log)
    folder = data.fetch("mnist", mirrors=[mirror("missing"), mirror("corrupt"), mirror("good")])
    assert folder == fake_mnist / "mnist"
    assert listing(folder) == sorted(f"{f}.gz" for f in data.FILES.values())
    assert len(log) - start == 12  # three mirrors tried for each of the four files

    images, labels = data.load_dataset("mnist", "train", download=False)
    assert images.shape == (6, 28, 28) and images.dtype == np.uint8
    assert labels.dtype == np.int64
    np.testing.assert_array_equal(images, data.parse_idx(GOOD["train-images-idx3-ubyte"]))
    np.testing.assert_array_equal(labels, data.parse_idx(GOOD["train-labels-idx1-ubyte"]))
    assert data.load_mnist("test", flatten=True)[0].shape == (4, 784)

    # Present and complete: a second fetch does not touch the network.
    start = len(log)
    assert data.fetch("mnist", mirrors=[mirror("good")]) == folder
    assert len(log) == start


def test_fetch_downloads_only_the_missing_files(fake_mnist, server, mirror):
    _, log = server
    folder = data.fetch("mnist", mirrors=[mirror("good")])
    (folder / "t10k-images-idx3-ubyte.gz").unlink()
    start = len(log)
    data.fetch("mnist", mirrors=[mirror("good")])
    assert log[start:] == ["/good/t10k-images-idx3-ubyte.gz"]


def test_load_dataset_downloads_from_the_mirror_table(fake_mnist, mirror, monkeypatch):
    monkeypatch.setitem(data.MIRRORS, "mnist", [mirror("truncated"), mirror("good")])
    images, labels = data.load_mnist("test")
    np.testing.assert_array_equal(labels, data.parse_idx(GOOD["t10k-labels-idx1-ubyte"]))
    assert listing(fake_mnist / "mnist") == sorted(f"{f}.gz" for f in data.FILES.values())


def test_fetch_all_mirrors_fail(fake_mnist, mirror):
    with pytest.raises(data.DataNotFoundError) as excinfo:
        data.fetch("mnist", mirrors=[mirror("missing"), mirror("corrupt")])
    msg = str(excinfo.value)
    assert "download failed" in msg and str(fake_mnist / "mnist") in msg
    assert "HTTP 404" in msg and "SHA-256" in msg
    assert "COURSE_DATA_DIR" in msg and "make data" in msg
    assert isinstance(excinfo.value.__cause__, data.DownloadError)
    assert listing(fake_mnist / "mnist") == []


def test_main_reports_failure(fake_mnist, mirror, monkeypatch, capsys):
    monkeypatch.setitem(data.MIRRORS, "mnist", [mirror("missing")])
    assert data.main(["fetch", "--dataset", "mnist"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("error: the mnist files were not found")
    assert "HTTP 404" in captured.err and "COURSE_DATA_DIR" in captured.err


def test_main_downloads(fake_mnist, mirror, monkeypatch, capsys):
    monkeypatch.setitem(data.MIRRORS, "mnist", [mirror("missing"), mirror("good")])
    assert data.main(["fetch", "--dataset", "mnist"]) == 0
    out = capsys.readouterr().out
    assert out.split()[:2] == ["mnist", "ok"] and str(fake_mnist / "mnist") in out
