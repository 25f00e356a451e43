"""Which parts of the renderer make the shipped FER2013 model read synthetic faces right?

    python benchmarks/realism_ablation.py [--per-class 30]

The shipped mini-Xception was trained only on real photographs, so its recall on rendered
apex faces is a measure of how real their expressions look.  This script renders the same
faces (same seed, same people, same expressions) with one feature of the renderer changed
at a time and prints the model's recall per class and balanced accuracy (chance 1/7) for
each variant.  The crop is the one the course feeds the model everywhere (the live
pipeline's eye-aligned 48 x 48 grey crop, on the generator's exact landmarks), and for
comparison the square 64-pixel crop of ``benchmarks/synth_realism.py``.

The variants are made by replacing, for the duration of one variant, what the renderer
reads (its appearance, its table of skin folds, the gain on every AU movement); nothing
is changed for other code.  The last variants combine the changes that helped, to see how
far the renderer's settings alone can go; the confusion matrices of the first and the
last variant show where the faces the model misreads go.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses

import numpy as np
import pandas as pd


@contextlib.contextmanager
def renderer(look_changes: dict | None = None, folds: float = 1.0, gain: float | None = None):
    """Render with some :class:`~fercourse.synth.rendering.Appearance` fields replaced, the folds scaled
    and, if ``gain`` is given, :data:`fercourse.synth.action_units.EXPRESSIVENESS` replaced."""
    from fercourse.synth import action_units, datasets, rendering

    original_render, original_folds = datasets.render, rendering._FOLDS
    original_gain = action_units.EXPRESSIVENESS

    def render(mesh, size, look, color, rng, aus):
        changes = {k: (v(look) if callable(v) else v) for k, v in (look_changes or {}).items()}
        return original_render(mesh, size=size, look=dataclasses.replace(look, **changes), color=color, rng=rng, aus=aus)

    datasets.render = render
    rendering._FOLDS = {fold: {au: k * folds for au, k in per_au.items()} for fold, per_au in original_folds.items()}
    action_units.EXPRESSIVENESS = original_gain if gain is None else gain
    action_units._au_fields.cache_clear()  # the displacement fields are built once, with the gain
    try:
        yield
    finally:
        datasets.render, rendering._FOLDS = original_render, original_folds
        action_units.EXPRESSIVENESS = original_gain
        action_units._au_fields.cache_clear()


EVEN_LIGHT = {"ambient": 0.6, "light": (0.0, -0.2, -1.0)}
LIGHT_SKIN = {"skin": (0.85, 0.66, 0.55), "lips": (0.72, 0.4, 0.34)}

VARIANTS = {
    "as rendered": {},
    "no skin folds": {"folds": 0.0},
    "skin folds twice as dark": {"folds": 2.0},
    "even, bright light": {"look": EVEN_LIGHT},
    "no noise, no blur": {"look": {"noise": 0.0, "blur": 0.0}},
    "no hair (head the skin's colour)": {"look": {"hair": lambda look: look.skin, "hairline": 0.0}},
    "light skin for everyone": {"look": LIGHT_SKIN},
    "plain mid-grey background": {"look": {"background": (0.5, 0.5, 0.5)}},
    "full intensity": {"intensity": (1.0, 1.0)},
    "teeth only where the lips bare them": {"look": {"teeth": "bared"}},
    "movements 4/3 as large (gain 2.0)": {"gain": 2.0},
    "movements 5/3 as large (gain 2.5)": {"gain": 2.5},
    "bared teeth, gain 2.5": {"look": {"teeth": "bared"}, "gain": 2.5},
    "bared teeth, gain 2.5, folds x2.5, even light, light skin, full intensity": {
        "look": {"teeth": "bared", **EVEN_LIGHT, **LIGHT_SKIN}, "gain": 2.5, "folds": 2.5, "intensity": (1.0, 1.0)},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-class", type=int, default=30)
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()

    from fercourse import cnn, face, synth
    from fercourse.emotions import FER2013_LABELS

    model = cnn.PretrainedFER()
    rows, square, confusions = {}, {}, {}
    for name, variant in VARIANTS.items():
        with renderer(variant.get("look"), variant.get("folds", 1.0), variant.get("gain")):
            faces = synth.faces(args.per_class * len(FER2013_LABELS), size=192, color=True, seed=args.seed,
                                framing="portrait", occlusion_rate=0.0, max_pose=(15.0, 10.0, 10.0),
                                intensity=variant.get("intensity", (0.8, 1.0)), split=None)
        truth = faces.table["label"].to_numpy()
        crops = [face.expression_crop(faces.sample(i), faces.extras["landmarks"][i], size=48) for i in range(len(faces))]
        said = np.asarray(model.predict(crops))
        recall = {label: float(np.mean(said[truth == label] == label)) for label in FER2013_LABELS}
        rows[name] = {**recall, "balanced accuracy": float(np.mean(list(recall.values())))}
        confusions[name] = pd.crosstab(pd.Categorical(truth, FER2013_LABELS), pd.Categorical(said, FER2013_LABELS),
                                       rownames=["intended"], colnames=["model says"], dropna=False)
        boxes = [face.crop_square(faces.sample(i), face.FaceMesh(faces.extras["landmarks"][i],
                                                                  image_size=(192, 192)).box, size=64)
                 for i in range(len(faces))]
        said_square = np.asarray(model.predict(boxes))
        square[name] = float(np.mean([np.mean(said_square[truth == label] == label) for label in FER2013_LABELS]))
        print(f"{name:<72} balanced accuracy {rows[name]['balanced accuracy']:.3f} (square 64-px crop {square[name]:.3f})",
              flush=True)
    table = pd.DataFrame(rows).T
    table["square 64-px crop"] = pd.Series(square)
    pd.set_option("display.width", 200)
    print(f"\nFER2013 mini-Xception on {args.per_class} rendered apex faces per class: recall per class "
          "(eye-aligned 48-px crop), balanced accuracy, and the balanced accuracy with the square crop")
    print(table.round(3).to_string())
    for name in (next(iter(VARIANTS)), list(VARIANTS)[-1]):
        print(f"\nconfusion, {name} (eye-aligned crop)")
        print(confusions[name].to_string())


if __name__ == "__main__":
    main()
