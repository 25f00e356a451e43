"""Synthetic faces: the course's embedded default when no real dataset is present.

Faces are built the way a face tracker sees them: a mesh in MediaPipe's 478-point
topology (the same indices and triangles as a live webcam mesh), starting from
MediaPipe's own canonical neutral face (read from the shipped model bundle).  Three
things move it:

* **identity**: face width and length, jaw, eye spacing and size, nose, mouth,
  lips and brows, drawn at random per subject;
* **action units**: each FACS action unit (AU) is a smooth displacement field on the
  mesh (AU12 pulls the lip corners up and out, AU26 rotates the jaw open, ...), and
  an expression is a weighted sum of them;
* **pose**: yaw, pitch and roll.

The mesh is then rendered: a z-buffered triangle rasteriser with per-vertex
(Gouraud) shading, skin, lips, brows, eyes, teeth and hair, random lighting, noise,
blur and occlusions.  Every sample keeps its ground truth: emotion, AU intensities,
subject, pose and the exact 478 landmarks in image pixels.

Every generator of synthetic data lives here: :func:`faces` and :func:`clips`, and the
data sets single chapters need, :func:`synthetic_meshes` (meshes without images),
:func:`eye_state_faces` (faces labelled by eye closeness) and :func:`expression_faces`
(one face at rising intensities).  The generator needs no model; how real its faces
look to the shipped real models is measured by :mod:`fercourse.realism`.

Two levels of use:

>>> data = faces(700, size=48, seed=0)          # doctest: +SKIP  (a fercourse.data.Dataset)
>>> subject = random_identity(np.random.default_rng(1))             # doctest: +SKIP
>>> image, landmarks = render(face_mesh(subject, {12: 1.0, 6: 0.8}), size=192)  # doctest: +SKIP
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from fercourse.checks import grey
from fercourse.errors import InvalidInputError
from fercourse.mesh import LEFT_EYE_RING, LEFT_IRIS, N_LANDMARKS, RIGHT_EYE_RING, RIGHT_IRIS, inter_ocular_distance
from fercourse.mesh import canonical_mesh as _mediapipe_canonical
from fercourse.mesh import triangles  # re-exported: chapter 06 calls synth.triangles

if TYPE_CHECKING:
    from fercourse.dataset import Dataset

__all__ = [
    "Identity",
    "Appearance",
    "AU_NUMBERS",
    "canonical_mesh",
    "triangles",
    "random_identity",
    "random_appearance",
    "face_mesh",
    "render",
    "faces",
    "clips",
    "expression_aus",
    "envelope",
    "blink_track",
    "au_sliders",
    "neutral_mesh",
    "EXPRESSIVENESS",
    "AU_COLUMNS",
    "synthetic_meshes",
    "EYE_LEVELS",
    "eye_state_faces",
    "GRID_INTENSITIES",
    "expression_patterns",
    "expression_faces",
]


# ---------------------------------------------------------------- canonical mesh


@functools.lru_cache(maxsize=1)
def canonical_mesh() -> np.ndarray:
    """MediaPipe's canonical neutral face with irises: 478 points, in centimetres.

    The 468 mesh points are :func:`fercourse.mesh.canonical_mesh` (image axes: x to the
    image's right, y down, z away from the camera).  The ten iris points (468-477),
    which the canonical mesh lacks, are placed at the centre of each eye opening:
    centre, then image-right, top, image-left and bottom, as the landmarker orders them.
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


def _triangles() -> np.ndarray:
    """The tessellation: the eye openings and the mouth are holes, so eyes and mouth drawn under it show through."""
    return triangles() if _TRIANGLES is None else _TRIANGLES


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


# ------------------------------------------------------------------- identity


@dataclass(frozen=True)
class Identity:
    """Face shape of one synthetic subject (all factors are 1.0 or 0.0 for the canonical face)."""

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
    """A plausible random face shape (about the spread of adult faces, not a caricature)."""
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


def _region_weight(points: np.ndarray, indices, sigma: float) -> np.ndarray:
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
        "right_eye": _region_weight(base, right_eye, 0.9)[:, None],
        "left_eye": _region_weight(base, left_eye, 0.9)[:, None],
        "right_eye_centre": base[list(RIGHT_EYE_RING)].mean(axis=0),
        "left_eye_centre": base[list(LEFT_EYE_RING)].mean(axis=0),
        "nose": _region_weight(base, (1, 2, 4, 5, 94, 98, 327, 129, 358), 1.0)[:, None],
        "lips": _region_weight(base, OUTER_LIPS, 0.7)[:, None],
        "mouth_centre": mouth_centre,
        "upper_lip": _region_weight(base, [i for i in UPPER_LIP if i in OUTER_LIPS], 0.25)[:, None],
        "lower_lip": _region_weight(base, [i for i in LOWER_LIP if i in OUTER_LIPS], 0.25)[:, None],
        "brows": _region_weight(base, RIGHT_BROW + LEFT_BROW, 0.8)[:, None],
        "lower_face": np.clip((base[:, 1] - base[1, 1]) / (base[152, 1] - base[1, 1]), 0.0, 1.0)[:, None],
    }


def _apply_identity(points: np.ndarray, who: Identity) -> np.ndarray:
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


# --------------------------------------------------------------- action units


def _lower_face_weight(base: np.ndarray) -> np.ndarray:
    """1 for the jaw, chin and lower lip, 0 for the upper lip and above, smooth in between."""
    corners_y = base[list(MOUTH_CORNERS), 1].mean()
    weight = np.clip((base[:, 1] - corners_y) / 1.2 + 0.5, 0.0, 1.0)
    weight[list(LOWER_LIP)] = 1.0
    weight[list(UPPER_LIP)] = 0.0
    weight[[61, 291, 78, 308]] = 0.5
    # the jaw hinges below the ears; cheeks high up stay still
    weight *= np.clip((base[:, 1] - base[1, 1] + 0.5) / 1.5, 0.0, 1.0)
    weight[list(LOWER_LIP)] = 1.0
    return weight


def _anchored_field(base: np.ndarray, anchors: dict[int, tuple[float, float, float]], sigma: float,
                    mask: np.ndarray | None = None) -> np.ndarray:
    """A smooth displacement field that moves each anchor point by its vector."""
    index = np.array(list(anchors))
    moves = np.array(list(anchors.values()), dtype=np.float64)
    dist = np.linalg.norm(base[:, None, :2] - base[index][None, :, :2], axis=2)
    g = np.exp(-0.5 * (dist / sigma) ** 2)
    field = (g @ moves) / np.maximum(g.sum(axis=1, keepdims=True), 1.0)
    if mask is not None:
        field *= mask[:, None]
    return field


def _eyelid_masks(base: np.ndarray):
    masks = {}
    for name, ring in (("right", RIGHT_EYE_RING), ("left", LEFT_EYE_RING)):
        centre = base[list(ring)].mean(axis=0)
        near = np.exp(-0.5 * (np.linalg.norm(base[:, :2] - centre[:2], axis=1) / 1.6) ** 2)
        above = near * (base[:, 1] < centre[1] - 0.05)
        below = near * (base[:, 1] > centre[1] + 0.05)
        masks[name] = (above, below)
    return masks


def _lid_closure(base: np.ndarray, amount: float) -> np.ndarray:
    """Upper lids move down by ``amount`` of the eye opening (1 closes the eye)."""
    field = np.zeros_like(base)
    for upper, lower in ((RIGHT_EYE_UPPER, RIGHT_EYE_LOWER), (LEFT_EYE_UPPER, LEFT_EYE_LOWER)):
        lower_y = np.interp(base[list(upper), 0], *_sorted_xy(base, lower))
        field[list(upper), 1] = (lower_y - base[list(upper), 1]) * amount
    return field


def _sorted_xy(base: np.ndarray, indices) -> tuple[np.ndarray, np.ndarray]:
    xy = base[list(indices), :2]
    order = np.argsort(xy[:, 0])
    return xy[order, 0], xy[order, 1]


@functools.lru_cache(maxsize=1)
def _au_fields() -> dict[object, np.ndarray]:
    """Displacement field (478, 3) in cm of each action unit at full intensity."""
    base = neutral_mesh()
    up, down = -1.0, 1.0  # image y points down
    lower = _lower_face_weight(base)
    lids = _eyelid_masks(base)
    brow_mask = np.clip((base[list(RIGHT_EYE_RING), 1].mean() + 0.3 - base[:, 1]) / 1.0, 0.0, 1.0)
    fields: dict[object, np.ndarray] = {}

    def brows(inner: float, outer: float, inward: float = 0.0) -> np.ndarray:
        anchors = {}
        for idx in RIGHT_BROW_INNER:
            anchors[idx] = (inward, inner, 0.0)
        for idx in LEFT_BROW_INNER:
            anchors[idx] = (-inward, inner, 0.0)
        for idx in RIGHT_BROW_OUTER + LEFT_BROW_OUTER:
            anchors[idx] = (0.0, outer, 0.0)
        return _anchored_field(base, anchors, 0.9, brow_mask)

    fields[1] = brows(1.1 * up, 0.2 * up, 0.1)  # inner brow raiser (frontalis, medial)
    fields[2] = brows(0.25 * up, 1.1 * up)  # outer brow raiser (frontalis, lateral)
    fields[4] = brows(1.0 * down, 0.4 * down, 0.65)  # brow lowerer (corrugator, depressor supercilii)
    fields[4][[9, 8, 151, 107, 336], 2] += 0.15  # the brows knit: skin between them folds back

    upper_lift, lower_lift = np.zeros_like(base), np.zeros_like(base)
    for name, upper, lower_lid in (("right", RIGHT_EYE_UPPER, RIGHT_EYE_LOWER), ("left", LEFT_EYE_UPPER, LEFT_EYE_LOWER)):
        above, below = lids[name]
        upper_lift += _anchored_field(base, {i: (0, 0.4 * up, 0) for i in upper}, 0.35, above)
        lower_lift += _anchored_field(base, {i: (0, 0.25 * up, 0) for i in lower_lid}, 0.35, below)
    fields[5] = upper_lift  # upper lid raiser (levator palpebrae superioris)
    fields[5][list(RIGHT_EYE_LOWER + LEFT_EYE_LOWER), 1] += 0.05
    fields[7] = lower_lift * 1.2 - upper_lift * 0.3  # lid tightener (orbicularis oculi, palpebral)
    cheeks = {50: (0, 0.65 * up, -0.2), 280: (0, 0.65 * up, -0.2), 205: (0, 0.5 * up, -0.2), 425: (0, 0.5 * up, -0.2),
              117: (0, 0.4 * up, 0), 346: (0, 0.4 * up, 0)}
    fields[6] = _anchored_field(base, cheeks, 1.0, 1.0 - lower) + lower_lift * 0.9  # cheek raiser (orbicularis oculi, orbital)
    fields[9] = _anchored_field(  # nose wrinkler (levator labii superioris alaeque nasi)
        base, {98: (0.05, 0.55 * up, 0), 327: (-0.05, 0.55 * up, 0), 48: (0, 0.45 * up, 0), 278: (0, 0.45 * up, 0),
               0: (0, 0.35 * up, 0), 8: (0, 0.25 * down, 0.05), 168: (0, 0.3 * down, 0)}, 0.6, 1.0 - lower
    ) + brows(0.35 * down, 0.1 * down, 0.25)
    fields[10] = _anchored_field(  # upper lip raiser (levator labii superioris)
        base, {i: (0, 0.55 * up, 0) for i in (0, 37, 267, 39, 269, 13, 82, 312)}, 0.55, 1.0 - lower
    )
    fields[10] += _anchored_field(base, {40: (0, 0.3 * up, 0), 270: (0, 0.3 * up, 0)}, 0.5, 1.0 - lower)

    corners = {61: (-1, 0), 291: (1, 0), 78: (-1, 0), 308: (1, 0)}

    def corner_field(dx: float, dy: float, dz: float = 0.0, sides=(-1, 1), sigma: float = 0.75) -> np.ndarray:
        anchors = {i: (s * dx, dy, dz) for i, (s, _) in corners.items() if s in sides}
        return _anchored_field(base, anchors, sigma)

    fields[12] = corner_field(0.7, 0.85 * up, 0.3)  # lip corner puller (zygomaticus major)
    fields["R12"] = corner_field(0.7, 0.85 * up, 0.3, sides=(-1,))
    fields["L12"] = corner_field(0.7, 0.85 * up, 0.3, sides=(1,))
    fields[14] = corner_field(0.2, 0.1 * up, 0.4)  # dimpler (buccinator)
    fields["R14"] = corner_field(0.2, 0.1 * up, 0.4, sides=(-1,))
    fields["L14"] = corner_field(0.2, 0.1 * up, 0.4, sides=(1,))
    fields[15] = corner_field(-0.1, 0.8 * down)  # lip corner depressor (depressor anguli oris)
    fields[20] = corner_field(0.8, 0.15 * down, 0.05)  # lip stretcher (risorius)
    fields[16] = _anchored_field(  # lower lip depressor (depressor labii inferioris)
        base, {i: (0, 0.5 * down, -0.05) for i in (17, 84, 314, 14, 87, 317)}, 0.6, lower
    )
    fields[17] = _anchored_field(  # chin raiser (mentalis): chin and lower lip pushed up
        base, {152: (0, 0.5 * up, -0.1), 175: (0, 0.5 * up, -0.1), 17: (0, 0.45 * up, -0.25), 14: (0, 0.3 * up, -0.15)},
        0.9, lower,
    )
    fields[23] = _anchored_field(  # lip tightener (orbicularis oris): lips narrow and thin
        base, {0: (0, 0.25 * down, 0), 17: (0, 0.25 * up, 0), 61: (0.25, 0, 0), 291: (-0.25, 0, 0)}, 0.5
    )
    fields[24] = _anchored_field(  # lip pressor (orbicularis oris): lips pressed together
        base, {0: (0, 0.3 * down, 0.05), 13: (0, 0.05 * down, 0), 17: (0, 0.3 * up, 0.05), 14: (0, 0.05 * up, 0)}, 0.45
    )
    # jaw: rotate the lower face about a hinge below the ears
    hinge = np.array([0.0, base[1, 1] - 0.5, base[1, 2] + 12.5])  # near the jaw joints, in front of the ears

    def jaw(angle_deg: float, lip_extra: float = 0.0) -> np.ndarray:
        a = np.deg2rad(angle_deg)
        rel = base - hinge
        rotated = np.stack([rel[:, 0], rel[:, 1] * np.cos(a) - rel[:, 2] * np.sin(a),
                            rel[:, 1] * np.sin(a) + rel[:, 2] * np.cos(a)], axis=1) + hinge
        move = (rotated - base) * lower[:, None]
        move[list(LOWER_LIP), 1] += lip_extra
        return move

    fields[25] = jaw(3.0, 0.25)  # lips part (depressor labii, relaxed mentalis)
    fields[26] = jaw(13.0, 0.2)  # jaw drop (masseter relaxed, pterygoids)
    fields[27] = jaw(22.0, 0.25) + corner_field(-0.1, 0.2 * down)  # mouth stretch (pterygoids, digastric)
    fields = {code: EXPRESSIVENESS * move for code, move in fields.items()}
    fields[43] = _lid_closure(base, 1.0)  # eyes closed (relaxed levator palpebrae); not scaled
    fields[45] = fields[43]  # a blink is a brief closure
    return fields


#: Gain on every AU displacement (eye closure excepted).  The per-AU magnitudes above
#: follow the size of the movements in photographs of posed expressions; this gain was
#: then calibrated so that the shipped FER2013 model, which learned from real faces,
#: reads the rendered faces (see benchmarks/synth_realism.py).  Intensity 1.0 is a
#: strong, posed expression, like most of FER2013's.
EXPRESSIVENESS = 1.5


AU_NUMBERS = (1, 2, 4, 5, 6, 7, 9, 10, 12, 14, 15, 16, 17, 20, 23, 24, 25, 26, 27, 43, 45)


def face_mesh(who: Identity | None = None, aus: dict | None = None, pose=(0.0, 0.0, 0.0)) -> np.ndarray:
    """The 3-D mesh (478, 3), in cm around the head's centre, of a face with these AUs and pose.

    ``aus`` maps AU numbers (or ``"R12"``/``"L12"`` style one-sided codes) to intensities
    in [0, 1]; ``pose`` is (yaw, pitch, roll) in degrees (yaw turns the face to the
    image's right, pitch tilts the chin down, roll turns it clockwise in the image).
    """
    fields = _au_fields()
    points = neutral_mesh().copy()
    for code, intensity in (aus or {}).items():
        if code not in fields:
            raise InvalidInputError(
                f"Unknown action unit {code!r}; the generator models {', '.join(map(str, AU_NUMBERS))} "
                "and the one-sided codes R12, L12, R14, L14."
            )
        value = float(intensity)
        if not 0.0 <= value <= 1.0:
            raise InvalidInputError(f"AU{code} intensity must lie in [0, 1], got {intensity!r}.")
        points = points + value * fields[code]
    points = _apply_identity(points, who or Identity())
    centre = np.array([0.0, 0.0, points[:, 2].max() + 2.0])  # rotate about a point inside the head
    yaw, pitch, roll = np.deg2rad(np.asarray(pose, dtype=np.float64))
    ry = np.array([[np.cos(yaw), 0, -np.sin(yaw)], [0, 1, 0], [np.sin(yaw), 0, np.cos(yaw)]])
    rx = np.array([[1, 0, 0], [0, np.cos(pitch), -np.sin(pitch)], [0, np.sin(pitch), np.cos(pitch)]])
    rz = np.array([[np.cos(roll), -np.sin(roll), 0], [np.sin(roll), np.cos(roll), 0], [0, 0, 1]])
    return (points - centre) @ (rz @ rx @ ry).T + centre


# ------------------------------------------------------------------ rendering


@dataclass(frozen=True)
class Appearance:
    """How a face is drawn: colours in RGB [0, 1], light, camera framing and image noise."""

    skin: tuple[float, float, float] = (0.78, 0.6, 0.5)
    lips: tuple[float, float, float] = (0.62, 0.33, 0.33)
    hair: tuple[float, float, float] = (0.18, 0.12, 0.08)
    iris: tuple[float, float, float] = (0.3, 0.2, 0.12)
    background: tuple[float, float, float] = (0.55, 0.55, 0.55)
    light: tuple[float, float, float] = (0.2, -0.35, -1.0)  # towards the light: right, up, camera
    ambient: float = 0.35
    face_fraction: float = 0.62  # width of the face oval over the image width
    shift: tuple[float, float] = (0.0, 0.0)  # of the face centre, in image fractions
    noise: float = 0.02
    blur: float = 0.0  # Gaussian sigma in output pixels
    occlusion: tuple[float, float, float, float] | None = None  # x, y, w, h as image fractions
    occluder: tuple[float, float, float] = (0.3, 0.3, 0.35)
    hairline: float = 0.25  # how far the hair comes down the forehead (0 none, 1 to the brows)


_SKIN_TONES = np.array([  # albedo of light to dark skin, roughly the Fitzpatrick range
    [0.93, 0.78, 0.69], [0.85, 0.66, 0.55], [0.76, 0.57, 0.45], [0.62, 0.44, 0.33], [0.45, 0.31, 0.23], [0.3, 0.2, 0.15],
])
_HAIR = np.array([[0.08, 0.06, 0.05], [0.2, 0.13, 0.08], [0.4, 0.27, 0.15], [0.65, 0.5, 0.3], [0.5, 0.5, 0.5]])
_IRIS = np.array([[0.25, 0.15, 0.08], [0.15, 0.1, 0.06], [0.3, 0.4, 0.5], [0.3, 0.45, 0.3]])


def random_appearance(rng: np.random.Generator, occlusion_rate: float = 0.1, framing: str = "tight") -> Appearance:
    """Random skin tone, hair, lighting, background, framing, noise, blur and occlusion.

    ``framing="tight"`` fills the image with the face like FER2013's crops;
    ``"portrait"`` leaves room around the head, like a webcam or photo.
    """
    t = rng.uniform(0, len(_SKIN_TONES) - 1)
    i = int(t)
    skin = _SKIN_TONES[i] + (t - i) * (_SKIN_TONES[min(i + 1, len(_SKIN_TONES) - 1)] - _SKIN_TONES[i])
    lips = np.clip(skin * np.array([0.85, 0.6, 0.62]) + rng.normal(0, 0.03, 3), 0, 1)
    hair = np.clip(_HAIR[rng.integers(len(_HAIR))] + rng.normal(0, 0.03, 3), 0, 1)
    background = np.clip(rng.uniform(0.1, 0.9) + rng.normal(0, 0.08, 3), 0, 1)
    light = np.array([rng.normal(0, 0.5), rng.normal(-0.4, 0.3), -1.0])
    occlusion = None
    if rng.random() < occlusion_rate:
        w, h = rng.uniform(0.15, 0.35), rng.uniform(0.1, 0.3)
        occlusion = (float(rng.uniform(0.1, 0.9 - w)), float(rng.uniform(0.45, 0.95 - h)), float(w), float(h))
    if framing == "tight":
        fraction, shift = rng.uniform(0.78, 0.9), rng.normal(0, 0.02, 2)
    elif framing == "portrait":
        fraction, shift = rng.uniform(0.38, 0.5), rng.normal(0, 0.04, 2)
    else:
        raise InvalidInputError(f"framing must be 'tight' or 'portrait', got {framing!r}.")
    return Appearance(
        skin=tuple(map(float, skin)),
        lips=tuple(map(float, lips)),
        hair=tuple(map(float, hair)),
        iris=tuple(map(float, _IRIS[rng.integers(len(_IRIS))])),
        background=tuple(map(float, background)),
        light=tuple(map(float, light)),
        ambient=float(rng.uniform(0.15, 0.35)),
        face_fraction=float(fraction),
        shift=(float(shift[0]), float(shift[1])),
        noise=float(rng.uniform(0.005, 0.04)),
        blur=float(rng.choice([0.0, 0.0, rng.uniform(0.3, 0.9)])),
        occlusion=occlusion,
        occluder=tuple(map(float, rng.uniform(0.1, 0.9, 3))),
        hairline=float(rng.uniform(0.0, 0.45)),
    )


def _rasterize(xy: np.ndarray, z: np.ndarray, tri: np.ndarray, colours: np.ndarray, canvas: np.ndarray) -> np.ndarray:
    """Draw triangles with per-vertex colours into ``canvas`` (H, W, C); the nearest surface wins.

    Vectorised over all triangles at once.  Each triangle's two barycentric
    coordinates are affine functions of the pixel position, so per triangle we
    store their plane coefficients, list the pixels of its bounding box, keep the
    pixel centres inside, interpolate depth and colour, and per pixel keep the
    nearest.  Returns the mask of covered pixels.
    """
    height, width = canvas.shape[:2]
    a, b, c = xy[tri[:, 0]], xy[tri[:, 1]], xy[tri[:, 2]]
    area = (b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (b[:, 1] - a[:, 1]) * (c[:, 0] - a[:, 0])
    valid = np.abs(area) > 1e-9
    inv = np.where(valid, 1.0 / np.where(valid, area, 1.0), 0.0)
    # w0 = ((b - p) x (c - p)) / area and w1 = ((c - p) x (a - p)) / area, as planes in (x, y)
    planes = np.stack([
        (b[:, 1] - c[:, 1]) * inv, (c[:, 0] - b[:, 0]) * inv, (b[:, 0] * c[:, 1] - b[:, 1] * c[:, 0]) * inv,
        (c[:, 1] - a[:, 1]) * inv, (a[:, 0] - c[:, 0]) * inv, (c[:, 0] * a[:, 1] - c[:, 1] * a[:, 0]) * inv,
    ], axis=1)
    lo = np.clip(np.floor(np.minimum(np.minimum(a, b), c) - 0.5).astype(np.int64), 0, [width, height])
    hi = np.clip(np.ceil(np.maximum(np.maximum(a, b), c) - 0.5).astype(np.int64), -1, [width - 1, height - 1])
    w = np.maximum(hi[:, 0] - lo[:, 0] + 1, 0)
    counts = np.where(valid, w * np.maximum(hi[:, 1] - lo[:, 1] + 1, 0), 0)
    total = int(counts.sum())
    covered = np.zeros(height * width, dtype=bool)
    if total == 0:
        return covered.reshape(height, width)
    t = np.repeat(np.arange(len(tri), dtype=np.int32), counts)
    offset = np.arange(total, dtype=np.int32) - np.repeat((np.cumsum(counts) - counts).astype(np.int32), counts)
    box = np.repeat(np.stack([lo[:, 0], lo[:, 1], w], axis=1).astype(np.int32), counts, axis=0)
    row = offset // box[:, 2]
    px = box[:, 0] + (offset - row * box[:, 2])
    py = box[:, 1] + row
    cx, cy = px.astype(np.float32) + 0.5, py.astype(np.float32) + 0.5
    k = np.repeat(planes.astype(np.float32), counts, axis=0)
    w0 = k[:, 0] * cx + k[:, 1] * cy + k[:, 2]
    w1 = k[:, 3] * cx + k[:, 4] * cy + k[:, 5]
    inside = (w0 >= 0) & (w1 >= 0) & (w0 + w1 <= 1)
    t, w0, w1 = t[inside], w0[inside], w1[inside]
    pix = py[inside] * width + px[inside]
    vz = z[tri]
    depth = vz[t, 2] + w0 * (vz[t, 0] - vz[t, 2]) + w1 * (vz[t, 1] - vz[t, 2])
    span = float(depth.max() - depth.min()) + 1.0
    order = np.argsort(pix + (depth - depth.min()) / span)  # by pixel, nearest first
    pix, t, w0, w1 = pix[order], t[order], w0[order], w1[order]
    first = np.ones(len(pix), dtype=bool)
    first[1:] = pix[1:] != pix[:-1]
    t, w0, w1, pix = t[first], w0[first, None], w1[first, None], pix[first]
    vc = colours[tri[t]]
    flat = canvas.reshape(-1, canvas.shape[2])
    flat[pix] = vc[:, 2] + w0 * (vc[:, 0] - vc[:, 2]) + w1 * (vc[:, 1] - vc[:, 2])
    covered[pix] = True
    return covered.reshape(height, width)


def _vertex_normals(points: np.ndarray, tri: np.ndarray) -> np.ndarray:
    a, b, c = points[tri[:, 0]], points[tri[:, 1]], points[tri[:, 2]]
    face_normals = np.cross(b - a, c - a)
    normals = np.stack(
        [np.bincount(tri.ravel(), weights=np.repeat(face_normals[:, k], 3), minlength=len(points)) for k in range(3)],
        axis=1,
    )
    normals /= np.maximum(np.linalg.norm(normals, axis=1, keepdims=True), 1e-9)
    if normals[1, 2] > 0:  # the nose tip must face the camera (negative z)
        normals = -normals
    return normals


@functools.lru_cache(maxsize=1)
def _albedo_weights() -> dict[str, np.ndarray]:
    """Per-vertex weights (478,) of the features that are not plain skin."""
    base = canonical_mesh()
    brow = np.zeros(N_LANDMARKS)
    brow[list(RIGHT_BROW + LEFT_BROW)] = 1.0
    lips = np.zeros(N_LANDMARKS)
    lips[list(OUTER_LIPS + INNER_LIPS)] = 1.0
    lips[list(MOUTH_CORNERS)] = 0.6
    liner = np.zeros(N_LANDMARKS)
    liner[list(RIGHT_EYE_UPPER + LEFT_EYE_UPPER + (33, 263, 133, 362))] = 1.0
    liner[list(RIGHT_EYE_LOWER + LEFT_EYE_LOWER)] = 0.45
    nostrils = np.zeros(N_LANDMARKS)
    nostrils[[79, 309, 60, 290, 20, 250, 240, 460, 75, 305]] = 1.0
    cheeks = _region_weight(base, CHEEKS, 1.2) * 0.5
    # the eye sockets sit deeper than the lids and the cheeks and catch less light
    socket = np.maximum(_region_weight(base, RIGHT_EYE_RING, 0.55), _region_weight(base, LEFT_EYE_RING, 0.55))
    socket[list(RIGHT_EYE_RING + LEFT_EYE_RING)] = 1.0
    return {"brow": brow, "lips": lips, "liner": liner, "nostrils": nostrils, "cheeks": cheeks, "socket": socket}


def _segment_distance(points: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    ab = b - a
    t = np.clip(((points - a) @ ab) / (ab @ ab), 0.0, 1.0)
    return np.linalg.norm(points - (a + t[:, None] * ab), axis=1)


@functools.lru_cache(maxsize=1)
def _fold_weights() -> dict[str, np.ndarray]:
    """Per-vertex weights of the skin folds that expressions deepen (on the neutral face).

    ``glabella``: the vertical lines between the brows (AU4, AU9); ``nasolabial``:
    the folds from the nose wings to beyond the mouth corners (AU6, AU9, AU10, AU12);
    ``chin``: the bunched chin of AU17; ``crows_feet``: beside the outer eye corners
    (AU6); ``corner_shadow``: below lip corners pulled down (AU15).
    """
    base = neutral_mesh()[:, :2]
    glabella_y = base[9, 1]
    glabella = np.exp(-(((np.abs(base[:, 0]) - 0.35) / 0.18) ** 2) - ((base[:, 1] - glabella_y - 0.3) / 0.7) ** 2)
    nasolabial = np.zeros(len(base))
    for wing, corner, side in ((129, 61, -1.0), (358, 291, 1.0)):
        end = base[corner] + np.array([side * 0.45, 0.35])
        nasolabial = np.maximum(nasolabial, np.exp(-(_segment_distance(base, base[wing], end) / 0.22) ** 2))
    chin = np.exp(-(np.linalg.norm(base - base[[152, 17]].mean(axis=0), axis=1) / 0.7) ** 2)
    crows_feet = np.zeros(len(base))
    corner_shadow = np.zeros(len(base))
    for outer_eye, corner, side in ((33, 61, -1.0), (263, 291, 1.0)):
        spot = base[outer_eye] + np.array([side * 0.7, 0.1])
        crows_feet = np.maximum(crows_feet, np.exp(-(np.linalg.norm(base - spot, axis=1) / 0.45) ** 2))
        below = base[corner] + np.array([side * 0.15, 0.55])
        corner_shadow = np.maximum(corner_shadow, np.exp(-(np.linalg.norm(base - below, axis=1) / 0.4) ** 2))
    return {"glabella": glabella, "nasolabial": nasolabial, "chin": chin, "crows_feet": crows_feet,
            "corner_shadow": corner_shadow}


#: How much each AU deepens each fold (darkening at full intensity).
_FOLDS = {"glabella": {4: 0.55, 9: 0.3}, "nasolabial": {12: 0.4, 10: 0.3, 9: 0.3, 6: 0.15}, "chin": {17: 0.25},
          "crows_feet": {6: 0.3}, "corner_shadow": {15: 0.35}}


def _fold_darkening(aus: dict | None) -> np.ndarray:
    darkening = np.zeros(N_LANDMARKS)
    if not aus:
        return darkening
    weights = _fold_weights()
    for fold, per_au in _FOLDS.items():
        strength = sum(float(aus.get(au, 0.0)) * k for au, k in per_au.items())
        strength += 0.5 * sum(float(aus.get(f"{side}{au}", 0.0)) * k for au, k in per_au.items() for side in "RL")
        darkening += weights[fold] * min(strength, 0.6)
    return np.clip(darkening, 0.0, 0.6)


def _project(points: np.ndarray, size: int, look: Appearance) -> np.ndarray:
    """Scale 3-D points (cm) to pixels so the face oval spans ``face_fraction`` of the width."""
    oval = points[list(FACE_OVAL)]
    span = max(np.ptp(oval[:, 0]), 0.8 * np.ptp(oval[:, 1]))
    scale = look.face_fraction * size / span
    centre = np.array([(oval[:, 0].max() + oval[:, 0].min()) / 2, (oval[:, 1].max() + oval[:, 1].min()) / 2 + 0.6])
    out = points.copy()
    out[:, :2] = (points[:, :2] - centre) * scale + size / 2 + np.array(look.shift) * size
    out[:, 2] = (points[:, 2] - points[:, 2].mean()) * scale
    return out


def render(
    mesh: np.ndarray,
    size: int = 192,
    look: Appearance | None = None,
    color: bool = True,
    rng: np.random.Generator | None = None,
    supersample: float | None = None,
    aus: dict | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Draw a face mesh from :func:`face_mesh`; return ``(image, landmarks)``.

    ``aus``, the intensities the mesh was made with, deepens the skin folds that
    those action units create (between the brows, beside the nose and mouth, on
    the chin); the geometry alone cannot show a fold.

    ``image`` is ``(size, size, 3)`` RGB or ``(size, size)`` grey ``uint8``;
    ``landmarks`` are the 478 points in that image's pixels (x, y, z), the exact
    ground truth for a landmarker.
    """
    import cv2

    if not isinstance(size, (int, np.integer)) or size < 16:
        raise InvalidInputError(f"size must be an integer of at least 16 pixels, got {size!r}.")
    mesh = np.asarray(mesh, dtype=np.float64)
    if mesh.shape != (N_LANDMARKS, 3):
        raise InvalidInputError(f"mesh must have shape ({N_LANDMARKS}, 3), got {mesh.shape}.")
    look = look or Appearance()
    rng = rng or np.random.default_rng(0)
    ss = supersample or (1.5 if size <= 64 else 2.0)
    big = int(round(size * ss))
    ss = big / size
    p = _project(mesh, big, look)
    shift = 8  # cv2 fill functions take fixed-point coordinates with this many fraction bits

    def fix(xy):  # continuous coordinates (pixel centres at +0.5) to cv2's fixed point
        return np.round((np.asarray(xy) - 0.5) * (1 << shift)).astype(np.int32)

    def fix_len(length):
        return np.round(np.asarray(length) * (1 << shift)).astype(np.int32)

    canvas = np.empty((big, big, 3), dtype=np.float32)
    gradient = np.linspace(-0.08, 0.08, big)[:, None, None]
    canvas[:] = np.clip(np.array(look.background) + gradient, 0, 1)

    skin = np.array(look.skin)
    hair = np.array(look.hair)
    light = np.array(look.light, dtype=np.float64)
    light /= np.linalg.norm(light)

    # head, hair and neck behind the face
    oval = p[list(FACE_OVAL), :2]
    centre = oval.mean(axis=0)
    half = np.ptp(oval, axis=0) / 2
    neck_w = half[0] * 0.5
    chin_y = p[152, 1]
    shoulders_y = chin_y + half[1] * 0.55
    body = np.array([[centre[0] - neck_w, chin_y - half[1] * 0.5], [centre[0] + neck_w, chin_y - half[1] * 0.5],
                     [centre[0] + neck_w * 1.1, shoulders_y], [centre[0] + half[0] * 2.6, shoulders_y + half[1] * 0.45],
                     [centre[0] + half[0] * 2.8, big + 10], [centre[0] - half[0] * 2.8, big + 10],
                     [centre[0] - half[0] * 2.6, shoulders_y + half[1] * 0.45], [centre[0] - neck_w * 1.1, shoulders_y]])
    cv2.fillPoly(canvas, [fix(body[:4].tolist() + body[-1:].tolist())], tuple(map(float, skin * 0.55)), cv2.LINE_AA, shift)
    cv2.fillPoly(canvas, [fix(body[2:])], tuple(map(float, look.occluder)), cv2.LINE_AA, shift)
    for k in (234, 454):
        ear_c = p[k, :2] + np.array([np.sign(p[k, 0] - centre[0]) * half[0] * 0.06, half[1] * 0.05])
        cv2.ellipse(canvas, tuple(fix(ear_c)), tuple(fix_len((half[0] * 0.13, half[1] * 0.22))), 0.0, 0.0, 360.0,
                    tuple(map(float, skin * 0.7)), -1, cv2.LINE_AA, shift)
    head_c = centre + np.array([0.0, -half[1] * 0.12])
    cv2.ellipse(canvas, tuple(fix(head_c)), tuple(fix_len((half[0] * 1.09, half[1] * 1.1))), 0.0, 0.0, 360.0,
                tuple(map(float, hair)), -1, cv2.LINE_AA, shift)

    # eyes and mouth interior, seen through the mesh's holes: whatever is painted
    # outside the openings is covered by the lids and lips drawn afterwards
    sclera = tuple(map(float, np.array((0.67, 0.66, 0.62)) * (0.6 + 0.4 * look.ambient / 0.35)))
    for ring, iris_idx in ((RIGHT_EYE_RING, RIGHT_IRIS[0]), (LEFT_EYE_RING, LEFT_IRIS[0])):
        cv2.fillPoly(canvas, [fix(p[list(ring), :2])], sclera, cv2.LINE_AA, shift)
        radius = np.linalg.norm(p[iris_idx + 1, :2] - p[iris_idx + 3, :2]) / 2 * 1.25
        centre_fix = tuple(int(v) for v in fix(p[iris_idx, :2]))
        cv2.circle(canvas, centre_fix, int(fix_len(radius)), tuple(map(float, look.iris)), -1, cv2.LINE_AA, shift)
        cv2.circle(canvas, centre_fix, int(fix_len(radius * 0.45)), (0.03, 0.03, 0.03), -1, cv2.LINE_AA, shift)
    cv2.fillPoly(canvas, [fix(p[list(INNER_LIPS), :2])], (0.22, 0.07, 0.07), cv2.LINE_AA, shift)
    tooth_h = np.linalg.norm(p[78, :2] - p[308, :2]) * 0.13
    upper_inner = p[[78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308], :2]
    lower_inner = p[[78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308], :2]
    cv2.fillPoly(canvas, [fix(np.vstack([upper_inner, upper_inner[::-1] + [0, tooth_h]]))], (0.92, 0.9, 0.84), cv2.LINE_AA, shift)
    cv2.fillPoly(canvas, [fix(np.vstack([lower_inner, lower_inner[::-1] - [0, tooth_h * 0.7]]))], (0.85, 0.83, 0.78), cv2.LINE_AA, shift)

    # the face surface: per-vertex albedo and Lambert shading, interpolated per pixel
    tri = _triangles()
    normals = _vertex_normals(p, tri)
    weights = _albedo_weights()
    albedo = np.repeat(skin[None, :], N_LANDMARKS, axis=0)
    albedo = albedo * (1 - 0.12 * weights["cheeks"][:, None]) + 0.12 * weights["cheeks"][:, None] * np.array([0.85, 0.45, 0.45])
    albedo += weights["lips"][:, None] * (np.array(look.lips) - albedo)
    dark = np.minimum(hair, skin * 0.45)
    albedo += 0.85 * weights["brow"][:, None] * (dark - albedo)
    albedo += 0.7 * weights["liner"][:, None] * (dark * 0.6 - albedo)
    albedo += 0.5 * weights["nostrils"][:, None] * (skin * 0.35 - albedo)
    forehead = (p[:, 1] - p[10, 1]) / max(p[168, 1] - p[10, 1], 1e-6)
    hair_band = np.clip((look.hairline - forehead) / 0.12, 0.0, 1.0)[:, None]
    albedo *= 1.0 - 0.35 * weights["socket"][:, None]
    albedo *= 1.0 - _fold_darkening(aus)[:, None]
    albedo += hair_band * (hair - albedo)
    diffuse = np.clip(normals @ light, 0.0, 1.0)  # both point towards the camera side
    shade = look.ambient + (1 - look.ambient) * diffuse
    half_vec = light + np.array([0.0, 0.0, -1.0])
    half_vec /= np.linalg.norm(half_vec)
    spec = np.clip(normals @ half_vec, 0, 1) ** 24 * 0.12
    colours = np.clip(albedo * shade[:, None] + spec[:, None], 0, 1)
    _rasterize(p[:, :2], p[:, 2], tri, colours, canvas)

    if look.occlusion is not None:
        x, y, w, h = (np.array(look.occlusion) * big).astype(int)
        cv2.rectangle(canvas, (x, y), (x + w, y + h), tuple(map(float, look.occluder)), -1)

    image = cv2.resize(canvas.astype(np.float32), (size, size), interpolation=cv2.INTER_AREA)
    if look.blur > 0:
        image = cv2.GaussianBlur(image, (0, 0), look.blur)
    image = image + rng.normal(0.0, look.noise, image.shape).astype(np.float32)
    image = np.clip(image * 255.0 + 0.5, 0, 255).astype(np.uint8)
    landmarks = p / ss
    if not color:
        image = grey(image)
    return image, landmarks.astype(np.float32)


# ------------------------------------------------------------------- datasets

#: AU columns of the generated tables, in this order.
AU_COLUMNS = tuple(f"AU{n:02d}" for n in AU_NUMBERS)


def expression_aus(emotion: str, rng: np.random.Generator, intensity: float = 1.0) -> tuple[dict, str]:
    """AU intensities for one sample of an expression, and the variant's name.

    Picks one of the expression's AU patterns (its prototype from
    :data:`fercourse.emotions.PROTOTYPES` or an alternative from
    :data:`fercourse.emotions.VARIANTS`), scales it by ``intensity`` and jitters each AU
    by up to 15 %.  One-sided AUs come back as ``"R12"``-style codes.
    """
    from fercourse import emotions

    if emotion not in emotions.PROTOTYPES:
        raise InvalidInputError(
            f"No expression {emotion!r}; the generator draws {', '.join(emotions.PROTOTYPES)}."
        )
    patterns = [("prototype", emotions.PROTOTYPES[emotion])]
    patterns += list(emotions.VARIANTS.get(emotion, {}).items())
    name, pattern = patterns[int(rng.integers(len(patterns)))]
    sides = emotions.UNILATERAL.get(emotion, {})
    out = {}
    for au, value in pattern.items():
        code = f"{'R' if sides[au] == 'right' else 'L'}{au}" if au in sides else au
        out[code] = float(np.clip(value * intensity * rng.uniform(0.85, 1.15), 0.0, 1.0))
    return out, name


def _au_row(aus: dict) -> list[float]:
    """Intensities in :data:`AU_COLUMNS` order (a one-sided AU counts at half strength)."""
    row = []
    for n in AU_NUMBERS:
        value = float(aus.get(n, 0.0)) + 0.5 * float(aus.get(f"R{n}", 0.0)) + 0.5 * float(aus.get(f"L{n}", 0.0))
        row.append(min(value, 1.0))
    return row


def _subjects(n_subjects: int, rng: np.random.Generator) -> list[tuple[Identity, Appearance]]:
    """Fixed face shape and colouring per subject (lighting and framing vary per image)."""
    return [
        (random_identity(rng, subject=f"S{k + 1:03d}"), random_appearance(rng))
        for k in range(n_subjects)
    ]


def _plan(n: int, labels: tuple[str, ...], n_subjects: int, seed: int):
    """Check ``n`` and ``labels``; draw the people, a balanced shuffled label per sample and its owner."""
    from fercourse.emotions import PROTOTYPES

    unknown = [label for label in labels if label not in PROTOTYPES]
    if unknown:
        raise InvalidInputError(f"No expression {unknown}; the generator draws {', '.join(PROTOTYPES)}.")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise InvalidInputError(f"n must be a positive number of samples, got {n!r}.")
    rng = np.random.default_rng(seed)
    people = _subjects(n_subjects, rng)
    emotion_of = np.array([labels[i % len(labels)] for i in range(n)])
    rng.shuffle(emotion_of)
    return people, emotion_of, rng.integers(n_subjects, size=n)


def _split_column(subjects: list[str], seed: int, split: tuple[float, float] | None) -> list[str]:
    import pandas as pd

    from fercourse.dataset import subject_split

    if split is None:
        return ["unassigned"] * len(subjects)
    val, test = split
    return subject_split(pd.DataFrame({"subject": subjects}), val=val, test=test, seed=seed).tolist()


def _face_chunk(job: dict) -> tuple[np.ndarray, np.ndarray, list]:
    """Render one chunk of :func:`faces` (a top-level function so worker processes can run it)."""
    global _TRIANGLES
    if _TRIANGLES is None and job.get("triangles") is not None:
        _TRIANGLES = job["triangles"]  # spares a worker process the MediaPipe import
    rng = np.random.default_rng(job["seed"])
    lo, hi = job["intensity"]
    images, landmarks, rows = [], [], []
    for emotion, (who, colouring) in zip(job["emotions"], job["people"]):
        look = random_appearance(rng, occlusion_rate=job["occlusion_rate"], framing=job["framing"])
        look = Appearance(**{**look.__dict__, "skin": colouring.skin, "lips": colouring.lips,
                             "hair": colouring.hair, "iris": colouring.iris, "hairline": colouring.hairline})
        aus, variant = expression_aus(emotion, rng, rng.uniform(lo, hi))
        pose = rng.uniform(-1.0, 1.0, 3) * np.array(job["max_pose"])
        if emotion == "sad" and rng.random() < 0.5:
            pose[1] = abs(pose[1]) + 6.0  # sad faces are often lowered
        image, points = render(face_mesh(who, aus, pose), size=job["size"], look=look, color=job["color"],
                               rng=rng, aus=aus)
        images.append(image)
        landmarks.append(points)
        rows.append([emotion, who.subject, variant, *np.round(pose, 2), *_au_row(aus)])
    return np.stack(images), np.stack(landmarks).astype(np.float32), rows


_CHUNK = 250  # faces per chunk; fixed, so the output does not depend on the number of workers


def _run(function, jobs: list[dict], workers: int, desc: str, progress: bool) -> list:
    """``[function(job) for job in jobs]``, in ``workers`` processes when more than one.

    Worker processes are started fresh ("spawn"), which is safe beside the threads
    of TensorFlow and MediaPipe in a notebook kernel.
    """
    from tqdm.auto import tqdm

    if workers > 1 and len(jobs) > 1:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=int(workers), mp_context=multiprocessing.get_context("spawn")) as pool:
            return list(tqdm(pool.map(function, jobs), total=len(jobs), desc=desc, disable=not progress))
    return [function(job) for job in tqdm(jobs, desc=desc, disable=not progress)]


def faces(
    n: int = 700,
    size: int = 48,
    color: bool = False,
    seed: int = 0,
    labels: tuple[str, ...] | None = None,
    n_subjects: int | None = None,
    intensity: tuple[float, float] = (0.7, 1.0),
    max_pose: tuple[float, float, float] = (20.0, 12.0, 10.0),
    occlusion_rate: float = 0.08,
    framing: str = "tight",
    split: tuple[float, float] | None = (0.15, 0.15),
    workers: int = 1,
    progress: bool = False,
):
    """A labelled set of still faces at their expression's apex, as a :class:`fercourse.data.Dataset`.

    Classes are balanced (``n`` is spread evenly over ``labels``, FER2013's seven by
    default).  Each of ``n_subjects`` synthetic people (default: one per 25 images, at
    least 10) has a fixed face shape and colouring; pose, lighting, background, noise,
    blur and occlusion vary per image.  ``split`` gives the validation and test
    fractions of *subjects* (``None`` leaves every row ``unassigned``).  ``workers > 1``
    renders in that many processes; the result is the same for any number of workers.

    The table has ``label``, ``subject``, ``split``, ``variant``, ``yaw``, ``pitch``,
    ``roll`` and one column per AU (``AU01`` ... ``AU45``); ``extras["landmarks"]`` holds
    the exact 478 landmarks of every image in its pixels.
    """
    import pandas as pd

    from fercourse.dataset import Dataset
    from fercourse.emotions import FER2013_LABELS

    labels = tuple(labels or FER2013_LABELS)
    lo, hi = intensity
    if not 0.0 <= lo <= hi <= 1.0:
        raise InvalidInputError(f"intensity must be (low, high) with 0 <= low <= high <= 1, got {intensity!r}.")
    if not isinstance(size, (int, np.integer)) or size < 16:
        raise InvalidInputError(f"size must be an integer of at least 16 pixels, got {size!r}.")
    if framing not in ("tight", "portrait"):
        raise InvalidInputError(f"framing must be 'tight' or 'portrait', got {framing!r}.")
    people, emotion_of, owner = _plan(n, labels, n_subjects or max(10, int(n) // 25), seed)
    seeds = np.random.SeedSequence(seed).spawn((n + _CHUNK - 1) // _CHUNK)
    jobs = [
        dict(seed=seeds[k], emotions=emotion_of[a : a + _CHUNK].tolist(),
             people=[people[i] for i in owner[a : a + _CHUNK]], size=int(size), color=color,
             intensity=(lo, hi), max_pose=tuple(max_pose), occlusion_rate=occlusion_rate, framing=framing,
             triangles=triangles() if workers > 1 else None)
        for k, a in enumerate(range(0, n, _CHUNK))
    ]
    parts = _run(_face_chunk, jobs, workers, "synthetic faces", progress)
    rows = [row for part in parts for row in part[2]]
    table = pd.DataFrame(rows, columns=["label", "subject", "variant", "yaw", "pitch", "roll", *AU_COLUMNS])
    table.insert(2, "split", _split_column(table["subject"].tolist(), seed, split))
    faces = Dataset("synthetic", "image", labels, np.concatenate([p[0] for p in parts]), table,
                    {"landmarks": np.concatenate([p[1] for p in parts])})
    faces.description = _describe(faces, "faces")
    return faces


def _describe(dataset: Dataset, what: str) -> str:
    """The sentence :func:`fercourse.data.describe` prints for generated data."""
    counts = dataset.table["split"].value_counts()
    sides = ", ".join(f"{counts[s]} {s}" for s in ("train", "val", "test") if s in counts)
    how = f", split by person ({sides})" if sides else ""
    return (f"Synthetic {what} from fercourse.synth: {len(dataset)} {what} of "
            f"{dataset.table['subject'].nunique()} people{how}.")


# ---------------------------------------------------------------------- clips

#: Durations (onset to offset, seconds) and apex intensities of the two kinds of expression.
#: Micro-expressions last 1/25 s to 1/2 s and are faint; macro-expressions last 0.5 s to 4 s.
EXPRESSION_KINDS = {
    "micro": {"duration": (1 / 25, 1 / 2), "intensity": (0.25, 0.5)},
    "macro": {"duration": (0.5, 4.0), "intensity": (0.7, 1.0)},
}


def envelope(frames: int, fps: float, onset: float, apex: float, offset: float) -> np.ndarray:
    """Expression strength per frame in [0, 1]: 0 before ``onset``, rising smoothly to 1 at
    ``apex``, falling smoothly to 0 at ``offset`` (all three in seconds)."""
    t = np.arange(frames) / fps
    rise = np.clip((t - onset) / max(apex - onset, 1e-9), 0.0, 1.0)
    fall = np.clip((offset - t) / max(offset - apex, 1e-9), 0.0, 1.0)
    ramp = np.where(t <= apex, rise, fall)
    return ramp * ramp * (3.0 - 2.0 * ramp)  # smoothstep


def blink_track(frames: int, fps: float, rate: float, rng: np.random.Generator) -> tuple[np.ndarray, list]:
    """Eye closure per frame from blinks at ``rate`` per second (a Poisson process).

    Each blink closes the lids fully and reopens them within 0.1 to 0.3 s.
    Returns the closure track and the blinks as ``(start_frame, end_frame)`` pairs.
    """
    seconds = frames / fps
    times, t = [], rng.exponential(1.0 / rate) if rate > 0 else seconds
    while t < seconds:
        times.append(t)
        t += 0.35 + rng.exponential(1.0 / rate)  # lids need a moment between blinks
    closure = np.zeros(frames)
    blinks = []
    for start in times:
        duration = rng.uniform(0.1, 0.3)
        closure = np.maximum(closure, envelope(frames, fps, start, start + duration * 0.4, start + duration))
        first, last = int(np.ceil(start * fps)), int(np.floor((start + duration) * fps))
        if last >= first and first < frames:
            blinks.append((first, min(last, frames - 1)))
    return closure, blinks


def _head_motion(frames: int, fps: float, amplitude: float, rng: np.random.Generator) -> np.ndarray:
    """Slow, smooth head movement: (frames, 3) yaw, pitch, roll in degrees."""
    t = np.arange(frames)[:, None] / fps
    freq = rng.uniform(0.1, 0.5, (2, 3))
    phase = rng.uniform(0, 2 * np.pi, (2, 3))
    base = rng.uniform(-1, 1, 3) * amplitude * 2
    return base + amplitude * (np.sin(2 * np.pi * freq[0] * t + phase[0]) + 0.5 * np.sin(2 * np.pi * freq[1] * t + phase[1]))


def _clip(job: dict) -> dict:
    """Render one clip of :func:`clips` (top-level so worker processes can run it)."""
    global _TRIANGLES
    if _TRIANGLES is None and job.get("triangles") is not None:
        _TRIANGLES = job["triangles"]
    rng = np.random.default_rng(job["seed"])
    fps, frames = job["fps"], job["frames"]
    who, colouring = job["person"]
    look = random_appearance(rng, occlusion_rate=0.0, framing=job["framing"])
    look = Appearance(**{**look.__dict__, "skin": colouring.skin, "lips": colouring.lips, "hair": colouring.hair,
                         "iris": colouring.iris, "hairline": colouring.hairline, "blur": 0.0})
    emotion, kind = job["emotion"], job["kind"]
    seconds = frames / fps
    strength = np.zeros(frames)
    onset = apex = offset = -1
    aus, variant, peak = {}, "none", 0.0
    if emotion != "neutral":
        low, high = EXPRESSION_KINDS[kind]["duration"]
        duration = min(rng.uniform(low, high), seconds - 0.4)
        start = 0.2 + rng.uniform(0.0, max(seconds - duration - 0.4, 0.0))
        top = start + duration * rng.uniform(0.3, 0.5)
        peak = rng.uniform(*EXPRESSION_KINDS[kind]["intensity"])
        aus, variant = expression_aus(emotion, rng, peak)
        strength = envelope(frames, fps, start, top, start + duration)
        onset = int(np.floor(start * fps))
        apex = int(np.argmax(strength))
        offset = min(int(np.ceil((start + duration) * fps)), frames - 1)
    closure, blinks = blink_track(frames, fps, job["blink_rate"], rng)
    poses = _head_motion(frames, fps, job["head_motion"], rng)
    video, points, au_track = [], [], []
    for f in range(frames):
        frame_aus = {code: value * strength[f] for code, value in aus.items()}
        frame_aus[45] = max(float(closure[f]), float(frame_aus.get(45, 0.0)))
        image, landmarks = render(face_mesh(who, frame_aus, poses[f]), size=job["size"], look=look,
                                  color=job["color"], rng=rng, aus=frame_aus)
        video.append(image)
        points.append(landmarks)
        au_track.append(_au_row(frame_aus))
    row = [emotion, who.subject, fps, frames, onset, apex, offset, kind if emotion != "neutral" else "none",
           round(float(peak), 3), variant, len(blinks)]
    return {"video": np.stack(video), "landmarks": np.stack(points).astype(np.float32),
            "aus": np.array(au_track, dtype=np.float32), "eye_closure": closure.astype(np.float32), "row": row}


def clips(
    n: int = 36,
    fps: float = 30.0,
    seconds: float = 2.0,
    size: int = 64,
    color: bool = False,
    seed: int = 0,
    kind: str = "micro",
    labels: tuple[str, ...] | None = None,
    n_subjects: int | None = None,
    blink_rate: float = 0.3,
    head_motion: float = 1.5,
    framing: str = "tight",
    split: tuple[float, float] | None = None,
    workers: int = 1,
    progress: bool = False,
):
    """Labelled video clips, each one expression with exact onset, apex and offset frames.

    ``kind`` is ``"micro"`` (1/25 s to 1/2 s, faint), ``"macro"`` (0.5 s to 4 s, strong) or
    ``"mixed"`` (half each).  Every clip starts and ends neutral, has blinks at
    ``blink_rate`` per second and a slow head movement of about ``head_motion`` degrees.
    ``labels`` defaults to FER2013's six expressions (``"neutral"`` gives a clip with no
    event, onset = apex = offset = -1).

    Returns a video :class:`fercourse.data.Dataset`: ``samples[i]`` is a ``(frames, size,
    size)`` (or ``(..., 3)``) ``uint8`` array; the table has ``label``, ``subject``,
    ``split``, ``fps``, ``n_frames``, ``onset``, ``apex``, ``offset`` (frame indices),
    ``kind``, ``intensity`` (apex), ``variant`` and ``blinks``; ``extras`` holds per-frame
    ``landmarks`` (n, frames, 478, 3), ``aus`` (n, frames, len(AU_COLUMNS)) and
    ``eye_closure`` (n, frames).  Micro-expression work evaluates leave-one-subject-out
    (:func:`fercourse.data.loso_folds`), so by default no fixed split is drawn
    (``split=(val, test)`` draws one by subject).
    """
    import pandas as pd

    from fercourse.dataset import Dataset
    from fercourse.emotions import FER2013_LABELS

    labels = tuple(labels or [label for label in FER2013_LABELS if label != "neutral"])
    if kind not in ("micro", "macro", "mixed"):
        raise InvalidInputError(f"kind must be 'micro', 'macro' or 'mixed', got {kind!r}.")
    if not fps > 0:
        raise InvalidInputError(f"fps must be positive, got {fps!r}.")
    frames = int(round(seconds * fps))
    shortest = 0.4 + (EXPRESSION_KINDS["macro"]["duration"][0] if kind != "micro" else 1 / 25)
    if seconds < shortest or frames < 4:
        raise InvalidInputError(
            f"seconds={seconds} at fps={fps} is too short for a {kind} expression with neutral frames "
            f"before and after; use at least {shortest:.2f} s."
        )
    people, emotion_of, owner = _plan(n, labels, n_subjects or max(6, int(n) // 6), seed)
    kinds = [kind if kind != "mixed" else ("micro", "macro")[i % 2] for i in range(n)]
    seeds = np.random.SeedSequence(seed).spawn(n)
    jobs = [
        dict(seed=seeds[i], emotion=str(emotion_of[i]), kind=kinds[i], person=people[owner[i]], fps=float(fps),
             frames=frames, size=int(size), color=color, blink_rate=blink_rate, head_motion=head_motion,
             framing=framing, triangles=triangles() if workers > 1 else None)
        for i in range(n)
    ]
    results = _run(_clip, jobs, workers, "synthetic clips", progress)
    table = pd.DataFrame([r["row"] for r in results], columns=[
        "label", "subject", "fps", "n_frames", "onset", "apex", "offset", "kind", "intensity", "variant", "blinks"])
    table.insert(2, "split", _split_column(table["subject"].tolist(), seed, split))
    extras = {key: np.stack([r[key] for r in results]) for key in ("landmarks", "aus", "eye_closure")}
    clips = Dataset("synthetic", "video", labels, [r["video"] for r in results], table, extras)
    clips.description = _describe(clips, "clips")
    return clips


def au_sliders(aus=(1, 2, 4, 5, 6, 12, 15, 20, 26), who: Identity | None = None, size: int = 200):
    """An ipywidgets panel: one slider per AU, re-rendering a synthetic face as you move them.

    Shows how each action unit moves the face, alone or combined.  Returns the
    ``ipywidgets.interactive`` object (display it as the last line of a cell).
    """
    import ipywidgets
    import matplotlib.pyplot as plt

    unknown = [au for au in aus if au not in AU_NUMBERS]
    if unknown:
        raise InvalidInputError(f"au_sliders: unknown AU(s) {unknown}; the generator models {AU_NUMBERS}.")
    look = Appearance(face_fraction=0.8)

    def show(**values):
        chosen = {int(name[2:]): value for name, value in values.items() if value > 0}
        image, _ = render(face_mesh(who, chosen), size=size, look=look, aus=chosen)
        fig, ax = plt.subplots(figsize=(3, 3))
        ax.imshow(image)
        ax.set_axis_off()
        ax.set_title(" + ".join(f"AU{au} {v:.2f}" for au, v in chosen.items()) or "neutral", fontsize=8)
        plt.show()

    sliders = {f"AU{au:02d}": ipywidgets.FloatSlider(value=0.0, min=0.0, max=1.0, step=0.05, continuous_update=False)
               for au in aus}
    return ipywidgets.interactive(show, **sliders)


# ------------------------------------------------------ data sets for single chapters
# Meshes without images (chapter 06), faces labelled by eye state (chapter 04) and one
# face at rising intensities (chapter 01).  The chapters' modules re-export them.


def synthetic_meshes(
    n: int = 1400,
    seed: int = 0,
    labels: tuple[str, ...] | None = None,
    n_subjects: int | None = None,
    intensity: tuple[float, float] = (0.3, 1.0),
    max_pose: tuple[float, float, float] = (20.0, 12.0, 10.0),
    jitter: float = 0.02,
    split: tuple[float, float] = (0.15, 0.15),
):
    """Exact 3-D face meshes of synthetic people, with each person's neutral mesh.

    No images are drawn, so thousands of meshes take a second.  Each of
    ``n_subjects`` people (default one per 25 meshes, at least 10) gets a random face
    shape (:func:`random_identity`) and one neutral mesh in a random
    head pose, the "calibration" frame a real system would record once per user.
    Every sample is one of ``labels`` (FER2013's seven, balanced) at a random
    intensity in ``intensity`` (:func:`expression_aus`) and head pose
    within ``max_pose`` degrees (yaw, pitch, roll).  Gaussian noise of ``jitter``
    times the inter-ocular distance stands in for a landmarker's error.

    Returns a :class:`fercourse.data.Dataset` whose samples are the ``(N, 478, 3)``
    meshes (in cm, x right, y down, z away from the camera), also in
    ``extras["landmarks"]``; ``extras["neutral"]`` holds the owner's neutral mesh for
    every sample.  Subjects are split into train/val/test by ``split`` (val, test).
    """
    import pandas as pd

    from fercourse.dataset import Dataset, subject_split
    from fercourse.emotions import FER2013_LABELS, PROTOTYPES

    labels = tuple(labels or FER2013_LABELS)
    unknown = [label for label in labels if label not in PROTOTYPES]
    if unknown:
        raise InvalidInputError(f"No expression {unknown}; the generator draws {', '.join(PROTOTYPES)}.")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise InvalidInputError(f"n must be a positive number of meshes, got {n!r}.")
    lo, hi = intensity
    if not 0.0 <= lo <= hi <= 1.0:
        raise InvalidInputError(f"intensity must be (low, high) with 0 <= low <= high <= 1, got {intensity!r}.")
    if jitter < 0:
        raise InvalidInputError(f"jitter must be 0 or more, got {jitter!r}.")
    rng = np.random.default_rng(seed)
    n_subjects = n_subjects or max(10, int(n) // 25)
    scale = inter_ocular_distance(neutral_mesh(), use_z=True)  # eye distance of the neutral face, cm

    def pose():
        return rng.uniform(-1.0, 1.0, 3) * np.asarray(max_pose, dtype=np.float64)

    def noisy(mesh):
        return mesh + rng.normal(0.0, jitter * scale, mesh.shape)

    people = [random_identity(rng, subject=f"S{k + 1:03d}") for k in range(n_subjects)]
    neutral = [noisy(face_mesh(who, {}, pose())) for who in people]
    emotion_of = np.array([labels[i % len(labels)] for i in range(n)])
    rng.shuffle(emotion_of)
    owner = rng.integers(n_subjects, size=n)
    meshes, rows = [], []
    for emotion, k in zip(emotion_of, owner):
        aus, variant = expression_aus(str(emotion), rng, rng.uniform(lo, hi))
        meshes.append(noisy(face_mesh(people[k], aus, pose())))
        rows.append([str(emotion), people[k].subject, variant])
    table = pd.DataFrame(rows, columns=["label", "subject", "variant"])
    val, test = split
    table.insert(2, "split", subject_split(table, val=val, test=test, seed=seed).tolist())
    points = np.stack(meshes).astype(np.float32)
    result = Dataset("synthetic meshes", "image", labels, points, table,
                     {"landmarks": points, "neutral": np.stack(neutral)[owner].astype(np.float32)})
    sides = table["split"].value_counts()
    result.description = (
        f"Synthetic meshes from fercourse.synth: {len(table)} exact 3-D meshes of {len(people)} people, each with "
        f"their neutral mesh; split by person ({', '.join(f'{sides[s]} {s}' for s in ('train', 'val', 'test') if s in sides)})."
    )
    return result


#: The four ordinal levels of eye closeness of :func:`eye_state_faces`, from shut to wide open.
EYE_LEVELS = ("closed", "narrowed", "open", "wide")
_EYE_AUS = {"closed": (43, (0.8, 1.0)), "narrowed": (7, (0.6, 1.0)), "open": (None, (0.0, 0.0)), "wide": (5, (0.6, 1.0))}


def eye_state_faces(n: int = 400, seed: int = 0, size: int = 96, n_subjects: int | None = None,
                    max_pose: tuple[float, float, float] = (12.0, 8.0, 8.0), split=(0.0, 0.3)):
    """Colour faces labelled with one of four eye-closeness levels (:data:`EYE_LEVELS`).

    ``closed`` faces have AU43 (lids shut) at 0.8-1, ``narrowed`` AU7 (lids
    tightened) at 0.6-1, ``open`` no eye action, ``wide`` AU5 (upper lids raised) at
    0.6-1; every face also gets a faint random expression elsewhere (AU1, 4, 12 or 26
    up to 0.4) and a small random pose.  Returns a :class:`fercourse.data.Dataset`
    (``label`` is the level name; table column ``level`` its number 0-3; subjects
    split into train/test by ``split``) with ``extras["landmarks"]``.
    """
    import pandas as pd

    from fercourse.dataset import Dataset, subject_split

    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < len(EYE_LEVELS):
        raise InvalidInputError(f"n must be an integer of at least {len(EYE_LEVELS)}, got {n!r}.")
    rng = np.random.default_rng(seed)
    count = n_subjects or max(8, int(n) // 20)
    people = [(random_identity(rng, subject=f"E{k + 1:03d}"), random_appearance(rng, 0.0, "tight"))
              for k in range(count)]
    levels = np.arange(n) % len(EYE_LEVELS)
    rng.shuffle(levels)
    owners = rng.integers(count, size=n)
    images, points, rows = [], [], []
    for level, owner in zip(levels, owners):
        who, colouring = people[owner]
        look = random_appearance(rng, 0.0, "tight")
        look = Appearance(**{**look.__dict__, "skin": colouring.skin, "iris": colouring.iris,
                             "hair": colouring.hair, "hairline": colouring.hairline, "blur": 0.0})
        name = EYE_LEVELS[level]
        au, (lo, hi) = _EYE_AUS[name]
        aus = {int(rng.choice([1, 4, 12, 26])): float(rng.uniform(0.0, 0.4))}
        if au is not None:
            aus[au] = float(rng.uniform(lo, hi))
        pose = rng.uniform(-1.0, 1.0, 3) * np.asarray(max_pose)
        image, landmarks = render(face_mesh(who, aus, pose), size=size, look=look, color=True, rng=rng, aus=aus)
        images.append(image)
        points.append(landmarks)
        rows.append([name, who.subject, int(level)])
    table = pd.DataFrame(rows, columns=["label", "subject", "level"])
    if split is None:
        table.insert(2, "split", "unassigned")
    else:
        table.insert(2, "split", subject_split(table, val=split[0], test=split[1], seed=seed))
    return Dataset("synthetic-eyes", "image", EYE_LEVELS, np.stack(images), table,
                   {"landmarks": np.stack(points).astype(np.float32)})


#: Intensities of :func:`expression_faces` (the columns of :func:`fercourse.viz.expression_grid`):
#: from the face at rest to the full prototype.
GRID_INTENSITIES = (0.0, 0.25, 0.5, 0.75, 1.0)


def expression_patterns(expressions=None) -> dict[str, dict]:
    """Label -> AU pattern in the generator's codes (one-sided prototype AUs as ``"R12"``).

    Parameters
    ----------
    expressions : list of str or dict, optional
        Prototype names (:data:`fercourse.emotions.PROTOTYPES`; default: all but
        neutral) or a dict label -> AU pattern, passed through.

    Returns
    -------
    dict
        Label -> ``{AU code: intensity}``.
    """
    from fercourse import emotions

    if expressions is None:
        expressions = [name for name in emotions.PROTOTYPES if name != "neutral"]
    if isinstance(expressions, dict):
        patterns = {str(label): dict(pattern) for label, pattern in expressions.items()}
    else:
        patterns = {}
        for name in expressions:
            emotions.facs_code(name)  # raises a clear error for an unknown expression
            key = str(name).strip().lower()
            sides = emotions.UNILATERAL.get(key, {})
            patterns[key] = {
                (f"{'R' if sides[au] == 'right' else 'L'}{au}" if au in sides else au): value
                for au, value in emotions.PROTOTYPES[key].items()
            }
    if not patterns:
        raise InvalidInputError("expressions is empty; name at least one, for example ['happy'].")
    return patterns


def expression_faces(expressions=None, intensities=GRID_INTENSITIES, who=None, look=None, size: int = 96,
                     seed: int = 0):
    """Render expressions at rising intensity on one synthetic face.

    ``expressions`` is a list of prototype names (:data:`fercourse.emotions.PROTOTYPES`;
    default: the seven expressions, neutral left out) or a dict label -> AU pattern
    (``{AU: intensity}``; one-sided codes such as ``"L12"`` are allowed).  Each pattern is
    multiplied by every value of ``intensities`` (each in [0, 1]); a prototype's one-sided
    AUs (:data:`fercourse.emotions.UNILATERAL`) become ``"R12"``-style codes.  All faces share
    the identity ``who`` (default :class:`fercourse.synth.Identity`), the appearance ``look``
    (default ``Appearance(face_fraction=0.8, noise=0.0)``: noise-free, so figures stay small)
    and the image noise (``seed``, for a ``look`` with noise), so only the expression differs.

    Returns ``(labels, images, landmarks)``: ``images`` is ``(expressions, intensities, size,
    size, 3)`` ``uint8``, ``landmarks`` ``(expressions, intensities, 478, 3)`` in pixels.
    """
    patterns = expression_patterns(expressions)
    levels = [float(k) for k in np.atleast_1d(np.asarray(intensities, dtype=float))]
    if not levels or not all(0.0 <= k <= 1.0 for k in levels):
        raise InvalidInputError(f"intensities must be values in [0, 1], got {intensities!r}.")
    look = look or Appearance(face_fraction=0.8, noise=0.0)
    images, points = [], []
    for pattern in patterns.values():
        row_images, row_points = [], []
        for k in levels:
            aus = {code: value * k for code, value in pattern.items()}
            image, landmarks = render(face_mesh(who, aus), size=size, look=look, aus=aus,
                                      rng=np.random.default_rng(seed))
            row_images.append(image)
            row_points.append(landmarks)
        images.append(row_images)
        points.append(row_points)
    return list(patterns), np.asarray(images, dtype=np.uint8), np.asarray(points, dtype=np.float32)
