"""Write student copies of the exercise notebooks: solutions removed, outputs cleared.

    python tools/make_student.py [--out student] [notebooks ...]

Without notebook arguments it takes every ``*exercises*.ipynb`` under ``notebooks/``. Each
copy goes to ``<out>/<path relative to notebooks/>`` (e.g.
``student/01-softmax-regression/3-exercises.ipynb``); a notebook outside ``notebooks/``
goes to ``<out>/<file name>``. Existing copies are overwritten; nothing else in ``<out>``
is touched.

What changes in a copy:

- code cells: every block from a ``### BEGIN SOLUTION`` line to its ``### END SOLUTION``
  line (nbgrader's markers) becomes ``raise NotImplementedError`` at the indentation of the
  BEGIN line. Solutions therefore sit inside a function body, so the copy still runs and
  the self-check after each exercise raises NotImplementedError until the student has
  written the function;
- markdown cells: everything from ``<!-- BEGIN SOLUTION -->`` to ``<!-- END SOLUTION -->``
  (worked solution notes) is dropped, markers included; a cell left empty is dropped;
- all outputs and execution counts are cleared.

Unbalanced markers (an END without a BEGIN, a BEGIN without an END, a BEGIN inside an open
block, a marker that is not alone on its line) stop the run with an error naming the
notebook, the cell and the line, before anything is written.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"

CODE_BEGIN, CODE_END = "### BEGIN SOLUTION", "### END SOLUTION"
MD_BEGIN, MD_END = "<!-- BEGIN SOLUTION -->", "<!-- END SOLUTION -->"
STUB = "raise NotImplementedError"


class MarkerError(ValueError):
    """Solution markers that do not pair up."""


def _strip_blocks(
    source: str, begin: str, end: str, where: str, stub: str | None
) -> tuple[str, int]:
    """Remove every ``begin``..``end`` block of ``source``; return (new source, block count).

    With ``stub`` each block is replaced by one line ``stub`` at the BEGIN line's
    indentation; without, it is dropped. A marker must stand alone on its line.
    """
    out: list[str] = []
    open_at: int | None = None
    blocks = 0
    for number, line in enumerate(source.splitlines(keepends=True), start=1):
        text = line.strip()
        has_begin, has_end = begin in line, end in line
        if (has_begin or has_end) and text not in (begin, end):
            marker = begin if has_begin else end
            raise MarkerError(f"{where}, line {number}: {marker!r} must stand alone on its line")
        if text == begin:
            if open_at is not None:
                raise MarkerError(
                    f"{where}, line {number}: {begin!r} inside the block opened on line "
                    f"{open_at} (missing {end!r}?)"
                )
            open_at = number
            if stub is not None:
                indent = line[: len(line) - len(line.lstrip())]
                out.append(f"{indent}{stub}\n")
        elif text == end:
            if open_at is None:
                raise MarkerError(f"{where}, line {number}: {end!r} without a {begin!r}")
            open_at = None
            blocks += 1
        elif open_at is None:
            out.append(line)
    if open_at is not None:
        raise MarkerError(f"{where}, line {open_at}: {begin!r} is never closed by {end!r}")
    new = "".join(out)
    if source and not source.endswith("\n") and new.endswith("\n"):
        new = new[:-1]
    return new, blocks


def student_notebook(nb: nbformat.NotebookNode, name: str) -> tuple[nbformat.NotebookNode, int]:
    """The student version of ``nb`` and the number of solution blocks removed from it."""
    student = nbformat.v4.new_notebook(
        metadata=dict(nb.metadata), nbformat=4, nbformat_minor=nb.get("nbformat_minor", 5)
    )
    student.metadata.pop("widgets", None)
    total = 0
    for index, cell in enumerate(nb.cells, start=1):
        cell = nbformat.from_dict(cell.copy())
        where = f"{name}, cell {index} ({cell.cell_type})"
        if cell.cell_type == "code":
            cell.source, n = _strip_blocks(cell.source, CODE_BEGIN, CODE_END, where, STUB)
            cell.outputs = []
            cell.execution_count = None
            for key in ("execution", "collapsed", "scrolled"):
                cell.metadata.pop(key, None)
        elif cell.cell_type == "markdown":
            cell.source, n = _strip_blocks(cell.source, MD_BEGIN, MD_END, where, None)
            if n and not cell.source.strip():
                total += n
                continue  # a cell of solution notes only: dropped
        else:
            n = 0
        total += n
        student.cells.append(cell)
    return student, total


def destination(path: Path, out: Path) -> Path:
    """Where the student copy of ``path`` goes."""
    try:
        rel = path.resolve().relative_to(NOTEBOOKS)
    except ValueError:
        rel = Path(path.name)
    return out / rel


def exercise_notebooks(root: Path = NOTEBOOKS) -> list[Path]:
    """Every ``*exercises*.ipynb`` under ``root``, sorted (checkpoints skipped)."""
    return sorted(
        p
        for p in root.rglob("*.ipynb")
        if "exercises" in p.name and ".ipynb_checkpoints" not in p.parts
    )


def _write_atomically(nb: nbformat.NotebookNode, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            nbformat.write(nb, f)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def make_student(paths: list[Path], out: Path) -> list[tuple[Path, Path, int]]:
    """Write student copies of ``paths`` under ``out``; return (source, copy, blocks) triples.

    Every notebook is converted before the first one is written, so a marker error leaves
    no partial output.
    """
    converted = []
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        student, blocks = student_notebook(nb, str(path))
        if blocks == 0:
            raise MarkerError(f"{path}: no solution blocks found; is this an exercise notebook?")
        nbformat.validate(student)
        converted.append((path, destination(path, out), student, blocks))
    for _, target, student, _ in converted:
        _write_atomically(student, target)
    return [(path, target, blocks) for path, target, _, blocks in converted]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "notebooks",
        nargs="*",
        type=Path,
        help="exercise notebooks (default: every *exercises*.ipynb in notebooks/)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=ROOT / "student",
        help="output folder (default: student/ in the repository)",
    )
    args = parser.parse_args(argv)
    paths = args.notebooks or exercise_notebooks()
    if not paths:
        print("no exercise notebooks found under notebooks/", file=sys.stderr)
        return 1
    missing = [p for p in paths if not p.is_file()]
    if missing:
        print(f"not found: {', '.join(map(str, missing))}", file=sys.stderr)
        return 1
    try:
        written = make_student(paths, args.out)
    except MarkerError as err:
        print(f"error: unbalanced solution markers: {err}", file=sys.stderr)
        return 1
    for _, target, blocks in written:
        shown = target.relative_to(ROOT) if target.is_relative_to(ROOT) else target
        print(f"{shown}: {blocks} solution blocks removed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
