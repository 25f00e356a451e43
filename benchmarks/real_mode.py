"""Real-data mode: each chapter's run time on stand-ins, and projected full-size CPU times.

    python benchmarks/real_mode.py [--faces 300] [--clips 12] [--skip-chapters] [--skip-projection]

1. Writes stand-ins of the real downloads (tests/real_standins.py: FER2013's CSV,
   CASME II, SAMM, built from the synthetic generator), imports them with the course's
   importer into a temporary data folder, and runs every notebook of the book with
   ``FERCOURSE_DATA=real`` and the small budget, printing each one's wall time.
2. Measures the unit costs that dominate a full-size run on this CPU (the landmarker per
   face and per video frame, one training epoch of each chapter's networks per 1,000
   faces or 100 clips, the attacks per face, an RBF SVM at two sizes) and multiplies
   them by the full budgets the chapters ask for (``config.pick(..., full=...)``) and by
   the datasets' published sizes.  Early stopping (patience 5) usually ends training
   sooner, so the training parts are upper bounds; the SVM part assumes the measured
   growth continues.  The projection covers the parts that grow with the data; the
   rest of each chapter takes about what it takes on the stand-ins.

Timings depend on the machine and its load: they are reported, not asserted.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

#: Published sizes (FER2013: Goodfellow et al. 2013; CASME II: Yan et al. 2014; SAMM: Davison et al. 2018).
FER2013_FACES, FER2013_TRAIN = 35_887, 28_709
MEGC_CLIPS = {"casme2": 145, "samm": 133}  # clips in MEGC 2019's three classes
MEGC_SUBJECTS = {"casme2": 24, "samm": 28}
#: Frames per clip assumed for the landmark tracking estimate (clips at 200 fps, onset to offset and a margin).
FRAMES_PER_CLIP = 100
#: The chapters' full budgets, as written in their config.pick(...) calls.
FULL = {"05 epochs": 60, "06 epochs": 60, "07 epochs": 60, "08 epochs": 40, "08 adversarial epochs": 30,
        "08 attack faces": 1000, "08 slow attack faces": 200}


def timed(function, *args, **kwargs):
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - start


def chapters(faces: int, clips: int) -> None:
    import nbformat
    from nbclient import NotebookClient
    from real_standins import write_standins

    from fercourse.data.importer import import_dataset

    folder = Path(tempfile.mkdtemp(prefix="fercourse-real-"))
    downloads, seconds = timed(write_standins, folder / "downloads", n_faces=faces, n_clips=clips, seed=0)
    print(f"stand-ins: {faces} FER2013 faces, {clips} CASME II and {clips} SAMM clips, written in {seconds:.0f} s")
    data = folder / "data"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        import_dataset("fer2013", downloads["fer2013"], into=data / "fer2013", partial=True)
        for name in ("casme2", "samm"):
            import_dataset(name, downloads[name], into=data / name)
    os.environ.update(FERCOURSE_DATA="real", FERCOURSE_BUDGET="small", FERCOURSE_DATA_DIR=str(data),
                      FERCOURSE_LIVE="fallback")
    print(f"{'notebook':<22} {'real data, small budget':>24}")
    for path in sorted((ROOT / "book").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        client = NotebookClient(nb, timeout=3600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}})
        try:
            _, seconds = timed(client.execute)
            print(f"{path.stem:<22} {seconds:>22.0f} s", flush=True)
        except Exception as error:  # report and go on: this is a measurement, not a test
            print(f"{path.stem:<22} failed: {type(error).__name__}", flush=True)


def projection() -> None:
    from fercourse import adversarial as adv
    from fercourse import cnn, config, face, graph, mesh, synth, temporal, train
    from fercourse.features import hog_svm

    config.seed_everything(0)
    faces = synth.faces(1250, size=48, seed=0)
    part = {s: train.arrays(faces, s) for s in ("train", "val", "test")}
    n_train = len(part["train"][1])
    per_1000 = lambda seconds, n: seconds * 1000 / n  # noqa: E731
    rows = {}

    # the landmarker on FER2013-sized faces (scaled to 192 px, as data.with_landmarks does)
    sample = faces.samples[:200]
    with face.FaceLandmarker(max_faces=1) as landmarker:
        _, seconds = timed(lambda: [landmarker.detect(face.as_rgb(face.resize(f, 192))) for f in sample])
    landmark_s = seconds / len(sample) * FER2013_FACES
    print(f"landmarker: {1000 * seconds / len(sample):.1f} ms per 48-pixel face")

    # one epoch of each CNN (chapters 05 and 08)
    epoch = {}
    for name in ("simple", "inception", "mini_xception"):
        config.seed_everything(0)
        history = train.fit(cnn.build(name), part["train"], part["val"], epochs=2, lr=3e-3, progress=False)
        epoch[name] = per_1000(history["seconds"] / 2, n_train)
        print(f"CNN {name}: {epoch[name]:.1f} s per epoch per 1,000 training faces")
    config.seed_everything(0)
    robust = train.fit(cnn.build("simple"), part["train"], part["val"], epochs=1, lr=2e-3, batch_size=32,
                       perturb=adv.pgd_perturbation(4 / 255, steps=3), progress=False)
    robust_epoch = per_1000(robust["seconds"], n_train)
    print(f"CNN simple with PGD training: {robust_epoch:.1f} s per epoch per 1,000 training faces")
    cnn_full = sum(epoch.values()) * FER2013_TRAIN / 1000
    rows["05_cnns"] = cnn_full * FULL["05 epochs"]

    # attacks on mini-Xception (chapter 08): seconds per face
    victim = adv.wrap(cnn.build("mini_xception"))
    x, y = part["test"][0][:12], part["test"][1][:12]
    fast = sum(timed(adv.run_attack, victim, x, y, name)[1] for name in ("fgsm", "pgd_linf", "pgd_l2")) / len(x)
    slow = sum(timed(adv.run_attack, victim, x[:3], y[:3], name)[1] for name in ("deepfool", "cw", "hopskipjump")) / 3
    print(f"attacks: {fast:.2f} s per face for FGSM + PGD (both), {slow:.1f} s per face for DeepFool + C&W + HopSkipJump")
    rows["08_adversarial"] = (cnn_full * FULL["08 epochs"] + robust_epoch * FER2013_TRAIN / 1000 * FULL["08 adversarial epochs"]
                              + fast * FULL["08 attack faces"] + slow * FULL["08 slow attack faces"])

    # graph networks (chapter 06) on 1,000 meshes, and the landmarker on every FER2013 face
    meshes = synth.synthetic_meshes(1250, seed=0)
    graph_epoch = 0.0
    for name in graph.ARCHITECTURES:
        _, history = graph.train_model(name, meshes, epochs=2)
        seconds = per_1000(history["seconds"] / 2, int((meshes.table["split"] == "train").sum()))
        graph_epoch += seconds
        print(f"graph {name}: {seconds:.1f} s per epoch per 1,000 training meshes")
    rows["06_graphs"] = landmark_s + graph_epoch * FER2013_TRAIN / 1000 * FULL["06 epochs"]

    # chapter 04: the landmarker once (cached, shared with chapter 06) and RBF SVMs on HOG, at two sizes
    sizes, fits = (500, 1000), []
    for n in sizes:
        _, seconds = timed(hog_svm("rbf", C=5).fit, part["train"][0][:n], part["train"][1][:n])
        fits.append(seconds)
    power = np.log(fits[1] / fits[0]) / np.log(sizes[1] / sizes[0])
    svm_full = fits[1] * (FER2013_TRAIN / sizes[1]) ** power
    print(f"HOG + RBF SVM fit: {fits[0]:.1f} s at {sizes[0]}, {fits[1]:.1f} s at {sizes[1]} faces (grows as n^{power:.2f})")
    rows["04_classical"] = landmark_s + 6 * svm_full  # six SVM fits of that size in the chapter and its exercises

    # chapter 07: one epoch of each clip network per 100 training clips, and landmark tracking per frame
    clips = synth.clips(40, size=48, seed=0, n_subjects=6, seconds=1.5, kind="micro")
    megc = temporal.with_megc_labels(clips)
    y = megc.y()
    inputs = {"cnn_lstm": temporal.windows(megc, frames=12, size=24)["face"], "c3d": None,
              "microx": temporal.windows(megc, frames=10, size=24, regions=mesh.CROP_REGIONS),
              "flow": temporal.flow_inputs(megc, size=28)}
    inputs["c3d"] = inputs["cnn_lstm"]
    clip_epoch = 0.0
    everyone = np.arange(len(y))
    for name, x in inputs.items():
        run = temporal.torch_fit_predict(name, x, y, 3, epochs=2, lr=3e-3, batch_size=8, balance=True)
        run(everyone, everyone[:2])
        seconds = run.timing["seconds"] / 2 * 100 / len(y)
        clip_epoch += seconds
        print(f"clip network {name}: {seconds:.2f} s per epoch per 100 training clips")
    frame = np.zeros((480, 640, 3), np.uint8)
    frame[120:360, 200:440] = face.as_rgb(face.resize(synth.faces(1, size=240, seed=3, color=True, framing="portrait", split=None).samples[0], 240))
    _, seconds = timed(face.track_meshes, [frame] * 50, fps=200.0)
    track = seconds / 50
    print(f"landmark tracking: {1000 * track:.1f} ms per 640 x 480 frame")
    n_clips, folds = sum(MEGC_CLIPS.values()), sum(MEGC_SUBJECTS.values())
    rows["07_temporal"] = (track * FRAMES_PER_CLIP * n_clips
                           + folds * clip_epoch * (n_clips / 100) * FULL["07 epochs"])

    print()
    print(f"{'projected full size, this CPU':<32} {'hours':>6}")
    for name, seconds in sorted(rows.items()):
        print(f"{name:<32} {seconds / 3600:>6.1f}")
    print(f"(landmarks for all {FER2013_FACES:,} FER2013 faces: {landmark_s / 60:.0f} min, measured once and cached; "
          f"chapter 07 assumes {FRAMES_PER_CLIP} frames a clip and {folds} leave-one-subject-out folds over "
          f"{n_clips} MEGC clips of CASME II and SAMM)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faces", type=int, default=300)
    parser.add_argument("--clips", type=int, default=12)
    parser.add_argument("--skip-chapters", action="store_true")
    parser.add_argument("--skip-projection", action="store_true")
    args = parser.parse_args()
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    if not args.skip_chapters:
        chapters(args.faces, args.clips)
    if not args.skip_projection:
        projection()


if __name__ == "__main__":
    main()
