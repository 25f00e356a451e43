"""Spotting: finding when expressions happen in a long clip or a live stream, and scoring it."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from fercourse import mesh
from fercourse.checks import count as _count
from fercourse.checks import landmark_stack, number
from fercourse.errors import InvalidInputError
from fercourse.matching import match_intervals
from fercourse.temporal.flow import optical_flow

__all__ = ["Interval", "spotting_scores", "motion_signal", "flow_signal", "spot", "departure_signal", "flow_departure",
           "spot_apex", "apex_scores", "OnlineSpotter"]


@dataclass(frozen=True)
class Interval:
    """A spotted or annotated event: onset, apex and offset frame indices (inclusive).

    Parameters
    ----------
    onset, apex, offset : int
        Frame indices, ``onset <= apex <= offset``; ``len(event)`` counts its frames.

    Examples
    --------
    >>> event = Interval(10, 12, 19)
    >>> len(event)
    10
    """

    onset: int
    apex: int
    offset: int

    def __len__(self) -> int:
        return self.offset - self.onset + 1


def spotting_scores(predicted, truth, threshold: float = 0.5) -> dict:
    """Score spotted intervals against the truth by the MEGC rule.

    ``predicted`` and ``truth`` hold one list of intervals per clip.  Within a clip a
    spotted interval is a true positive when its IoU with a still unmatched true
    interval is at least ``threshold`` (:func:`~fercourse.matching.match_intervals`: best IoU
    first, each at most once); other spotted intervals are false positives, unmatched true ones false
    negatives.  Counts are summed over all clips, then precision, recall and
    F1 = 2 TP / (2 TP + FP + FN) are computed once.

    Parameters
    ----------
    predicted, truth : sequence of lists
        One list of intervals per clip: :class:`Interval` objects, ``(onset, offset)``
        or ``(onset, apex, offset)``.
    threshold : float
        The least IoU of a hit.

    Returns
    -------
    dict
        ``TP``, ``FP`` and ``FN`` counts, and ``precision``, ``recall`` and ``F1``.

    Examples
    --------
    The first clip's event is found (IoU 8/12), the second clip's spotted event is a false alarm:

    >>> scores = spotting_scores([[(12, 14, 21)], [(50, 52, 54)]], [[(10, 19)], []])
    >>> scores["TP"], scores["FP"], scores["FN"], round(scores["F1"], 3)
    (1, 1, 0, 0.667)
    """
    if len(predicted) != len(truth):
        raise InvalidInputError(f"spotting_scores: {len(predicted)} clips of predictions for {len(truth)} clips of truth.")
    tp = fp = fn = 0
    for spotted, true in zip(predicted, truth):
        matched = len(match_intervals(spotted, true, threshold))
        tp += matched
        fp += len(spotted) - matched
        fn += len(true) - matched
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0
    return {"TP": tp, "FP": fp, "FN": fn, "precision": precision, "recall": recall, "F1": f1}


def _similarity_align(points: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """``points`` moved onto ``reference`` by the best rotation, scale and shift (Umeyama)."""
    mp, mr = points.mean(axis=0), reference.mean(axis=0)
    p, r = points - mp, reference - mr
    u, s, vt = np.linalg.svd(r.T @ p)
    d = np.sign(np.linalg.det(u @ vt))
    rotation = u @ np.diag([1.0, d]) @ vt
    scale = (s * [1.0, d]).sum() / max((p**2).sum(), 1e-12)
    return (scale * (rotation @ p.T)).T + mr


def _spotting_points() -> np.ndarray:
    """Landmarks the motion signal watches: all face points except the eyes and irises,
    whose blinks are the commonest movement that is no expression."""
    eyes = np.concatenate([mesh.REGIONS[r] for r in ("left_eye", "right_eye", "left_iris", "right_iris")])
    return np.setdiff1d(np.arange(mesh.N_MESH_POINTS), eyes)


def _aligned_track(points: np.ndarray, eyes: bool, caller: str) -> tuple[np.ndarray, float]:
    """The watched points of every frame aligned to the clip's mean shape, and the inter-ocular
    distance of the mean shape (the unit of the spotting signals)."""
    try:
        span = mesh.inter_ocular_distance(points.mean(axis=0))
    except InvalidInputError:
        raise InvalidInputError(
            f"{caller}: in landmarks the eye centres (means of the eye contours) coincide, so movement cannot be "
            "measured in eye distances; these are not face landmarks (all zeros?): pass each frame's 478 mesh "
            "points in pixels."
        ) from None
    watched = points if eyes else points[:, _spotting_points()]
    reference = watched.mean(axis=0)
    return np.stack([_similarity_align(p, reference) for p in watched]), span


def motion_signal(landmarks, k: int = 6, eyes: bool = False) -> np.ndarray:
    """How far the face departs, at each frame, from its look ``k`` frames before and after.

    The landmarks ``(T, 478, 2|3)`` of every frame are aligned to the clip's mean shape
    (removing head translation, rotation and scale) and scaled by the inter-ocular
    distance of that mean shape (:func:`fercourse.mesh.inter_ocular_distance`).  Then, as in Moilanen et al.'s feature-difference analysis, frame t is
    compared with the average of frames t - k and t + k: an expression shorter than
    2k frames shows as a peak at its apex, slow head motion cancels out.  Returns
    ``(T,)`` mean point displacements (zero for the first and last k frames).
    ``eyes=False`` ignores eye and iris points, so blinks do not count as events.

    Parameters
    ----------
    landmarks : numpy.ndarray
        ``(T, 478, 2)`` or ``(T, 478, 3)`` mesh points of every frame, in pixels.
    k : int
        Frames between the compared frames; the clip needs more than ``2 k``.
    eyes : bool
        Watch the eye and iris points too.

    Returns
    -------
    numpy.ndarray
        ``(T,)`` movement per frame, in inter-ocular distances.

    Examples
    --------
    >>> from fercourse import synth
    >>> track = np.repeat(synth.neutral_mesh()[None, :, :2] * 200, 30, axis=0)  # a still face, 30 frames
    >>> track[12:19, 13, 1] += [1, 2, 4, 6, 4, 2, 1]  # the upper lip moves down and back
    >>> signal = motion_signal(track, k=6)
    >>> signal.shape, int(signal.argmax())
    ((30,), 15)
    """
    points = landmark_stack(landmarks, "landmarks")
    k = _count(k, "k")
    if len(points) <= 2 * k:
        raise InvalidInputError(f"motion_signal: a clip of {len(points)} frames is too short for k={k}; it needs more than {2 * k}.")
    watched, span = _aligned_track(points, eyes, "motion_signal")
    signal = np.zeros(len(points))
    middle = watched[k:-k]
    around = (watched[: -2 * k] + watched[2 * k :]) / 2
    signal[k:-k] = np.linalg.norm(middle - around, axis=2).mean(axis=1) / span
    return signal


def flow_signal(frames, k: int = 6, method: str = "farneback") -> np.ndarray:
    """Mean optical-flow magnitude from frame t - k to frame t, per frame ``(T,)``.

    A pixel-based alternative to :func:`motion_signal` that needs no landmarks; it sees
    every movement, blinks and head motion included.  Give it face crops.

    Parameters
    ----------
    frames : sequence of numpy.ndarray
        The clip's frames (grey or RGB), all of one size; more than ``k`` of them.
    k : int
        Frames between the compared frames.
    method : {"farneback", "tvl1"}
        The flow algorithm of :func:`optical_flow`.

    Returns
    -------
    numpy.ndarray
        ``(T,)`` mean flow magnitudes in pixels (zero for the first k frames).
    """
    frames = list(frames)
    k = _count(k, "k")
    if len(frames) <= k:
        raise InvalidInputError(f"flow_signal: {len(frames)} frames are too few for k={k}.")
    signal = np.zeros(len(frames))
    for t in range(k, len(frames)):
        flow = optical_flow(frames[t - k], frames[t], method=method)
        signal[t] = float(np.linalg.norm(flow, axis=2).mean())
    return signal


def spot(signal, k: int = 6, p: float | None = 0.5, floor: float = 0.0, edge: float = 0.1) -> list[Interval]:
    """Events in a motion signal: ``[Interval(onset, apex, offset), ...]``.

    The threshold is Moilanen et al.'s ``mean + p * (max - mean)`` of this clip, but
    never below ``floor`` (``p=None``: ``floor`` alone, as a live stream needs).
    Peaks above it, at least 2k + 1 frames apart, are apexes; each event runs
    over the frames around its apex where the signal stays above ``edge`` times the
    peak, at most k frames to either side (beyond that, the feature difference
    shows the same event again as a side lobe).

    Parameters
    ----------
    signal : array-like
        A finite 1-D motion signal, such as :func:`motion_signal` returns.
    k : int
        The ``k`` of the signal: half the least distance between two apexes.
    p : float or None
        Where the threshold lies between the clip's mean and its peak (0 to 1).
    floor : float
        The least threshold.
    edge : float
        Fraction of the peak above which frames belong to the event.

    Returns
    -------
    list of Interval
        The events, in time order.

    Examples
    --------
    >>> signal = np.zeros(40)
    >>> signal[18:23] = [0.2, 0.6, 1.0, 0.6, 0.2]
    >>> spot(signal, k=6)
    [Interval(onset=18, apex=20, offset=22)]
    """
    s = np.asarray(signal, dtype=np.float64)
    if s.ndim != 1 or len(s) == 0 or not np.all(np.isfinite(s)):
        raise InvalidInputError(f"spot: signal must be a finite 1-D array, got shape {s.shape}.")
    from scipy.signal import find_peaks

    k = _count(k, "k")
    floor = number(floor, "spot: floor (the least threshold)", 0.0)
    edge = number(edge, "spot: edge (a fraction of the peak)", 0.0, 1.0)
    if p is not None:
        p = number(p, "spot: p (None, or a fraction between the mean and the peak)", 0.0, 1.0)
    threshold = floor if p is None else max(s.mean() + p * (s.max() - s.mean()), floor)
    if threshold <= 0 and s.max() <= 0:
        return []
    peaks, _ = find_peaks(np.concatenate([[-np.inf], s, [-np.inf]]), height=max(threshold, 1e-12), distance=2 * k + 1)
    events = []
    for apex in peaks - 1:
        low = s[apex] * edge
        onset = apex
        while onset > max(apex - k, 0) and s[onset - 1] >= low:
            onset -= 1
        offset = apex
        while offset < min(apex + k, len(s) - 1) and s[offset + 1] >= low:
            offset += 1
        events.append(Interval(int(onset), int(apex), int(offset)))
    return events


def _frame(value, n_frames: int, name: str, caller: str) -> int:
    """``value`` checked as the index of one of ``n_frames`` frames (no negative indices)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not 0 <= value < n_frames:
        hint = " (an annotation of -1 means the clip has no event)" if isinstance(value, (int, np.integer)) and value < 0 else ""
        raise InvalidInputError(
            f"{caller}: {name} must be a frame index from 0 to {n_frames - 1}, got {value!r}{hint}."
        )
    return int(value)


def departure_signal(landmarks, onset: int = 0, eyes: bool = False) -> np.ndarray:
    """How far the face has moved, at each frame, from its look at frame ``onset``.

    The landmarks are aligned to the clip's mean shape and measured in its inter-ocular
    distance, as in :func:`motion_signal`; then each frame's mean point distance from
    the ``onset`` frame is taken.  An expression moves the face away from its onset
    look and back, so this curve rises to the apex and falls after it, whatever the
    expression's length (:func:`motion_signal` sees best the events shorter than
    ``2 k`` frames).  Without an annotated onset, the first frame is the natural
    reference of a clip that starts neutral.  Give the result to :func:`spot_apex`.

    Parameters
    ----------
    landmarks : numpy.ndarray
        ``(T, 478, 2)`` or ``(T, 478, 3)`` mesh points of every frame, in pixels.
    onset : int
        The reference frame, ``0 <= onset < T``.
    eyes : bool
        Watch the eye and iris points too (by default blinks do not count).

    Returns
    -------
    numpy.ndarray
        ``(T,)`` distances from the onset frame, in inter-ocular distances (0 at ``onset``).

    Examples
    --------
    >>> from fercourse import synth
    >>> track = np.repeat(synth.neutral_mesh()[None, :, :2] * 200, 20, axis=0)  # a still face, 20 frames
    >>> track[5:12, 13, 1] += [1, 2, 4, 6, 4, 2, 1]  # the upper lip moves down and back
    >>> int(departure_signal(track).argmax())
    8
    """
    points = landmark_stack(landmarks, "landmarks")
    onset = _frame(onset, len(points), "onset", "departure_signal")
    watched, span = _aligned_track(points, eyes, "departure_signal")
    return np.linalg.norm(watched - watched[onset], axis=2).mean(axis=1) / span


def flow_departure(frames, onset: int = 0, method: str = "farneback") -> np.ndarray:
    """Mean optical-flow magnitude from frame ``onset`` to each frame, per frame ``(T,)``.

    The pixel counterpart of :func:`departure_signal`: it needs no landmarks, but it
    also sees blinks and head movement, which can outweigh a faint expression.  Give
    it face crops.

    Parameters
    ----------
    frames : sequence of numpy.ndarray
        The clip's frames (grey or RGB), all of one size.
    onset : int
        The reference frame, ``0 <= onset < T``.
    method : {"farneback", "tvl1"}
        The flow algorithm of :func:`optical_flow` (TV-L1 is more exact and far slower).

    Returns
    -------
    numpy.ndarray
        ``(T,)`` mean flow magnitudes in pixels (0 at ``onset``).
    """
    frames = list(frames)
    if not frames:
        raise InvalidInputError("flow_departure: frames is empty; give the clip's frames.")
    onset = _frame(onset, len(frames), "onset", "flow_departure")
    signal = np.zeros(len(frames))
    for t in range(len(frames)):
        if t != onset:
            flow = optical_flow(frames[onset], frames[t], method=method)
            signal[t] = float(np.linalg.norm(flow, axis=2).mean())
    return signal


def spot_apex(signal, onset: int | None = None, offset: int | None = None) -> int:
    """The apex of a clip: the frame where a motion signal is highest.

    Give it :func:`departure_signal` or :func:`flow_departure` (the largest change from
    the onset look) or :func:`motion_signal` or :func:`flow_signal` (the sharpest
    change).  With ``onset`` and ``offset`` the search stays within those frames, as when
    an expression's interval is known (or spotted by :func:`spot`) and only its apex is
    wanted.  Ties go to the earliest frame.

    Parameters
    ----------
    signal : array-like
        A finite 1-D signal, one value per frame of the clip.
    onset, offset : int, optional
        The first and last frame to search (both included); default the whole clip.

    Returns
    -------
    int
        The apex, as a frame index of the whole clip (counted from its first frame).

    Examples
    --------
    >>> signal = [0.0, 0.1, 0.5, 0.9, 0.4, 0.0, 0.0, 1.2, 0.0]
    >>> spot_apex(signal), spot_apex(signal, onset=1, offset=5)
    (7, 3)
    """
    try:
        s = np.asarray(signal, dtype=np.float64)
    except (TypeError, ValueError):
        s = np.empty(0)
    if s.ndim != 1 or len(s) == 0 or not np.all(np.isfinite(s)):
        raise InvalidInputError(f"spot_apex: signal must be a finite 1-D array of numbers, one per frame, got shape {s.shape}.")
    first = 0 if onset is None else _frame(onset, len(s), "onset", "spot_apex")
    last = len(s) - 1 if offset is None else _frame(offset, len(s), "offset", "spot_apex")
    if last < first:
        raise InvalidInputError(f"spot_apex: offset ({last}) comes before onset ({first}).")
    return first + int(np.argmax(s[first : last + 1]))


def _annotated(event, i: int) -> tuple[int, int, int]:
    """Onset, apex and offset of an annotated event: an :class:`Interval` or three frame indices."""
    if all(hasattr(event, a) for a in ("onset", "apex", "offset")):
        values = (event.onset, event.apex, event.offset)
    else:
        try:
            values = tuple(event)
        except TypeError:
            values = ()
    if len(values) != 3 or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in values):
        raise InvalidInputError(f"apex_scores: truth[{i}] must be (onset, apex, offset) frame indices, got {event!r}.")
    onset, apex, offset = (int(v) for v in values)
    if onset < 0:
        raise InvalidInputError(
            f"apex_scores: truth[{i}] {event!r} has no event (onset {onset}); leave clips without an expression out."
        )
    if not onset <= apex <= offset:
        raise InvalidInputError(f"apex_scores: truth[{i}] {event!r} must have onset <= apex <= offset.")
    return onset, apex, offset


def apex_scores(spotted, truth) -> dict:
    """How well spotted apexes match annotated events, one apex per clip.

    A spotted apex is a hit when it falls within the annotated interval, onset to
    offset, both included (the usual criterion for apex spotting, since annotators
    disagree on the exact apex frame more than on the interval).  The error is the
    distance in frames from the annotated apex.

    Parameters
    ----------
    spotted : sequence of int
        The spotted apex of every clip, as :func:`spot_apex` returns it.
    truth : sequence
        The annotated event of every clip: :class:`Interval` or ``(onset, apex, offset)``.

    Returns
    -------
    dict
        ``n`` (clips), ``hits`` (apexes within their interval), ``hit_rate`` (hits / n),
        ``median_error`` and ``mean_error`` (absolute errors, in frames).

    Examples
    --------
    The third clip's apex is 2 frames late but within the interval; the second's falls outside it:

    >>> scores = apex_scores([12, 30, 46], [(10, 13, 19), (20, 24, 28), (40, 44, 50)])
    >>> scores["hits"], round(scores["hit_rate"], 3), scores["median_error"], scores["mean_error"]
    (2, 0.667, 2.0, 3.0)
    """
    spotted, truth = list(spotted), list(truth)
    if len(spotted) != len(truth) or not truth:
        raise InvalidInputError(
            f"apex_scores: give one spotted apex per annotated clip, got {len(spotted)} apexes for {len(truth)} clips."
        )
    for i, apex in enumerate(spotted):
        if isinstance(apex, bool) or not isinstance(apex, (int, np.integer)):
            raise InvalidInputError(f"apex_scores: spotted[{i}] must be a frame index, got {apex!r}.")
    events = np.array([_annotated(event, i) for i, event in enumerate(truth)])
    guess = np.array(spotted, dtype=np.int64)
    hits = (guess >= events[:, 0]) & (guess <= events[:, 2])
    errors = np.abs(guess - events[:, 1])
    return {"n": len(guess), "hits": int(hits.sum()), "hit_rate": float(hits.mean()),
            "median_error": float(np.median(errors)), "mean_error": float(errors.mean())}


class OnlineSpotter:
    """Spot events in a live stream: push one frame's landmarks at a time.

    Keeps a rolling buffer of the last ``history`` frames (landmarks, and the frames
    themselves when given) and runs :func:`motion_signal` and :func:`spot` with an
    absolute ``threshold`` on it.  An event is reported once the signal has been seen
    for 2k frames past its apex, so the delay is about ``3 k`` frames.
    ``push`` returns the newly found events, in stream frame numbers; all of them
    stay in :attr:`events`, and :meth:`frames_of` returns an event's buffered frames.

    Parameters
    ----------
    threshold : float
        The signal level an event must reach (positive), in the units of :func:`motion_signal`.
    k : int
        The ``k`` of :func:`motion_signal` and :func:`spot`.
    history : int
        Frames kept in the buffer (more than ``4 k``).
    edge : float
        The ``edge`` of :func:`spot`.
    """

    def __init__(self, threshold: float, k: int = 6, history: int = 150, edge: float = 0.1):
        self.k, self.edge = _count(k, "k"), float(edge)
        self.history = _count(history, "history", 4 * self.k + 2)
        if not threshold > 0:
            raise InvalidInputError(f"OnlineSpotter: threshold must be positive, got {threshold!r}.")
        self.threshold = float(threshold)
        self.landmarks: deque = deque(maxlen=self.history)
        self.frames: deque = deque(maxlen=self.history)
        self.count = 0
        self.events: list[Interval] = []

    def push(self, landmarks, frame=None) -> list[Interval]:
        """Add one frame to the stream and return the events found with it.

        Parameters
        ----------
        landmarks : numpy.ndarray
            The frame's ``(478, 2|3)`` mesh points (or its 468 mesh points).
        frame : numpy.ndarray, optional
            The image itself, kept for :meth:`frames_of`.

        Returns
        -------
        list of Interval
            The events newly reported, in stream frame numbers (usually none).
        """
        points = np.asarray(landmarks, dtype=np.float64)
        if points.ndim != 2 or points.shape[0] not in (mesh.N_MESH_POINTS, mesh.N_LANDMARKS):
            raise InvalidInputError(f"OnlineSpotter.push: landmarks must be (478, 2|3), got {points.shape}.")
        self.landmarks.append(points[:, :2])
        self.frames.append(frame)
        self.count += 1
        if len(self.landmarks) <= 4 * self.k:
            return []
        start = self.count - len(self.landmarks)
        signal = motion_signal(np.stack(self.landmarks), self.k)
        last = self.events[-1].apex if self.events else -1
        settled = len(signal) - 1 - 3 * self.k  # frames whose 2k neighbours on each side are known
        found = []
        for event in spot(signal[: len(signal) - self.k], self.k, p=None, floor=self.threshold, edge=self.edge):
            apex = event.apex + start
            if event.apex <= settled and apex > last + 2 * self.k:
                found.append(Interval(event.onset + start, apex, event.offset + start))
        self.events += found
        return found

    def __call__(self, face) -> dict[str, float]:
        """Use the spotter as a live classifier: ``live.Pipeline(classifier=spotter)``.

        ``face`` is a ``live.Face`` (anything with ``.landmarks`` and ``.frame``).  Its
        landmarks are pushed; the answer is ``{"event": 1, "still": 0}`` for 2k frames
        after an event is reported, so the webcam overlay marks it, else the reverse.
        """
        if face.landmarks is not None:
            self.push(face.landmarks, getattr(face, "frame", None))
        recent = bool(self.events) and self.count - self.events[-1].offset <= 4 * self.k
        return {"event": float(recent), "still": float(not recent)}

    def frames_of(self, event: Interval) -> list:
        """The buffered frames from the event's onset to its offset (those still in the buffer).

        Parameters
        ----------
        event : Interval
            An event in stream frame numbers, as :meth:`push` reports it.

        Returns
        -------
        list
            The frames given to :meth:`push` (``None`` where none was given).
        """

        start = self.count - len(self.frames)
        return [self.frames[i - start] for i in range(event.onset, event.offset + 1) if 0 <= i - start < len(self.frames)]
