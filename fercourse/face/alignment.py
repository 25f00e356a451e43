"""Levelling a face on its eye line and cutting it by its eye distance.

Every function returns the 2x3 affine matrix from the input's points to the output's,
so landmarks follow the image (:func:`transform_points`).
"""

from __future__ import annotations

import math

import numpy as np

from fercourse.checks import positive as _positive
from fercourse.errors import InvalidInputError
from fercourse.face.images import as_image, size_pair
from fercourse.face.landmarks import eye_centers

__all__ = ["transform_points", "rotate", "align", "crop_by_eyes", "crop_corners"]


def transform_points(points, matrix) -> np.ndarray:
    """Apply a 2x3 (or 3x3) affine ``matrix`` to ``(N, 2)`` or ``(N, 3)`` points.

    x and y are transformed; z, when present, is multiplied by the matrix's
    scale (the square root of its determinant) so depth stays on the x scale.

    Parameters
    ----------
    points : array_like
        ``(N, 2)`` or ``(N, 3)`` points.
    matrix : array_like
        A 2x3 affine matrix (or 3x3, whose last row is ignored), as :func:`align`,
        :func:`rotate` and :func:`crop_by_eyes` return.

    Returns
    -------
    numpy.ndarray
        The moved points, float32, of the same shape.

    Examples
    --------
    >>> transform_points([[1, 2]], [[2, 0, 10], [0, 2, 20]])
    array([[12., 24.]], dtype=float32)
    """
    pts = np.asarray(points, dtype=np.float64)
    m = np.asarray(matrix, dtype=np.float64)
    if pts.ndim != 2 or pts.shape[1] not in (2, 3):
        raise InvalidInputError(f"points has shape {pts.shape}; expected (N, 2) or (N, 3).")
    if m.shape not in ((2, 3), (3, 3)):
        raise InvalidInputError(f"matrix has shape {m.shape}; expected a 2x3 (or 3x3) affine matrix.")
    out = pts.copy()
    out[:, :2] = pts[:, :2] @ m[:2, :2].T + m[:2, 2]
    if pts.shape[1] == 3:
        out[:, 2] *= math.sqrt(abs(np.linalg.det(m[:2, :2])))
    return out.astype(np.float32)


def _warp(image: np.ndarray, matrix: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """``cv2.warpAffine`` with borders repeated, blurring first when it shrinks (no aliasing)."""
    import cv2

    scale = float(np.sqrt(np.abs(np.linalg.eigvals(matrix[:2, :2] @ matrix[:2, :2].T))).min())
    if scale < 1.0:
        image = cv2.GaussianBlur(image, (0, 0), sigmaX=max((1.0 / scale - 1.0) / 2.0, 0.3))
    return cv2.warpAffine(image, matrix, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def _eye_frame(eyes) -> tuple[np.ndarray, float, np.ndarray]:
    """Eye midpoint, eye distance, and the 2x2 rotation that makes the eye line horizontal."""
    right, left = eye_centers(eyes)
    dx, dy = left - right
    distance = math.hypot(dx, dy)
    cos, sin = dx / distance, dy / distance
    return (left + right) / 2.0, distance, np.array([[cos, sin], [-sin, cos]])


def _affine(linear: np.ndarray, source: np.ndarray, target: np.ndarray) -> np.ndarray:
    """The 2x3 matrix that applies ``linear`` and takes point ``source`` to ``target``."""
    return np.hstack([linear, (target - linear @ source)[:, None]])


def rotate(image, degrees: float, centre=None) -> tuple[np.ndarray, np.ndarray]:
    """Rotate ``image`` by ``degrees`` counter-clockwise (as seen) about ``centre``.

    Parameters
    ----------
    image : array_like or path
        The image; grey stays grey.
    degrees : float
        The angle; positive turns the picture counter-clockwise.
    centre : tuple of float, optional
        ``(x, y)`` of the pivot; by default the middle of the image.

    Returns
    -------
    image : numpy.ndarray
        The rotated image, of the same size (uncovered corners repeat the border).
    matrix : numpy.ndarray
        The 2x3 matrix from old to new points (use :func:`transform_points`).
    """
    import cv2

    picture = as_image(image)
    try:
        angle = float(degrees)
    except (TypeError, ValueError):
        angle = math.nan
    if not math.isfinite(angle):
        raise InvalidInputError(f"degrees must be a finite number, got {degrees!r}.")
    height, width = picture.shape[:2]
    centre = ((width - 1) / 2.0, (height - 1) / 2.0) if centre is None else tuple(float(v) for v in centre)
    matrix = cv2.getRotationMatrix2D(centre, angle, 1.0)
    return _warp(picture, matrix, (width, height)), matrix


def align(image, eyes) -> tuple[np.ndarray, np.ndarray]:
    """Rotate ``image`` about the eye midpoint so the eye line is horizontal.

    The subject's right eye ends up on the image's left, as in an upright photo.

    Parameters
    ----------
    image : array_like or path
        The image; grey stays grey.
    eyes : FaceMesh, Detection or array_like
        Anything :func:`fercourse.face.eye_centers` accepts.

    Returns
    -------
    image : numpy.ndarray
        The rotated image, of the same size and layout (uncovered corners repeat the border).
    matrix : numpy.ndarray
        The 2x3 matrix that maps points of ``image`` to the rotated one (use
        :func:`transform_points` on landmarks).
    """
    picture = as_image(image)
    centre, _, rotation = _eye_frame(eyes)
    matrix = _affine(rotation, centre, centre)
    return _warp(picture, matrix, (picture.shape[1], picture.shape[0])), matrix


def crop_by_eyes(
    image,
    eyes,
    size=None,
    x_factor: float = 2.1,
    y_factor: float = 3.2,
    eye_level: float = 1.0 / 3.0,
    rotate: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Crop a face by its eye distance ``d``, optionally levelling the eye line first.

    The crop is ``x_factor * d`` wide and ``y_factor * d`` high (defaults 2.1 and
    3.2, the tuned values of an earlier FER2013 project): the eye midpoint is
    centred left to right and lies ``eye_level`` of the height from the top, so
    by default the crop spans 1.07 d above the eyes and 2.13 d below (forehead to
    below the chin) and 1.05 d to each side (about cheek to cheek).  ``rotate``
    levels the eye line (as :func:`align`) in the same single resampling.

    When the requested shape is not ``x_factor : y_factor`` the face is
    stretched, as that project did when it resized its crops to 48 x 48; pass
    equal factors for an undistorted square.

    Parameters
    ----------
    image : array_like or path
        The image; grey stays grey.
    eyes : FaceMesh, Detection or array_like
        Anything :func:`fercourse.face.eye_centers` accepts.
    size : int or tuple of int, optional
        ``None`` keeps the native resolution; ``(width, height)`` resizes to exactly
        that; an int ``s`` gives ``s x s``.
    x_factor, y_factor : float
        Width and height of the crop in eye distances.
    eye_level : float
        Height of the eyes in the crop, as a fraction of its height from the top.
    rotate : bool
        Level the eye line.

    Returns
    -------
    crop : numpy.ndarray
        The crop, ``uint8``.
    matrix : numpy.ndarray
        The 2x3 matrix from ``image`` points to crop points.
    """
    picture = as_image(image)
    x_factor, y_factor = _positive(x_factor, "x_factor"), _positive(y_factor, "y_factor")
    if not 0.0 <= float(eye_level) <= 1.0:
        raise InvalidInputError(f"eye_level must lie in [0, 1] (a fraction of the crop height), got {eye_level!r}.")
    centre, distance, rotation = _eye_frame(eyes)
    box_w, box_h = x_factor * distance, y_factor * distance
    out_w, out_h = (max(1, round(box_w)), max(1, round(box_h))) if size is None else size_pair(size)
    linear = np.diag([out_w / box_w, out_h / box_h]) @ (rotation if rotate else np.eye(2))
    matrix = _affine(linear, centre, np.array([out_w / 2.0, eye_level * out_h]))
    return _warp(picture, matrix, (out_w, out_h)), matrix


def crop_corners(eyes, x_factor: float = 2.1, y_factor: float = 3.2, eye_level: float = 1.0 / 3.0,
                 rotate: bool = True) -> np.ndarray:
    """The corners of the region :func:`crop_by_eyes` cuts, in the image's pixels.

    With ``rotate`` the region is tilted with the eye line, as the crop is.
    Useful to draw the crop on the photo.

    Parameters
    ----------
    eyes : FaceMesh, Detection or array_like
        Anything :func:`fercourse.face.eye_centers` accepts.
    x_factor, y_factor, eye_level, rotate
        As for :func:`crop_by_eyes`.

    Returns
    -------
    numpy.ndarray
        ``(4, 2)`` float array: top left, top right, bottom right, bottom left of
        the crop (as seen in the crop).

    Examples
    --------
    >>> crop_corners([[40, 50], [60, 50]], x_factor=2.0, y_factor=3.0, eye_level=0.5)
    array([[30., 20.],
           [70., 20.],
           [70., 80.],
           [30., 80.]])
    """
    x_factor, y_factor = _positive(x_factor, "x_factor"), _positive(y_factor, "y_factor")
    if not 0.0 <= float(eye_level) <= 1.0:
        raise InvalidInputError(f"eye_level must lie in [0, 1] (a fraction of the crop height), got {eye_level!r}.")
    centre, distance, rotation = _eye_frame(eyes)
    half_w, top, bottom = x_factor * distance / 2.0, eye_level * y_factor * distance, (1 - eye_level) * y_factor * distance
    local = np.array([[-half_w, -top], [half_w, -top], [half_w, bottom], [-half_w, bottom]])
    back = rotation.T if rotate else np.eye(2)  # the rotation is orthonormal: its inverse is its transpose
    return local @ back.T + centre
