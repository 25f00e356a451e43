"""Frames of video files: evenly spaced samples of one file, and a whole dataset as frame folders.

Video files themselves are read and written by :mod:`fercourse.video`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from fercourse import video
from fercourse.checks import count as _count
from fercourse.checks import existing_file
from fercourse.errors import DatasetError, InvalidInputError

__all__ = ["sample_indices", "extract_frames", "export_frames"]


def sample_indices(start: int, end: int, count: int) -> np.ndarray:
    """``count`` frame indices spread evenly from ``start`` to ``end`` (both included).

    When the span has fewer frames than ``count``, frames repeat (nearest-frame
    temporal interpolation), so every window has the same length.

    Parameters
    ----------
    start, end : int
        The first and last frame index, ``start <= end``.
    count : int
        How many indices to return (at least 1).

    Returns
    -------
    numpy.ndarray
        ``(count,)`` int64 frame indices, in increasing order.

    Examples
    --------
    >>> sample_indices(0, 9, 4).tolist()
    [0, 3, 6, 9]
    >>> sample_indices(5, 6, 4).tolist()
    [5, 5, 6, 6]
    """
    count = _count(count, "count")
    if end < start:
        raise InvalidInputError(f"sample_indices: end ({end}) comes before start ({start}).")
    return np.linspace(start, end, count).round().astype(np.int64)


def extract_frames(path, n: int | None = None, fps: float | None = None, size: int | None = None,
                   gray: bool = False) -> np.ndarray:
    """Frames of a video file: ``n`` evenly spaced ones, or one every ``1 / fps`` seconds.

    Give exactly one of ``n`` (the first and last frames are always included) and
    ``fps`` (at most the file's own rate).  ``size`` resizes each frame to a square,
    ``gray`` converts it.  Returns ``(count, H, W[, 3])`` ``uint8`` (RGB).

    The whole file is decoded and checked against the frame count in its header,
    so a truncated or damaged file raises :class:`~fercourse.errors.DatasetError`
    instead of silently giving fewer or repeated frames.

    Parameters
    ----------
    path : str or pathlib.Path
        The video file (``.mp4``, ``.avi``, ...).
    n : int, optional
        How many evenly spaced frames to return.
    fps : float, optional
        How many frames per second of video to return.
    size : int, optional
        Side of the square each frame is resized to; ``None`` keeps the file's size.
    gray : bool
        Convert the frames to grey levels.

    Returns
    -------
    numpy.ndarray
        ``(count, H, W)`` grey or ``(count, H, W, 3)`` RGB frames, ``uint8``.
    """
    from fercourse import face

    file = existing_file(path, "extract_frames: the video", " (.mp4, .avi, ...)")
    if (n is None) == (fps is None):
        raise InvalidInputError("extract_frames: give exactly one of n (a frame count) and fps (frames per second).")
    info = video.probe(file)
    file_fps = info.fps
    frames = video.read(file, info.count)
    total = len(frames)
    if n is not None:
        n = _count(n, "n")
        if n > total:
            raise DatasetError(f"{file} has {total} frames; it cannot give n={n} distinct frames. Ask for fewer.")
        index = sample_indices(0, total - 1, n)
    else:
        if not (isinstance(fps, (int, float, np.number)) and 0 < fps <= file_fps + 1e-6):
            raise InvalidInputError(f"extract_frames: fps must be in (0, {file_fps:g}], the file's own rate; got {fps!r}.")
        index = np.floor(np.arange(0, total / file_fps, 1.0 / fps) * file_fps + 1e-6).astype(np.int64)
        index = index[index < total]
    out = frames[index]
    if gray:
        out = np.stack([face.to_gray(f) for f in out])
    if size is not None:
        out = np.stack([face.resize(f, _count(size, "size", 8)) for f in out])
    return out


def export_frames(dataset, folder, n: int = 16, size: int | None = None, gray: bool = True) -> pd.DataFrame:
    """Write ``n`` evenly spaced frames of every clip as PNG files, plus a label list.

    The layout is ``folder/<subject>/<clip>/frame_00.png`` and ``folder/labels.csv``
    with one row a frame: ``path`` (relative to ``folder``), ``clip``, ``frame``
    (index in the clip), ``label`` and ``subject``.  Returns that table.  Existing
    files of the same names are replaced; nothing else in ``folder`` is touched.

    Parameters
    ----------
    dataset : fercourse.data.Dataset
        A video dataset (synthetic clips or a video loader's).
    folder : str or pathlib.Path
        Where to write the frames and ``labels.csv`` (made if missing).
    n : int
        Frames per clip; every clip must have at least ``n``.
    size : int, optional
        Side of the square each frame is resized to; ``None`` keeps the clip's size.
    gray : bool
        Write grey frames (else RGB).

    Returns
    -------
    pandas.DataFrame
        The label list, one row per written frame.
    """

    import cv2

    from fercourse import face

    if getattr(dataset, "kind", None) != "video":
        raise InvalidInputError("export_frames needs a video Dataset (synth.clips or a video loader).")
    n = _count(n, "n")
    root = Path(folder)
    rows = []
    for i, row in dataset.table.iterrows():
        clip = dataset.sample(i)
        if len(clip) < n:
            raise DatasetError(f"clip {i} ({row['subject']}) has {len(clip)} frames, fewer than n={n}.")
        name = Path(str(row["file"])).stem if "file" in row else f"clip{i:04d}"
        target = root / str(row["subject"]) / name
        target.mkdir(parents=True, exist_ok=True)
        for k, index in enumerate(sample_indices(0, len(clip) - 1, n)):
            image = face.to_gray(clip[index]) if gray else face.as_rgb(clip[index])
            if size is not None:
                image = face.resize(image, size)
            file = target / f"frame_{k:02d}.png"
            cv2.imwrite(str(file), image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
            rows.append({"path": file.relative_to(root).as_posix(), "clip": name, "frame": int(index),
                         "label": row["label"], "subject": row["subject"]})
    table = pd.DataFrame(rows)
    table.to_csv(root / "labels.csv", index=False)
    return table
