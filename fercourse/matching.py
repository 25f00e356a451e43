"""One-to-one matching, best score first: detections to true faces, spotted to true intervals.

The course pairs things greedily in several places: detected boxes with annotated
faces (chapter 03), a frame's faces with the previous frame's to keep track ids
(:mod:`fercourse.live`), spotted expression intervals with annotated ones (MEGC
scoring, chapter 07) and detected blinks with true ones (chapter 04).  All of them
use :func:`greedy_match`: among all pairs whose score reaches the threshold, take the
highest score first, then the next highest whose two items are both still free, and
so on.  This is how detection benchmarks count hits; it is not always the pairing
with the largest total (that would be the Hungarian algorithm), but it is simple and
each decision can be explained.

* :func:`greedy_match`: the matcher itself, on any matrix of scores;
* :func:`box_iou`, :func:`interval_iou`: intersection over union of two boxes
  ``(x, y, width, height)`` or two frame intervals ``(onset, offset)``;
* :func:`match_boxes`, :func:`match_intervals`: the two common cases in one call.

This module needs only NumPy, so any module can import it.
"""

from __future__ import annotations

import numpy as np

from fercourse.checks import finite, number
from fercourse.errors import InvalidInputError

__all__ = ["greedy_match", "box_iou", "interval_iou", "match_boxes", "match_intervals"]


def greedy_match(scores, threshold: float) -> list[tuple[int, int, float]]:
    """Pair rows with columns one to one, highest score first.

    Parameters
    ----------
    scores : array-like, shape (n_rows, n_columns)
        ``scores[i, j]`` says how well row item ``i`` fits column item ``j`` (an IoU,
        for example); higher is better.  Either side may be empty.
    threshold : float
        The least score a pair needs to be taken.

    Returns
    -------
    list of (int, int, float)
        ``(i, j, score)`` in the order taken: highest score first, ties broken by the
        smaller ``i``, then the smaller ``j``.  Each ``i`` and each ``j`` appears at
        most once; items left out are unmatched.
    """
    threshold = number(threshold, "threshold")
    values = finite(scores, "scores")
    if values.size == 0:
        return []
    if values.ndim != 2:
        raise InvalidInputError(
            f"scores has shape {values.shape}; expected a matrix (one row per item on one side, one column per item "
            "on the other)."
        )
    rows, columns = np.nonzero(values >= threshold)
    candidates = values[rows, columns]
    order = np.lexsort((columns, rows, -candidates))  # the last key sorts first
    used_rows, used_columns, pairs = set(), set(), []
    for k in order:
        i, j = int(rows[k]), int(columns[k])
        if i not in used_rows and j not in used_columns:
            used_rows.add(i)
            used_columns.add(j)
            pairs.append((i, j, float(candidates[k])))
    return pairs


def _box(box, name: str) -> tuple[float, float, float, float]:
    box = getattr(box, "box", box)  # a face.Detection or live.Face gives its box
    try:
        x, y, w, h = (float(v) for v in box)
    except (TypeError, ValueError):
        raise InvalidInputError(f"{name} must be four numbers (x, y, width, height), got {box!r}.") from None
    if not (w > 0 and h > 0):
        raise InvalidInputError(f"{name} {box!r} has no area; width and height must be positive.")
    return x, y, w, h


def box_iou(a, b) -> float:
    """Intersection over union of two boxes.

    Parameters
    ----------
    a, b : sequence of 4 numbers, or an object with a ``box`` attribute
        Boxes ``(x, y, width, height)`` (a :class:`fercourse.face.Detection` works).

    Returns
    -------
    float
        0 (apart) to 1 (the same box).
    """
    ax, ay, aw, ah = _box(a, "a")
    bx, by, bw, bh = _box(b, "b")
    w = max(0.0, min(ax + aw, bx + bw) - max(ax, bx))
    h = max(0.0, min(ay + ah, by + bh) - max(ay, by))
    return w * h / (aw * ah + bw * bh - w * h)


def _bounds(interval) -> tuple[int, int]:
    if hasattr(interval, "onset") and hasattr(interval, "offset"):  # a temporal.Interval
        return int(interval.onset), int(interval.offset)
    try:
        values = tuple(int(v) for v in interval)
    except (TypeError, ValueError):
        values = ()
    if len(values) not in (2, 3) or values[-1] < values[0]:
        raise InvalidInputError(f"an interval is (onset, offset) or (onset, apex, offset) with onset <= offset, got {interval!r}.")
    return values[0], values[-1]


def interval_iou(a, b) -> float:
    """Intersection over union of two frame intervals, both ends included.

    Parameters
    ----------
    a, b : (onset, offset), (onset, apex, offset) or an object with ``onset`` and ``offset``
        Frame indices, ``onset <= offset`` (a :class:`fercourse.temporal.Interval` works).

    Returns
    -------
    float
        Shared frames over frames in either: 0 to 1.
    """
    (a0, a1), (b0, b1) = _bounds(a), _bounds(b)
    inter = max(0, min(a1, b1) - max(a0, b0) + 1)
    return inter / ((a1 - a0 + 1) + (b1 - b0 + 1) - inter)


def _iou_threshold(threshold) -> float:
    try:
        ok = 0.0 < float(threshold) <= 1.0
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise InvalidInputError(f"threshold must lie in (0, 1], got {threshold!r}.")
    return float(threshold)


def _match(iou, predicted, truth, threshold) -> list[tuple[int, int, float]]:
    threshold = _iou_threshold(threshold)
    predicted, truth = list(predicted), list(truth)
    scores = np.array([[iou(p, t) for t in truth] for p in predicted], dtype=np.float64)
    return sorted(greedy_match(scores.reshape(len(predicted), len(truth)), threshold))


def match_boxes(predicted, truth, threshold: float = 0.5) -> list[tuple[int, int, float]]:
    """Pair predicted boxes with true boxes, one to one, best overlap first.

    A pair counts when its :func:`box_iou` is at least ``threshold`` (as detection
    benchmarks score).  Unpaired predictions are false positives, unpaired true
    boxes are misses.

    Parameters
    ----------
    predicted, truth : sequences of boxes
        Boxes ``(x, y, width, height)`` or objects with a ``box`` attribute.
    threshold : float
        The least IoU of a pair, in (0, 1].

    Returns
    -------
    list of (int, int, float)
        ``(i_predicted, i_true, iou)``, sorted by ``i_predicted``.
    """
    return _match(box_iou, predicted, truth, threshold)


def match_intervals(predicted, truth, threshold: float = 0.5) -> list[tuple[int, int, float]]:
    """Pair predicted frame intervals with true ones, one to one, best overlap first.

    A pair counts when its :func:`interval_iou` is at least ``threshold`` (0.5 in the
    MEGC spotting challenges).  Unpaired predictions are false positives, unpaired
    true intervals are misses.

    Parameters
    ----------
    predicted, truth : sequences of intervals
        ``(onset, offset)``, ``(onset, apex, offset)`` or :class:`fercourse.temporal.Interval`.
    threshold : float
        The least IoU of a pair, in (0, 1].

    Returns
    -------
    list of (int, int, float)
        ``(i_predicted, i_true, iou)``, sorted by ``i_predicted``.
    """
    return _match(interval_iou, predicted, truth, threshold)
