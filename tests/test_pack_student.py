"""tools/pack_student.py: the hand-out holds the student copies, never the solutions."""

import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import pack_student  # noqa: E402


def _student_dir(tmp_path: Path) -> Path:
    student = tmp_path / "student"
    (student / "01-topic").mkdir(parents=True)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("raise NotImplementedError")])
    nbformat.write(nb, student / "01-topic" / "3-exercises.ipynb")
    return student


def test_handout_has_student_copies_helpers_and_setup_files(tmp_path):
    student = _student_dir(tmp_path)
    files = pack_student.handout_files(student)
    copy = student / "01-topic" / "3-exercises.ipynb"
    assert files["notebooks/01-topic/3-exercises.ipynb"] == copy
    for name in ["README.md", "pyproject.toml", "environment.yml", "helpers/__init__.py"]:
        assert name in files
    # every exercise notebook in the archive is a student copy, none is an original
    for name, src in files.items():
        if "exercise" in name:
            assert src.is_relative_to(student), f"{name} comes from {src}"


def test_zip_is_reproducible_and_in_one_folder(tmp_path):
    student = _student_dir(tmp_path)
    a, b = tmp_path / "a.zip", tmp_path / "b.zip"
    pack_student.pack(student, a)
    pack_student.pack(student, b)
    assert a.read_bytes() == b.read_bytes()
    names = zipfile.ZipFile(a).namelist()
    assert names == sorted(names)
    assert all(n.startswith(f"{pack_student.TOP}/") for n in names)
    assert not any("__pycache__" in n or n.endswith(".pyc") for n in names)


def test_no_student_copies_is_a_clear_error(tmp_path):
    with pytest.raises(SystemExit, match="make student"):
        pack_student.handout_files(tmp_path / "nothing-here")


def test_handout_has_its_own_readme_makefile_and_the_check_tools(tmp_path):
    student = _student_dir(tmp_path)
    files = pack_student.handout_files(student)
    readme = files["README.md"].decode("utf-8")
    assert readme.startswith("# MNIST from scratch in NumPy: your copy")
    assert "{{NOTEBOOKS}}" not in readme
    assert "[3-exercises](notebooks/01-topic/3-exercises.ipynb)" in readme
    assert files["Makefile"] == ROOT / "tools" / "handout" / "Makefile"
    for tool in ("tools/check_student.py", "tools/doctor.py"):
        assert files[tool] == ROOT / tool
    # the course's own README and Makefile (instructor sections, targets needing tests/) stay out
    assert "Teaching with this course" not in readme
    assert not any(name.startswith("tests/") for name in files)
    makefile = files["Makefile"].read_text()
    for target in ("lab", "check", "doctor", "help"):
        assert f"\n{target}:" in makefile
    assert "\ntest:" not in makefile
