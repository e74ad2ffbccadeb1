"""helpers.nbsetup.setup (the first cell of every notebook) and helpers.progress."""

import os

import matplotlib
import numpy as np
import pytest

from helpers import nbsetup, progress


@pytest.fixture
def restore_state():
    """Undo what setup changes globally: print options and matplotlib settings."""
    options = np.get_printoptions()
    with matplotlib.rc_context():
        yield
    np.set_printoptions(**options)


def test_setup_returns_a_seeded_generator(restore_state):
    rng = nbsetup.setup(seed=3)
    assert isinstance(rng, np.random.Generator)
    np.testing.assert_array_equal(rng.random(5), np.random.default_rng(3).random(5))
    a, b = nbsetup.setup(seed=0).integers(0, 1000, 10), nbsetup.setup(seed=1).integers(0, 1000, 10)
    assert not np.array_equal(a, b)
    np.testing.assert_array_equal(nbsetup.setup().random(3), np.random.default_rng(0).random(3))


def test_setup_print_options_and_style(restore_state, monkeypatch):
    np.set_printoptions(precision=8, suppress=False)
    matplotlib.rcParams["image.cmap"] = "viridis"
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nbsetup.setup()
    options = np.get_printoptions()
    assert options["precision"] == 4 and options["suppress"] is True
    assert repr(np.array([1 / 3, 1e-9])) == "array([0.3333, 0.    ])"
    assert matplotlib.rcParams["image.cmap"] == "gray_r"
    for key, value in nbsetup.STYLE.items():
        assert matplotlib.rcParams[key] == (list(value) if isinstance(value, tuple) else value)
    assert "MPLBACKEND" not in os.environ


def test_setup_switches_an_ipython_kernel_to_inline(restore_state, monkeypatch):
    import IPython

    calls = []

    class FakeShell:
        kernel = object()

        def run_line_magic(self, magic, line):
            calls.append((magic, line))

    monkeypatch.setattr(IPython, "get_ipython", lambda: FakeShell())
    nbsetup.setup()
    assert ("matplotlib", "inline") in calls
    assert any(magic == "config" and "png" in line for magic, line in calls)


def test_setup_outside_ipython_does_not_touch_magics(restore_state, monkeypatch):
    import IPython

    monkeypatch.setattr(IPython, "get_ipython", lambda: None)
    assert isinstance(nbsetup.setup(), np.random.Generator)


@pytest.mark.parametrize("value", ["0", "off", "false", "no", " OFF "])
def test_progress_off_is_plain_iteration(monkeypatch, capsys, value):
    monkeypatch.setenv("COURSE_PROGRESS", value)
    assert not progress.enabled()
    items = range(3)
    it = progress.progress(items, total=3, desc="training")
    assert it is items  # the iterable itself, nothing wrapped
    assert list(it) == [0, 1, 2]
    assert capsys.readouterr() == ("", "")


@pytest.mark.parametrize("value", [None, "1", "on", "yes"])
def test_progress_on_draws_a_tqdm_bar(monkeypatch, capsys, value):
    from tqdm.auto import tqdm

    if value is None:
        monkeypatch.delenv("COURSE_PROGRESS", raising=False)
    else:
        monkeypatch.setenv("COURSE_PROGRESS", value)
    assert progress.enabled()
    created = []
    monkeypatch.setattr(tqdm, "__init__", _recording(tqdm.__init__, created))
    out = list(progress.progress(iter("abc"), total=3, desc="epochs"))
    assert out == ["a", "b", "c"]
    assert len(created) == 1 and isinstance(created[0], tqdm)
    assert created[0].total == 3 and created[0].desc.startswith("epochs")
    err = capsys.readouterr().err
    assert "epochs:" in err and "0/3" in err  # a bar was drawn (stderr, outside notebooks)


def _recording(init, created):
    def wrapped(self, *args, **kwargs):
        created.append(self)
        init(self, *args, **kwargs)

    return wrapped
