"""Issue 14, class 3: the loader says what it found.

Files "not found" when something similar is there (one folder per file, other file names,
broken links, the files one folder further down), a relative or whitespace-padded
``COURSE_DATA_DIR``, Fashion-MNIST files where MNIST was asked (or a mix of the two), a
cache that cannot be created or written, and a command line that never prints a traceback.
No network: mirrors point at a port that refuses connections.
"""

import gzip
import hashlib
import os
import socket
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from helpers import data

ROOT = Path(__file__).resolve().parents[1]


def idx_bytes(arr: np.ndarray) -> bytes:
    return bytes([0, 0, 0x08, arr.ndim]) + struct.pack(f">{arr.ndim}I", *arr.shape) + arr.tobytes()


def fake_contents(tag: int) -> dict[str, bytes]:
    """The decompressed four files of a tiny data set whose pixels all equal ``tag``."""
    out = {}
    for (split, kind), filename in data.FILES.items():
        n = 4 if split == "train" else 3
        arr = (np.full((n, 28, 28), tag, np.uint8) if kind == "images"
               else ((np.arange(n) + tag) % 10).astype(np.uint8))
        out[filename] = idx_bytes(arr)
    return out


MNIST = fake_contents(1)  # stands in for MNIST
FASHION = fake_contents(2)  # stands in for Fashion-MNIST


def write(folder: Path, contents: dict[str, bytes], names=None) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for filename, content in contents.items():
        (folder / f"{(names or {}).get(filename, filename)}.gz").write_bytes(
            gzip.compress(content, mtime=0))


@pytest.fixture
def isolated(monkeypatch, tmp_path):
    """Both fake tables as the published checksums, no COURSE_DATA_DIR, a cache in tmp,
    mirrors that refuse connections."""
    for name, contents in (("mnist", MNIST), ("fashion-mnist", FASHION)):
        monkeypatch.setitem(data.SHA256, name,
                            {f: hashlib.sha256(c).hexdigest() for f, c in contents.items()})
    monkeypatch.delenv("COURSE_DATA_DIR", raising=False)
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path / "cache"))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    for name in data.MIRRORS:
        monkeypatch.setitem(data.MIRRORS, name, [f"http://127.0.0.1:{sock.getsockname()[1]}/"])
    yield tmp_path / "cache"
    sock.close()


def not_found(**kwargs) -> str:
    with pytest.raises(data.DataNotFoundError) as excinfo:
        data.load_mnist("test", download=False, **kwargs)
    return str(excinfo.value)


# --------------------------------------------------------------------------------------
# "Not found", but something similar is there
# --------------------------------------------------------------------------------------


def test_one_folder_per_file(tmp_path, isolated):
    d = tmp_path / "d"
    for filename, content in MNIST.items():  # as some archives unpack
        (d / filename).mkdir(parents=True)
        (d / filename / filename).write_bytes(content)
    msg = not_found(data_dir=d)
    assert f"the data_dir argument: {d}: holds none of the 4 files" in msg
    assert "t10k-images-idx3-ubyte/ is a folder holding t10k-images-idx3-ubyte" in msg
    assert "one folder per file" in msg
    assert f"move the file up as {d / 't10k-images-idx3-ubyte'}" in msg


def test_other_file_names(tmp_path, isolated):
    d = tmp_path / "d"
    write(d, MNIST, names={f: f.replace("-idx", ".idx") for f in MNIST})
    msg = not_found(data_dir=d)
    assert "train-images.idx3-ubyte.gz looks like train-images-idx3-ubyte under another name" in msg
    assert "rename it" in msg


def test_some_files_and_a_broken_link(tmp_path, isolated):
    d = tmp_path / "d"
    write(d, MNIST)
    (d / "t10k-images-idx3-ubyte.gz").unlink()
    os.symlink(tmp_path / "nowhere.gz", d / "t10k-images-idx3-ubyte.gz")
    msg = not_found(data_dir=d)
    assert "holds 3 of the 4 files (missing t10k-images-idx3-ubyte" in msg
    assert f"t10k-images-idx3-ubyte.gz is a broken link to {tmp_path / 'nowhere.gz'}" in msg


def test_files_one_level_down(tmp_path, isolated):
    write(tmp_path / "MNIST" / "raw", MNIST)  # torchvision's layout
    msg = not_found(data_dir=tmp_path / "MNIST")
    assert f"the four files are in {tmp_path / 'MNIST' / 'raw'}" in msg


def test_missing_folder_and_file_instead_of_folder(tmp_path, isolated):
    assert f"{tmp_path / 'nope'}: does not exist" in not_found(data_dir=tmp_path / "nope")
    (tmp_path / "f").write_text("x")
    assert f"{tmp_path / 'f'}: is a file, not a folder" in not_found(data_dir=tmp_path / "f")
    (tmp_path / "empty").mkdir()
    assert "an empty folder" in not_found(data_dir=tmp_path / "empty")


# --------------------------------------------------------------------------------------
# COURSE_DATA_DIR relative or padded
# --------------------------------------------------------------------------------------


def test_relative_padded_data_dir_is_resolved(tmp_path, isolated, monkeypatch):
    write(tmp_path / "rel" / "mnist", MNIST)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COURSE_DATA_DIR", "  rel\n")
    assert data.fetch("mnist", download=False) == tmp_path / "rel" / "mnist"
    images, _ = data.load_mnist("test", download=False)
    assert images[0, 0, 0] == 1
    monkeypatch.setenv("COURSE_DATA_DIR", " other ")
    msg = not_found()
    assert f"COURSE_DATA_DIR (COURSE_DATA_DIR=' other ' resolved): {tmp_path / 'other'}" in msg
    assert "does not exist" in msg


def test_blank_data_dir_is_ignored_and_said(tmp_path, isolated, monkeypatch):
    monkeypatch.setenv("COURSE_DATA_DIR", "   ")
    msg = not_found()
    assert "COURSE_DATA_DIR is set but blank ('   '), so it was ignored" in msg


def test_relative_cache_dir_is_resolved(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COURSE_CACHE_DIR", " c ")
    assert data.cache_dir() == tmp_path / "c"


# --------------------------------------------------------------------------------------
# Fashion-MNIST where MNIST was asked, or a mix
# --------------------------------------------------------------------------------------


def test_fashion_files_where_mnist_was_asked(tmp_path, isolated):
    write(tmp_path / "d" / "mnist", FASHION)
    with pytest.raises(data.ChecksumError) as excinfo:
        data.load_mnist("test", data_dir=tmp_path / "d", download=False)
    msg = str(excinfo.value)
    assert "checksum mismatch: this is the Fashion-MNIST file t10k-images-idx3-ubyte, not the " \
           "MNIST file t10k-images-idx3-ubyte" in msg
    assert "keep them in separate folders named mnist/ and fashion-mnist/" in msg
    assert f"The folder {tmp_path / 'd' / 'mnist'} holds Fashion-MNIST files where MNIST was " \
           "asked" in msg
    assert "corrupt" not in msg.split("\n")[0]


def test_a_mix_of_mnist_and_fashion(tmp_path, isolated):
    mixed = {f: (FASHION if f.startswith("t10k-images") or f.startswith("train-labels")
                 else MNIST)[f] for f in MNIST}
    write(tmp_path / "mnist", mixed)
    with pytest.raises(data.ChecksumError) as excinfo:
        data.load_mnist("test", data_dir=tmp_path / "mnist", download=False)
    msg = str(excinfo.value)
    assert "holds a mix of files (MNIST: train-images-idx3-ubyte, t10k-labels-idx1-ubyte; " \
           "Fashion-MNIST: train-labels-idx1-ubyte, t10k-images-idx3-ubyte); MNIST was asked" in msg


def test_swapped_files_are_named(tmp_path, isolated):
    swapped = dict(MNIST)
    swapped["t10k-labels-idx1-ubyte"], swapped["train-labels-idx1-ubyte"] = (
        MNIST["train-labels-idx1-ubyte"], MNIST["t10k-labels-idx1-ubyte"])
    write(tmp_path / "mnist", swapped)
    with pytest.raises(data.ChecksumError) as excinfo:
        data.load_mnist("test", data_dir=tmp_path / "mnist", verify=True, download=False)
    msg = str(excinfo.value)
    assert "this is the MNIST file train-labels-idx1-ubyte, not the MNIST file " \
           "t10k-labels-idx1-ubyte" in msg and "renamed or swapped" in msg
    assert "t10k-labels-idx1-ubyte (which is train-labels-idx1-ubyte)" in msg


# --------------------------------------------------------------------------------------
# A cache that cannot be created or written
# --------------------------------------------------------------------------------------


def test_cache_under_a_file(tmp_path, isolated, monkeypatch):
    (tmp_path / "file").write_text("x")
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path / "file" / "cache"))
    with pytest.raises(data.CacheError) as excinfo:
        data.fetch("mnist")
    msg = str(excinfo.value)
    assert f"cannot download into {tmp_path / 'file' / 'cache' / 'mnist'}" in msg
    assert "cannot be created or written (Not a directory)" in msg
    assert "set COURSE_CACHE_DIR to a writable folder" in msg
    assert isinstance(excinfo.value, data.DataError) and isinstance(excinfo.value, OSError)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root writes anywhere")
def test_read_only_cache(tmp_path, isolated):
    (isolated / "mnist").mkdir(parents=True)
    (isolated / "mnist").chmod(0o500)
    try:
        with pytest.raises(data.CacheError, match="Permission denied"):
            data.fetch("mnist")
    finally:
        (isolated / "mnist").chmod(0o700)


# --------------------------------------------------------------------------------------
# The command line never prints a traceback
# --------------------------------------------------------------------------------------


def test_cli_unexpected_error_is_one_line(isolated, monkeypatch, capsys):
    def broken(*args, **kwargs):
        raise PermissionError(13, "Permission denied", "/somewhere")

    monkeypatch.setattr(data, "fetch", broken)
    assert data.main(["fetch", "--dataset", "mnist"]) == 1
    err = capsys.readouterr().err
    assert err == "error: PermissionError: [Errno 13] Permission denied: '/somewhere'\n"

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(data, "fetch", interrupted)
    assert data.main(["fetch"]) == 130
    assert capsys.readouterr().err == "error: interrupted\n"


def test_cli_subprocess_unwritable_cache_no_traceback(tmp_path):
    (tmp_path / "file").write_text("x")
    env = {k: v for k, v in os.environ.items() if k != "COURSE_DATA_DIR"}
    env.update(COURSE_CACHE_DIR=str(tmp_path / "file" / "cache"), HOME=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "-m", "helpers.data", "fetch", "--dataset", "mnist"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.startswith("error: cannot download into ")
    assert "COURSE_CACHE_DIR" in result.stderr and "Traceback" not in result.stderr
