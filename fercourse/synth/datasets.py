"""Data sets of still faces: :func:`faces`, and the parts that :func:`fercourse.synth.clips` shares.

:func:`expression_aus` draws the action units of one expression (its prototype or a
variant, jittered); :func:`faces` renders a balanced, labelled set of faces at their
expression's apex as a :class:`fercourse.dataset.Dataset`, in worker processes when
asked.  The helpers below it (people per subject, the split, the worker pool) serve
:func:`fercourse.synth.clips` too.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd

from fercourse import emotions
from fercourse.dataset import Dataset, subject_split
from fercourse.emotions import FER2013_LABELS, PROTOTYPES
from fercourse.errors import InvalidInputError
from fercourse.mesh import triangles
from fercourse.synth.action_units import AU_NUMBERS, au_strength, face_mesh, random_pose
from fercourse.synth.canonical import use_triangles
from fercourse.synth.identity import Identity, random_identity
from fercourse.synth.rendering import Appearance, random_appearance, render

__all__ = ["AU_COLUMNS", "expression_aus", "independent_aus", "faces"]


#: AU columns of the generated tables, in this order.
AU_COLUMNS = tuple(f"AU{n:02d}" for n in AU_NUMBERS)


def expression_aus(emotion: str, rng: np.random.Generator, intensity: float = 1.0) -> tuple[dict, str]:
    """AU intensities for one sample of an expression, and the variant's name.

    Picks one of the expression's AU patterns (its prototype from
    :data:`fercourse.emotions.PROTOTYPES` or an alternative from
    :data:`fercourse.emotions.VARIANTS`), scales it by ``intensity`` and jitters each AU
    by up to 15 %.  One-sided AUs come back as ``"R12"``-style codes.

    Parameters
    ----------
    emotion : str
        A name from :data:`fercourse.emotions.PROTOTYPES`, such as ``"happy"``.
    rng : numpy.random.Generator
        The source of randomness (the pattern and the jitter).
    intensity : float
        Scale of the pattern, 1.0 for a full posed expression.

    Returns
    -------
    aus : dict
        AU code -> intensity in [0, 1], ready for :func:`fercourse.synth.face_mesh`.
    variant : str
        ``"prototype"`` or the name of the alternative pattern.

    Raises
    ------
    fercourse.errors.InvalidInputError
        For an expression the generator does not draw.

    Examples
    --------
    >>> aus, variant = expression_aus("happy", np.random.default_rng(0), intensity=0.5)
    >>> 12 in aus, variant in ("prototype", "open smile"), all(0.0 <= v <= 1.0 for v in aus.values())
    (True, True, True)
    """
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


def independent_aus(rng: np.random.Generator, pool, p_active: float, intensity=(0.2, 1.0)) -> dict:
    """AU intensities drawn one AU at a time: each AU of ``pool`` is on with probability ``p_active``.

    Unlike :func:`expression_aus`, the AUs do not come in an expression's pattern, so
    a detector trained on them cannot lean on co-occurrence.  Two anatomical rules
    hold: a jaw drop (AU26) parts the lips (AU25 at least 0.4), and closed eyes (AU45)
    leave no upper lid to raise (AU5 off).  At least one AU is on.

    Parameters
    ----------
    rng : numpy.random.Generator
        The source of randomness.
    pool : sequence of int
        The AU numbers to draw from.
    p_active : float
        Probability that each AU is on.
    intensity : tuple of 2 floats
        Range of an AU's intensity when on, in [0, 1] (1 is FACS level E, 5 on the 0-5 scale).

    Returns
    -------
    dict
        AU number -> intensity, for :func:`fercourse.synth.face_mesh`.

    Examples
    --------
    >>> aus = independent_aus(np.random.default_rng(0), (1, 2, 12, 25, 26), 0.5)
    >>> len(aus) >= 1 and all(0.2 <= v <= 1.0 for v in aus.values())
    True
    """
    pool = [int(au) for au in pool]
    lo, hi = intensity
    aus = {au: float(rng.uniform(lo, hi)) for au in pool if rng.random() < p_active}
    if not aus:
        aus[pool[int(rng.integers(len(pool)))]] = float(rng.uniform(lo, hi))
    if 26 in aus and 25 in pool:
        aus[25] = max(aus.get(25, 0.0), 0.4)
    if 45 in aus:
        aus.pop(5, None)
    return aus


def au_row(aus: dict) -> list[float]:
    """Intensities in :data:`AU_COLUMNS` order (a one-sided AU counts at half strength)."""
    return [min(au_strength(aus, n), 1.0) for n in AU_NUMBERS]


def _subjects(n_subjects: int, rng: np.random.Generator) -> list[tuple[Identity, Appearance]]:
    """Fixed face shape and colouring per subject (lighting and framing vary per image)."""
    return [
        (random_identity(rng, subject=f"S{k + 1:03d}"), random_appearance(rng))
        for k in range(n_subjects)
    ]


def plan(n: int, labels: tuple[str, ...], n_subjects: int, seed: int):
    """Check ``n`` and ``labels``; draw the people, a balanced shuffled label per sample and its owner."""
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


def split_column(subjects: list[str], seed: int, split: tuple[float, float] | None) -> list[str]:
    if split is None:
        return ["unassigned"] * len(subjects)
    val, test = split
    return subject_split(pd.DataFrame({"subject": subjects}), val=val, test=test, seed=seed).tolist()


def _face_chunk(job: dict) -> tuple[np.ndarray, np.ndarray, list]:
    """Render one chunk of :func:`faces` (a top-level function so worker processes can run it)."""
    use_triangles(job.get("triangles"))  # spares a worker process the MediaPipe import
    rng = np.random.default_rng(job["seed"])
    lo, hi = job["intensity"]
    images, landmarks, rows = [], [], []
    for emotion, (who, colouring) in zip(job["emotions"], job["people"]):
        look = random_appearance(rng, occlusion_rate=job["occlusion_rate"], framing=job["framing"])
        look = Appearance(**{**look.__dict__, "skin": colouring.skin, "lips": colouring.lips,
                             "hair": colouring.hair, "iris": colouring.iris, "hairline": colouring.hairline})
        if job.get("au_pool"):  # action-unit faces: independent AUs, or none for a neutral face
            aus, variant = ({}, "neutral") if emotion == "neutral" else (
                independent_aus(rng, job["au_pool"], job["p_active"], (lo, hi)), "independent")
        else:
            aus, variant = expression_aus(emotion, rng, rng.uniform(lo, hi))
        pose = random_pose(rng, job["max_pose"])
        if emotion == "sad" and rng.random() < 0.5:
            pose[1] = -abs(pose[1]) - 6.0  # sad faces are often lowered
        image, points = render(face_mesh(who, aus, pose), size=job["size"], look=look, color=job["color"],
                               rng=rng, aus=aus)
        images.append(image)
        landmarks.append(points)
        rows.append([emotion, who.subject, variant, *np.round(pose, 2), *au_row(aus)])
    return np.stack(images), np.stack(landmarks).astype(np.float32), rows


_CHUNK = 250  # faces per chunk; fixed, so the output does not depend on the number of workers


def run_jobs(function, jobs: list[dict], workers: int, desc: str, progress: bool) -> list:
    """``[function(job) for job in jobs]``, in ``workers`` processes when more than one.

    Worker processes are started fresh ("spawn"), which is safe beside the threads
    of TensorFlow and MediaPipe in a notebook kernel.
    """
    from tqdm.auto import tqdm

    if workers > 1 and len(jobs) > 1:
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

    Parameters
    ----------
    n : int
        Number of images.
    size : int
        Image width and height in pixels (at least 16).
    color : bool
        RGB images if true, grey (FER2013-like) if false.
    seed : int
        Seed of everything random: the same arguments give the same data.
    labels : tuple of str, optional
        The expressions to draw; by default :data:`fercourse.emotions.FER2013_LABELS`.
    n_subjects : int, optional
        Number of synthetic people.
    intensity : tuple of 2 floats
        Range of the expression intensity, within [0, 1].
    max_pose : tuple of 3 floats
        Largest yaw, pitch and roll in degrees.
    occlusion_rate : float
        Share of images with a rectangle over part of the face.
    framing : {"tight", "portrait"}
        A face that fills the image (like FER2013) or one with room around the head.
    split : tuple of 2 floats, optional
        Validation and test fractions of the subjects; ``None``: no split.
    workers : int
        Number of processes to render in.
    progress : bool
        Show a progress bar.

    Returns
    -------
    fercourse.data.Dataset
        An image data set named ``"synthetic"``; ``samples`` is ``(n, size, size)`` or
        ``(n, size, size, 3)`` ``uint8``.

    Raises
    ------
    fercourse.errors.InvalidInputError
        For an unknown label or framing, or an invalid ``n``, ``size`` or ``intensity``.

    Examples
    --------
    >>> data = faces(14, size=32, seed=0, split=None)
    >>> data.samples.shape, data.table["label"].value_counts().tolist()  # balanced: 2 of each of 7
    ((14, 32, 32), [2, 2, 2, 2, 2, 2, 2])
    """
    labels = tuple(labels or FER2013_LABELS)
    lo, hi = intensity
    if not 0.0 <= lo <= hi <= 1.0:
        raise InvalidInputError(f"intensity must be (low, high) with 0 <= low <= high <= 1, got {intensity!r}.")
    if not isinstance(size, (int, np.integer)) or size < 16:
        raise InvalidInputError(f"size must be an integer of at least 16 pixels, got {size!r}.")
    if framing not in ("tight", "portrait"):
        raise InvalidInputError(f"framing must be 'tight' or 'portrait', got {framing!r}.")
    people, emotion_of, owner = plan(n, labels, n_subjects or max(10, int(n) // 25), seed)
    settings = dict(size=int(size), color=color, intensity=(lo, hi), max_pose=tuple(max_pose),
                    occlusion_rate=occlusion_rate, framing=framing)
    return render_faces(emotion_of, people, owner, labels, seed, split, settings, workers, progress)


def render_faces(kinds, people, owner, labels, seed: int, split, settings: dict, workers: int = 1,
                 progress: bool = False, desc: str = "synthetic faces") -> Dataset:
    """Render planned faces in fixed chunks (in ``workers`` processes) and assemble the labelled data set.

    ``kinds[i]`` is face ``i``'s label (an expression, or ``"neutral"``/``"action"`` when
    ``settings`` has an ``au_pool``), ``people[owner[i]]`` its person; ``settings`` holds
    the rendering options of :func:`_face_chunk`.  Shared by :func:`faces` and
    :func:`fercourse.synth.au_faces`; the chunks, and so the result, do not depend on ``workers``.
    """
    n = len(kinds)
    seeds = np.random.SeedSequence(seed).spawn((n + _CHUNK - 1) // _CHUNK)
    jobs = [
        dict(seed=seeds[k], emotions=kinds[a : a + _CHUNK].tolist(),
             people=[people[i] for i in owner[a : a + _CHUNK]], **settings,
             triangles=triangles() if workers > 1 else None)
        for k, a in enumerate(range(0, n, _CHUNK))
    ]
    parts = run_jobs(_face_chunk, jobs, workers, desc, progress)
    rows = [row for part in parts for row in part[2]]
    table = pd.DataFrame(rows, columns=["label", "subject", "variant", "yaw", "pitch", "roll", *AU_COLUMNS])
    table.insert(2, "split", split_column(table["subject"].tolist(), seed, split))
    faces = Dataset("synthetic", "image", labels, np.concatenate([p[0] for p in parts]), table,
                    {"landmarks": np.concatenate([p[1] for p in parts])})
    faces.description = describe_dataset(faces, "faces")
    return faces


def describe_dataset(dataset: Dataset, what: str) -> str:
    """The sentence :func:`fercourse.data.describe` prints for generated data."""
    counts = dataset.table["split"].value_counts()
    sides = ", ".join(f"{counts[s]} {s}" for s in ("train", "val", "test") if s in counts)
    how = f", split by person ({sides})" if sides else ""
    return (f"Synthetic {what} from fercourse.synth: {len(dataset)} {what} of "
            f"{dataset.table['subject'].nunique()} people{how}.")
