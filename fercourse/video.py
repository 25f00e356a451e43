"""Video files, read and written in one place (OpenCV underneath).

* :func:`probe`: frame rate, frame count and frame size, after checking that the
  file opens and that its first frame decodes;
* :func:`frames`: the frames one at a time (a generator; the file is closed when the
  loop ends, also when it stops early);
* :func:`read`: all frames at once as one array, checked against the frame count
  the file's header announces (a truncated file raises instead of giving fewer
  frames);
* :func:`frame_at`: one frame, found by seeking (a frame of a long video without
  decoding the ones before it into memory);
* :func:`write`: a clip as a Motion-JPEG AVI file, which every OpenCV build can write
  and read.

Frames are RGB ``uint8`` arrays ``(H, W, 3)``, as everywhere in the course.  A file
that cannot be opened or decoded raises :class:`~fercourse.errors.DatasetError`
naming it; a missing path raises :class:`~fercourse.errors.InvalidInputError`.
A live camera is not a file: see :class:`fercourse.live.CameraSource`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import numpy as np

from fercourse.checks import count as _count
from fercourse.checks import existing_file, image_uint8, positive
from fercourse.errors import DatasetError, InvalidInputError

__all__ = ["DEFAULT_FPS", "VideoInfo", "probe", "frames", "read", "frame_at", "write"]

#: The frame rate assumed for a file whose header does not record one.
DEFAULT_FPS = 30.0


class VideoInfo(NamedTuple):
    """What :func:`probe` finds out about a video file."""

    fps: float
    count: int
    width: int
    height: int


def _video_file(path) -> Path:
    return existing_file(path, "Video", " (.mp4, .avi, ...)")


def _open(file: Path):
    """An opened ``cv2.VideoCapture`` of ``file``, or a clear error."""
    import cv2

    from fercourse._env import quiet_stderr

    with quiet_stderr():  # FFmpeg's own complaints; the error below says what matters
        capture = cv2.VideoCapture(str(file))
    if not capture.isOpened():
        capture.release()
        raise DatasetError(
            f"Video {file} cannot be opened: it is truncated, damaged or not a video that OpenCV "
            "can decode. Copy or download it again (or, in a dataset folder, move it out)."
        )
    return capture


def _next_frame(capture):
    """The next frame as RGB, or ``None`` at the end (or where decoding fails)."""
    import cv2

    from fercourse._env import quiet_stderr

    with quiet_stderr():  # a damaged file makes FFmpeg log each failed frame
        ok, frame = capture.read()
    return cv2.cvtColor(frame, cv2.COLOR_BGR2RGB) if ok else None


def probe(path, default_fps: float = DEFAULT_FPS) -> VideoInfo:
    """Frame rate, frame count and size of a video file, after checking that its first frame decodes.

    Parameters
    ----------
    path : str or os.PathLike
        The video file.
    default_fps : float
        The rate returned when the file's header records none.

    Returns
    -------
    VideoInfo
        ``(fps, count, width, height)``.  Where the container does not record the
        frame count, the frames are counted.
    """
    import cv2

    file = _video_file(path)
    capture = _open(file)
    try:
        fps = capture.get(cv2.CAP_PROP_FPS)
        total = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
        first = _next_frame(capture)
        if first is None:
            raise DatasetError(
                f"Video {file} opens but no frame can be decoded (truncated?); copy or download it again."
            )
        if total <= 0:
            total = 1
            while capture.grab():
                total += 1
    finally:
        capture.release()
    fps = float(fps) if fps and fps > 0 else float(default_fps)
    return VideoInfo(fps, total, int(first.shape[1]), int(first.shape[0]))


def frames(path) -> Iterator[np.ndarray]:
    """The frames of a video file one at a time, as RGB ``uint8`` arrays ``(H, W, 3)``.

    A generator: the file is opened at the first frame asked for (a file that
    cannot be opened raises then) and closed when the loop ends, breaks or the
    generator is closed.  It stops at the first frame that does not decode; use
    :func:`read` to have a truncated file raise instead.

    Parameters
    ----------
    path : str or os.PathLike
        The video file.

    Yields
    ------
    numpy.ndarray
        One frame ``(H, W, 3)`` ``uint8`` RGB.
    """
    file = _video_file(path)
    capture = _open(file)
    try:
        while True:
            frame = _next_frame(capture)
            if frame is None:
                return
            yield frame
    finally:
        capture.release()


def read(path, expected: int | None = None) -> np.ndarray:
    """All frames of a video file as one array ``(T, H, W, 3)`` ``uint8`` RGB.

    Parameters
    ----------
    path : str or os.PathLike
        The video file.
    expected : int, optional
        The frame count the file should give (``probe(path).count``); fewer frames
        decoded means the file is truncated and raises :class:`DatasetError`.

    Returns
    -------
    numpy.ndarray
        The frames, in order.
    """
    file = _video_file(path)
    if expected is not None:
        expected = _count(expected, "expected", 0)
    clip = list(frames(file))
    if not clip and expected is None:
        raise DatasetError(
            f"Video {file} opens but no frame can be decoded (truncated?); copy or download it again."
        )
    if expected is not None and (not clip or len(clip) < expected):
        raise DatasetError(
            f"Video {file} is truncated: its header announces {expected} frames but only {len(clip)} "
            "could be decoded. Copy or download it again."
        )
    return np.stack(clip)


def frame_at(path, index: int) -> np.ndarray:
    """One frame of a video file, found by seeking, as an RGB ``uint8`` array ``(H, W, 3)``.

    The file is opened, positioned at the frame and closed again, so a long video
    (a dataset's 4,845-frame recordings) never sits in memory.

    Parameters
    ----------
    path : str or os.PathLike
        The video file.
    index : int
        The frame's position, counting from 0.

    Returns
    -------
    numpy.ndarray
        The frame ``(H, W, 3)`` ``uint8`` RGB.

    Raises
    ------
    DatasetError
        If the file cannot be opened or the frame cannot be decoded (it lies beyond the
        end, or the file is truncated).
    """
    import cv2

    file = _video_file(path)
    index = _count(index, "index", 0)
    capture = _open(file)
    try:
        total = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
        if index:
            capture.set(cv2.CAP_PROP_POS_FRAMES, index)
        frame = _next_frame(capture)
    finally:
        capture.release()
    if frame is None:
        announced = f"its header announces {total} frames" if total > 0 else "it does not say how many frames it has"
        raise DatasetError(
            f"Video {file}: frame {index} (counting from 0) cannot be decoded; {announced}. The file is truncated "
            "or damaged, or the frame lies beyond its end: copy or download it again."
        )
    return frame


def write(frames, path, fps: float = DEFAULT_FPS) -> Path:
    """Write a clip as a Motion-JPEG AVI file.

    Parameters
    ----------
    frames : sequence of arrays
        ``(H, W)`` grey, ``(H, W, 3)`` RGB or ``(H, W, 4)`` RGBA frames, ``uint8`` or
        floats in [0, 1], all of the same size (a ``(T, H, W[, C])`` array works).
    path : str or os.PathLike
        The file to write (its folder must exist); ``.avi`` is the fitting suffix.
    fps : float
        Frames per second recorded in the file.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    import cv2

    fps = positive(fps, "fps")
    clip = [image_uint8(frame, f"frame {i}") for i, frame in enumerate(frames)]
    if not clip:
        raise InvalidInputError("video.write: the clip has no frames.")
    height, width = clip[0].shape[:2]
    if any(f.shape[:2] != (height, width) for f in clip):
        raise InvalidInputError("video.write: all frames must have the same size.")
    path = Path(path)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (width, height))
    if not writer.isOpened():
        raise InvalidInputError(f"video.write: OpenCV cannot write {path}; check that its folder exists.")
    try:
        for frame in clip:
            channels = frame.shape[2]
            code = {1: cv2.COLOR_GRAY2BGR, 3: cv2.COLOR_RGB2BGR, 4: cv2.COLOR_RGBA2BGR}[channels]
            writer.write(cv2.cvtColor(frame[:, :, 0] if channels == 1 else frame, code))
    finally:
        writer.release()
    return path
