"""Small image functions that compose: equalise, smooth, resize, convert colour."""

from __future__ import annotations

import numpy as np

from fercourse.checks import grey as _grey
from fercourse.checks import positive as _positive
from fercourse.errors import InvalidInputError
from fercourse.face.images import as_image, size_pair, as_rgb

__all__ = ["equalize", "smooth", "resize", "convert_color"]


def equalize(image, method: str = "clahe", clip_limit: float = 2.0, tiles: int = 8) -> np.ndarray:
    """Spread an image's grey levels: plain histogram equalisation or CLAHE.

    ``"hist"`` equalises the whole histogram; ``"clahe"`` (contrast-limited
    adaptive) equalises ``tiles x tiles`` regions, clipping each histogram at
    ``clip_limit``, which lifts shadows without blowing up noise.  Grey stays
    grey; colour images are equalised on the L channel of CIELAB, so hues keep.

    Parameters
    ----------
    image : array_like or path
        The image.
    method : str
        ``"hist"`` or ``"clahe"``.
    clip_limit : float
        CLAHE's clipping limit (larger: more contrast).
    tiles : int
        CLAHE's grid: ``tiles x tiles`` regions.

    Returns
    -------
    numpy.ndarray
        The equalised ``uint8`` image, in the input's layout.
    """
    import cv2

    picture = as_image(image)
    if method not in ("hist", "clahe"):
        raise InvalidInputError(f"method must be 'hist' or 'clahe', got {method!r}.")
    if method == "hist":
        apply = cv2.equalizeHist
    else:
        if not isinstance(tiles, (int, np.integer)) or tiles < 1:
            raise InvalidInputError(f"tiles must be a positive integer, got {tiles!r}.")
        clahe = cv2.createCLAHE(clipLimit=_positive(clip_limit, "clip_limit"), tileGridSize=(int(tiles), int(tiles)))
        apply = clahe.apply
    if picture.ndim == 2:
        return apply(picture)
    lab = cv2.cvtColor(picture, cv2.COLOR_RGB2LAB)
    lab[:, :, 0] = apply(np.ascontiguousarray(lab[:, :, 0]))
    return cv2.cvtColor(lab, cv2.COLOR_LAB2RGB)


def smooth(image, sigma: float = 1.0) -> np.ndarray:
    """Gaussian blur with standard deviation ``sigma`` pixels (grey stays grey).

    Parameters
    ----------
    image : array_like or path
        The image.
    sigma : float
        The blur's standard deviation in pixels, positive.

    Returns
    -------
    numpy.ndarray
        The blurred ``uint8`` image.
    """
    import cv2

    return cv2.GaussianBlur(as_image(image), (0, 0), sigmaX=_positive(sigma, "sigma"))


def resize(image, size) -> np.ndarray:
    """Resize to ``size`` (an int for a square, or ``(width, height)``).

    Shrinking averages pixels (``INTER_AREA``, no aliasing); enlarging
    interpolates bicubically.  Grey stays grey.

    Parameters
    ----------
    image : array_like or path
        The image.
    size : int or tuple of int
        The new side of a square, or ``(width, height)``.

    Returns
    -------
    numpy.ndarray
        The resized ``uint8`` image.

    Examples
    --------
    >>> import numpy as np
    >>> resize(np.zeros((100, 80), np.uint8), (40, 50)).shape
    (50, 40)
    """
    import cv2

    picture = as_image(image)
    width, height = size_pair(size)
    shrink = width * height < picture.shape[0] * picture.shape[1]
    return cv2.resize(picture, (width, height), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_CUBIC)


_COLOR_CODES = {
    "rgb": None, "gray": "COLOR_RGB2GRAY", "bgr": "COLOR_RGB2BGR", "hsv": "COLOR_RGB2HSV", "lab": "COLOR_RGB2LAB"
}


def convert_color(image, to: str = "gray") -> np.ndarray:
    """Convert any image :func:`fercourse.face.as_rgb` accepts to another colour space.

    OpenCV's 8-bit ranges apply (hue 0..179, L scaled to 0..255).

    Parameters
    ----------
    image : array_like or path
        The image (taken as RGB).
    to : str
        ``"gray"``, ``"rgb"``, ``"bgr"``, ``"hsv"`` or ``"lab"``.

    Returns
    -------
    numpy.ndarray
        ``uint8``: ``(H, W)`` for grey, ``(H, W, 3)`` otherwise.
    """
    import cv2

    if to not in _COLOR_CODES:
        raise InvalidInputError(f"to must be one of {', '.join(map(repr, _COLOR_CODES))}, got {to!r}.")
    rgb = as_rgb(image)
    if to == "gray":
        return _grey(rgb)  # the course's one grey conversion
    return rgb if _COLOR_CODES[to] is None else cv2.cvtColor(rgb, getattr(cv2, _COLOR_CODES[to]))
