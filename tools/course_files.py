"""Find the course's notebooks in course order (shared by the publishing tools).

Course order is folder order, then file order: ``notebooks/00-mnist/mnist.ipynb``,
``notebooks/01-softmax-regression/1-derivation.ipynb``, ``2-implementation.ipynb``, ...
Only executed ``.ipynb`` files count; their jupytext ``.md`` twins hold the same cells.

A topic folder holds ``1-derivation``, ``2-implementation`` and ``3-exercises``, and may hold
appendices to them: ``<digit><letter>-appendix-<name>`` (``1a-appendix-hessian``), which sort
right after the notebook they extend. An appendix is reading material: it is on the website,
in the hand-out and tested like every notebook, but it is not lectured, so it gets no slide
deck (``has_deck``).
Plain Markdown pages directly in ``notebooks/`` (``notation.md``) are course pages, not
notebooks: the website shows them before the topics (``course_pages``).
"""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# How words of folder names are spelled in titles (``02-relu-network`` -> ``02 · ReLU network``).
SPELLING = {"mnist": "MNIST", "relu": "ReLU", "rmsprop": "RMSprop", "sgd": "SGD", "mlp": "MLP"}
#: The notebooks a topic folder (other than 00-mnist) may hold.
APPENDIX = re.compile(r"[1-3][a-z]-appendix-[a-z0-9-]+")
TOPIC_NOTEBOOK = re.compile(rf"1-derivation|2-implementation|3-exercises|{APPENDIX.pattern}")


def topic_dirs(notebooks: Path) -> list[Path]:
    """The topic folders under ``notebooks`` that hold at least one notebook, sorted."""
    return [d for d in sorted(notebooks.iterdir()) if d.is_dir() and notebooks_in(d)]


def notebooks_in(topic: Path) -> list[Path]:
    """The ``.ipynb`` files directly in one topic folder, sorted by name."""
    return sorted(p for p in topic.glob("*.ipynb") if p.is_file())


def all_notebooks(notebooks: Path) -> list[Path]:
    """Every notebook of the course, in course order."""
    return [nb for topic in topic_dirs(notebooks) for nb in notebooks_in(topic)]


def topic_title(topic: Path) -> str:
    """``01-softmax-regression`` -> ``01 · Softmax regression``, spelled as in SPELLING."""
    number, _, rest = topic.name.partition("-")
    words = [SPELLING.get(w, w) for w in rest.split("-") if w]
    if words and words[0].islower():
        words[0] = words[0].capitalize()
    return f"{number} · {' '.join(words)}" if words else number


def course_pages(notebooks: Path) -> list[Path]:
    """The plain Markdown pages directly in ``notebooks`` (``notation.md``), sorted."""
    return sorted(p for p in notebooks.glob("*.md") if p.is_file())


def is_appendix(nb: Path) -> bool:
    """``1a-appendix-hessian.ipynb`` and the like: an appendix to a topic's notebook."""
    return APPENDIX.fullmatch(nb.stem) is not None


def is_lecture(nb: Path) -> bool:
    """Lecture notebooks, everything but the exercise sheets: 00-mnist, derivations,
    implementations and their appendices (executed, handed out with their outputs)."""
    return "exercise" not in nb.stem


def has_deck(nb: Path) -> bool:
    """The lecture notebooks that become slide decks: all but the appendices (for reading)."""
    return is_lecture(nb) and not is_appendix(nb)
