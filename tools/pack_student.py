"""Pack the student hand-out into one archive (the second step of ``make student``).

    python tools/pack_student.py [--student student] [--out build/student-handout.zip]

The archive unpacks into one folder, ``mnist-from-scratch/``, that a student opens with
``make lab`` (or conda/Binder with ``environment.yml``):

- ``notebooks/``: the student copies of the exercise notebooks from ``student/`` (written
  by ``tools/make_student.py``: solutions removed, outputs cleared), together with the
  lecture notebooks (00-mnist, derivations, implementations: executed ``.ipynb`` with their
  outputs, no solutions in them), so that the links between the notebooks of a topic work;
- ``helpers/``, ``pyproject.toml``, ``environment.yml``, ``README.md`` and the
  ``Makefile``: what ``make lab`` / ``pip install -e .`` need.

Exercise notebooks with solutions never go in: the only exercise files packed are those
from ``student/``. The zip is reproducible: sorted entries with a fixed time stamp.
"""

import argparse
import sys
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from course_files import ROOT, all_notebooks, is_lecture  # noqa: E402

TOP = "mnist-from-scratch"
FILES = ["README.md", "pyproject.toml", "environment.yml", "Makefile"]
STAMP = (1980, 1, 1, 0, 0, 0)
SKIP_PARTS = {"__pycache__", ".ipynb_checkpoints"}


def handout_files(student: Path, root: Path = ROOT) -> dict[str, Path]:
    """Map each archive name (below ``TOP/``) to the file it comes from."""
    exercises = sorted(p for p in student.rglob("*.ipynb") if not SKIP_PARTS & set(p.parts))
    if not exercises:
        sys.exit(f"no student notebooks in {student}: run `make student` (tools/make_student.py)")
    files: dict[str, Path] = {}
    for name in FILES:
        if not (root / name).is_file():
            sys.exit(f"{root / name} is missing")
        files[name] = root / name
    for path in sorted((root / "helpers").rglob("*")):
        if path.is_file() and path.suffix != ".pyc" and not SKIP_PARTS & set(path.parts):
            files[path.relative_to(root).as_posix()] = path
    for nb in all_notebooks(root / "notebooks"):
        if is_lecture(nb):
            files[nb.relative_to(root).as_posix()] = nb
    for nb in exercises:
        files[f"notebooks/{nb.relative_to(student).as_posix()}"] = nb
    return files


def pack(student: Path, out: Path) -> dict[str, Path]:
    """Write the zip archive ``out``; return what went in."""
    files = handout_files(student)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, path in sorted(files.items()):
            info = zipfile.ZipInfo(f"{TOP}/{name}", date_time=STAMP)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, path.read_bytes())
    tmp.replace(out)
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--student", type=Path, default=ROOT / "student")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "student-handout.zip")
    args = parser.parse_args(argv)
    files = pack(args.student, args.out)
    n_nb = sum(name.endswith(".ipynb") for name in files)
    size = args.out.stat().st_size / 1e6
    print(f"{args.out}: {len(files)} files ({n_nb} notebooks), {size:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
