"""The student hand-out works as its own README says, and `make check` says where one stands.

The end-to-end test builds the hand-out from this tree (what `make student` does, into a
temporary folder), unpacks it as the README says, and runs the README's commands there:
`make check` on the stubbed notebooks reports every exercise "not attempted yet"; with the
solution notebooks copied in, every exercise passes; `make lab` ends with the address to
open. It reuses the environment running the tests (VENV=...; STAMP=... marks it ready), so
no environment is built, and the data come from COURSE_DATA_DIR.

The other tests exercise tools/check_student.py on small notebooks made here.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import check_student  # noqa: E402
import pack_student  # noqa: E402

from helpers.checks import CheckFailure  # noqa: E402

# --------------------------------------------------------------------------------------
# check_student on small notebooks
# --------------------------------------------------------------------------------------

HEADER = (
    "from helpers.checks import Check, CheckFailure\n"
    "from helpers.checks.softmax_regression import check_softmax\n"
)


def _nb(*cells) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    for kind, source in cells:
        make = nbformat.v4.new_code_cell if kind == "code" else nbformat.v4.new_markdown_cell
        nb.cells.append(make(source))
    return nb


def _error(ename: str, evalue: str) -> dict:
    return nbformat.v4.new_output("error", ename=ename, evalue=evalue, traceback=[])


def test_exercises_are_headings_with_their_top_level_check_calls():
    nb = _nb(
        ("code", HEADER),
        ("markdown", "## Part A\n\nIntro."),
        ("code", "try:\n    check_softmax(naive)\nexcept CheckFailure as f:\n    print(f)"),
        ("markdown", "### Exercise 1 · First\n\nDo it."),
        ("code", "def f():\n    raise NotImplementedError\n\n\ncheck_softmax(f)"),
        ("markdown", "### Exercise 2 · Second"),
        ("code", "x = 1"),
        ("code", "check_a(f)\ncheck_b(g)"),
        ("markdown", "## Part B"),
        ("code", "check_c(h)"),  # under a Part heading: no exercise
        ("markdown", "#### Exercise 3 · Question only"),
    )
    found, where = check_student.exercises(nb)
    assert [(e.title, e.check_cells) for e in found] == [
        ("Exercise 1 · First", [4]),
        ("Exercise 2 · Second", [7]),
        ("Exercise 3 · Question only", []),
    ]
    assert where[2] == "Part A" and where[6] == "Exercise 2 · Second" and where[9] == "Part B"


def test_without_headings_each_check_cell_is_an_exercise():
    nb = _nb(("code", "import numpy"), ("code", "check_relu(relu)"),
             ("code", "checks.check_gelu(gelu)\ncheck_tanh(t)"))
    found, _ = check_student.exercises(nb)
    assert [(e.title, e.check_cells) for e in found] == [
        ("check_relu", [1]), ("check_gelu, check_tanh", [2])]


def test_a_cell_with_a_syntax_error_still_counts_as_its_exercise_check():
    nb = _nb(("markdown", "# Exercise 1"), ("code", "def f(:\n    pass\n\ncheck_f(f)"))
    assert check_student.exercises(nb)[0][0].check_cells == [1]


def test_the_diagnosis_is_the_first_line_of_the_check_failure():
    try:
        from helpers.checks import Check

        check = Check("softmax", total=7)
        with check.case("logits of -1000, float64"):
            raise CheckFailure(
                "the result contains NaN or inf, which happens when every exponent "
                "underflows to zero and the sum is zero, so that the division is 0/0.\n"
                "  Likely mistake: no max-subtraction."
            )
    except CheckFailure as failure:
        message = str(failure)
    line = check_student.diagnosis({"ename": "CheckFailure", "evalue": message})
    assert line.startswith("check 1 of 7 (logits of -1000, float64): the result contains NaN")
    assert line.endswith("so that the division is 0/0.")  # wrapped lines joined, no hint
    assert "\n" not in line
    other = check_student.diagnosis({"ename": "NameError", "evalue": "name 'x' is not defined"})
    assert other == "NameError: name 'x' is not defined"


def test_results_classify_each_exercise_and_report_crashes_elsewhere():
    nb = _nb(
        ("markdown", "### Exercise 1 · Passes"), ("code", "check_a(a)"),
        ("markdown", "### Exercise 2 · Stub"), ("code", "check_b(b)"),
        ("markdown", "### Exercise 3 · Wrong"), ("code", "check_c(c)"),
        ("code", "experiment(c)"),
        ("code", "use(result)"),
        ("code", "waits_for(b)"),
        ("markdown", "### Exercise 4 · Never ran"), ("code", "check_d(d)"),
    )
    c = nb.cells
    c[1].outputs = [nbformat.v4.new_output("stream", text="✔ a: all 3 checks passed\n")]
    c[3].outputs = [_error("NotImplementedError", "")]
    c[5].outputs = [_error("CheckFailure", "c failed check 2 of 3 (a case):\n  it is wrong.")]
    c[6].outputs = [_error("ValueError", "bad shape\nmore")]
    c[7].outputs = [_error("NameError", "name 'result' is not defined")]
    c[8].outputs = [_error("NotImplementedError", "")]
    for i in (1, 3, 5, 6, 7, 8):
        c[i].execution_count = i
    rows, crashes = check_student.results(nb)
    assert [(r.status, r.detail) for r in rows] == [
        ("passed", ""),
        ("not attempted yet", ""),
        ("failed", "check 2 of 3 (a case): it is wrong."),
        ("not run", "the notebook stopped before this cell"),
    ]
    assert len(crashes) == 2  # the NotImplementedError of cell 9 is no crash
    assert crashes[0].startswith("cell 7 (Exercise 3 · Wrong) raised ValueError: bad shape\n")
    assert "experiment(c)" in crashes[0]
    assert "(after the error in cell 7)" in crashes[1]


@pytest.mark.slow
def test_check_runs_a_copy_and_reports_every_kind_of_outcome(tmp_path):
    """A real kernel: pass, stub, wrong answer, syntax error, a crash elsewhere."""
    check_fn = (
        "def check_double(f):\n"
        "    check = Check('double', total=1)\n"
        "    with check.case('x = 2'):\n"
        "        check.close(check.call(f, 2.0), 4.0)\n"
        "    check.passed()\n"
    )
    nb = _nb(
        ("code", "from helpers.checks import Check\n" + check_fn),
        ("markdown", "### Exercise 1 · Right"),
        ("code", "def f(x):\n    return 2 * x\n\n\ncheck_double(f)"),
        ("markdown", "### Exercise 2 · Not yet"),
        ("code", "def g(x):\n    raise NotImplementedError\n\n\ncheck_double(g)"),
        ("markdown", "### Exercise 3 · Wrong"),
        ("code", "def h(x):\n    return 3 * x\n\n\ncheck_double(h)"),
        ("code", "1 / 0"),
        ("markdown", "### Exercise 4 · Typo"),
        ("code", "def k(x)\n    return 2 * x\n\n\ncheck_double(k)"),
    )
    path = tmp_path / "topic" / "3-exercises.ipynb"
    path.parent.mkdir()
    nbformat.write(nb, path)
    before = path.read_bytes()
    out = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "check_student.py"), str(tmp_path)],
        capture_output=True, text=True, timeout=300, env={**os.environ, "CI": "true"},
    )
    assert out.returncode == 0, out.stderr
    assert path.read_bytes() == before  # a copy ran, the notebook is unchanged
    text = out.stdout
    assert re.search(r"Exercise 1 · Right\s+passed\n", text), text
    assert re.search(r"Exercise 2 · Not yet\s+not attempted yet\n", text), text
    assert re.search(r"Exercise 3 · Wrong\s+failed: check 1 of 1 \(x = 2\): the result \w",
                     text), text
    assert re.search(r"Exercise 4 · Typo\s+failed: SyntaxError", text), text
    assert "cell 8 (Exercise 3 · Wrong) raised ZeroDivisionError: division by zero" in text
    assert "1 of 4 exercises pass" in text
    strict = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "check_student.py"), "--strict", str(path)],
        capture_output=True, text=True, timeout=300, env={**os.environ, "CI": "true"},
    )
    assert strict.returncode == 1


def test_no_notebooks_is_a_clear_error(tmp_path, capsys):
    assert check_student.main([str(tmp_path)]) == 1
    assert "no exercise notebooks" in capsys.readouterr().err


# --------------------------------------------------------------------------------------
# The hand-out, end to end
# --------------------------------------------------------------------------------------


def _unzip(archive: Path, dest: Path) -> None:
    """Unpack as the README says (``unzip``), or the same with zipfile, times restored."""
    if shutil.which("unzip"):
        subprocess.run(["unzip", "-q", str(archive), "-d", str(dest)], check=True)
        return
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(dest)
        for info in zf.infolist():
            stamp = time.mktime((*info.date_time, 0, 0, -1))
            os.utime(dest / info.filename, (stamp, stamp))


def _readme_commands(readme: str) -> list[str]:
    """The shell commands of the README's "Start" section (comments dropped)."""
    start = readme.index("## Start")
    block = re.search(r"```bash\n(.*?)```", readme[start:], flags=re.DOTALL).group(1)
    return [line.split("#")[0].strip() for line in block.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def handout(tmp_path_factory):
    if not os.environ.get("COURSE_DATA_DIR"):
        pytest.skip("COURSE_DATA_DIR is not set (the hand-out test does not download)")
    tmp = tmp_path_factory.mktemp("handout")
    py = sys.executable
    subprocess.run([py, str(ROOT / "tools" / "make_student.py"), "--out", str(tmp / "student")],
                   check=True, capture_output=True)
    archive = tmp / "student-handout.zip"
    subprocess.run([py, str(ROOT / "tools" / "pack_student.py"), "--student",
                    str(tmp / "student"), "--out", str(archive)], check=True, capture_output=True)
    _unzip(archive, tmp / "unpacked")
    folder = tmp / "unpacked" / pack_student.TOP
    ready = tmp / "environment-ready"
    ready.touch()
    # this test run's environment, marked as built, so that make installs nothing
    make_vars = [f"VENV={sys.prefix}", f"STAMP={ready}"]
    return folder, make_vars


def _make(folder: Path, command: str, make_vars: list[str], timeout: float = 600):
    args = command.split()
    assert args[0] == "make", command
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    return subprocess.run([*args, *make_vars], cwd=folder, capture_output=True, text=True,
                          timeout=timeout, env={**env, "CI": "true"})


def test_the_handout_has_its_own_readme_and_makefile(handout):
    folder, make_vars = handout
    readme = (folder / "README.md").read_text()
    assert "{{NOTEBOOKS}}" not in readme and "3-exercises.ipynb" in readme
    for instructor_only in ("make test", "make student", "make html", "Teaching with"):
        assert instructor_only not in readme
    assert not (folder / "tests").exists()
    # every `make X` the README names is a target of the hand-out's Makefile
    targets = set(re.findall(r"^  make (\S+)", _make(folder, "make help", make_vars).stdout,
                             flags=re.MULTILINE))
    named = set(re.findall(r"`make (\w[\w-]*)`", readme)) | {
        c.split()[1] for c in _readme_commands(readme) if c.startswith("make ")}
    assert {"lab", "check", "doctor"} <= named
    assert named <= targets, f"README names targets the Makefile lacks: {named - targets}"
    commands = _readme_commands(readme)
    assert commands[:2] == ["make lab", "make check"], commands


def _table(stdout: str) -> list[tuple[str, str]]:
    """(exercise, status) of every table line of `make check`."""
    rows = re.findall(r"^  (\S.*?)  +(passed|not attempted yet|failed.*|not run.*)$", stdout,
                      flags=re.MULTILINE)
    return rows


@pytest.mark.slow
def test_make_check_in_the_handout_stubbed_then_solved(handout):
    folder, make_vars = handout
    readme = (folder / "README.md").read_text()
    assert "make check" in _readme_commands(readme)
    exercise_nbs = sorted(folder.glob("notebooks/*/*exercises*.ipynb"))
    before = {p: p.read_bytes() for p in exercise_nbs}

    stub = _make(folder, "make check", make_vars)
    assert stub.returncode == 0, stub.stdout + stub.stderr
    rows = _table(stub.stdout)
    assert len(rows) >= 8 * len(exercise_nbs), stub.stdout
    assert {status for _, status in rows} == {"not attempted yet"}, stub.stdout
    assert "  ! " not in stub.stdout, stub.stdout  # no cell crashed
    assert {p: p.read_bytes() for p in exercise_nbs} == before  # copies ran, nothing changed

    for nb in exercise_nbs:  # the instructor's solutions in place of the student copies
        shutil.copy(ROOT / "notebooks" / nb.parent.name / nb.name, nb)
    solved = _make(folder, "make check", make_vars)
    assert solved.returncode == 0, solved.stdout + solved.stderr
    solved_rows = _table(solved.stdout)
    assert [name for name, _ in solved_rows] == [name for name, _ in rows]
    assert {status for _, status in solved_rows} == {"passed"}, solved.stdout
    n = len(rows)
    if len(exercise_nbs) > 1:
        assert f"In all: {n} of {n} exercises pass." in solved.stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_make_lab_in_the_handout_ends_with_the_address(handout):
    folder, make_vars = handout
    port = _free_port()
    lab_flags = f"LAB_FLAGS=--no-browser --port={port} --ServerApp.port_retries=0"
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    proc = subprocess.Popen(["make", "lab", *make_vars, lab_flags], cwd=folder, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
                            start_new_session=True)
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line.rstrip())
            if f"http://127.0.0.1:{port}/lab" in line:
                break
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
    text = "\n".join(lines)
    assert f"http://127.0.0.1:{port}/lab?token=" in text, text
    steps = [line for line in lines if line.startswith("==> ")]
    assert steps[0].startswith("==> data:") and steps[-1].startswith("==> JupyterLab:"), text
    assert "mnist" in text and "ok" in text
