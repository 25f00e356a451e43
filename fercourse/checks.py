"""The course's input checks, written once and used by every module.

Each function takes a value and the name the learner knows it by, and either returns
the value in the form the caller needs or raises
:class:`~fercourse.errors.InvalidInputError` (:class:`~fercourse.errors.DatasetError`
for a dataset's own files) whose message names the argument, says what was found and
what to give instead.

* images: :func:`check_image_array` (layout), :func:`image_uint8` (layout and values,
  as ``uint8``), :func:`pixel_values` (values of any array of grey levels: ``uint8``
  0..255 or floats in [0, 1]);
* numbers: :func:`number`, :func:`positive`, :func:`count`;
* arrays of coordinates or features: :func:`finite`;
* paths: :func:`existing_file` (a file, not a folder), :func:`inside` (paths read from a
  dataset's own files).

This module needs only NumPy, so any module can import it without cycles.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np

from fercourse.errors import DatasetError, InvalidInputError

__all__ = ["check_image_array", "image_uint8", "pixel_values", "finite", "number", "positive", "count", "existing_file",
           "inside"]

#: How far float pixel values may stray outside [0, 1] from rounding (a few float32 steps).
FLOAT_TOLERANCE = 1e-6

# ----------------------------------------------------------------------- images


def check_image_array(image, name: str = "image") -> np.ndarray:
    """Check the layout of an image array and return it as ``(H, W, C)``, C in 1, 3, 4.

    Accepts ``(H, W)`` or ``(H, W, C)`` arrays of numbers with finite values; the
    values themselves are not converted.  Anything else raises
    :class:`InvalidInputError` naming the problem.
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
    """``(H, W, C)`` uint8 of any array :func:`check_image_array` accepts, values checked."""
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


def pixel_values(array, name: str = "images") -> np.ndarray:
    """Check the values of an array of grey levels (any shape): ``uint8`` 0..255 or floats in [0, 1].

    The course's models read either form and nothing else, so a float image in
    [0, 255], a negative value or a NaN would give a silently wrong answer.  Returns
    ``uint8``, ``bool`` and float arrays unchanged, and other integer arrays whose
    values lie in 0..255 as ``uint8`` (the same grey levels); raises
    :class:`InvalidInputError` naming ``name`` otherwise.  An empty array is returned
    as it is (callers say what they need instead).
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
    """``array`` as a float64 array after checking that it holds no NaN or infinite ``what``."""
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


# ---------------------------------------------------------------------- numbers


def number(value, name: str, low: float | None = None, high: float | None = None, *,
           low_open: bool = False, high_open: bool = False) -> float:
    """``value`` as a finite float within ``[low, high]`` (an end is left out with ``low_open``/``high_open``)."""
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
    """``value`` as a finite float > 0 (>= 0 with ``allow_zero``), else a clear error."""
    try:
        result = math.nan if isinstance(value, bool) else float(value)
    except (TypeError, ValueError):
        result = math.nan
    if not math.isfinite(result) or not (result >= 0 if allow_zero else result > 0):
        kind = "non-negative" if allow_zero else "positive"
        raise InvalidInputError(f"{name} must be a {kind} number, got {value!r}.")
    return result


def count(value, name: str, minimum: int = 1) -> int:
    """``value`` as an int of at least ``minimum`` (a whole number, not a float or a bool)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise InvalidInputError(f"{name} must be an integer of at least {minimum}, got {value!r}.")
    return int(value)


# ------------------------------------------------------------------------ paths


def existing_file(path, what: str, kinds: str = "") -> Path:
    """``path`` as a :class:`~pathlib.Path` after checking that it is a file (not a folder, not missing).

    ``what`` names it in the message (``"Image file"``); ``kinds`` lists what it may be
    (``" (PNG, JPEG, BMP or TIFF)"``).
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
    """
    base = Path(os.path.realpath(root))
    target = Path(os.path.realpath(path))
    if target != base and base not in target.parents:
        raise DatasetError(
            f"{name} leads outside the dataset folder {root} (to {target}); a dataset's files may only name "
            "places inside it. Fix the entry (a plain folder or file name) or use the files as published."
        )
    return Path(path)
