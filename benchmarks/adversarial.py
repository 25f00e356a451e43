"""Time the attacks of chapter 08 on a small trained network and on the shipped FER2013 model.

    python benchmarks/adversarial.py [--faces 16] [--epochs 3]

Prints, per attack and model, the seconds for one run over the attack's default
budget grid and the seconds per face, then the time of one privacy cloak.
Timings depend on the machine and its load: they are reported, not asserted.
"""

from __future__ import annotations

import argparse
import time

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faces", type=int, default=16)
    parser.add_argument("--epochs", type=int, default=5)
    args = parser.parse_args()

    from fercourse import adversarial as adv
    from fercourse import cnn, config, data, train
    from fercourse.errors import InvalidInputError

    config.seed_everything(0)
    faces = data.expressions(600, size=48, seed=0)
    train_set, val_set, test_set = (train.arrays(faces, split) for split in ("train", "val", "test"))
    model = cnn.build("simple")
    start = time.perf_counter()
    train.fit(model, train_set, val_set, epochs=args.epochs, lr=3e-3, batch_size=32, progress=False)
    print(f"training the simple CNN, {args.epochs} epochs: {time.perf_counter() - start:.1f} s")
    targets = {"simple CNN": adv.wrap(model), "FER2013 model": adv.wrap(cnn.PretrainedFER())}
    x, y = test_set[0][: args.faces], test_set[1][: args.faces]
    print(f"{'attack':>12} {'model':>14} {'seconds':>8} {'s per face':>10} {'robust accuracy over the grid'}")
    for name in adv.ATTACKS:
        for label, target in targets.items():
            try:
                result = adv.run_attack(target, x, y, name)
            except InvalidInputError as error:  # e.g. a model that reads every face as one class
                print(f"{name:>12} {label:>14} skipped: {error}")
                continue
            print(f"{name:>12} {label:>14} {result.seconds:8.2f} {result.seconds / len(x):10.3f} "
                  f"{np.round(result.robust_accuracy(), 2)}")
    start = time.perf_counter()
    cloak = adv.make_cloak(x, list(targets.values()), epsilon=4 / 255, steps=10)
    print(f"cloak of {len(x)} faces on both models, 10 steps: {time.perf_counter() - start:.2f} s, "
          f"PSNR {cloak.psnr().mean():.1f} dB")


if __name__ == "__main__":
    main()
