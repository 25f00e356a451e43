"""Shape features of the face mesh: distances and angles that ignore the face's place and size."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from fercourse import mesh
from fercourse.errors import InvalidInputError
from fercourse.features.inputs import as_landmarks
from fercourse.mesh import N_LANDMARKS

__all__ = ["ANCHOR", "PAIRS", "ANGLES", "LandmarkGeometry"]


#: The fixed point of the distance features: the nose tip.
ANCHOR = 4

#: Named point pairs whose distances the geometry features add (mesh indices).
PAIRS = {
    "mouth_width": (61, 291),
    "mouth_opening": (13, 14),
    "right_eye_opening": (159, 145),
    "left_eye_opening": (386, 374),
    "right_brow_to_eye": (105, 159),
    "left_brow_to_eye": (334, 386),
    "inner_brow_gap": (107, 336),
    "right_inner_brow_to_eye": (107, 133),
    "left_inner_brow_to_eye": (336, 362),
    "right_corner_to_eye": (61, 33),
    "left_corner_to_eye": (291, 263),
    "upper_lip_to_nose": (0, 2),
    "chin_to_lower_lip": (152, 17),
    "nose_wings": (98, 327),
}

#: Named angles (vertex in the middle), in degrees: mouth shape and brow slant.
ANGLES = {
    "right_mouth_corner": (0, 61, 17),
    "left_mouth_corner": (0, 291, 17),
    "upper_lip_arch": (61, 0, 291),
    "lower_lip_arch": (61, 17, 291),
    "right_brow_slant": (70, 105, 107),
    "left_brow_slant": (300, 334, 336),
}


def _angles(points: np.ndarray, triples) -> np.ndarray:
    a, v, b = (points[:, [t[k] for t in triples]] for k in range(3))
    u, w = a - v, b - v
    cos = (u * w).sum(-1) / np.maximum(np.linalg.norm(u, axis=-1) * np.linalg.norm(w, axis=-1), 1e-12)
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


class LandmarkGeometry(TransformerMixin, BaseEstimator):
    """Shape features from a face mesh that ignore where the face is and how large it is.

    * ``distances``: every point's distance to the ``anchor`` point (the nose tip by
      default), 478 numbers;
    * ``pairs``: the distances of :data:`PAIRS` (mouth width, brow to eye, ...);
    * ``angles``: the angles of :data:`ANGLES` in degrees, divided by 180.

    Distances are divided by the inter-ocular distance, so moving or scaling a face
    (or rotating it in the image plane) leaves the features unchanged.

    Parameters
    ----------
    anchor : int
        The mesh index the distances are measured to (default :data:`ANCHOR`).
    distances, pairs, angles : bool
        Which of the three groups to compute (at least one).

    Examples
    --------
    >>> len(LandmarkGeometry().feature_names())
    498
    """

    def __init__(self, anchor: int = ANCHOR, distances: bool = True, pairs: bool = True, angles: bool = True):
        self.anchor = anchor
        self.distances = distances
        self.pairs = pairs
        self.angles = angles

    def fit(self, X, y=None):
        self.transform(as_landmarks(X)[:1])
        return self

    def feature_names(self) -> list[str]:
        """The names of the features :meth:`transform` returns, in their order.

        Returns
        -------
        list of str
            ``d{i}_to_{anchor}`` for the distances, then the names of :data:`PAIRS`,
            then ``angle_`` and the names of :data:`ANGLES`.
        """
        names = []
        if self.distances:
            names += [f"d{i}_to_{self.anchor}" for i in range(N_LANDMARKS)]
        if self.pairs:
            names += list(PAIRS)
        if self.angles:
            names += [f"angle_{name}" for name in ANGLES]
        return names

    def transform(self, X):
        if not (isinstance(self.anchor, (int, np.integer)) and 0 <= self.anchor < N_LANDMARKS):
            raise InvalidInputError(f"anchor must be a landmark index in 0..{N_LANDMARKS - 1}, got {self.anchor!r}.")
        if not (self.distances or self.pairs or self.angles):
            raise InvalidInputError("LandmarkGeometry: switch on at least one of distances, pairs and angles.")
        points = as_landmarks(X)
        scale = mesh.inter_ocular_distance(points)[:, None]
        parts = []
        if self.distances:
            parts.append(np.linalg.norm(points - points[:, [self.anchor]], axis=-1) / scale)
        if self.pairs:
            a, b = zip(*PAIRS.values())
            parts.append(np.linalg.norm(points[:, list(a)] - points[:, list(b)], axis=-1) / scale)
        if self.angles:
            parts.append(_angles(points, list(ANGLES.values())) / 180.0)
        return np.hstack(parts)
