"""Settings shared by the whole test suite, including the nbval kernels.

nbval starts each notebook's kernel with this process's environment, so what is set here
holds inside the notebooks too: progress bars off (their text and widget state would change
every run), no MPLBACKEND (it would stop figures from showing inline), and the course's
shared data folder when the caller did not name one.
"""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent

os.environ["COURSE_PROGRESS"] = "0"
os.environ.pop("MPLBACKEND", None)
_shared = ROOT.parent / "shared" / "data"
if "COURSE_DATA_DIR" not in os.environ and (_shared / "mnist").is_dir():
    os.environ["COURSE_DATA_DIR"] = str(_shared)

# Property tests: no per-example deadline (shared CI machines stall), and in CI a fixed
# sequence of examples, so that a run can only fail on what a developer run could reproduce.
from hypothesis import settings  # noqa: E402

settings.register_profile("course", deadline=None)
settings.register_profile("ci", deadline=None, derandomize=True)
settings.load_profile("ci" if os.environ.get("CI") else "course")
