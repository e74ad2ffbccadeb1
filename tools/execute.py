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


def merge_streams(outputs: list) -> list:
    """Join consecutive stdout (or stderr) pieces into one output, as a quiet machine gives.

    On a loaded machine the kernel flushes one print in several messages; the text is the
    same (nbval joins them too), but the stored notebook would differ from run to run.
    """
    merged: list = []
    for out in outputs:
        prev = merged[-1] if merged else None
        if (
            out.get("output_type") == "stream"
            and prev is not None
            and prev.get("output_type") == "stream"
            and prev.get("name") == out.get("name")
        ):
            prev["text"] = prev["text"] + out["text"]
        else:
            merged.append(out)
    return merged


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
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = merge_streams(cell.outputs)
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
