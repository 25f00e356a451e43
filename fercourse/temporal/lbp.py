"""LBP-TOP, the classic hand-made texture descriptor of a clip."""

from __future__ import annotations

import numpy as np

from fercourse.checks import finite
from fercourse.errors import InvalidInputError
from fercourse.features.cells import cell_histograms

__all__ = ["lbp_top", "lbp_top_features"]


def lbp_top(clip, points: int = 8, radius: int = 1, grid: tuple[int, int] = (4, 4)) -> np.ndarray:
    """LBP-TOP descriptor of a grey clip ``(T, H, W)`` (Zhao and Pietikainen).

    Local binary patterns (uniform, ``points + 2`` codes) are computed in the three
    orthogonal planes: XY (each frame: appearance), XT (each row over time: horizontal
    motion) and YT (each column over time: vertical motion).  Each plane's codes are
    counted in a ``grid`` of face blocks; the normalised histograms are concatenated:
    ``3 * grid[0] * grid[1] * (points + 2)`` numbers.

    Parameters
    ----------
    clip : numpy.ndarray
        ``(T, H, W)`` grey levels, ``uint8`` or numbers in 0..255.
    points : int
        Neighbours each pixel is compared with.
    radius : int
        Distance of those neighbours, in pixels (or frames, in the XT and YT planes).
    grid : tuple of int
        Blocks down and across the face.

    Returns
    -------
    numpy.ndarray
        The descriptor, float32, each block's histogram summing to 1.

    Examples
    --------
    >>> clip = np.random.default_rng(0).integers(0, 256, (6, 16, 16), dtype=np.uint8)
    >>> lbp_top(clip, grid=(2, 2)).shape  # 3 planes, 2 x 2 blocks, 10 codes
    (120,)
    """
    from skimage.feature import local_binary_pattern

    clip = np.asarray(clip)
    if clip.dtype != np.uint8:  # LBP compares grey levels: whole numbers avoid ties broken by rounding noise
        values = finite(clip, "lbp_top: clip", "grey levels")
        if values.size and (values.min() < -0.5 or values.max() >= 255.5):
            raise InvalidInputError(
                f"lbp_top: clip holds values from {values.min():.4g} to {values.max():.4g}; LBP-TOP compares grey "
                "levels 0..255: pass a uint8 clip (or numbers in 0..255)."
            )
        clip = np.clip(np.round(values), 0, 255).astype(np.uint8)
    if clip.ndim != 3 or min(clip.shape) <= 2 * radius:
        raise InvalidInputError(f"lbp_top: clip must be grey (T, H, W) with every side above {2 * radius}, got {clip.shape}.")
    t, h, w = clip.shape
    bins = points + 2

    def lbp(image):
        return local_binary_pattern(image, points, radius, method="uniform").astype(np.int64)

    planes = (
        np.stack([lbp(frame) for frame in clip]),  # XY: (T, H, W)
        np.stack([lbp(clip[:, y, :]) for y in range(h)]).transpose(1, 0, 2),  # XT
        np.stack([lbp(clip[:, :, x]) for x in range(w)]).transpose(1, 2, 0),  # YT
    )
    r = radius
    # Every plane's codes are counted over the frames whose neighbours in time exist, in the
    # face blocks of chapter 04's cell histograms (pixels within the radius of an edge left out).
    features = [cell_histograms(codes[r : t - r], bins, grid, border=r, pooled=True) for codes in planes]
    return np.concatenate(features).ravel().astype(np.float32)


def lbp_top_features(clips, **options) -> np.ndarray:
    """:func:`lbp_top` of every clip.

    Parameters
    ----------
    clips : numpy.ndarray
        ``(N, T, H, W)`` grey clips.
    **options
        Passed on to :func:`lbp_top` (``points``, ``radius``, ``grid``).

    Returns
    -------
    numpy.ndarray
        ``(N, D)``: one descriptor per clip.
    """

    return np.stack([lbp_top(clip, **options) for clip in clips])
