"""Eulerian motion magnification: small, brief movements made visible."""

from __future__ import annotations

import numpy as np

from fercourse.checks import count as _count
from fercourse.checks import number, positive
from fercourse.errors import InvalidInputError

__all__ = ["magnify"]


def magnify(frames, fps: float, alpha: float = 10.0, band: tuple[float, float] = (0.5, 5.0), levels: int = 2) -> np.ndarray:
    """Eulerian motion magnification (Wu et al., 2012): make small, brief movements visible.

    Each frame is blurred and shrunk ``levels`` times (a Gaussian pyramid); every
    pixel's brightness over time is band-pass filtered to ``band`` Hz (an ideal filter
    in the Fourier domain), multiplied by ``alpha``, enlarged back and added to the
    frame.  Movements at those frequencies grow about ``alpha`` times; static parts and
    slow drifts are left alone.  ``frames``: ``(T, H, W[, 3])`` ``uint8``.

    Parameters
    ----------
    frames : numpy.ndarray
        ``(T, H, W)`` or ``(T, H, W, 3)`` ``uint8`` clip of at least 4 frames.
    fps : float
        The clip's frame rate.
    alpha : float
        The magnification factor.
    band : tuple of float
        ``(low, high)``: the frequencies magnified, in Hz; ``low`` must lie below ``fps / 2``.
    levels : int
        Times each frame is halved before filtering.

    Returns
    -------
    numpy.ndarray
        The magnified clip, same shape, ``uint8``.

    Examples
    --------
    A clip in which nothing moves stays as it was:

    >>> still = np.full((8, 16, 16), 100, np.uint8)
    >>> bool((magnify(still, fps=30) == still).all())
    True
    """

    import cv2

    clip = np.asarray(frames)
    if clip.ndim not in (3, 4) or clip.dtype != np.uint8 or len(clip) < 4:
        raise InvalidInputError(f"magnify: frames must be a uint8 clip (T, H, W[, 3]) of at least 4 frames, got {clip.dtype} {clip.shape}.")
    fps = positive(fps, "magnify: fps (the clip's frame rate)")
    alpha = number(alpha, "magnify: alpha (the magnification factor)", 0.0)
    try:
        low, high = (float(v) for v in band)
    except (TypeError, ValueError):
        low = high = float("nan")
    if not 0 <= low < high < float("inf"):
        raise InvalidInputError(f"magnify: band must be (low, high) Hz with 0 <= low < high, got {band!r}.")
    if low >= fps / 2:
        raise InvalidInputError(
            f"magnify: band starts at {low:g} Hz, at or above {fps / 2:g} Hz, the highest frequency a clip at "
            f"fps={fps:g} can show, so nothing would be magnified: lower the band or give the clip's real fps."
        )
    small = []
    for frame in clip.astype(np.float32):
        for _ in range(_count(levels, "levels", 0)):
            frame = cv2.pyrDown(frame)
        small.append(frame)
    small = np.stack(small)
    spectrum = np.fft.rfft(small, axis=0)
    freqs = np.fft.rfftfreq(len(clip), d=1.0 / fps)
    keep = ((freqs >= low) & (freqs <= high)).reshape(-1, *([1] * (small.ndim - 1)))
    filtered = np.fft.irfft(spectrum * keep, n=len(clip), axis=0) * alpha
    height, width = clip.shape[1:3]
    boost = np.stack([cv2.resize(f.astype(np.float32), (width, height), interpolation=cv2.INTER_LINEAR) for f in filtered])
    return np.clip(clip.astype(np.float32) + boost.reshape(clip.shape), 0, 255).astype(np.uint8)
