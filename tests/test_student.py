"""tools/make_student.py: student copies of the exercise notebooks.

A copy must hold no solution (code blocks stubbed, solution notes dropped), no outputs,
everything else unchanged; unbalanced markers are refused before anything is written; and
the copy must run: every self-check raises NotImplementedError (nothing passes silently),
every other cell runs without error.
"""

import ast
import importlib.util
import sys
from pathlib import Path

import nbformat
import pytest
from hypothesis import given
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[1]

_spec = importlib.util.spec_from_file_location("make_student", ROOT / "tools" / "make_student.py")
make_student = importlib.util.module_from_spec(_spec)
sys.modules["make_student"] = make_student
_spec.loader.exec_module(make_student)

EXERCISES = make_student.exercise_notebooks()
IDS = [str(p.relative_to(ROOT / "notebooks")) for p in EXERCISES]

#: Lines that only a worked solution contains (one per kind of block), per notebook stem.
SOLUTION_LINES = {
    "01-softmax-regression/3-exercises.ipynb": [
        "shifted = z - z.max(axis=1, keepdims=True)",
        "return 0.6652",
        "W -= lr * dW",
        "**Solution notes.**",
    ],
    "02-relu-network/3-exercises.ipynb": [
        "return 784 * 512 + 512 + 512 * 10 + 10  # 407,050",
        "**Solution notes.**",
    ],
}


def _notebook(*cells) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    for kind, source in cells:
        if kind == "code":
            cell = nbformat.v4.new_code_cell(source)
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="old output\n")]
            cell.execution_count = 7
        else:
            cell = nbformat.v4.new_markdown_cell(source)
        nb.cells.append(cell)
    return nb


def _write(nb, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def _stubbed_functions(nb: nbformat.NotebookNode) -> set[str]:
    """Names of the functions in ``nb`` whose body raises NotImplementedError."""
    names = set()
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for node in ast.walk(ast.parse(cell.source)):
            if isinstance(node, ast.FunctionDef) and any(
                isinstance(s, ast.Raise) and "NotImplementedError" in ast.unparse(s)
                for s in node.body
            ):
                names.add(node.name)
    return names


def _student_names(solution: nbformat.NotebookNode, student: nbformat.NotebookNode) -> set[str]:
    """Names of the functions whose body the copy replaced by the stub."""
    return _stubbed_functions(student) - _stubbed_functions(solution)


def _loaded_names(source: str) -> set[str]:
    return {
        n.id
        for n in ast.walk(ast.parse(source))
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
    }


def _check_calls(source: str) -> list[ast.Call]:
    return [
        n
        for n in ast.walk(ast.parse(source))
        if isinstance(n, ast.Call)
        and isinstance(n.func, ast.Name)
        and n.func.id.startswith("check_")
    ]


# --------------------------------------------------------------------------------------
# The conversion, on small notebooks made here
# --------------------------------------------------------------------------------------


def test_blocks_become_a_stub_at_their_indentation_and_notes_are_dropped():
    nb = _notebook(
        ("markdown", "# Title\n\nDo this."),
        (
            "code",
            'def f(x):\n    """Doc."""\n    ### BEGIN SOLUTION\n    y = x + 1\n'
            "    return y\n    ### END SOLUTION\n\n\ncheck_f(f)",
        ),
        (
            "code",
            "class A:\n    def g(self):\n        ### BEGIN SOLUTION\n        return 1\n"
            "        ### END SOLUTION\n\n    def h(self):\n        ### BEGIN SOLUTION\n"
            "        return 2\n        ### END SOLUTION",
        ),
        ("markdown", "<!-- BEGIN SOLUTION -->\n**Solution notes.** secret\n<!-- END SOLUTION -->"),
        (
            "markdown",
            "Keep this.\n<!-- BEGIN SOLUTION -->\nsecret too\n<!-- END SOLUTION -->\nAnd this.",
        ),
        ("code", "print('no exercise here')"),
    )
    student, blocks = make_student.student_notebook(nb, "test.ipynb")
    assert blocks == 5
    sources = [c.source for c in student.cells]
    assert sources == [
        "# Title\n\nDo this.",
        'def f(x):\n    """Doc."""\n    raise NotImplementedError\n\n\ncheck_f(f)',
        "class A:\n    def g(self):\n        raise NotImplementedError\n\n    def h(self):\n"
        "        raise NotImplementedError",
        "Keep this.\nAnd this.",
        "print('no exercise here')",
    ]
    for cell in student.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
            ast.parse(cell.source)  # still valid Python
    # the input notebook is left as it was
    assert "y = x + 1" in nb.cells[1].source and nb.cells[1].outputs


_code_line = st.text(alphabet="abcxyz_=+ 0123()", min_size=1, max_size=20).filter(str.strip)


@given(
    blocks=st.lists(
        st.tuples(
            st.lists(_code_line, max_size=3),  # lines kept before the block
            st.integers(0, 3),  # indentation level of the block
            st.lists(_code_line, min_size=1, max_size=3),  # the solution lines
        ),
        max_size=4,
    )
)
def test_stripping_keeps_everything_outside_the_blocks(blocks):
    source, expected = [], []
    for kept, level, solution in blocks:
        indent = "    " * level
        source += kept + [indent + "### BEGIN SOLUTION"]
        source += [indent + line for line in solution] + [indent + "### END SOLUTION"]
        expected += kept + [indent + "raise NotImplementedError"]
    text = "".join(line + "\n" for line in source)
    new, n = make_student._strip_blocks(
        text, "### BEGIN SOLUTION", "### END SOLUTION", "t", "raise NotImplementedError"
    )
    assert n == len(blocks)
    assert new.splitlines() == expected


@pytest.mark.parametrize(
    ("cell", "words"),
    [
        (("code", "def f():\n    ### END SOLUTION\n"), "without a"),
        (("code", "def f():\n    ### BEGIN SOLUTION\n    return 1\n"), "never closed"),
        (
            (
                "code",
                "def f():\n    ### BEGIN SOLUTION\n    ### BEGIN SOLUTION\n    ### END SOLUTION\n",
            ),
            "inside the block opened on line 2",
        ),
        (("code", "def f():\n    return 1  ### BEGIN SOLUTION\n"), "alone on its line"),
        (("markdown", "<!-- BEGIN SOLUTION -->\nnotes\n"), "never closed"),
        (("markdown", "notes\n<!-- END SOLUTION -->"), "without a"),
    ],
)
def test_unbalanced_markers_are_refused(tmp_path, cell, words, capsys):
    good = _write(
        _notebook(
            ("code", "def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION\n")
        ),
        tmp_path / "a-exercises.ipynb",
    )
    bad = _write(_notebook(("markdown", "intro"), cell), tmp_path / "b-exercises.ipynb")
    with pytest.raises(make_student.MarkerError, match=words) as info:
        make_student.make_student([good, bad], tmp_path / "out")
    assert "b-exercises.ipynb, cell 2" in str(info.value)
    # refused before anything was written, also for the good notebook
    assert not (tmp_path / "out").exists()
    assert make_student.main(["--out", str(tmp_path / "out"), str(good), str(bad)]) == 1
    assert "unbalanced solution markers" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_a_notebook_without_solutions_is_refused(tmp_path):
    plain = _write(_notebook(("code", "x = 1")), tmp_path / "plain.ipynb")
    with pytest.raises(make_student.MarkerError, match="no solution blocks"):
        make_student.make_student([plain], tmp_path / "out")


def test_copies_are_overwritten(tmp_path):
    src = _write(
        _notebook(
            ("code", "def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION\n")
        ),
        tmp_path / "x-exercises.ipynb",
    )
    out = tmp_path / "out"
    (out / "x-exercises.ipynb").parent.mkdir(parents=True)
    (out / "x-exercises.ipynb").write_text("stale")
    assert make_student.main(["--out", str(out), str(src)]) == 0
    copy = nbformat.read(out / "x-exercises.ipynb", as_version=4)
    assert copy.cells[0].source == "def f():\n    raise NotImplementedError\n"
    assert sorted(p.name for p in out.iterdir()) == ["x-exercises.ipynb"]  # no temp files


# --------------------------------------------------------------------------------------
# The real exercise notebooks
# --------------------------------------------------------------------------------------


def test_there_are_exercise_notebooks():
    assert EXERCISES, "no *exercises*.ipynb under notebooks/"


def test_the_default_run_writes_every_exercise_notebook(tmp_path, capsys):
    before = {p: p.read_bytes() for p in EXERCISES}
    assert make_student.main(["--out", str(tmp_path)]) == 0
    for path in EXERCISES:
        assert (tmp_path / path.relative_to(ROOT / "notebooks")).is_file()
        assert path.read_bytes() == before[path], f"{path.name} was modified"
    assert "solution blocks removed" in capsys.readouterr().out


@pytest.mark.parametrize("path", EXERCISES, ids=IDS)
def test_no_solution_remains_and_outputs_are_cleared(path, tmp_path):
    [(_, target, blocks)] = make_student.make_student([path], tmp_path)
    solution = nbformat.read(path, as_version=4)
    student = nbformat.read(target, as_version=4)
    text = "\n".join(c.source for c in student.cells)
    for marker in ("BEGIN SOLUTION", "END SOLUTION"):
        assert marker not in text
    rel = str(path.relative_to(ROOT / "notebooks"))
    for line in SOLUTION_LINES.get(rel, []):
        assert line in "\n".join(c.source for c in solution.cells), f"stale SOLUTION_LINES: {line}"
        assert line not in text, f"solution line left in the student copy: {line!r}"
    stubs = sum(c.source.count(make_student.STUB) for c in student.cells if c.cell_type == "code")
    code_blocks = sum(c.source.count("### BEGIN SOLUTION") for c in solution.cells)
    assert stubs == code_blocks and code_blocks <= blocks
    for cell in student.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
            ast.parse(cell.source)
    assert "widgets" not in student.metadata
    assert student.metadata["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("path", EXERCISES, ids=IDS)
def test_every_exercise_has_a_self_check(path, tmp_path):
    """Each stubbed function is handed to a check_... call; at least 8 exercises."""
    [(_, target, _)] = make_student.make_student([path], tmp_path)
    solution = nbformat.read(path, as_version=4)
    student = nbformat.read(target, as_version=4)
    names = _student_names(solution, student)
    checked = {
        arg.id
        for cell in student.cells
        if cell.cell_type == "code"
        for call in _check_calls(cell.source)
        for arg in call.args
        if isinstance(arg, ast.Name)
    }
    assert names, "no stubbed exercise functions found"
    assert names <= checked, f"exercises without a self-check: {sorted(names - checked)}"
    assert len(names) >= 8


@pytest.mark.slow
@pytest.mark.parametrize("path", EXERCISES, ids=IDS)
def test_the_student_copy_runs_and_every_check_raises_not_implemented(path, tmp_path, monkeypatch):
    from nbclient import NotebookClient

    monkeypatch.setenv("COURSE_PROGRESS", "0")  # the kernel inherits this environment

    [(_, target, _)] = make_student.make_student([path], tmp_path)
    solution = nbformat.read(path, as_version=4)
    student = nbformat.read(target, as_version=4)
    names = _student_names(solution, student)
    # The data folder (COURSE_DATA_DIR) comes from tests/conftest.py via the environment.
    NotebookClient(
        student,
        timeout=300,
        kernel_name="python3",
        allow_errors=True,
        record_timing=False,
        resources={"metadata": {"path": str(target.parent)}},
    ).execute()

    n_checks = 0
    for index, cell in enumerate(student.cells, start=1):
        if cell.cell_type != "code":
            continue
        errors = [o for o in cell.outputs if o.output_type == "error"]
        printed = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
        where = f"cell {index}: {cell.source[:70]!r}"
        uses_student_code = bool(_loaded_names(cell.source) & names)
        is_check = any(
            isinstance(a, ast.Name) and a.id in names
            for call in _check_calls(cell.source)
            for a in call.args
        )
        n_checks += is_check
        if uses_student_code:
            assert errors, f"{where} ran without error on the stubs (passed silently?)"
            assert [e.ename for e in errors] == ["NotImplementedError"], (
                f"{where} raised {errors[0].ename}: {errors[0].evalue}"
            )
            assert "✔" not in printed, f"{where} printed a pass line on a stub"
        else:
            assert not errors, f"{where} raised {errors[0].ename}: {errors[0].evalue}"
    assert n_checks >= 8


# --------------------------------------------------------------------------------------
# make check (tools/check_student.py) finds the exercises of the real notebooks
# --------------------------------------------------------------------------------------

_spec_check = importlib.util.spec_from_file_location(
    "check_student", ROOT / "tools" / "check_student.py"
)
check_student = importlib.util.module_from_spec(_spec_check)
sys.modules["check_student"] = check_student
_spec_check.loader.exec_module(check_student)


@pytest.mark.parametrize("path", EXERCISES, ids=IDS)
def test_check_finds_every_exercise_and_every_self_check(path, tmp_path):
    """Every "Exercise" heading is an exercise with a self-check cell, and every cell that
    hands a stubbed function to a check belongs to one, so `make check` counts them all."""
    [(_, target, _)] = make_student.make_student([path], tmp_path)
    solution = nbformat.read(path, as_version=4)
    student = nbformat.read(target, as_version=4)
    names = _student_names(solution, student)
    found, _ = check_student.exercises(student)
    headings = [
        line
        for cell in student.cells
        if cell.cell_type == "markdown"
        for line in cell.source.splitlines()
        if line.lstrip("#").strip().lower().startswith("exercise ") and line.startswith("#")
    ]
    assert len(found) == len(headings)
    assert sum(bool(ex.check_cells) for ex in found) >= 8
    in_exercises = {i for ex in found for i in ex.check_cells}
    for index, cell in enumerate(student.cells):
        if cell.cell_type != "code":
            continue
        hands_a_stub = any(
            isinstance(a, ast.Name) and a.id in names
            for stmt in ast.parse(cell.source).body
            if isinstance(stmt, ast.Expr)
            for call in _check_calls(ast.unparse(stmt))
            for a in call.args
        )
        if hands_a_stub:
            assert index in in_exercises, f"cell {index + 1} checks a stub outside any exercise"
    # the solution notebook has the same exercises, with as many self-check cells each
    assert [(e.title, len(e.check_cells)) for e in check_student.exercises(solution)[0]] == [
        (e.title, len(e.check_cells)) for e in found
    ]
