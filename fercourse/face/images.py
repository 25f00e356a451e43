"""Images in, images out: reading files and frames safely, RGB and grey arrays.

Every function of :mod:`fercourse.face` that takes an image checks it as :func:`as_rgb`
does (an image file's path works too; some keep a grey image grey); files and encoded
frames are decoded by :func:`decode_image`, which refuses decompression bombs
(:data:`MAX_IMAGE_PIXELS`) and applies a photo's EXIF orientation.
"""

from __future__ import annotations

import io
import os
import re
import sys
import warnings

import numpy as np

from fercourse.checks import existing_file
from fercourse.checks import image as _checked_image
from fercourse.errors import InvalidInputError

__all__ = ["MAX_IMAGE_PIXELS", "load_image", "decode_image", "decode_frame", "encode_frame", "as_rgb", "to_gray"]


#: The most pixels an image may declare before it is decoded: 2**27, about 134 megapixels (400 MB
#: as RGB), above the largest phone photos.  A small file that declares more is a decompression
#: bomb: a 629-byte JPEG can claim 16000 x 16000 pixels.  Raise it for a file you trust.
MAX_IMAGE_PIXELS = 1 << 27

_EXIF_ORIENTATION = 0x0112


def _pixel_limit() -> int:
    """The pixel limit in force: ``fercourse.face.MAX_IMAGE_PIXELS``, where it is documented and raised.

    The package holds its own binding of the name, so a value set there is read from there
    (looked up in ``sys.modules``, not imported); this module's value serves while the
    package is still loading.
    """
    return getattr(sys.modules.get(__package__ or ""), "MAX_IMAGE_PIXELS", MAX_IMAGE_PIXELS)


def _image_header(data: np.ndarray, name: str) -> int:
    """The EXIF orientation (1 if none) of encoded image bytes, after checking the size they declare.

    The header is read with Pillow, which reads no pixels; a format it does not know
    is left to OpenCV (and to OpenCV's own pixel limit).
    """
    limit = _pixel_limit()
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - Pillow comes with matplotlib
        return 1
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Pillow's own DecompressionBombWarning: the check below decides
            with Image.open(io.BytesIO(data.tobytes())) as picture:
                width, height = picture.size
                # A PNG's EXIF chunk comes before its pixels, or Pillow would decode the whole image to find it.
                exif = picture.getexif() if picture.format != "PNG" or "exif" in picture.info else {}
                orientation = exif.get(_EXIF_ORIENTATION, 1)
    except Image.DecompressionBombError as error:  # more than Pillow's own limit, which is above ours
        found = re.search(r"\((\d+) pixels\)", str(error))
        width, height = (int(found.group(1)), 1) if found else (limit + 1, 1)
        size, orientation = f"{width / 1e6:.0f} megapixels", 1
    except Exception:  # noqa: BLE001 - a header Pillow cannot read: OpenCV decides
        return 1
    else:
        size = f"{width} x {height} pixels ({width * height / 1e6:.0f} megapixels)"
    if width * height > limit:
        raise InvalidInputError(
            f"{name} declares {size}, more than the {limit / 1e6:.0f} megapixels the course decodes "
            "(fercourse.face.MAX_IMAGE_PIXELS). A photo that large is rare; a small file that declares it is a "
            "decompression bomb. Use a smaller image, or raise the limit if you trust the file."
        )
    return orientation if isinstance(orientation, int) and 1 <= orientation <= 8 else 1


def _upright(image: np.ndarray, orientation: int) -> np.ndarray:
    """The image as a photo viewer shows it, given its EXIF orientation (1 to 8)."""
    turned = {
        1: lambda a: a,
        2: lambda a: a[:, ::-1],  # mirrored left to right
        3: lambda a: a[::-1, ::-1],  # upside down
        4: lambda a: a[::-1],  # mirrored top to bottom
        5: lambda a: a.swapaxes(0, 1),  # mirrored along the main diagonal
        6: lambda a: np.rot90(a, -1),  # stored a quarter turn anticlockwise: turn it clockwise
        7: lambda a: a.swapaxes(0, 1)[::-1, ::-1],  # mirrored along the other diagonal
        8: lambda a: np.rot90(a, 1),  # stored a quarter turn clockwise: turn it back
    }[orientation](image)
    return np.ascontiguousarray(turned)


def decode_image(data: np.ndarray, name: str) -> np.ndarray | None:
    """RGB ``uint8`` of encoded image bytes, or ``None`` if they do not decode.

    The one decoding path of :func:`load_image` and :func:`decode_frame`:
    the declared size is checked against :data:`MAX_IMAGE_PIXELS` before decoding; an
    EXIF orientation tag is applied as photo viewers do (only when there is one); a
    16-bit image is scaled to 8 bits (0..65535 to 0..255); an alpha channel is dropped.

    Parameters
    ----------
    data : numpy.ndarray
        The encoded bytes (PNG, JPEG, BMP, TIFF, ...) as a 1-D ``uint8`` array.
    name : str
        What the bytes are (a file name, ``"frame"``), for error messages.

    Returns
    -------
    numpy.ndarray or None
        The ``(H, W, 3)`` RGB ``uint8`` image; ``None`` when OpenCV cannot decode the bytes.
    """
    import cv2

    orientation = _image_header(data, name)
    image = cv2.imdecode(data, cv2.IMREAD_UNCHANGED)
    if image is None:
        return None
    if image.dtype == np.uint16:
        image = ((image.astype(np.uint32) * 255 + 32767) // 65535).astype(np.uint8)
    if image.ndim == 3 and image.shape[2] == 4:
        image = cv2.cvtColor(image, cv2.COLOR_BGRA2RGB)
    elif image.ndim == 3 and image.shape[2] == 3:
        image = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    if orientation != 1:
        image = _upright(image, orientation)
    return as_rgb(image, name=name)


def load_image(file: str | os.PathLike) -> np.ndarray:
    """Read an image file as an RGB ``uint8`` array, with a clear error if it cannot be read.

    A phone photo's EXIF orientation is applied (the face comes out upright, as in a
    photo viewer), a 16-bit PNG or TIFF is scaled to 8 bits, and a file that declares
    more than :data:`MAX_IMAGE_PIXELS` pixels is refused before it is decoded.

    Parameters
    ----------
    file : str or os.PathLike
        Path of a PNG, JPEG, BMP or TIFF file.

    Returns
    -------
    numpy.ndarray
        The ``(H, W, 3)`` RGB ``uint8`` image.

    Raises
    ------
    InvalidInputError
        If the file is missing, empty, not an image, or declares too many pixels.
    """
    file = existing_file(file, "Image file", " (PNG, JPEG, BMP or TIFF)")
    data = np.fromfile(file, dtype=np.uint8)
    if data.size == 0:
        raise InvalidInputError(f"Image file {file} is empty (0 bytes); use another file.")
    image = decode_image(data, str(file))
    if image is None:
        raise InvalidInputError(
            f"Image file {file} could not be decoded; it is not a readable PNG, JPEG, BMP or TIFF "
            "(it may be truncated or another kind of file)."
        )
    return image


def decode_frame(data, name: str = "frame") -> np.ndarray:
    """Decode the bytes of a JPEG or PNG image (as the webcam widget sends them) to RGB ``uint8``.

    Anything that is not a readable image raises :class:`InvalidInputError`
    naming what was received; decoding follows :func:`decode_image`
    (size limit, EXIF orientation).

    Parameters
    ----------
    data : bytes, bytearray, memoryview or numpy.ndarray
        The encoded image; an array must be 1-D ``uint8``.
    name : str
        What the bytes are, for error messages.

    Returns
    -------
    numpy.ndarray
        The ``(H, W, 3)`` RGB ``uint8`` image.
    """
    if isinstance(data, np.ndarray) and data.dtype == np.uint8 and data.ndim == 1:
        buffer = data
    elif isinstance(data, (bytes, bytearray, memoryview)):
        buffer = np.frombuffer(bytes(data), dtype=np.uint8)
    else:
        raise InvalidInputError(
            f"{name} must be the bytes of a JPEG or PNG image, got {type(data).__name__}; "
            "the webcam widget sends such bytes, and face.encode_frame makes them from an array."
        )
    if buffer.size == 0:
        raise InvalidInputError(f"{name} is empty (0 bytes); expected the bytes of a JPEG or PNG image.")
    image = decode_image(buffer, name)
    if image is None:
        head = bytes(buffer[:8].tobytes())
        raise InvalidInputError(
            f"{name} could not be decoded: {buffer.size} bytes starting with {head!r} are not a JPEG or PNG "
            "image (a JPEG starts with b'\\xff\\xd8', a PNG with b'\\x89PNG'); send encoded image bytes."
        )
    return image


def encode_frame(image, quality: int = 85) -> bytes:
    """JPEG bytes of an image, as the webcam widget sends them (the inverse of :func:`decode_frame`).

    Parameters
    ----------
    image : array_like or path
        Anything :func:`as_rgb` accepts.
    quality : int
        JPEG quality, 1 (smallest file) to 100 (best image).

    Returns
    -------
    bytes
        The encoded JPEG.
    """
    import cv2

    if not 1 <= int(quality) <= 100:
        raise InvalidInputError(f"quality must lie in 1..100, got {quality!r}.")
    ok, data = cv2.imencode(".jpg", cv2.cvtColor(as_rgb(image), cv2.COLOR_RGB2BGR),
                            [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:  # pragma: no cover - OpenCV encodes any valid uint8 image
        raise InvalidInputError("The image could not be encoded as JPEG.")
    return data.tobytes()


def as_rgb(image, name: str = "image") -> np.ndarray:
    """Return ``image`` as a contiguous ``(H, W, 3)`` RGB ``uint8`` array.

    An input it cannot take raises :class:`InvalidInputError` naming the problem.

    Parameters
    ----------
    image : array_like or path
        A file path (read by :func:`load_image`), a grey ``(H, W)`` or ``(H, W, 1)``
        array, RGB ``(H, W, 3)`` or RGBA ``(H, W, 4)`` (alpha dropped); ``uint8``
        values, or floats in [0, 1].
    name : str
        The argument's name in error messages.

    Returns
    -------
    numpy.ndarray
        The ``(H, W, 3)`` RGB ``uint8`` image (grey is repeated in the three channels).
    """
    return as_image(image, name, "rgb")


def as_image(image, name: str = "image", layout: str = "keep") -> np.ndarray:
    """An image argument (an array or an image file's path) through :func:`fercourse.checks.image`.

    With the default ``layout`` grey images stay ``(H, W)`` grey and colour ones become RGB.
    """
    return _checked_image(load_image(image) if isinstance(image, (str, os.PathLike)) else image, name, layout)


def to_gray(image, name: str = "image") -> np.ndarray:
    """Return an ``(H, W)`` ``uint8`` grey version of any image :func:`as_rgb` accepts.

    Grey is the luminance of :func:`fercourse.checks.grey`, the course's one conversion.

    Parameters
    ----------
    image : array_like or path
        Anything :func:`as_rgb` accepts.
    name : str
        The argument's name in error messages.

    Returns
    -------
    numpy.ndarray
        The ``(H, W)`` grey ``uint8`` image.

    Examples
    --------
    >>> import numpy as np
    >>> to_gray(np.full((2, 3, 3), 255, np.uint8))
    array([[255, 255, 255],
           [255, 255, 255]], dtype=uint8)
    """
    return as_image(image, name, "grey")


def size_pair(size, name: str = "size") -> tuple[int, int]:
    """``(width, height)`` from an int (square) or a pair of positive ints."""
    pair = (size, size) if isinstance(size, (int, np.integer)) else size
    try:
        width, height = pair
        ok = all(isinstance(v, (int, np.integer)) and v >= 1 for v in (width, height))
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise InvalidInputError(
            f"{name} must be a positive integer or (width, height) of positive integers, got {size!r}."
        )
    return int(width), int(height)
