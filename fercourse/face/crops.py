"""Face crops ready for a model: every face of a photo, the expression model's crop, MicroX's regions."""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from fercourse import mesh
from fercourse.checks import grey as _grey
from fercourse.checks import is_image as _is_image
from fercourse.checks import landmark_stack
from fercourse.checks import positive as _positive
from fercourse.errors import InvalidInputError
from fercourse.face.alignment import crop_by_eyes, crop_corners, transform_points
from fercourse.face.images import as_rgb
from fercourse.face.landmarker import detect_meshes
from fercourse.face.landmarks import eye_centers
from fercourse.face.normalisation import convert_color, equalize, smooth
from fercourse.face.results import Detection, FaceMesh
from fercourse.mesh import CROP_REGIONS

__all__ = ["FaceCrop", "get_faces", "crop_square", "expression_crop", "region_boxes", "region_crops"]


@dataclass
class FaceCrop:
    """One face prepared by :func:`get_faces`.

    Attributes
    ----------
    image:
        The aligned crop, ``(height, width, 3)`` RGB or ``(height, width)`` grey ``uint8``.
    box:
        The face's box in the original image, ``(x, y, width, height)`` (the mesh's box).
    landmarks:
        The face's 478 landmarks in crop coordinates.
    matrix:
        The 2x3 affine matrix from original-image points to crop points.
    """

    image: np.ndarray
    box: tuple[int, int, int, int]
    landmarks: np.ndarray
    matrix: np.ndarray


def get_faces(
    image,
    size=48,
    x_factor: float = 2.1,
    y_factor: float = 3.2,
    gray: bool = False,
    equalization: str | None = None,
    sigma: float = 0.0,
    max_faces: int = 4,
) -> list[FaceCrop]:
    """Every face in ``image``: found, aligned on the eye line, cropped by eye distance, resized.

    The one call for the common case.  Faces come from the Face Landmarker
    (largest first); each is cut by :func:`fercourse.face.crop_by_eyes`, then
    optionally smoothed, turned grey and equalised, in that order.

    Parameters
    ----------
    image : array_like or path
        Anything :func:`fercourse.face.as_rgb` accepts.
    size : int or tuple of int
        The crops' size, as for :func:`fercourse.face.crop_by_eyes`.
    x_factor, y_factor : float
        Width and height of a crop in eye distances.
    gray : bool
        Grey crops instead of RGB.
    equalization : str, optional
        ``"hist"`` or ``"clahe"`` (see :func:`fercourse.face.equalize`), or ``None``.
    sigma : float
        Gaussian blur in output pixels before the other steps; 0 for none.
    max_faces : int
        The most faces to return.

    Returns
    -------
    list of FaceCrop
        One :class:`FaceCrop` per face; empty when there is none.
    """
    rgb = as_rgb(image)
    if equalization not in (None, "hist", "clahe"):
        raise InvalidInputError(f"equalization must be None, 'hist' or 'clahe', got {equalization!r}.")
    sigma = _positive(sigma, "sigma", allow_zero=True)
    crops = []
    for found in detect_meshes(rgb, max_faces=max_faces):
        crop, matrix = crop_by_eyes(rgb, found, size, x_factor, y_factor)
        if sigma:
            crop = smooth(crop, sigma)
        if gray:
            crop = convert_color(crop, "gray")
        if equalization:
            crop = equalize(crop, equalization)
        crops.append(FaceCrop(crop, found.box, transform_points(found.landmarks, matrix), matrix))
    return crops


def crop_square(image, box, size: int = 64, margin: float = 0.1, gray: bool = True) -> np.ndarray:
    """A square crop centred on ``box``, resized to ``size`` x ``size``.

    The side is the box's longer side plus ``margin`` of it on every side; parts
    outside the image are filled by repeating the border pixels.

    Parameters
    ----------
    image : array_like or path
        Anything :func:`fercourse.face.as_rgb` accepts.
    box : tuple of 4 numbers
        ``(x, y, width, height)`` of the face.
    size : int
        Side of the crop in pixels, at least 8.
    margin : float
        Extra room on every side, as a fraction of the box's longer side.
    gray : bool
        Grey crop instead of RGB.

    Returns
    -------
    numpy.ndarray
        ``(size, size)`` grey or ``(size, size, 3)`` RGB ``uint8``.

    Examples
    --------
    >>> import numpy as np
    >>> crop_square(np.zeros((100, 120, 3), np.uint8), (30, 20, 40, 50), size=32).shape
    (32, 32)
    """
    import cv2

    rgb = as_rgb(image)
    try:
        x, y, w, h = (float(v) for v in box)
    except (TypeError, ValueError):
        raise InvalidInputError(f"box must be four numbers (x, y, width, height), got {box!r}.") from None
    if w <= 0 or h <= 0:
        raise InvalidInputError(f"box {box!r} has no area; width and height must be positive.")
    if not isinstance(size, (int, np.integer)) or size < 8:
        raise InvalidInputError(f"size must be an integer of at least 8 pixels, got {size!r}.")
    if margin < 0:
        raise InvalidInputError(f"margin must be zero or positive, got {margin!r}.")
    side = max(w, h) * (1.0 + 2.0 * margin)
    cx, cy = x + w / 2.0, y + h / 2.0
    x0, y0 = int(round(cx - side / 2.0)), int(round(cy - side / 2.0))
    s = max(int(round(side)), 1)
    pad = max(0, -x0, -y0, x0 + s - rgb.shape[1], y0 + s - rgb.shape[0])
    if pad:
        rgb = cv2.copyMakeBorder(rgb, pad, pad, pad, pad, cv2.BORDER_REPLICATE)
    patch = rgb[y0 + pad : y0 + pad + s, x0 + pad : x0 + pad + s]
    patch = cv2.resize(patch, (int(size), int(size)), interpolation=cv2.INTER_AREA if s > size else cv2.INTER_LINEAR)
    return _grey(patch) if gray else patch


def expression_crop(frame, eyes=None, box=None, size: int = 48, gray: bool = True) -> np.ndarray:
    """The crop the expression model is fed: levelled on the eye line and cut by eye distance.

    Every live demo (:meth:`fercourse.live.Face.crop`) and :func:`fercourse.detect`
    feed the expression model this crop; for the shipped model it is 48 x 48
    pixels and grey.  With eye positions it is :func:`crop_by_eyes` (default
    factors) made from the part of ``frame`` around :func:`crop_corners` only,
    with a margin wider than the anti-aliasing blur reaches, so it equals the crop
    of the whole frame and costs far less on a large frame; without them it is
    :func:`crop_square` around ``box``.

    Parameters
    ----------
    frame : array_like or path
        The image the face is in: anything :func:`as_rgb` accepts.
    eyes : FaceMesh, Detection or array_like, optional
        Where the eyes are: a :class:`FaceMesh`, a :class:`Detection` with
        keypoints, landmarks ``(478|468|68, 2|3)`` or the two eye centres (right
        eye first), in ``frame`` pixels.  ``None`` crops the square around ``box``.
    box : tuple of 4 numbers, optional
        The face's ``(x, y, width, height)``; used only without ``eyes``.
    size : int
        Side of the square crop in pixels.
    gray : bool
        Return grey ``(size, size)`` (by :func:`convert_color`) instead of RGB
        ``(size, size, 3)``.

    Returns
    -------
    numpy.ndarray
        The ``uint8`` crop.
    """
    picture = as_rgb(frame, name="frame")
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1:
        raise InvalidInputError(f"size must be a positive integer (pixels), got {size!r}.")
    if eyes is None:
        if box is None:
            raise InvalidInputError("expression_crop needs the eye positions (eyes) or the face's box (box).")
        return crop_square(picture, box, size=int(size), gray=gray)
    if isinstance(eyes, FaceMesh):
        eyes = eyes.landmarks
    elif isinstance(eyes, Detection):
        eyes = eye_centers(eyes)
    eye_centers(eyes)  # a clear error for anything that does not give two eyes
    eyes = np.asarray(eyes, dtype=np.float64)[:, :2]
    # Cut the region the crop covers before resampling: blurring a whole 640 x 480 frame
    # (crop_by_eyes blurs before it shrinks) would cost more than the crop itself.  The
    # margin exceeds the blur's reach (3 sigma, about 1.5 input pixels per output pixel),
    # so the crop is exactly the one of the whole frame.
    corners = crop_corners(eyes)
    margin = 8 + int(2 * np.ptp(corners, axis=0).max() / int(size))
    height, width = picture.shape[:2]
    x0, y0 = np.clip(np.floor(corners.min(axis=0)).astype(int) - margin, 0, [width - 1, height - 1])
    x1, y1 = np.clip(np.ceil(corners.max(axis=0)).astype(int) + margin, [x0 + 1, y0 + 1], [width, height])
    region = picture[y0:y1, x0:x1]
    image = crop_by_eyes(region, eyes - (x0, y0), size=int(size))[0]
    return convert_color(image, "gray") if gray else image


def region_boxes(meshes) -> dict[str, tuple[float, float, float, float]]:
    """Boxes ``(x, y, w, h)`` of the MicroX regions (:data:`fercourse.mesh.CROP_REGIONS`), from mean landmarks.

    The boxes are those of the landmarks averaged over all frames, so one box per
    region serves the whole clip.  Each is the tight box of the region's points:
    an eye with its brow, the nose, the lips, the face oval.

    Parameters
    ----------
    meshes : FaceMesh, array_like or sequence
        One face (FaceMesh or landmarks) or one per frame of a clip.

    Returns
    -------
    dict
        ``{region: (x, y, width, height)}`` in float pixels, in the order of
        :data:`fercourse.mesh.CROP_REGIONS`.
    """
    mean = landmark_stack(meshes).mean(axis=0)
    regions = mesh.REGIONS
    boxes = {}
    for name in CROP_REGIONS:
        xy = mean[np.concatenate([regions[r] for r in mesh.CROP_POINTS[name]])]
        (x0, y0), (x1, y1) = xy.min(axis=0), xy.max(axis=0)
        boxes[name] = (float(x0), float(y0), float(x1 - x0), float(y1 - y0))
    return boxes


def region_crops(
    frames_or_image, meshes, size: int = 64, margin: float = 0.15, gray: bool = True
) -> dict[str, np.ndarray]:
    """MicroX's five crops -- right eye, left eye, nose, mouth, full face -- of an image or a clip.

    Every region gets one fixed box for the whole clip, from the clip's mean
    landmarks (see :func:`region_boxes`), so the crops do not jitter from frame to
    frame and small movements inside a region (the micro-expression) stay visible
    instead of being tracked away.  Each crop is the square around its box plus
    ``margin`` (see :func:`crop_square`), resized to ``size``.

    Parameters
    ----------
    frames_or_image : image or sequence of images
        One image, or a clip as a list of frames or a ``(T, H, W[, C])`` array.
    meshes : FaceMesh, array_like or sequence
        The face's landmarks, one set for the whole clip or one per frame.
    size : int
        Side of every crop in pixels.
    margin : float
        Extra room around each box, as for :func:`crop_square`.
    gray : bool
        Grey crops instead of RGB.

    Returns
    -------
    dict
        ``{region: crops}``, crops ``(T, size, size[, 3])`` for a clip or
        ``(size, size[, 3])`` for one image.
    """
    single = isinstance(frames_or_image, (str, os.PathLike)) or _is_image(frames_or_image)
    frames = [frames_or_image] if single else list(frames_or_image)
    if not frames:
        raise InvalidInputError("frames_or_image is an empty clip; give at least one frame.")
    frames = [as_rgb(f, name=f"frame {i}") for i, f in enumerate(frames)]
    if len({f.shape for f in frames}) > 1:
        raise InvalidInputError("The frames of the clip differ in size; every frame must have the same shape.")
    points = landmark_stack(meshes)
    n_meshes = len(points)
    if n_meshes not in (1, len(frames)):
        raise InvalidInputError(
            f"{n_meshes} sets of landmarks for {len(frames)} frames; give one per frame, or one for the clip."
        )
    crops = {
        name: np.stack([crop_square(f, box, size, margin, gray) for f in frames])
        for name, box in region_boxes(points).items()
    }
    return {name: stack[0] for name, stack in crops.items()} if single else crops
