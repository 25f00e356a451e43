"""The course's input checks, written once and used by every module.

Each function takes a value and the name the learner knows it by, and either returns
the value in the form the caller needs or raises
:class:`~fercourse.errors.InvalidInputError` (:class:`~fercourse.errors.DatasetError`
for a dataset's own files) whose message names the argument, says what was found and
what to give instead.

* images: :func:`image` (one image, checked, as ``uint8`` grey or RGB: what every entry
  point that takes an image calls), :func:`grey` (luminance, OpenCV's weights),
  :func:`is_image` (one image rather than a batch?), :func:`check_image_array` (layout),
  :func:`image_uint8` (layout and values, as ``uint8``), :func:`pixel_values` (values of
  any array of grey levels: ``uint8`` 0..255 or floats in [0, 1]);
* numbers: :func:`number`, :func:`positive`, :func:`count`;
* arrays of coordinates or features: :func:`finite`; face-mesh landmarks: :func:`landmark_stack`;
* paths: :func:`existing_file` (a file, not a folder), :func:`inside` (paths read from a
  dataset's own files).

This module needs only NumPy (and OpenCV inside :func:`grey`) and imports nothing of the
course but its errors, so any module can import it without cycles.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np

from fercourse.errors import DatasetError, InvalidInputError

__all__ = ["image", "grey", "is_image", "check_image_array", "image_uint8", "pixel_values", "finite", "landmark_stack", "number", "positive", "count",
           "existing_file", "inside"]

#: How far float pixel values may stray outside [0, 1] from rounding (a few float32 steps).
FLOAT_TOLERANCE = 1e-6

# ----------------------------------------------------------------------- images


def check_image_array(image, name: str = "image") -> np.ndarray:
    """Check the layout of an image array and return it as ``(H, W, C)``, C in 1, 3, 4.

    Accepts ``(H, W)`` or ``(H, W, C)`` arrays of numbers with finite values; the
    values themselves are not converted.  Anything else raises
    :class:`InvalidInputError` naming the problem.

    Parameters
    ----------
    image : numpy.ndarray
        The array to check.
    name : str
        The argument's name in error messages.

    Returns
    -------
    numpy.ndarray
        ``(H, W, C)``: a grey ``(H, W)`` image gets a channel axis of length 1.

    Raises
    ------
    InvalidInputError
        If ``image`` is not an array, is empty, has another shape or number of
        channels, is not numeric, or holds NaN or infinite values.
    """
    if not isinstance(image, np.ndarray):
        raise InvalidInputError(
            f"{name} must be a NumPy array or an image file path, got {type(image).__name__}."
        )
    if image.size == 0:
        raise InvalidInputError(f"{name} is empty (shape {image.shape}); give an image with pixels.")
    if image.ndim == 2:
        image = image[:, :, None]
    if image.ndim != 3:
        raise InvalidInputError(
            f"{name} has shape {image.shape}; expected (height, width) or (height, width, channels)."
        )
    if image.shape[2] not in (1, 3, 4):
        raise InvalidInputError(
            f"{name} has {image.shape[2]} channels; expected 1 (grey), 3 (RGB) or 4 (RGBA)."
        )
    if not (np.issubdtype(image.dtype, np.number) or image.dtype == bool):
        raise InvalidInputError(f"{name} has dtype {image.dtype}; expected uint8 or float in [0, 1].")
    if np.issubdtype(image.dtype, np.floating) and not np.all(np.isfinite(image)):
        raise InvalidInputError(f"{name} contains NaN or infinite values.")
    return image


def image_uint8(image, name: str = "image") -> np.ndarray:
    """``(H, W, C)`` uint8 of any array :func:`check_image_array` accepts, values checked.

    Parameters
    ----------
    image : numpy.ndarray
        ``uint8``, floats in [0, 1] (scaled by 255 and rounded), or other integers or
        booleans with values 0..255.
    name : str
        The argument's name in error messages.

    Returns
    -------
    numpy.ndarray
        ``(H, W, C)`` ``uint8``.

    Raises
    ------
    InvalidInputError
        If the layout is not valid or the values are outside those ranges.
    """
    image = check_image_array(image, name)
    if image.dtype == np.uint8:
        return image
    if np.issubdtype(image.dtype, np.floating):
        low, high = float(image.min()), float(image.max())
        if low < 0.0 or high > 1.0:
            raise InvalidInputError(
                f"{name} is a float image with values in [{low:.3g}, {high:.3g}]; float images must lie "
                "in [0, 1] (or pass uint8 values 0..255)."
            )
        return np.round(image * 255.0).astype(np.uint8)
    if np.issubdtype(image.dtype, np.integer) or image.dtype == bool:
        low, high = int(image.min()), int(image.max())
        if low < 0 or high > 255:
            raise InvalidInputError(
                f"{name} has integer values in [{low}, {high}]; expected 0..255 (convert it to uint8)."
            )
        return image.astype(np.uint8)
    raise InvalidInputError(f"{name} has dtype {image.dtype}; expected uint8 or float in [0, 1].")


#: The ways :func:`image` returns an image: grey stays grey and colour becomes RGB, or always one of the two.
IMAGE_LAYOUTS = ("keep", "rgb", "grey")
#: Weights of R, G and B in the luminance that :func:`grey` computes (ITU-R BT.601, as OpenCV's RGB2GRAY).
GREY_WEIGHTS = (0.299, 0.587, 0.114)


def is_image(value) -> bool:
    """Whether ``value`` is one image array, ``(H, W)`` or ``(H, W, C)`` with C in 1, 3, 4, rather than a batch.

    Parameters
    ----------
    value : object
        Anything; only NumPy arrays can be images here (paths are the callers' business).

    Returns
    -------
    bool
        True for one grey, RGB or RGBA image; False for a batch ``(N, H, W[, C])`` and anything else.
    """
    return isinstance(value, np.ndarray) and (value.ndim == 2 or (value.ndim == 3 and value.shape[2] in (1, 3, 4)))


def grey(pixels, name: str = "image") -> np.ndarray:
    """The luminance of RGB(A) pixels: ``0.299 R + 0.587 G + 0.114 B``, as OpenCV's ``COLOR_RGB2GRAY``.

    The one colour-to-grey conversion of the course, for one image or a batch.

    Parameters
    ----------
    pixels : array_like
        Colour channels last: ``(..., 3)`` RGB or ``(..., 4)`` RGBA (alpha is ignored);
        ``uint8`` 0..255 or floats in [0, 1] (:func:`pixel_values` checks them).
    name : str
        The argument's name in error messages.

    Returns
    -------
    numpy.ndarray
        The array without its channel axis: ``uint8`` rounded as OpenCV rounds for
        ``uint8`` input, floats for float input.

    Raises
    ------
    InvalidInputError
        If the values are not valid grey levels or the last axis is not 3 or 4 long.
    """
    array = pixel_values(pixels, name)
    if array.ndim < 3 or array.shape[-1] not in (3, 4) or array.size == 0:
        raise InvalidInputError(
            f"{name} has shape {array.shape}; converting to grey needs colour channels last: (..., 3) RGB or "
            "(..., 4) RGBA."
        )
    rgb = array[..., :3]
    if rgb.dtype == np.uint8:
        import cv2

        flat = np.ascontiguousarray(rgb.reshape(-1, 1, 3))
        return cv2.cvtColor(flat, cv2.COLOR_RGB2GRAY).reshape(rgb.shape[:-1])
    if rgb.dtype == bool:
        rgb = rgb.astype(np.float64)
    return rgb @ np.asarray(GREY_WEIGHTS, dtype=rgb.dtype)


def image(picture, name: str = "image", layout: str = "keep") -> np.ndarray:
    """One image checked (:func:`image_uint8`) and returned as a contiguous ``uint8`` array.

    Parameters
    ----------
    picture : numpy.ndarray
        ``(H, W)`` or ``(H, W, C)`` with C in 1, 3 (RGB), 4 (RGBA, alpha dropped);
        ``uint8`` values, or floats in [0, 1].  Image files are read by
        :func:`fercourse.face.load_image` first (``face.as_rgb`` does both).
    name : str
        The argument's name in error messages.
    layout : {"keep", "rgb", "grey"}
        ``"keep"``: grey stays ``(H, W)``, colour becomes ``(H, W, 3)`` RGB;
        ``"rgb"``: always ``(H, W, 3)`` (grey repeated); ``"grey"``: always ``(H, W)``
        (colour by :func:`grey`).

    Returns
    -------
    numpy.ndarray
        The image in the asked layout.

    Raises
    ------
    InvalidInputError
        If ``layout`` is unknown or the image is not valid (see :func:`image_uint8`).
    """
    if layout not in IMAGE_LAYOUTS:
        raise InvalidInputError(f"layout must be one of {', '.join(map(repr, IMAGE_LAYOUTS))}, got {layout!r}.")
    pixels = image_uint8(picture, name)
    if pixels.shape[2] == 1:
        if layout == "rgb":
            return np.ascontiguousarray(np.repeat(pixels, 3, axis=2))
        return np.ascontiguousarray(pixels[:, :, 0])
    rgb = np.ascontiguousarray(pixels[:, :, :3])
    return grey(rgb, name) if layout == "grey" else rgb


def pixel_values(array, name: str = "images") -> np.ndarray:
    """Check the values of an array of grey levels (any shape): ``uint8`` 0..255 or floats in [0, 1].

    The course's models read either form and nothing else, so a float image in
    [0, 255], a negative value or a NaN would give a silently wrong answer.  Returns
    ``uint8``, ``bool`` and float arrays unchanged, and other integer arrays whose
    values lie in 0..255 as ``uint8`` (the same grey levels); raises
    :class:`InvalidInputError` naming ``name`` otherwise.  An empty array is returned
    as it is (callers say what they need instead).

    Parameters
    ----------
    array : array_like
        The grey levels, of any shape.
    name : str
        The argument's name in error messages.

    Returns
    -------
    numpy.ndarray
        The values, ``uint8`` for integer input.

    Raises
    ------
    InvalidInputError
        If the array is not numeric (or complex), holds NaN or infinite values, or
        has values outside 0..255 (integers) or [0, 1] (floats).

    Examples
    --------
    >>> pixel_values(np.array([0, 128, 255])).dtype
    dtype('uint8')
    """
    array = np.asarray(array)
    if array.dtype == np.uint8 or array.dtype == bool or array.size == 0:
        return array
    if not np.issubdtype(array.dtype, np.number) or np.issubdtype(array.dtype, np.complexfloating):
        raise InvalidInputError(
            f"{name} has dtype {array.dtype}; give uint8 grey levels 0..255 or floats in [0, 1]."
        )
    if np.issubdtype(array.dtype, np.integer):
        low, high = int(array.min()), int(array.max())
        if low < 0 or high > 255:
            raise InvalidInputError(
                f"{name} has integer values from {low} to {high}; grey levels run from 0 to 255: rescale them "
                "and pass uint8 (or floats in [0, 1])."
            )
        return array.astype(np.uint8)
    bad = int(np.count_nonzero(~np.isfinite(array)))
    if bad:
        raise InvalidInputError(
            f"{name} contains {bad} NaN or infinite value(s) among {array.size}; images must hold finite values "
            "(uint8 0..255 or floats in [0, 1]): find where they come from (a division by zero?) and fix them."
        )
    low, high = float(array.min()), float(array.max())
    if low < -FLOAT_TOLERANCE or high > 1.0 + FLOAT_TOLERANCE:
        fix = "divide by 255" if low >= 0.0 and high <= 255.0 else "rescale them to [0, 1]"
        raise InvalidInputError(
            f"{name} holds floats from {low:.4g} to {high:.4g}, but float images must lie in [0, 1]: {fix} "
            "(or pass uint8 grey levels 0..255)."
        )
    return array


# ----------------------------------------------------------------------- arrays


def finite(array, name: str, what: str = "values") -> np.ndarray:
    """``array`` as a float64 array after checking that it holds no NaN or infinite ``what``.

    Parameters
    ----------
    array : array_like
        Numbers of any shape.
    name : str
        The argument's name in error messages.
    what : str
        What the numbers are, in error messages (``"coordinates"``).

    Returns
    -------
    numpy.ndarray
        float64, same shape.

    Raises
    ------
    InvalidInputError
        If ``array`` is not numeric or holds NaN or infinite values.
    """
    try:
        values = np.asarray(array, dtype=np.float64)
    except (TypeError, ValueError):
        raise InvalidInputError(f"{name} must be an array of numbers, got {type(array).__name__}.") from None
    bad = int(np.count_nonzero(~np.isfinite(values)))
    if bad:
        raise InvalidInputError(
            f"{name} contains {bad} NaN or infinite {what} among {values.size}; every one must be a finite number: "
            "drop the samples where they are missing (a face not found?) or fill them in."
        )
    return values


def landmark_stack(meshes, name: str = "meshes") -> np.ndarray:
    """Face-mesh landmarks of one or more faces or frames as one ``(T, N, 2)`` float64 array.

    Parameters
    ----------
    meshes : FaceMesh, array or sequence
        A face mesh (any object with a ``landmarks`` array, such as
        :class:`fercourse.face.FaceMesh`), landmarks ``(N, 2|3)``, or one per frame or face
        as a list (of meshes or arrays) or a ``(T, N, 2|3)`` array; N is 478 or 468.
    name : str
        The argument's name in error messages.

    Returns
    -------
    numpy.ndarray
        ``(T, N, 2)``: x and y only; ``T`` is 1 for a single face.

    Raises
    ------
    InvalidInputError
        If the shape does not fit or a coordinate is NaN or infinite.
    """
    if hasattr(meshes, "landmarks"):
        meshes = [meshes]
    if isinstance(meshes, (list, tuple)):
        meshes = [getattr(m, "landmarks", m) for m in meshes]
    try:
        points = np.asarray(meshes, dtype=np.float64)
    except (TypeError, ValueError):
        points = np.empty(0)
    if points.ndim == 2:
        points = points[None]
    if points.ndim != 3 or points.shape[1] not in (468, 478) or points.shape[2] not in (2, 3) or len(points) == 0:
        raise InvalidInputError(
            f"{name} has shape {points.shape}; expected a FaceMesh, landmarks (478, 2|3), or one per "
            "frame or face as a list or a (frames, 478, 2|3) array."
        )
    if not np.all(np.isfinite(points)):
        raise InvalidInputError(f"{name} contains NaN or infinite coordinates.")
    return points[:, :, :2]


# ---------------------------------------------------------------------- numbers


def number(value, name: str, low: float | None = None, high: float | None = None, *,
           low_open: bool = False, high_open: bool = False) -> float:
    """``value`` as a finite float within ``[low, high]`` (an end is left out with ``low_open``/``high_open``).

    Parameters
    ----------
    value : object
        The value to check; a bool is refused.
    name : str
        The argument's name in error messages.
    low, high : float or None
        The bounds (``None``: no bound on that side).
    low_open, high_open : bool
        Leave that bound out of the allowed range.

    Returns
    -------
    float
        The value.

    Raises
    ------
    InvalidInputError
        If ``value`` is not a finite number within the bounds.

    Examples
    --------
    >>> number("0.5", "p", 0, 1)
    0.5
    """
    try:
        result = math.nan if isinstance(value, bool) else float(value)
    except (TypeError, ValueError):
        result = math.nan
    ok = math.isfinite(result)
    if ok and low is not None:
        ok = result > low if low_open else result >= low
    if ok and high is not None:
        ok = result < high if high_open else result <= high
    if not ok:
        if low is not None and high is not None:
            wanted = f"in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
        elif low is not None:
            wanted = f"{'above' if low_open else 'of at least'} {low:g}"
        elif high is not None:
            wanted = f"{'below' if high_open else 'of at most'} {high:g}"
        else:
            wanted = "finite (not NaN or infinite)"
        raise InvalidInputError(f"{name} must be a number {wanted}, got {value!r}.")
    return result


def positive(value, name: str, allow_zero: bool = False) -> float:
    """``value`` as a finite float > 0 (>= 0 with ``allow_zero``), else a clear error.

    Parameters
    ----------
    value : object
        The value to check; a bool is refused.
    name : str
        The argument's name in error messages.
    allow_zero : bool
        Accept 0 too.

    Returns
    -------
    float
        The value.

    Raises
    ------
    InvalidInputError
        If ``value`` is not such a number.
    """
    try:
        result = math.nan if isinstance(value, bool) else float(value)
    except (TypeError, ValueError):
        result = math.nan
    if not math.isfinite(result) or not (result >= 0 if allow_zero else result > 0):
        kind = "non-negative" if allow_zero else "positive"
        raise InvalidInputError(f"{name} must be a {kind} number, got {value!r}.")
    return result


def count(value, name: str, minimum: int = 1) -> int:
    """``value`` as an int of at least ``minimum`` (a whole number, not a float or a bool).

    Parameters
    ----------
    value : object
        The value to check: a Python or NumPy integer.
    name : str
        The argument's name in error messages.
    minimum : int
        The smallest value allowed.

    Returns
    -------
    int
        The value.

    Raises
    ------
    InvalidInputError
        If ``value`` is not an integer or is below ``minimum``.
    """
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise InvalidInputError(f"{name} must be an integer of at least {minimum}, got {value!r}.")
    return int(value)


# ------------------------------------------------------------------------ paths


def existing_file(path, what: str, kinds: str = "") -> Path:
    """``path`` as a :class:`~pathlib.Path` after checking that it is a file (not a folder, not missing).

    ``what`` names it in the message (``"Image file"``); ``kinds`` lists what it may be
    (``" (PNG, JPEG, BMP or TIFF)"``).

    Parameters
    ----------
    path : str or os.PathLike
        The path to check.
    what : str
        What the file is, in error messages.
    kinds : str
        Text added to the message for a folder.

    Returns
    -------
    pathlib.Path
        The path.

    Raises
    ------
    InvalidInputError
        If ``path`` is a folder or does not exist.
    """
    file = Path(path)
    if file.is_dir():
        raise InvalidInputError(f"{what} {file} is a folder, not a file; give the path of one file{kinds}.")
    if not file.is_file():
        raise InvalidInputError(f"{what} {file} does not exist; check the path.")
    return file


def inside(path, root, name: str) -> Path:
    """``path`` after checking that it resolves (links followed) to a place inside the folder ``root``.

    Paths read from a dataset's own files (a spreadsheet cell naming a clip folder)
    must not lead elsewhere on the disk: ``../`` or an absolute path raises
    :class:`~fercourse.errors.DatasetError` naming ``name``.

    Parameters
    ----------
    path : str or os.PathLike
        The path to check (it need not exist).
    root : str or os.PathLike
        The folder it must stay in.
    name : str
        What the path is, in error messages.

    Returns
    -------
    pathlib.Path
        ``path`` as given, not resolved.

    Raises
    ------
    DatasetError
        If ``path`` resolves to a place outside ``root``.
    """
    base = Path(os.path.realpath(root))
    target = Path(os.path.realpath(path))
    if target != base and base not in target.parents:
        raise DatasetError(
            f"{name} leads outside the dataset folder {root} (to {target}); a dataset's files may only name "
            "places inside it. Fix the entry (a plain folder or file name) or use the files as published."
        )
    return Path(path)
