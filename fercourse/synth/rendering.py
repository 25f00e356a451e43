"""Rendering: a face mesh drawn as an image, with its landmarks in that image's pixels.

:func:`render` is a z-buffered triangle rasteriser with per-vertex (Gouraud)
shading: skin, lips, brows, eyes, teeth and hair, the skin folds that action units
deepen, lighting, noise, blur and occlusions.  :class:`Appearance` holds how a face is
drawn, and :func:`random_appearance` draws one at random.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from fercourse.checks import grey
from fercourse.errors import InvalidInputError
from fercourse.mesh import LEFT_EYE_RING, LEFT_IRIS, N_LANDMARKS, RIGHT_EYE_RING, RIGHT_IRIS
from fercourse.synth.canonical import (
    CHEEKS,
    FACE_OVAL,
    INNER_LIPS,
    LEFT_BROW,
    LEFT_EYE_LOWER,
    LEFT_EYE_UPPER,
    MOUTH_CORNERS,
    OUTER_LIPS,
    RIGHT_BROW,
    RIGHT_EYE_LOWER,
    RIGHT_EYE_UPPER,
    worker_triangles,
    canonical_mesh,
    neutral_mesh,
)
from fercourse.synth.action_units import au_strength
from fercourse.synth.identity import region_weight

__all__ = ["Appearance", "random_appearance", "render"]


@dataclass(frozen=True)
class Appearance:
    """How a face is drawn: colours in RGB [0, 1], light, camera framing and image noise.

    Parameters
    ----------
    skin, lips, hair, iris, background : tuple of 3 floats
        Colours (RGB in [0, 1]) of those parts.
    light : tuple of 3 floats
        Direction towards the light: to the image's right, up, towards the camera.
    ambient : float
        The share of light that reaches every surface, whatever its direction.
    face_fraction : float
        Width of the face oval over the image width.
    shift : tuple of 2 floats
        Offset of the face centre, in fractions of the image size.
    noise : float
        Standard deviation of the Gaussian pixel noise (intensities in [0, 1]).
    blur : float
        Gaussian blur sigma in output pixels (0: none).
    occlusion : tuple of 4 floats, optional
        A rectangle drawn over the face: x, y, width and height as image fractions.
    occluder : tuple of 3 floats
        Colour of that rectangle and of the clothes.
    hairline : float
        How far the hair comes down the forehead (0: not at all, 1: to the brows).
    teeth : {"always", "bared"}
        ``"always"`` (the course's default, with which every stored chapter was
        recorded) paints a band of bright teeth under the upper lip and above the
        lower lip of every open mouth.  ``"bared"`` shows the upper teeth only as far
        as the upper lip is pulled off them (AU10, AU12) and the lower teeth only as
        far as the lower lip is pulled down or sideways (AU16, AU20), in the mouth's
        shade; it needs ``aus`` when rendering.  ``benchmarks/realism_ablation.py``
        measures what the choice does to a model trained on real faces.

    Examples
    --------
    >>> Appearance(face_fraction=0.8, noise=0.0).face_fraction
    0.8
    """

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
    teeth: str = "always"  # "always": a band in every open mouth; "bared": as far as the lips uncover them


_SKIN_TONES = np.array([  # albedo of light to dark skin, roughly the Fitzpatrick range
    [0.93, 0.78, 0.69], [0.85, 0.66, 0.55], [0.76, 0.57, 0.45], [0.62, 0.44, 0.33], [0.45, 0.31, 0.23], [0.3, 0.2, 0.15],
])
_HAIR = np.array([[0.08, 0.06, 0.05], [0.2, 0.13, 0.08], [0.4, 0.27, 0.15], [0.65, 0.5, 0.3], [0.5, 0.5, 0.5]])
_IRIS = np.array([[0.25, 0.15, 0.08], [0.15, 0.1, 0.06], [0.3, 0.4, 0.5], [0.3, 0.45, 0.3]])


def random_appearance(rng: np.random.Generator, occlusion_rate: float = 0.1, framing: str = "tight") -> Appearance:
    """Random skin tone, hair, lighting, background, framing, noise, blur and occlusion.

    ``framing="tight"`` fills the image with the face like FER2013's crops;
    ``"portrait"`` leaves room around the head, like a webcam or photo.

    Parameters
    ----------
    rng : numpy.random.Generator
        The source of randomness.
    occlusion_rate : float
        Probability of a rectangle over part of the face.
    framing : {"tight", "portrait"}
        How much of the image the face fills.

    Returns
    -------
    Appearance
        The drawn appearance.

    Raises
    ------
    fercourse.errors.InvalidInputError
        For an unknown ``framing``.

    Examples
    --------
    >>> look = random_appearance(np.random.default_rng(0), occlusion_rate=0.0, framing="portrait")
    >>> 0.38 <= look.face_fraction <= 0.5, look.occlusion
    (True, None)
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
    cheeks = region_weight(base, CHEEKS, 1.2) * 0.5
    # the eye sockets sit deeper than the lids and the cheeks and catch less light
    socket = np.maximum(region_weight(base, RIGHT_EYE_RING, 0.55), region_weight(base, LEFT_EYE_RING, 0.55))
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
        strength = sum(au_strength(aus, au) * k for au, k in per_au.items())
        darkening += weights[fold] * min(strength, 0.6)
    return np.clip(darkening, 0.0, 0.6)


def _teeth_exposure(teeth: str, aus: dict | None) -> tuple[float, float, float]:
    """How much of the upper and lower teeth an open mouth shows (in tooth heights), and their shade."""
    if teeth == "always":
        return 1.0, 0.7, 1.0
    if teeth != "bared":
        raise InvalidInputError(f"Appearance.teeth must be 'always' or 'bared', got {teeth!r}.")
    upper = min(1.2, au_strength(aus, 10) + 0.6 * au_strength(aus, 12))  # the upper lip lifted off the teeth
    lower = min(1.0, 0.8 * au_strength(aus, 16) + 0.4 * au_strength(aus, 20))  # the lower lip pulled down or back
    return upper, lower, 0.8  # inside the mouth, in its shadow


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
    """Draw a face mesh from :func:`fercourse.synth.face_mesh`; return ``(image, landmarks)``.

    ``aus``, the intensities the mesh was made with, deepens the skin folds that
    those action units create (between the brows, beside the nose and mouth, on
    the chin); the geometry alone cannot show a fold.

    ``image`` is ``(size, size, 3)`` RGB or ``(size, size)`` grey ``uint8``;
    ``landmarks`` are the 478 points in that image's pixels (x, y, z), the exact
    ground truth for a landmarker.

    Parameters
    ----------
    mesh : array_like
        A ``(478, 3)`` face mesh in centimetres (:func:`fercourse.synth.face_mesh`).
    size : int
        Width and height of the image in pixels, at least 16.
    look : Appearance, optional
        How to draw the face; by default ``Appearance()``.
    color : bool
        RGB if true, grey if false.
    rng : numpy.random.Generator, optional
        The source of the image noise; by default ``numpy.random.default_rng(0)``.
    supersample : float, optional
        Drawing scale before the image is shrunk to ``size``; by default 1.5 up to
        64 pixels and 2 above.
    aus : dict, optional
        The AU intensities the mesh was made with, for the skin folds.

    Returns
    -------
    image : numpy.ndarray
        ``(size, size, 3)`` or ``(size, size)`` ``uint8``.
    landmarks : numpy.ndarray
        ``(478, 3)`` ``float32`` points in the image's pixels (z in the same scale).

    Raises
    ------
    fercourse.errors.InvalidInputError
        For a mesh of another shape or a ``size`` under 16.

    Examples
    --------
    >>> from fercourse.synth import face_mesh
    >>> image, landmarks = render(face_mesh(aus={12: 1.0}), size=64, color=False)
    >>> image.shape, image.dtype.name, landmarks.shape
    ((64, 64), 'uint8', (478, 3))
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
    upper_show, lower_show, tooth_shade = _teeth_exposure(look.teeth, aus)
    if upper_show > 0:
        cv2.fillPoly(canvas, [fix(np.vstack([upper_inner, upper_inner[::-1] + [0, tooth_h * upper_show]]))],
                     tuple(tooth_shade * np.array((0.92, 0.9, 0.84))), cv2.LINE_AA, shift)
    if lower_show > 0:
        cv2.fillPoly(canvas, [fix(np.vstack([lower_inner, lower_inner[::-1] - [0, tooth_h * lower_show]]))],
                     tuple(tooth_shade * np.array((0.85, 0.83, 0.78))), cv2.LINE_AA, shift)

    # the face surface: per-vertex albedo and Lambert shading, interpolated per pixel
    tri = worker_triangles()
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
