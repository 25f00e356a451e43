"""The eyes of any face, and how far predicted landmarks are from the true ones.

The mesh's own conventions (numbering, regions, the canonical face, mirroring, the
inter-ocular distance) live in :mod:`fercourse.mesh`; this module applies them to
whatever a finder returned: a :class:`FaceMesh`, a :class:`Detection` or bare landmarks.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from fercourse import mesh
from fercourse.checks import landmark_stack
from fercourse.errors import InvalidInputError
from fercourse.face.results import Detection, FaceMesh
from fercourse.mesh import N_LANDMARKS

__all__ = ["eye_centers", "eye_line_angle", "landmark_distances", "region_errors"]


def eye_centers(eyes) -> np.ndarray:
    """Centres of the right and left eye (the subject's), as a ``(2, 2)`` float array.

    Parameters
    ----------
    eyes : FaceMesh, Detection or array_like
        A :class:`~fercourse.face.FaceMesh`, a :class:`~fercourse.face.Detection` with
        keypoints, a landmark array of 478, 468 or 68 points (``(N, 2)`` or ``(N, 3)``;
        an eye's centre is the mean of its contour), or the two centres themselves,
        right eye first.

    Returns
    -------
    numpy.ndarray
        ``[[x, y] of the right eye, [x, y] of the left eye]``, float64.

    Examples
    --------
    >>> eye_centers([[30, 40], [70, 42]])
    array([[30., 40.],
           [70., 42.]])
    """
    if isinstance(eyes, FaceMesh):
        eyes = eyes.landmarks
    elif isinstance(eyes, Detection):
        if eyes.keypoints is None:
            raise InvalidInputError(
                f"This {eyes.method!r} detection has no eye keypoints; use method='blazeface' or "
                "'landmarker', or pass a FaceMesh."
            )
        eyes = eyes.keypoints[:2]
    try:
        points = np.asarray(eyes, dtype=np.float64)
    except (TypeError, ValueError):
        points = np.empty(0)
    if points.ndim != 2 or points.shape[1] not in (2, 3) or points.shape[0] not in (2, 68, 468, N_LANDMARKS):
        raise InvalidInputError(
            f"eyes has shape {points.shape}; expected a FaceMesh, a Detection, landmarks of shape "
            "(478|468|68, 2|3) or the two eye centres (right eye, then left eye) as a (2, 2) array."
        )
    if not np.all(np.isfinite(points)):
        raise InvalidInputError("eyes contains NaN or infinite coordinates.")
    points = points[:, :2]
    centres = points if len(points) == 2 else mesh.eye_centers(points)
    if np.linalg.norm(centres[1] - centres[0]) < 1e-6:
        raise InvalidInputError("The two eye centres coincide, so the eye line is undefined; check the landmarks.")
    return centres


def eye_line_angle(eyes) -> float:
    """Angle in degrees of the line from the right eye to the left eye.

    0 for a level face; positive when the line slopes down to the image's right
    (y points down), i.e. the head is tilted clockwise as seen in the image.  A
    head pose's ``roll`` has the opposite sign: roll is about ``-eye_line_angle``.

    Parameters
    ----------
    eyes : FaceMesh, Detection or array_like
        Anything :func:`eye_centers` accepts.

    Returns
    -------
    float
        The angle, from -180 to 180 degrees.

    Examples
    --------
    >>> round(eye_line_angle([[30, 40], [70, 80]]), 6)
    45.0
    """
    right, left = eye_centers(eyes)
    return math.degrees(math.atan2(left[1] - right[1], left[0] - right[0]))


def landmark_distances(predicted, truth) -> np.ndarray:
    """Distance of each predicted landmark from the true one, in inter-ocular distances.

    Each face's distances are divided by its true inter-ocular distance
    (:func:`fercourse.mesh.inter_ocular_distance`), so faces of any size compare.

    Parameters
    ----------
    predicted, truth : array_like or FaceMesh
        ``(N, 2|3)`` points of one face or ``(faces, N, 2|3)`` (FaceMesh objects are
        accepted too), N = 478 or 468; only x and y count.  Both must have the same shape.

    Returns
    -------
    numpy.ndarray
        ``(N,)`` for one face, ``(faces, N)`` for several.
    """
    pred, true = landmark_stack(predicted, "predicted"), landmark_stack(truth, "truth")
    single = isinstance(predicted, FaceMesh) or (isinstance(predicted, np.ndarray) and predicted.ndim == 2)
    if pred.shape != true.shape:
        raise InvalidInputError(f"predicted has shape {pred.shape} but truth {true.shape}; they must match.")
    iod = mesh.inter_ocular_distance(true)
    distances = np.linalg.norm(pred - true, axis=2) / iod[:, None]
    return distances[0] if single else distances


def region_errors(distances):
    """Mean landmark distance per face: over all points and over each region of ``REGIONS``.

    Parameters
    ----------
    distances : array_like
        ``(N,)`` or ``(faces, N)`` from :func:`landmark_distances`.

    Returns
    -------
    pandas.DataFrame
        One row per face and the columns ``all``, then the regions of
        :data:`fercourse.mesh.REGIONS` (eyes, brows, irises, nose, mouth, face oval).
    """
    values = np.atleast_2d(np.asarray(distances, dtype=np.float64))
    if values.ndim != 2 or values.shape[1] not in (mesh.N_MESH_POINTS, N_LANDMARKS):
        raise InvalidInputError(f"distances has shape {values.shape}; expected (478,) or (faces, 478).")
    columns = {"all": values.mean(axis=1)}
    for name, index in mesh.REGIONS.items():
        if index.max() < values.shape[1]:
            columns[name] = values[:, index].mean(axis=1)
    return pd.DataFrame(columns)
