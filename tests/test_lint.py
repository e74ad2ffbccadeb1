"""The code passes the course's linter (ruff, configured in pyproject.toml), as `make lint`."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_ruff_finds_nothing():
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed (make env installs it)")
    run = subprocess.run([ruff, "check", "--output-format", "concise", "helpers", "tests",
                          "tools"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, f"ruff check helpers tests tools:\n{run.stdout}{run.stderr}"
