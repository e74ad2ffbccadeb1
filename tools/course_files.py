"""Find the course's notebooks in course order (shared by the publishing tools).

Course order is folder order, then file order: ``notebooks/00-mnist/mnist.ipynb``,
``notebooks/01-softmax-regression/1-derivation.ipynb``, ``2-implementation.ipynb``, ...
Only executed ``.ipynb`` files count; their jupytext ``.md`` twins hold the same cells.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# How words of folder names are spelled in titles (``02-relu-network`` -> ``02 · ReLU network``).
SPELLING = {"mnist": "MNIST", "relu": "ReLU", "rmsprop": "RMSprop", "sgd": "SGD", "mlp": "MLP"}


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


def is_lecture(nb: Path) -> bool:
    """Lecture notebooks become slide decks: derivations, implementations and 00-mnist."""
    return "exercise" not in nb.stem
