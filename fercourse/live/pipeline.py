"""The pipeline: a frame in, a :class:`~fercourse.live.faces.Reading` out, with its blink counter and meter."""

from __future__ import annotations

import collections
import math
import time

import numpy as np

from fercourse.errors import InvalidInputError
from fercourse.live.classifiers import as_classifier
from fercourse.live.faces import Face, Reading
from fercourse.matching import match_boxes

__all__ = ["BlinkCounter", "Meter", "DETECTORS", "Pipeline"]

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

    Parameters
    ----------
    close : float
        A blink starts below ``close`` times the open-eye baseline.
    reopen : float
        It ends above ``reopen`` times the baseline (``close <= reopen``).
    min_frames, max_frames : int
        The shortest and longest closure, in frames, that counts as a blink.
    window : int
        How many recent open-eye frames the baseline is the median of.

    Examples
    --------
    >>> counter = BlinkCounter()
    >>> [counter.update(ear) for ear in (0.30, 0.30, 0.10, 0.30)]
    [False, False, False, True]
    >>> counter.count
    1
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
        """Add one frame's EAR; True when a blink has just ended.

        Parameters
        ----------
        ear : float or None
            The frame's eye aspect ratio, ``None`` when no face was found.

        Returns
        -------
        bool
            Whether this frame ended a blink (then ``count`` has grown by one).
        """
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
    """Frame rate and latency over the last ``window`` frames.

    Parameters
    ----------
    window : int
        How many recent frames the rate and the latency are measured over.
    """

    def __init__(self, window: int = 30):
        self._stamps = collections.deque(maxlen=int(window))
        self._latency = collections.deque(maxlen=int(window))
        self.frames = 0

    def reset(self) -> None:
        """Forget every frame."""
        self._stamps.clear()
        self._latency.clear()
        self.frames = 0

    def update(self, timestamp_ms: float, latency_ms: float) -> None:
        """Add one frame.

        Parameters
        ----------
        timestamp_ms : float
            The frame's timestamp, in milliseconds.
        latency_ms : float
            How long processing it took, in milliseconds.
        """
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
        """The meter's figures, rounded.

        Returns
        -------
        dict
            ``frames`` (counted since the last reset), ``fps``, ``latency_ms`` (median)
            and ``latency_p95_ms`` (95th percentile).
        """
        lat = np.array(self._latency) if self._latency else np.zeros(1)
        return {"frames": self.frames, "fps": round(self.fps, 1), "latency_ms": round(float(np.median(lat)), 1),
                "latency_p95_ms": round(float(np.percentile(lat, 95)), 1)}


# ------------------------------------------------------------------------- pipeline

#: The face detectors a :class:`Pipeline` can use.
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

    Notes
    -----
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
        """Process one frame.

        Parameters
        ----------
        frame : array_like
            An RGB ``uint8`` frame (grey frames are converted).
        timestamp_ms : float, optional
            The frame's time in milliseconds, growing from call to call; ``None``
            uses the time since the first frame.

        Returns
        -------
        Reading
            The faces found, classified and tracked, with the blink count and timing.
        """
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
