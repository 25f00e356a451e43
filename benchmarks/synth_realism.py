"""How real are the synthetic faces?  Measured with the two shipped real models.

    python benchmarks/synth_realism.py [--per-class 30] [--speed 10000]

1. The MediaPipe face landmarker on rendered 192x192 near-frontal colour faces:
   the share in which it finds a face, and the mean distance between its 478
   landmarks and the generator's ground truth, in inter-ocular distances (the
   distance between the two iris centres).
2. The FER2013 mini-Xception (trained only on real faces) on rendered apex faces,
   cropped the way the course crops real photos (square around the landmark box,
   10 % margin, 64x64 grey): recall per class and balanced accuracy (chance 1/7).
3. Speed: seconds to generate N 48x48 grey faces, in one process and in two.
"""

from __future__ import annotations

import argparse
import time

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-class", type=int, default=30, help="faces per expression for tests 1 and 2")
    parser.add_argument("--speed", type=int, default=10_000, help="faces to generate for the speed test (0 skips)")
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()

    from fercourse import realism, synth
    from fercourse.emotions import FER2013_LABELS

    n = args.per_class * len(FER2013_LABELS)
    data = synth.faces(n, size=192, color=True, seed=args.seed, framing="portrait", occlusion_rate=0.0,
                       max_pose=(15.0, 10.0, 10.0), intensity=(0.8, 1.0), split=None)
    result = realism.measure_realism(data)
    errors = result.landmark_errors
    print(f"1. landmarker on {n} rendered 192x192 near-frontal faces")
    print(f"   face found:            {result.found}/{n} = {result.found / n:.1%}   (target >= 90 %)")
    print(f"   mean landmark error:   {errors.mean():.3f} IOD, median {np.median(errors):.3f}   (target <= 0.08)")
    print(f"\n2. FER2013 mini-Xception on {n} rendered apex faces (64x64 grey crops)")
    print(result.confusion.to_string())
    print("   recall per class: " + ", ".join(f"{k} {v:.2f}" for k, v in result.recall.items()))
    print(f"   balanced accuracy:     {result.balanced_accuracy:.3f}   (target >= 0.50, chance 0.143)")

    if args.speed:
        print(f"\n3. generating {args.speed} faces of 48x48 grey (target < 30 s for 10,000)")
        for workers in (1, 2):
            start = time.perf_counter()
            synth.faces(args.speed, size=48, seed=1, workers=workers)
            elapsed = time.perf_counter() - start
            print(f"   {workers} process{'es' if workers > 1 else ''}: {elapsed:.1f} s ({elapsed / args.speed * 1000:.2f} ms per face)")


if __name__ == "__main__":
    main()
