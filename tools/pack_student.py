"""Pack the student hand-out into one archive (the second step of ``make student``).

    python tools/pack_student.py [--student student] [--out build/student-handout.zip]

The archive unpacks into one folder, ``mnist-from-scratch/``, that a student opens with
``make lab`` and checks with ``make check`` (or conda/Binder with ``environment.yml``):

- ``notebooks/``: the student copies of the exercise notebooks from ``student/`` (written
  by ``tools/make_student.py``: solutions removed, outputs cleared), together with the
  lecture notebooks (00-mnist, derivations, implementations: executed ``.ipynb`` with their
  outputs, no solutions in them), so that the links between the notebooks of a topic work,
  and the course pages directly in ``notebooks/`` (``notation.md``);
- ``README.md`` and ``Makefile``: the hand-out's own, written for students, from
  ``tools/handout/`` (the README's ``{{NOTEBOOKS}}`` becomes the list of the notebooks in
  course order); the course's README and Makefile, with their instructor sections and
  targets that need ``tests/``, stay out;
- ``helpers/``, ``pyproject.toml``, ``environment.yml``: what ``pip install -e .`` needs;
- ``tools/check_student.py`` and ``tools/doctor.py``: ``make check`` and ``make doctor``.

Exercise notebooks with solutions never go in: the only exercise files packed are those
from ``student/``. The zip is reproducible: sorted entries with a fixed time stamp, which
``unzip`` restores (so ``make`` sees the environment it built as newer than
``pyproject.toml``).
"""

import argparse
import sys
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from course_files import ROOT, all_notebooks, is_lecture, topic_title  # noqa: E402

TOP = "mnist-from-scratch"
HANDOUT = "tools/handout"  # the hand-out's own README.md and Makefile
#: archive name -> source file, relative to the repository
FILES = {
    "README.md": f"{HANDOUT}/README.md",
    "Makefile": f"{HANDOUT}/Makefile",
    "pyproject.toml": "pyproject.toml",
    "environment.yml": "environment.yml",
    "tools/check_student.py": "tools/check_student.py",
    "tools/doctor.py": "tools/doctor.py",
}
STAMP = (1980, 1, 1, 0, 0, 0)
SKIP_PARTS = {"__pycache__", ".ipynb_checkpoints"}


def notebook_list(files: dict[str, Path | bytes]) -> str:
    """The Markdown table of the hand-out's notebooks in course order, for its README."""
    import nbformat
    from check_student import exercises

    topics: dict[str, list[str]] = {}
    for name in sorted(files):
        parts = name.split("/")
        if name.endswith(".ipynb") and len(parts) == 3 and parts[0] == "notebooks":
            topics.setdefault(parts[1], []).append(name)
    rows = ["| topic | notebooks |", "|---|---|"]
    for topic, names in topics.items():
        cells = []
        for name in names:
            stem = Path(name).stem
            link = f"[{stem}]({name})"
            if not is_lecture(Path(name)):
                n = len(exercises(nbformat.read(files[name], as_version=4))[0])
                link += f" ({n} exercises)"
            cells.append(link)
        rows.append(f"| {topic_title(Path(topic))} | {', '.join(cells)} |")
    return "\n".join(rows)


def handout_files(student: Path, root: Path = ROOT) -> dict[str, Path | bytes]:
    """Map each archive name (below ``TOP/``) to the file it comes from (or its bytes)."""
    exercises = sorted(p for p in student.rglob("*.ipynb") if not SKIP_PARTS & set(p.parts))
    if not exercises:
        sys.exit(f"no student notebooks in {student}: run `make student` (tools/make_student.py)")
    files: dict[str, Path | bytes] = {}
    for name, source in FILES.items():
        if not (root / source).is_file():
            sys.exit(f"{root / source} is missing")
        files[name] = root / source
    for path in sorted((root / "helpers").rglob("*")):
        if path.is_file() and path.suffix != ".pyc" and not SKIP_PARTS & set(path.parts):
            files[path.relative_to(root).as_posix()] = path
    for page in sorted((root / "notebooks").glob("*.md")):  # course pages (notation.md)
        files[page.relative_to(root).as_posix()] = page
    for nb in all_notebooks(root / "notebooks"):
        if is_lecture(nb):
            files[nb.relative_to(root).as_posix()] = nb
    for nb in exercises:
        files[f"notebooks/{nb.relative_to(student).as_posix()}"] = nb
    readme = files["README.md"].read_text(encoding="utf-8")
    files["README.md"] = readme.replace("{{NOTEBOOKS}}", notebook_list(files)).encode("utf-8")
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
            zf.writestr(info, path if isinstance(path, bytes) else path.read_bytes())
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
