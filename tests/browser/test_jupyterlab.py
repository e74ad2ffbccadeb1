"""JupyterLab end to end, as a student meets it: start ``jupyter lab`` from the course's own
``.venv`` on a temporary copy of the course, open a notebook in Chromium, run all cells from
the Run menu, and read the result back from the page.

The notebook is a small one written here (set-up cell, the copy's ``helpers``, the real MNIST
training set), so the test checks the student's path, not one lesson's content, and takes
seconds.
"""

import os
import re
import secrets
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
JUPYTER = ROOT / ".venv" / "bin" / "jupyter"
EXPECTED = "60000 training images, labels 0 to 9"

CELLS = [
    "from helpers.nbsetup import setup\n\nrng = setup(seed=0)",
    # the kernel must import the copy's helpers, not the checkout's
    "from pathlib import Path\n\nimport helpers\n\n"
    "assert Path(helpers.__file__).resolve().parent == Path('..', 'helpers').resolve()",
    "from helpers.data import load_mnist\n\nimages, labels = load_mnist('train')\n"
    "print(f'{len(images)} training images, labels {labels.min()} to {labels.max()}')",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def data_dir() -> str:
    env = os.environ.get("COURSE_DATA_DIR")
    shared = ROOT.parent / "shared" / "data"
    if env:
        return env
    if (shared / "mnist").is_dir():
        return str(shared)
    pytest.fail("set COURSE_DATA_DIR to the folder with MNIST (or run `make data`)")


@pytest.fixture
def lab(tmp_path):
    """A JupyterLab server on a temporary copy of the course; yields (base URL, token)."""
    if not JUPYTER.is_file():
        pytest.fail(f"{JUPYTER} not found: run `make env` first")
    course = tmp_path / "course"
    shutil.copytree(
        ROOT / "helpers", course / "helpers", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy2(ROOT / "pyproject.toml", course / "pyproject.toml")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in CELLS])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                 "language": "python"}
    (course / "notebooks").mkdir()
    nbformat.write(nb, course / "notebooks" / "smoke.ipynb")

    home = tmp_path / "home"
    env = {
        **os.environ,
        "COURSE_DATA_DIR": data_dir(),
        # the copy's helpers come first; the checkout's editable install comes after
        "PYTHONPATH": str(course),
        # a clean Jupyter: no user settings, workspaces or runtime files of the machine
        "HOME": str(home),
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
        "IPYTHONDIR": str(home / "ipython"),
        "MPLCONFIGDIR": str(home / "mpl"),
    }
    env.pop("MPLBACKEND", None)
    # no "get notified about official Jupyter news?" question (and no news fetched)
    news = home / "settings" / "@jupyterlab" / "apputils-extension"
    news = news / "notification.jupyterlab-settings"
    news.parent.mkdir(parents=True)
    news.write_text('{"fetchNews": "false"}')
    token, port = secrets.token_hex(16), free_port()
    log = open(tmp_path / "jupyter-lab.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [
            str(JUPYTER), "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
            "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={course}",
            # nothing from outside: no news feed, no update check
            "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            *(["--allow-root"] if os.geteuid() == 0 else []),  # CI runs as root
        ],
        cwd=course, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("jupyter lab did not start:\n"
                                + (tmp_path / "jupyter-lab.log").read_text()[-3000:])
                time.sleep(0.5)
        yield base, token
    finally:
        request = urllib.request.Request(
            f"{base}/api/shutdown", method="POST", headers={"Authorization": f"token {token}"}
        )
        try:
            urllib.request.urlopen(request, timeout=10).close()
            proc.wait(timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            proc.terminate()
            proc.wait(timeout=30)
        log.close()


@pytest.mark.network
@pytest.mark.slow
def test_run_all_cells_in_jupyterlab(lab, page, request_log, artifacts):
    base, token = lab
    log = request_log(page, base)
    page.goto(f"{base}/lab/tree/notebooks/smoke.ipynb?token={token}")
    page.locator(".jp-Notebook").first.wait_for(timeout=60_000)
    # the status bar says "Idle" once the kernel has started and is connected
    kernel_idle = page.locator(".jp-StatusBar-TextItem", has_text="Python 3 (ipykernel) | Idle")
    kernel_idle.wait_for(timeout=60_000)

    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile("^Run$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile("^Run All Cells$")).click()

    try:
        page.locator(".jp-OutputArea-output", has_text=EXPECTED).wait_for(timeout=120_000)
        kernel_idle.wait_for(timeout=60_000)
    finally:  # the screenshot shows what happened, also when the result never came
        page.screenshot(path=artifacts / "jupyterlab-run-all.png")

    prompts = page.locator(".jp-InputArea-prompt").all_inner_texts()
    assert prompts == ["[1]:", "[2]:", "[3]:"], f"not every cell ran once: {prompts}"
    errors = page.locator(".jp-OutputArea-output[data-mime-type*='stderr']").all_inner_texts()
    assert not errors, f"the notebook wrote errors: {errors}"
    outside = [p for p in log.problems if p.startswith("left 127.0.0.1")]
    assert not outside, "; ".join(outside)
