"""Checks on the committed notebooks that need no kernel (nbval re-executes them separately).

- every .ipynb has its MyST .md pair and the two hold the same cells (jupytext);
- every notebook was executed top to bottom in one run, with no errors stored;
- outputs hold nothing machine-specific: no stray text reprs of plot objects, no absolute
  paths, no widget state;
- the first code cell is the course's setup call;
- relative links between notebooks point at files that exist.
"""

import json
import re
from pathlib import Path

import jupytext
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(
    p for p in (ROOT / "notebooks").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts
)
IDS = [str(p.relative_to(ROOT / "notebooks")) for p in NOTEBOOKS]

STRAY_REPR = re.compile(
    r"^(<Figure size|<matplotlib\.|\[<matplotlib\.|Text\(|<Axes|<AxesSubplot|<BarContainer)"
)
ABSOLUTE_PATH = re.compile(r"(/work/|/home/|/root/|/Users/|[A-Z]:\\\\)")


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebooks found under notebooks/"


def test_layout_follows_the_course_card():
    """00-mnist, then NN-topic/ folders holding 1-derivation, 2-implementation, 3-exercises."""
    for nb in NOTEBOOKS:
        folder = nb.parent.relative_to(ROOT / "notebooks")
        assert len(folder.parts) == 1 and re.fullmatch(r"\d\d-[a-z0-9-]+", folder.name), nb
        if folder.name != "00-mnist":
            assert nb.stem in {"1-derivation", "2-implementation", "3-exercises"}, nb


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
