"""The notebook-memory plugin (tests/notebook_memory.py): reading VmHWM, finding nbval's
kernel pid, merging the JSON across processes, failing a notebook above the limit, and never
failing the suite when nothing can be measured."""

import json
import multiprocessing
import os
import sys
import types
from pathlib import Path

import notebook_memory as nm
import pytest

linux = pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc")


@linux
def test_peak_rss_of_this_process():
    peak = nm.peak_rss(os.getpid())
    assert peak is not None and 10 * 2**20 < peak < 64 * 2**30


def test_peak_rss_of_no_process_is_none():
    assert nm.peak_rss(2**22 + 12345) is None  # above any pid_max default


def fake_kernel(pid, style="provisioner"):
    if style == "provisioner":  # jupyter_client >= 7, what nbval 0.11 has
        km = types.SimpleNamespace(provisioner=types.SimpleNamespace(pid=pid))
    else:  # older jupyter_client: km.kernel is the Popen
        km = types.SimpleNamespace(provisioner=None, kernel=types.SimpleNamespace(pid=pid))
    return types.SimpleNamespace(km=km)


def test_kernel_pid_of_nbval_kernels():
    assert nm.kernel_pid(fake_kernel(123)) == 123
    assert nm.kernel_pid(fake_kernel(456, "old")) == 456
    assert nm.kernel_pid(types.SimpleNamespace()) is None  # stopped: nbval deletes km
    assert nm.kernel_pid(fake_kernel(None)) is None


def test_the_real_nbval_kernel_has_a_findable_pid():
    """nbval's RunningKernel keeps its KernelManager as km, whose provisioner knows the pid
    (checked on the classes, without starting a kernel)."""
    from jupyter_client.provisioning import LocalProvisioner
    from nbval.kernel import RunningKernel

    assert "self.km" in Path(sys.modules[RunningKernel.__module__].__file__).read_text()
    assert "pid" in dir(LocalProvisioner) or hasattr(LocalProvisioner, "pid")


def _merge_one(args):
    path, i = args
    nm.merge(Path(path), {f"nb{i}.ipynb": {"peak_rss_bytes": i}})


def test_merge_from_many_processes_keeps_every_entry(tmp_path):
    path = tmp_path / "build" / "notebook_memory.json"
    nm.merge(path, {"old.ipynb": {"peak_rss_bytes": 1}})
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        pool.map(_merge_one, [(str(path), i) for i in range(16)])
    data = json.loads(path.read_text())
    assert set(data["notebooks"]) == {"old.ipynb"} | {f"nb{i}.ipynb" for i in range(16)}
    assert data["limit_bytes"] == nm.LIMIT_BYTES
    assert not list(path.parent.glob("*.tmp"))


def test_merge_starts_afresh_on_a_corrupt_file(tmp_path):
    path = tmp_path / "notebook_memory.json"
    path.write_text("{not json")
    assert set(nm.merge(path, {"a.ipynb": {}})["notebooks"]) == {"a.ipynb"}


class FakeNotebook:
    """What the plugin uses of nbval's IPyNbFile: nb, kernel, path."""

    def __init__(self, pid, path):
        self.nb, self.kernel, self.path = {}, fake_kernel(pid), Path(path)


def run_teardown(plugin, item, nextitem):
    """Drive the plugin's teardown wrapper as pluggy does, around a teardown that passes."""
    gen = plugin.pytest_runtest_teardown(item, nextitem)
    next(gen)
    try:
        gen.send(None)
    except StopIteration:
        pass


@linux
def test_a_notebook_over_the_limit_warns_by_default(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_NOTEBOOK_MEMORY", str(tmp_path / "mem.json"))
    monkeypatch.delenv("COURSE_MEMORY_STRICT", raising=False)
    monkeypatch.setattr(nm, "LIMIT_BYTES", 1024)  # this process is above 1 KiB
    nb = FakeNotebook(os.getpid(), nm.ROOT / "notebooks" / "xx" / "big.ipynb")
    with pytest.warns(pytest.PytestWarning, match="big.ipynb: the notebook's kernel peaked"):
        run_teardown(nm.NotebookMemory(), types.SimpleNamespace(parent=nb), None)
    record = json.loads((tmp_path / "mem.json").read_text())["notebooks"]
    assert record["notebooks/xx/big.ipynb"]["peak_rss_bytes"] > 1024


@linux
def test_a_notebook_over_the_limit_fails_and_is_recorded(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_NOTEBOOK_MEMORY", str(tmp_path / "mem.json"))
    monkeypatch.setenv("COURSE_MEMORY_STRICT", "1")
    monkeypatch.setattr(nm, "LIMIT_BYTES", 1024)  # this process is above 1 KiB
    nb = FakeNotebook(os.getpid(), nm.ROOT / "notebooks" / "xx" / "big.ipynb")
    cell1, cell2 = types.SimpleNamespace(parent=nb), types.SimpleNamespace(parent=nb)
    plugin = nm.NotebookMemory()
    run_teardown(plugin, cell1, cell2)  # not the last cell: nothing measured
    assert not (tmp_path / "mem.json").exists()
    with pytest.raises(pytest.fail.Exception, match="big.ipynb: the notebook's kernel peaked"):
        run_teardown(plugin, cell2, None)
    record = json.loads((tmp_path / "mem.json").read_text())["notebooks"]
    assert record["notebooks/xx/big.ipynb"]["peak_rss_bytes"] > 1024


def test_no_pid_warns_and_passes(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_NOTEBOOK_MEMORY", str(tmp_path / "mem.json"))
    nb = FakeNotebook(None, tmp_path / "a.ipynb")
    with pytest.warns(pytest.PytestWarning, match="not measured"):
        run_teardown(nm.NotebookMemory(), types.SimpleNamespace(parent=nb), None)
    assert not (tmp_path / "mem.json").exists()


def test_items_that_are_not_notebooks_are_left_alone(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_NOTEBOOK_MEMORY", str(tmp_path / "mem.json"))
    run_teardown(nm.NotebookMemory(), types.SimpleNamespace(parent=object()), None)
    assert not (tmp_path / "mem.json").exists()


def test_time_budgets():
    assert nm.time_limit("notebooks/05-optimisers/2-implementation.ipynb") == 60
    assert nm.time_limit("notebooks/06-capstone/2a-appendix-analysis.ipynb") == 120


@linux
def test_the_wall_time_runs_from_the_first_setup_to_the_last_teardown(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_NOTEBOOK_MEMORY", str(tmp_path / "mem.json"))
    clock = iter([100.0, 999.0, 142.5])  # first setup, second setup (ignored), last teardown
    monkeypatch.setattr(nm.time, "perf_counter", lambda: next(clock))
    nb = FakeNotebook(os.getpid(), nm.ROOT / "notebooks" / "xx" / "slow.ipynb")
    cell1, cell2 = types.SimpleNamespace(parent=nb), types.SimpleNamespace(parent=nb)
    plugin = nm.NotebookMemory()
    plugin.pytest_runtest_setup(cell1)
    plugin.pytest_runtest_setup(cell2)
    run_teardown(plugin, cell1, cell2)
    run_teardown(plugin, cell2, None)
    record = json.loads((tmp_path / "mem.json").read_text())["notebooks"]
    assert record["notebooks/xx/slow.ipynb"]["seconds"] == 42.5

    lines = []
    plugin.pytest_terminal_summary(types.SimpleNamespace(write_line=lines.append))
    assert any("slowest: xx/slow 42 s" in line and "none over budget" in line for line in lines)
    nm.merge(tmp_path / "mem.json", {"notebooks/xx/slow.ipynb": {
        **record["notebooks/xx/slow.ipynb"], "seconds": 75.0}})
    lines.clear()
    plugin.pytest_terminal_summary(types.SimpleNamespace(write_line=lines.append))
    assert any("over budget: xx/slow (75 s > 60 s)" in line for line in lines), lines
