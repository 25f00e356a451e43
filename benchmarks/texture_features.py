"""Speed of chapter 04's appearance features on 48x48 faces: HOG, LBP and Gabor.

    .venv/bin/python benchmarks/texture_features.py [--faces 300] [--repeats 3]

Prints, for each extractor with its default settings, the length of its vector, the
milliseconds per face when a batch of synthetic faces is transformed at once (best of
``--repeats``, as a notebook cell does it) and the median milliseconds for one face at a
time (as a live pipeline calls it), plus the load average before and after.  Timings
depend on the machine and its load; nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
from timing import best_of



def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faces", type=int, default=300, help="faces in the batch")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs of the batch (the best counts)")
    parser.add_argument("--singles", type=int, default=50, help="faces timed one at a time")
    args = parser.parse_args()
    load_before = os.getloadavg()

    from fercourse import data, features

    faces = data.expressions(n=args.faces, size=48, seed=0).samples
    extractors = {
        "HOG": features.HOGFeatures(),
        "LBP": features.LBPFeatures(),
        "Gabor": features.GaborFeatures(),
    }
    print(f"{len(faces)} synthetic faces of 48x48 pixels")
    print(f"{'features':<8} {'length':>7} {'batch, ms per face':>19} {'one face, median ms':>20}")
    for name, extractor in extractors.items():
        length = extractor.fit_transform(faces[:2]).shape[1]  # also builds anything cached (the Gabor bank)
        batch_ms = 1000 * best_of(lambda e=extractor: e.transform(faces), args.repeats) / len(faces)
        single = []
        for face in faces[: args.singles]:
            start = time.perf_counter()
            extractor.transform(face[None])
            single.append(1000 * (time.perf_counter() - start))
        print(f"{name:<8} {length:>7,} {batch_ms:>19.3f} {np.median(single):>20.3f}")
    load_after = os.getloadavg()
    print(f"load average (1, 5, 15 min): before {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}, "
          f"after {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f}")


if __name__ == "__main__":
    main()
