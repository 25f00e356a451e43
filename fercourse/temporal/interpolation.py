"""Clips of any length resampled to a fixed number of frames: the temporal interpolation model (TIM).

Micro-expressions last a handful of frames, and how many depends on the person, the
expression and the camera, while most clip models want a fixed length.  Repeating or
dropping frames (:func:`~fercourse.temporal.sample_indices`) changes the pace of the
movement by jumps; Pfister, Li, Zhao and Pietikäinen (2011) resample it smoothly instead.

Their temporal interpolation model treats the T frames of a clip as points along a
curve.  The frames are the nodes of a path graph (frame t is joined to t - 1 and t + 1);
the eigenvectors of that graph's Laplacian, all but the constant one, give every frame
coordinates in a (T - 1)-dimensional embedding, and those coordinates lie on a smooth
curve that can be evaluated between the frames as well.  A linear map takes curve
points back to images; it is fitted on the T frames, so at the frames the curve gives
the frames back, and in between it gives new images.  Sampling the curve at n evenly
spaced places gives the n frames of the resampled clip.

The path graph's eigenvectors are cosines, ``cos(pi k (t + 1/2) / T)`` for frame
``t`` and ``k = 1 .. T - 1`` (:func:`path_embedding`): the basis of the discrete cosine
transform.  With all T - 1 of them plus the frames' mean, the fitted map is exact, so
TIM amounts to writing each pixel's time course as a cosine series and evaluating
that series at the new times.  (Pfister et al. first reduce the frames to their
principal components and fit the map from images to the curve; here the map from the
curve to the frames is fitted directly, which gives the same images when the frames
are independent and stays well defined when they are not, as in a still clip.)
:func:`interpolate_clip` does this with one ``(n, T)`` weight matrix; ``method="linear"``
uses straight lines between neighbouring frames instead, for comparison.
"""

from __future__ import annotations

import numpy as np

from fercourse.checks import count as _count
from fercourse.errors import InvalidInputError

__all__ = ["INTERPOLATION_METHODS", "path_embedding", "interpolate_clip"]

#: The ways :func:`interpolate_clip` can resample a clip.
INTERPOLATION_METHODS = ("tim", "linear")


def path_embedding(n_frames: int, times=None) -> np.ndarray:
    """The TIM curve: each frame's coordinates from the Laplacian eigenvectors of the path graph of the clip.

    The path graph joins frame ``t`` to frames ``t - 1`` and ``t + 1``; its Laplacian
    ``L = D - A`` has the eigenvalues ``2 - 2 cos(pi k / T)`` and the eigenvectors
    ``y_k(t) = cos(pi k (t + 1/2) / T)``, ``k = 0 .. T - 1``.  The constant ``y_0`` is
    left out (it carries no position); the others are the curve's ``T - 1``
    coordinates.  Written as formulas they are defined at any time between the frames,
    which is what lets TIM resample the clip.  (Pfister et al. write the same functions
    as ``sin(pi k s + pi (T - k) / (2 T))`` with frame ``t`` at ``s = (t + 1) / T``.)

    Parameters
    ----------
    n_frames : int
        T, the number of frames of the clip (at least 2).
    times : array-like, optional
        Where to evaluate the curve, in frames (0 is the first frame, ``T - 1`` the
        last; fractions lie between frames).  Default: the frames ``0 .. T - 1``.

    Returns
    -------
    numpy.ndarray
        ``(len(times), T - 1)`` float64: row ``i`` holds the coordinates ``y_1 .. y_{T-1}``
        at ``times[i]``.

    Examples
    --------
    >>> np.round(path_embedding(3), 3)
    array([[ 0.866,  0.5  ],
           [ 0.   , -1.   ],
           [-0.866,  0.5  ]])
    """
    n_frames = _count(n_frames, "path_embedding: n_frames", 2)
    if times is None:
        t = np.arange(n_frames, dtype=np.float64)
    else:
        try:
            t = np.asarray(times, dtype=np.float64)
        except (TypeError, ValueError):
            raise InvalidInputError(f"path_embedding: times must be numbers (frame positions), got {times!r}.") from None
        if t.ndim != 1 or not np.all(np.isfinite(t)):
            raise InvalidInputError(f"path_embedding: times must be a finite 1-D array of frame positions, got shape {t.shape}.")
    return _cosines(n_frames, t)[:, 1:]


def _cosines(n_frames: int, times: np.ndarray) -> np.ndarray:
    """All T eigenvectors of the path graph's Laplacian, the constant included, at ``times``: ``(len(times), T)``."""
    k = np.arange(n_frames)
    return np.cos(np.pi * np.outer(times + 0.5, k) / n_frames)


def _tim_weights(n_frames: int, times: np.ndarray) -> np.ndarray:
    """``(n, T)`` weights that give the TIM curve's images at ``times`` from the T frames.

    The cosines at the frames form a matrix with orthogonal columns (column 0 of
    squared norm T, the others T / 2), so the least-squares map from curve to frames
    is its transpose scaled by those norms, and it is exact."""
    at_frames = _cosines(n_frames, np.arange(n_frames, dtype=np.float64))
    norms = np.full(n_frames, n_frames / 2.0)
    norms[0] = n_frames
    return _cosines(n_frames, times) @ (at_frames / norms).T


def _linear_weights(n_frames: int, times: np.ndarray) -> np.ndarray:
    """``(n, T)`` weights of straight-line interpolation between the two frames around each time."""
    left = np.minimum(np.floor(times).astype(np.int64), n_frames - 2)
    fraction = times - left
    weights = np.zeros((len(times), n_frames))
    rows = np.arange(len(times))
    weights[rows, left] = 1.0 - fraction
    weights[rows, left + 1] += fraction
    return weights


def _clip(frames) -> np.ndarray:
    """``frames`` checked: a ``(T, H, W)`` or ``(T, H, W, C)`` array of finite numbers, T >= 2."""
    clip = np.asarray(frames)
    if clip.dtype == bool or not np.issubdtype(clip.dtype, np.number) or np.issubdtype(clip.dtype, np.complexfloating):
        raise InvalidInputError(f"interpolate_clip: frames must hold real numbers (grey levels), got dtype {clip.dtype}.")
    if clip.ndim not in (3, 4) or 0 in clip.shape[1:]:
        raise InvalidInputError(
            f"interpolate_clip: frames has shape {clip.shape}; expected a clip (frames, height, width) or "
            "(frames, height, width, channels)."
        )
    if len(clip) < 2:
        raise InvalidInputError(
            f"interpolate_clip: a clip of {len(clip)} frame(s) cannot be interpolated; it needs at least 2."
        )
    if np.issubdtype(clip.dtype, np.floating):
        bad = int(np.count_nonzero(~np.isfinite(clip)))
        if bad:
            raise InvalidInputError(
                f"interpolate_clip: frames contains {bad} NaN or infinite value(s); every pixel must be a finite number."
            )
    return clip


def interpolate_clip(frames, n: int, method: str = "tim") -> np.ndarray:
    """The clip resampled to ``n`` frames, evenly spaced in time from its first frame to its last.

    ``"tim"``: Pfister et al.'s temporal interpolation model (see the module's
    description): every pixel follows the cosine curve of the path graph's embedding
    through the clip's frames.  It passes through every frame and bends smoothly
    between them, so it does not follow even a steady change exactly (it strays by a
    few hundredths of a frame's step), and it overshoots where a pixel turns abruptly.
    ``"linear"``: each new frame blends the two frames around it, in proportion to how
    close it is to each; it follows a steady change exactly, with a kink at every frame.
    Both keep the first and last frames, and for ``n`` equal to the number of frames both
    return the clip (``"linear"`` exactly, ``"tim"`` to rounding error).

    Parameters
    ----------
    frames : array-like
        ``(T, H, W)`` grey or ``(T, H, W, C)`` colour frames, ``T >= 2``: ``uint8``, any
        other integers, or finite floats.
    n : int
        Frames of the result (at least 2); more than T stretches the clip, fewer shrinks it.
    method : {"tim", "linear"}
        How to interpolate between the frames.

    Returns
    -------
    numpy.ndarray
        ``(n, H, W)`` or ``(n, H, W, C)``.  Float clips keep their dtype; ``uint8`` clips
        come back as ``uint8`` (rounded, and clipped to 0..255 where TIM overshoots);
        other integer clips as float64.

    Raises
    ------
    InvalidInputError
        For fewer than 2 frames, ``n < 2``, a shape that is not a clip, values that are
        not finite real numbers, or an unknown method.

    Examples
    --------
    A pixel that brightens steadily over 3 frames, resampled to 5:

    >>> clip = np.array([1.0, 3.0, 5.0]).reshape(3, 1, 1)
    >>> interpolate_clip(clip, 5, method="linear").ravel()
    array([1., 2., 3., 4., 5.])
    >>> np.round(interpolate_clip(clip, 5, method="tim").ravel(), 2)
    array([1.  , 1.85, 3.  , 4.15, 5.  ])
    """
    clip = _clip(frames)
    n = _count(n, "interpolate_clip: n (frames of the result)", 2)
    if method not in INTERPOLATION_METHODS:
        raise InvalidInputError(
            f"interpolate_clip: method must be one of {', '.join(map(repr, INTERPOLATION_METHODS))}, got {method!r}."
        )
    n_frames = len(clip)
    times = np.linspace(0.0, n_frames - 1.0, n)
    weights = _tim_weights(n_frames, times) if method == "tim" else _linear_weights(n_frames, times)
    out = (weights @ clip.reshape(n_frames, -1).astype(np.float64)).reshape((n,) + clip.shape[1:])
    if clip.dtype == np.uint8:
        return np.clip(np.round(out), 0, 255).astype(np.uint8)
    if np.issubdtype(clip.dtype, np.floating):
        return out.astype(clip.dtype, copy=False)
    return out
