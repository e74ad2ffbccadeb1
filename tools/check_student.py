"""Check the exercise notebooks: run each one headless, on a copy, and say where you stand.

    python tools/check_student.py [FOLDER_OR_NOTEBOOK ...] [--strict] [--timeout SECONDS]

(``make check``: in the course on the student copies in ``student/``, in the hand-out on
``notebooks/``.) Every ``*exercises*.ipynb`` found is run top to bottom in a fresh kernel,
one notebook at a time, as a copy in a temporary folder: the notebooks themselves are never
changed, whatever state they were saved in. Then one table per notebook, one line per
exercise, and a total::

    01-softmax-regression/3-exercises.ipynb  (ran in 21 s)
      Exercise 1 · A softmax by hand                passed
      Exercise 4 · A softmax that does not overflow failed: check 5 of 7 (...): the result ...
      Exercise 5 · Cross-entropy straight from ...  not attempted yet
      ...
      7 of 11 exercises pass

What counts as an exercise: a markdown heading ``Exercise <n> ...`` (any level) and the
cells below it, up to the next heading of the same or a higher level. Its *self-check
cells* are the code cells there that call a self-check at their top level: a function
imported from ``helpers.checks`` (or any name starting with ``check_``). A ``try:`` around a
call, as in a demonstration of a failing check, does not count. A notebook without
``Exercise`` headings gets one exercise per self-check cell, named after its checks.

An exercise has

- *passed* when all its self-check cells ran without an error;
- *not attempted yet* when the first error is the stub's ``NotImplementedError``;
- *failed* otherwise, shown with the first line of the diagnosis of the self-check
  (``helpers.checks.CheckFailure``) or the error the cell raised.

Any other cell that raises an error (other than ``NotImplementedError``, which only means
that it uses a function not written yet) is reported below the table with its cell number,
its exercise or section and its first line; the cells after it still run. A cell running
longer than ``--timeout`` seconds is interrupted and reported the same way.

The exit status is 0 whatever the exercises say (1 when no notebook could be checked), and
with ``--strict`` 1 unless every exercise passes.
"""

from __future__ import annotations

import argparse
import ast
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]

HEADING = re.compile(r"^(#{1,6})\s+(.*\S)\s*$")
EXERCISE = re.compile(r"^exercise\s+\w+", re.IGNORECASE)

PASSED, NOT_ATTEMPTED, FAILED, NOT_RUN = "passed", "not attempted yet", "failed", "not run"


# --------------------------------------------------------------------------------------
# Reading a notebook: its exercises and their self-check cells
# --------------------------------------------------------------------------------------


@dataclass
class Exercise:
    title: str
    check_cells: list[int] = field(default_factory=list)  # 0-based cell indices


def _check_names(nb: nbformat.NotebookNode) -> set[str]:
    """Names imported from ``helpers.checks`` anywhere in the notebook."""
    names = set()
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                "helpers.checks"
            ):
                names.update(a.asname or a.name for a in node.names)
    return names


def _called_checks(source: str, names: set[str]) -> list[str]:
    """The self-checks a cell calls at its top level (``check_x(f)``, ``checks.check_x(f)``).

    A cell that does not parse (a student's syntax error) is a self-check cell when a line
    of it starts with such a call, so that the error is reported against the exercise.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return re.findall(r"^(check_\w+)\s*\(", source, flags=re.MULTILINE)
    called = []
    for stmt in tree.body:
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
            func = stmt.value.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in names or name.startswith("check_"):
                called.append(name)
    return called


def exercises(nb: nbformat.NotebookNode) -> tuple[list[Exercise], list[str]]:
    """The exercises of ``nb`` in order, and for each cell the title of its exercise or section."""
    names = _check_names(nb)
    found: list[Exercise] = []
    current: Exercise | None = None
    level = 0
    section = ""
    where: list[str] = []
    loose: list[tuple[int, list[str]]] = []  # self-check cells under no Exercise heading
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                m = HEADING.match(line)
                if not m:
                    continue
                depth, title = len(m.group(1)), m.group(2).strip()
                if EXERCISE.match(title):
                    current, level = Exercise(title), depth
                    found.append(current)
                elif current is not None and depth <= level:
                    current = None
                section = title
        where.append(current.title if current else section)
        if cell.cell_type == "code":
            called = _called_checks(cell.source, names)
            if called and current is not None:
                current.check_cells.append(index)
            elif called:
                loose.append((index, called))
    if not found:  # no Exercise headings: each self-check cell is an exercise
        found = [Exercise(", ".join(called), [index]) for index, called in loose]
        for ex in found:
            where[ex.check_cells[0]] = ex.title
    return found, where


# --------------------------------------------------------------------------------------
# Running a copy
# --------------------------------------------------------------------------------------


def bars_enabled() -> bool:
    """Progress bars only in a terminal, never under CI or with COURSE_PROGRESS=0."""
    off = os.environ.get("COURSE_PROGRESS", "1").strip().lower() in {"0", "off", "false", "no"}
    return sys.stderr.isatty() and not os.environ.get("CI") and not off


def run_copy(
    path: Path, timeout: int, label: str = "", show_bar: bool = False
) -> tuple[nbformat.NotebookNode, str | None]:
    """Execute a copy of ``path`` (in a copy of its folder); return it and why it stopped.

    The second value is None when every cell ran (with or without errors), else a sentence
    saying why the run stopped early (the kernel died, or could not start).
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import DeadKernelError

    nb = nbformat.read(path, as_version=4)
    n_code = sum(c.cell_type == "code" and bool(c.source.strip()) for c in nb.cells)
    bar = None
    if show_bar:
        from tqdm import tqdm

        bar = tqdm(total=n_code, desc=label, unit="cell", leave=False, file=sys.stderr)
    stopped = None
    with tempfile.TemporaryDirectory(prefix="course-check-") as tmp:
        folder = Path(tmp) / path.parent.name
        shutil.copytree(
            path.parent, folder, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "*.md")
        )
        client = NotebookClient(
            nb,
            timeout=timeout,
            interrupt_on_timeout=True,
            kernel_name="python3",
            allow_errors=True,
            record_timing=False,
            resources={"metadata": {"path": str(folder)}},
        )
        if bar is not None:
            client.on_cell_executed = lambda **_: bar.update(1)  # called for code cells only
        try:
            # the kernel's own warnings (e.g. about its TCP transport) are not the student's
            client.execute(stderr=subprocess.DEVNULL)
        except DeadKernelError as err:
            stopped = f"the kernel died ({err}); the cells after it did not run"
        except Exception as err:  # the kernel could not start, or another failure of the run
            stopped = f"the run stopped: {type(err).__name__}: {err}"
        finally:
            if bar is not None:
                bar.close()
    return nb, stopped


# --------------------------------------------------------------------------------------
# Reading the results
# --------------------------------------------------------------------------------------


def _first_error(cell) -> dict | None:
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            return out
    return None


def _ran(cell) -> bool:
    return cell.get("execution_count") is not None or bool(cell.get("outputs"))


def _logical_lines(lines: list[str]) -> list[str]:
    """A CheckFailure's body lines, with their wrapped continuations (deeper indent) joined."""
    out: list[str] = []
    for line in lines:
        if not line.strip():
            continue
        if out and line.startswith("    "):
            out[-1] += " " + line.strip()
        else:
            out.append(line.strip())
    return out


def diagnosis(error: dict) -> str:
    """One line for an error output: a CheckFailure's first line of diagnosis, else the error.

    A CheckFailure reads ``name failed check 5 of 7 (case):`` then indented lines; the
    first of them (with its wrapped continuation lines) is the diagnosis. When it is short
    (``the loss is wrong.``) and a ``Likely mistake:`` line follows, that line's first
    sentence is added.
    """
    ename, evalue = error.get("ename", "Error"), str(error.get("evalue", ""))
    lines = evalue.splitlines() or [""]
    if ename != "CheckFailure":
        return f"{ename}: {lines[0].strip()}".rstrip(": ")
    head, body = lines[0].strip(), _logical_lines(lines[1:])
    m = re.match(r"^\S+ failed (check .*?):?$", head)
    head = m.group(1) if m else head.rstrip(":")
    if not body:
        return head
    text = body[0]
    if len(text) < 80 and len(body) > 1 and body[1].startswith("Likely mistake:"):
        first = re.split(r"(?<=[.!?;])\s", body[1], maxsplit=1)[0]
        text += " " + (first if len(first) <= 200 else first[:199] + "…")
    return f"{head}: {text}"


@dataclass
class Result:
    title: str
    status: str
    detail: str = ""


def results(nb: nbformat.NotebookNode) -> tuple[list[Result], list[str]]:
    """Per exercise its status; and the lines reporting cells that crashed elsewhere."""
    found, where = exercises(nb)
    check_cells = {i for ex in found for i in ex.check_cells}
    crashes: list[str] = []
    first_crash: int | None = None
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or index in check_cells:
            continue
        error = _first_error(cell)
        if error is None or error.get("ename") == "NotImplementedError":
            continue
        what = f"raised {diagnosis(error)}"
        if error.get("ename") == "KeyboardInterrupt":
            what = "was stopped: it ran longer than the time limit"
        elif error.get("ename") == "NameError" and first_crash is not None:
            what += f" (after the error in cell {first_crash + 1})"
        first_crash = index if first_crash is None else first_crash
        first_line = next((ln for ln in cell.source.splitlines() if ln.strip()), "")
        context = f" ({where[index]})" if where[index] else ""
        crashes.append(f"cell {index + 1}{context} {what}\n      {first_line.strip()}")
    out = []
    for ex in found:
        if not ex.check_cells:
            out.append(Result(ex.title, "no self-check"))
            continue
        result = Result(ex.title, PASSED)
        for index in ex.check_cells:
            cell = nb.cells[index]
            error = _first_error(cell)
            if not _ran(cell):
                result = Result(ex.title, NOT_RUN, "the notebook stopped before this cell")
            elif error is None:
                continue
            elif error.get("ename") == "NotImplementedError":
                result = Result(ex.title, NOT_ATTEMPTED)
            elif error.get("ename") == "KeyboardInterrupt":
                result = Result(ex.title, FAILED, "it ran longer than the time limit")
            else:
                result = Result(ex.title, FAILED, diagnosis(error))
            break
        out.append(result)
    return out, crashes


def table(rows: list[Result], width: int = 60) -> list[str]:
    """The lines of one notebook's table."""
    w = min(width, max((len(r.title) for r in rows), default=0))
    lines = []
    for r in rows:
        title = r.title if len(r.title) <= w else r.title[: w - 1] + "…"
        status = f"{r.status}: {r.detail}" if r.detail else r.status
        lines.append(f"  {title:<{w}}  {status}")
    return lines


def find_notebooks(paths: list[Path]) -> list[tuple[Path, str]]:
    """Every exercise notebook in ``paths`` (folders or files), with the name to show."""
    found = []
    for p in paths:
        if p.is_dir():
            for nb in sorted(p.rglob("*.ipynb")):
                if "exercises" in nb.name and ".ipynb_checkpoints" not in nb.parts:
                    found.append((nb, nb.relative_to(p).as_posix()))
        elif p.is_file():
            found.append((p, p.name if p.parent == Path(".") else p.as_posix()))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path, default=[Path("notebooks")],
                        help="folders of exercise notebooks, or notebooks (default: notebooks)")
    parser.add_argument("--timeout", type=int, default=600,
                        help="seconds a cell may run before it is interrupted (default 600)")
    parser.add_argument("--strict", action="store_true",
                        help="exit with status 1 unless every exercise passes")
    args = parser.parse_args(argv)

    notebooks = find_notebooks(args.paths)
    if not notebooks:
        shown = ", ".join(map(str, args.paths))
        print(f"no exercise notebooks (*exercises*.ipynb) found in {shown}", file=sys.stderr)
        return 1
    show_bars = bars_enabled()
    # The kernels: no progress bars in the notebooks, figures inline, and the helpers that
    # sit beside the notebooks (the hand-out's own copy) ahead of any installed ones.
    os.environ["COURSE_PROGRESS"] = "0"
    os.environ.pop("MPLBACKEND", None)
    if (ROOT / "helpers").is_dir():
        os.environ["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p
        )
    folders = ", ".join(str(p) for p in args.paths)
    print(f"Checking {len(notebooks)} exercise notebook{'s' * (len(notebooks) != 1)} in "
          f"{folders}, one at a time, on copies (your notebooks are not changed).", flush=True)

    n_pass = n_all = 0
    for path, label in notebooks:
        start = time.perf_counter()
        nb, stopped = run_copy(path, args.timeout, label, show_bar=show_bars)
        rows, crashes = results(nb)
        counted = [r for r in rows if r.status != "no self-check"]
        passed = sum(r.status == PASSED for r in counted)
        n_pass, n_all = n_pass + passed, n_all + len(counted)
        print(f"\n{label}  (ran in {time.perf_counter() - start:.0f} s)")
        for line in table(rows):
            print(line)
        for line in crashes:
            print(f"  ! {line}")
        if stopped:
            print(f"  ! {stopped}")
        print(f"  {passed} of {len(counted)} exercises pass", flush=True)
    if len(notebooks) > 1:
        print(f"\nIn all: {n_pass} of {n_all} exercises pass.")
    if n_pass < n_all:
        print("Open a notebook in JupyterLab (make lab) and run a self-check cell to see its "
              "whole message.")
    return 1 if args.strict and n_pass < n_all else 0


if __name__ == "__main__":
    sys.exit(main())
