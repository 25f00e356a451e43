"""Time the first-look pipeline on the astronaut photo and report memory.

    python benchmarks/first_look.py [--repeats 50]

Prints: import and model start-up times, then median and 95th-percentile
milliseconds per image for the face mesh, the crop + expression model, the two
together as chapter 00 used to chain them (mesh, square crop, model), and
``fercourse.detect`` (mesh, eye-aligned crop, model, pose, a table), measured in
alternation so that both see the same machine load; then the process's peak
resident memory.
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np


def timed(fn, repeats: int) -> np.ndarray:
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000.0)
    return np.array(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=50)
    args = parser.parse_args()

    start = time.perf_counter()
    import fercourse
    import pandas as pd

    from fercourse import cnn, face
    from fercourse.emotions import FER2013_LABELS

    t_import = time.perf_counter() - start
    from skimage.data import astronaut

    image = astronaut()
    start = time.perf_counter()
    landmarker = face.FaceLandmarker()
    t_landmarker = time.perf_counter() - start
    start = time.perf_counter()
    model = cnn.PretrainedFER()
    t_model = time.perf_counter() - start

    mesh = landmarker.detect(image)[0]

    def mesh_only():
        landmarker.detect(image)

    def classify_only():
        model.predict_proba(face.crop_square(image, mesh.box))

    def end_to_end():  # chapter 00's former chain, to the same answer: probabilities and the top label
        found = face.detect_meshes(image)
        proba = model.predict_proba([face.crop_square(image, f.box, size=64, margin=0.1) for f in found])
        return [pd.Series(p, index=FER2013_LABELS).idxmax() for p in proba]

    def detect():
        fercourse.detect(image)

    print(f"import fercourse:            {t_import * 1000:8.0f} ms")
    print(f"FaceLandmarker start-up:     {t_landmarker * 1000:8.0f} ms")
    print(f"FER2013 model load:          {t_model * 1000:8.0f} ms")
    print(f"per image, {args.repeats} repeats, 512x512 photo:   median      p95")
    for name, fn in (("face mesh", mesh_only), ("crop + expression", classify_only)):
        t = timed(fn, args.repeats)
        print(f"  {name:<24} {np.median(t):8.2f} ms {np.percentile(t, 95):8.2f} ms")
    detect()  # loads the shared models once, as the first call in a notebook does
    chain, table = [], []
    for _ in range(args.repeats):  # alternate, so that both see the same load
        chain.append(timed(end_to_end, 1)[0])
        table.append(timed(detect, 1)[0])
    for name, t in (("end to end (old chain)", np.array(chain)), ("fercourse.detect", np.array(table))):
        print(f"  {name:<24} {np.median(t):8.2f} ms {np.percentile(t, 95):8.2f} ms")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory:        {peak_mb:8.0f} MB")
    landmarker.close()


if __name__ == "__main__":
    main()
