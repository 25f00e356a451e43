"""Action units: each FACS action unit as a smooth displacement field on the mesh.

AU12 pulls the lip corners up and out, AU26 rotates the jaw open, AU43 closes the
lids, and so on for the :data:`AU_NUMBERS`.  :func:`face_mesh` adds the fields at the
requested intensities to the neutral face, reshapes it to a person
(:class:`fercourse.synth.Identity`) and turns it to a head pose.
"""

from __future__ import annotations

import functools

import numpy as np

from fercourse.errors import InvalidInputError
from fercourse.mesh import LEFT_EYE_RING, RIGHT_EYE_RING
from fercourse.synth.canonical import (
    LEFT_BROW_INNER,
    LEFT_BROW_OUTER,
    LEFT_EYE_LOWER,
    LEFT_EYE_UPPER,
    LOWER_LIP,
    MOUTH_CORNERS,
    RIGHT_BROW_INNER,
    RIGHT_BROW_OUTER,
    RIGHT_EYE_LOWER,
    RIGHT_EYE_UPPER,
    UPPER_LIP,
    neutral_mesh,
)
from fercourse.synth.identity import Identity, apply_identity

__all__ = ["AU_NUMBERS", "EXPRESSIVENESS", "face_mesh"]


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


#: The action units the generator models, by FACS number.
AU_NUMBERS = (1, 2, 4, 5, 6, 7, 9, 10, 12, 14, 15, 16, 17, 20, 23, 24, 25, 26, 27, 43, 45)


def au_strength(aus: dict | None, number: int) -> float:
    """The intensity of AU ``number`` in ``aus``; a one-sided ``"R12"``/``"L12"`` code counts at half strength.

    Examples
    --------
    >>> au_strength({12: 0.4, "R14": 0.6}, 12), au_strength({12: 0.4, "R14": 0.6}, 14)
    (0.4, 0.3)
    """
    aus = aus or {}
    return float(aus.get(number, 0.0)) + 0.5 * (float(aus.get(f"R{number}", 0.0)) + float(aus.get(f"L{number}", 0.0)))


def random_pose(rng: np.random.Generator, max_pose) -> np.ndarray:
    """A head pose (yaw, pitch, roll) in degrees, each drawn uniformly within ``±max_pose``.

    Parameters
    ----------
    rng : numpy.random.Generator
        The source of the draw (three uniform numbers).
    max_pose : sequence of 3 floats
        Largest yaw, pitch and roll in degrees.

    Returns
    -------
    numpy.ndarray
        ``(3,)`` float64, in :func:`face_mesh`'s conventions.
    """
    draw = rng.uniform(-1.0, 1.0, 3) * np.asarray(max_pose, dtype=np.float64)
    return draw * (1.0, -1.0, -1.0)  # pitch and roll once counted the other way: the same seed, the same faces


def face_mesh(who: Identity | None = None, aus: dict | None = None, pose=(0.0, 0.0, 0.0)) -> np.ndarray:
    """The 3-D mesh (478, 3), in cm around the head's centre, of a face with these AUs and pose.

    ``aus`` maps AU numbers (or ``"R12"``/``"L12"`` style one-sided codes) to intensities
    in [0, 1]; ``pose`` is (yaw, pitch, roll) in degrees, in the conventions of the
    landmarker's :class:`fercourse.face.HeadPose`, so a measured pose can be compared
    with the drawn one directly: yaw > 0 turns the face to the image's right, pitch > 0
    makes it look up, roll > 0 tilts it counter-clockwise as seen in the image.

    Parameters
    ----------
    who : Identity, optional
        The face shape; by default the canonical face (``Identity()``).
    aus : dict, optional
        AU code -> intensity in [0, 1]; codes are the :data:`AU_NUMBERS` and the
        one-sided ``"R12"``, ``"L12"``, ``"R14"`` and ``"L14"``.  Empty: a neutral face.
    pose : sequence of 3 floats
        Yaw, pitch and roll in degrees.

    Returns
    -------
    numpy.ndarray
        The ``(478, 3)`` float64 mesh in centimetres, in MediaPipe's point order
        (x to the image's right, y down, z away from the camera).

    Raises
    ------
    fercourse.errors.InvalidInputError
        For an unknown AU code or an intensity outside [0, 1].

    Examples
    --------
    >>> smile = face_mesh(aus={12: 1.0})
    >>> smile.shape, bool(smile[61, 1] < face_mesh()[61, 1])  # the lip corner moved up
    ((478, 3), True)
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
    points = apply_identity(points, who or Identity())
    centre = np.array([0.0, 0.0, points[:, 2].max() + 2.0])  # rotate about a point inside the head
    yaw, pitch, roll = np.deg2rad(np.asarray(pose, dtype=np.float64))
    pitch, roll = -pitch, -roll  # y points down in these coordinates: looking up and counter-clockwise are negative
    ry = np.array([[np.cos(yaw), 0, -np.sin(yaw)], [0, 1, 0], [np.sin(yaw), 0, np.cos(yaw)]])
    rx = np.array([[1, 0, 0], [0, np.cos(pitch), -np.sin(pitch)], [0, np.sin(pitch), np.cos(pitch)]])
    rz = np.array([[np.cos(roll), -np.sin(roll), 0], [np.sin(roll), np.cos(roll), 0], [0, 0, 1]])
    return (points - centre) @ (rz @ rx @ ry).T + centre
