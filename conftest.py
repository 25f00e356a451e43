"""Test-run set-up shared by the unit tests (tests/) and the notebooks (book/).

The network is blocked for the whole run, in this process and, through
PYTHONPATH, in every Python process it starts (notebook kernels included).
"""

import os
import sys
from pathlib import Path


NETGUARD = Path(__file__).resolve().parent / "tests" / "netguard"
sys.path.insert(0, str(NETGUARD))
sys.path.insert(0, str(NETGUARD.parent))  # for the plugin below

# Lets a notebook cell declare a numeric tolerance for its outputs (see tests/nbval_tolerance.py).
pytest_plugins = ["nbval_tolerance"]

import _netguard  # noqa: E402

_netguard.install()
os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(NETGUARD), os.environ.get("PYTHONPATH")) if p)
# Same hash seed in every kernel, so set and dict orders in stored outputs never vary.
os.environ.setdefault("PYTHONHASHSEED", "0")
for _name in ("FERCOURSE_MODE", "FERCOURSE_DATA", "FERCOURSE_BUDGET"):
    os.environ.pop(_name, None)  # stored outputs are those of the embedded data and the small budget
# Live cells run their recorded fallback source, even when the tests are started from a Jupyter kernel.
os.environ["FERCOURSE_LIVE"] = "fallback"
os.environ.pop("JPY_SESSION_NAME", None)


# --- Parallel run (pytest-xdist; `-n auto --dist loadfile` in pyproject.toml's addopts) -----------
# Results do not depend on the number of workers: the library fixes every thread count (see
# fercourse/_env.py). Each test file and each notebook is one unit of work (a notebook's cells run
# in order in one kernel). The three longest chapters, which train with two threads, form one unit,
# run one after the other by one worker, while the other workers take the rest (chapter 08 first):
# training chapters side by side on two cores slow each other down more than they gain.

GIB = 2**30
MEMORY_PER_WORKER = 3 * GIB  # a chapter that trains peaks at about 2 GB
TRAINING_CHAPTERS = ("05_cnns.ipynb", "06_graphs.ipynb", "07_temporal.ipynb")  # the three longest

if os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1") != "1":
    # Idle OpenMP threads sleep instead of spinning, so a training kernel does not steal the core of
    # the worker beside it. Only how threads wait changes, not how work is split: numbers are the same.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def _memory() -> int | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None


def pytest_xdist_auto_num_workers(config):
    """`-n auto`: one worker per core, at most 4, and no more than memory allows."""
    workers = min(_cpus(), 4)
    memory = _memory()
    if memory:
        workers = min(workers, memory // MEMORY_PER_WORKER)
    return max(1, workers)


def _unit(nodeid: str) -> str:
    """The unit of work of a test: its file, or one unit for all the training chapters."""
    path = nodeid.split("::", 1)[0]
    return "training-chapters" if Path(path).name in TRAINING_CHAPTERS else path


def pytest_xdist_make_scheduler(config, log):
    """Whole files to each worker, as `--dist loadfile`, but the training chapters as one unit."""
    from xdist.scheduler import LoadScopeScheduling

    class ChapterScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return _unit(nodeid)

    return ChapterScheduling(config, log)


def pytest_collection_modifyitems(config, items):
    """The longest units first: the training chapters, every chapter with real data (one unit,
    tests/test_real_mode.py), then the other notebooks, then the unit tests."""

    def order(item) -> tuple[int, int]:
        name = _unit(item.nodeid)
        if name == "training-chapters":
            return (0, 0)
        if Path(name).name == "test_real_mode.py":
            return (0, 1)
        if name.endswith(".ipynb"):  # chapter 08 (which trains too) first, then 04, 03, ...
            number = Path(name).name.split("_", 1)[0]
            return (1, -int(number) if number.isdigit() else 0)
        return (2, 0)

    items.sort(key=order)  # stable: cells keep their order, and so do the unit tests
