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
os.environ.pop("FERCOURSE_MODE", None)  # stored outputs are those of the embedded default
# Live cells run their recorded fallback source, even when the tests are started from a Jupyter kernel.
os.environ["FERCOURSE_LIVE"] = "fallback"
os.environ.pop("JPY_SESSION_NAME", None)
