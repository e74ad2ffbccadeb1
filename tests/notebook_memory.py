"""The peak resident memory of every notebook's kernel, measured while nbval runs it.

A pytest plugin (registered by tests/conftest.py). After a notebook's last cell, before nbval
shuts its kernel down, it reads the kernel process's ``VmHWM`` (the peak resident set size,
its "high water mark", which only grows) from ``/proc/<pid>/status``: the notebook's peak.
The kernel's pid comes from nbval's ``IPyNbFile.kernel``, a
``RunningKernel`` whose jupyter_client ``KernelManager`` (``km``) started the process through
its provisioner.

The figures are merged into ``build/notebook_memory.json`` (``COURSE_NOTEBOOK_MEMORY`` names
another file) under a file lock, so pytest-xdist's workers may finish in any order; each
entry keeps when it was measured, and a notebook not run this time keeps its last figure.
``tools/bench.py`` reports them.

Each entry also keeps the notebook's wall time in the run (``seconds``: from the setup of
its first cell, which starts the kernel, to the end of its last), against the course's
budget of :data:`TIME_LIMIT` seconds per notebook (:data:`CAPSTONE_TIME_LIMIT` for the
capstone's); the summary line names the slowest notebooks and any over budget. Times are
reported, never enforced: they depend on the machine and on what runs beside.

A notebook whose peak exceeds :data:`LIMIT_BYTES` (1 GiB) gets a warning naming the figure,
and the run's summary line lists the largest peaks. With ``COURSE_MEMORY_STRICT=1`` it fails
instead (an error at the teardown of its last cell). Warning, not failing, is the default:
the largest notebooks (02/2 and 05/2, which hold the tutorials' float64 full-batch arrays)
peak within 5% of the limit, and a kernel's own memory moves by that much between Python
and library versions. When the pid or ``/proc`` cannot be read (another OS, another nbval),
nothing is measured and one warning says so: this never fails the suite.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PATH = ROOT / "build" / "notebook_memory.json"
LIMIT_BYTES = 1 << 30  # 1 GiB per notebook (course budget)
TIME_LIMIT = 60.0  # seconds per notebook in the test run (course budget) ...
CAPSTONE_TIME_LIMIT = 120.0  # ... and for the capstone's (notebooks/06-capstone)


def time_limit(name: str) -> float:
    """The time budget of the notebook ``name`` (a path relative to the course's root)."""
    return CAPSTONE_TIME_LIMIT if "06-capstone" in Path(name).parts else TIME_LIMIT


def json_path() -> Path:
    return Path(os.environ.get("COURSE_NOTEBOOK_MEMORY") or DEFAULT_PATH)


def peak_rss(pid: int) -> int | None:
    """VmHWM of process ``pid`` in bytes, or None when it cannot be read."""
    try:
        with open(f"/proc/{int(pid)}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    value, unit = line.split()[1:3]
                    return int(value) * {"kB": 1024}.get(unit, 1)
    except (OSError, ValueError, IndexError):
        return None
    return None


def kernel_pid(kernel) -> int | None:
    """The pid of the process behind nbval's ``RunningKernel`` (None when not found)."""
    km = getattr(kernel, "km", None)
    if km is None:
        return None
    provisioner = getattr(km, "provisioner", None)  # jupyter_client >= 7
    pid = getattr(provisioner, "pid", None)
    if pid is None:
        process = getattr(provisioner, "process", None) or getattr(km, "kernel", None)
        pid = getattr(process, "pid", None)  # older jupyter_client: km.kernel is the Popen
    return int(pid) if isinstance(pid, int) else None


def merge(path: Path, entries: dict) -> dict:
    """Merge ``entries`` (notebook -> record) into the JSON file at ``path``, under a lock.

    Returns the merged mapping. Written to a temporary file and renamed, so a reader never
    sees half a file; a corrupt or missing file starts afresh.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    lock_path = path.with_name(path.name + ".lock")
    with open(lock_path, "a") as lock:
        try:
            import fcntl

            fcntl.flock(lock, fcntl.LOCK_EX)
        except (ImportError, OSError):  # no fcntl (Windows): best effort
            pass
        try:
            data = json.loads(path.read_text())
            notebooks = data.get("notebooks", {}) if isinstance(data, dict) else {}
        except (OSError, ValueError):
            notebooks = {}
        notebooks.update(entries)
        data = {"limit_bytes": LIMIT_BYTES, "notebooks": dict(sorted(notebooks.items()))}
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data, indent=1) + "\n")
        os.replace(tmp, path)
    return data


def over_limit_message(name: str, peak: int, limit: int = LIMIT_BYTES) -> str:
    return (f"{name}: the notebook's kernel peaked at {peak / 2**20:,.0f} MiB of resident "
            f"memory (VmHWM), above the course's limit of {limit / 2**20:,.0f} MiB per "
            "notebook: free large arrays (del), use float32, evaluate in chunks, or "
            "train on fewer examples")


class NotebookMemory:
    """The plugin: per nbval notebook, the kernel's VmHWM after each cell."""

    def __init__(self):
        self.warned = False
        self.started = time.time()
        self.first_setup: dict[int, float] = {}  # id(notebook) -> perf_counter at its start

    def _notebook(self, item):
        parent = getattr(item, "parent", None)
        kernel = getattr(parent, "kernel", None)
        if kernel is None or not hasattr(parent, "nb"):  # not an nbval notebook
            return None, None
        return parent, kernel

    def _warn(self, why: str) -> None:
        if not self.warned:
            self.warned = True
            warnings.warn(pytest.PytestWarning(
                f"notebook memory not measured: {why} (the suite goes on)"), stacklevel=2)

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item):
        parent = getattr(item, "parent", None)
        if hasattr(parent, "nb"):  # an nbval notebook: its kernel starts in its first setup
            self.first_setup.setdefault(id(parent), time.perf_counter())

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_teardown(self, item, nextitem):
        parent, kernel = self._notebook(item)
        last = parent is not None and (nextitem is None or nextitem.parent is not parent)
        peak = None
        if last:  # VmHWM only grows: the reading after the last cell is the notebook's peak
            pid = kernel_pid(kernel)
            if pid is None:
                self._warn("nbval's kernel pid not found")
            else:
                peak = peak_rss(pid)  # before the teardown below shuts the kernel down
                if peak is None:
                    self._warn(f"/proc/{pid}/status unreadable")
        try:
            result = yield  # after a notebook's last cell, nbval stops its kernel here
        finally:
            if last and peak is not None:
                start = self.first_setup.pop(id(parent), None)
                seconds = None if start is None else time.perf_counter() - start
                self._record(self._name(parent), peak, seconds)
        if last and peak is not None and peak > LIMIT_BYTES:
            message = over_limit_message(self._name(parent), peak)
            if os.environ.get("COURSE_MEMORY_STRICT") == "1":
                pytest.fail(message, pytrace=False)
            warnings.warn(pytest.PytestWarning(message), stacklevel=1)
        return result

    def _record(self, name: str, peak: int, seconds: float | None = None) -> None:
        record = {"peak_rss_bytes": peak, "peak_rss_mib": round(peak / 2**20, 1),
                  "seconds": None if seconds is None else round(seconds, 1),
                  "measured": time.strftime("%Y-%m-%dT%H:%M:%S"), "unix_time": time.time(),
                  "worker": os.environ.get("PYTEST_XDIST_WORKER", "main")}
        try:
            merge(json_path(), {name: record})
        except OSError as exc:
            self._warn(f"could not write {json_path()}: {exc}")

    @staticmethod
    def _name(parent) -> str:
        path = Path(str(getattr(parent, "path", None) or parent.fspath))
        with contextlib.suppress(ValueError):
            return str(path.resolve().relative_to(ROOT))
        return str(path)

    def pytest_terminal_summary(self, terminalreporter):
        """One line with the largest notebook peaks written by this run (any worker)."""
        try:
            data = json.loads(json_path().read_text())["notebooks"]
        except (OSError, ValueError, KeyError, TypeError):
            return
        now = [(r["peak_rss_bytes"], k) for k, r in data.items()
               if isinstance(r, dict) and r.get("unix_time", 0) >= self.started]
        if not now:
            return
        now.sort(reverse=True)
        top = ", ".join(f"{Path(k).parent.name}/{Path(k).stem} {b / 2**20:.0f} MiB"
                        for b, k in now[:3])
        where = json_path()
        where = where.relative_to(ROOT) if where.is_relative_to(ROOT) else where
        terminalreporter.write_line(f"notebook peak memory ({len(now)} notebooks, limit "
                                    f"{LIMIT_BYTES >> 20} MiB, {where}), largest: {top}")
        timed = sorted(((r["seconds"], k) for k, r in data.items()
                        if isinstance(r, dict) and r.get("unix_time", 0) >= self.started
                        and isinstance(r.get("seconds"), int | float)), reverse=True)
        if timed:
            slow = ", ".join(f"{Path(k).parent.name}/{Path(k).stem} {t:.0f} s"
                             for t, k in timed[:3])
            over = [f"{Path(k).parent.name}/{Path(k).stem} ({t:.0f} s > {time_limit(k):.0f} s)"
                    for t, k in timed if t > time_limit(k)]
            terminalreporter.write_line(
                f"notebook wall time (budget {TIME_LIMIT:.0f} s, capstone "
                f"{CAPSTONE_TIME_LIMIT:.0f} s), slowest: {slow}"
                + (f"; over budget: {', '.join(over)}" if over else "; none over budget"))
