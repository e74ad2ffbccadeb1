"""Checks on the committed notebooks that need no kernel (nbval re-executes them separately).

- every .ipynb has its MyST .md pair and the two hold the same cells (jupytext);
- every notebook was executed top to bottom in one run, with no errors stored;
- outputs hold nothing machine-specific: no stray text reprs of plot objects, no absolute
  paths, no widget state;
- the first code cell is the course's setup call;
- relative links between notebooks point at files that exist.

Plain Markdown pages directly in ``notebooks/`` (``notation.md``) are course pages, not
jupytext pairs: they are not notebooks here, only link targets (and their own links must
resolve too).
"""

import json
import re
import sys
from pathlib import Path

import jupytext
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
from course_files import TOPIC_NOTEBOOK, course_pages  # noqa: E402

NOTEBOOKS = sorted(
    p for p in (ROOT / "notebooks").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts
)
IDS = [str(p.relative_to(ROOT / "notebooks")) for p in NOTEBOOKS]
# Notebooks that must link to ../notation.md (others add it as they adopt the notation).
NOTATION_LINKED = {
    "00-mnist/mnist.ipynb",
    "01-softmax-regression/1-derivation.ipynb",
    "01-softmax-regression/1a-appendix-hessian.ipynb",
    "01-softmax-regression/2-implementation.ipynb",
}

STRAY_REPR = re.compile(
    r"^(<Figure size|<matplotlib\.|\[<matplotlib\.|Text\(|<Axes|<AxesSubplot|<BarContainer)"
)
ABSOLUTE_PATH = re.compile(r"(/work/|/home/|/root/|/Users/|[A-Z]:\\\\)")


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebooks found under notebooks/"


def test_layout_follows_the_course_card():
    """00-mnist, then NN-topic/ folders holding 1-derivation, 2-implementation, 3-exercises,
    and appendices to them named like ``1a-appendix-hessian`` (tools/course_files.py)."""
    for nb in NOTEBOOKS:
        folder = nb.parent.relative_to(ROOT / "notebooks")
        assert len(folder.parts) == 1 and re.fullmatch(r"\d\d-[a-z0-9-]+", folder.name), nb
        if folder.name != "00-mnist":
            assert TOPIC_NOTEBOOK.fullmatch(nb.stem), nb
            if nb.stem[1] != "-":  # an appendix extends a notebook of the same topic
                main = {1: "1-derivation", 2: "2-implementation", 3: "3-exercises"}[int(nb.stem[0])]
                assert (nb.parent / f"{main}.ipynb").is_file(), f"{nb}: {main} is missing"


def test_course_pages_are_plain_markdown():
    """notebooks/*.md (the notation page) are pages, not notebooks: no twin, no code cells."""
    pages = course_pages(ROOT / "notebooks")
    assert ROOT / "notebooks" / "notation.md" in pages
    for page in pages:
        assert not page.with_suffix(".ipynb").exists(), f"{page.name}: a page, not a pair"
        text = page.read_text(encoding="utf-8")
        assert "jupytext" not in text and "code-cell" not in text, f"{page.name}: code cells"
        for target in re.findall(r"\]\(([^)#\s]+\.(?:ipynb|md))(?:#[^)]*)?\)", text):
            assert "://" in target or (page.parent / target).exists(), (
                f"{page.name}: broken link to {target}"
            )


def test_notebooks_link_to_the_notation_page():
    """The notation page is linked from these notebooks (the others add it as they adopt it)."""
    for rel in sorted(NOTATION_LINKED):
        text = (ROOT / "notebooks" / rel).read_text(encoding="utf-8")
        assert "](../notation.md)" in text, f"{rel}: no link to ../notation.md"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_pair_in_sync(path):
    md = path.with_suffix(".md")
    assert md.exists(), f"{md.name} is missing: pair it with `make sync`"
    expected = jupytext.writes(jupytext.read(path), fmt="md:myst")
    assert md.read_text() == expected, (
        f"{path.name} and {md.name} hold different cells: run `make sync` (the newer one wins)"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_executed_in_order_without_errors(path):
    nb = json.loads(path.read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    counts = [c["execution_count"] for c in code]
    assert counts == list(range(1, len(code) + 1)), (
        f"{path.name}: execution counts {counts}; re-run it with `make execute`"
    )
    for c in code:
        for out in c["outputs"]:
            tags = c.get("metadata", {}).get("tags", [])
            assert out["output_type"] != "error" or "raises-exception" in tags, (
                f"{path.name}: a stored error in cell {''.join(c['source'])[:60]!r}"
            )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_first_code_cell_is_the_setup_call(path):
    nb = json.loads(path.read_text())
    first = next(c for c in nb["cells"] if c["cell_type"] == "code")
    assert "setup(" in "".join(first["source"]), f"{path.name}: first code cell must call setup()"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_outputs_are_machine_independent(path):
    nb = json.loads(path.read_text())
    assert "widgets" not in nb.get("metadata", {}), f"{path.name}: stored widget state"
    for c in nb["cells"]:
        for out in c.get("outputs", []):
            texts = []
            if "text" in out:
                texts.append("".join(out["text"]))
            data = out.get("data", {})
            if "text/plain" in data:
                plain = "".join(data["text/plain"])
                texts.append(plain)
                # A figure's own output is an image with "<Figure ...>" as its text
                # fallback; a repr with no image beside it is the stray one.
                has_image = "image/png" in data or "image/svg+xml" in data
                assert has_image or not STRAY_REPR.match(plain.strip()), (
                    f"{path.name}: stray repr {plain[:50]!r}; end plot cells with an "
                    "assignment or plt.show()"
                )
            assert "application/vnd.jupyter.widget-view+json" not in data, (
                f"{path.name}: a progress-bar widget is stored; execute with COURSE_PROGRESS=0"
            )
            for text in texts:
                assert not ABSOLUTE_PATH.search(text), (
                    f"{path.name}: an absolute path in an output: {text[:80]!r}"
                )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_links_between_notebooks_resolve(path):
    nb = json.loads(path.read_text())
    for c in nb["cells"]:
        if c["cell_type"] != "markdown":
            continue
        source = "".join(c["source"])
        for target in re.findall(r"\]\(([^)#\s]+\.(?:ipynb|md))(?:#[^)]*)?\)", source):
            if "://" in target:
                continue
            assert (path.parent / target).exists(), f"{path.name}: broken link to {target}"


def test_setup_shows_figures_inline_even_with_mplbackend_set(tmp_path):
    """CI images often export MPLBACKEND=Agg; setup() must still put figures in the output."""
    import os

    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("from helpers.nbsetup import setup\nrng = setup(seed=0)"),
        nbformat.v4.new_code_cell(
            "import matplotlib.pyplot as plt\nfig, ax = plt.subplots()\nax.plot([0, 1])"
        ),
    ]
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONPATH=str(ROOT))
    client = NotebookClient(nb, timeout=120, kernel_name="python3")
    client.km = client.create_kernel_manager()
    client.start_new_kernel(env=env, cwd=str(tmp_path))
    try:
        client.start_new_kernel_client()
        for i, cell in enumerate(nb.cells):
            client.execute_cell(cell, i)
    finally:
        client._cleanup_kernel()
    outputs = nb.cells[1].outputs
    assert any("image/png" in o.get("data", {}) for o in outputs), (
        f"no inline figure with MPLBACKEND=Agg; outputs: {outputs}"
    )
