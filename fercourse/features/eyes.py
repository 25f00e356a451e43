"""The eyes: aspect ratio, blinks in a clip, and how closed an eye is (an ordinal scale)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin

from fercourse import mesh
from fercourse.checks import count, positive
from fercourse.errors import InvalidInputError
from fercourse.features.inputs import as_landmarks
from fercourse.matching import greedy_match

__all__ = [
    "EAR_POINTS", "eye_aspect_ratio", "detect_blinks", "truth_blinks", "score_blinks", "eye_openness_features",
    "OrdinalLogistic",
]


#: The six points per eye of the eye aspect ratio, in the order p1..p6 of Soukupova and Cech:
#: outer corner, two upper-lid points, inner corner, two lower-lid points.
EAR_POINTS = {"right": (33, 160, 158, 133, 153, 144), "left": (263, 387, 385, 362, 380, 373)}


def eye_aspect_ratio(landmarks, eye: str = "both") -> np.ndarray:
    """Eye aspect ratio (Soukupova and Cech, 2016): lid openings over eye width.

    ``EAR = (|p2 - p6| + |p3 - p5|) / (2 |p1 - p4|)`` with the points of
    :data:`EAR_POINTS`.  About 0.25 to 0.35 for an open eye, near 0 for a closed one.

    Parameters
    ----------
    landmarks : array_like
        Meshes, anything :func:`~fercourse.features.as_landmarks` accepts.
    eye : str
        ``"right"``, ``"left"`` or ``"both"`` (their mean).

    Returns
    -------
    numpy.ndarray
        One value per face, ``(N,)``.
    """
    if eye not in ("right", "left", "both"):
        raise InvalidInputError(f"eye must be 'right', 'left' or 'both', got {eye!r}.")
    points = as_landmarks(landmarks)
    values = []
    for side in (("right", "left") if eye == "both" else (eye,)):
        p = points[:, list(EAR_POINTS[side])]
        d = lambda i, j, p=p: np.linalg.norm(p[:, i] - p[:, j], axis=-1)  # noqa: E731
        values.append((d(1, 5) + d(2, 4)) / np.maximum(2.0 * d(0, 3), 1e-12))
    return np.mean(values, axis=0)


def detect_blinks(ear, close: float = 0.6, reopen: float = 0.85, min_frames: int = 2,
                  baseline=None, window: int = 31) -> list[tuple[int, int]]:
    """Blinks in a per-frame eye-aspect-ratio track, as ``(first, last)`` frame pairs.

    A blink starts when the EAR falls below ``close`` x ``baseline`` and ends when it
    rises above ``reopen`` x ``baseline`` again (two thresholds, hysteresis, so noise
    around one threshold does not split a blink in two); closures shorter than
    ``min_frames`` frames are dropped as noise.

    Parameters
    ----------
    ear : array_like
        The eye aspect ratio of each frame (:func:`eye_aspect_ratio`).
    close, reopen : float
        The two thresholds, as fractions of the baseline, ``0 < close <= reopen``.
    min_frames : int
        The shortest closure that counts, in frames.
    baseline : float, optional
        The EAR of the open eye.  By default a running median over ``window``
        frames (eyes are open most of the time, and a running value follows slower
        changes such as the narrowed eyes of an angry face or the wide eyes of a
        surprised one).
    window : int
        Length of the running median, in frames.

    Returns
    -------
    list of tuple of int
        ``(first, last)`` frame of each blink, in order.

    Examples
    --------
    >>> detect_blinks([0.3] * 10 + [0.05] * 3 + [0.3] * 10)
    [(10, 12)]
    """
    track = np.asarray(ear, dtype=np.float64).ravel()
    if track.size == 0 or not np.all(np.isfinite(track)):
        raise InvalidInputError("detect_blinks needs a non-empty track of finite eye aspect ratios.")
    if not 0.0 < close <= reopen:
        raise InvalidInputError(f"need 0 < close <= reopen, got close={close}, reopen={reopen}.")
    min_frames = count(min_frames, "detect_blinks: min_frames")
    if baseline is None:
        half = count(window, "detect_blinks: window (frames)") // 2
        padded = np.pad(track, half, mode="edge")
        base = np.median(np.lib.stride_tricks.sliding_window_view(padded, 2 * half + 1), axis=1)
    else:
        base = np.full(len(track), positive(baseline, "detect_blinks: baseline (the open-eye EAR)"))
    blinks, start = [], None
    for i, value in enumerate(track):
        if start is None and value < close * base[i]:
            start = i
        elif start is not None and value > reopen * base[i]:
            if i - start >= min_frames:
                blinks.append((start, i - 1))
            start = None
    if start is not None and len(track) - start >= min_frames:
        blinks.append((start, len(track) - 1))
    return blinks


def truth_blinks(closure, level: float = 0.5) -> list[tuple[int, int]]:
    """The true blinks of a synthetic clip: runs of frames whose eye closure exceeds ``level``.

    Parameters
    ----------
    closure : array_like
        The eye closure of each frame, 0 (open) to 1 (shut).
    level : float
        The closure above which a frame is part of a blink.

    Returns
    -------
    list of tuple of int
        ``(first, last)`` frame of each blink, in order.

    Examples
    --------
    >>> truth_blinks([0, 0.2, 0.9, 1.0, 0.3, 0, 0.8, 0])
    [(2, 3), (6, 6)]
    """
    track = np.asarray(closure, dtype=np.float64).ravel() > level
    edges = np.diff(np.concatenate([[0], track.astype(int), [0]]))
    return list(zip(np.flatnonzero(edges == 1).tolist(), (np.flatnonzero(edges == -1) - 1).tolist()))


def score_blinks(predicted, truth, tolerance: int = 2) -> dict:
    """Match predicted blinks to true ones (one to one, overlapping within ``tolerance`` frames).

    Parameters
    ----------
    predicted, truth : list of tuple of int
        ``(first, last)`` frames of each blink, as :func:`detect_blinks` and
        :func:`truth_blinks` return them.
    tolerance : int
        How many frames apart two blinks may be and still match.

    Returns
    -------
    dict
        ``true``, ``found``, ``matched`` (counts), ``precision`` and ``recall``
        (both 1 when there is nothing to find and nothing was found).

    Examples
    --------
    >>> score_blinks([(10, 12), (30, 31)], [(11, 13)])
    {'true': 1, 'found': 2, 'matched': 1, 'precision': 0.5, 'recall': 1.0}
    """
    # Every pair that overlaps within the tolerance scores 1: the greedy matcher then gives each
    # predicted blink, in order, the first true blink still free.
    near = [[float(a <= d + tolerance and c <= b + tolerance) for c, d in truth] for a, b in predicted]
    matched = len(greedy_match(np.reshape(near, (len(predicted), len(truth))), 1.0))
    precision = matched / len(predicted) if predicted else float(not truth)
    recall = matched / len(truth) if truth else 1.0
    return {"true": len(truth), "found": len(predicted), "matched": matched, "precision": precision, "recall": recall}


def eye_openness_features(images, landmarks) -> pd.DataFrame:
    """Per face: eye aspect ratio, eyelid width/height ratio and visible sclera, both eyes averaged.

    * ``ear``: :func:`eye_aspect_ratio`;
    * ``width_height``: eye width (corner to corner) over the largest lid opening,
      capped at 50 (a closed eye has almost no height);
    * ``sclera``: the share of pixels inside the eye contour that are bright and
      colourless (the white of the eye: low saturation, brightness above 0.35) --
      iris, lashes and skin do not count;
    * ``sclera_area``: the same pixels counted and divided by the squared inter-ocular
      distance, so it does not depend on the image size.

    Parameters
    ----------
    images : numpy.ndarray
        Colour faces ``(N, H, W, 3)`` ``uint8`` (the sclera is found by its colour).
    landmarks : array_like
        Their meshes in pixels, one per image.

    Returns
    -------
    pandas.DataFrame
        One row per face, the columns ``ear``, ``width_height``, ``sclera``, ``sclera_area``.
    """
    import cv2

    pictures = np.asarray(images)
    points = as_landmarks(landmarks)
    if pictures.ndim != 4 or pictures.shape[-1] != 3 or pictures.dtype != np.uint8:
        raise InvalidInputError(
            f"images must be colour uint8 images (N, H, W, 3), got {pictures.dtype} {pictures.shape}; "
            "the sclera is found by its colour."
        )
    if len(pictures) != len(points):
        raise InvalidInputError(f"{len(pictures)} images but {len(points)} landmark sets; give one per face.")
    iod = mesh.inter_ocular_distance(points)
    rows = []
    for image, p, scale in zip(pictures, points, iod):
        hsv = cv2.cvtColor(image, cv2.COLOR_RGB2HSV).astype(np.float64) / 255.0
        white = (hsv[..., 1] < 0.3) & (hsv[..., 2] > 0.35)
        shares, areas, ratios = [], [], []
        for ring, side in ((mesh.RIGHT_EYE_RING, "right"), (mesh.LEFT_EYE_RING, "left")):
            mask = np.zeros(image.shape[:2], np.uint8)
            cv2.fillPoly(mask, [np.round(p[list(ring)] * 16).astype(np.int32)], 1, shift=4)
            inside = mask.astype(bool)
            bright = int((white & inside).sum())
            shares.append(bright / max(int(inside.sum()), 1))
            areas.append(bright / scale**2)
            e = p[list(EAR_POINTS[side])]
            width = np.linalg.norm(e[0] - e[3])
            height = max(np.linalg.norm(e[1] - e[5]), np.linalg.norm(e[2] - e[4]))
            ratios.append(min(width / max(height, 1e-9), 50.0))
        rows.append([np.mean(ratios), np.mean(shares), np.mean(areas)])
    table = pd.DataFrame(rows, columns=["width_height", "sclera", "sclera_area"])
    table.insert(0, "ear", eye_aspect_ratio(points))
    return table


class OrdinalLogistic(ClassifierMixin, BaseEstimator):
    """Ordinal logistic regression (proportional odds, McCullagh 1980; the "all-threshold" model).

    One weight vector ``w`` and ordered thresholds ``t_1 < ... < t_{K-1}``:
    ``P(y <= k | x) = sigmoid(t_k - w.x)``.  A higher score ``w.x`` moves a face up the
    scale.  Fitted by L-BFGS on the negative log-likelihood.

    Parameters
    ----------
    alpha : float
        The L2 penalty on ``w``.
    classes : sequence, optional
        The classes in their order on the scale; by default the sorted labels.
    """

    def __init__(self, alpha: float = 1.0, classes=None):
        self.alpha = alpha
        self.classes = classes

    def _codes(self, y) -> np.ndarray:
        lookup = {c: k for k, c in enumerate(self.classes_)}
        unknown = sorted({str(v) for v in y if v not in lookup})
        if unknown:
            raise InvalidInputError(f"labels {unknown} are not among the ordered classes {list(self.classes_)}.")
        return np.array([lookup[v] for v in y])

    def fit(self, X, y):
        from scipy.optimize import minimize
        from scipy.special import expit

        X = np.asarray(X, dtype=np.float64)
        y = np.asarray(y)
        if X.ndim != 2 or len(X) != len(y) or len(X) == 0:
            raise InvalidInputError(f"X must be (N, features) with one label per row, got X {X.shape}, y {y.shape}.")
        self.classes_ = np.array(self.classes if self.classes is not None else np.unique(y))
        if len(self.classes_) < 2:
            raise InvalidInputError("OrdinalLogistic needs at least two ordered classes.")
        codes = self._codes(y)
        n, d = X.shape
        K = len(self.classes_)

        def thresholds(theta):
            return theta[0] + np.concatenate([[0.0], np.cumsum(np.exp(theta[1:]))])

        def loss(params):
            w, t = params[:d], thresholds(params[d:])
            s = X @ w
            upper = np.append(t, np.inf)[codes] - s   # P(y <= k)
            lower = np.insert(t, 0, -np.inf)[codes] - s  # P(y <= k-1)
            cu, cl = expit(upper), expit(lower)
            p = np.maximum(cu - cl, 1e-12)
            # d log p / d upper, d log p / d lower
            gu = cu * (1 - cu) / p
            gl = -cl * (1 - cl) / p
            value = -np.log(p).sum() + 0.5 * self.alpha * w @ w
            gs = -(gu + gl)  # d log p / d s
            grad_w = -(X.T @ gs) + self.alpha * w
            gt = np.zeros(K - 1)
            np.add.at(gt, np.minimum(codes, K - 2), np.where(codes < K - 1, gu, 0.0))
            np.add.at(gt, np.maximum(codes - 1, 0), np.where(codes > 0, gl, 0.0))
            gt = -gt
            # chain rule through the ordered parametrisation
            grad_theta = np.empty(K - 1)
            grad_theta[0] = gt.sum()
            steps = np.exp(params[d + 1 :])
            grad_theta[1:] = steps * np.cumsum(gt[::-1])[::-1][1:]
            return value, np.concatenate([grad_w, grad_theta])

        start = np.concatenate([np.zeros(d), [-1.0], np.zeros(K - 2)])
        result = minimize(loss, start, jac=True, method="L-BFGS-B")
        self.coef_ = result.x[:d]
        self.thresholds_ = thresholds(result.x[d:])
        self.n_iter_ = result.nit
        return self

    def decision_function(self, X) -> np.ndarray:
        """The score ``w.x`` of each row (higher means further up the scale)."""
        return np.asarray(X, dtype=np.float64) @ self.coef_

    def predict_proba(self, X) -> np.ndarray:
        from scipy.special import expit

        cumulative = expit(self.thresholds_[None, :] - self.decision_function(X)[:, None])
        cumulative = np.hstack([np.zeros((len(cumulative), 1)), cumulative, np.ones((len(cumulative), 1))])
        return np.diff(cumulative, axis=1)

    def predict(self, X) -> np.ndarray:
        return self.classes_[self.predict_proba(X).argmax(axis=1)]
