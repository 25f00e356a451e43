"""Apex spotting on the synthetic micro-expression clips: how often the spotted apex is right.

    .venv/bin/python benchmarks/apex_spotting.py [--clips 36] [--size 48] [--seed 0] [--jitter 0.03]

Renders the chapter's synthetic micro-expression clips (each with an annotated onset, apex
and offset), spots the apex of every clip from its landmarks or from its pixels without
looking at the annotation, and prints, per way of spotting, how often the spotted apex
falls within the annotated onset-offset interval, the median and mean distance from the
annotated apex in frames, and the milliseconds per clip.  The synthetic landmarks are
exact; the ``jittered`` rows add independent Gaussian noise of ``--jitter`` inter-ocular
distances to every point of every frame, a rough stand-in for a landmark tracker (a real
tracker's errors are correlated between points and frames, so this is a kind test).  The
last rows are given the annotated onset and offset and only look for the apex between them.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np


def spot_all(name: str, clips: list, truth: list, signal, bounded: bool = False) -> dict:
    """Spot the apex of every clip with ``signal(clip, onset)`` and score it."""
    from fercourse import temporal

    start = time.perf_counter()
    apexes = []
    for clip, (onset, _, offset) in zip(clips, truth):
        if bounded:
            apexes.append(temporal.spot_apex(signal(clip, onset), onset=onset, offset=offset))
        else:
            apexes.append(temporal.spot_apex(signal(clip, 0)))
    scores = temporal.apex_scores(apexes, truth)
    scores["ms"] = 1000 * (time.perf_counter() - start) / len(clips)
    scores["name"] = name
    return scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=36)
    parser.add_argument("--size", type=int, default=48, help="frame side of the rendered clips, in pixels")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jitter", type=float, default=0.03, help="landmark noise, in inter-ocular distances")
    args = parser.parse_args()
    load_before = os.getloadavg()

    from fercourse import data, mesh, temporal

    start = time.perf_counter()
    dataset = data.micro_expressions(args.clips, size=args.size, seed=args.seed)
    render = time.perf_counter() - start
    table = dataset.table
    keep = [i for i in range(len(dataset)) if table["onset"].iloc[i] >= 0]  # clips with an event
    truth = [tuple(int(table[c].iloc[i]) for c in ("onset", "apex", "offset")) for i in keep]
    frames = [dataset.sample(i) for i in keep]
    exact = [temporal.clip_landmarks(dataset, i)[:, :, :2] for i in keep]
    rng = np.random.default_rng(args.seed)
    jittered = [p + rng.normal(0, args.jitter * mesh.inter_ocular_distance(p.mean(axis=0)), p.shape) for p in exact]

    def motion(track, _onset):
        return temporal.motion_signal(track, k=6)

    def departure(track, onset):
        return temporal.departure_signal(track, onset=onset)

    def flow(clip, _onset):
        return temporal.flow_signal(clip, k=3, method="farneback")

    def flow_departure(clip, onset):
        return temporal.flow_departure(clip, onset=onset, method="farneback")

    rows = [
        spot_all("landmarks, motion_signal (k=6)", exact, truth, motion),
        spot_all("landmarks, departure_signal", exact, truth, departure),
        spot_all("jittered landmarks, motion_signal (k=6)", jittered, truth, motion),
        spot_all("jittered landmarks, departure_signal", jittered, truth, departure),
        spot_all("pixels, flow_signal (k=3)", frames, truth, flow),
        spot_all("pixels, flow_departure", frames, truth, flow_departure),
        spot_all("onset-offset given: departure_signal", exact, truth, departure, bounded=True),
        spot_all("onset-offset given: jittered, departure", jittered, truth, departure, bounded=True),
        spot_all("onset-offset given: flow_departure", frames, truth, flow_departure, bounded=True),
    ]
    lengths = [offset - onset + 1 for onset, _, offset in truth]
    print(f"{len(truth)} synthetic micro-expression clips of {len(frames[0])} frames, {args.size} px "
          f"(rendered in {render:.1f} s); events of {min(lengths)} to {max(lengths)} frames, "
          f"median {int(np.median(lengths))}")
    print(f"landmark jitter: {args.jitter:g} inter-ocular distances")
    print(f"load average before: {np.round(load_before, 2).tolist()}, after: {np.round(os.getloadavg(), 2).tolist()}")
    print(f"{'apex from':<44}{'in interval':>12}{'median err':>12}{'mean err':>10}{'ms/clip':>9}")
    for r in rows:
        print(f"{r['name']:<44}{r['hit_rate']:>12.1%}{r['median_error']:>12.1f}{r['mean_error']:>10.2f}{r['ms']:>9.1f}")


if __name__ == "__main__":
    main()
