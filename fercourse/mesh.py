"""The 478-point face mesh: its numbering, index sets, geometry, mirroring and the eye distance.

MediaPipe's Face Landmarker gives 478 points per face: 468 on the face surface,
joined by a fixed triangulation (the *tessellation*), and 10 on the irises
(468-472 the subject's right iris, 473-477 the left, each centre first).  Every
chapter indexes the same points, so the conventions are kept here, once:

* sizes: :data:`N_LANDMARKS` (478) and :data:`N_MESH_POINTS` (468, without irises);
* index sets: :data:`RIGHT_EYE_RING` / :data:`LEFT_EYE_RING` (the eye contours, in
  order around the opening), :data:`RIGHT_IRIS` / :data:`LEFT_IRIS` and
  :data:`IRIS_CENTERS`, ``REGIONS`` (eyes, brows, nose, mouth, face oval, irises,
  from MediaPipe's connection lists), :data:`LANDMARKS_68` (the iBUG/dlib 68 points)
  with :data:`RIGHT_EYE_68` / :data:`LEFT_EYE_68`, and :data:`CROP_REGIONS` /
  :data:`CROP_POINTS` (the regions of MicroX's crops);
* geometry: :func:`edges` and :func:`triangles` of the tessellation, and
  :func:`canonical_mesh` (MediaPipe's neutral, frontal, symmetric face);
* mirroring: :func:`mirror_indices` (what a horizontal flip does to the indices)
  and :func:`mirror` (the landmarks of a flipped image);
* the eye distance: :func:`eye_centers` and :func:`inter_ocular_distance`.

**The inter-ocular distance (IOD)** of the course is the distance between the
centres of the two eyes, each centre being the mean of that eye's contour
(:data:`RIGHT_EYE_RING`, :data:`LEFT_EYE_RING`), measured in the image plane (x, y).
Landmark errors, geometry features, spotting signals and mesh normalisation are
all expressed in it, so "0.05 eye distances" means the same in every chapter.

Left and right are the subject's own, as in MediaPipe's names: the "left eye" is
the person's left eye, on the image's right in an unmirrored frontal photo.  Where
two eyes are listed, the right eye comes first.

Only NumPy loads with this module; MediaPipe (for ``REGIONS``, :func:`edges` and
:func:`triangles`, its import takes seconds) and the shipped model bundle (for
:func:`canonical_mesh`) are read on first use.

>>> import numpy as np
>>> points = np.zeros((N_LANDMARKS, 2))
>>> points[list(LEFT_EYE_RING)] = (60.0, 0.0)
>>> float(inter_ocular_distance(points))
60.0
"""

from __future__ import annotations

import functools

import numpy as np

from fercourse.checks import positive
from fercourse.errors import AssetError, InvalidInputError

__all__ = [
    "N_LANDMARKS",
    "N_MESH_POINTS",
    "RIGHT_EYE_RING",
    "LEFT_EYE_RING",
    "RIGHT_IRIS",
    "LEFT_IRIS",
    "IRIS_CENTERS",
    "REGIONS",  # noqa: F822 (built on first use by the module __getattr__)
    "LANDMARKS_68",
    "RIGHT_EYE_68",
    "LEFT_EYE_68",
    "CROP_REGIONS",
    "CROP_POINTS",
    "edges",
    "triangles",
    "canonical_mesh",
    "mirror_indices",
    "mirror",
    "eye_centers",
    "inter_ocular_distance",
]

#: Points per face: MediaPipe's 468 mesh points and 10 iris points.
N_LANDMARKS = 478
#: Points of the tessellation (the face surface); the iris points 468-477 are not in it.
N_MESH_POINTS = 468

#: The subject's right eye contour, in order around the opening: from the outer
#: corner (33) along the upper lid to the inner corner (133), back along the lower lid.
RIGHT_EYE_RING = (33, 246, 161, 160, 159, 158, 157, 173, 133, 155, 154, 153, 145, 144, 163, 7)
#: The subject's left eye contour, in order: outer corner (263), upper lid, inner corner (362), lower lid.
LEFT_EYE_RING = (263, 466, 388, 387, 386, 385, 384, 398, 362, 382, 381, 380, 374, 373, 390, 249)

#: Iris points, centre first, then the rim: image-right, top, image-left and bottom of the centre.
RIGHT_IRIS = (468, 469, 470, 471, 472)
LEFT_IRIS = (473, 474, 475, 476, 477)
#: The iris centres, by side.
IRIS_CENTERS = {"right": RIGHT_IRIS[0], "left": LEFT_IRIS[0]}

#: Approximate correspondence from the 478-point mesh to the 68 points of the
#: iBUG 300-W / dlib convention: ``landmarks[LANDMARKS_68]`` is ``(68, 3)``.
#: The two meshes were not designed to match, so these are the mesh points
#: nearest to where the 68 points are defined (chosen at even spacing along
#: MediaPipe's jaw, brow, eye and lip contours of the canonical face), not
#: exact equivalents.  Order as in iBUG (left/right: the subject's): jaw 0-16
#: from the right ear over the chin to the left ear; right brow 17-21 from its
#: outer end inwards, left brow 22-26 from its inner end outwards; nose bridge
#: 27-30 down to the tip; nostril base 31-35; right eye 36-41 and left eye 42-47,
#: each clockwise in the image from its image-left corner; outer lips 48-59 and
#: inner lips 60-67, each from the right mouth corner along the upper lip.
LANDMARKS_68 = np.array(
    [127, 234, 93, 132, 58, 136, 150, 176, 152, 400, 379, 365, 288, 361, 323, 454, 356,
     70, 63, 105, 66, 107, 336, 296, 334, 293, 300,
     168, 197, 5, 1, 98, 97, 2, 326, 327,
     33, 160, 158, 133, 153, 144, 362, 385, 387, 263, 373, 380,
     61, 40, 37, 0, 267, 270, 291, 321, 314, 17, 84, 91,
     78, 81, 13, 311, 308, 402, 14, 178],
    dtype=np.int64,
)
LANDMARKS_68.flags.writeable = False

#: The eye contours in the 68-point layout: right eye 36-41, left eye 42-47.
RIGHT_EYE_68 = slice(36, 42)
LEFT_EYE_68 = slice(42, 48)

#: The MicroX crops (:func:`fercourse.face.region_crops`), in MicroX's order.
CROP_REGIONS = ("right_eye", "left_eye", "nose", "mouth", "face")
#: The ``REGIONS`` whose points' box makes each crop: an eye crop includes its brow.
CROP_POINTS = {
    "right_eye": ("right_eye", "right_brow"),
    "left_eye": ("left_eye", "left_brow"),
    "nose": ("nose",),
    "mouth": ("mouth",),
    "face": ("face_oval",),
}

# The layouts whose eyes and mirror images are known, by number of points.
_LAYOUTS = (N_LANDMARKS, N_MESH_POINTS, 68)

# Mirroring swaps the irises, and within each iris the image-right and image-left rim points.
_IRIS_MIRROR = {468: 473, 469: 476, 470: 475, 471: 474, 472: 477}


# ------------------------------------------------------------------ MediaPipe's lists


def _connections():
    from fercourse._env import quiet_stderr

    with quiet_stderr():
        from mediapipe.tasks.python import vision

    return vision.FaceLandmarksConnections


_REGION_CONNECTIONS = {
    "left_eye": "FACE_LANDMARKS_LEFT_EYE",
    "right_eye": "FACE_LANDMARKS_RIGHT_EYE",
    "left_brow": "FACE_LANDMARKS_LEFT_EYEBROW",
    "right_brow": "FACE_LANDMARKS_RIGHT_EYEBROW",
    "nose": "FACE_LANDMARKS_NOSE",
    "mouth": "FACE_LANDMARKS_LIPS",
    "face_oval": "FACE_LANDMARKS_FACE_OVAL",
    "left_iris": "FACE_LANDMARKS_LEFT_IRIS",
    "right_iris": "FACE_LANDMARKS_RIGHT_IRIS",
}


@functools.cache
def _regions() -> dict[str, np.ndarray]:
    """The value of ``REGIONS`` (described above :func:`__getattr__`)."""
    connections = _connections()
    regions = {}
    for name, attribute in _REGION_CONNECTIONS.items():
        points = {p for c in getattr(connections, attribute) for p in (c.start, c.end)}
        if name.endswith("_iris"):  # MediaPipe's iris connections are the four rim points; add the centre
            points.add(IRIS_CENTERS[name.split("_")[0]])
        regions[name] = np.array(sorted(points), dtype=np.int64)
        regions[name].flags.writeable = False
    return regions


# ``REGIONS[name]``: a sorted, read-only index array into the 478 landmarks, from
# MediaPipe's FaceLandmarksConnections -- left_eye, right_eye (the same points as the
# eye rings), left_brow, right_brow, nose, mouth (the lip contours), face_oval,
# left_iris and right_iris (centre and rim); left and right are the subject's.
# Built on first use (module __getattr__), because it needs MediaPipe, whose
# import takes seconds.
def __getattr__(name):
    if name == "REGIONS":
        return _regions()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | {"REGIONS"})


@functools.cache
def edges() -> np.ndarray:
    """The distinct undirected edges of MediaPipe's face-mesh tessellation.

    MediaPipe lists the tessellation as 2,556 connections: the three sides of each
    of its 852 triangles, so every inner edge appears twice.  Without the repeats
    there are 1,322 edges over the 468 face points; the 10 iris points (468-477)
    are not part of the tessellation.

    Returns
    -------
    numpy.ndarray
        ``(1322, 2)`` int64, read-only; each row is ``(i, j)`` with ``i < j``, rows sorted.
    """
    pairs = {tuple(sorted((c.start, c.end))) for c in _connections().FACE_LANDMARKS_TESSELATION}
    out = np.array(sorted(pairs), dtype=np.int64)
    out.flags.writeable = False
    return out


@functools.cache
def triangles() -> np.ndarray:
    """The 852 triangles of MediaPipe's face tessellation.

    MediaPipe lists the tessellation as connections, three per triangle in order.
    The eye openings and the mouth are holes in it.

    Returns
    -------
    numpy.ndarray
        ``(852, 3)`` int64 point indices, read-only.
    """
    links = _connections().FACE_LANDMARKS_TESSELATION
    out = np.array([(links[i].start, links[i + 1].start, links[i + 2].start) for i in range(0, len(links), 3)],
                   dtype=np.int64)
    out.flags.writeable = False
    return out


# ------------------------------------------------------------------ canonical face


def _varint(data: bytes, i: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[i]
        i += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, i


def _protobuf_fields(data: bytes):
    """``(field number, value)`` of each field of a serialised protobuf message."""
    i = 0
    while i < len(data):
        key, i = _varint(data, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = _varint(data, i)
        elif wire in (1, 5):
            width = 8 if wire == 1 else 4
            value, i = data[i : i + width], i + width
        elif wire == 2:
            length, i = _varint(data, i)
            value, i = data[i : i + length], i + length
        else:
            raise AssetError(f"Unexpected protobuf wire type {wire} in the model bundle; reinstall fercourse.")
        yield number, value


def _geometry_metadata() -> bytes:
    """The geometry metadata inside the shipped Face Landmarker bundle (a zip archive)."""
    from fercourse import assets

    return assets.bundle_member("geometry_pipeline_metadata_landmarks.binarypb")


@functools.cache
def canonical_mesh() -> np.ndarray:
    """MediaPipe's canonical (neutral, frontal, symmetric) face, in centimetres.

    Read from the shipped bundle's geometry metadata (its ``canonical_mesh``, a
    Mesh3d whose vertex buffer holds x, y, z, u, v per vertex), and turned to
    the axes of :class:`fercourse.face.FaceMesh`: x to the image's right (the
    subject's left), y down, z away from the camera; the origin is the head centre
    and the face is mirror-symmetric in x.  Iris points are not part of it
    (:func:`fercourse.synth.canonical_mesh` adds them).

    Returns
    -------
    numpy.ndarray
        ``(468, 3)`` float32, read-only.
    """
    metadata = _geometry_metadata()
    mesh = next(value for number, value in _protobuf_fields(metadata) if number == 1)
    # vertex_buffer is field 3, as packed (one bytes value) or single float fields.
    floats = b"".join(value for number, value in _protobuf_fields(mesh) if number == 3)
    vertices = np.frombuffer(floats, dtype="<f4").reshape(-1, 5)[:, :3] * np.array([1, -1, -1], np.float32)
    if vertices.shape != (N_MESH_POINTS, 3):
        raise AssetError(f"The bundle's canonical mesh has shape {vertices.shape}, not (468, 3); reinstall fercourse.")
    vertices.flags.writeable = False
    return vertices


# ------------------------------------------------------------------ mirroring


@functools.cache
def mirror_indices(n_points: int = N_LANDMARKS) -> np.ndarray:
    """The permutation that a horizontal flip applies to landmark indices.

    After flipping an image, ``flipped_points[mirror_indices()]`` are the points
    in their usual roles again: the subject's left eye becomes the right eye.
    Built by mirroring :func:`canonical_mesh` in x and matching each point to the
    one at its mirrored place (exact: the canonical face is symmetric), plus the
    iris pairs.  It is its own inverse.

    Parameters
    ----------
    n_points : int
        478 (the mesh), 468 (the mesh without irises) or 68 (the iBUG points of
        :data:`LANDMARKS_68`).

    Returns
    -------
    numpy.ndarray
        ``(n_points,)`` int64, read-only.
    """
    if n_points not in _LAYOUTS:
        raise InvalidInputError(f"n_points must be 478, 468 or 68, got {n_points!r}.")
    points = canonical_mesh()
    mirrored = points * np.array([-1.0, 1.0, 1.0], dtype=np.float32)
    distance = np.linalg.norm(mirrored[:, None, :] - points[None, :, :], axis=2)
    perm = distance.argmin(axis=1)
    if distance[np.arange(len(perm)), perm].max() > 1e-3 or len(set(perm.tolist())) != len(perm):
        raise AssetError("The bundle's canonical mesh is not mirror-symmetric; reinstall fercourse.")
    perm = np.concatenate([perm, np.arange(N_MESH_POINTS, N_LANDMARKS)])
    for a, b in _IRIS_MIRROR.items():
        perm[a], perm[b] = b, a
    if n_points == N_MESH_POINTS:
        perm = perm[:N_MESH_POINTS]
    elif n_points == 68:
        where = {int(index): k for k, index in enumerate(LANDMARKS_68)}
        perm = np.array([where[int(perm[index])] for index in LANDMARKS_68])
    perm = perm.astype(np.int64)
    perm.flags.writeable = False
    return perm


def _landmark_array(landmarks, name: str = "landmarks") -> np.ndarray:
    """``landmarks`` (or an object's ``.landmarks``) as a float64 ``(P, 2|3)`` or ``(N, P, 2|3)`` array."""
    landmarks = getattr(landmarks, "landmarks", landmarks)
    try:
        points = np.asarray(landmarks, dtype=np.float64)
    except (TypeError, ValueError):
        kind = type(landmarks).__name__
        raise InvalidInputError(f"{name} must be a numeric array of landmarks, got {kind}.") from None
    if points.ndim not in (2, 3) or points.shape[-2] not in _LAYOUTS or points.shape[-1] not in (2, 3):
        raise InvalidInputError(
            f"{name} has shape {points.shape}; expected one face's landmarks (478|468|68, 2|3) "
            "or several faces' (N, 478|468|68, 2|3)."
        )
    return points


def mirror(points, width) -> np.ndarray:
    """The landmarks of the horizontally flipped image, renumbered to keep their roles.

    A point at ``x`` moves to ``width - 1 - x`` (pixel centres at whole numbers), and
    the points are permuted by :func:`mirror_indices`, so the subject's left eye,
    now on the other side, is again listed as the left eye.  Mirroring twice gives
    the points back.

    Parameters
    ----------
    points : array_like
        ``(P, 2|3)`` landmarks of one face or ``(N, P, 2|3)`` of several, P = 478,
        468 or 68 (:data:`LANDMARKS_68` order), in pixels.
    width : float
        The image width in pixels.

    Returns
    -------
    numpy.ndarray
        float64, the shape of ``points``.
    """
    width = positive(width, "width")
    out = _landmark_array(points, "points").copy()
    out[..., 0] = width - 1 - out[..., 0]
    return out[..., mirror_indices(out.shape[-2]), :]


# ------------------------------------------------------------------ eye distance


def eye_centers(landmarks, use_z: bool = False) -> np.ndarray:
    """The centres of the right and left eye (the subject's): the means of the eye contours.

    Parameters
    ----------
    landmarks : array_like
        ``(P, 2|3)`` landmarks of one face or ``(N, P, 2|3)`` of several, P = 478,
        468 (:data:`RIGHT_EYE_RING`, :data:`LEFT_EYE_RING`) or 68
        (:data:`RIGHT_EYE_68`, :data:`LEFT_EYE_68`); an object with a ``landmarks``
        attribute (a :class:`fercourse.face.FaceMesh`) is taken as one face.
    use_z : bool
        Keep z of 3-D landmarks; by default the centres are in the image plane (x, y).

    Returns
    -------
    numpy.ndarray
        ``(2, D)`` for one face or ``(N, 2, D)``, right eye first; D is 2, or 3 with
        ``use_z`` and 3-D landmarks.
    """
    points = _landmark_array(landmarks)
    if not use_z:
        points = points[..., :2]
    if points.shape[-2] == 68:
        right, left = points[..., RIGHT_EYE_68, :], points[..., LEFT_EYE_68, :]
    else:
        right, left = points[..., list(RIGHT_EYE_RING), :], points[..., list(LEFT_EYE_RING), :]
    return np.stack([right.mean(axis=-2), left.mean(axis=-2)], axis=-2)


def inter_ocular_distance(landmarks, use_z: bool = False):
    """The course's inter-ocular distance: between the means of the two eye contours.

    The one definition used for every "in eye distances" number of the course
    (landmark errors, geometry features, motion signals, mesh normalisation).
    Coordinates that are NaN give NaN.

    Parameters
    ----------
    landmarks : array_like
        As in :func:`eye_centers`: ``(P, 2|3)`` or ``(N, P, 2|3)``, P = 478, 468 or 68.
    use_z : bool
        Measure in 3-D (x, y, z) for 3-D landmarks, as for meshes in centimetres;
        by default the distance is in the image plane (x, y), as for pixels.

    Returns
    -------
    float or numpy.ndarray
        A float for one face, ``(N,)`` float64 for several.

    Raises
    ------
    InvalidInputError
        For a wrong shape, or a face whose two eye centres coincide (not face landmarks).
    """
    right, left = np.moveaxis(eye_centers(landmarks, use_z=use_z), -2, 0)
    distance = np.linalg.norm(left - right, axis=-1)
    collapsed = distance < 1e-9
    if np.any(collapsed):
        where = "in this face" if distance.ndim == 0 else f"in face(s) {np.flatnonzero(collapsed)[:5].tolist()}"
        raise InvalidInputError(
            f"The two eye centres coincide {where}, so there is no inter-ocular distance to measure in; "
            "these are not face landmarks (all zeros, or a mesh collapsed to a point?)."
        )
    return float(distance) if distance.ndim == 0 else distance
