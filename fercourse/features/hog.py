"""Histograms of oriented gradients (Dalal and Triggs, 2005): of the whole face, or window by window."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from fercourse.errors import InvalidInputError
from fercourse.features.inputs import as_images

__all__ = ["HOGFeatures", "SlidingHOG"]


class HOGFeatures(TransformerMixin, BaseEstimator):
    """Histograms of oriented gradients of whole images (``skimage.feature.hog``).

    With 48x48 images, 8x8-pixel cells and 2x2-cell blocks this gives
    5 x 5 blocks x 4 cells x 9 orientations = 900 numbers per face.

    Parameters
    ----------
    orientations : int
        Bins of gradient direction per histogram.
    cell : int
        Side of a cell in pixels.
    block : int
        Side of a normalisation block in cells.

    Examples
    --------
    >>> import numpy as np
    >>> HOGFeatures().fit_transform(np.zeros((2, 48, 48))).shape
    (2, 900)
    """

    def __init__(self, orientations: int = 9, cell: int = 8, block: int = 2):
        self.orientations = orientations
        self.cell = cell
        self.block = block

    def fit(self, X, y=None):
        as_images(X)
        return self

    def transform(self, X):
        from skimage.feature import hog

        images = as_images(X)
        if min(images.shape[1:]) < self.cell * self.block:
            raise InvalidInputError(
                f"Images of {images.shape[1]}x{images.shape[2]} pixels are smaller than one HOG block "
                f"({self.cell * self.block} pixels); use larger images or a smaller cell."
            )
        return np.stack([
            hog(image, orientations=self.orientations, pixels_per_cell=(self.cell, self.cell),
                cells_per_block=(self.block, self.block), feature_vector=True)
            for image in images
        ])


class SlidingHOG(TransformerMixin, BaseEstimator):
    """HOG computed separately in overlapping square windows that slide over the face.

    Each ``window`` x ``window`` patch (moved by ``stride`` pixels) gets its own HOG
    (cells of ``cell`` pixels, one block per cell, so each window's histograms are
    normalised on their own).  ``pool="concat"`` keeps every window's histogram in
    order (where a feature was seen stays known); ``"max"`` and ``"mean"`` pool over
    windows element by element (a shorter, position-free summary).

    Parameters
    ----------
    window : int
        Side of a window in pixels.
    stride : int
        Step between windows in pixels.
    cell : int
        Side of a cell in pixels.
    orientations : int
        Bins of gradient direction per histogram.
    pool : str
        ``"concat"``, ``"max"`` or ``"mean"``.
    """

    def __init__(self, window: int = 24, stride: int = 12, cell: int = 6, orientations: int = 9, pool: str = "concat"):
        self.window = window
        self.stride = stride
        self.cell = cell
        self.orientations = orientations
        self.pool = pool

    def fit(self, X, y=None):
        self.transform(as_images(X)[:1])
        return self

    def transform(self, X):
        from skimage.feature import hog

        if self.pool not in ("concat", "max", "mean"):
            raise InvalidInputError(f"pool must be 'concat', 'max' or 'mean', got {self.pool!r}.")
        images = as_images(X)
        side = images.shape[1]
        if not 0 < self.window <= side or self.stride < 1:
            raise InvalidInputError(
                f"window must lie in 1..{side} (the image side) and stride must be positive, "
                f"got window={self.window}, stride={self.stride}."
            )
        starts = range(0, side - self.window + 1, self.stride)
        out = []
        for image in images:
            windows = np.stack([
                hog(image[r : r + self.window, c : c + self.window], orientations=self.orientations,
                    pixels_per_cell=(self.cell, self.cell), cells_per_block=(1, 1), feature_vector=True)
                for r in starts for c in starts
            ])
            out.append(windows.ravel() if self.pool == "concat" else getattr(windows, self.pool)(axis=0))
        return np.stack(out)
