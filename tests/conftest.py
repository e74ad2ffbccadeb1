"""Test-suite hooks and fixtures for the tests/ folder (the shared settings are in the root
conftest.py).

At the end of a run that mutation-tested the exercise checks (tests/test_mutation.py), the
terminal summary shows the mutation score of every check.

The tests of the exercise self-checks (tests/test_checks_*.py) feed a check typical wrong
answers and assert that its message names the mistake: the fixtures ``assert_diagnosis``
and ``diagnosis`` do that, in one place.
"""

import sys

import pytest


def pytest_terminal_summary(terminalreporter):
    module = sys.modules.get("test_mutation") or sys.modules.get("tests.test_mutation")
    if module is None or not getattr(module, "RESULTS", None):
        return
    import mutation

    terminalreporter.section("mutation scores of the exercise self-checks")
    terminalreporter.write_line(mutation.table(list(module.RESULTS.values())))


# --------------------------------------------------------------------------------------
# Fixtures of the self-check tests
# --------------------------------------------------------------------------------------


def _diagnosis(check, answer) -> str:
    """The message of the CheckFailure that ``check(answer)`` must raise, lower-cased and
    with its whitespace (the wrapping of the lines) collapsed; the test fails if none."""
    from helpers.checks import CheckFailure

    with pytest.raises(CheckFailure) as info:
        check(answer)
    return " ".join(str(info.value).split()).lower()


def _assert_diagnosis(check, answer, *words) -> str:
    """``check(answer)`` fails with a message holding every one of ``words`` (in any case);
    returns the message as :func:`_diagnosis` gives it."""
    text = _diagnosis(check, answer)
    for word in words:
        assert word.lower() in text, f"{word!r} not in the diagnosis:\n{text}"
    return text


@pytest.fixture
def diagnosis():
    """``diagnosis(check, answer)``: the failure message of a check on a wrong answer."""
    return _diagnosis


@pytest.fixture
def assert_diagnosis():
    """``assert_diagnosis(check, answer, *words)``: the check fails on the answer, and its
    message names the mistake with all of ``words`` (returns the message)."""
    return _assert_diagnosis


# ---- notebook memory (tests/notebook_memory.py) -------------------------------------------
# Each nbval kernel's peak resident memory (VmHWM) is read before the kernel shuts down and
# merged into build/notebook_memory.json with its wall time; a notebook above 1 GiB warns (fails
# with COURSE_MEMORY_STRICT=1). Registered as a
# plugin, so that it sees the notebooks' items too (a conftest's hooks see only its folder).
@pytest.hookimpl(specname="pytest_configure")
def pytest_configure_notebook_memory(config):
    if not config.pluginmanager.has_plugin("course-notebook-memory"):
        import notebook_memory

        config.pluginmanager.register(notebook_memory.NotebookMemory(), "course-notebook-memory")
