"""Loading MNIST and Fashion-MNIST, and the small data utilities every notebook needs.

Where the files come from, in order (the first place that holds all four files wins):

1. the ``data_dir`` argument (a folder holding ``mnist/`` and ``fashion-mnist/``, or the
   data set's own folder);
2. the environment variable ``COURSE_DATA_DIR`` (same layout);
3. the per-user cache (``COURSE_CACHE_DIR``, else ``$XDG_CACHE_HOME/mnist-course``, else
   ``~/.cache/mnist-course``);
4. a download into that cache from public mirrors, trying the next mirror when one fails.

Every file is checked against the SHA-256 of its decompressed content (the ``.gz`` bytes
differ between mirrors and repackagings, the content does not). Downloads are written to a
temporary file beside the target and renamed only once verified, so an interrupted or
corrupt download never leaves a file that looks valid; the temporary files of a killed
download are removed by the next one. Nothing is ever unpickled.

Bounded in time and memory: each file has a size cap (:data:`FILE_SIZES`), decompression is
streamed and stops at the size the IDX header declares (a gzip bomb fails after a few KB),
and ``timeout`` is a deadline for the whole transfer of a file, not for each read. When the
files are not found, the error says what each folder held instead (other names, one folder
per file, broken links, Fashion-MNIST where MNIST was asked, ...).

Array conventions: images are ``uint8`` of shape ``(N, 28, 28)`` (or ``(N, 784)`` with
``flatten=True``), labels are ``int64`` of shape ``(N,)`` with values in ``0..9``.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import http.client
import math
import os
import re
import socket
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

NUM_CLASSES = 10
IMAGE_SHAPE = (28, 28)
NUM_PIXELS = 28 * 28

#: The four files of each data set, by role.
FILES = {
    ("train", "images"): "train-images-idx3-ubyte",
    ("train", "labels"): "train-labels-idx1-ubyte",
    ("test", "images"): "t10k-images-idx3-ubyte",
    ("test", "labels"): "t10k-labels-idx1-ubyte",
}

#: SHA-256 of the decompressed files (see the READMEs of the course's shared data folder).
SHA256 = {
    "mnist": {
        "train-images-idx3-ubyte":
            "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
        "train-labels-idx1-ubyte":
            "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
        "t10k-images-idx3-ubyte":
            "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
        "t10k-labels-idx1-ubyte":
            "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    },
    "fashion-mnist": {
        "train-images-idx3-ubyte":
            "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
        "train-labels-idx1-ubyte":
            "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
        "t10k-images-idx3-ubyte":
            "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
        "t10k-labels-idx1-ubyte":
            "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
    },
}

#: Public mirrors serving ``<name>.gz``, tried in order.
MIRRORS = {
    "mnist": [
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
        "http://yann.lecun.com/exdb/mnist/",
    ],
    "fashion-mnist": [
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
    ],
}

CLASS_NAMES = {
    "mnist": [str(d) for d in range(10)],
    "fashion-mnist": [
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
        "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    ],
}

DATASETS = tuple(SHA256)

#: How each data set is called in messages.
DISPLAY_NAMES = {"mnist": "MNIST", "fashion-mnist": "Fashion-MNIST"}

#: Decompressed size in bytes (IDX header and data) of each file, the same in both data
#: sets. Downloads and decompression stop as soon as a file would grow beyond its size.
FILE_SIZES = {
    "train-images-idx3-ubyte": 16 + 60_000 * 784,
    "train-labels-idx1-ubyte": 8 + 60_000,
    "t10k-images-idx3-ubyte": 16 + 10_000 * 784,
    "t10k-labels-idx1-ubyte": 8 + 10_000,
}

#: Cap for files of other names (256 MiB decompressed).
DEFAULT_MAX_BYTES = 1 << 28

#: A temporary ``.part`` file older than this (seconds), or left by a process that is no
#: longer running, is removed by the next download into its folder.
STALE_PART_SECONDS = 3600

_CHUNK = 1 << 16


class DataError(Exception):
    """Something is wrong with a data file or a data set (base of the errors below)."""


class IdxFormatError(DataError, ValueError):
    """A file is not valid IDX: wrong magic, truncated, or dimensions that disagree."""


class ChecksumError(DataError, ValueError):
    """A file's content does not have the published SHA-256."""


class DataNotFoundError(DataError, FileNotFoundError):
    """The files are nowhere to be found and could not be downloaded."""


class DownloadError(DataError, OSError):
    """Every mirror failed for a file."""


class CacheError(DataError, OSError):
    """The download folder (the per-user cache) cannot be created or written."""


# --------------------------------------------------------------------------------------
# IDX parsing
# --------------------------------------------------------------------------------------

#: IDX type codes (third byte of the magic number) and the big-endian dtypes they denote.
IDX_DTYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


def parse_idx(buf: bytes, name: str = "<bytes>") -> np.ndarray:
    """Parse the bytes of an (uncompressed) IDX file into an array.

    Layout: two zero bytes, a type code, the number of dimensions ``k``; then ``k``
    big-endian uint32 sizes; then the values, big-endian, in C order.

    Returns an array of the stored shape, in native byte order. Raises IdxFormatError, naming
    ``name``, for a bad magic number, an unknown type code, a truncated file, or a length
    that disagrees with the dimensions.
    """
    if len(buf) < 4:
        raise IdxFormatError(
            f"{name}: {len(buf)} bytes is too short for an IDX file "
            "(expected at least a 4-byte magic number)"
        )
    if buf[0] != 0 or buf[1] != 0:
        raise IdxFormatError(
            f"{name}: bad IDX magic number 0x{buf[:4].hex()} (expected 0x0000 followed by a "
            "type code and a dimension count, e.g. 0x00000803 for uint8 images). "
            "Is this a compressed file read without decompressing, or not an IDX file?"
        )
    code, ndim = buf[2], buf[3]
    if code not in IDX_DTYPES:
        known = ", ".join(f"0x{c:02X}" for c in IDX_DTYPES)
        raise IdxFormatError(
            f"{name}: unknown IDX type code 0x{code:02X} (expected one of {known})"
        )
    if ndim == 0:
        raise IdxFormatError(f"{name}: IDX header declares 0 dimensions (expected at least 1)")
    header = 4 + 4 * ndim
    if len(buf) < header:
        raise IdxFormatError(
            f"{name}: truncated IDX header: {len(buf)} bytes, expected {header} for {ndim} "
            "dimensions"
        )
    shape = tuple(int(d) for d in np.frombuffer(buf, dtype=">u4", count=ndim, offset=4))
    dtype = IDX_DTYPES[code]
    expected = math.prod(shape) * dtype.itemsize  # exact: int64 could overflow
    actual = len(buf) - header
    if actual < expected:
        raise IdxFormatError(
            f"{name}: truncated: the header says shape {shape} of {dtype.name} "
            f"({expected} data bytes) but only {actual} follow"
        )
    if actual > expected:
        raise IdxFormatError(
            f"{name}: {actual - expected} unexpected bytes after the data: the header says "
            f"shape {shape} ({expected} data bytes), the file holds {actual}"
        )
    data = np.frombuffer(buf, dtype=dtype, offset=header).reshape(shape)
    return data.astype(dtype.newbyteorder("="))


def max_file_bytes(filename: str) -> int:
    """The most bytes ``filename`` can hold decompressed: its known size, else a general cap."""
    return FILE_SIZES.get(filename, DEFAULT_MAX_BYTES)


def _compressed_cap(max_bytes: int) -> int:
    """The most bytes a gzip (or plain) copy of ``max_bytes`` of content can take."""
    return max_bytes + max_bytes // 100 + 4096


def _idx_total(head, name: str) -> tuple[int, tuple] | None:
    """``(total bytes, shape)`` an IDX file declares in its first bytes ``head``; None while
    the header is incomplete. Raises IdxFormatError (as parse_idx) for a bad header."""
    if len(head) < 4:
        return None
    if head[0] or head[1] or head[2] not in IDX_DTYPES or head[3] == 0:
        parse_idx(bytes(head[:4]), name)  # raises the error parse_idx gives for this magic
    header = 4 + 4 * head[3]
    if len(head) < header:
        return None
    shape = tuple(int(d) for d in np.frombuffer(bytes(head[4:header]), dtype=">u4"))
    return header + math.prod(shape) * IDX_DTYPES[head[2]].itemsize, shape


def _gunzip(raw: bytes, name: str, max_bytes: int | None = None) -> bytes:
    """Decompress gzip bytes, streamed, in bounded memory.

    Stops as soon as the output would exceed the size its IDX header declares, or
    ``max_bytes``: a decompression bomb fails after a few KB, not after filling the memory.
    """
    out = bytearray()
    declared = None  # (total, shape) once the IDX header is complete
    view = memoryview(raw)
    pos = 0
    pending = b""
    d = zlib.decompressobj(wbits=31)  # gzip only
    try:
        while True:
            if not pending:
                if pos >= len(raw):
                    break
                pending = view[pos : pos + _CHUNK]
                pos += len(pending)
            bound = declared[0] if declared is not None else max_bytes
            out += d.decompress(pending, 0 if bound is None else bound - len(out) + 1)
            pending = d.unconsumed_tail
            if declared is None:
                declared = _idx_total(out, name)
                if declared is not None and max_bytes is not None and declared[0] > max_bytes:
                    raise IdxFormatError(
                        f"{name}: the IDX header declares shape {declared[1]} "
                        f"({declared[0]} bytes), more than the {max_bytes} bytes this file "
                        "can hold: a corrupt file or a decompression bomb"
                    )
            if declared is not None and len(out) > declared[0]:
                raise IdxFormatError(
                    f"{name}: the gzip holds more than the {declared[0]} bytes its IDX header "
                    f"declares (shape {declared[1]}); stopped decompressing (a corrupt file or "
                    "a decompression bomb)"
                )
            if declared is None and max_bytes is not None and len(out) > max_bytes:
                raise IdxFormatError(
                    f"{name}: decompresses to more than {max_bytes} bytes, more than this "
                    "file can hold; stopped (a decompression bomb?)"
                )
            if d.eof:  # end of a gzip member: another may follow (concatenated gzip)
                rest = bytes(d.unused_data) + bytes(view[pos:])
                pos = len(raw)
                if not rest.strip(b"\0"):  # nothing, or zero padding
                    break
                d = zlib.decompressobj(wbits=31)
                pending = rest
    except zlib.error as exc:
        raise IdxFormatError(f"{name}: corrupt gzip file ({exc})") from exc
    if not d.eof:
        raise IdxFormatError(
            f"{name}: truncated gzip file (the compressed stream ends before its end marker, "
            f"after {len(out)} decompressed bytes)"
        )
    return bytes(out)


def read_bytes(path: str | os.PathLike, max_bytes: int | None = None) -> bytes:
    """Read a file, decompressing it when it is gzip (by content, not by name).

    Decompression is streamed and stops at the size the IDX header declares; with
    ``max_bytes`` a file whose content could exceed that many bytes is refused unread.
    """
    path = Path(path)
    if max_bytes is not None:
        size = path.stat().st_size
        if size > _compressed_cap(max_bytes):
            raise IdxFormatError(
                f"{path}: {size} bytes, more than this file can be (its content is at most "
                f"{max_bytes} bytes); not the file it is named after?"
            )
    raw = path.read_bytes()
    if raw[:2] != b"\x1f\x8b":
        return raw
    return _gunzip(raw, str(path), max_bytes)


def sha256(buf: bytes) -> str:
    """Hex SHA-256 of ``buf``."""
    return hashlib.sha256(buf).hexdigest()


def identify(digest: str) -> tuple[str, str] | None:
    """``(data set, file name)`` of the published file with SHA-256 ``digest``, or None."""
    for dataset, table in SHA256.items():
        for filename, published in table.items():
            if published == digest:
                return dataset, filename
    return None


def _mismatch_message(path, actual: str, expected: str) -> str:
    found, wanted = identify(actual), identify(expected)
    digests = f"SHA-256 {actual}, expected {expected}"
    if found is None:
        return (
            f"{path}: checksum mismatch: the decompressed content has {digests}. The file is "
            "corrupt or not the published one; delete it and fetch it again (make data)."
        )
    what = f"the {DISPLAY_NAMES.get(found[0], found[0])} file {found[1]}"
    if wanted is None:
        return f"{path}: checksum mismatch: this is {what} ({digests})."
    if wanted[0] != found[0]:
        hint = (
            "MNIST and Fashion-MNIST use the same file names: keep them in separate folders "
            "named mnist/ and fashion-mnist/."
        )
    else:
        hint = "The files were renamed or swapped; give each its published name."
    return (
        f"{path}: checksum mismatch: this is {what}, not the "
        f"{DISPLAY_NAMES.get(wanted[0], wanted[0])} file {wanted[1]} ({digests}). {hint}"
    )


def read_idx(
    path: str | os.PathLike, expected_sha256: str | None = None, max_bytes: int | None = None
) -> np.ndarray:
    """Read an IDX file (plain or gzip), optionally checking its decompressed SHA-256.

    ``max_bytes`` bounds the content (see :func:`read_bytes`). A file that is another
    published file (Fashion-MNIST where MNIST was expected, ...) is named as such.
    """
    content = read_bytes(path, max_bytes)
    if expected_sha256 is not None:
        actual = sha256(content)
        if actual != expected_sha256:
            raise ChecksumError(_mismatch_message(path, actual, expected_sha256))
    return parse_idx(content, name=str(path))


# --------------------------------------------------------------------------------------
# Finding and downloading the files
# --------------------------------------------------------------------------------------


def _check_dataset(name: str) -> None:
    if name not in SHA256:
        raise ValueError(f"unknown data set {name!r}; expected one of {', '.join(DATASETS)}")


def _env_dir(variable: str) -> tuple[Path | None, str]:
    """The folder an environment variable names, resolved, and how to show it.

    Whitespace around the value is ignored (unless the padded name is what exists), ``~``
    is expanded and a relative path is made absolute, so messages show the folder that was
    really looked in. Returns ``(None, note)`` when the variable is unset or blank.
    """
    raw = os.environ.get(variable)
    if raw is None or raw == "":
        return None, ""
    value = raw.strip()
    if not value:
        return None, f"{variable} is set but blank ({raw!r}), so it was ignored"
    if value != raw and Path(raw).expanduser().exists() and not Path(value).expanduser().exists():
        value = raw
    folder = Path(os.path.abspath(Path(value).expanduser()))
    shown = "" if str(folder) == raw else f" ({variable}={raw!r} resolved)"
    return folder, shown


def cache_dir() -> Path:
    """The per-user cache folder (it holds one sub-folder per data set)."""
    folder, _ = _env_dir("COURSE_CACHE_DIR")
    if folder is not None:
        return folder
    base = os.environ.get("XDG_CACHE_HOME", "").strip() or Path.home() / ".cache"
    return Path(base).expanduser() / "mnist-course"


def _file_in(folder: Path, filename: str) -> Path | None:
    """The plain or .gz copy of ``filename`` in ``folder``, if any."""
    for candidate in (folder / filename, folder / f"{filename}.gz"):
        if candidate.is_file():
            return candidate
    return None


def _dataset_folder(root: Path, name: str) -> Path:
    """Accept both a root holding ``<name>/`` and the data set's own folder.

    The data sets share file names, so a folder named after another data set (``mnist/``
    when ``name`` is ``fashion-mnist``) is never taken for this one.
    """
    if (root / name).is_dir() or (root.name in SHA256 and root.name != name):
        return root / name
    return root


def _has_all_files(folder: Path) -> bool:
    return all(_file_in(folder, f) is not None for f in FILES.values())


def _candidates(name: str, data_dir: str | os.PathLike | None) -> list[tuple[str, Path]]:
    places = []
    if data_dir is not None:
        places.append(("the data_dir argument", _dataset_folder(Path(data_dir), name)))
    env, shown = _env_dir("COURSE_DATA_DIR")
    if env is not None:
        places.append((f"COURSE_DATA_DIR{shown}", _dataset_folder(env, name)))
    places.append(("the per-user cache", cache_dir() / name))
    return places


def _normalised(filename: str) -> str:
    """A file name without case, separators and a compression suffix, for fuzzy matching."""
    base = filename.lower()
    for suffix in (".gz", ".gzip", ".zip"):
        base = base.removesuffix(suffix)
    return re.sub(r"[^a-z0-9]", "", base)


def _entries(folder: Path, limit: int = 1000) -> list[Path]:
    """Up to ``limit`` entries of ``folder`` (bounded even for a huge folder), sorted."""
    out = []
    try:
        with os.scandir(folder) as it:
            for entry in it:
                out.append(Path(entry.path))
                if len(out) >= limit:
                    break
    except OSError:
        return []
    return sorted(out)


def describe_folder(folder: str | os.PathLike) -> str:
    """What ``folder`` holds with respect to the four IDX files, in one line.

    Names what is there when the files are not: a missing folder, a broken link, some of
    the files, one folder per file (as some archives unpack), other file names (such as
    ``train-images.idx3-ubyte``), or the four files one or two levels further down.
    """
    folder = Path(os.path.abspath(folder))
    if folder.is_symlink() and not folder.exists():
        return f"a broken link to {os.readlink(folder)}"
    if not folder.exists():
        return "does not exist"
    if not folder.is_dir():
        return "is a file, not a folder"
    entries = _entries(folder)
    if not entries:
        return "an empty folder"
    present = [f for f in FILES.values() if _file_in(folder, f) is not None]
    missing = [f for f in FILES.values() if f not in present]
    if not missing:
        return "holds all four files"
    notes = []
    wanted = {_normalised(f): f for f in missing}
    for entry in entries:
        if entry.is_symlink() and not entry.exists():
            notes.append(f"{entry.name} is a broken link to {os.readlink(entry)}")
            continue
        target = wanted.get(_normalised(entry.name))
        if target is None:
            continue
        if entry.is_dir():
            inner = [e.name for e in _entries(entry, 5)]
            notes.append(
                f"{entry.name}/ is a folder holding {', '.join(inner) or 'nothing'} (one folder "
                f"per file, as some archives unpack): move the file up as {folder / target}"
            )
        elif entry.name not in (target, f"{target}.gz"):
            notes.append(f"{entry.name} looks like {target} under another name: rename it")
    for sub in (e for e in entries if e.is_dir()):
        deeper = [sub, *(e for e in _entries(sub, 50) if e.is_dir())]
        hit = next((d for d in deeper if _has_all_files(d)), None)
        if hit is not None:
            notes.append(f"the four files are in {hit}: point data_dir or COURSE_DATA_DIR there")
            break
    have = f"holds {len(present)} of the 4 files" if present else "holds none of the 4 files"
    shown = ", ".join(e.name + ("/" if e.is_dir() else "") for e in entries[:6])
    more = f", ... ({len(entries)} entries)" if len(entries) > 6 else ""
    text = f"{have} (missing {', '.join(missing)}; it holds {shown}{more})"
    return text + "".join(f"; {n}" for n in notes)


def _pid_alive(pid: int) -> bool:
    if os.name != "posix":
        return True  # cannot tell: only the age decides
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, owned by someone else
        return True
    return True


def remove_stale_parts(folder: str | os.PathLike) -> list[Path]:
    """Remove the ``.part`` files that interrupted downloads left in ``folder``.

    A download killed midway (a kernel restart sends SIGTERM, which runs no clean-up) leaves
    its temporary file behind. Each one's name holds the id of the process that wrote it;
    it is removed when that process is no longer running, or when it is older than
    ``STALE_PART_SECONDS``. Returns the paths removed.
    """
    removed = []
    now = time.time()
    for part in _entries(Path(folder), limit=10_000):
        if not (part.name.startswith(".") and part.name.endswith(".part")):
            continue
        match = re.fullmatch(r"\..+\.(\d+)\.[^.]+\.part", part.name)
        pid = int(match.group(1)) if match else None
        try:
            age = now - part.lstat().st_mtime
        except OSError:
            continue
        if age < STALE_PART_SECONDS:
            if pid is None and age < 60:
                continue  # an older naming scheme: spare it for a minute
            if pid is not None and (pid == os.getpid() or _pid_alive(pid)):
                continue  # a download in progress
        try:
            part.unlink()
            removed.append(part)
        except OSError:
            pass
    return removed


def _writable_folder(folder: Path) -> None:
    """Create ``folder`` if needed and make sure a file can be written in it."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".write-test.", suffix=".tmp")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise CacheError(
            f"cannot download into {folder}: the folder cannot be created or written "
            f"({exc.strerror or exc}). Move the cache: set COURSE_CACHE_DIR to a writable "
            "folder (e.g. COURSE_CACHE_DIR=/tmp/mnist-course), or set COURSE_DATA_DIR to a "
            "folder that already holds the files."
        ) from exc


def _check_timeout(timeout) -> float:
    if isinstance(timeout, bool) or not isinstance(timeout, int | float | np.integer | np.floating):
        raise TypeError(
            f"timeout must be a number of seconds (e.g. 30.0), got {type(timeout).__name__} "
            f"{timeout!r}"
        )
    if not (math.isfinite(timeout) and timeout > 0):
        raise ValueError(f"timeout must be a positive, finite number of seconds, got {timeout}")
    return float(timeout)


def _watched(base: type, socks: list, expired: threading.Event) -> type:
    """A connection class of ``base`` that records its socket, so a watchdog can close it."""

    class Connection(base):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            create = self._create_connection

            def record(*a, **k):
                sock = create(*a, **k)
                socks.append(sock)
                if expired.is_set():
                    sock.shutdown(socket.SHUT_RDWR)
                return sock

            self._create_connection = record

    return Connection


def _opener(socks: list, expired: threading.Event) -> urllib.request.OpenerDirector:
    http_conn = _watched(http.client.HTTPConnection, socks, expired)
    https_conn = _watched(http.client.HTTPSConnection, socks, expired)

    class HTTPHandler(urllib.request.HTTPHandler):
        def http_open(self, req):
            return self.do_open(http_conn, req)

    class HTTPSHandler(urllib.request.HTTPSHandler):
        def https_open(self, req):
            kwargs = {"context": self._context}
            if hasattr(self, "_check_hostname"):
                kwargs["check_hostname"] = self._check_hostname
            return self.do_open(https_conn, req, **kwargs)

    return urllib.request.build_opener(HTTPHandler, HTTPSHandler)


def _stream(url: str, out, timeout: float, max_body: int) -> None:
    """Write the body at ``url`` into ``out``: at most ``max_body`` bytes, within ``timeout``
    seconds for the whole transfer (a watchdog closes the socket at the deadline, so a
    server trickling a byte a second fails on time)."""
    socks: list = []
    expired = threading.Event()

    def expire():
        expired.set()
        for sock in socks:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    received = 0

    def too_slow():
        return DownloadError(
            f"too slow: not complete within the {timeout:g} s allowed for the whole file "
            f"(received {received} bytes); a trickling or stalled server"
        )

    timer = threading.Timer(timeout, expire)
    timer.daemon = True
    timer.start()
    try:
        request = urllib.request.Request(url, headers={"User-Agent": "mnist-course"})
        with _opener(socks, expired).open(request, timeout=timeout) as response:
            length = response.headers.get("Content-Length")
            length = int(length) if length is not None and length.strip().isdigit() else None
            if length is not None and length > max_body:
                raise DownloadError(
                    f"the server announces {length} bytes (Content-Length), more than the "
                    f"file can be ({max_body} bytes at most); not the file?"
                )
            while chunk := response.read1(_CHUNK):
                received += len(chunk)
                if received > max_body:
                    raise DownloadError(
                        f"the body exceeds {max_body} bytes, more than the file can be "
                        "(an endless or wrong response); stopped"
                    )
                out.write(chunk)
                if expired.is_set():
                    raise too_slow()
            if expired.is_set():
                raise too_slow()
            if length is not None and received != length:
                raise DownloadError(f"received {received} of {length} bytes")
    except (OSError, http.client.HTTPException) as exc:
        if expired.is_set() and not isinstance(exc, DataError):
            raise too_slow() from exc
        raise
    finally:
        timer.cancel()


def download_file(
    filename: str,
    dest_dir: str | os.PathLike,
    mirrors: Sequence[str],
    expected_sha256: str,
    timeout: float = 30.0,
    max_bytes: int | None = None,
) -> Path:
    """Download ``<filename>.gz`` into ``dest_dir``, trying each mirror in turn.

    Each attempt streams into a temporary file in ``dest_dir``; the file is decompressed and
    its SHA-256 checked, and only then renamed to ``<filename>.gz``. A failed, corrupt or
    truncated attempt is deleted and the next mirror is tried. Raises DownloadError listing
    what each mirror did when all fail.

    Bounded: ``timeout`` (seconds) is the deadline for the whole transfer of the file from
    one mirror, not for each read; the body may hold at most about ``max_bytes`` (default:
    the file's known size, :data:`FILE_SIZES`), and decompression stops at the size the
    IDX header declares. Temporary files left by killed downloads are removed first (see
    :func:`remove_stale_parts`). Raises CacheError when ``dest_dir`` cannot be written.
    """
    timeout = _check_timeout(timeout)
    if max_bytes is None:
        max_bytes = max_file_bytes(filename)
    dest_dir = Path(dest_dir)
    _writable_folder(dest_dir)
    remove_stale_parts(dest_dir)
    target = dest_dir / f"{filename}.gz"
    failures = []
    for mirror in mirrors:
        url = mirror.rstrip("/") + f"/{filename}.gz"
        fd, tmp_name = tempfile.mkstemp(
            dir=dest_dir, prefix=f".{filename}.{os.getpid()}.", suffix=".part"
        )
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                _stream(url, out, timeout, _compressed_cap(max_bytes))
            content = read_bytes(tmp, max_bytes)
            actual = sha256(content)
            if actual != expected_sha256:
                raise ChecksumError(
                    f"checksum mismatch: SHA-256 {actual}, expected {expected_sha256}"
                )
            parse_idx(content, name=url)
            os.replace(tmp, target)
            return target
        except (OSError, http.client.HTTPException, DataError, ValueError, MemoryError) as exc:
            if isinstance(exc, urllib.error.HTTPError):
                reason = f"HTTP {exc.code} {exc.reason}"
            elif isinstance(exc, urllib.error.URLError):
                reason = f"unreachable ({exc.reason})"
            elif isinstance(exc, http.client.HTTPException):  # not an OSError
                reason = f"broken HTTP response ({exc!r})"
            elif isinstance(exc, MemoryError):
                reason = "ran out of memory while downloading or decompressing"
            else:  # without the name of the temporary file, which is about to go
                reason = str(exc).replace(f"{tmp}: ", "")
            failures.append(f"  {url}: {reason}")
        finally:
            tmp.unlink(missing_ok=True)
    raise DownloadError(
        f"could not download {filename}.gz from any mirror:\n" + "\n".join(failures)
    )


def fetch(
    name: str = "mnist",
    data_dir: str | os.PathLike | None = None,
    download: bool = True,
    mirrors: Sequence[str] | None = None,
    timeout: float = 30.0,
) -> Path:
    """Return the folder holding the four files of data set ``name``, downloading if needed.

    Looks in ``data_dir``, then ``COURSE_DATA_DIR``, then the per-user cache; downloads the
    missing files into the cache when none of them holds all four (and ``download`` is
    true), each within ``timeout`` seconds per mirror. Raises DataNotFoundError saying where
    it looked, what it found there and how to provide the files; CacheError when the cache
    cannot be created or written.
    """
    _check_dataset(name)
    timeout = _check_timeout(timeout)
    places = _candidates(name, data_dir)
    for _, folder in places:
        if _has_all_files(folder):
            return folder
    cache = places[-1][1]
    if cache.is_dir():
        remove_stale_parts(cache)
    lines = [f"  {what}: {os.path.abspath(folder)}: {describe_folder(folder)}"
             for what, folder in places]
    _, blank = _env_dir("COURSE_DATA_DIR")
    if blank and "blank" in blank:
        lines.append(f"  ({blank})")
    looked = "\n".join(lines)
    how = (
        "Provide them by setting COURSE_DATA_DIR to a folder holding "
        f"{name}/{{{', '.join(FILES.values())}}} (plain or .gz), by passing data_dir=..., "
        "or by running `make data` on a machine with a network."
    )
    if not download:
        raise DataNotFoundError(f"the {name} files were not found. Looked in:\n{looked}\n{how}")
    try:
        for filename in FILES.values():
            if _file_in(cache, filename) is None:
                download_file(
                    filename, cache, mirrors or MIRRORS[name], SHA256[name][filename], timeout
                )
    except DownloadError as exc:
        raise DataNotFoundError(
            f"the {name} files were not found and the download failed.\nLooked in:\n{looked}\n"
            f"{exc}\n{how}"
        ) from exc
    return cache


# --------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------


def load_dataset(
    name: str = "mnist",
    split: str = "train",
    *,
    data_dir: str | os.PathLike | None = None,
    flatten: bool = False,
    download: bool = True,
    verify: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Load one split of MNIST or Fashion-MNIST.

    Returns ``(images, labels)``: images ``uint8`` of shape ``(N, 28, 28)``, or
    ``(N, 784)`` with ``flatten=True``; labels ``int64`` of shape ``(N,)`` in ``0..9``.
    N is 60,000 for ``split="train"`` and 10,000 for ``split="test"``. With ``verify`` (the
    default) every file's decompressed SHA-256 is checked against the published value.
    """
    _check_dataset(name)
    if split not in ("train", "test"):
        raise ValueError(f"unknown split {split!r}; expected 'train' or 'test'")
    folder = fetch(name, data_dir=data_dir, download=download)
    arrays = {}
    for kind in ("images", "labels"):
        filename = FILES[(split, kind)]
        path = _file_in(folder, filename)
        try:
            arrays[kind] = read_idx(
                path, SHA256[name][filename] if verify else None, max_file_bytes(filename)
            )
        except ChecksumError as exc:
            found = identify(sha256(read_bytes(path, max_file_bytes(filename))))
            if found is None:
                raise
            raise ChecksumError(f"{exc}\n{_folder_contents(folder, name)}") from None
    images, labels = arrays["images"], arrays["labels"]
    if images.ndim != 3 or images.shape[1:] != IMAGE_SHAPE or images.dtype != np.uint8:
        raise IdxFormatError(
            f"{folder}: images have shape {images.shape} and dtype {images.dtype}, "
            f"expected (N, 28, 28) uint8"
        )
    if labels.shape != (images.shape[0],):
        raise IdxFormatError(
            f"{folder}: {labels.shape} labels for {images.shape[0]} images; expected one "
            "label per image"
        )
    if labels.size and (labels.min() < 0 or labels.max() >= NUM_CLASSES):
        raise IdxFormatError(
            f"{folder}: labels range over {labels.min()}..{labels.max()}, expected 0..9"
        )
    if flatten:
        images = images.reshape(len(images), NUM_PIXELS)
    return images, labels.astype(np.int64)


def _folder_contents(folder: Path, name: str) -> str:
    """Which published file each of the four files in ``folder`` is (for a checksum error)."""
    by_dataset: dict[str, list[str]] = {}
    for filename in FILES.values():
        path = _file_in(folder, filename)
        try:
            found = identify(sha256(read_bytes(path, max_file_bytes(filename))))
        except (OSError, DataError):
            found = None
        if found is None:
            key = "unknown (corrupt or not published)"
        else:
            key = DISPLAY_NAMES.get(found[0], found[0])
            if found[1] != filename:
                filename = f"{filename} (which is {found[1]})"
        by_dataset.setdefault(key, []).append(filename)
    asked = DISPLAY_NAMES.get(name, name)
    if len(by_dataset) == 1 and asked not in by_dataset:
        (other,) = by_dataset
        return (
            f"The folder {folder} holds {other} files where {asked} was asked: point "
            f"data_dir at the {name} folder, or load them with the loader for {other}."
        )
    parts = "; ".join(f"{k}: {', '.join(v)}" for k, v in by_dataset.items())
    if len(by_dataset) == 1:
        return f"The folder {folder} holds {asked} files under other names ({parts})."
    return f"The folder {folder} holds a mix of files ({parts}); {asked} was asked."


def load_mnist(split: str = "train", **kwargs) -> tuple[np.ndarray, np.ndarray]:
    """``load_dataset("mnist", split, **kwargs)``: the handwritten digits."""
    return load_dataset("mnist", split, **kwargs)


def load_fashion_mnist(split: str = "train", **kwargs) -> tuple[np.ndarray, np.ndarray]:
    """``load_dataset("fashion-mnist", split, **kwargs)``: Zalando's clothing images."""
    return load_dataset("fashion-mnist", split, **kwargs)


# --------------------------------------------------------------------------------------
# The Kaggle "Digit Recognizer" CSV layout
# --------------------------------------------------------------------------------------

PIXEL_COLUMNS = [f"pixel{i}" for i in range(NUM_PIXELS)]

#: The column names of the other common CSV copy of MNIST ("MNIST in CSV"): ``label, 1x1,
#: 1x2, ..., 28x28`` (row x column, counted from 1): the same order as ``pixel0..783``.
ROWCOL_COLUMNS = [f"{r}x{c}" for r in range(1, 29) for c in range(1, 29)]

_SEPARATORS = {";": "semicolons", "\t": "tabs", "|": "vertical bars", " ": "spaces"}


def _first_line(path: Path) -> str:
    """The first line of a (possibly compressed) text file, at most 64 KB of it."""
    import bz2
    import lzma

    suffix = path.suffix.lower()
    opener = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}.get(suffix, open)
    if suffix in (".zst", ".tar", ".zip"):
        return ""  # left to pandas
    try:
        with opener(path, "rb") as f:
            head = f.read(1 << 16)
    except (OSError, EOFError, zlib.error, lzma.LZMAError, ValueError):
        return ""
    line = head.split(b"\n", 1)[0].decode("utf-8", errors="replace").strip("\r\ufeff")
    return "" if "\ufffd" in line or "\x00" in line else line  # binary: left to pandas


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _check_csv_shape(path: Path) -> None:
    """Recognise, from the raw file, what pandas would misread: an archive, another
    separator, no header row. Raises DataError with a one-line explanation."""
    import zipfile

    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            names = [i.filename for i in archive.infolist() if not i.is_dir()]
        csvs = [n for n in names if n.lower().endswith(".csv")]
        example = next((n for n in csvs if Path(n).name == "train.csv"), csvs[0] if csvs else None)
        shown = ", ".join(names[:5]) + (f", ... ({len(names)} files)" if len(names) > 5 else "")
        raise DataError(
            f"{path}: a zip archive holding {shown or 'nothing'} (a competition download?), "
            "not a CSV file; unzip it and pass one of its CSV files"
            + (f", e.g. {path.parent / Path(example).name}" if example else "")
        )
    line = _first_line(path)
    if not line:
        return
    if "," not in line:
        counts = {sep: line.count(sep) for sep in _SEPARATORS}
        sep = max(counts, key=counts.get)
        if counts[sep] >= 1 and sep != " " or counts[sep] >= 10:
            raise DataError(
                f"{path}: the values are separated by {_SEPARATORS[sep]} ({sep!r}), expected "
                "commas as in the Kaggle layout; convert it with "
                f"pd.read_csv(path, sep={sep!r}).to_csv(new_path, index=False)"
            )
    fields = line.split(",")
    if len(fields) >= 2 and all(_is_number(f.strip().strip('"')) for f in fields):
        n = len(fields)
        layout = (
            f"the header-less layout of mnist_train.csv ({n} columns: label then 784 pixels)"
            if n == NUM_PIXELS + 1
            else f"{n} columns of pixels without a header" if n == NUM_PIXELS
            else f"{n} columns"
        )
        columns = "['label', *data.PIXEL_COLUMNS]" if n != NUM_PIXELS else "data.PIXEL_COLUMNS"
        raise DataError(
            f"{path}: no header row: the first line holds numbers ({', '.join(fields[:3])}, "
            f"...) where the column names 'label, pixel0, ..., pixel783' were expected; this "
            f"looks like {layout}. Add the header: frame = pd.read_csv(path, header=None); "
            f"frame.columns = {columns}; frame.to_csv(new_path, index=False)"
        )


def read_kaggle_csv(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray | None]:
    """Read a file in the Kaggle "Digit Recognizer" layout with pandas.

    The training file has columns ``label, pixel0, ..., pixel783``; the test file has the
    pixel columns only. Returns ``(images, labels)``: images ``uint8`` of shape
    ``(N, 784)``, labels ``int64`` of shape ``(N,)`` or None for a file without ``label``.
    Raises DataError naming the file and the problem for missing or extra columns, empty
    or non-numeric cells, pixels outside 0..255 and labels outside 0..9; for another
    separator, a missing header row or a zip archive it says what it found instead.

    Accepted because harmless: pandas' default index as a first, unnamed column (``0..N-1``,
    from ``to_csv`` without ``index=False``), the ``label, 1x1, ..., 28x28`` column names of
    "MNIST in CSV", whole numbers written as floats (``12.0``), and compressed files
    (``.csv.gz``, by name, as pandas reads them).
    """
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        where = Path(os.path.abspath(path))
        if where.is_dir():
            raise DataError(f"{path}: a folder, not a CSV file ({where})")
        near = sorted(p.name for p in _entries(where.parent, 200) if ".csv" in p.name.lower())
        raise DataNotFoundError(
            f"{path}: no such file ({where})"
            + (f"; that folder holds {', '.join(near[:5])}" if near else "")
        )
    _check_csv_shape(path)
    pixel_parts, label_parts, layout, rows = [], [], None, 0
    try:
        # 10,000 rows at a time, each checked and kept as uint8: the whole file as one
        # int64 frame (and its copies) would take about 0.85 GB for Kaggle's training file
        for frame in pd.read_csv(path, chunksize=_CSV_CHUNK_ROWS):
            if layout is None:
                layout = _kaggle_layout(path, list(frame.columns))
            if frame.empty:  # a header-only file gives one chunk without rows
                continue
            pixels, labels = _kaggle_chunk(path, frame, layout, rows)
            pixel_parts.append(pixels)
            label_parts.append(labels)
            rows += len(frame)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, OSError,
            EOFError, zlib.error) as exc:
        raise DataError(f"{path}: not a readable CSV file ({exc})") from exc
    if rows == 0:  # a header and no rows (pandas gives one empty chunk)
        raise DataError(f"{path}: the file has a header but no rows")
    pixels = np.concatenate(pixel_parts)
    labels = np.concatenate(label_parts) if layout[2] else None
    return pixels, labels


#: Rows of a CSV file parsed at a time by :func:`read_kaggle_csv`.
_CSV_CHUNK_ROWS = 10_000


def _kaggle_layout(path: Path, columns: list) -> tuple[bool, list, bool]:
    """From a CSV header: (drop a first index column?, the columns, has a label column?).

    Raises DataError unless the columns are Kaggle's layout (see :func:`read_kaggle_csv`)."""
    drop_index = False
    if columns and str(columns[0]).startswith("Unnamed: 0") and columns[1:2] in (
        ["label"], ["pixel0"], ["1x1"]
    ):
        drop_index, columns = True, columns[1:]
    if columns[1:] == ROWCOL_COLUMNS and columns[:1] == ["label"] or columns == ROWCOL_COLUMNS:
        columns = columns[: len(columns) - NUM_PIXELS] + PIXEL_COLUMNS  # same order
    has_label = bool(columns) and columns[0] == "label"
    expected = (["label"] if has_label else []) + PIXEL_COLUMNS
    if columns != expected:
        missing = [c for c in expected if c not in columns]
        extra = [c for c in columns if c not in expected]
        detail = []
        if missing:
            detail.append(f"missing {missing[:5]}{' ...' if len(missing) > 5 else ''}")
        if extra:
            detail.append(f"unexpected {extra[:5]}{' ...' if len(extra) > 5 else ''}")
        if not missing and not extra:
            detail.append("columns out of order")
        raise DataError(
            f"{path}: expected the Kaggle layout 'label, pixel0, ..., pixel783' (training) or "
            f"'pixel0, ..., pixel783' (test); {'; '.join(detail)}"
        )
    return drop_index, columns, has_label


def _kaggle_chunk(path: Path, frame, layout: tuple, start: int
                  ) -> tuple[np.ndarray, np.ndarray | None]:
    """Check the rows ``start, start + 1, ...`` of a Kaggle CSV file, parsed as ``frame``;
    return their pixels (uint8, (n, 784)) and labels (int64, (n,), or None)."""
    import pandas as pd

    drop_index, columns, has_label = layout
    if drop_index:
        index = frame[frame.columns[0]]
        if not (pd.api.types.is_integer_dtype(index)
                and np.array_equal(index, np.arange(start, start + len(frame)))):
            raise DataError(
                f"{path}: the first column has no name and does not hold 0..N-1 (an index "
                "written by to_csv without index=False?); expected 'label' or 'pixel0' first"
            )
        frame = frame.drop(columns=frame.columns[0])  # pandas' default index: harmless
    frame.columns = columns
    na = frame.isna().to_numpy()
    if na.any():
        row, col = np.argwhere(na)[0]
        raise DataError(
            f"{path}: empty cell in row {start + row + 1} column {columns[col]!r} "
            f"({int(na.sum())} empty cells in rows {start + 1}..{start + len(frame)}); "
            "expected a whole number in every cell"
        )
    floats = [c for c, t in frame.dtypes.items() if pd.api.types.is_float_dtype(t)]
    if floats:  # whole numbers written as floats (12.0) are whole numbers
        values = frame[floats].to_numpy()
        whole = ((values == np.round(values)) & (np.abs(values) < 2**31)).all(axis=0)
        frame = frame.astype({c: np.int64 for c, w in zip(floats, whole, strict=True) if w})
    non_integer = [c for c, t in frame.dtypes.items() if not pd.api.types.is_integer_dtype(t)]
    if non_integer:
        first = frame[non_integer[0]]
        example = ""
        if not pd.api.types.is_numeric_dtype(first):
            bad = first[pd.to_numeric(first, errors="coerce").isna()]
            if len(bad):
                example = f", e.g. {str(bad.iloc[0])[:20]!r} in row {start + bad.index[0] + 1}"
        raise DataError(
            f"{path}: column {non_integer[0]!r} holds {first.dtype} values{example} "
            f"(in {len(non_integer)} of {len(columns)} columns); expected whole numbers"
        )
    pixels = frame[PIXEL_COLUMNS].to_numpy()
    if pixels.min() < 0 or pixels.max() > 255:
        row, col = np.argwhere((pixels < 0) | (pixels > 255))[0]
        raise DataError(
            f"{path}: pixel value {pixels[row, col]} in row {start + row + 1} column "
            f"'pixel{col}'; expected 0..255"
        )
    labels = None
    if has_label:
        labels = frame["label"].to_numpy().astype(np.int64)
        bad = (labels < 0) | (labels >= NUM_CLASSES)
        if bad.any():
            row = int(np.argmax(bad))
            raise DataError(
                f"{path}: label {labels[row]} in row {start + row + 1}; expected 0..9")
    return pixels.astype(np.uint8), labels


def _compressor_for(path: Path):
    """How a file written at ``path`` is compressed, by its suffix: None (plain), or a
    function wrapping a binary file in a compressing writer. Refuses the archive formats
    it cannot write (before anything is created)."""
    suffix = path.suffix.lower()
    if suffix == ".gz":
        return lambda raw: gzip.GzipFile(fileobj=raw, mode="wb", mtime=0)
    if suffix == ".bz2":
        import bz2

        return lambda raw: bz2.BZ2File(raw, "wb")
    if suffix == ".xz":
        import lzma

        return lambda raw: lzma.LZMAFile(raw, "wb")
    if suffix in (".zip", ".zst", ".tar", ".tgz", ".7z", ".rar"):
        raise ValueError(
            f"{path}: cannot write a {suffix} file; use a .csv name, or .csv.gz, .csv.bz2 or "
            ".csv.xz to have it compressed"
        )
    return None


def _atomic_write_text(path: Path, pieces) -> None:
    """Write the text ``pieces`` (a str, or an iterable of str written in turn) to ``path``:
    into a temporary file beside it, renamed over ``path`` only when complete, so a failure
    leaves nothing half-written. Compressed when the name says so."""
    compressor = _compressor_for(path)  # before anything is created
    if isinstance(pieces, str):
        pieces = [pieces]
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as raw:
            out = compressor(raw) if compressor else raw
            try:
                for piece in pieces:
                    out.write(piece.encode("utf-8"))
            finally:
                if compressor:
                    out.close()  # the compressed stream's end (raw stays open)
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


def write_kaggle_csv(
    path: str | os.PathLike, images: np.ndarray, labels: np.ndarray | None = None
) -> Path:
    """Write images (and labels) in the Kaggle "Digit Recognizer" layout.

    images: ``uint8`` of shape ``(N, 28, 28)`` or ``(N, 784)``; labels: ``(N,)`` in 0..9,
    or None for a test-style file without the ``label`` column.
    """
    import pandas as pd

    images = np.asarray(images)
    if images.dtype != np.uint8:
        raise TypeError(f"images must be uint8 (raw pixels 0..255), got {images.dtype}")
    flat = images.reshape(len(images), -1)
    if flat.shape[1] != NUM_PIXELS:
        raise ValueError(f"images must have 784 pixels each, got shape {images.shape}")
    if labels is not None:
        labels = check_labels(labels, n=len(flat))

    def pieces(rows: int = _CSV_CHUNK_ROWS):
        # 10,000 rows of text at a time: the whole training file as one string (and its
        # bytes) would hold about 0.35 GB
        for start in range(0, max(len(flat), 1), rows):
            frame = pd.DataFrame(flat[start : start + rows], columns=PIXEL_COLUMNS)
            if labels is not None:
                frame.insert(0, "label", labels[start : start + rows])
            yield frame.to_csv(index=False, header=start == 0)

    path = Path(path)
    _atomic_write_text(path, pieces())
    return path


def write_submission(path: str | os.PathLike, predictions: np.ndarray) -> Path:
    """Write a Kaggle submission: columns ``ImageId,Label``, ImageId counting from 1.

    predictions: integer labels of shape ``(N,)`` in 0..9 (e.g. ``probs.argmax(axis=1)``).
    """
    import pandas as pd

    labels = check_labels(predictions)
    frame = pd.DataFrame({"ImageId": np.arange(1, len(labels) + 1), "Label": labels})
    path = Path(path)
    _atomic_write_text(path, frame.to_csv(index=False))
    return path


# --------------------------------------------------------------------------------------
# What every notebook needs: scaling, one-hot, splits, mini-batches
# --------------------------------------------------------------------------------------


def label_shape_hint(arr: np.ndarray, name: str = "labels") -> str:
    """A hint for labels of the wrong shape: a column (N, 1) or a row (1, N) is ravelled,
    one-hot rows or scores (N, C) are argmax-ed; else nothing."""
    if arr.ndim == 2 and 1 in arr.shape:
        return f" (a column or row of labels? use {name}.ravel())"
    if arr.ndim == 2:
        return f" (one-hot rows? use {name}.argmax(axis=1))"
    return ""


def check_labels(labels, n: int | None = None, num_classes: int = NUM_CLASSES) -> np.ndarray:
    """Validate integer class labels of shape ``(N,)`` in ``0..num_classes-1``.

    Returns them as ``int64``. Raises TypeError for non-integer labels (e.g. one-hot rows or
    floats) and ValueError for a wrong shape, a wrong count ``n`` or values out of range.
    """
    arr = np.asarray(labels)
    if arr.ndim != 1:
        raise ValueError(f"labels must have shape (N,), got {arr.shape}{label_shape_hint(arr)}")
    if not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(f"labels must be integers 0..{num_classes - 1}, got dtype {arr.dtype}")
    if n is not None and len(arr) != n:
        raise ValueError(f"expected {n} labels (one per example), got {len(arr)}")
    if arr.size and (arr.min() < 0 or arr.max() >= num_classes):
        bad = arr[(arr < 0) | (arr >= num_classes)][0]
        raise ValueError(f"labels must lie in 0..{num_classes - 1}, found {bad}")
    return arr.astype(np.int64, copy=False)


def scale(images: np.ndarray, flatten: bool = True, dtype=np.float32) -> np.ndarray:
    """Raw ``uint8`` pixels to ``dtype`` values in [0, 1].

    images: ``uint8`` of shape ``(N, 28, 28)`` or ``(N, 784)``. Returns shape ``(N, 784)``
    (or the input shape with ``flatten=False``).
    """
    images = np.asarray(images)
    if images.dtype != np.uint8:
        raise TypeError(
            f"scale expects raw uint8 pixels 0..255, got {images.dtype}; already scaled?"
        )
    out = images.astype(dtype)
    out /= 255
    return out.reshape(len(out), -1) if flatten else out


def one_hot(labels: np.ndarray, num_classes: int = NUM_CLASSES, dtype=np.float32) -> np.ndarray:
    """Integer labels of shape ``(N,)`` to one-hot rows of shape ``(N, num_classes)``."""
    labels = check_labels(labels, num_classes=num_classes)
    out = np.zeros((len(labels), num_classes), dtype=dtype)
    out[np.arange(len(labels)), labels] = 1
    return out


def stratified_split(
    labels: np.ndarray, val_size: int | float = 10_000, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Seeded stratified split of example indices into training and validation.

    labels: ``(N,)`` integer labels. ``val_size``: a count, or a fraction of N. Each class
    contributes to the validation set in proportion to its frequency (largest remainders
    settle the rounding so the total is exact). Returns ``(train_idx, val_idx)``, two
    disjoint ``int64`` index arrays covering ``0..N-1``, each in shuffled order.
    """
    from helpers.sanity import check_count, check_real, check_seed

    labels = check_labels(labels)
    n = len(labels)
    # Types here (a string from a config file, None, ...); the range is checked below.
    if isinstance(val_size, float | np.floating):
        val_size = check_real(val_size, "val_size")
    else:
        check_count(val_size, "val_size", minimum=-(2**63))
    if not isinstance(seed, np.random.Generator):
        check_seed(seed)
    n_val = int(round(val_size * n)) if isinstance(val_size, float) else int(val_size)
    if not 0 < n_val < n:
        raise ValueError(f"val_size must leave both parts non-empty; got {val_size} of {n}")
    rng = np.random.default_rng(seed)
    classes, counts = np.unique(labels, return_counts=True)
    exact = counts * n_val / n
    quota = np.floor(exact).astype(np.int64)
    order = np.argsort(-(exact - quota), kind="stable")
    quota[order[: n_val - quota.sum()]] += 1
    train_parts, val_parts = [], []
    for c, q in zip(classes, quota, strict=True):
        idx = rng.permutation(np.flatnonzero(labels == c))
        val_parts.append(idx[:q])
        train_parts.append(idx[q:])
    train_idx = rng.permutation(np.concatenate(train_parts))
    val_idx = rng.permutation(np.concatenate(val_parts))
    return train_idx, val_idx


def minibatches(
    X: np.ndarray,
    y: np.ndarray,
    batch_size: int,
    rng: np.random.Generator | None = None,
    drop_last: bool = False,
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """An iterator over ``(X_batch, y_batch)`` pairs covering the data once (one epoch).

    X: ``(N, ...)``; y: ``(N, ...)``. With a generator ``rng`` the order is a fresh seeded
    permutation; without one, the stored order. The last batch may be smaller unless
    ``drop_last``.
    """
    from helpers.sanity import check_count, check_generator

    n = len(X)
    if len(y) != n:
        raise ValueError(f"X has {n} examples but y has {len(y)}")
    batch_size = check_count(batch_size, "batch_size")
    if rng is not None:
        check_generator(rng, "rng")
    # Checked here, at the call; the batches come from a generator.
    return _batches(X, y, batch_size, rng, drop_last)


def _batches(X, y, batch_size, rng, drop_last):
    """The generator behind minibatches (arguments already checked)."""
    n = len(X)
    order = rng.permutation(n) if rng is not None else None
    stop = n - n % batch_size if drop_last else n
    for start in range(0, stop, batch_size):
        if order is None:
            yield X[start : start + batch_size], y[start : start + batch_size]
        else:
            idx = order[start : start + batch_size]
            yield X[idx], y[idx]


# --------------------------------------------------------------------------------------
# Command line: python -m helpers.data fetch
# --------------------------------------------------------------------------------------


def _positive_seconds(text: str) -> float:
    try:
        return _check_timeout(float(text))
    except (TypeError, ValueError) as exc:
        raise argparse.ArgumentTypeError(
            f"expected a positive number of seconds, got {text!r}"
        ) from exc


def main(argv: Sequence[str] | None = None) -> int:
    """The command line; returns the exit status and never shows a traceback."""
    parser = argparse.ArgumentParser(
        prog="python -m helpers.data", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "command", choices=["fetch"], help="make sure the files are present and valid"
    )
    parser.add_argument("--dataset", choices=[*DATASETS, "all"], default="all")
    parser.add_argument("--data-dir", default=None)
    parser.add_argument(
        "--timeout", type=_positive_seconds, default=30.0,
        help="seconds allowed for downloading each file from one mirror (default 30)",
    )
    args = parser.parse_args(argv)
    names = DATASETS if args.dataset == "all" else (args.dataset,)
    try:
        for name in names:
            folder = fetch(name, args.data_dir, timeout=args.timeout)
            for split in ("train", "test"):
                load_dataset(name, split, data_dir=folder, download=False)
            print(f"{name:14s} ok  {folder}")
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - a command line prints a message, not a traceback
        print(f"error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
