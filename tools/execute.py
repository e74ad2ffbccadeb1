"""Re-execute notebooks in place with the settings CI uses.

    python tools/execute.py notebooks/00-mnist/mnist.ipynb ...

Progress bars are off, MPLBACKEND is cleared, cells run top to bottom in a fresh kernel of
this environment, and no per-cell timing metadata is written, so that re-running an
unchanged notebook leaves it byte-for-byte unchanged apart from real output differences.
"""

import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

os.environ["COURSE_PROGRESS"] = "0"
os.environ.pop("MPLBACKEND", None)


def execute(path: Path) -> float:
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    client = NotebookClient(
        nb,
        timeout=600,
        kernel_name="python3",
        record_timing=False,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    elapsed = time.perf_counter() - start
    nb.metadata.pop("widgets", None)
    nbformat.write(nb, path)
    return elapsed


def main(paths: list[str]) -> int:
    for p in paths:
        elapsed = execute(Path(p))
        print(f"{elapsed:6.1f} s  {p}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
