"""Frame sources behind one interface: frames in memory, files, a local camera, the synthetic fallback clip."""

from __future__ import annotations

import itertools
import os
import time
from pathlib import Path

import numpy as np

from fercourse import video
from fercourse.checks import existing_file, is_image
from fercourse.emotions import FER2013_LABELS
from fercourse.errors import InvalidInputError, NoCameraError
from fercourse.live.faces import FRAME_SIZE, fit_frame

__all__ = ["Source", "CameraSource", "synthetic_source", "open_source"]

# --------------------------------------------------------------------------- sources


class Source:
    """Frames with timestamps, in order: iterate to get ``(timestamp_ms, frame)`` pairs.

    ``name`` says what it is, ``fps`` its frame rate, ``notice`` (or ``None``) a
    sentence to show the learner (for example that this is not a camera),
    ``live`` whether frames come from a device in real time.

    Parameters
    ----------
    frames : sequence of array_like
        The frames, RGB (grey ones are converted).
    fps : float
        The frame rate the timestamps are counted at.
    name : str
        What the source is, for the learner.
    notice : str, optional
        A sentence to show before the frames.

    Examples
    --------
    >>> import numpy as np
    >>> source = Source([np.zeros((48, 64, 3), np.uint8)] * 3, fps=10, name="black frames")
    >>> [timestamp for timestamp, frame in source]
    [0.0, 100.0, 200.0]
    """

    live = False

    def __init__(self, frames, fps: float, name: str, notice: str | None = None):
        from fercourse.face import as_rgb

        self.frames = [as_rgb(f, name=f"frame {i}") for i, f in enumerate(frames)]
        if not self.frames:
            raise InvalidInputError(f"The source {name} has no frames.")
        if not fps > 0:
            raise InvalidInputError(f"fps must be positive, got {fps!r}.")
        self.fps, self.name, self.notice = float(fps), name, notice

    def __len__(self) -> int:
        return len(self.frames)

    def __iter__(self):
        for i, frame in enumerate(self.frames):
            yield 1000.0 * i / self.fps, frame

    def close(self) -> None:
        """Release the source's device, if it has one (nothing to do for frames in memory)."""


class CameraSource(Source):
    """A local camera through ``cv2.VideoCapture`` (local kernels, VS Code): frames for ``seconds``.

    Parameters
    ----------
    index : int
        The camera's index for ``cv2.VideoCapture``.
    seconds : float
        How long iterating over the source reads frames.
    size : tuple of int
        The ``(width, height)`` asked of the camera.

    Raises
    ------
    fercourse.errors.NoCameraError
        When the camera cannot be opened or gives no frame.
    """

    live = True

    def __init__(self, index: int = 0, seconds: float = 5.0, size=FRAME_SIZE):
        import cv2

        self.index, self.seconds, self.size = int(index), float(seconds), tuple(size)
        self._capture = cv2.VideoCapture(self.index)
        if not self._capture.isOpened():
            self._capture.release()
            raise NoCameraError(
                f"No camera could be opened at index {self.index} (cv2.VideoCapture); check that one is "
                "connected and not used by another program, or try another index."
            )
        self._capture.set(cv2.CAP_PROP_FRAME_WIDTH, self.size[0])
        self._capture.set(cv2.CAP_PROP_FRAME_HEIGHT, self.size[1])
        ok, first = self._capture.read()
        if not ok or first is None:
            self._capture.release()
            raise NoCameraError(f"The camera at index {self.index} opened but gave no frame; close other programs using it.")
        self._first = cv2.cvtColor(first, cv2.COLOR_BGR2RGB)
        self.fps = float(self._capture.get(cv2.CAP_PROP_FPS) or 30.0)
        self.name, self.notice = f"camera {self.index}", None

    def __len__(self) -> int:
        return int(self.seconds * self.fps)

    def read(self) -> np.ndarray:
        """One RGB frame, now.

        Returns
        -------
        numpy.ndarray
            The camera's current frame, RGB ``uint8``.
        """
        import cv2

        ok, frame = self._capture.read()
        if not ok:
            raise NoCameraError(f"The camera at index {self.index} stopped giving frames.")
        return cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)

    def __iter__(self):
        start = time.monotonic()
        yield 0.0, self._first
        while time.monotonic() - start < self.seconds:
            frame = self.read()
            yield 1000.0 * (time.monotonic() - start), frame

    def close(self) -> None:
        """Release the camera."""
        self._capture.release()


def synthetic_source(seconds: float = 3.0, fps: float = 10.0, seed: int = 0, emotion: str | None = None,
                     size=FRAME_SIZE) -> Source:
    """The fallback source: a deterministic synthetic clip in colour and portrait framing.

    One face (from :func:`fercourse.synth.clips`, ``seed`` picks the person,
    and ``emotion``, by default one of FER2013's six expressions drawn from the
    seed) rests, shows the expression and rests again, with blinks and slight head
    movement; frames are ``size`` = (width, height), 640 x 480 like a webcam.
    The returned source's ``truth`` holds what the clip really shows: the
    generator's table row (``label``, ``onset``, ``apex``, ``offset`` frames,
    ``blinks``, ...), its exact ``landmarks`` in frame pixels and ``eye_closure``
    per frame.

    Parameters
    ----------
    seconds : float
        The clip's length.
    fps : float
        Its frame rate.
    seed : int
        Picks the person (and the expression when ``emotion`` is ``None``).
    emotion : str, optional
        One of FER2013's expressions other than neutral.
    size : tuple of int
        The frames' ``(width, height)``.

    Returns
    -------
    Source
        The clip, with its ``notice``, ``table`` and ``truth``.
    """
    from fercourse import synth

    expressions = [label for label in FER2013_LABELS if label != "neutral"]
    if emotion is None:
        emotion = expressions[int(np.random.default_rng(seed).integers(len(expressions)))]
    if emotion not in expressions:
        raise InvalidInputError(f"emotion must be one of {expressions}, got {emotion!r}.")
    width, height = size
    clip = synth.clips(1, fps=fps, seconds=seconds, size=int(min(width, height)), color=True, framing="portrait",
                       kind="macro", labels=(emotion,), blink_rate=0.5, seed=seed)
    frames = [fit_frame(frame, (width, height)) for frame in clip.samples[0]]
    notice = (f"No camera in this run: showing a synthetic clip instead ({seconds:g} s at {fps:g} fps, "
              f"{width} x {height}, seed {seed}, a face showing {emotion}).")
    source = Source(frames, fps, f"synthetic clip ({emotion}, seed {seed})", notice)
    source.table = clip.table
    side = clip.samples[0].shape[1]  # the clip is square; fit_frame scaled and centred it
    scale = min(width, height) / side
    shift = np.array([(width - round(side * scale)) // 2, (height - round(side * scale)) // 2, 0], np.float32)
    source.truth = {**clip.table.iloc[0].to_dict(), "landmarks": clip.extras["landmarks"][0] * scale + shift,
                    "eye_closure": clip.extras["eye_closure"][0]}
    return source


def _file_source(path: Path, seconds: float, fps: float) -> Source:
    from fercourse.face import load_image

    path = existing_file(path, "The source file", " (a video or an image)")
    if path.suffix.lower() in (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff"):
        image = load_image(path)
        return Source([image] * max(1, int(round(seconds * fps))), fps, f"image {path.name} (repeated)")
    rate = video.probe(path, default_fps=fps).fps  # also checks that the first frame decodes
    frames = list(itertools.islice(video.frames(path), max(1, int(round(seconds * rate)))))
    return Source(frames, rate, f"video {path.name}")


def open_source(source=None, *, seconds: float = 3.0, fps: float = 10.0, seed: int = 0) -> Source:
    """One frame source from many kinds of input.

    ``None``: the synthetic fallback clip (:func:`synthetic_source`).
    ``"camera"`` or an int: a local camera (:class:`CameraSource`); when none
    opens, the fallback clip with a notice saying why.  A path: a video file (its
    first ``seconds``) or an image (repeated).  An image array: repeated; a
    ``(T, H, W, 3)`` array or list of frames: a clip at ``fps``.  A
    :class:`Source` is returned as it is.

    Parameters
    ----------
    source : None, str, int, path, array_like or Source
        What to read frames from, as above.
    seconds : float
        How long to read a camera or a video, or to repeat an image.
    fps : float
        The frame rate of frames given in memory, a repeated image or the fallback clip.
    seed : int
        The seed of the fallback clip.

    Returns
    -------
    Source
        The frames; iterate over it for ``(timestamp_ms, frame)`` pairs.
    """
    if isinstance(source, Source):
        return source
    if source is None:
        return synthetic_source(seconds, fps, seed)
    if (isinstance(source, str) and source == "camera") or (
        isinstance(source, (int, np.integer)) and not isinstance(source, bool)
    ):
        index = 0 if source == "camera" else int(source)
        try:
            return CameraSource(index, seconds)
        except NoCameraError as error:
            fallback = synthetic_source(seconds, fps, seed)
            fallback.notice = f"{error} " + fallback.notice
            return fallback
    if isinstance(source, (str, os.PathLike)):
        return _file_source(Path(source), seconds, fps)
    if is_image(source):
        return Source([source] * max(1, int(round(seconds * fps))), fps, "image (repeated)")
    if isinstance(source, (np.ndarray, list, tuple)):
        return Source(list(source), fps, "frames")
    raise InvalidInputError(
        f"source must be None, 'camera', a camera index, a file path, an image or a list of frames; "
        f"got {type(source).__name__}."
    )
