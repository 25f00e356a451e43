"""Faces in, faces out: the course's grey faces checked and scaled to [0, 1], labels as class indices."""

from __future__ import annotations

import numpy as np

from fercourse.checks import pixel_values
from fercourse.errors import InvalidInputError

__all__ = ["quantize", "epsilon_label"]


def as_image_batch(images, size: int, name: str = "images") -> np.ndarray:
    """``(N, size, size)`` float32 in [0, 1] from uint8 or float faces (one face or a batch)."""
    array = np.asarray(images)
    if array.size == 0 or not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
        raise InvalidInputError(f"{name} must be a non-empty numeric array of grey faces, got {array.dtype} {array.shape}.")
    if array.ndim == 2:
        array = array[None]
    if array.ndim == 4 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 3 or array.shape[1:] != (size, size):
        raise InvalidInputError(
            f"{name} has shape {array.shape}; expected grey faces (N, {size}, {size}). "
            f"Convert to grey and resize first, for example with fercourse.face.resize(face, {size})."
        )
    array = pixel_values(array, name)  # uint8 0..255 or floats in [0, 1], nothing else
    if array.dtype == np.uint8:
        return array.astype(np.float32) / 255.0
    return np.clip(array.astype(np.float32), 0.0, 1.0)  # rounding may stray a float32 step outside


def as_label_array(labels, n: int, classes) -> np.ndarray:
    y = np.asarray(labels)
    if y.ndim == 0:
        y = np.full(n, y.item())
    if y.dtype.kind in "US" or y.dtype == object:
        unknown = sorted({str(v) for v in y} - set(classes))
        if unknown:
            raise InvalidInputError(f"unknown labels {unknown}; expected class indices or names from {list(classes)}.")
        y = np.array([list(classes).index(str(v)) for v in y])
    if y.shape != (n,) or not np.issubdtype(y.dtype, np.integer) or y.min() < 0 or y.max() >= len(classes):
        raise InvalidInputError(f"labels must be {n} class indices in [0, {len(classes)}), got {y!r}.")
    return y.astype(np.int64)


def quantize(images) -> np.ndarray:
    """Round faces in [0, 1] to the 256 grey levels a saved 8-bit image keeps.

    Parameters
    ----------
    images : array_like
        Faces with values in [0, 1].

    Returns
    -------
    numpy.ndarray
        The rounded faces, ``float32``, same shape.

    Examples
    --------
    >>> quantize([0.5, 0.1]) * 255
    array([128.,  26.], dtype=float32)
    """
    return (np.round(np.asarray(images, dtype=np.float32) * 255.0) / 255.0).astype(np.float32)


def epsilon_label(epsilon: float, norm: str) -> str:
    """``'4/255'`` for L-infinity budgets that are whole grey levels, else the number.

    Parameters
    ----------
    epsilon : float
        The budget.
    norm : str
        ``'linf'`` or ``'l2'``.

    Returns
    -------
    str
        The budget as a label.

    Examples
    --------
    >>> epsilon_label(4 / 255, "linf"), epsilon_label(0.5, "l2")
    ('4/255', '0.5')
    """
    if norm == "linf" and abs(epsilon * 255 - round(epsilon * 255)) < 1e-6:
        return "0" if round(epsilon * 255) == 0 else f"{round(epsilon * 255)}/255"
    return f"{epsilon:g}"
