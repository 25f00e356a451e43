"""Data sets for single chapters: meshes without images, faces by eye state, one face at rising intensity.

:func:`synthetic_meshes` gives exact 3-D meshes and each person's neutral mesh
(chapter 06, graphs); :func:`eye_state_faces` gives faces labelled by how open the
eyes are (chapter 04); :func:`expression_faces` renders expressions at rising
intensities on one face (chapter 01).  The chapters' modules re-export them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from fercourse import emotions
from fercourse.dataset import Dataset, subject_split
from fercourse.emotions import FER2013_LABELS, PROTOTYPES
from fercourse.errors import InvalidInputError
from fercourse.mesh import inter_ocular_distance
from fercourse.synth.action_units import face_mesh, random_pose
from fercourse.synth.canonical import neutral_mesh
from fercourse.synth.datasets import AU_COLUMNS, _subjects, expression_aus, render_faces
from fercourse.synth.identity import random_identity
from fercourse.synth.rendering import Appearance, random_appearance, render

__all__ = ["au_faces", "synthetic_meshes", "EYE_LEVELS", "eye_state_faces", "GRID_INTENSITIES", "expression_patterns",
           "expression_faces"]


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
    shape (:func:`fercourse.synth.random_identity`) and one neutral mesh in a random
    head pose, the "calibration" frame a real system would record once per user.
    Every sample is one of ``labels`` (FER2013's seven, balanced) at a random
    intensity in ``intensity`` (:func:`fercourse.synth.expression_aus`) and head pose
    within ``max_pose`` degrees (yaw, pitch, roll).  Gaussian noise of ``jitter``
    times the inter-ocular distance stands in for a landmarker's error.

    Subjects are split into train/val/test by ``split`` (val, test).

    Parameters
    ----------
    n : int
        Number of meshes.
    seed : int
        Seed of everything random.
    labels : tuple of str, optional
        The expressions to draw; by default :data:`fercourse.emotions.FER2013_LABELS`.
    n_subjects : int, optional
        Number of synthetic people.
    intensity : tuple of 2 floats
        Range of the expression intensity, within [0, 1].
    max_pose : tuple of 3 floats
        Largest yaw, pitch and roll in degrees.
    jitter : float
        Landmark noise as a fraction of the inter-ocular distance (0: exact meshes).
    split : tuple of 2 floats
        Validation and test fractions of the subjects.

    Returns
    -------
    fercourse.data.Dataset
        Its samples are the ``(N, 478, 3)`` ``float32`` meshes (in cm, x right, y down,
        z away from the camera), also in ``extras["landmarks"]``; ``extras["neutral"]``
        holds the owner's neutral mesh for every sample.

    Raises
    ------
    fercourse.errors.InvalidInputError
        For an unknown label, an invalid ``n`` or ``intensity``, or a negative ``jitter``.

    Examples
    --------
    >>> meshes = synthetic_meshes(28, seed=0)
    >>> meshes.samples.shape, meshes.extras["neutral"].shape
    ((28, 478, 3), (28, 478, 3))
    """
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
        return random_pose(rng, max_pose)

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
    up to 0.4) and a small random pose.

    Parameters
    ----------
    n : int
        Number of faces, at least 4.
    seed : int
        Seed of everything random.
    size : int
        Image width and height in pixels.
    n_subjects : int, optional
        Number of synthetic people; by default one per 20 faces, at least 8.
    max_pose : tuple of 3 floats
        Largest yaw, pitch and roll in degrees.
    split : tuple of 2 floats, optional
        Validation and test fractions of the subjects; ``None``: every row ``unassigned``.

    Returns
    -------
    fercourse.data.Dataset
        ``(n, size, size, 3)`` ``uint8`` images; ``label`` is the level name, table
        column ``level`` its number 0-3; ``extras["landmarks"]`` holds the exact landmarks.

    Raises
    ------
    fercourse.errors.InvalidInputError
        For an ``n`` under 4.

    Examples
    --------
    >>> eyes = eye_state_faces(8, seed=0, size=32)
    >>> eyes.samples.shape, sorted(set(eyes.table["level"]))
    ((8, 32, 32, 3), [0, 1, 2, 3])
    """
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
        pose = random_pose(rng, max_pose)
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

    Raises
    ------
    fercourse.errors.InvalidInputError
        For an unknown expression or an empty list.

    Examples
    --------
    >>> expression_patterns(["happy", "contempt"])
    {'happy': {6: 0.7, 12: 1.0}, 'contempt': {'R12': ..., 'R14': ...}}
    """
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

    Parameters
    ----------
    expressions : list of str or dict, optional
        Prototype names or a dict label -> AU pattern (see :func:`expression_patterns`).
    intensities : sequence of float
        The scales of every pattern, each in [0, 1].
    who : Identity, optional
        The face shape shared by every image.
    look : Appearance, optional
        The appearance shared by every image.
    size : int
        Image width and height in pixels.
    seed : int
        Seed of the image noise.

    Returns
    -------
    labels : list of str
        One per row of images.
    images : numpy.ndarray
        ``(expressions, intensities, size, size, 3)`` ``uint8``.
    landmarks : numpy.ndarray
        ``(expressions, intensities, 478, 3)`` ``float32``, in pixels.

    Raises
    ------
    fercourse.errors.InvalidInputError
        For an unknown expression or an intensity outside [0, 1].

    Examples
    --------
    >>> labels, images, landmarks = expression_faces(["happy", "sad"], intensities=(0.0, 1.0), size=32)
    >>> labels, images.shape, landmarks.shape
    (['happy', 'sad'], (2, 2, 32, 32, 3), (2, 2, 478, 3))
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


#: The action units :func:`au_faces` draws by default: every AU the generator renders
#: that a detector is commonly asked for (AU45 is rendered as closed eyes).
AU_FACES_POOL = (1, 2, 4, 5, 6, 7, 9, 10, 12, 15, 17, 20, 23, 25, 26, 45)


def au_faces(n: int = 1500, size: int = 128, color: bool = True, seed: int = 0, n_subjects: int | None = None,
             aus=AU_FACES_POOL, p_active: float = 0.3, neutral_share: float = 0.1,
             intensity: tuple[float, float] = (0.2, 1.0), max_pose: tuple[float, float, float] = (15.0, 10.0, 8.0),
             occlusion_rate: float = 0.0, split: tuple[float, float] | None = (0.15, 0.25), workers: int = 1,
             progress: bool = False) -> Dataset:
    """Faces whose action units are drawn independently, with their exact intensities: AU detection data.

    Every image is either a person's neutral face (no AU; each person's first image is
    one, so every person can be calibrated against their own neutral face) or a face
    whose AUs are switched on one by one with probability ``p_active``
    (:func:`fercourse.synth.datasets.independent_aus`), at intensities drawn from
    ``intensity`` (0.2 is FACS level A, 1.0 level E).  Pose, lighting and background
    vary per image; face shape and colouring per person.

    Parameters
    ----------
    n : int
        Number of images.
    size : int
        Image side in pixels (large enough for the Face Landmarker: 128 or more).
    color : bool
        RGB images (``True``) or grey.
    seed : int
        Seed of everything random.
    n_subjects : int, optional
        Number of people (default: one per 30 images, at least 10).
    aus : sequence of int
        The AUs to draw from.
    p_active : float
        Probability that each AU is on in a non-neutral face.
    neutral_share : float
        Share of neutral faces besides each person's first.
    intensity : tuple of 2 floats
        Range of an active AU's intensity in [0, 1].
    max_pose : tuple of 3 floats
        Largest yaw, pitch and roll in degrees.
    occlusion_rate : float
        Share of images with a rectangle over part of the face.
    split : tuple of 2 floats, optional
        Validation and test fractions of the people; ``None``: every row ``unassigned``.
    workers : int
        Processes to render in (the result does not depend on it).
    progress : bool
        Show a progress bar.

    Returns
    -------
    Dataset
        Labels ``("neutral", "action")``; the table has ``subject``, ``split``,
        ``variant`` (``neutral`` or ``independent``), the pose and one column per AU
        of :data:`fercourse.synth.AU_COLUMNS` with its intensity in [0, 1];
        ``extras["landmarks"]`` holds the exact landmarks.

    Examples
    --------
    >>> data = au_faces(12, size=64, seed=0, split=None)
    >>> data.table["label"].value_counts().to_dict()["action"] > 0, data.samples.shape
    (True, (12, 64, 64, 3))
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise InvalidInputError(f"n must be a positive number of images, got {n!r}.")
    if not isinstance(size, (int, np.integer)) or size < 16:
        raise InvalidInputError(f"size must be an integer of at least 16 pixels, got {size!r}.")
    unknown = sorted(set(aus) - set(int(c[2:]) for c in AU_COLUMNS))
    if unknown or not len(aus):
        raise InvalidInputError(f"aus must name AUs the generator renders ({', '.join(c[2:] for c in AU_COLUMNS)}), "
                                f"got {list(aus)!r}.")
    if not (0.0 < p_active <= 1.0 and 0.0 <= neutral_share < 1.0):
        raise InvalidInputError("p_active must lie in (0, 1] and neutral_share in [0, 1).")
    rng = np.random.default_rng(seed)
    n_subjects = int(n_subjects or max(10, int(n) // 30))
    people = _subjects(n_subjects, rng)
    owner = np.arange(n) % n_subjects
    rng.shuffle(owner)
    kinds = np.where(rng.random(n) < neutral_share, "neutral", "action")
    kinds[np.unique(owner, return_index=True)[1]] = "neutral"
    settings = dict(size=int(size), color=color, intensity=tuple(intensity), max_pose=tuple(max_pose),
                    occlusion_rate=occlusion_rate, framing="tight", au_pool=tuple(int(a) for a in aus),
                    p_active=float(p_active))
    return render_faces(kinds, people, owner, ("neutral", "action"), seed, split, settings, workers, progress,
                        desc="action-unit faces")
