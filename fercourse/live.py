"""Live demos: the one real-time pipeline behind every chapter's webcam cell.

Every chapter ends with a live cell built from three pieces:

* :class:`Pipeline` -- a frame in, a :class:`Reading` out: faces found (by
  default with the Face Landmarker in video mode, which tracks a face from frame
  to frame), each classified by any chapter's model, probabilities smoothed over
  time, a blink counter, a frames-per-second and latency meter, and
  :meth:`Reading.to_overlay`, the JSON the webcam widget draws over the video;
* frame sources behind one interface (:func:`open_source`): the browser's camera
  through :class:`fercourse.widgets.Webcam`, a local camera through
  ``cv2.VideoCapture`` (:class:`CameraSource`, for local kernels and VS Code), a
  video or image file, frames in memory, and the deterministic synthetic clip
  that every demo falls back to when there is no camera (:func:`synthetic_source`);
* :func:`demo` and :func:`snapshot`, the calls a chapter makes.

>>> from fercourse import live
>>> pipe = live.Pipeline()                          # doctest: +SKIP
>>> result = live.demo(pipe, seconds=2, seed=0)     # doctest: +SKIP
>>> print(result.summary())                         # doctest: +SKIP

Frames never leave the machine that runs the kernel: the widget sends them from
the page to the kernel and nowhere else, and the models run offline.
"""

from __future__ import annotations

import collections
import math
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from fercourse.checks import is_image
from fercourse.errors import InvalidInputError, NoCameraError
from fercourse.models import ClassifierBase
from fercourse.face import decode_frame, encode_frame  # the widget's frame codec, re-exported

__all__ = [
    "FRAME_SIZE",
    "NoCameraError",
    "decode_frame",
    "encode_frame",
    "fit_frame",
    "Face",
    "Reading",
    "CropClassifier",
    "FeatureClassifier",
    "as_classifier",
    "BlinkCounter",
    "Meter",
    "Pipeline",
    "Source",
    "CameraSource",
    "synthetic_source",
    "open_source",
    "frontend",
    "draw_overlay",
    "DemoResult",
    "demo",
    "snapshot",
]

#: The frame size of the fallback clip and the widget's default resolution, ``(width, height)``.
FRAME_SIZE = (640, 480)


# --------------------------------------------------------------------------- frames


def fit_frame(image, size=FRAME_SIZE) -> np.ndarray:
    """``image`` (RGB) scaled to fit a frame of ``size`` = (width, height), centred, its borders repeated.

    Makes webcam-sized frames from photos: ``fit_frame(astronaut())`` is 640 x 480.
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

        With eye positions (a mesh or detector keypoints) the crop is levelled on
        the eye line and cut by eye distance (:func:`fercourse.face.crop_by_eyes`,
        the course's crop, chapter 03); otherwise it is the square around the box
        (:func:`fercourse.face.crop_square`).  Crops are remembered per
        ``(size, gray)``.
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
            if eyes is not None:
                # Cut the region the crop covers before resampling: blurring a whole 640 x 480 frame
                # (crop_by_eyes blurs before it shrinks) would cost more than the crop itself.  The
                # margin exceeds the blur's reach (3 sigma, about 1.5 input pixels per output pixel),
                # so the crop is exactly the one of the whole frame.
                eyes = np.asarray(eyes, dtype=np.float64)[:, :2]
                corners = face_module.crop_corners(eyes)
                margin = 8 + int(2 * np.ptp(corners, axis=0).max() / int(size))
                height, width = self.frame.shape[:2]
                x0, y0 = np.clip(np.floor(corners.min(axis=0)).astype(int) - margin, 0, [width - 1, height - 1])
                x1, y1 = np.clip(np.ceil(corners.max(axis=0)).astype(int) + margin, [x0 + 1, y0 + 1], [width, height])
                region = self.frame[y0:y1, x0:x1]
                image = face_module.crop_by_eyes(region, eyes - (x0, y0), size=int(size))[0]
                image = face_module.convert_color(image, "gray") if gray else image
            else:
                image = face_module.crop_square(self.frame, self.box, size=int(size), gray=gray)
            self._crops[key] = image
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

    def to_overlay(self, points: bool = False, top: int = 3) -> dict:
        """JSON-ready data for the widget: frame size, per-face box, label, probabilities, points.

        ``points=True`` adds each face's 478 landmarks as ``[x, y]`` pairs (one
        decimal); ``top`` limits the probabilities sent to the most likely classes.
        """
        faces = []
        for f in self.faces:
            item = {"box": [int(v) for v in f.box], "track": int(f.track)}
            if f.probabilities:
                best = sorted(f.probabilities.items(), key=lambda kv: -kv[1])[: max(1, int(top))]
                item["label"] = f.label
                item["score"] = round(float(f.probabilities[f.label]), 3)
                item["probabilities"] = {k: round(float(v), 3) for k, v in best}
            if points and f.landmarks is not None:
                item["points"] = np.round(f.landmarks[:, :2], 1).tolist()
            faces.append(item)
        return {
            "width": int(self.size[0]), "height": int(self.size[1]), "index": int(self.index), "faces": faces,
            "fps": round(float(self.fps), 1), "latency_ms": round(float(self.latency_ms), 1),
            "blinks": int(self.blinks),
        }


# ---------------------------------------------------------------------- classifiers


class CropClassifier(ClassifierBase):
    """A crop model (``predict_proba(crops)``, e.g. ``cnn.PretrainedFER``) as a pipeline classifier.

    Each face is cut with :meth:`Face.crop` (``size``, ``gray``) and the crops go
    to ``model.predict_proba`` in one batch.  :class:`Pipeline` wraps the
    course's CNN classifiers (``cnn.PretrainedFER``, ``cnn.TorchFER``) in it
    by itself.
    """

    def __init__(self, model, size: int = 48, gray: bool = True, classes=None):
        if not hasattr(model, "predict_proba"):
            raise InvalidInputError(f"CropClassifier needs a model with predict_proba(crops), got {type(model).__name__}.")
        self.model, self.size, self.gray = model, int(size), bool(gray)
        self.classes = tuple(classes if classes is not None else getattr(model, "classes", ()))
        if not self.classes:
            raise InvalidInputError("CropClassifier needs class names: the model has no .classes, so pass classes=.")
        # The first call of a traced model builds its graph (half a second): do it now, not on frame one.
        self.model.predict_proba([np.zeros((self.size, self.size) if self.gray else (self.size, self.size, 3), np.uint8)])

    def predict_proba(self, faces) -> np.ndarray:
        return np.asarray(self.model.predict_proba([f.crop(self.size, self.gray) for f in faces]))


class FeatureClassifier(ClassifierBase):
    """A feature model (scikit-learn style) as a pipeline classifier.

    ``feature(face) -> 1-D array`` makes each face's row, e.g.
    ``lambda f: f.mesh.blendshape_vector()`` for chapter 04's blendshape SVM.
    ``classes`` names the model's classes in the order of ``estimator.classes_``
    (default: those values as text).  A model without ``predict_proba`` (an SVC
    made without ``probability=True``) gives probability 1 to the class it predicts.
    """

    def __init__(self, estimator, feature, classes=None):
        if not hasattr(estimator, "predict") or not callable(feature):
            raise InvalidInputError("FeatureClassifier needs a fitted estimator with predict and a callable feature(face).")
        if not hasattr(estimator, "classes_"):
            raise InvalidInputError("The estimator is not fitted (it has no classes_); fit it first.")
        self.estimator, self.feature = estimator, feature
        self.classes = tuple(str(c) for c in (estimator.classes_ if classes is None else classes))
        if len(self.classes) != len(estimator.classes_):
            raise InvalidInputError(
                f"classes names {len(self.classes)} classes but the estimator has {len(estimator.classes_)}."
            )

    def predict_proba(self, faces) -> np.ndarray:
        rows = np.stack([np.asarray(self.feature(f), dtype=np.float64).ravel() for f in faces])
        if hasattr(self.estimator, "predict_proba"):
            return np.asarray(self.estimator.predict_proba(rows))
        index = {value: k for k, value in enumerate(self.estimator.classes_)}
        picked = [index[value] for value in self.estimator.predict(rows)]
        return np.eye(len(self.classes))[picked]


class _CallableClassifier(ClassifierBase):
    """A plain ``face -> {label: probability}`` function as a classifier."""

    def __init__(self, function):
        self.function, self.classes = function, None

    def predict_proba(self, faces) -> np.ndarray:
        rows = []
        for f in faces:
            result = self.function(f)
            if not isinstance(result, dict) or not result:
                raise InvalidInputError(
                    f"The classifier function returned {type(result).__name__}; it must return a non-empty "
                    "dict {label: probability}."
                )
            if self.classes is None:
                self.classes = tuple(str(k) for k in result)
            missing = set(self.classes) - set(map(str, result))
            if missing:
                raise InvalidInputError(f"The classifier function left out the labels {sorted(missing)}; return all of {list(self.classes)}.")
            values = {str(k): float(v) for k, v in result.items()}
            rows.append([values[c] for c in self.classes])
        return np.array(rows, dtype=np.float64)


def as_classifier(classifier):
    """Any model a chapter trains, as a classifier of :class:`Face` objects (what :class:`Pipeline` calls).

    ``None`` gives the shipped FER2013 model; the course's crop models (``cnn``) are wrapped in a
    :class:`CropClassifier` at their input size; an object with ``.classes`` and
    ``.predict_proba(faces)`` is used as it is; a function ``face -> {label: probability}`` is wrapped.
    """
    from fercourse import cnn

    if classifier is None:
        return CropClassifier(cnn.PretrainedFER())
    if isinstance(classifier, cnn.PretrainedFER):
        return CropClassifier(classifier)
    if isinstance(classifier, cnn.BaseClassifier):  # the course's PyTorch models: crops at their input size
        return CropClassifier(classifier, size=classifier.input_size)
    if hasattr(classifier, "predict_proba") and hasattr(classifier, "classes"):
        return classifier
    if callable(classifier):
        return _CallableClassifier(classifier)
    raise InvalidInputError(
        f"classifier must be None (the shipped FER2013 model), an object with .classes and .predict_proba(faces), "
        f"or a function face -> {{label: probability}}; got {type(classifier).__name__}."
    )


# --------------------------------------------------------------- blinks and timing


class BlinkCounter:
    """Blinks counted as the eye aspect ratio (EAR) streams in, one value per frame.

    The streaming form of :func:`fercourse.features.detect_blinks`, with the same
    thresholds: a blink starts when the EAR falls below ``close`` times the
    open-eye baseline and ends when it rises above ``reopen`` times it (or, if
    sooner, halfway back from its lowest value to the baseline, because the
    open-eye level can change during a blink, as when a surprise fades).  A live
    stream has no future frames, so the baseline is the median EAR of the last
    ``window`` open-eye frames, and it freezes while the eye is shut.  Closures
    shorter than ``min_frames`` are noise; longer than ``max_frames`` they are not
    a blink (eyes kept shut, or a fast change of expression the baseline has not
    caught up with) and the baseline starts again.  The defaults suit 10 to 30
    frames per second (a blink lasts 0.1 to 0.4 s).
    """

    def __init__(self, close: float = 0.6, reopen: float = 0.85, min_frames: int = 1, max_frames: int = 15,
                 window: int = 15):
        if not 0.0 < close <= reopen:
            raise InvalidInputError(f"need 0 < close <= reopen, got close={close}, reopen={reopen}.")
        if not 1 <= int(min_frames) <= int(max_frames) or int(window) < 1:
            raise InvalidInputError(
                f"need 1 <= min_frames <= max_frames and window >= 1, got {min_frames!r}, {max_frames!r}, {window!r}."
            )
        self.close, self.reopen = float(close), float(reopen)
        self.min_frames, self.max_frames = int(min_frames), int(max_frames)
        self._recent = collections.deque(maxlen=int(window))
        self.reset()

    def reset(self) -> None:
        """Forget the counted blinks and the baseline."""
        self._recent.clear()
        self.count, self._closed_for, self._baseline = 0, 0, None

    def update(self, ear: float | None) -> bool:
        """Add one frame's EAR (``None`` when no face); True when a blink has just ended."""
        if ear is None or not math.isfinite(ear):
            self._closed_for = 0
            return False
        if not self._closed_for:  # the baseline freezes while the eye is shut
            self._baseline = float(np.median(self._recent)) if self._recent else float(ear)
        ended = False
        if self._closed_for:
            self._lowest = min(self._lowest, float(ear))
            # Open again above `reopen` x baseline, or once back halfway from the closure's lowest
            # value to the baseline: the open-eye level may have dropped meanwhile (a fading surprise).
            if ear > min(self.reopen * self._baseline, (self._lowest + self._baseline) / 2):
                ended = self._closed_for >= self.min_frames
                self.count += int(ended)
                self._closed_for = 0
            elif self._closed_for >= self.max_frames:
                self._closed_for = 0
                self._recent.clear()
            else:
                self._closed_for += 1
        elif ear < self.close * self._baseline:
            self._closed_for, self._lowest = 1, float(ear)
        if not self._closed_for:
            self._recent.append(float(ear))
        return ended


class Meter:
    """Frame rate and latency over the last ``window`` frames."""

    def __init__(self, window: int = 30):
        self._stamps = collections.deque(maxlen=int(window))
        self._latency = collections.deque(maxlen=int(window))
        self.frames = 0

    def reset(self) -> None:
        self._stamps.clear()
        self._latency.clear()
        self.frames = 0

    def update(self, timestamp_ms: float, latency_ms: float) -> None:
        self._stamps.append(float(timestamp_ms))
        self._latency.append(float(latency_ms))
        self.frames += 1

    @property
    def fps(self) -> float:
        """Input frames per second, from the timestamps of the recent frames (0 before two frames)."""
        if len(self._stamps) < 2 or self._stamps[-1] <= self._stamps[0]:
            return 0.0
        return 1000.0 * (len(self._stamps) - 1) / (self._stamps[-1] - self._stamps[0])

    @property
    def latency_ms(self) -> float:
        """Median processing time of the recent frames, in milliseconds."""
        return float(np.median(self._latency)) if self._latency else 0.0

    def summary(self) -> dict:
        lat = np.array(self._latency) if self._latency else np.zeros(1)
        return {"frames": self.frames, "fps": round(self.fps, 1), "latency_ms": round(float(np.median(lat)), 1),
                "latency_p95_ms": round(float(np.percentile(lat, 95)), 1)}


# ------------------------------------------------------------------------- pipeline

DETECTORS = ("landmarker", "blazeface", "haar")


class Pipeline:
    """Frame in, :class:`Reading` out: detect, (mesh,) classify, smooth, count blinks, time.

    Parameters
    ----------
    classifier:
        ``None``: the shipped FER2013 mini-Xception (``cnn.PretrainedFER``) on
        each face's eye-aligned 48 x 48 grey crop.  Or any object with
        ``.classes`` and ``.predict_proba(faces) -> (n, k)`` taking a list of
        :class:`Face` (see :class:`CropClassifier`, :class:`FeatureClassifier`;
        the course's ``cnn`` classifiers are wrapped in a CropClassifier
        automatically).  Or a function ``face -> {label: probability}``.
        ``False``: no classifier (faces, meshes and blinks only).
    detector:
        ``"landmarker"`` (MediaPipe's Face Landmarker in video mode: boxes, 478
        landmarks, blendshapes and pose, tracked from frame to frame),
        ``"blazeface"`` (boxes and six keypoints, faster) or ``"haar"`` (boxes).
    smoothing:
        Temporal smoothing of the probabilities, 0 (none) to below 1: each frame's
        shown probabilities are ``smoothing * previous + (1 - smoothing) * new``
        for the same face.
    max_faces:
        The most faces to process per frame (largest first).
    history:
        How many recent readings :attr:`history` keeps (a rolling buffer for
        temporal models and plots).

    Call it on RGB ``uint8`` frames in order: ``reading = pipe(frame)``.  With
    the landmarker, frames are a video: ``timestamp_ms`` must grow from call to
    call (``None`` uses the time since the first frame); :meth:`reset` starts a
    new video.  Close it (or use ``with``) to free the models at once.
    """

    def __init__(self, classifier=None, *, detector: str = "landmarker", smoothing: float = 0.5,
                 max_faces: int = 1, history: int = 300):
        if detector not in DETECTORS:
            raise InvalidInputError(f"detector must be one of {', '.join(map(repr, DETECTORS))}, got {detector!r}.")
        if not isinstance(max_faces, int) or max_faces < 1:
            raise InvalidInputError(f"max_faces must be a positive integer, got {max_faces!r}.")
        try:
            smoothing = float(smoothing)
        except (TypeError, ValueError):
            smoothing = math.nan
        if not 0.0 <= smoothing < 1.0:
            raise InvalidInputError(f"smoothing must lie in [0, 1), got {smoothing!r}; 0 turns it off.")
        if not isinstance(history, int) or history < 1:
            raise InvalidInputError(f"history must be a positive number of readings, got {history!r}.")
        self.detector, self.smoothing, self.max_faces = detector, smoothing, max_faces
        self.classifier = None if classifier is False else as_classifier(classifier)
        self.history: collections.deque[Reading] = collections.deque(maxlen=history)
        self.blink_counter = BlinkCounter()
        self.meter = Meter()
        self._model = None
        self.reset()

    @property
    def classes(self) -> tuple[str, ...]:
        """The classifier's class names (empty without a classifier)."""
        return tuple(getattr(self.classifier, "classes", None) or ())

    @property
    def blinks(self) -> int:
        """Blinks counted since the pipeline started or was reset."""
        return self.blink_counter.count

    def reset(self) -> None:
        """Start a new video: new face tracking, empty history, blink count and meter at zero."""
        from fercourse import face

        if self._model is not None:
            self._model.close()
        if self.detector == "landmarker":
            self._model = face.FaceLandmarker(max_faces=self.max_faces, mode="video")
        else:
            self._model = face.FaceDetector(self.detector, max_faces=self.max_faces)
        self.history.clear()
        self.blink_counter.reset()
        self.meter.reset()
        self._index, self._start, self._last_ts, self._next_track = 0, None, -1.0, 0

    def close(self) -> None:
        """Free the detector's resources (done at exit for any pipeline still open)."""
        if self._model is not None:
            self._model.close()
            self._model = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _detect(self, rgb: np.ndarray, timestamp_ms: float) -> list[Face]:
        if self.detector == "landmarker":
            meshes = self._model.detect(rgb, timestamp_ms=int(round(timestamp_ms)))[: self.max_faces]
            return [Face(rgb, m.box, mesh=m) for m in meshes]
        return [Face(rgb, d.box, keypoints=d.keypoints) for d in self._model.detect(rgb)]

    def _match_tracks(self, faces: list[Face]) -> None:
        from fercourse.matching import match_boxes

        previous = self.history[-1].faces if self.history else []
        # A face keeps the track of the previous frame's face it overlaps most (IoU >= 0.3, best pair first).
        match = {i: k for i, k, _ in match_boxes([f.box for f in faces], [p.box for p in previous], threshold=0.3)}
        for i, f in enumerate(faces):
            if i in match:
                f.track = previous[match[i]].track
                f.probabilities = previous[match[i]].probabilities  # the smoothing's starting point
            else:
                f.track, self._next_track = self._next_track, self._next_track + 1
                f.probabilities = None

    def _classify(self, faces: list[Face]) -> None:
        if not faces or self.classifier is None:
            for f in faces:
                f.probabilities = None
            return
        proba = np.asarray(self.classifier.predict_proba(faces), dtype=np.float64)
        classes = self.classes
        if proba.ndim != 2 or proba.shape != (len(faces), len(classes)):
            raise InvalidInputError(
                f"The classifier returned probabilities of shape {proba.shape}; expected ({len(faces)}, "
                f"{len(classes)}), one row per face and one column per class of {list(classes)}."
            )
        for f, row in zip(faces, proba):
            raw = dict(zip(classes, map(float, row)))
            previous = f.probabilities
            if previous is not None and self.smoothing > 0:
                smoothed = {c: self.smoothing * previous[c] + (1 - self.smoothing) * raw[c] for c in classes}
            else:
                smoothed = raw
            f.raw_probabilities, f.probabilities = raw, smoothed
            f.label = max(smoothed, key=smoothed.get)

    def __call__(self, frame, timestamp_ms: float | None = None) -> Reading:
        from fercourse import face, features

        started = time.perf_counter()
        if self._model is None:
            raise InvalidInputError(
                "This Pipeline is closed (close() was called, or its with block ended); call reset() to open "
                "its detector again, or create a new Pipeline."
            )
        rgb = face.as_rgb(frame, name="frame")
        if timestamp_ms is None:
            now = time.monotonic() * 1000.0
            self._start = now if self._start is None else self._start
            timestamp_ms = now - self._start
            if timestamp_ms <= self._last_ts:
                timestamp_ms = self._last_ts + 1.0
        else:
            try:
                timestamp_ms = float(timestamp_ms)
            except (TypeError, ValueError, OverflowError):
                timestamp_ms = math.nan
            if (not 0 <= timestamp_ms <= face.MAX_TIMESTAMP_MS  # NaN fails too
                    or round(timestamp_ms) <= round(self._last_ts)):
                raise InvalidInputError(
                    f"timestamp_ms must grow from frame to frame (previous {self._last_ts:g} ms) and stay within "
                    f"0..{face.MAX_TIMESTAMP_MS:.0e} ms, got {timestamp_ms!r}; call pipe.reset() before a new video."
                )
        faces = self._detect(rgb, timestamp_ms)
        self._match_tracks(faces)
        self._classify(faces)
        ear = None
        if faces and faces[0].landmarks is not None:
            ear = float(features.eye_aspect_ratio(faces[0].landmarks)[0])
        self.blink_counter.update(ear)
        latency = 1000.0 * (time.perf_counter() - started)
        self.meter.update(timestamp_ms, latency)
        if self.history:
            for old in self.history[-1].faces:
                old._release()
        reading = Reading(faces, self._index, timestamp_ms, latency, self.meter.fps, self.blinks, ear,
                          (rgb.shape[1], rgb.shape[0]))
        self.history.append(reading)
        self._index += 1
        self._last_ts = timestamp_ms
        return reading


# --------------------------------------------------------------------------- sources


class Source:
    """Frames with timestamps, in order: iterate to get ``(timestamp_ms, frame)`` pairs.

    ``name`` says what it is, ``fps`` its frame rate, ``notice`` (or ``None``) a
    sentence to show the learner (for example that this is not a camera),
    ``live`` whether frames come from a device in real time.
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
        pass


class CameraSource(Source):
    """A local camera through ``cv2.VideoCapture`` (local kernels, VS Code): frames for ``seconds``.

    Raises :class:`NoCameraError` when the camera cannot be opened or gives no frame.
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
        """One RGB frame, now."""
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
    """
    from fercourse import synth
    from fercourse.emotions import FER2013_LABELS

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
    import itertools

    from fercourse import video
    from fercourse.checks import existing_file
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


# ------------------------------------------------------------------------ front end


def frontend() -> str | None:
    """Which front end can show the webcam widget here: ``"colab"``, ``"jupyter"`` or ``None``.

    ``None`` means a headless run (a script, the tests, the book build, a kernel
    started without a Jupyter server) or VS Code, whose notebook pages cannot
    open the camera (use ``source="camera"`` there).  The environment variable
    ``FERCOURSE_LIVE`` overrides the guess: ``widget`` or ``fallback``.
    """
    forced = os.environ.get("FERCOURSE_LIVE", "").strip().lower()
    if forced in ("widget", "fallback"):
        return "jupyter" if forced == "widget" else None
    if forced:
        raise InvalidInputError(f"FERCOURSE_LIVE must be 'widget' or 'fallback', got {forced!r}.")
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython ships with the course
        return None
    shell = get_ipython()
    if shell is None or not hasattr(shell, "kernel"):
        return None
    if "google.colab" in sys.modules:
        return "colab"
    if "__vsc_ipynb_file__" in shell.user_ns or "VSCODE_PID" in os.environ:
        return None
    # A Jupyter server (JupyterLab, Notebook 7) names each kernel's notebook in JPY_SESSION_NAME;
    # kernels started by nbclient, nbval or jupyter-book have no page that could show a widget.
    return "jupyter" if os.environ.get("JPY_SESSION_NAME") else None


# -------------------------------------------------------------------------- drawing

_COLOURS = [(255, 64, 129), (0, 229, 255), (255, 234, 0), (118, 255, 3)]


def draw_overlay(frame, reading: Reading, points: bool = False) -> np.ndarray:
    """A copy of ``frame`` with the reading drawn on it: boxes, labels, optionally landmarks.

    What the widget draws in the page, for plots, files and ``cv2`` windows.
    """
    import cv2

    from fercourse.face import as_rgb

    image = as_rgb(frame).copy()
    scale = max(image.shape[:2]) / 640.0
    thickness = max(1, round(2 * scale))
    for f in reading.faces:
        colour = _COLOURS[f.track % len(_COLOURS)]
        x, y, w, h = f.box
        cv2.rectangle(image, (x, y), (x + w, y + h), colour, thickness)
        if points and f.landmarks is not None:  # one pixel per landmark: 478 larger dots would hide the face
            xy = np.round(f.landmarks[:, :2]).astype(int)
            inside = (xy[:, 0] >= 0) & (xy[:, 0] < image.shape[1]) & (xy[:, 1] >= 0) & (xy[:, 1] < image.shape[0])
            image[xy[inside, 1], xy[inside, 0]] = (255, 234, 0)
        if f.label is not None:
            text = f"{f.label} {f.probabilities[f.label]:.2f}"
            font = 0.6 * scale
            (tw, th), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, font, thickness)
            top = max(y - th - base - 4, 0)
            cv2.rectangle(image, (x, top), (x + tw + 6, top + th + base + 4), colour, -1)
            cv2.putText(image, text, (x + 3, top + th + 2), cv2.FONT_HERSHEY_SIMPLEX, font, (0, 0, 0), thickness,
                        cv2.LINE_AA)
    return image


# ----------------------------------------------------------------------------- demo


class DemoResult:
    """What :func:`demo` returns: the readings (and frames) of a run, or of a live widget.

    ``readings`` and ``frames`` are lists in order; ``source`` names where the
    frames came from; ``notice`` is the sentence shown about it (or ``None``);
    ``widget`` is the :class:`fercourse.widgets.Webcam` when the browser streams
    (its readings then arrive after the cell has finished: look again later);
    ``truth`` is what a synthetic clip really shows (see :func:`synthetic_source`),
    else ``None``.  Every face of a finished run keeps its frame, so
    :meth:`Face.crop` works on all of them.
    """

    def __init__(self, pipeline: Pipeline, readings=(), frames=(), source: str = "", notice: str | None = None,
                 widget=None, truth: dict | None = None):
        self.pipeline, self.source, self.notice, self.widget, self.truth = pipeline, source, notice, widget, truth
        self._readings, self._frames = list(readings), list(frames)
        for reading, frame in zip(self._readings, self._frames):
            for f in reading.faces:  # the run keeps its frames anyway: let every face crop again
                f.frame = frame

    @property
    def readings(self) -> list[Reading]:
        return list(self.pipeline.history) if self.widget is not None else self._readings

    @property
    def frames(self) -> list[np.ndarray]:
        if self.widget is not None:
            return [] if self.widget.last_frame is None else [self.widget.last_frame]
        return self._frames

    def summary(self, every: int = 1):
        """One row per ``every``-th reading: time, faces, label, its probability, EAR and blinks so far."""
        import pandas as pd

        rows = []
        for r in self.readings[:: max(1, int(every))]:
            f = r.face
            rows.append({
                "time (s)": round(r.timestamp_ms / 1000.0, 2), "faces": len(r.faces),
                "label": f.label if f else None,
                "probability": round(f.probabilities[f.label], 2) if f and f.label else None,
                "EAR": round(r.ear, 3) if r.ear is not None else None, "blinks": r.blinks,
            })
        table = pd.DataFrame(rows, columns=["time (s)", "faces", "label", "probability", "EAR", "blinks"])
        table.index.name = "frame"
        if every > 1:
            table.index = table.index * int(every)
        return table

    def labels(self) -> list[str | None]:
        """The label of the largest face in each reading (``None`` where no face was found)."""
        return [r.label for r in self.readings]

    def show(self, count: int = 6, points: bool = False, zoom: bool = True, size: float = 2.0):
        """``count`` evenly spaced frames with their overlays drawn, in one figure (returns it).

        ``zoom`` cuts every frame to the same region around the faces (with
        room for the labels), so that boxes and labels stay readable.
        """
        import matplotlib.pyplot as plt

        pairs = list(zip(self.frames, self.readings[-len(self.frames):] if self.frames else []))
        if not pairs and self.widget is not None:
            print("No frame from the webcam yet: press Start on the widget, then run this again.")
            return None
        if not pairs:
            raise InvalidInputError("This demo has no frames to show.")
        picks = np.linspace(0, len(pairs) - 1, min(count, len(pairs))).round().astype(int)
        images = [draw_overlay(pairs[k][0], pairs[k][1], points=points) for k in picks]
        boxes = [f.box for k in picks for f in pairs[k][1].faces]
        if zoom and boxes:
            height, width = images[0].shape[:2]
            x0 = min(b[0] for b in boxes)
            y0 = min(b[1] for b in boxes)
            x1 = max(b[0] + b[2] for b in boxes)
            y1 = max(b[1] + b[3] for b in boxes)
            pad = 0.35 * max(x1 - x0, y1 - y0)
            left, top = max(0, int(x0 - pad)), max(0, int(y0 - 1.3 * pad))
            right, bottom = min(width, int(x1 + pad)), min(height, int(y1 + 0.7 * pad))
            images = [image[top:bottom, left:right] for image in images]
        aspect = images[0].shape[0] / images[0].shape[1]
        fig, axes = plt.subplots(1, len(picks), figsize=(len(picks) * size, size * aspect + 0.35), squeeze=False)
        for ax, k, image in zip(axes[0], picks, images):
            ax.imshow(image)
            ax.set_axis_off()
            ax.set_title(f"{pairs[k][1].timestamp_ms / 1000.0:.1f} s", fontsize=8)
        fig.tight_layout()
        return fig

    def __repr__(self) -> str:
        kind = "live widget" if self.widget is not None else self.source
        readings = self.readings
        blinks = readings[-1].blinks if readings else 0
        return f"DemoResult({kind}: {len(readings)} readings, blinks counted: {blinks})"


def demo(pipeline: Pipeline | None = None, *, source=None, seconds: float = 3.0, fps: float = 10.0, seed: int = 0,
         emotion: str | None = None, points: bool = False) -> DemoResult:
    """Run a chapter's live demo: the webcam widget in a browser, a fallback source elsewhere.

    With ``source=None`` in JupyterLab, Notebook 7 or Colab (see :func:`frontend`)
    it shows :class:`fercourse.widgets.Webcam` wired to ``pipeline``: press
    Start, and every frame the page sends runs through the pipeline and comes
    back as boxes and labels drawn over the video.  Anywhere else (a headless
    run such as the tests or the book build, VS Code, a script) it prints a
    notice and runs the pipeline on the deterministic synthetic clip
    (:func:`synthetic_source` with ``seconds``, ``fps``, ``seed`` and
    ``emotion``), so stored outputs are reproducible.  ``source="camera"`` (or a camera index) reads a
    local camera with ``cv2.VideoCapture`` for ``seconds`` and shows the frames
    as they are processed; any other ``source`` is opened with
    :func:`open_source`.  ``pipeline=None`` makes a default :class:`Pipeline`.

    Returns a :class:`DemoResult` (``.readings``, ``.frames``, ``.summary()``,
    ``.show()``).  ``points=True`` draws the landmarks too.
    """
    pipeline = Pipeline() if pipeline is None else pipeline
    if not isinstance(pipeline, Pipeline):
        raise InvalidInputError(f"pipeline must be a live.Pipeline, got {type(pipeline).__name__}.")
    if source is None and frontend() is not None:
        from IPython.display import display

        from fercourse.widgets import Webcam

        pipeline.reset()
        widget = Webcam.for_pipeline(pipeline, points=points)
        display(widget)
        return DemoResult(pipeline, source="browser camera", widget=widget)
    if source is None:
        stream = synthetic_source(seconds, fps, seed, emotion)
    else:
        stream = open_source(source, seconds=seconds, fps=fps, seed=seed)
    if stream.notice:
        print(stream.notice)
    pipeline.reset()
    readings, frames = [], []
    handle = None
    try:
        for timestamp, frame in stream:
            reading = pipeline(frame, timestamp_ms=timestamp)
            readings.append(reading)
            frames.append(frame)
            if stream.live:
                handle = _show_live(draw_overlay(frame, reading, points=points), handle)
    finally:
        stream.close()
    return DemoResult(pipeline, readings, frames, stream.name, stream.notice, truth=getattr(stream, "truth", None))


def _show_live(image: np.ndarray, handle):
    """Show (or replace) one image in the cell's output: the camera demo's moving picture."""
    from IPython.display import Image, display

    picture = Image(data=encode_frame(image, 80), format="jpeg")
    if handle is None:
        return display(picture, display_id=True)
    handle.update(picture)
    return handle


def snapshot(source=None, *, widget=None, seed: int = 0) -> np.ndarray:
    """One RGB frame: the widget's latest, a camera's, or the fallback clip's (with a notice).

    ``widget``: a streaming :class:`fercourse.widgets.Webcam` (its latest frame).
    Otherwise ``source`` as in :func:`open_source`; with ``None`` or no camera,
    the middle frame of the synthetic clip (at its expression's peak), and a
    printed notice says so.
    """
    if widget is not None:
        return widget.snapshot()
    stream = open_source(source, seconds=2.0, fps=10.0, seed=seed)
    try:
        if isinstance(stream, CameraSource):
            return stream.read()
        if stream.notice:
            print(stream.notice)
        table = getattr(stream, "table", None)
        index = int(table["apex"][0]) if table is not None and table["apex"][0] >= 0 else len(stream) // 2
        return stream.frames[index]
    finally:
        stream.close()
