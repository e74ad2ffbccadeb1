"""What an instructor needs to debug a student's machine, in one paste (``make doctor``).

    python tools/doctor.py [--strict] [--timeout SECONDS]

Prints, section by section: the Python and the virtual environment; NumPy and its BLAS
(library, version, threads, threading layer and CPU kernel, as threadpoolctl reports them
for whatever BLAS NumPy loaded); whether the installed packages match the pins of
``pyproject.toml``; where the data sets were found and whether every file's checksum
matches (``helpers.data``'s own lookup and checksums; nothing is downloaded); whether
JupyterLab starts (a server on a free local port, asked for its status) and whether a
kernel starts and runs ``1 + 1`` (with the Python it runs on). Each step is bounded by a
timeout. The last line counts the problems found.

Runs on any Python 3: a missing package is reported, not raised. The exit status is 0
(also with problems: the report is the point) unless ``--strict`` is given.
"""

from __future__ import annotations

import argparse
import os
import platform
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROBLEMS: list[str] = []


def say(text: str = "") -> None:
    print(text, flush=True)


def problem(text: str) -> None:
    PROBLEMS.append(text)
    say(f"  PROBLEM: {text}")


def section(title: str) -> None:
    say(f"\n== {title}")


# --------------------------------------------------------------------------------------


def python_section() -> None:
    section("Python")
    say(f"  Python {platform.python_version()} ({platform.python_implementation()}) "
        f"at {sys.executable}")
    in_venv = sys.prefix != getattr(sys, "base_prefix", sys.prefix)
    say(f"  virtual environment: {sys.prefix if in_venv else 'none (system or conda Python)'}")
    say(f"  system: {platform.platform()}, {platform.machine()}, "
        f"{len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else os.cpu_count()}"
        f" CPUs available")
    cpu = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    say(f"  CPU: {cpu or '?'}")
    if sys.version_info[:2] < (3, 11):  # noqa: UP036 - this runs on any Python 3
        problem("the course needs Python 3.11 or newer (3.11 to 3.13 are tested)")
    elif sys.version_info[:2] > (3, 13):
        say("  note: newer than the tested 3.11 to 3.13")
    for var in ("COURSE_DATA_DIR", "COURSE_CACHE_DIR", "COURSE_PROGRESS", "MPLBACKEND",
                "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "OPENBLAS_CORETYPE",
                "NPY_DISABLE_CPU_FEATURES", "PYTHONPATH", "JUPYTER_PATH"):
        if os.environ.get(var):
            say(f"  {var}={os.environ[var]}")


def numpy_section() -> None:
    section("NumPy and BLAS")
    try:
        import numpy as np
    except ImportError as err:
        problem(f"NumPy is not installed ({err}): run `make env`")
        return
    say(f"  NumPy {np.__version__} at {Path(np.__file__).parent}")
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        problem("threadpoolctl is not installed, so the BLAS cannot be inspected: run `make env`")
        return
    libs = threadpool_info()
    blas = [lib for lib in libs if lib.get("user_api") == "blas"]
    if not blas:
        problem("threadpoolctl finds no BLAS loaded by NumPy")
    for lib in blas:
        say(f"  BLAS: {lib.get('internal_api')} {lib.get('version') or '?'}, "
            f"{lib.get('num_threads')} threads"
            + (f", threading layer {lib['threading_layer']}" if lib.get("threading_layer") else "")
            + (f", kernel {lib['architecture']}" if lib.get("architecture") else ""))
        say(f"        {lib.get('filepath')}")
    for lib in libs:
        if lib.get("user_api") != "blas":
            say(f"  also loaded: {lib.get('user_api')} {lib.get('internal_api')} "
                f"{lib.get('version') or ''}, {lib.get('num_threads')} threads")
    try:  # a small product, timed: a BLAS that hangs or crashes shows here
        a = np.random.default_rng(0).standard_normal((512, 512), dtype=np.float32)
        t0 = time.perf_counter()
        for _ in range(5):
            a @ a
        dt = (time.perf_counter() - t0) / 5
        say(f"  float32 512x512 matrix product: {dt * 1e3:.1f} ms "
            f"({2 * 512**3 / dt / 1e9:.0f} GFLOP/s)")
    except Exception as err:  # noqa: BLE001 - reported, not raised
        problem(f"a matrix product failed: {type(err).__name__}: {err}")


def _pins() -> dict[str, str]:
    """``name -> version`` of the exact pins in pyproject.toml's [project] dependencies."""
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = {}
    for spec in project.get("dependencies", []):
        name, sep, version = spec.partition("==")
        if sep:
            pins[name.strip()] = version.strip()
    return pins


def packages_section() -> None:
    section("Packages")
    try:
        pins = _pins()
    except Exception as err:  # noqa: BLE001
        problem(f"cannot read the pins of {ROOT / 'pyproject.toml'}: {err}")
        return
    from importlib import metadata

    wrong = []
    for name, want in pins.items():
        try:
            have = metadata.version(name)
        except metadata.PackageNotFoundError:
            have = None
        if have != want:
            wrong.append(f"{name} {have or 'missing'} (pinned {want})")
    if wrong:
        problem("installed packages differ from pyproject.toml: " + ", ".join(wrong)
                + "; run `make env`")
    else:
        say(f"  all {len(pins)} pinned packages installed at their pinned versions")
    try:
        import helpers

        say(f"  helpers imported from {Path(helpers.__file__).parent}")
    except ImportError as err:
        problem(f"the course's helpers package cannot be imported ({err}): run `make env`")


def data_section() -> None:
    section("Data")
    try:
        from helpers import data
    except ImportError as err:
        problem(f"helpers.data cannot be imported ({err})")
        return
    for name in data.DATASETS:
        try:
            folder = data.fetch(name, download=False)
        except data.DataError as err:
            lines = str(err).splitlines()
            problem(f"{name}: not found (nothing is downloaded here; `make data` fetches it)")
            for line in lines[1:]:
                say(f"    {line}")
            continue
        where = "?"
        try:
            where = next(what for what, place in data._candidates(name, None) if place == folder)
        except (AttributeError, StopIteration):
            pass
        bad = []
        for filename in data.FILES.values():
            path = data._file_in(folder, filename)
            try:
                if data.sha256(data.read_bytes(path)) != data.SHA256[name][filename]:
                    bad.append(f"{path.name}: checksum mismatch")
            except (OSError, data.DataError) as err:
                bad.append(f"{filename}: {err}")
        if bad:
            problem(f"{name} in {folder} (from {where}): " + "; ".join(bad)
                    + ". Delete the bad files and run `make data`.")
        else:
            say(f"  {name:14s} {folder} (from {where}): 4 files, SHA-256 checksums match")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def jupyterlab_section(timeout: float) -> None:
    section("JupyterLab")
    try:
        import jupyterlab
    except ImportError:
        problem("JupyterLab is not installed: run `make env`")
        return
    say(f"  JupyterLab {jupyterlab.__version__}")
    port, token = _free_port(), secrets.token_hex(16)
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}",
           "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}",
           "--ServerApp.port_retries=0"]
    if hasattr(os, "getuid") and os.getuid() == 0:
        cmd.append("--allow-root")
    with tempfile.TemporaryFile() as log:
        t0 = time.perf_counter()
        server = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                  stdin=subprocess.DEVNULL)
        status = None
        try:
            while time.perf_counter() - t0 < timeout and server.poll() is None:
                try:
                    url = f"http://127.0.0.1:{port}/lab?token={token}"
                    with urllib.request.urlopen(url, timeout=5) as response:
                        status = response.status
                        break
                except OSError:
                    time.sleep(0.5)
        finally:
            server.terminate()
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                server.kill()
        if status == 200:
            say(f"  a JupyterLab server started and served its page in "
                f"{time.perf_counter() - t0:.1f} s")
        else:
            log.seek(0)
            tail = log.read().decode(errors="replace").strip().splitlines()[-8:]
            problem("JupyterLab did not start within "
                    f"{timeout:.0f} s" if server.returncode in (None, -15, 0) else
                    f"JupyterLab exited with status {server.returncode}")
            for line in tail:
                say(f"    {line}")


def kernel_section(timeout: float) -> None:
    section("Kernel")
    try:
        from jupyter_client.kernelspec import KernelSpecManager
        from jupyter_client.manager import start_new_kernel
    except ImportError:
        problem("jupyter_client is not installed: run `make env`")
        return
    try:
        spec = KernelSpecManager().get_kernel_spec("python3")
        say(f"  kernel spec python3: {spec.resource_dir}")
        say(f"    argv: {' '.join(spec.argv)}")
    except Exception as err:  # noqa: BLE001
        problem(f"no python3 kernel spec: {err}")
        return
    t0 = time.perf_counter()
    try:
        km, kc = start_new_kernel(kernel_name="python3", startup_timeout=timeout,
                                  stderr=subprocess.DEVNULL)
    except Exception as err:  # noqa: BLE001
        problem(f"the kernel did not start: {type(err).__name__}: {err}")
        return
    try:
        started = time.perf_counter() - t0
        results: list[str] = []

        def hook(msg) -> None:
            content = msg.get("content", {})
            if msg.get("msg_type") == "execute_result":
                results.append(content["data"].get("text/plain", ""))
            elif msg.get("msg_type") == "stream":
                results.append(content.get("text", "").strip())
            elif msg.get("msg_type") == "error":
                results.append(f"{content.get('ename')}: {content.get('evalue')}")

        reply = kc.execute_interactive("1 + 1", timeout=timeout, output_hook=hook)
        code = "import sys, platform; print(sys.executable, platform.python_version())"
        kc.execute_interactive(code, timeout=timeout, output_hook=hook)
        ok = reply["content"]["status"] == "ok" and results[:1] == ["2"]
        where = results[1] if len(results) > 1 else "?"
        if ok:
            say(f"  started in {started:.1f} s; 1 + 1 = {results[0]}; it runs {where}")
        else:
            problem(f"the kernel started but `1 + 1` gave {results!r}")
        kernel_python = where.split()[0] if where != "?" else ""
        if kernel_python and Path(kernel_python).resolve() != Path(sys.executable).resolve():
            problem(f"the kernel runs another Python ({kernel_python}) than this environment "
                    f"({sys.executable}): a user-level kernel spec shadows the environment's")
    except Exception as err:  # noqa: BLE001
        problem(f"the kernel did not answer `1 + 1` within {timeout:.0f} s: "
                f"{type(err).__name__}: {err}")
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--strict", action="store_true", help="exit 1 when a problem is found")
    parser.add_argument("--timeout", type=float, default=60.0,
                        help="seconds for JupyterLab and the kernel to start (default 60)")
    args = parser.parse_args(argv)
    say(f"make doctor: {ROOT}, {time.strftime('%Y-%m-%d %H:%M:%S %Z')}")
    python_section()
    numpy_section()
    packages_section()
    data_section()
    jupyterlab_section(args.timeout)
    kernel_section(args.timeout)
    say()
    if PROBLEMS:
        say(f"{len(PROBLEMS)} problem{'s' * (len(PROBLEMS) != 1)} found:")
        for p in PROBLEMS:
            say(f"  - {p}")
    else:
        say("no problems found")
    return 1 if args.strict and PROBLEMS else 0


if __name__ == "__main__":
    sys.exit(main())
