"""Run a chapter's set-up cell and its cells in a Colab-like environment, to check the Colab path.

    python tools/colab_like.py                      # Python 3.12, chapter 00
    python tools/colab_like.py --python python3.13 book/00_first_look.ipynb --keep ../colab-env

Colab gives a learner a Python 3.12 kernel with hundreds of packages already installed, at versions
the course does not pin: its own PyTorch (a CUDA build), TensorFlow with tf-keras, three OpenCV
builds, an older ipywidgets. A chapter's first code cell (tests/notebook_policy.py, SETUP_CELL)
installs the course's library there with pip. This tool reproduces that situation as well as a
machine without Colab can:

1. a fresh virtual environment of the given Python, filled with ``COLAB_LIKE`` below (the versions
   of Colab's main packages in late 2025);
2. the chapter's cells run in a kernel of that environment, the set-up cell included, with the
   library's source replaced by this checkout (Colab would install it from GitHub);
3. a report: which of Colab's packages the set-up cell changed and which it kept, which
   distributions provide ``cv2`` afterwards, and each cell's outcome.

It needs the network (package index) and several GB of disk: PyPI's PyTorch for Linux is the CUDA
build, as on Colab. It is not part of the test run; the outputs are not compared with the stored ones
(versions and numbers differ there), only checked to run without an error.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from notebook_policy import PACKAGE_SOURCE, SETUP_CELL  # noqa: E402

# Colab's main packages and their versions in late 2025 (from `pip list` in a Colab CPU runtime).
COLAB_LIKE = [
    "torch==2.9.0",
    "tensorflow==2.19.0",
    "tf-keras==2.19.0",
    "numpy==2.0.2",
    "pandas==2.2.2",
    "scipy==1.16.3",
    "matplotlib==3.10.0",
    "scikit-learn==1.6.1",
    "scikit-image==0.25.2",
    "lightgbm==4.6.0",
    "opencv-python==4.12.0.88",
    "opencv-python-headless==4.12.0.88",
    "opencv-contrib-python==4.12.0.88",
    "ipywidgets==7.7.1",
    "ipykernel==6.17.1",
    "nbclient==0.10.2",
    "nbformat==5.10.4",
    "tqdm==4.67.1",
    "openpyxl==3.1.5",
]
WATCHED = ["torch", "tensorflow", "tf-keras", "numpy", "pandas", "scikit-learn", "opencv-python",
           "opencv-python-headless", "opencv-contrib-python", "ipywidgets", "mediapipe", "fercourse"]

RUNNER = r"""
import json, sys, time
import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
nb = nbformat.read(sys.argv[1], as_version=4)
client = NotebookClient(nb, timeout=1800, kernel_name="python3", allow_errors=True)
start = time.perf_counter()
client.execute()
report = []
for index, cell in enumerate(c for c in nb.cells if c.cell_type == "code"):
    errors = [f"{o.ename}: {o.evalue}" for o in cell.outputs if o.output_type == "error"]
    text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream" and o.name == "stdout")
    report.append({"cell": index, "errors": errors, "stdout": text[-400:]})
json.dump({"seconds": time.perf_counter() - start, "cells": report}, open(sys.argv[2], "w"))
"""


def versions(python: Path) -> dict[str, str]:
    listed = json.loads(subprocess.run([str(python), "-m", "pip", "list", "--format=json"], capture_output=True,
                                       text=True, check=True).stdout)
    return {p["name"].lower().replace("_", "-"): p["version"] for p in listed}


def cv2_providers(python: Path) -> list[str]:
    code = ("from importlib import metadata\nprint(sorted(d.metadata['Name'] for d in metadata.distributions() "
            "if any(str(f).startswith('cv2/') for f in (d.files or []))))")
    return json.loads(subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=True)
                      .stdout.replace("'", '"'))


def interpreter(name: str) -> str:
    """``name`` if it runs, else the newest matching interpreter among pyenv's versions."""
    if subprocess.run([name, "-c", "pass"], capture_output=True).returncode == 0 if shutil.which(name) else False:
        return name
    version = name.removeprefix("python")
    root = subprocess.run(["pyenv", "root"], capture_output=True, text=True).stdout.strip() if shutil.which("pyenv") else ""
    found = sorted(Path(root).glob(f"versions/{version}.*/bin/{name}")) if root else []
    if not found:
        raise SystemExit(f"{name} not found: install Python {version}, or name an interpreter with --python")
    return str(found[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebook", nargs="?", default="book/00_first_look.ipynb")
    parser.add_argument("--python", default="python3.12", help="the interpreter to build the environment with")
    parser.add_argument("--keep", type=Path, help="build the environment here and keep it (default: a temporary folder)")
    args = parser.parse_args(argv)

    work = args.keep or Path(tempfile.mkdtemp(prefix="colab-like-"))
    env = work / "venv"
    python = env / "bin" / "python"
    start = time.perf_counter()
    if not python.exists():
        subprocess.run([interpreter(args.python), "-m", "venv", str(env)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "--upgrade", "pip"], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *COLAB_LIKE], check=True)
    print(f"Colab-like environment: {subprocess.run([str(python), '--version'], capture_output=True, text=True).stdout.strip()}, "
          f"{len(versions(python))} packages ({time.perf_counter() - start:.0f} s)")
    before, cv2_before = versions(python), cv2_providers(python)

    notebook = nbformat.read(ROOT / args.notebook, as_version=4)
    setup = next(c for c in notebook.cells if c.cell_type == "code")
    if setup.source != SETUP_CELL:
        print(f"{args.notebook}: its first code cell is not the course's set-up cell")
        return 1
    # Colab would install from GitHub; here the package comes from this checkout, built as a wheel as pip does.
    setup.source = setup.source.replace(PACKAGE_SOURCE, f"fercourse @ {ROOT.as_uri()}")
    copy = work / Path(args.notebook).name
    nbformat.write(notebook, copy)
    for folder in ("images",):  # what a chapter reads next to itself
        if (ROOT / "book" / folder).is_dir() and not (work / folder).exists():
            shutil.copytree(ROOT / "book" / folder, work / folder)
    (work / "run.py").write_text(RUNNER)
    result = work / "result.json"
    subprocess.run([str(python), str(work / "run.py"), str(copy), str(result)], cwd=work, check=True)
    outcome = json.loads(result.read_text())
    after = versions(python)

    print(f"\nWhat the set-up cell changed among Colab's packages ({args.notebook}):")
    for name in WATCHED:
        old, new = before.get(name, "-"), after.get(name, "-")
        print(f"  {name:24} {old:>12} -> {new:<12} {'kept' if old == new else 'changed'}")
    print(f"cv2 provided by: {cv2_before} before, {cv2_providers(python)} after")
    failed = [c for c in outcome["cells"] if c["errors"]]
    print(f"\n{len(outcome['cells'])} code cells ran in {outcome['seconds']:.0f} s, {len(failed)} with an error")
    for cell in outcome["cells"]:
        status = "; ".join(cell["errors"]) if cell["errors"] else "ok"
        first = cell["stdout"].strip().splitlines()[:2]
        print(f"  cell {cell['cell']:2d}: {status}" + (f"  | {' / '.join(first)}" if first else ""))
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
