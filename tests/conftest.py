"""Test-suite hooks for the tests/ folder (the shared settings are in the root conftest.py).

At the end of a run that mutation-tested the exercise checks (tests/test_mutation.py), the
terminal summary shows the mutation score of every check.
"""

import sys


def pytest_terminal_summary(terminalreporter):
    module = sys.modules.get("test_mutation") or sys.modules.get("tests.test_mutation")
    if module is None or not getattr(module, "RESULTS", None):
        return
    import mutation

    terminalreporter.section("mutation scores of the exercise self-checks")
    terminalreporter.write_line(mutation.table(list(module.RESULTS.values())))
