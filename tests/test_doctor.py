"""tools/doctor.py (`make doctor`): one report with what an instructor needs."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import doctor  # noqa: E402

from helpers import data  # noqa: E402


@pytest.fixture(autouse=True)
def _no_problems_left():
    doctor.PROBLEMS.clear()
    yield
    doctor.PROBLEMS.clear()


def test_python_numpy_and_blas(capsys):
    doctor.python_section()
    doctor.numpy_section()
    out = capsys.readouterr().out
    assert f"Python {sys.version.split()[0]}" in out
    assert "NumPy " in out
    blas = next(line for line in out.splitlines() if line.strip().startswith("BLAS:"))
    assert "threads" in blas  # library, version, threads (and kernel for OpenBLAS)
    assert doctor.PROBLEMS == []


def test_the_installed_packages_match_the_pins(capsys):
    doctor.packages_section()
    assert doctor.PROBLEMS == [], capsys.readouterr().out
    pins = doctor._pins()
    assert pins["numpy"] and pins["threadpoolctl"]


def _data_root() -> Path:
    if not os.environ.get("COURSE_DATA_DIR"):
        pytest.skip("COURSE_DATA_DIR is not set")
    return Path(os.environ["COURSE_DATA_DIR"])


def test_the_data_are_found_and_their_checksums_match(capsys):
    _data_root()
    doctor.data_section()
    out = capsys.readouterr().out
    for name in data.DATASETS:
        assert f"{name} " in out
    assert out.count("checksums match") == len(data.DATASETS), out
    assert "(from COURSE_DATA_DIR)" in out
    assert doctor.PROBLEMS == []


def test_a_corrupt_file_is_a_problem(tmp_path, monkeypatch, capsys):
    source = _data_root()
    for name in data.DATASETS:
        folder = data.fetch(name, data_dir=source, download=False)
        (tmp_path / name).mkdir()
        for filename in data.FILES.values():
            src = data._file_in(folder, filename)
            (tmp_path / name / src.name).symlink_to(src)
    bad = tmp_path / "mnist" / "t10k-labels-idx1-ubyte.gz"
    bad.unlink()
    bad.write_bytes(gzip.compress(b"not the published labels"))
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path / "no-cache"))
    doctor.data_section()
    out = capsys.readouterr().out
    assert len(doctor.PROBLEMS) == 1
    assert doctor.PROBLEMS[0].startswith("mnist in ")  # the bad file named, the other set fine
    assert "t10k-labels-idx1" in doctor.PROBLEMS[0] and "make data" in doctor.PROBLEMS[0]
    assert "fashion-mnist" in out and "checksums match" in out


def test_missing_data_is_a_problem_and_nothing_is_downloaded(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path / "nothing"))
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path / "cache"))
    doctor.data_section()
    assert len(doctor.PROBLEMS) == len(data.DATASETS)
    assert not (tmp_path / "cache").exists()
    assert "make data" in capsys.readouterr().out


@pytest.mark.slow
def test_the_whole_report_jupyterlab_and_a_kernel_start():
    _data_root()
    out = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "doctor.py"), "--strict", "--timeout", "180"],
        capture_output=True, text=True, timeout=600,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    text = out.stdout
    for title in ("Python", "NumPy and BLAS", "Packages", "Data", "JupyterLab", "Kernel"):
        assert f"\n== {title}\n" in text
    assert "a JupyterLab server started" in text
    assert "1 + 1 = 2" in text and sys.executable in text
    assert text.rstrip().endswith("no problems found")
