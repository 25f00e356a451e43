"""Node features: meshes with position, size and head rotation removed, and their displacement."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from fercourse import mesh
from fercourse.errors import InvalidInputError, NoFaceError
from fercourse.graph.structure import N_NODES, canonical_points

__all__ = ["N_FEATURES", "DISPLACEMENT_SCALE", "MIN_SPREAD", "ShapeStatistics", "as_meshes", "normalise",
           "shape_statistics", "node_features"]

#: Node features: normalised x, y, z and the displacement (x, y, z) from a reference face.
N_FEATURES = 6
#: Displacements are small next to positions; they are multiplied by this factor
#: (so they are in tenths of the eye distance) to give the network comparable scales.
DISPLACEMENT_SCALE = 10.0
#: The smallest spread :func:`shape_statistics` records for a node's coordinate, in eye distances,
#: so that a coordinate that never varies in the training faces does not divide by zero.
MIN_SPREAD = 1e-3


def as_meshes(meshes, name: str = "meshes") -> np.ndarray:
    """Meshes as a float64 ``(N, 478, 3)`` array, with a clear error for anything else.

    Accepts a ``(478, 3)`` or ``(N, 478, 3)`` array, a :class:`fercourse.face.FaceMesh`,
    anything with a ``landmarks`` attribute (such as a live face), or a list of these.

    Parameters
    ----------
    meshes : array-like, FaceMesh or list
        One mesh or many, in any of the forms above.
    name : str
        What to call ``meshes`` in error messages.

    Returns
    -------
    numpy.ndarray
        ``(N, 478, 3)`` float64, finite.
    """
    if hasattr(meshes, "landmarks"):
        meshes = [meshes]
    if isinstance(meshes, (list, tuple)):
        if len(meshes) == 0:
            raise InvalidInputError(f"{name} is empty; give at least one face mesh of 478 points.")
        items = []
        for k, item in enumerate(meshes):
            if hasattr(item, "landmarks"):
                if item.landmarks is None:
                    raise NoFaceError(
                        f"{name}[{k}] has no landmarks (no mesh was found for this face); run the landmarker "
                        "(fercourse.face.detect_meshes, or live.Pipeline(detector='landmarker')) first."
                    )
                item = item.landmarks
            items.append(np.asarray(item, dtype=np.float64))
        shapes = {a.shape for a in items}
        if len(shapes) > 1:
            raise InvalidInputError(f"{name} holds meshes of different shapes {sorted(shapes)}; each must be (478, 3).")
        meshes = np.stack(items)
    try:
        points = np.asarray(meshes, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise InvalidInputError(f"{name} is not an array of numbers: {error}.") from None
    if points.ndim == 2:
        points = points[None]
    if points.size == 0:
        raise InvalidInputError(f"{name} is empty; give at least one face mesh of 478 points.")
    if points.ndim != 3 or points.shape[1:] != (N_NODES, 3):
        raise InvalidInputError(
            f"{name} has shape {np.shape(meshes)}, but a face mesh is (478, 3) and a batch (N, 478, 3): "
            "MediaPipe's 468 mesh points and 10 iris points, each (x, y, z). For 2-D points, append a "
            "column of zeros as z."
        )
    if not np.isfinite(points).all():
        bad = sorted(set(np.argwhere(~np.isfinite(points))[:, 0].tolist()))
        raise InvalidInputError(f"{name}: mesh(es) {bad[:5]} contain NaN or infinite coordinates.")
    return points


@functools.cache
def _reference() -> np.ndarray:
    return _centre_and_scale(canonical_points()[None])[0]


def _centre_and_scale(points: np.ndarray) -> np.ndarray:
    """Centred on the mean point and divided by the 3-D inter-ocular distance (of :mod:`fercourse.mesh`)."""
    distance = mesh.inter_ocular_distance(points, use_z=True)
    return (points - points.mean(axis=1, keepdims=True)) / distance[:, None, None]


def normalise(meshes) -> np.ndarray:
    """Meshes with position, size and head rotation removed: ``(N, 478, 3)`` float32.

    Each mesh is centred on its mean point, divided by the 3-D distance between the
    centres of its eye contours (so the eyes are 1 apart), and rotated onto the canonical neutral face by the
    rotation that fits them best in the least-squares sense (Kabsch's method,
    no reflection).  What is left is the shape of the face: identity and expression.

    Parameters
    ----------
    meshes : array-like, FaceMesh or list
        One mesh or many, in any form :func:`as_meshes` accepts.

    Returns
    -------
    numpy.ndarray
        ``(N, 478, 3)`` float32.
    """
    points = _centre_and_scale(as_meshes(meshes))
    reference = _reference()
    h = np.einsum("nki,kj->nij", points, reference)  # cross-covariance, (N, 3, 3)
    u, _, vt = np.linalg.svd(h)
    d = np.sign(np.linalg.det(u @ vt))
    fix = np.ones((len(points), 3))
    fix[:, 2] = d
    rotation = (u * fix[:, None, :]) @ vt  # maps the mesh onto the reference: p @ rotation
    return (points @ rotation).astype(np.float32)


@dataclass(frozen=True)
class ShapeStatistics:
    """Where each node of a set of normalised meshes lies on average, and how far it strays.

    Attributes
    ----------
    mean : numpy.ndarray
        ``(478, 3)`` float32: the mean of the :func:`normalise`\ d meshes, node by node.
    spread : numpy.ndarray
        ``(478, 3)`` float32: the standard deviation of each node's x, y and z about that
        mean, at least :data:`MIN_SPREAD`.
    count : int
        How many meshes they were measured on.
    """

    mean: np.ndarray
    spread: np.ndarray
    count: int


def shape_statistics(meshes) -> ShapeStatistics:
    """The mean normalised face of ``meshes`` and each node's spread about it (fit on training meshes only).

    With them :func:`node_features` measures a node's displacement from the training
    faces' mean rather than from the canonical face, in units of how much that node
    varies among them: a z-score per node and axis, like a ``StandardScaler`` for
    each coordinate.  A few millimetres of brow lowering, small next to how far the jaw
    moves, then count as much as the jaw's movement does.

    Parameters
    ----------
    meshes : array-like, FaceMesh or list
        At least two meshes, in any form :func:`as_meshes` accepts.

    Returns
    -------
    ShapeStatistics
        The mean shape and the spread.

    Examples
    --------
    >>> from fercourse import synth
    >>> stats = shape_statistics(synth.synthetic_meshes(14, seed=0).samples)
    >>> stats.mean.shape, stats.spread.shape, bool(stats.spread.min() >= MIN_SPREAD)
    ((478, 3), (478, 3), True)
    """
    points = normalise(meshes).astype(np.float64)
    if len(points) < 2:
        raise InvalidInputError(
            f"shape_statistics needs at least 2 meshes to measure how far each node strays, got {len(points)}."
        )
    mean = points.mean(axis=0)
    spread = np.maximum(points.std(axis=0), MIN_SPREAD)
    return ShapeStatistics(mean.astype(np.float32), spread.astype(np.float32), len(points))


def node_features(meshes, neutral=None, statistics: ShapeStatistics | None = None) -> np.ndarray:
    """Node features ``(N, 478, 6)``: normalised x, y, z and the displacement from a reference face.

    The reference is the canonical neutral face (``neutral=None``) or the same
    person's own neutral mesh (one ``(478, 3)`` mesh for all, or one per mesh): the
    displacement from one's own neutral face is the expression alone, without the
    shape of the face.  Displacements are multiplied by :data:`DISPLACEMENT_SCALE`.

    With ``statistics`` (:func:`shape_statistics` of the training meshes), the reference
    is the training faces' mean instead of the canonical face (or still the person's
    own neutral mesh, when given), and each displacement is divided by that node's
    spread, so that it reads in standard deviations of the training faces.

    Parameters
    ----------
    meshes : array-like, FaceMesh or list
        One mesh or many, in any form :func:`as_meshes` accepts.
    neutral : array-like, optional
        The reference: one neutral mesh for all faces, or one per face.
    statistics : ShapeStatistics, optional
        Standardise the displacements with these (see above).

    Returns
    -------
    numpy.ndarray
        ``(N, 478, 6)`` float32 (:data:`N_FEATURES` per node).

    Examples
    --------
    The canonical face, bigger and elsewhere, has moved no point of its own:

    >>> from fercourse import synth
    >>> x = node_features(synth.neutral_mesh() * 3 + 10)
    >>> x.shape, bool(abs(x[..., 3:]).max() < 1e-6)
    ((1, 478, 6), True)
    """

    points = normalise(meshes)
    if statistics is not None and not isinstance(statistics, ShapeStatistics):
        raise InvalidInputError(
            f"statistics must be the ShapeStatistics of graph.shape_statistics(training_meshes), got {type(statistics).__name__}."
        )
    if neutral is None:
        reference = (_reference() if statistics is None else statistics.mean)[None].astype(np.float32)
    else:
        reference = normalise(neutral)
        if len(reference) not in (1, len(points)):
            raise InvalidInputError(
                f"neutral holds {len(reference)} meshes for {len(points)} faces; give one neutral mesh for all "
                "or one per face."
            )
    if statistics is None:
        displacement = DISPLACEMENT_SCALE * (points - reference)
    else:
        displacement = (points - reference) / statistics.spread
    return np.concatenate([points, displacement], axis=-1).astype(np.float32)
