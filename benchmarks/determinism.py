"""What deterministic numerics cost, and what they buy: training time and weight digests.

    python benchmarks/determinism.py [--faces 420] [--epochs 2]

Trains the chapter-05 simple CNN and mini-Xception and the chapter-04 auto-encoder
on the same synthetic faces, each in a fresh process, under:

* PyTorch's own defaults (``FERCOURSE_DETERMINISTIC=0``), then each setting of
  ``fercourse._env`` added alone (MKL's compatible code path, oneDNN at SSE4.1,
  one thread; and oneDNN switched off, the slower alternative), then all of
  ``fercourse._env``'s settings together: the time each costs;
* the full settings under emulated other machines (``tools/portability.py``'s
  variations), and PyTorch's defaults under the same: whether the trained
  weights stay bit-identical.

Prints one row per run: wall-clock and CPU seconds of the training and a short
SHA-256 digest of every trained weight; "same" compares the digests with the
first row of the same settings.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

from portability import VARIATIONS  # noqa: E402

# Single settings, applied by hand on top of PyTorch's defaults (FERCOURSE_DETERMINISTIC=0).
SINGLE = {
    "mkl-cbwr": "MKL_CBWR=COMPATIBLE",
    "onednn-sse41": "ONEDNN_MAX_CPU_ISA=SSE41",
    "onednn-off": "oneDNN off (the slower alternative)",
    "one-thread": "torch.set_num_threads(1)",
}


def child(faces: int, epochs: int, extra: list[str]) -> None:
    """Train in this process and print one JSON line."""
    if "mkl-cbwr" in extra:
        os.environ["MKL_CBWR"] = "COMPATIBLE"
    if "onednn-sse41" in extra:
        os.environ["ONEDNN_MAX_CPU_ISA"] = "SSE41"
    import fercourse  # noqa: F401  (sets deterministic numerics unless FERCOURSE_DETERMINISTIC=0)
    from fercourse import _env

    torch = _env.torch()
    if "onednn-off" in extra:
        torch.backends.mkldnn.enabled = False
    if "one-thread" in extra:
        torch.set_num_threads(1)
    from fercourse import cnn, config, data, features, train

    dataset = data.expressions(faces, size=48, seed=0)
    train_set, val_set = train.arrays(dataset, "train"), train.arrays(dataset, "val")
    digests, wall, cpu = {}, time.perf_counter(), time.process_time()
    for name in ("simple", "mini_xception"):
        config.seed_everything(0)
        model = cnn.build(name)
        train.fit(model, train_set, val_set, epochs=epochs, lr=3e-3, progress=False)
        digests[name] = _digest(p.detach().numpy() for p in model.state_dict().values())
    codes = features.AutoEncoderCodes(code=32, epochs=epochs * 5, seed=0).fit(train_set[0]).transform(val_set[0])
    digests["autoencoder"] = _digest([codes])
    print(json.dumps({"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu,
                      "threads": torch.get_num_threads(), "onednn": bool(torch.backends.mkldnn.enabled),
                      "digests": digests}))


def _digest(arrays) -> str:
    h = hashlib.sha256()
    for array in arrays:
        h.update(array.tobytes())
    return h.hexdigest()[:10]


def run(label: str, deterministic: bool, env: dict[str, str], extra: list[str], args) -> dict:
    environment = dict(os.environ, FERCOURSE_DETERMINISTIC="1" if deterministic else "0", **env)
    command = [sys.executable, __file__, "--child", "--faces", str(args.faces), "--epochs", str(args.epochs),
               "--extra", *extra] if extra else [sys.executable, __file__, "--child", "--faces", str(args.faces),
                                                 "--epochs", str(args.epochs)]
    done = subprocess.run(command, capture_output=True, text=True, env=environment, cwd=ROOT)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode or not lines:
        raise SystemExit(f"{label} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    return json.loads(lines[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faces", type=int, default=420)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--extra", nargs="*", default=[], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.faces, args.epochs, args.extra)
        return

    plan = [("PyTorch defaults", False, {}, [])]
    plan += [(f"defaults + {SINGLE[name]}", False, {}, [name]) for name in SINGLE]
    plan += [("deterministic (all settings)", True, {}, [])]
    for name in ("avx2-caps", "isa-older", "threads-1", "threads-4"):
        plan.append((f"deterministic, {name}", True, VARIATIONS[name][0], []))
    for name in ("isa-older", "threads-1"):
        plan.append((f"PyTorch defaults, {name}", False, VARIATIONS[name][0], []))

    print(f"{args.faces} synthetic faces, {args.epochs} epochs per CNN; one fresh process per row\n")
    print(f"{'settings':44} {'wall s':>7} {'CPU s':>7} {'threads':>7}  digests (simple, mini-Xception, auto-encoder)  same")
    first = {}
    for label, deterministic, env, extra in plan:
        result = run(label, deterministic, env, extra, args)
        key = (deterministic, tuple(extra))
        digests = tuple(result["digests"].values())
        first.setdefault(key, digests)
        same = "-" if env == {} else ("yes" if digests == first[key] else "NO")
        print(f"{label:44} {result['wall']:7.1f} {result['cpu']:7.1f} {result['threads']:>7}  "
              f"{' '.join(digests)}  {same}", flush=True)


if __name__ == "__main__":
    main()
