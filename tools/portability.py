"""Check that the stored notebook outputs hold on other machines, by emulating them.

    python tools/portability.py                          # every variation, the notebooks that train
    python tools/portability.py --variations threads-1 isa-avx2 book/05_cnns.ipynb
    python tools/portability.py --list                   # the variations and what each emulates

The book stores each notebook's outputs, and ``pytest --nbval`` checks that a
machine prints the same.  A different processor or thread count changes the
order in which numerical libraries add numbers, and training amplifies the last
bits.  This tool re-executes notebooks under environment variables that make
this machine behave like another one (a capped instruction set, another number
of threads, TensorFlow's oneDNN switched) and compares with the stored outputs
exactly as the test command does: it runs ``pytest --nbval`` on the notebook,
with the project's own settings (sanitising, per-cell tolerances).

Each variation runs in a fresh process, so ``fercourse``'s deterministic
numerics (``fercourse/_env.py``) meet the variation's environment as they would
meet a learner's machine.  The tool prints one line per notebook and variation
and a summary table; it exits with 1 if any combination fails.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# The notebooks whose numbers come out of training (PyTorch, TensorFlow, LightGBM, scikit-learn).
TRAINING_NOTEBOOKS = ("book/04_classical.ipynb", "book/04b_action_units.ipynb", "book/05_cnns.ipynb", "book/06_graphs.ipynb",
                      "book/07_temporal.ipynb", "book/08_adversarial.ipynb")


def _threads(n: int) -> dict[str, str]:
    n = str(n)
    return {"OMP_NUM_THREADS": n, "MKL_NUM_THREADS": n, "OPENBLAS_NUM_THREADS": n,
            "TF_NUM_INTEROP_THREADS": n}


# name: (environment, what it emulates)
VARIATIONS: dict[str, tuple[dict[str, str], str]] = {
    "avx2-caps": ({"ONEDNN_MAX_CPU_ISA": "AVX2", "ATEN_CPU_CAPABILITY": "avx2", "MKL_ENABLE_INSTRUCTIONS": "AVX2",
                   "OPENBLAS_CORETYPE": "Haswell"},
                  "an AVX-512 processor capped at AVX2 (oneDNN, PyTorch's kernels, MKL, OpenBLAS); "
                  "on an AVX2 processor these change nothing"),
    "isa-older": ({"ONEDNN_MAX_CPU_ISA": "SSE41", "MKL_ENABLE_INSTRUCTIONS": "SSE4_2"},
                  "oneDNN and MKL at pre-AVX2 kernels: a real change of kernels on any processor"),
    "threads-1": (_threads(1), "a one-core machine (OpenMP, MKL, OpenBLAS, TensorFlow inter-op at 1 thread)"),
    "threads-4": (_threads(4), "a four-core machine (4 threads everywhere)"),
    "tf-onednn-on": ({"TF_ENABLE_ONEDNN_OPTS": "1"}, "TensorFlow with its oneDNN kernels switched on"),
    "tf-onednn-off": ({"TF_ENABLE_ONEDNN_OPTS": "0"}, "TensorFlow with its oneDNN kernels switched off"),
}
# Several variations in one run (the notebooks take minutes each): every listed variable is set at once.
VARIATIONS["machine-a"] = ({**VARIATIONS["avx2-caps"][0], **VARIATIONS["threads-4"][0], **VARIATIONS["tf-onednn-on"][0]},
                           "avx2-caps, threads-4 and tf-onednn-on together")
VARIATIONS["machine-b"] = ({**VARIATIONS["isa-older"][0], **VARIATIONS["threads-1"][0], **VARIATIONS["tf-onednn-off"][0]},
                           "isa-older, threads-1 and tf-onednn-off together")

# What CI runs on every submission, to stay within its time: the variation that once broke chapters 04, 05
# and 08, on the two notebooks whose networks train longest through fercourse.train.  The other training
# notebooks (04, 04b, 06, 07) are checked with every variation whenever they change:
# python tools/portability.py book/NOTEBOOK.ipynb
CI_VARIATIONS = ("machine-b",)
CI_NOTEBOOKS = ("book/05_cnns.ipynb", "book/08_adversarial.ipynb")


def run_one(notebook: Path, variation: str, python: str, timeout: int) -> tuple[bool, float, str]:
    """``pytest --nbval`` on one notebook under one variation: (passed, seconds, last lines of output)."""
    env = dict(os.environ)
    env.update(VARIATIONS[variation][0])
    command = [python, "-m", "pytest", "--nbval", "-q", "-n", "0", "-p", "no:cacheprovider", "--color=no",
               str(notebook.relative_to(ROOT))]
    start = time.perf_counter()
    try:
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
        output, passed = done.stdout + done.stderr, done.returncode == 0
    except subprocess.TimeoutExpired as stopped:
        output, passed = f"timed out after {timeout} s\n{stopped.stdout or ''}", False
    seconds = time.perf_counter() - start
    lines = [line for line in output.splitlines() if line.strip()]
    return passed, seconds, "\n".join(lines[-40:] if not passed else lines[-1:])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", help=f"notebooks to check (default: {', '.join(TRAINING_NOTEBOOKS)})")
    parser.add_argument("--variations", nargs="+", choices=sorted(VARIATIONS), metavar="NAME",
                        help="variations to run (default: all; see --list)")
    parser.add_argument("--ci", action="store_true",
                        help=f"the subset CI runs: {', '.join(CI_VARIATIONS)} on {', '.join(CI_NOTEBOOKS)}")
    parser.add_argument("--list", action="store_true", help="list the variations and exit")
    parser.add_argument("--timeout", type=int, default=900, help="seconds allowed per notebook and variation")
    parser.add_argument("--jobs", type=int, default=1,
                        help="notebook runs at a time (each uses about one core and 2 GB of memory)")
    args = parser.parse_args(argv)

    if args.list:
        for name, (env, what) in VARIATIONS.items():
            print(f"{name:18} {what}\n{'':18} {' '.join(f'{k}={v}' for k, v in env.items())}")
        return 0
    names = list(CI_VARIATIONS if args.ci else args.variations or VARIATIONS)
    notebooks = [Path(p).resolve() for p in (args.notebooks or (CI_NOTEBOOKS if args.ci else TRAINING_NOTEBOOKS))]
    missing = [str(p) for p in notebooks if not p.is_file()]
    if missing:
        parser.error(f"no such notebook: {', '.join(missing)}")

    if args.jobs > 1:  # idle OpenMP threads sleep instead of spinning on the other run's cores (numbers unchanged)
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    pairs = [(variation, notebook) for variation in names for notebook in notebooks]
    results = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futures = {pool.submit(run_one, notebook, variation, sys.executable, args.timeout): (variation, notebook)
                   for variation, notebook in pairs}
        for future in concurrent.futures.as_completed(futures):
            variation, notebook = futures[future]
            passed, seconds, tail = future.result()
            results.append((variation, notebook.name, passed, seconds))
            print(f"{variation:18} {notebook.name:26} {'pass' if passed else 'FAIL'} {seconds:6.0f} s", flush=True)
            if not passed:
                print("    " + tail.replace("\n", "\n    "), flush=True)
    failed = [r for r in results if not r[2]]
    print(f"\n{len(results) - len(failed)} of {len(results)} notebook runs match the stored outputs "
          f"under {len(names)} variation(s); {sum(r[3] for r in results):.0f} s in all.")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
