"""Identity: the face shape of one synthetic person.

An :class:`Identity` holds a dozen shape factors (face width and length, jaw, eye
spacing and size, nose, mouth, lips, brows, a slight asymmetry);
:func:`random_identity` draws them within the spread of adult faces.  The generator
applies them to the mesh after the action units (:func:`fercourse.synth.face_mesh`).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from fercourse.mesh import LEFT_EYE_RING, LEFT_IRIS, RIGHT_EYE_RING, RIGHT_IRIS
from fercourse.synth.canonical import INNER_LIPS, LEFT_BROW, LOWER_LIP, OUTER_LIPS, RIGHT_BROW, UPPER_LIP, canonical_mesh

__all__ = ["Identity", "random_identity"]


@dataclass(frozen=True)
class Identity:
    """Face shape of one synthetic subject (all factors are 1.0 or 0.0 for the canonical face).

    Parameters
    ----------
    subject : str
        The person's id, copied to the ``subject`` column of generated tables.
    width, length : float
        Horizontal and vertical scale of the whole face.
    depth : float
        How far the nose and brow stand out.
    jaw : float
        Width of the lower face.
    eye_spacing : float
        Centimetres added to each eye's distance from the midline.
    eye_size, nose_length, nose_width, mouth_width, lip_fullness : float
        Scales of those features.
    brow_height : float
        Centimetres the brows sit higher (negative: lower).
    asymmetry : float
        A small left/right difference, in centimetres.

    Examples
    --------
    >>> Identity(subject="wide", width=1.1).width
    1.1
    """

    subject: str = "canonical"
    width: float = 1.0  # whole-face horizontal scale
    length: float = 1.0  # whole-face vertical scale
    depth: float = 1.0  # how far the nose and brow stand out
    jaw: float = 1.0  # width of the lower face
    eye_spacing: float = 0.0  # cm added to each eye's distance from the midline
    eye_size: float = 1.0
    nose_length: float = 1.0
    nose_width: float = 1.0
    mouth_width: float = 1.0
    lip_fullness: float = 1.0
    brow_height: float = 0.0  # cm, up is positive
    asymmetry: float = 0.0  # small left/right difference, cm


def random_identity(rng: np.random.Generator, subject: str | None = None) -> Identity:
    """A plausible random face shape (about the spread of adult faces, not a caricature).

    Parameters
    ----------
    rng : numpy.random.Generator
        The source of randomness (the same state gives the same face).
    subject : str, optional
        The person's id; by default a random ``"synth-NNNNNN"``.

    Returns
    -------
    Identity
        Every factor drawn around the canonical face's value and clipped to a plausible range.

    Examples
    --------
    >>> who = random_identity(np.random.default_rng(1), subject="S001")
    >>> who.subject, 0.88 <= who.width <= 1.12
    ('S001', True)
    """
    n = rng.normal
    return Identity(
        subject=subject if subject is not None else f"synth-{rng.integers(1_000_000):06d}",
        width=float(np.clip(n(1.0, 0.05), 0.88, 1.12)),
        length=float(np.clip(n(1.0, 0.05), 0.88, 1.12)),
        depth=float(np.clip(n(1.0, 0.08), 0.8, 1.2)),
        jaw=float(np.clip(n(1.0, 0.07), 0.85, 1.15)),
        eye_spacing=float(np.clip(n(0.0, 0.15), -0.35, 0.35)),
        eye_size=float(np.clip(n(1.0, 0.08), 0.82, 1.18)),
        nose_length=float(np.clip(n(1.0, 0.08), 0.82, 1.18)),
        nose_width=float(np.clip(n(1.0, 0.1), 0.8, 1.25)),
        mouth_width=float(np.clip(n(1.0, 0.07), 0.85, 1.15)),
        lip_fullness=float(np.clip(n(1.0, 0.15), 0.7, 1.35)),
        brow_height=float(np.clip(n(0.0, 0.15), -0.35, 0.35)),
        asymmetry=float(np.clip(n(0.0, 0.06), -0.15, 0.15)),
    )


def region_weight(points: np.ndarray, indices, sigma: float) -> np.ndarray:
    """Smooth weight in [0, 1]: 1 at the given points, falling off with distance (cm)."""
    centre_dist = np.linalg.norm(points[:, None, :2] - points[list(indices)][None, :, :2], axis=2).min(axis=1)
    return np.exp(-0.5 * (centre_dist / sigma) ** 2)


@functools.lru_cache(maxsize=1)
def _identity_regions() -> dict[str, np.ndarray]:
    """Smooth per-vertex weights of the regions that identity parameters reshape."""
    base = canonical_mesh()
    right_eye = list(RIGHT_EYE_RING + RIGHT_IRIS)
    left_eye = list(LEFT_EYE_RING + LEFT_IRIS)
    mouth_centre = base[list(INNER_LIPS)].mean(axis=0)
    return {
        "right_eye": region_weight(base, right_eye, 0.9)[:, None],
        "left_eye": region_weight(base, left_eye, 0.9)[:, None],
        "right_eye_centre": base[list(RIGHT_EYE_RING)].mean(axis=0),
        "left_eye_centre": base[list(LEFT_EYE_RING)].mean(axis=0),
        "nose": region_weight(base, (1, 2, 4, 5, 94, 98, 327, 129, 358), 1.0)[:, None],
        "lips": region_weight(base, OUTER_LIPS, 0.7)[:, None],
        "mouth_centre": mouth_centre,
        "upper_lip": region_weight(base, [i for i in UPPER_LIP if i in OUTER_LIPS], 0.25)[:, None],
        "lower_lip": region_weight(base, [i for i in LOWER_LIP if i in OUTER_LIPS], 0.25)[:, None],
        "brows": region_weight(base, RIGHT_BROW + LEFT_BROW, 0.8)[:, None],
        "lower_face": np.clip((base[:, 1] - base[1, 1]) / (base[152, 1] - base[1, 1]), 0.0, 1.0)[:, None],
    }


def apply_identity(points: np.ndarray, who: Identity) -> np.ndarray:
    r = _identity_regions()
    p = points.copy()
    for side in ("right", "left"):
        centre = r[f"{side}_eye_centre"]
        move = (p - centre) * (who.eye_size - 1.0) + np.array([np.sign(centre[0]) * who.eye_spacing, 0.0, 0.0])
        p += r[f"{side}_eye"] * move
    nose_top_y = canonical_mesh()[168, 1]
    p[:, 1:2] += r["nose"] * (p[:, 1:2] - nose_top_y) * (who.nose_length - 1.0) * 0.6
    p[:, 0:1] += r["nose"] * p[:, 0:1] * (who.nose_width - 1.0)
    mouth = r["mouth_centre"]
    p[:, 0:1] += r["lips"] * (p[:, 0:1] - mouth[0]) * (who.mouth_width - 1.0)
    for lip in ("upper_lip", "lower_lip"):
        p[:, 1:2] += r[lip] * (p[:, 1:2] - mouth[1]) * (who.lip_fullness - 1.0) * 0.8
    p[:, 1:2] -= r["brows"] * who.brow_height
    p[:, 0:1] *= 1.0 + (who.jaw - 1.0) * r["lower_face"]
    p[:, 0] *= who.width
    p[:, 1] *= who.length
    front = p[:, 2].max()
    p[:, 2] = (p[:, 2] - front) * who.depth + front
    p[:, 1] += who.asymmetry * np.tanh(p[:, 0] / 3.0)
    return p
