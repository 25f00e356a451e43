"""Frames and faces: webcam-sized frames, and what the pipeline sees (:class:`Face`, :class:`Reading`).

>>> import numpy as np
>>> fit_frame(np.zeros((100, 200, 3), np.uint8)).shape
(480, 640, 3)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from fercourse.errors import InvalidInputError

__all__ = ["FRAME_SIZE", "fit_frame", "Face", "Reading"]

#: The frame size of the fallback clip and the widget's default resolution, ``(width, height)``.
FRAME_SIZE = (640, 480)


# --------------------------------------------------------------------------- frames


def fit_frame(image, size=FRAME_SIZE) -> np.ndarray:
    """``image`` (RGB) scaled to fit a frame of ``size`` = (width, height), centred, its borders repeated.

    Makes webcam-sized frames from photos: ``fit_frame(astronaut())`` is 640 x 480.

    Parameters
    ----------
    image : array_like
        An RGB (or grey, converted to RGB) image.
    size : tuple of int
        The frame's ``(width, height)``; by default :data:`FRAME_SIZE`.

    Returns
    -------
    numpy.ndarray
        The RGB ``uint8`` frame, ``(height, width, 3)``.
    """
    import cv2

    from fercourse.face import as_rgb

    image = as_rgb(image)

    width, height = size
    h, w = image.shape[:2]
    scale = min(width / w, height / h)
    new_w, new_h = max(1, round(w * scale)), max(1, round(h * scale))
    resized = cv2.resize(image, (new_w, new_h), interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    left, top = (width - new_w) // 2, (height - new_h) // 2
    return cv2.copyMakeBorder(resized, top, height - new_h - top, left, width - new_w - left, cv2.BORDER_REPLICATE)


# ---------------------------------------------------------------------------- faces


@dataclass(eq=False)
class Face:
    """One face in one frame, as the pipeline sees it.

    Attributes
    ----------
    frame:
        The RGB ``uint8`` frame the face is in.  The pipeline keeps frames only
        for its newest reading (640 x 480 frames take 0.9 MB each); in older
        readings of :attr:`Pipeline.history` it is ``None``, while crops made
        earlier stay available from :meth:`crop`.
    box:
        ``(x, y, width, height)`` in pixels.
    mesh:
        The :class:`fercourse.face.FaceMesh` (478 landmarks, blendshapes, pose)
        when the detector is the landmarker, else ``None``.
    keypoints:
        Six detector keypoints (eyes first, see ``face.KEYPOINT_NAMES``) or ``None``.
    label, probabilities:
        Set by the pipeline's classifier: the most likely class after temporal
        smoothing, and every class's smoothed probability (a dict, classes in the
        classifier's order).  ``raw_probabilities`` holds this frame's own.
    track:
        A number that stays the same while the pipeline follows the same face.
    """

    frame: np.ndarray | None = field(repr=False)
    box: tuple[int, int, int, int]
    mesh: object | None = field(default=None, repr=False)
    keypoints: np.ndarray | None = field(default=None, repr=False)
    label: str | None = None
    probabilities: dict[str, float] | None = field(default=None, repr=False)
    raw_probabilities: dict[str, float] | None = field(default=None, repr=False)
    track: int = 0
    _crops: dict = field(default_factory=dict, repr=False)

    @property
    def landmarks(self) -> np.ndarray | None:
        """``(478, 3)`` landmarks in frame pixels, or ``None`` without a mesh."""
        return None if self.mesh is None else self.mesh.landmarks

    def crop(self, size: int = 48, gray: bool = True) -> np.ndarray:
        """The face cut out and resized to ``size`` x ``size`` (grey by default).

        The expression model's crop, :func:`fercourse.face.expression_crop`: with
        eye positions (a mesh or detector keypoints) it is levelled on the eye line
        and cut by eye distance (:func:`fercourse.face.crop_by_eyes`, the course's
        crop, chapter 03); otherwise it is the square around the box
        (:func:`fercourse.face.crop_square`).  Crops are remembered per
        ``(size, gray)``.

        Parameters
        ----------
        size : int
            The side of the square crop, in pixels.
        gray : bool
            Grey crop (``True``) or RGB.

        Returns
        -------
        numpy.ndarray
            ``(size, size)`` grey or ``(size, size, 3)`` RGB, ``uint8``.
        """
        from fercourse import face as face_module

        key = (int(size), bool(gray))
        if key not in self._crops:
            if self.frame is None:
                raise InvalidInputError(
                    f"The frame of this face was released (only the newest reading keeps its frame) and no "
                    f"crop of size {size}, gray={gray} was made before; crop while the reading is new."
                )
            eyes = self.landmarks if self.mesh is not None else (None if self.keypoints is None else self.keypoints[:2])
            self._crops[key] = face_module.expression_crop(self.frame, eyes, self.box, int(size), gray)
        return self._crops[key]

    def _release(self) -> None:
        self.frame = None


@dataclass(eq=False)
class Reading:
    """What the pipeline saw in one frame.

    ``faces`` (largest first), ``index`` (frame number since the pipeline
    started or was reset), ``timestamp_ms``, ``latency_ms`` (processing time of
    this frame, wall clock), ``fps`` (input frame rate over the recent frames,
    from their timestamps), ``blinks`` (blinks counted so far), ``ear`` (eye
    aspect ratio of the first face, or ``None``), ``size`` (width, height).
    """

    faces: list[Face]
    index: int
    timestamp_ms: float
    latency_ms: float = field(repr=False)  # varies from run to run: kept out of printed readings
    fps: float
    blinks: int
    ear: float | None
    size: tuple[int, int]

    @property
    def face(self) -> Face | None:
        """The largest face, or ``None``."""
        return self.faces[0] if self.faces else None

    @property
    def label(self) -> str | None:
        """The label of the largest face (``None`` without a face or a classifier)."""
        return self.faces[0].label if self.faces else None

    def to_overlay(self, points: bool = False, top: int = 3, bars: bool = False) -> dict:
        """JSON-ready data for the widget: frame size, per-face box, label, probabilities, points.

        Parameters
        ----------
        points : bool
            Add each face's 478 landmarks as ``[x, y]`` pairs (one decimal).
        top : int
            How many of the most likely classes to send the probabilities of.
        bars : bool
            Also send every class's value as ``bars`` (in the classifier's order), for
            classifiers whose outputs are independent, such as action units.

        Returns
        -------
        dict
            ``width``, ``height``, ``index``, ``fps``, ``latency_ms``, ``blinks``
            and ``faces``, a list with one dict per face (``box``, ``track``, and
            with a classifier ``label``, ``score``, ``probabilities``).
        """
        faces = []
        for f in self.faces:
            item = {"box": [int(v) for v in f.box], "track": int(f.track)}
            if f.probabilities:
                best = sorted(f.probabilities.items(), key=lambda kv: -kv[1])[: max(1, int(top))]
                item["label"] = f.label
                item["score"] = round(float(f.probabilities[f.label]), 3)
                item["probabilities"] = {k: round(float(v), 3) for k, v in best}
                if bars:
                    item["bars"] = [[k, round(float(v), 3)] for k, v in f.probabilities.items()]
            if points and f.landmarks is not None:
                item["points"] = np.round(f.landmarks[:, :2], 1).tolist()
            faces.append(item)
        return {
            "width": int(self.size[0]), "height": int(self.size[1]), "index": int(self.index), "faces": faces,
            "fps": round(float(self.fps), 1), "latency_ms": round(float(self.latency_ms), 1),
            "blinks": int(self.blinks),
        }
