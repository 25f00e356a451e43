"""Local binary patterns (Ojala, Pietikainen and Maenpaa, 2002), histogrammed cell by cell over the face.

Each pixel is compared with ``points`` neighbours on a circle of ``radius`` pixels
around it: a neighbour at least as bright as the centre gives a 1, a darker one a 0,
and the ring of bits, read as a number, is the pixel's code.  A code is *uniform* when
its ring has at most two 0/1 changes (a spot, a flat patch, an edge, a line end or a
corner); the rest are rare and share one code.  For 8 neighbours that leaves 58
uniform codes plus one for the rest: the 59-bin "LBP u2" histogram that Shan, Gong and
McOwan (2009) counted in each region of the face.

Only the order of grey levels matters, so a uniform change of brightness or
contrast leaves the codes as they are.  Neighbours that fall between pixel centres are
read by bilinear interpolation, as in Ojala et al.: a non-linear change of grey levels
(a gamma curve) can then move them a little.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from fercourse.checks import count, finite, positive
from fercourse.errors import InvalidInputError
from fercourse.features.cells import as_grid, cell_histograms, cell_map
from fercourse.features.inputs import as_images

__all__ = ["LBP_METHODS", "lbp_bins", "lbp_codes", "LBPFeatures"]

#: The two codings: ``"nri_uniform"`` keeps the direction of each uniform pattern
#: (``points * (points - 1) + 3`` codes: 59 for 8 points); ``"uniform"`` only counts its
#: ones, so it is also rotation invariant (``points + 2`` codes).  The names and code
#: numbers are those of ``skimage.feature.local_binary_pattern``.
LBP_METHODS = ("nri_uniform", "uniform")

_CHUNK = 256  # images coded at a time: bounds the memory of the points x images x H x W bits


def lbp_bins(points: int = 8, method: str = "nri_uniform") -> int:
    """The number of different codes :func:`lbp_codes` gives.

    Parameters
    ----------
    points : int
        Neighbours on the circle.
    method : str
        ``"nri_uniform"`` or ``"uniform"`` (see :data:`LBP_METHODS`).

    Returns
    -------
    int
        ``points * (points - 1) + 3`` or ``points + 2``.

    Examples
    --------
    >>> lbp_bins(8), lbp_bins(8, "uniform")
    (59, 10)
    """
    points = count(points, "points")
    if method not in LBP_METHODS:
        raise InvalidInputError(f"method must be one of {LBP_METHODS}, got {method!r}.")
    return points * (points - 1) + 3 if method == "nri_uniform" else points + 2


def _offsets(points: int, radius: float) -> tuple[np.ndarray, np.ndarray]:
    """Row and column offsets of the neighbours: counter-clockwise from the right, rounded as scikit-image does."""
    angles = 2 * np.pi * np.arange(points) / points
    return np.round(-radius * np.sin(angles), 5), np.round(radius * np.cos(angles), 5)


def _bits(stack: np.ndarray, points: int, radius: float) -> np.ndarray:
    """``(points, N, H, W)``: whether each neighbour is at least as bright as the centre."""
    n, h, w = stack.shape
    margin = int(np.ceil(radius)) + 1
    padded = np.pad(stack, ((0, 0), (margin, margin), (margin, margin)), mode="edge")
    # Interpolated neighbours carry rounding noise of ~1e-16 of the grey-level scale, while two
    # different 8-bit neighbourhoods differ by far more: ties stay ties under a change of brightness.
    tolerance = 1e-12 * float(np.abs(stack).max())
    bits = np.empty((points, n, h, w), dtype=bool)
    for i, (dy, dx) in enumerate(zip(*_offsets(points, radius))):
        y0, x0 = int(np.floor(dy)), int(np.floor(dx))
        fy, fx = dy - y0, dx - x0
        sample = np.zeros_like(stack)
        for oy, wy in ((0, 1.0 - fy), (1, fy)):
            for ox, wx in ((0, 1.0 - fx), (1, fx)):
                if wy * wx:
                    top, left = margin + y0 + oy, margin + x0 + ox
                    sample += (wy * wx) * padded[:, top : top + h, left : left + w]
        bits[i] = sample - stack >= -tolerance
    return bits


def _code(bits: np.ndarray, method: str) -> np.ndarray:
    points = len(bits)
    ones = bits.sum(axis=0)
    uniform = (bits[1:] != bits[:-1]).sum(axis=0) <= 2  # along the ring; the ring's own wrap follows
    if method == "uniform":
        return np.where(uniform, ones, points + 1)
    # A uniform pattern is its number of ones and where its run of ones starts.
    first_one, first_zero = bits.argmax(axis=0), (~bits).argmax(axis=0)
    rotation = np.where(bits[0], ones - first_zero, points - first_one)
    codes = 1 + (ones - 1) * points + rotation
    codes = np.where(ones == 0, 0, np.where(ones == points, points * (points - 1) + 1, codes))
    return np.where(uniform, codes, points * (points - 1) + 2)


@lru_cache(maxsize=8)
def _table(points: int, method: str) -> np.ndarray:
    """The code of each of the ``2**points`` rings, indexed by the ring read as a binary number."""
    rings = (np.arange(2**points)[None] >> np.arange(points)[:, None]) & 1
    return _code(rings.astype(bool), method)


def _codes(stack: np.ndarray, points: int, radius: float, method: str) -> np.ndarray:
    bits = _bits(stack, points, radius)
    if points > 16:  # a table of every ring would be too large: work the codes out bit by bit
        return _code(bits, method)
    ring = np.zeros(bits.shape[1:], dtype=np.int64)
    for i, bit in enumerate(bits):
        ring |= bit.astype(np.int64) << i
    return _table(points, method)[ring]


def lbp_codes(images, points: int = 8, radius: float = 1.0, method: str = "nri_uniform") -> np.ndarray:
    """The uniform LBP code of every pixel of grey images, all images at once.

    The codes are those of ``skimage.feature.local_binary_pattern`` with the same
    ``method``, except where a neighbour ties with the centre: scikit-image decides
    those ties with rounding noise from the interpolation, which can differ between an
    image and the same image made brighter; here a tie is always a 1.  Pixels closer
    than ``radius`` to the edge compare the centre with a copy of the edge pixels: leave
    them out of any statistics (:class:`LBPFeatures` does).

    Parameters
    ----------
    images : array_like
        ``(N, H, W)`` or one ``(H, W)`` grey image, in any units (only the order of
        the values matters).
    points : int
        Neighbours on the circle.
    radius : float
        Radius of the circle, in pixels.
    method : str
        ``"nri_uniform"`` or ``"uniform"`` (see :data:`LBP_METHODS`).

    Returns
    -------
    numpy.ndarray
        int64 codes in ``0 .. lbp_bins(points, method) - 1``, shaped like ``images``.

    Examples
    --------
    >>> spot = np.zeros((3, 3)); spot[1, 1] = 1.0
    >>> int(lbp_codes(spot)[1, 1]), int(lbp_codes(1 - spot)[1, 1])  # a bright spot, a dark spot
    (0, 57)
    """
    stack = finite(images, "lbp_codes: images", "grey levels")
    single = stack.ndim == 2
    stack = stack[None] if single else stack
    if stack.ndim != 3 or stack.size == 0:
        raise InvalidInputError(f"lbp_codes: images must be (N, H, W) or (H, W) grey levels, got shape {stack.shape}.")
    points, radius = count(points, "points"), positive(radius, "radius")
    lbp_bins(points, method)  # checks the method
    codes = np.concatenate([
        _codes(stack[start : start + _CHUNK], points, radius, method)
        for start in range(0, len(stack), _CHUNK)
    ]).astype(np.int64)
    return codes[0] if single else codes


class LBPFeatures(TransformerMixin, BaseEstimator):
    """Uniform LBP histograms of a grid of face cells, concatenated (Shan, Gong and McOwan, 2009).

    The face is cut into ``grid`` cells; each cell's codes (:func:`lbp_codes`) are
    counted and the histogram divided by its total, so that every cell weighs the same.
    Pixels within ``radius`` of the image edge are left out.  With 48x48 faces, 8
    neighbours at radius 1 and a 6x6 grid of 8x8-pixel cells this gives
    36 cells x 59 codes = 2,124 numbers per face, in cell order (row by row), codes
    within each cell.

    Parameters
    ----------
    points : int
        Neighbours on the circle.
    radius : float
        Radius of the circle, in pixels (Shan et al. used 2 on faces of 110x150 pixels;
        1 suits 48x48).
    grid : int or tuple of int
        Cells down and across the face.
    method : str
        ``"nri_uniform"`` (59 codes for 8 points) or ``"uniform"`` (rotation invariant,
        10 codes for 8 points); see :data:`LBP_METHODS`.

    Examples
    --------
    >>> LBPFeatures().fit_transform(np.zeros((2, 48, 48))).shape
    (2, 2124)
    """

    def __init__(self, points: int = 8, radius: float = 1, grid=(6, 6), method: str = "nri_uniform"):
        self.points = points
        self.radius = radius
        self.grid = grid
        self.method = method

    def fit(self, X, y=None):
        self._check(as_images(X).shape[1:])
        return self

    def _check(self, shape: tuple[int, int]) -> tuple[int, tuple[int, int], int]:
        bins = lbp_bins(self.points, self.method)
        grid = as_grid(self.grid)
        border = int(np.ceil(positive(self.radius, "radius")))
        h, w = shape
        cells = cell_map(h, w, grid)[border : h - border, border : w - border]
        if np.bincount(cells.ravel(), minlength=grid[0] * grid[1]).min() == 0:
            raise InvalidInputError(
                f"A {grid[0]}x{grid[1]} grid on {h}x{w} images leaves cells without a pixel more than {border} from "
                "the edge; use a coarser grid, a smaller radius or larger images."
            )
        return bins, grid, border

    def transform(self, X):
        images = as_images(X)
        bins, grid, border = self._check(images.shape[1:])
        codes = lbp_codes(images, self.points, self.radius, self.method)
        return cell_histograms(codes, bins, grid, border=border).reshape(len(images), -1)
