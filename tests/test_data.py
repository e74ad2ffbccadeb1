"""Tests for helpers/data.py: IDX parsing, the real data, where files are looked for, the
command line, and the small utilities (scale, one_hot, check_labels, stratified_split,
minibatches).

The download path against a local HTTP server is in test_download.py, the Kaggle CSV layout
in test_kaggle_csv.py.
"""

import gzip
import hashlib
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from helpers import data

ROOT = Path(__file__).resolve().parents[1]

# --------------------------------------------------------------------------------------
# A tiny IDX writer, independent of the code under test
# --------------------------------------------------------------------------------------

TYPE_CODES = {
    np.dtype("u1"): 0x08,
    np.dtype("i1"): 0x09,
    np.dtype("i2"): 0x0B,
    np.dtype("i4"): 0x0C,
    np.dtype("f4"): 0x0D,
    np.dtype("f8"): 0x0E,
}


def idx_bytes(arr: np.ndarray) -> bytes:
    """The IDX encoding of ``arr``: magic, big-endian uint32 sizes, big-endian values."""
    arr = np.asarray(arr)
    code = TYPE_CODES[arr.dtype.newbyteorder("=")]
    header = bytes([0, 0, code, arr.ndim]) + struct.pack(f">{arr.ndim}I", *arr.shape)
    return header + arr.astype(arr.dtype.newbyteorder(">")).tobytes()


def write_fake_dataset(folder: Path, tag: int, gz: bool = True, n_train=4, n_test=3) -> dict:
    """Write the four files of a small valid data set whose pixels all equal ``tag``.

    Returns {filename: decompressed bytes}. ``tag`` tells which folder a load came from.
    """
    folder.mkdir(parents=True, exist_ok=True)
    contents = {}
    for (split, kind), filename in data.FILES.items():
        n = n_train if split == "train" else n_test
        if kind == "images":
            arr = np.full((n, 28, 28), tag, dtype=np.uint8)
        else:
            arr = (np.arange(n) + tag) % 10
            arr = arr.astype(np.uint8)
        content = idx_bytes(arr)
        contents[filename] = content
        if gz:
            (folder / f"{filename}.gz").write_bytes(gzip.compress(content, mtime=0))
        else:
            (folder / filename).write_bytes(content)
    return contents


@pytest.fixture
def closed_port():
    """A 127.0.0.1 port that refuses connections (bound, never listening)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    yield sock.getsockname()[1]
    sock.close()


@pytest.fixture
def isolated(monkeypatch, tmp_path, closed_port):
    """No COURSE_DATA_DIR, a cache in tmp_path, and mirrors that refuse connections."""
    monkeypatch.delenv("COURSE_DATA_DIR", raising=False)
    cache = tmp_path / "cache"
    monkeypatch.setenv("COURSE_CACHE_DIR", str(cache))
    for name in data.MIRRORS:
        monkeypatch.setitem(
            data.MIRRORS, name, [f"http://127.0.0.1:{closed_port}/m{i}/" for i in range(2)]
        )
    return cache


# --------------------------------------------------------------------------------------
# IDX parsing
# --------------------------------------------------------------------------------------

shapes = hnp.array_shapes(min_dims=1, max_dims=4, min_side=0, max_side=5)


@settings(max_examples=150, deadline=None)
@given(
    hnp.arrays(
        dtype=st.sampled_from(list(TYPE_CODES)),
        shape=shapes,
        elements=None,
    )
)
def test_idx_round_trip_every_type_code(arr):
    out = data.parse_idx(idx_bytes(arr))
    assert out.shape == arr.shape
    assert out.dtype == arr.dtype and out.dtype.isnative
    assert out.tobytes() == arr.tobytes()  # bit for bit, NaN payloads and -0.0 included
    assert out.flags.writeable  # an independent array, not a view of the buffer


def test_idx_type_codes_table_matches_spec():
    assert {c: d.newbyteorder("=") for c, d in data.IDX_DTYPES.items()} == {
        c: d for d, c in TYPE_CODES.items()
    }


def test_idx_big_endian_values():
    buf = bytes([0, 0, 0x0B, 1]) + struct.pack(">I", 2) + struct.pack(">hh", 258, -2)
    np.testing.assert_array_equal(data.parse_idx(buf), [258, -2])


def _message(excinfo) -> str:
    return str(excinfo.value)


@pytest.mark.parametrize(
    ("buf", "expected"),
    [
        (b"", ["0 bytes", "too short", "4-byte magic"]),
        (b"\x00\x00", ["2 bytes", "too short"]),
        (b"\x01\x00\x08\x01" + bytes(8), ["bad IDX magic", "0x01000801", "expected 0x0000"]),
        (b"\x00\x07\x08\x01" + bytes(8), ["bad IDX magic", "0x00070801"]),
        (b"\x00\x00\x0a\x01" + bytes(8), ["unknown IDX type code 0x0A", "0x08", "0x0E"]),
        (b"\x00\x00\x08\x00", ["0 dimensions", "expected at least 1"]),
        (b"\x00\x00\x08\x03" + bytes(4), ["truncated IDX header", "8 bytes", "expected 16"]),
        (
            b"\x00\x00\x08\x02" + struct.pack(">II", 2, 3) + bytes(5),
            ["truncated", "(2, 3)", "6 data bytes", "only 5"],
        ),
        (
            b"\x00\x00\x0c\x01" + struct.pack(">I", 2) + bytes(7),
            ["truncated", "int32", "8 data bytes", "only 7"],
        ),
        (
            b"\x00\x00\x08\x01" + struct.pack(">I", 3) + bytes(5),
            ["2 unexpected bytes after the data", "(3,)", "3 data bytes"],
        ),
    ],
    ids=[
        "empty", "two-bytes", "nonzero-first-byte", "nonzero-second-byte", "unknown-type",
        "zero-dims", "truncated-header", "truncated-data", "truncated-int32", "trailing",
    ],
)
def test_parse_idx_rejects_malformed(buf, expected):
    with pytest.raises(data.IdxFormatError) as excinfo:
        data.parse_idx(buf, name="some/file-idx")
    msg = _message(excinfo)
    assert msg.startswith("some/file-idx: ")
    for part in expected:
        assert part in msg


def test_parse_idx_huge_dimensions_do_not_overflow():
    # 65536**4 == 2**64 wraps to 0 in int64 arithmetic; with no data bytes that must still
    # be a truncated file, not a crash in reshape.
    buf = b"\x00\x00\x08\x04" + struct.pack(">4I", *(65536,) * 4)
    with pytest.raises(data.IdxFormatError, match="truncated") as excinfo:
        data.parse_idx(buf, name="huge")
    assert str(2**64) in _message(excinfo)


def test_parse_idx_gzip_bytes_read_raw_get_a_hint():
    gz = gzip.compress(idx_bytes(np.zeros((2, 2), np.uint8)))
    with pytest.raises(data.IdxFormatError) as excinfo:
        data.parse_idx(gz, name="x-idx3-ubyte.gz")
    msg = _message(excinfo)
    assert "x-idx3-ubyte.gz" in msg and "0x1f8b" in msg and "compressed" in msg


def test_idx_errors_are_data_errors_and_value_errors():
    assert issubclass(data.IdxFormatError, data.DataError)
    assert issubclass(data.IdxFormatError, ValueError)
    assert issubclass(data.ChecksumError, data.DataError)
    assert issubclass(data.DataNotFoundError, FileNotFoundError)
    assert issubclass(data.DownloadError, OSError)


@pytest.mark.parametrize("compressed", [False, True], ids=["plain", "gzip"])
@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_read_idx_plain_and_gzip_by_content(tmp_path, compressed, suffix):
    arr = np.arange(24, dtype=np.int16).reshape(2, 3, 4) - 12
    raw = idx_bytes(arr)
    path = tmp_path / f"f-idx3{suffix}"
    path.write_bytes(gzip.compress(raw) if compressed else raw)
    out = data.read_idx(path, expected_sha256=hashlib.sha256(raw).hexdigest())
    np.testing.assert_array_equal(out, arr)
    assert out.dtype == np.int16


def test_read_idx_truncated_gzip(tmp_path):
    gz = gzip.compress(idx_bytes(np.arange(1000, dtype=np.int32)))
    path = tmp_path / "cut.gz"
    path.write_bytes(gz[: len(gz) // 2])
    with pytest.raises(data.IdxFormatError) as excinfo:
        data.read_idx(path)
    assert str(path) in _message(excinfo) and "truncated gzip" in _message(excinfo)


def test_read_idx_corrupt_gzip(tmp_path):
    gz = bytearray(gzip.compress(idx_bytes(np.arange(1000, dtype=np.int32))))
    gz[-8] ^= 0xFF  # the CRC-32 of the content
    path = tmp_path / "bad.gz"
    path.write_bytes(bytes(gz))
    with pytest.raises(data.IdxFormatError) as excinfo:
        data.read_idx(path)
    assert str(path) in _message(excinfo) and "corrupt gzip" in _message(excinfo)


def test_read_idx_corrupt_deflate_stream(tmp_path):
    gz = bytearray(gzip.compress(idx_bytes(np.arange(1000, dtype=np.int32))))
    gz[12:20] = b"\xff" * 8
    path = tmp_path / "bad2.gz"
    path.write_bytes(bytes(gz))
    with pytest.raises(data.IdxFormatError, match="gzip") as excinfo:
        data.read_idx(path)
    assert str(path) in _message(excinfo)


def test_read_idx_checksum_mismatch_names_both_digests(tmp_path):
    raw = idx_bytes(np.arange(5, dtype=np.uint8))
    path = tmp_path / "f"
    path.write_bytes(raw)
    wrong = "0" * 64
    with pytest.raises(data.ChecksumError) as excinfo:
        data.read_idx(path, expected_sha256=wrong)
    msg = _message(excinfo)
    assert str(path) in msg and wrong in msg and hashlib.sha256(raw).hexdigest() in msg


def test_read_idx_malformed_file_names_the_path(tmp_path):
    path = tmp_path / "short-idx1-ubyte"
    path.write_bytes(b"\x00\x00\x08\x01" + struct.pack(">I", 10) + bytes(3))
    with pytest.raises(data.IdxFormatError, match="truncated") as excinfo:
        data.read_idx(path)
    assert str(path) in _message(excinfo)


# --------------------------------------------------------------------------------------
# The real data
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_dir():
    env = os.environ.get("COURSE_DATA_DIR")
    if not env or not all(
        data._has_all_files(Path(env) / name) for name in ("mnist", "fashion-mnist")
    ):
        pytest.skip(
            "real data absent: set COURSE_DATA_DIR to a folder holding mnist/ and "
            "fashion-mnist/ with the four IDX files each (e.g. ../shared/data)"
        )
    return Path(env)


_loaded = {}


@pytest.fixture(scope="module")
def real(real_dir):
    """Load each (dataset, split) of the real data once, verified, from real_dir only."""

    def get(name, split):
        if (name, split) not in _loaded:
            _loaded[name, split] = data.load_dataset(
                name, split, data_dir=real_dir, download=False
            )
        return _loaded[name, split]

    return get


MNIST_COUNTS = {
    "train": [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949],
    "test": [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009],
}
FIRST_LABELS = {
    ("mnist", "train"): [5, 0, 4, 1, 9, 2, 1, 3, 1, 4],
    ("mnist", "test"): [7, 2, 1, 0, 4, 1, 4, 9, 5, 9],
    ("fashion-mnist", "train"): [9, 0, 0, 3, 0, 2, 7, 2, 5, 5],
    ("fashion-mnist", "test"): [9, 2, 1, 1, 6, 1, 4, 6, 5, 7],
}


@pytest.mark.parametrize("name", ["mnist", "fashion-mnist"])
@pytest.mark.parametrize(("split", "n"), [("train", 60_000), ("test", 10_000)])
def test_real_data_shapes_dtypes_and_labels(real, name, split, n):
    images, labels = real(name, split)
    assert images.shape == (n, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (n,) and labels.dtype == np.int64
    assert labels.min() == 0 and labels.max() == 9
    assert images.min() == 0 and images.max() == 255
    assert labels[:10].tolist() == FIRST_LABELS[name, split]
    counts = np.bincount(labels, minlength=10).tolist()
    if name == "mnist":
        assert counts == MNIST_COUNTS[split]
    else:
        assert counts == [n // 10] * 10


def test_real_mnist_wrappers_and_flatten(real, real_dir):
    images, labels = real("mnist", "test")
    flat, flat_labels = data.load_mnist("test", data_dir=real_dir, flatten=True)
    assert flat.shape == (10_000, 784) and flat.dtype == np.uint8
    np.testing.assert_array_equal(flat, images.reshape(10_000, 784))
    np.testing.assert_array_equal(flat_labels, labels)
    fashion, _ = data.load_fashion_mnist("test", data_dir=real_dir / "fashion-mnist")
    np.testing.assert_array_equal(fashion, real("fashion-mnist", "test")[0])
    assert not np.array_equal(fashion, images)


def test_real_mnist_from_env_and_dataset_folder(real, real_dir, monkeypatch):
    monkeypatch.setenv("COURSE_DATA_DIR", str(real_dir))
    images, labels = data.load_mnist("test", download=False)
    np.testing.assert_array_equal(labels, real("mnist", "test")[1])
    _, labels2 = data.load_mnist("test", data_dir=real_dir / "mnist", download=False)
    np.testing.assert_array_equal(labels2, labels)


def test_real_first_digit_is_a_five(real):
    # The first training image is the famous "5": ink in the middle, blank corners.
    image = real("mnist", "train")[0][0]
    assert image[0].max() == 0 and image[-1].max() == 0
    assert image.max() == 255 and image[6:22, 6:22].max() > 200
    assert 100 < np.count_nonzero(image) < 300


def test_real_stratified_split_keeps_class_balance(real):
    _, labels = real("mnist", "train")
    train_idx, val_idx = data.stratified_split(labels, val_size=10_000, seed=0)
    assert len(train_idx) == 50_000 and len(val_idx) == 10_000
    val_counts = np.bincount(labels[val_idx], minlength=10)
    exact = np.array(MNIST_COUNTS["train"]) / 6
    assert np.all(np.abs(val_counts - exact) < 1)


@pytest.mark.parametrize("name", ["mnist", "fashion-mnist"])
def test_checksum_table_matches_the_data_readme(real_dir, name):
    readme = (real_dir / name / "README.md").read_text()
    published = dict(
        (m.group(2), m.group(1))
        for m in re.finditer(r"^\s*([0-9a-f]{64})\s+(\S+-ubyte)\s*$", readme, flags=re.M)
    )
    assert published == data.SHA256[name]


@pytest.fixture
def mnist_copy(real_dir, tmp_path):
    """The four real MNIST files copied into tmp_path/mnist."""
    folder = tmp_path / "mnist"
    shutil.copytree(real_dir / "mnist", folder, ignore=shutil.ignore_patterns("*.md"))
    return folder


def test_checksum_mismatch_on_real_files(mnist_copy, isolated):
    gz = mnist_copy / "t10k-labels-idx1-ubyte.gz"
    content = bytearray(gzip.decompress(gz.read_bytes()))
    assert content[8] == 7  # the first test label
    content[8] = 3  # still a valid label: only the checksum can tell
    gz.unlink()
    altered = mnist_copy / "t10k-labels-idx1-ubyte"
    altered.write_bytes(bytes(content))
    expected = data.SHA256["mnist"]["t10k-labels-idx1-ubyte"]
    actual = hashlib.sha256(bytes(content)).hexdigest()
    with pytest.raises(data.ChecksumError) as excinfo:
        data.load_mnist("test", data_dir=mnist_copy.parent, download=False)
    msg = _message(excinfo)
    assert str(altered) in msg and expected in msg and actual in msg
    # verify=False reads the altered file as it is
    _, labels = data.load_mnist("test", data_dir=mnist_copy.parent, verify=False)
    assert labels[0] == 3 and labels.shape == (10_000,)


def test_loader_rejects_images_of_the_wrong_shape(tmp_path, isolated):
    write_fake_dataset(tmp_path / "d", tag=1)
    (tmp_path / "d" / "t10k-images-idx3-ubyte.gz").write_bytes(
        gzip.compress(idx_bytes(np.zeros((3, 28, 27), np.uint8)))
    )
    with pytest.raises(data.IdxFormatError, match=r"\(3, 28, 27\).*expected \(N, 28, 28\)"):
        data.load_mnist("test", data_dir=tmp_path / "d", verify=False)


def test_loader_rejects_label_count_and_range(tmp_path, isolated):
    folder = tmp_path / "d"
    write_fake_dataset(folder, tag=1)
    labels = folder / "t10k-labels-idx1-ubyte.gz"
    labels.write_bytes(gzip.compress(idx_bytes(np.zeros(2, np.uint8))))
    with pytest.raises(data.IdxFormatError, match="one label per image"):
        data.load_mnist("test", data_dir=folder, verify=False)
    labels.write_bytes(gzip.compress(idx_bytes(np.array([0, 10, 1], np.uint8))))
    with pytest.raises(data.IdxFormatError, match=r"0\.\.10, expected 0\.\.9"):
        data.load_mnist("test", data_dir=folder, verify=False)


# --------------------------------------------------------------------------------------
# Where the files are looked for
# --------------------------------------------------------------------------------------


def _tag(name="mnist", **kwargs):
    images, _ = data.load_dataset(name, "test", verify=False, download=False, **kwargs)
    return int(images[0, 0, 0])


def test_search_order(tmp_path, isolated, monkeypatch):
    write_fake_dataset(tmp_path / "root" / "mnist", tag=1)  # root layout
    write_fake_dataset(tmp_path / "own", tag=2, gz=False)  # the data set's own folder
    write_fake_dataset(tmp_path / "env" / "mnist", tag=3)
    write_fake_dataset(isolated / "mnist", tag=4)
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path / "env"))

    assert _tag(data_dir=tmp_path / "root") == 1
    assert data.fetch("mnist", tmp_path / "root", download=False) == tmp_path / "root" / "mnist"
    assert _tag(data_dir=tmp_path / "own") == 2
    assert _tag() == 3  # COURSE_DATA_DIR beats the cache
    assert _tag(data_dir=tmp_path / "empty") == 3  # a data_dir without files falls through
    monkeypatch.delenv("COURSE_DATA_DIR")
    assert _tag() == 4  # the cache
    assert data.fetch("mnist", download=False) == isolated / "mnist"


def test_incomplete_folder_is_skipped(tmp_path, isolated):
    write_fake_dataset(tmp_path / "partial", tag=1)
    (tmp_path / "partial" / "train-images-idx3-ubyte.gz").unlink()
    write_fake_dataset(isolated / "mnist", tag=4)
    assert _tag(data_dir=tmp_path / "partial") == 4


def test_other_datasets_folder_is_not_taken_for_this_one(tmp_path, isolated):
    # MNIST and Fashion-MNIST share file names: a folder called mnist/ must not be
    # read as Fashion-MNIST (and vice versa) just because it holds the four files.
    write_fake_dataset(tmp_path / "mnist", tag=1)
    assert _tag("mnist", data_dir=tmp_path / "mnist") == 1
    with pytest.raises(data.DataNotFoundError):
        _tag("fashion-mnist", data_dir=tmp_path / "mnist")


def test_cache_dir_variables(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path / "c"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "x"))
    assert data.cache_dir() == tmp_path / "c"
    monkeypatch.delenv("COURSE_CACHE_DIR")
    assert data.cache_dir() == tmp_path / "x" / "mnist-course"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert data.cache_dir() == tmp_path / "home" / ".cache" / "mnist-course"


def test_not_found_offline_lists_every_place(tmp_path, isolated, monkeypatch):
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path / "env"))
    with pytest.raises(data.DataNotFoundError) as excinfo:
        data.load_mnist(data_dir=tmp_path / "arg", download=False)
    msg = _message(excinfo)
    for place in (tmp_path / "arg", tmp_path / "env", isolated / "mnist"):
        assert str(place) in msg
    for how in ("data_dir argument", "COURSE_DATA_DIR", "per-user cache", "make data"):
        assert how in msg
    assert "t10k-images-idx3-ubyte" in msg  # says which files are needed
    assert not (isolated / "mnist").exists() or not any((isolated / "mnist").iterdir())


@pytest.mark.network
def test_not_found_and_mirrors_unreachable(isolated, closed_port):
    with pytest.raises(data.DataNotFoundError) as excinfo:
        data.load_fashion_mnist("test")
    msg = _message(excinfo)
    assert "download failed" in msg and "COURSE_DATA_DIR" in msg
    for mirror in data.MIRRORS["fashion-mnist"]:
        assert mirror in msg
    assert msg.count("unreachable") == 2
    assert list((isolated / "fashion-mnist").iterdir()) == []  # nothing half-written


@pytest.mark.parametrize("call", [
    lambda: data.load_dataset("cifar10"),
    lambda: data.fetch("MNIST", download=False),
    lambda: data.load_dataset("mnist", "val"),
    lambda: data.load_mnist("training"),
])
def test_unknown_names(call):
    with pytest.raises(ValueError, match="unknown (data set|split)") as excinfo:
        call()
    assert "mnist" in _message(excinfo) or "'train'" in _message(excinfo)


# --------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------


def _cli(env, *args):
    return subprocess.run(
        [sys.executable, "-m", "helpers.data", "fetch", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )


def test_cli_fetch_with_real_data(real_dir, tmp_path):
    env = {**os.environ, "COURSE_DATA_DIR": str(real_dir),
           "COURSE_CACHE_DIR": str(tmp_path / "cache")}
    result = _cli(env)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split()[:2] == ["mnist", "ok"]
    assert lines[1].split()[:2] == ["fashion-mnist", "ok"]
    assert not (tmp_path / "cache").exists()  # nothing downloaded


@pytest.mark.network
def test_cli_fetch_nothing_found_offline(tmp_path, closed_port):
    # Keep the subprocess offline: every URL goes through a "proxy" that refuses.
    proxy = f"http://127.0.0.1:{closed_port}"
    env = {k: v for k, v in os.environ.items()
           if k not in ("COURSE_DATA_DIR", "XDG_CACHE_HOME", "no_proxy", "NO_PROXY")}
    env.update(HOME=str(tmp_path / "home"), COURSE_CACHE_DIR=str(tmp_path / "cache"),
               http_proxy=proxy, https_proxy=proxy, HTTP_PROXY=proxy, HTTPS_PROXY=proxy)
    result = _cli(env, "--dataset", "mnist")
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.startswith("error: the mnist files were not found")
    assert "could not download" in result.stderr and "COURSE_DATA_DIR" in result.stderr
    assert "Traceback" not in result.stderr
    leftovers = [p for p in (tmp_path / "cache").rglob("*") if p.is_file()]
    assert leftovers == []


def test_main_in_process_with_a_fake_dataset(tmp_path, isolated, monkeypatch, capsys):
    contents = write_fake_dataset(tmp_path / "d" / "mnist", tag=5)
    monkeypatch.setitem(
        data.SHA256, "mnist", {f: hashlib.sha256(c).hexdigest() for f, c in contents.items()}
    )
    assert data.main(["fetch", "--dataset", "mnist", "--data-dir", str(tmp_path / "d")]) == 0
    out = capsys.readouterr().out
    assert out.startswith("mnist") and " ok " in out and str(tmp_path / "d" / "mnist") in out


def test_main_in_process_checksum_failure(tmp_path, isolated, capsys):
    write_fake_dataset(tmp_path / "d" / "mnist", tag=5)  # not the published files
    assert data.main(["fetch", "--dataset", "mnist", "--data-dir", str(tmp_path / "d")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "checksum mismatch" in err


# --------------------------------------------------------------------------------------
# scale, one_hot, check_labels
# --------------------------------------------------------------------------------------


def test_scale():
    images = np.arange(2 * 28 * 28, dtype=np.int64).reshape(2, 28, 28).astype(np.uint8)
    before = images.copy()
    x = data.scale(images)
    assert x.dtype == np.float32 and x.shape == (2, 784)
    np.testing.assert_allclose(x, images.reshape(2, 784) / 255.0, rtol=1e-6)
    assert data.scale(np.array([[0, 255]], np.uint8)).tolist() == [[0.0, 1.0]]
    assert x.min() >= 0 and x.max() <= 1
    np.testing.assert_array_equal(images, before)  # input untouched
    kept = data.scale(images, flatten=False)
    assert kept.shape == (2, 28, 28) and kept.dtype == np.float32
    assert data.scale(images, dtype=np.float64).dtype == np.float64


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
def test_scale_rejects_non_uint8(dtype):
    with pytest.raises(TypeError, match="already scaled") as excinfo:
        data.scale(np.zeros((2, 784), dtype))
    assert np.dtype(dtype).name in _message(excinfo)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(0, 9), min_size=0, max_size=50))
def test_one_hot_properties(label_list):
    labels = np.array(label_list, dtype=np.int64)
    y = data.one_hot(labels)
    assert y.dtype == np.float32 and y.shape == (len(labels), 10)
    np.testing.assert_array_equal(y.sum(axis=1), 1)
    assert set(np.unique(y)) <= {0.0, 1.0}
    np.testing.assert_array_equal(y.argmax(axis=1), labels)


def test_one_hot_num_classes_and_dtype():
    y = data.one_hot(np.array([0, 2], np.uint8), num_classes=3, dtype=np.float64)
    assert y.dtype == np.float64 and y.tolist() == [[1, 0, 0], [0, 0, 1]]


@pytest.mark.parametrize(
    ("labels", "error", "match"),
    [
        (np.array([0.0, 1.0]), TypeError, "integers 0..9, got dtype float64"),
        (np.array([True, False]), TypeError, "dtype bool"),
        (np.eye(10, dtype=np.int64)[:3], ValueError, r"shape \(N,\), got \(3, 10\).*one-hot"),
        (np.int64(3), ValueError, r"shape \(N,\), got \(\)"),
        (np.array([0, 10]), ValueError, r"0\.\.9, found 10"),
        (np.array([-1, 2]), ValueError, r"0\.\.9, found -1"),
    ],
    ids=["floats", "bools", "2-D", "scalar", "ten", "negative"],
)
def test_one_hot_and_check_labels_reject(labels, error, match):
    with pytest.raises(error, match=match):
        data.one_hot(labels)
    with pytest.raises(error, match=match):
        data.check_labels(labels)


def test_check_labels():
    out = data.check_labels(np.array([3, 0, 9], np.uint8))
    assert out.dtype == np.int64 and out.tolist() == [3, 0, 9]
    assert data.check_labels([1, 2], n=2).tolist() == [1, 2]
    assert data.check_labels(np.array([], np.int64)).shape == (0,)
    with pytest.raises(ValueError, match="expected 3 labels.*got 2"):
        data.check_labels([1, 2], n=3)
    with pytest.raises(ValueError, match=r"0\.\.2, found 3"):
        data.check_labels([3], num_classes=3)


# --------------------------------------------------------------------------------------
# stratified_split
# --------------------------------------------------------------------------------------


@st.composite
def labels_and_val_size(draw):
    labels = np.array(draw(st.lists(st.integers(0, 9), min_size=2, max_size=300)), np.int64)
    return labels, draw(st.integers(1, len(labels) - 1)), draw(st.integers(0, 2**32))


@settings(max_examples=100, deadline=None)
@given(labels_and_val_size())
def test_stratified_split_properties(case):
    labels, n_val, seed = case
    n = len(labels)
    train_idx, val_idx = data.stratified_split(labels, val_size=n_val, seed=seed)
    assert train_idx.dtype == np.int64 and val_idx.dtype == np.int64
    assert len(val_idx) == n_val and len(train_idx) == n - n_val
    assert np.intersect1d(train_idx, val_idx).size == 0
    np.testing.assert_array_equal(np.sort(np.concatenate([train_idx, val_idx])), np.arange(n))
    val_counts = np.bincount(labels[val_idx], minlength=10)
    for c, count in enumerate(np.bincount(labels, minlength=10)):
        exact = Fraction(int(count) * n_val, n)
        assert abs(val_counts[c] - exact) < 1, (c, count, val_counts[c], exact)
    again = data.stratified_split(labels, val_size=n_val, seed=seed)
    np.testing.assert_array_equal(again[0], train_idx)
    np.testing.assert_array_equal(again[1], val_idx)


def test_stratified_split_seeds_and_fraction():
    labels = np.repeat(np.arange(10), 100)
    a = data.stratified_split(labels, val_size=0.2, seed=0)
    b = data.stratified_split(labels, val_size=0.2, seed=1)
    assert len(a[1]) == 200 and len(b[1]) == 200
    assert not np.array_equal(np.sort(a[1]), np.sort(b[1]))  # different examples chosen
    assert np.bincount(labels[a[1]]).tolist() == [20] * 10  # exact for balanced classes
    # shuffled, not grouped by class
    assert not np.all(np.diff(labels[a[0]]) >= 0)


@pytest.mark.parametrize("val_size", [0, 10, 0.0, 1.0, -3, 0.001])
def test_stratified_split_rejects_empty_parts(val_size):
    with pytest.raises(ValueError, match="non-empty"):
        data.stratified_split(np.arange(10) % 3, val_size=val_size)


def test_stratified_split_rejects_bad_labels():
    with pytest.raises(TypeError):
        data.stratified_split(np.linspace(0, 1, 10), val_size=2)


# --------------------------------------------------------------------------------------
# minibatches
# --------------------------------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 60), st.integers(1, 25), st.booleans(), st.integers(0, 1000))
def test_minibatches_properties(n, batch_size, drop_last, seed):
    X = np.arange(2 * n).reshape(n, 2)
    y = np.arange(n)
    for rng in (None, np.random.default_rng(seed)):
        batches = list(data.minibatches(X, y, batch_size, rng=rng, drop_last=drop_last))
        sizes = [len(yb) for _, yb in batches]
        full, rest = divmod(n, batch_size)
        assert sizes == [batch_size] * full + ([rest] if rest and not drop_last else [])
        for xb, yb in batches:
            np.testing.assert_array_equal(xb[:, 0], 2 * yb)  # rows stay paired
        seen = np.concatenate([yb for _, yb in batches]) if batches else np.array([], int)
        assert len(np.unique(seen)) == len(seen)  # nobody twice
        if not drop_last:
            np.testing.assert_array_equal(np.sort(seen), y)  # everybody once
        if rng is None:
            np.testing.assert_array_equal(seen, y[: len(seen)])  # stored order


def test_minibatches_seeded_order():
    X, y = np.arange(100).reshape(50, 2), np.arange(50)

    def order(rng):
        return np.concatenate([yb for _, yb in data.minibatches(X, y, 8, rng=rng)])

    a, b = order(np.random.default_rng(7)), order(np.random.default_rng(7))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, y)  # shuffled
    rng = np.random.default_rng(7)
    first, second = order(rng), order(rng)
    assert not np.array_equal(first, second)  # a fresh order each epoch


def test_minibatches_errors_at_the_call():
    X, y = np.zeros((5, 3)), np.zeros(4)
    with pytest.raises(ValueError, match="X has 5 examples but y has 4"):
        data.minibatches(X, y, 2)
    with pytest.raises(ValueError, match="batch_size must be at least 1, got 0"):
        data.minibatches(X, np.zeros(5), 0)
