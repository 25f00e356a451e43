"""Re-run notebooks of the book in place and store their outputs.

    python tools/execute_notebooks.py                 # every notebook listed in _toc.yml
    python tools/execute_notebooks.py book/00_first_look.ipynb

Notebooks run the way `pytest --nbval` runs them: in the current environment, from
the book/ folder, with the network blocked.  Execution timestamps are dropped so
that re-running an unchanged notebook leaves it byte-for-byte unchanged.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import conftest  # noqa: E402,F401  (the test run's environment: network blocked, fixed hash seed)
from notebook_policy import toc_notebooks  # noqa: E402


def execute(path: Path, timeout: int = 600) -> float:
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    elapsed = time.perf_counter() - start
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    nbformat.write(nb, path)
    return elapsed


def main(argv: list[str]) -> int:
    paths = [Path(a).resolve() for a in argv] or toc_notebooks()
    for path in paths:
        print(f"{path.relative_to(ROOT)}: ", end="", flush=True)
        print(f"{execute(path):.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
