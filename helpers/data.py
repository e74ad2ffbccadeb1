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
corrupt download never leaves a file that looks valid. Nothing is ever unpickled.

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
import sys
import tempfile
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


def read_bytes(path: str | os.PathLike) -> bytes:
    """Read a file, decompressing it when it is gzip (by content, not by name)."""
    path = Path(path)
    raw = path.read_bytes()
    if raw[:2] != b"\x1f\x8b":
        return raw
    try:
        return gzip.decompress(raw)
    except EOFError as exc:
        raise IdxFormatError(f"{path}: truncated gzip file ({exc})") from exc
    except (gzip.BadGzipFile, zlib.error) as exc:
        raise IdxFormatError(f"{path}: corrupt gzip file ({exc})") from exc


def sha256(buf: bytes) -> str:
    """Hex SHA-256 of ``buf``."""
    return hashlib.sha256(buf).hexdigest()


def read_idx(path: str | os.PathLike, expected_sha256: str | None = None) -> np.ndarray:
    """Read an IDX file (plain or gzip), optionally checking its decompressed SHA-256."""
    content = read_bytes(path)
    if expected_sha256 is not None:
        actual = sha256(content)
        if actual != expected_sha256:
            raise ChecksumError(
                f"{path}: checksum mismatch: the decompressed content has SHA-256 {actual}, "
                f"expected {expected_sha256}. The file is corrupt or not the published one; "
                "delete it and fetch it again (make data)."
            )
    return parse_idx(content, name=str(path))


# --------------------------------------------------------------------------------------
# Finding and downloading the files
# --------------------------------------------------------------------------------------


def _check_dataset(name: str) -> None:
    if name not in SHA256:
        raise ValueError(f"unknown data set {name!r}; expected one of {', '.join(DATASETS)}")


def cache_dir() -> Path:
    """The per-user cache folder (it holds one sub-folder per data set)."""
    if os.environ.get("COURSE_CACHE_DIR"):
        return Path(os.environ["COURSE_CACHE_DIR"]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
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
    if os.environ.get("COURSE_DATA_DIR"):
        env = Path(os.environ["COURSE_DATA_DIR"]).expanduser()
        places.append(("COURSE_DATA_DIR", _dataset_folder(env, name)))
    places.append(("the per-user cache", cache_dir() / name))
    return places


def download_file(
    filename: str,
    dest_dir: str | os.PathLike,
    mirrors: Sequence[str],
    expected_sha256: str,
    timeout: float = 30.0,
) -> Path:
    """Download ``<filename>.gz`` into ``dest_dir``, trying each mirror in turn.

    Each attempt streams into a temporary file in ``dest_dir``; the file is decompressed and
    its SHA-256 checked, and only then renamed to ``<filename>.gz``. A failed, corrupt or
    truncated attempt is deleted and the next mirror is tried. Raises DownloadError listing
    what each mirror did when all fail.
    """
    dest_dir = Path(dest_dir)
    dest_dir.mkdir(parents=True, exist_ok=True)
    target = dest_dir / f"{filename}.gz"
    failures = []
    for mirror in mirrors:
        url = mirror.rstrip("/") + f"/{filename}.gz"
        fd, tmp_name = tempfile.mkstemp(dir=dest_dir, prefix=f".{filename}.", suffix=".part")
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                request = urllib.request.Request(url, headers={"User-Agent": "mnist-course"})
                with urllib.request.urlopen(request, timeout=timeout) as response:
                    length = response.headers.get("Content-Length")
                    received = 0
                    while chunk := response.read(1 << 20):
                        out.write(chunk)
                        received += len(chunk)
                if length is not None and received != int(length):
                    raise DownloadError(f"received {received} of {length} bytes")
            content = read_bytes(tmp)
            actual = sha256(content)
            if actual != expected_sha256:
                raise ChecksumError(
                    f"checksum mismatch: SHA-256 {actual}, expected {expected_sha256}"
                )
            parse_idx(content, name=url)
            os.replace(tmp, target)
            return target
        except (OSError, http.client.HTTPException, DataError, ValueError) as exc:
            if isinstance(exc, urllib.error.HTTPError):
                reason = f"HTTP {exc.code} {exc.reason}"
            elif isinstance(exc, urllib.error.URLError):
                reason = f"unreachable ({exc.reason})"
            elif isinstance(exc, http.client.HTTPException):  # not an OSError
                reason = f"broken HTTP response ({exc!r})"
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
) -> Path:
    """Return the folder holding the four files of data set ``name``, downloading if needed.

    Looks in ``data_dir``, then ``COURSE_DATA_DIR``, then the per-user cache; downloads the
    missing files into the cache when none of them holds all four (and ``download`` is
    true). Raises DataNotFoundError saying where it looked and how to provide the files.
    """
    _check_dataset(name)
    places = _candidates(name, data_dir)
    for _, folder in places:
        if _has_all_files(folder):
            return folder
    cache = places[-1][1]
    looked = "\n".join(f"  {what}: {folder}" for what, folder in places)
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
                download_file(filename, cache, mirrors or MIRRORS[name], SHA256[name][filename])
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
        arrays[kind] = read_idx(path, SHA256[name][filename] if verify else None)
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


def read_kaggle_csv(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray | None]:
    """Read a file in the Kaggle "Digit Recognizer" layout with pandas.

    The training file has columns ``label, pixel0, ..., pixel783``; the test file has the
    pixel columns only. Returns ``(images, labels)``: images ``uint8`` of shape
    ``(N, 784)``, labels ``int64`` of shape ``(N,)`` or None for a file without ``label``.
    Raises DataError naming the file and the problem for missing or extra columns, empty
    or non-numeric cells, pixels outside 0..255 and labels outside 0..9.
    """
    import pandas as pd

    path = Path(path)
    try:
        frame = pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: not a readable CSV file ({exc})") from exc
    columns = list(frame.columns)
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
    if frame.empty:
        raise DataError(f"{path}: the file has a header but no rows")
    na = frame.isna()
    if na.to_numpy().any():
        row, col = np.argwhere(na.to_numpy())[0]
        raise DataError(
            f"{path}: empty cell in row {row + 1} column {columns[col]!r} "
            f"({int(na.to_numpy().sum())} empty cells in all); expected a whole number in "
            "every cell"
        )
    non_integer = [c for c in columns if not pd.api.types.is_integer_dtype(frame[c])]
    if non_integer:
        raise DataError(
            f"{path}: column {non_integer[0]!r} holds {frame[non_integer[0]].dtype} values "
            f"(in {len(non_integer)} of {len(columns)} columns); expected whole numbers"
        )
    pixels = frame[PIXEL_COLUMNS].to_numpy()
    if pixels.min() < 0 or pixels.max() > 255:
        row, col = np.argwhere((pixels < 0) | (pixels > 255))[0]
        raise DataError(
            f"{path}: pixel value {pixels[row, col]} in row {row + 1} column 'pixel{col}'; "
            "expected 0..255"
        )
    labels = None
    if has_label:
        labels = frame["label"].to_numpy().astype(np.int64)
        bad = (labels < 0) | (labels >= NUM_CLASSES)
        if bad.any():
            row = int(np.argmax(bad))
            raise DataError(f"{path}: label {labels[row]} in row {row + 1}; expected 0..9")
    return pixels.astype(np.uint8), labels


def _atomic_write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "w", newline="") as out:
            out.write(text)
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
    frame = pd.DataFrame(flat, columns=PIXEL_COLUMNS)
    if labels is not None:
        frame.insert(0, "label", check_labels(labels, n=len(flat)))
    path = Path(path)
    _atomic_write_text(path, frame.to_csv(index=False))
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


def check_labels(labels, n: int | None = None, num_classes: int = NUM_CLASSES) -> np.ndarray:
    """Validate integer class labels of shape ``(N,)`` in ``0..num_classes-1``.

    Returns them as ``int64``. Raises TypeError for non-integer labels (e.g. one-hot rows or
    floats) and ValueError for a wrong shape, a wrong count ``n`` or values out of range.
    """
    arr = np.asarray(labels)
    if arr.ndim != 1:
        hint = " (one-hot rows? use labels.argmax(axis=1))" if arr.ndim == 2 else ""
        raise ValueError(f"labels must have shape (N,), got {arr.shape}{hint}")
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
    labels = check_labels(labels)
    n = len(labels)
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
    n = len(X)
    if len(y) != n:
        raise ValueError(f"X has {n} examples but y has {len(y)}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
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


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m helpers.data", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "command", choices=["fetch"], help="make sure the files are present and valid"
    )
    parser.add_argument("--dataset", choices=[*DATASETS, "all"], default="all")
    parser.add_argument("--data-dir", default=None)
    args = parser.parse_args(argv)
    names = DATASETS if args.dataset == "all" else (args.dataset,)
    try:
        for name in names:
            for split in ("train", "test"):
                images, _ = load_dataset(name, split, data_dir=args.data_dir)
            print(f"{name:14s} ok  {fetch(name, args.data_dir, download=False)}")
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
