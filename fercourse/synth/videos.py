"""Clips: labelled videos, each one expression with exact onset, apex and offset frames.

:func:`clips` renders short videos of synthetic people: neutral at the start and the
end, one micro- or macro-expression in between (its strength over time is an
:func:`envelope`), blinks (:func:`blink_track`) and slow head movement.
:func:`au_sliders` is an interactive panel that moves one face by its action units.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from fercourse.dataset import Dataset
from fercourse.emotions import FER2013_LABELS
from fercourse.errors import InvalidInputError
from fercourse.mesh import triangles
from fercourse.synth.action_units import AU_NUMBERS, face_mesh
from fercourse.synth.canonical import use_triangles
from fercourse.synth.datasets import au_row, describe_dataset, plan, run_jobs, split_column, expression_aus
from fercourse.synth.identity import Identity
from fercourse.synth.rendering import Appearance, random_appearance, render

__all__ = ["EXPRESSION_KINDS", "envelope", "blink_track", "clips", "au_sliders"]


#: Durations (onset to offset, seconds) and apex intensities of the two kinds of expression.
#: Micro-expressions last 1/25 s to 1/2 s and are faint; macro-expressions last 0.5 s to 4 s.
EXPRESSION_KINDS = {
    "micro": {"duration": (1 / 25, 1 / 2), "intensity": (0.25, 0.5)},
    "macro": {"duration": (0.5, 4.0), "intensity": (0.7, 1.0)},
}


def envelope(frames: int, fps: float, onset: float, apex: float, offset: float) -> np.ndarray:
    """Expression strength per frame in [0, 1]: a smooth rise to the apex and fall back.

    The strength is 0 before ``onset``, rises smoothly to 1 at ``apex`` and falls
    smoothly to 0 at ``offset`` (all three in seconds).

    Parameters
    ----------
    frames : int
        Number of frames.
    fps : float
        Frames per second.
    onset, apex, offset : float
        Start, peak and end of the expression, in seconds.

    Returns
    -------
    numpy.ndarray
        ``(frames,)`` strengths in [0, 1].

    Examples
    --------
    >>> envelope(7, 2.0, onset=0.5, apex=1.5, offset=2.5).round(2)
    array([0. , 0. , 0.5, 1. , 0.5, 0. , 0. ])
    """
    t = np.arange(frames) / fps
    rise = np.clip((t - onset) / max(apex - onset, 1e-9), 0.0, 1.0)
    fall = np.clip((offset - t) / max(offset - apex, 1e-9), 0.0, 1.0)
    ramp = np.where(t <= apex, rise, fall)
    return ramp * ramp * (3.0 - 2.0 * ramp)  # smoothstep


def blink_track(frames: int, fps: float, rate: float, rng: np.random.Generator) -> tuple[np.ndarray, list]:
    """Eye closure per frame from blinks at ``rate`` per second (a Poisson process).

    Each blink closes the lids fully and reopens them within 0.1 to 0.3 s.

    Parameters
    ----------
    frames : int
        Number of frames.
    fps : float
        Frames per second.
    rate : float
        Mean number of blinks per second (0: none).
    rng : numpy.random.Generator
        The source of randomness.

    Returns
    -------
    closure : numpy.ndarray
        ``(frames,)`` eye closure in [0, 1] (1: shut).
    blinks : list of tuple of int
        The blinks as ``(start_frame, end_frame)`` pairs.

    Examples
    --------
    >>> closure, blinks = blink_track(90, 30.0, rate=1.0, rng=np.random.default_rng(0))
    >>> closure.shape, all(0 <= start <= end < 90 for start, end in blinks)
    ((90,), True)
    """
    seconds = frames / fps
    times, t = [], rng.exponential(1.0 / rate) if rate > 0 else seconds
    while t < seconds:
        times.append(t)
        t += 0.35 + rng.exponential(1.0 / rate)  # lids need a moment between blinks
    closure = np.zeros(frames)
    blinks = []
    for start in times:
        duration = rng.uniform(0.1, 0.3)
        closure = np.maximum(closure, envelope(frames, fps, start, start + duration * 0.4, start + duration))
        first, last = int(np.ceil(start * fps)), int(np.floor((start + duration) * fps))
        if last >= first and first < frames:
            blinks.append((first, min(last, frames - 1)))
    return closure, blinks


def _head_motion(frames: int, fps: float, amplitude: float, rng: np.random.Generator) -> np.ndarray:
    """Slow, smooth head movement: (frames, 3) yaw, pitch, roll in degrees."""
    t = np.arange(frames)[:, None] / fps
    freq = rng.uniform(0.1, 0.5, (2, 3))
    phase = rng.uniform(0, 2 * np.pi, (2, 3))
    base = rng.uniform(-1, 1, 3) * amplitude * 2
    motion = base + amplitude * (np.sin(2 * np.pi * freq[0] * t + phase[0]) + 0.5 * np.sin(2 * np.pi * freq[1] * t + phase[1]))
    return motion * (1.0, -1.0, -1.0)  # pitch and roll once counted the other way: the same seed, the same clips


def _clip(job: dict) -> dict:
    """Render one clip of :func:`clips` (top-level so worker processes can run it)."""
    use_triangles(job.get("triangles"))
    rng = np.random.default_rng(job["seed"])
    fps, frames = job["fps"], job["frames"]
    who, colouring = job["person"]
    look = random_appearance(rng, occlusion_rate=0.0, framing=job["framing"])
    look = Appearance(**{**look.__dict__, "skin": colouring.skin, "lips": colouring.lips, "hair": colouring.hair,
                         "iris": colouring.iris, "hairline": colouring.hairline, "blur": 0.0})
    emotion, kind = job["emotion"], job["kind"]
    seconds = frames / fps
    strength = np.zeros(frames)
    onset = apex = offset = -1
    aus, variant, peak = {}, "none", 0.0
    if emotion != "neutral":
        low, high = EXPRESSION_KINDS[kind]["duration"]
        duration = min(rng.uniform(low, high), seconds - 0.4)
        start = 0.2 + rng.uniform(0.0, max(seconds - duration - 0.4, 0.0))
        top = start + duration * rng.uniform(0.3, 0.5)
        peak = rng.uniform(*EXPRESSION_KINDS[kind]["intensity"])
        aus, variant = expression_aus(emotion, rng, peak)
        strength = envelope(frames, fps, start, top, start + duration)
        onset = int(np.floor(start * fps))
        apex = int(np.argmax(strength))
        offset = min(int(np.ceil((start + duration) * fps)), frames - 1)
    closure, blinks = blink_track(frames, fps, job["blink_rate"], rng)
    poses = _head_motion(frames, fps, job["head_motion"], rng)
    video, points, au_track = [], [], []
    for f in range(frames):
        frame_aus = {code: value * strength[f] for code, value in aus.items()}
        frame_aus[45] = max(float(closure[f]), float(frame_aus.get(45, 0.0)))
        image, landmarks = render(face_mesh(who, frame_aus, poses[f]), size=job["size"], look=look,
                                  color=job["color"], rng=rng, aus=frame_aus)
        video.append(image)
        points.append(landmarks)
        au_track.append(au_row(frame_aus))
    row = [emotion, who.subject, fps, frames, onset, apex, offset, kind if emotion != "neutral" else "none",
           round(float(peak), 3), variant, len(blinks)]
    return {"video": np.stack(video), "landmarks": np.stack(points).astype(np.float32),
            "aus": np.array(au_track, dtype=np.float32), "eye_closure": closure.astype(np.float32), "row": row}


def clips(
    n: int = 36,
    fps: float = 30.0,
    seconds: float = 2.0,
    size: int = 64,
    color: bool = False,
    seed: int = 0,
    kind: str = "micro",
    labels: tuple[str, ...] | None = None,
    n_subjects: int | None = None,
    blink_rate: float = 0.3,
    head_motion: float = 1.5,
    framing: str = "tight",
    split: tuple[float, float] | None = None,
    workers: int = 1,
    progress: bool = False,
):
    """Labelled video clips, each one expression with exact onset, apex and offset frames.

    ``kind`` is ``"micro"`` (1/25 s to 1/2 s, faint), ``"macro"`` (0.5 s to 4 s, strong) or
    ``"mixed"`` (half each).  Every clip starts and ends neutral, has blinks at
    ``blink_rate`` per second and a slow head movement of about ``head_motion`` degrees.
    ``labels`` defaults to FER2013's six expressions (``"neutral"`` gives a clip with no
    event, onset = apex = offset = -1).

    Micro-expression work evaluates leave-one-subject-out
    (:func:`fercourse.data.loso_folds`), so by default no fixed split is drawn
    (``split=(val, test)`` draws one by subject).

    Parameters
    ----------
    n : int
        Number of clips.
    fps : float
        Frames per second.
    seconds : float
        Length of every clip; long enough for the expression and neutral frames around it.
    size : int
        Frame width and height in pixels.
    color : bool
        RGB frames if true, grey if false.
    seed : int
        Seed of everything random: the same arguments give the same clips.
    kind : {"micro", "macro", "mixed"}
        Which kind of expression each clip shows.
    labels : tuple of str, optional
        The expressions to draw.
    n_subjects : int, optional
        Number of synthetic people; by default one per 6 clips, at least 6.
    blink_rate : float
        Mean blinks per second.
    head_motion : float
        Amplitude of the head movement in degrees.
    framing : {"tight", "portrait"}
        A face that fills the frame or one with room around the head.
    split : tuple of 2 floats, optional
        Validation and test fractions of the subjects; ``None``: every row ``unassigned``.
    workers : int
        Number of processes to render in (the result does not depend on it).
    progress : bool
        Show a progress bar.

    Returns
    -------
    fercourse.data.Dataset
        A video data set: ``samples[i]`` is a ``(frames, size, size)`` (or ``(..., 3)``)
        ``uint8`` array; the table has ``label``, ``subject``, ``split``, ``fps``,
        ``n_frames``, ``onset``, ``apex``, ``offset`` (frame indices), ``kind``,
        ``intensity`` (apex), ``variant`` and ``blinks``; ``extras`` holds per-frame
        ``landmarks`` (n, frames, 478, 3), ``aus`` (n, frames, len(AU_COLUMNS)) and
        ``eye_closure`` (n, frames).

    Raises
    ------
    fercourse.errors.InvalidInputError
        For an unknown ``kind`` or label, a ``fps`` that is not positive, or clips too
        short for the expression.

    Examples
    --------
    >>> data = clips(2, fps=15, seconds=1.0, size=24, seed=0, labels=("happy",))
    >>> data.samples[0].shape, data.table["kind"].tolist()
    ((15, 24, 24), ['micro', 'micro'])
    """
    labels = tuple(labels or [label for label in FER2013_LABELS if label != "neutral"])
    if kind not in ("micro", "macro", "mixed"):
        raise InvalidInputError(f"kind must be 'micro', 'macro' or 'mixed', got {kind!r}.")
    if not fps > 0:
        raise InvalidInputError(f"fps must be positive, got {fps!r}.")
    frames = int(round(seconds * fps))
    shortest = 0.4 + (EXPRESSION_KINDS["macro"]["duration"][0] if kind != "micro" else 1 / 25)
    if seconds < shortest or frames < 4:
        raise InvalidInputError(
            f"seconds={seconds} at fps={fps} is too short for a {kind} expression with neutral frames "
            f"before and after; use at least {shortest:.2f} s."
        )
    people, emotion_of, owner = plan(n, labels, n_subjects or max(6, int(n) // 6), seed)
    kinds = [kind if kind != "mixed" else ("micro", "macro")[i % 2] for i in range(n)]
    seeds = np.random.SeedSequence(seed).spawn(n)
    jobs = [
        dict(seed=seeds[i], emotion=str(emotion_of[i]), kind=kinds[i], person=people[owner[i]], fps=float(fps),
             frames=frames, size=int(size), color=color, blink_rate=blink_rate, head_motion=head_motion,
             framing=framing, triangles=triangles() if workers > 1 else None)
        for i in range(n)
    ]
    results = run_jobs(_clip, jobs, workers, "synthetic clips", progress)
    table = pd.DataFrame([r["row"] for r in results], columns=[
        "label", "subject", "fps", "n_frames", "onset", "apex", "offset", "kind", "intensity", "variant", "blinks"])
    table.insert(2, "split", split_column(table["subject"].tolist(), seed, split))
    extras = {key: np.stack([r[key] for r in results]) for key in ("landmarks", "aus", "eye_closure")}
    clips = Dataset("synthetic", "video", labels, [r["video"] for r in results], table, extras)
    clips.description = describe_dataset(clips, "clips")
    return clips


def au_sliders(aus=(1, 2, 4, 5, 6, 12, 15, 20, 26), who: Identity | None = None, size: int = 200):
    """An ipywidgets panel: one slider per AU, re-rendering a synthetic face as you move them.

    Shows how each action unit moves the face, alone or combined.

    Parameters
    ----------
    aus : sequence of int
        The action units to offer, from :data:`fercourse.synth.AU_NUMBERS`.
    who : Identity, optional
        The face shape; by default the canonical face.
    size : int
        Image size in pixels.

    Returns
    -------
    ipywidgets.interactive
        The panel; display it as the last line of a cell.

    Raises
    ------
    fercourse.errors.InvalidInputError
        For an AU the generator does not model.
    """
    import ipywidgets
    import matplotlib.pyplot as plt

    unknown = [au for au in aus if au not in AU_NUMBERS]
    if unknown:
        raise InvalidInputError(f"au_sliders: unknown AU(s) {unknown}; the generator models {AU_NUMBERS}.")
    look = Appearance(face_fraction=0.8)

    def show(**values):
        chosen = {int(name[2:]): value for name, value in values.items() if value > 0}
        image, _ = render(face_mesh(who, chosen), size=size, look=look, aus=chosen)
        fig, ax = plt.subplots(figsize=(3, 3))
        ax.imshow(image)
        ax.set_axis_off()
        ax.set_title(" + ".join(f"AU{au} {v:.2f}" for au, v in chosen.items()) or "neutral", fontsize=8)
        plt.show()

    sliders = {f"AU{au:02d}": ipywidgets.FloatSlider(value=0.0, min=0.0, max=1.0, step=0.05, continuous_update=False)
               for au in aus}
    return ipywidgets.interactive(show, **sliders)
