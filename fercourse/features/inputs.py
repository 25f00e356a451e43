"""The inputs of every extractor: images, landmarks, and both packed in one row per face."""

from __future__ import annotations

import numpy as np

from fercourse.checks import grey, pixel_values
from fercourse.errors import InvalidInputError
from fercourse.mesh import N_LANDMARKS

__all__ = ["as_images", "as_landmarks", "pack"]


def as_images(X, name: str = "X") -> np.ndarray:
    """``X`` as a float ``(N, S, S)`` array in [0, 1] (``uint8`` is divided by 255).

    Colour faces ``(N, S, S, 3)`` are turned grey by their luminance (:func:`fercourse.checks.grey`).
    Floats must already lie in [0, 1]: a float image in [0, 255], a negative value or
    a NaN raises :class:`InvalidInputError` (:func:`fercourse.checks.pixel_values`).

    Parameters
    ----------
    X : array_like
        Images ``(N, H, W)``, colour images ``(N, H, W, 3)``, or square images
        flattened to ``(N, H*W)`` (the side is recovered from the column count).
    name : str
        The argument's name in error messages.

    Returns
    -------
    numpy.ndarray
        ``(N, H, W)`` float64 in [0, 1].

    Examples
    --------
    >>> import numpy as np
    >>> as_images(np.full((2, 16), 255, np.uint8)).shape
    (2, 4, 4)
    """
    array = np.asarray(X)
    if array.dtype == object or array.size == 0:
        raise InvalidInputError(f"{name} must be a non-empty numeric array of images, got {type(X).__name__}.")
    array = pixel_values(array, name)
    if array.ndim == 2:
        side = int(round(np.sqrt(array.shape[1])))
        if side * side != array.shape[1]:
            raise InvalidInputError(
                f"{name} has {array.shape[1]} columns, which is not a square image; pass (N, H, W) images "
                "or square images flattened to (N, H*W)."
            )
        array = array.reshape(len(array), side, side)
    if array.ndim == 4 and array.shape[-1] == 3:
        array = grey(array, name)  # colour faces: their luminance, as face.to_gray gives
    if array.ndim != 3:
        raise InvalidInputError(f"{name} must have shape (N, H, W) or (N, H*W), got {array.shape}.")
    scale = 255.0 if array.dtype == np.uint8 else 1.0
    return array.astype(np.float64) / scale


def as_landmarks(X, name: str = "landmarks") -> np.ndarray:
    """``X`` as a float ``(N, 478, 2)`` array of x, y pixel coordinates (a single face gets N=1).

    Parameters
    ----------
    X : array_like
        ``(N, 478, 2|3)``, one face ``(478, 2|3)``, or flattened ``(N, 478*2)`` /
        ``(N, 478*3)``; z is dropped.
    name : str
        The argument's name in error messages.

    Returns
    -------
    numpy.ndarray
        ``(N, 478, 2)`` float64.
    """
    try:
        array = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError):
        raise InvalidInputError(f"{name} must be a numeric array of landmarks, got {type(X).__name__}.") from None
    if array.ndim == 2 and array.shape[0] == N_LANDMARKS and array.shape[1] in (2, 3):
        array = array[None]
    elif array.ndim == 2 and array.shape[1] in (N_LANDMARKS * 2, N_LANDMARKS * 3):
        array = array.reshape(len(array), N_LANDMARKS, -1)
    if array.ndim != 3 or array.shape[1] != N_LANDMARKS or array.shape[2] not in (2, 3):
        raise InvalidInputError(
            f"{name} has shape {array.shape}; expected MediaPipe's {N_LANDMARKS} points per face: "
            f"(N, {N_LANDMARKS}, 2|3), ({N_LANDMARKS}, 2|3) or flattened (N, {N_LANDMARKS * 2}|{N_LANDMARKS * 3})."
        )
    if not np.all(np.isfinite(array)):
        raise InvalidInputError(f"{name} contains NaN or infinite coordinates.")
    return array[:, :, :2]


def pack(images, landmarks) -> np.ndarray:
    """One row per face: its pixels (scaled to [0, 1]) followed by its landmarks' x, y.

    The combined model (:func:`~fercourse.features.combined_svm`) takes this matrix;
    it needs the image side to know where the pixels end.

    Parameters
    ----------
    images : array_like
        Square images, anything :func:`as_images` accepts.
    landmarks : array_like
        Their meshes, anything :func:`as_landmarks` accepts, one per image.

    Returns
    -------
    numpy.ndarray
        ``(N, H*W + 478*2)`` float64.
    """
    pixels = as_images(images, "images")
    points = as_landmarks(landmarks)
    if len(pixels) != len(points):
        raise InvalidInputError(f"pack: {len(pixels)} images but {len(points)} landmark sets; give one per face.")
    return np.hstack([pixels.reshape(len(pixels), -1), points.reshape(len(points), -1)])
