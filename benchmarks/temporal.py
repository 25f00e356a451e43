"""Chapter 07's embedded workload, stage by stage: where its run time goes.

    .venv/bin/python benchmarks/temporal.py [--epochs 12] [--threads 1]

Renders the chapter's 60 synthetic micro-expression clips, builds the windows, flow maps and
LBP-TOP features, then runs leave-one-subject-out for each model as the notebook does, and
prints wall-clock and CPU seconds per stage with the load average before and after (timings on a
shared machine are inflated by whatever else runs).  PyTorch runs on one thread, as in the
notebook: the networks are so small that more threads cost more than they save, and on a busy
machine far more (``--threads 2`` to compare).
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np


def stage(name: str, results: dict):
    class Timer:
        def __enter__(self):
            self.wall, self.cpu = time.perf_counter(), time.process_time()

        def __exit__(self, *exc):
            results[name] = (time.perf_counter() - self.wall, time.process_time() - self.cpu)

    return Timer()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--threads", type=int, default=1, help="PyTorch threads (the notebook uses 1)")
    args = parser.parse_args()
    load_before = os.getloadavg()
    results: dict[str, tuple[float, float]] = {}
    with stage("import", results):
        import torch

        from fercourse import config, data, mesh, metrics, temporal

    torch.set_num_threads(args.threads)
    config.seed_everything(0)
    with stage("render 60 clips", results):
        clips = data.micro_expressions(60, size=48, seed=0, n_subjects=6, seconds=1.5,
                                       labels=("angry", "disgust", "sad", "happy", "surprise"))
    megc = temporal.with_megc_labels(clips)
    y = megc.y()
    with stage("windows (T=10 regions, T=12 face)", results):
        regions10 = temporal.windows(megc, frames=10, size=24, regions=mesh.CROP_REGIONS)
        faces12 = temporal.windows(megc, frames=12, size=24)["face"]
    with stage("TV-L1 flow inputs", results):
        flows = temporal.flow_inputs(megc, size=28)
    with stage("LBP-TOP features", results):
        temporal.lbp_top_features(faces12)
    scores = {}
    for name, x in (("cnn_lstm", faces12), ("c3d", faces12), ("microx", regions10), ("flow", flows)):
        fit_predict = temporal.torch_fit_predict(name, x, y, 3, epochs=args.epochs, lr=3e-3, batch_size=8, balance=True)
        with stage(f"LOSO {name}", results):
            guess, _ = temporal.cross_validate(fit_predict, y, data.loso_folds(megc.table))
        scores[name] = metrics.megc_scores(y, guess, 3)["UF1"]
    print(f"PyTorch threads: {torch.get_num_threads()}")
    print(f"load average before: {np.round(load_before, 2).tolist()}, after: {np.round(os.getloadavg(), 2).tolist()}")
    print(f"{'stage':<36}{'wall s':>9}{'cpu s':>9}")
    for name, (wall, cpu) in results.items():
        print(f"{name:<36}{wall:>9.1f}{cpu:>9.1f}")
    print(f"{'total':<36}{sum(w for w, _ in results.values()):>9.1f}{sum(c for _, c in results.values()):>9.1f}")
    print("UF1 (LOSO):", {name: round(v, 3) for name, v in scores.items()})


if __name__ == "__main__":
    main()
