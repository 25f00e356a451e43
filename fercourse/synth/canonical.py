"""The generator's canonical mesh: MediaPipe's neutral face with irises, and named groups of its points.

:func:`canonical_mesh` is MediaPipe's canonical face (read from the shipped model
bundle by :mod:`fercourse.mesh`) with the ten iris points added; :func:`neutral_mesh`
closes its lips and opens its eyes to a relaxed neutral face, the start of every
generated face.  The constants name the points of the features that the other parts
of the generator move and colour (eyelids, brows, lips, face oval, ...).
"""

from __future__ import annotations

import functools

import numpy as np

from fercourse.mesh import LEFT_EYE_RING, RIGHT_EYE_RING, triangles
from fercourse.mesh import canonical_mesh as _mediapipe_canonical

__all__ = [
    "canonical_mesh",
    "neutral_mesh",
    "RIGHT_EYE_UPPER",
    "RIGHT_EYE_LOWER",
    "LEFT_EYE_UPPER",
    "LEFT_EYE_LOWER",
    "RIGHT_BROW",
    "LEFT_BROW",
    "RIGHT_BROW_INNER",
    "RIGHT_BROW_OUTER",
    "LEFT_BROW_INNER",
    "LEFT_BROW_OUTER",
    "OUTER_LIPS",
    "INNER_LIPS",
    "UPPER_LIP",
    "LOWER_LIP",
    "MOUTH_CORNERS",
    "FACE_OVAL",
    "NOSE_WINGS",
    "CHEEKS",
]


@functools.lru_cache(maxsize=1)
def canonical_mesh() -> np.ndarray:
    """MediaPipe's canonical neutral face with irises: 478 points, in centimetres.

    The 468 mesh points are :func:`fercourse.mesh.canonical_mesh` (image axes: x to the
    image's right, y down, z away from the camera).  The ten iris points (468-477),
    which the canonical mesh lacks, are placed at the centre of each eye opening:
    centre, then image-right, top, image-left and bottom, as the landmarker orders them.

    Returns
    -------
    numpy.ndarray
        The ``(478, 3)`` points in centimetres.  Every call returns the same cached
        array: copy it before changing it.

    Examples
    --------
    >>> points = canonical_mesh()
    >>> points.shape, bool(points[10, 1] < points[152, 1])  # the forehead is above the chin
    ((478, 3), True)
    """
    points = np.asarray(_mediapipe_canonical(), dtype=np.float64)
    irises = []
    for eye in (RIGHT_EYE_RING, LEFT_EYE_RING):
        ring = points[list(eye)]
        centre = ring.mean(axis=0)
        radius = 0.2 * (ring[:, 0].max() - ring[:, 0].min())
        offsets = np.array([[0, 0, 0], [radius, 0, 0], [0, -radius, 0], [-radius, 0, 0], [0, radius, 0]])
        irises.append(centre + offsets - np.array([0.0, 0.0, 0.15]))
    return np.vstack([points, *irises])


@functools.lru_cache(maxsize=1)
def neutral_mesh() -> np.ndarray:
    """The canonical face with the lips closed and the eyes relaxed-open: the neutral face.

    MediaPipe's canonical mesh has its lips slightly apart and its eyes half shut;
    a neutral expression has neither.

    Returns
    -------
    numpy.ndarray
        The ``(478, 3)`` points in centimetres, the same cached array on every call
        (copy it before changing it).  Every generated face starts from it.

    Examples
    --------
    >>> gap = neutral_mesh()[14, 1] - neutral_mesh()[13, 1]  # lower minus upper inner lip
    >>> round(float(gap), 2)
    0.02
    """
    points = canonical_mesh().copy()
    upper_inner = [78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308]
    lower_inner = [78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308]
    middle = (points[upper_inner, 1] + points[lower_inner, 1]) / 2
    points[upper_inner, 1] = middle - 0.01
    points[lower_inner, 1] = middle + 0.01
    for upper, lower in ((RIGHT_EYE_UPPER, RIGHT_EYE_LOWER), (LEFT_EYE_UPPER, LEFT_EYE_LOWER)):
        points[list(upper), 1] -= 0.12
        points[list(lower), 1] += 0.04
    return points


# The tessellation's triangles (fercourse.mesh.triangles) as handed to a worker process
# with its job, which spares the worker the MediaPipe import.
_TRIANGLES: np.ndarray | None = None


def worker_triangles() -> np.ndarray:
    """The tessellation: the eye openings and the mouth are holes, so eyes and mouth drawn under it show through."""
    return triangles() if _TRIANGLES is None else _TRIANGLES


def use_triangles(tri: np.ndarray | None) -> None:
    """Keep the triangles a worker's job brought along (``None``: nothing to keep)."""
    global _TRIANGLES
    if _TRIANGLES is None and tri is not None:
        _TRIANGLES = tri


# Point indices of facial features.  "Right" and "left" are the subject's: the
# subject's right eye appears on the image's left in a frontal photo.
RIGHT_EYE_UPPER = (246, 161, 160, 159, 158, 157, 173)
RIGHT_EYE_LOWER = (7, 163, 144, 145, 153, 154, 155)
LEFT_EYE_UPPER = (466, 388, 387, 386, 385, 384, 398)
LEFT_EYE_LOWER = (249, 390, 373, 374, 380, 381, 382)
RIGHT_BROW = (70, 63, 105, 66, 107, 55, 65, 52, 53, 46)
LEFT_BROW = (300, 293, 334, 296, 336, 285, 295, 282, 283, 276)
RIGHT_BROW_INNER, RIGHT_BROW_OUTER = (107, 66, 55, 65), (70, 63, 46, 53)
LEFT_BROW_INNER, LEFT_BROW_OUTER = (336, 296, 285, 295), (300, 293, 276, 283)
OUTER_LIPS = (61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291, 375, 321, 405, 314, 17, 84, 181, 91, 146)
INNER_LIPS = (78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308, 324, 318, 402, 317, 14, 87, 178, 88, 95)
UPPER_LIP = (185, 40, 39, 37, 0, 267, 269, 270, 409, 191, 80, 81, 82, 13, 312, 311, 310, 415)
LOWER_LIP = (375, 321, 405, 314, 17, 84, 181, 91, 146, 324, 318, 402, 317, 14, 87, 178, 88, 95)
MOUTH_CORNERS = (61, 291)  # subject's right, left
FACE_OVAL = (
    10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377,
    152, 148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109,
)  # fmt: skip
NOSE_WINGS = (98, 327)
CHEEKS = (50, 280)
