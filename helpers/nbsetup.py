"""The one call at the top of every notebook.

    from helpers.nbsetup import setup
    rng = setup(seed=0)

It fixes how numbers print, how figures look and where they show, and returns a seeded
random generator, so that every notebook starts from the same state on every machine.
"""

import os

import matplotlib
import numpy as np

#: Printed floats: 4 decimals, no scientific notation for small numbers. Notebooks that
#: print a number that matters use an explicit format (f"{x:.4f}"), never repr().
PRINT_OPTIONS = dict(precision=4, suppress=True, linewidth=100)

#: One plotting style for the whole course.
STYLE = {
    "figure.figsize": (6.4, 4.0),
    "figure.dpi": 80,
    "savefig.dpi": 80,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "image.cmap": "gray_r",
    "font.size": 10,
}


def setup(seed: int = 0) -> np.random.Generator:
    """Prepare a notebook and return ``np.random.default_rng(seed)``.

    - NumPy prints floats at a fixed precision (PRINT_OPTIONS);
    - figures show inline, whatever MPLBACKEND the environment set (CI images often set
      ``Agg``, which would silently swallow every figure);
    - matplotlib uses the course style (STYLE).
    """
    np.set_printoptions(**PRINT_OPTIONS)
    os.environ.pop("MPLBACKEND", None)
    try:
        from IPython import get_ipython

        shell = get_ipython()
    except ImportError:  # pragma: no cover - IPython is a course dependency
        shell = None
    if shell is not None and hasattr(shell, "kernel"):
        shell.run_line_magic("matplotlib", "inline")
        shell.run_line_magic("config", "InlineBackend.figure_formats = ['png']")
    matplotlib.rcParams.update(STYLE)
    return np.random.default_rng(seed)
