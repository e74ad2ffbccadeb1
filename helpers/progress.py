"""Progress bars that show in JupyterLab and stay out of stored outputs.

A bar is drawn with tqdm (a widget in JupyterLab, text in a terminal) unless the environment
variable ``COURSE_PROGRESS`` is ``0``/``off``/``false``/``no``. The test suite
(tests/conftest.py) and ``make execute`` set it to ``0``, so executed notebooks never store a
bar's ever-changing text or widget state.
"""

import os
from collections.abc import Iterable
from typing import TypeVar

T = TypeVar("T")

_OFF = {"0", "off", "false", "no"}


def enabled() -> bool:
    """True when progress bars should be drawn."""
    return os.environ.get("COURSE_PROGRESS", "1").strip().lower() not in _OFF


def progress(iterable: Iterable[T], total: int | None = None, desc: str = "") -> Iterable[T]:
    """Wrap ``iterable`` in a tqdm bar when bars are enabled, else return it unchanged.

    The bar (when there is one) is the tqdm object itself, so a training loop may call
    ``bar.set_postfix(loss=...)``; check ``hasattr(bar, "set_postfix")`` first.
    """
    if not enabled():
        return iterable
    from tqdm.auto import tqdm

    return tqdm(iterable, total=total, desc=desc, leave=False)
