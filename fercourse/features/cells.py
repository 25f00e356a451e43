"""A face cut into a grid of cells: which cell each pixel falls in, and per-cell histograms and means.

Local descriptors (LBP, Gabor magnitudes, LBP-TOP in chapter 07) keep *where* on the
face something was seen by summarising each cell of a coarse grid on its own and
concatenating the summaries.  These helpers do that bookkeeping once for all of them.
"""

from __future__ import annotations

import numpy as np

from fercourse.checks import count
from fercourse.errors import InvalidInputError

__all__ = ["as_grid", "cell_map", "cell_histograms", "cell_means"]


def as_grid(grid, name: str = "grid") -> tuple[int, int]:
    """``grid`` as ``(rows, columns)`` of cells: an int ``g`` means ``(g, g)``.

    Parameters
    ----------
    grid : int or tuple of int
        Cells down and across the face.
    name : str
        The argument's name in error messages.

    Returns
    -------
    tuple of int
        ``(rows, columns)``, both at least 1.

    Examples
    --------
    >>> as_grid(4), as_grid((6, 7))
    ((4, 4), (6, 7))
    """
    if isinstance(grid, (int, np.integer)) and not isinstance(grid, bool):
        grid = (grid, grid)
    try:
        rows, columns = grid
    except (TypeError, ValueError):
        raise InvalidInputError(f"{name} must be an int or a pair of ints (rows, columns), got {grid!r}.") from None
    return count(rows, f"{name}[0]"), count(columns, f"{name}[1]")


def cell_map(height: int, width: int, grid) -> np.ndarray:
    """The cell of every pixel of a ``height`` x ``width`` image, numbered row by row.

    Row ``y`` falls in cell row ``y * rows // height`` (so cells differ in size by at
    most one pixel when the side is not a multiple of the grid).

    Parameters
    ----------
    height, width : int
        Size of the image in pixels.
    grid : int or tuple of int
        Cells down and across (see :func:`as_grid`).

    Returns
    -------
    numpy.ndarray
        ``(height, width)`` int64 cell numbers in ``0 .. rows * columns - 1``.

    Examples
    --------
    >>> cell_map(4, 6, (2, 3))
    array([[0, 0, 1, 1, 2, 2],
           [0, 0, 1, 1, 2, 2],
           [3, 3, 4, 4, 5, 5],
           [3, 3, 4, 4, 5, 5]])
    """
    gy, gx = as_grid(grid)
    rows = np.minimum(np.arange(height) * gy // height, gy - 1)
    columns = np.minimum(np.arange(width) * gx // width, gx - 1)
    return rows[:, None] * gx + columns[None]


def cell_histograms(codes, bins: int, grid, border: int = 0, pooled: bool = False) -> np.ndarray:
    """Normalised histograms of integer codes (LBP codes, say) in each cell of a grid.

    The grid is laid over the whole ``H`` x ``W`` map; pixels within ``border`` of its
    edge are left out of the counts (an LBP code there compares a pixel with
    neighbours that lie outside the image).

    Parameters
    ----------
    codes : array_like
        ``(N, H, W)`` maps of whole numbers in ``0 .. bins - 1`` (one ``(H, W)`` map is
        taken as N=1).
    bins : int
        Number of different codes.
    grid : int or tuple of int
        Cells down and across (see :func:`as_grid`).
    border : int
        Pixels left out along each edge.
    pooled : bool
        Count all N maps together (the frames of one clip, say) into one set of
        histograms, instead of one set per map.

    Returns
    -------
    numpy.ndarray
        ``(N, cells, bins)`` float64, or ``(cells, bins)`` when ``pooled``; each
        histogram sums to 1 (an empty cell gives zeros).

    Examples
    --------
    >>> cell_histograms([[0, 1, 1, 1]], bins=2, grid=(1, 2))
    array([[[0.5, 0.5],
            [0. , 1. ]]])
    """
    codes = np.asarray(codes)
    if codes.ndim == 2:
        codes = codes[None]
    if codes.ndim != 3 or not np.issubdtype(codes.dtype, np.integer):
        raise InvalidInputError(f"cell_histograms: codes must be (N, H, W) integers, got {codes.dtype} {codes.shape}.")
    bins, border = count(bins, "bins"), count(border, "border", 0)
    gy, gx = as_grid(grid)
    n, h, w = codes.shape
    inner = codes[:, border : h - border, border : w - border].astype(np.int64)
    if inner.size and (inner.min() < 0 or inner.max() >= bins):
        raise InvalidInputError(
            f"cell_histograms: codes run from {inner.min()} to {inner.max()}, outside 0..{bins - 1} (bins={bins})."
        )
    index = cell_map(h, w, (gy, gx))[border : h - border, border : w - border] * bins + inner
    size = gy * gx * bins
    if pooled:
        hist = np.bincount(index.ravel(), minlength=size).reshape(gy * gx, bins)
    else:
        index = index + (np.arange(n) * size)[:, None, None]
        hist = np.bincount(index.ravel(), minlength=n * size).reshape(n, gy * gx, bins)
    return hist / np.maximum(hist.sum(axis=-1, keepdims=True), 1)


def cell_means(maps, grid) -> np.ndarray:
    """The mean of each cell of a grid, for maps stacked on any leading axes.

    Parameters
    ----------
    maps : array_like
        ``(..., H, W)`` numbers (filter responses, say).
    grid : int or tuple of int
        Cells down and across (see :func:`as_grid`); at most one per pixel.

    Returns
    -------
    numpy.ndarray
        ``(..., cells)``, cells numbered row by row as in :func:`cell_map`.

    Examples
    --------
    >>> cell_means(np.arange(8.0).reshape(2, 4), (1, 2))
    array([2.5, 4.5])
    """
    maps = np.asarray(maps)
    if maps.ndim < 2:
        raise InvalidInputError(f"cell_means: maps must be (..., H, W), got shape {maps.shape}.")
    gy, gx = as_grid(grid)
    h, w = maps.shape[-2:]
    if gy > h or gx > w:
        raise InvalidInputError(f"cell_means: a {gy}x{gx} grid has empty cells on {h}x{w} maps; use a coarser grid.")
    # Cells are products of a band of rows and a band of columns: sum one axis at a time.
    row_starts = np.flatnonzero(np.diff(cell_map(h, 1, (gy, 1))[:, 0], prepend=-1))
    column_starts = np.flatnonzero(np.diff(cell_map(1, w, (1, gx))[0], prepend=-1))
    sums = np.add.reduceat(np.add.reduceat(maps, row_starts, axis=-2), column_starts, axis=-1)
    sizes = np.outer(np.diff(row_starts, append=h), np.diff(column_starts, append=w))
    return (sums / sizes).reshape(*maps.shape[:-2], gy * gx)
