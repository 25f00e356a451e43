"""Clips as model inputs: their landmarks, windows of face and region crops, MEGC's labels."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from fercourse import emotions, mesh
from fercourse.checks import count as _count
from fercourse.errors import InvalidInputError, NoFaceError
from fercourse.temporal.frames import sample_indices

__all__ = ["MICROX_FRAMES", "CNN_LSTM_FRAMES", "clip_landmarks", "windows", "with_megc_labels"]

#: Window lengths of the two projects the chapter rebuilds: MicroX used 10 frames,
#: the Doggomaniacs' CNN+LSTM 12.
MICROX_FRAMES = 10
CNN_LSTM_FRAMES = 12


def clip_landmarks(dataset, index: int) -> np.ndarray:
    """The landmarks of one clip: the exact ones of a synthetic clip, else the Face Landmarker's.

    The landmarker runs in video mode and must find the face in every frame; a frame
    without one raises :class:`~fercourse.errors.NoFaceError`.

    Parameters
    ----------
    dataset : fercourse.data.Dataset
        A video dataset.
    index : int
        Which clip of it.

    Returns
    -------
    numpy.ndarray
        ``(T, 478, 2)`` or ``(T, 478, 3)``: the points of every frame.
    """
    from fercourse import face

    if "landmarks" in dataset.extras:
        return np.asarray(dataset.extras["landmarks"][index])
    clip = dataset.sample(index)
    meshes = face.track_meshes(clip, fps=float(dataset.table["fps"].iloc[index]))
    missing = [i for i, m in enumerate(meshes) if m is None]
    if missing:
        raise NoFaceError(
            f"clip {index} of {dataset.name!r}: no face in {len(missing)} of {len(meshes)} frames "
            f"(first: frame {missing[0]}); crop the clip to the face or leave it out."
        )
    return np.stack([m.landmarks for m in meshes])


def _window_indices(row, n_frames: int, frames: int) -> np.ndarray:
    """Frames of one window: onset to offset of the event, widened to at least ``frames``
    frames around the apex so short events keep some neutral context; the whole clip
    when the clip has no event."""
    onset, apex, offset = int(row["onset"]), int(row["apex"]), int(row["offset"])
    if onset < 0 or offset < onset:
        return sample_indices(0, n_frames - 1, frames)
    if offset - onset + 1 < frames:
        start = min(max(apex - frames // 2, 0), max(n_frames - frames, 0))
        onset, offset = start, min(start + frames - 1, n_frames - 1)
    return sample_indices(onset, offset, frames)


def windows(dataset, frames: int = MICROX_FRAMES, size: int = 32, regions: Sequence[str] = ("face",),
            margin: float = 0.15) -> dict[str, np.ndarray]:
    """Windows of ``frames`` grey crops per clip: ``{region: (N, frames, size, size) uint8}``.

    ``regions`` are MicroX's (:data:`fercourse.mesh.CROP_REGIONS`: right_eye,
    left_eye, nose, mouth, face).  Each window runs from the clip's onset to its
    offset (widened around the apex to at least ``frames`` frames; the whole clip
    when it has no event).  Every region keeps one box for the whole clip, from the
    clip's mean landmarks (:func:`fercourse.face.region_crops`), so the crops do not
    jitter and the expression's small movements stay visible.  Works on any video
    Dataset; clips without exact landmarks are tracked with the Face Landmarker.

    Parameters
    ----------
    dataset : fercourse.data.Dataset
        A video dataset (``synth.clips``, ``data.micro_expressions`` or a video loader's).
    frames : int
        Frames per window (at least 2).
    size : int
        Side of every square crop, in pixels.
    regions : sequence of str
        The regions to crop, from :data:`fercourse.mesh.CROP_REGIONS`.
    margin : float
        Extra room around each region's box, as a fraction of its side.

    Returns
    -------
    dict of str to numpy.ndarray
        For each region, ``(N, frames, size, size)`` ``uint8`` windows, one per clip.
    """
    from fercourse import face

    if getattr(dataset, "kind", None) != "video":
        raise InvalidInputError("windows needs a video Dataset (synth.clips, data.micro_expressions or a video loader).")
    frames = _count(frames, "frames", 2)
    unknown = [r for r in regions if r not in mesh.CROP_REGIONS]
    if unknown or not regions:
        raise InvalidInputError(f"windows: unknown region(s) {unknown}; choose from {mesh.CROP_REGIONS}.")
    out = {r: [] for r in regions}
    for i, row in dataset.table.iterrows():
        clip = dataset.sample(i)
        points = clip_landmarks(dataset, i)
        chosen = _window_indices(row, len(clip), frames)
        crops = face.region_crops(clip[chosen], points[:, :, :2].mean(axis=0), size=size, margin=margin)
        for r in regions:
            out[r].append(crops[r])
    return {r: np.stack(v) for r, v in out.items()}


def with_megc_labels(dataset):
    """The dataset relabelled with MEGC 2019's three classes (negative, positive, surprise).

    Real micro-expression datasets carry a ``megc`` column (their loaders add it);
    for others (synthetic clips, BAUM-style folders with FER2013 label names) it is
    made with :func:`fercourse.emotions.to_megc`.  Clips that MEGC leaves out
    (neutral, others) are dropped; the original label moves to ``emotion``.

    Parameters
    ----------
    dataset : fercourse.data.Dataset
        A video dataset.

    Returns
    -------
    fercourse.data.Dataset
        A new dataset labelled negative, positive or surprise.
    """

    from fercourse import data

    if "megc" not in dataset.table.columns:
        table = dataset.table.assign(megc=[emotions.to_megc(label, "fer2013") for label in dataset.table["label"]])
        dataset = data.Dataset(dataset.name, dataset.kind, dataset.labels, dataset.samples, table, dataset.extras,
                               dataset.description)
    return data.as_megc(dataset)
