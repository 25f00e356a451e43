"""The data the chapters use: one switch between the synthetic faces and your datasets.

:func:`expressions` (still faces), :func:`micro_expressions` (clips) and
:func:`action_units` (faces coded for action units) follow
``fercourse.config``: synthetic data by default, the imported datasets when the data
switch is ``real``; with the ``small`` budget a real dataset is cut to a stratified
sample of the size the book trains on, so a real-data run can be checked in minutes.

:func:`with_landmarks` gives a real dataset what the synthetic one has built in: the
478 landmarks (and 52 blendshape scores) of every face, measured by the shipped Face
Landmarker and cached in the data directory, so the second run is instant.
:func:`stays_synthetic` is how a chapter says that one section keeps its synthetic
data, and why, when the data switch is ``real``.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from fercourse import config, mesh
from fercourse.checks import count
from fercourse.dataset import Dataset, proportional_counts
from fercourse.data.loaders import LOADERS, load_fer2013
from fercourse.data.loaders.common import IMPORT_HINT
from fercourse.errors import DatasetError, InvalidInputError, NoFaceError

__all__ = ["expressions", "micro_expressions", "action_units", "AU_DATASETS", "with_landmarks", "stays_synthetic", "MICRO_DATASETS", "describe",
           "split_summary", "measure_landmarks"]

#: The micro-expression datasets :func:`micro_expressions` combines in real mode, in this order: all three
#: together are MEGC 2019's composite (CASME II, SAMM and SMIC-HS).
MICRO_DATASETS = ("casme2", "samm", "smic")
#: Landmarker input size for small real faces (FER2013's 48-pixel faces are too small for it).
LANDMARKER_SIZE = 192
#: Clips whose face the landmarker loses in more than this share of frames are left out.
MAX_MISSING_FRAMES = 0.1
_CACHE_VERSION = "1"


def describe(dataset: Dataset) -> str:
    """One sentence on what ``dataset`` is: its own description, or its name and size.

    Parameters
    ----------
    dataset : Dataset
        The data to describe.

    Returns
    -------
    str
        ``dataset.description``, or ``"<name>: <N> samples of <S> subjects."`` when it is empty.
    """
    return dataset.description or f"{dataset.name}: {len(dataset)} samples of {dataset.table['subject'].nunique()} subjects."


def split_summary(dataset: Dataset, sides=("train", "test")) -> str:
    """How many samples (and people) each side of the split holds, and how many people are on both.

    For data without subject ids (FER2013) it says that the people cannot be counted.

    Parameters
    ----------
    dataset : Dataset
        The data, with its ``split`` column filled in.
    sides : sequence of str
        The split names to count.

    Returns
    -------
    str
        One sentence.
    """
    from fercourse.dataset import UNKNOWN_SUBJECT

    table = dataset.table
    unit = "clips" if dataset.kind == "video" else "meshes" if dataset.name.endswith("meshes") else "faces"
    parts = {side: table[table["split"] == side] for side in sides}
    if (table["subject"].astype(str) == UNKNOWN_SUBJECT).all():
        counts = ", ".join(f"{len(rows):,} {side}" for side, rows in parts.items())
        return (f"{dataset.name}: {counts} {unit}. It records no subject ids, so how many people each side holds, "
                "and whether anyone is on both sides, cannot be known.")
    people = {side: set(rows["subject"].astype(str)) for side, rows in parts.items()}
    counts = ", ".join(f"{len(rows):,} {side} {unit} of {len(people[side])} people" for side, rows in parts.items())
    shared = set.intersection(*people.values()) if people else set()
    return f"{dataset.name}: {counts}; people on more than one side: {len(shared)}."


def stays_synthetic(section: str, why: str) -> None:
    """Say, with real data switched on, that ``section`` keeps the synthetic data, and why.

    Prints nothing with the embedded data (the whole chapter is synthetic then, and
    says so itself).

    Parameters
    ----------
    section : str
        The section's name, as the message shows it.
    why : str
        The reason.

    Returns
    -------
    None
    """
    if config.use_real_data():
        print(f"[real data] {section} stays synthetic: {why}")


def _with_description(dataset: Dataset, text: str) -> Dataset:
    dataset.description = text
    return dataset


def _budget_sample(dataset: Dataset, n: int, seed: int, strata: list[str]) -> Dataset:
    """A stratified sample of ``n`` rows (largest-remainder allocation over ``strata``)."""
    if n >= len(dataset):
        return dataset
    groups = dataset.table.groupby(strata, sort=True).indices
    take = proportional_counts(n, {key: len(rows) for key, rows in groups.items()})
    rng = np.random.default_rng(seed)
    chosen = np.sort(np.concatenate([rng.choice(groups[key], take[key], replace=False) for key in sorted(groups)
                                     if take[key] > 0]).astype(np.int64))
    return dataset.subset(chosen)


def _split_counts(dataset: Dataset) -> str:
    counts = dataset.table["split"].value_counts()
    return ", ".join(f"{counts.get(s, 0):,} {s}" for s in ("train", "val", "test") if counts.get(s, 0))


def expressions(n: int | None = 700, size: int = 48, seed: int = 0, aligned: bool = False,
                **synthetic_options) -> Dataset:
    """The still faces every chapter trains on.

    Embedded data: ``n`` synthetic faces (:func:`fercourse.synth.faces`, ``size`` x
    ``size`` grey, split by subject; ``n=None`` gives 7,000).  Real data: FER2013 from
    the data directory with its own split; with the ``small`` budget a sample of ``n``
    faces stratified by split and label (``n=None``, or the ``full`` budget, keeps all),
    resized to ``size`` if that is not 48.  The synthetic options are then ignored.

    ``aligned=True`` frames synthetic faces the way :class:`fercourse.live.Pipeline`
    frames a face in a photo or a webcam frame: each is rendered as a colour portrait
    at twice ``size`` and cut with :func:`aligned_crops` (levelled on the eye line,
    cut by eye distance, grey).  A model that will read the live pipeline's crops
    should train on these; the default ``tight`` faces fill the image the way FER2013's
    do instead.  FER2013's faces are kept as the dataset cropped them.

    Parameters
    ----------
    n : int or None
        Number of faces.
    size : int
        Side of the square grey faces, in pixels.
    seed : int
        Seed of the generator or of the sample.
    aligned : bool
        Synthetic faces framed like the live pipeline's crops (see above).
    **synthetic_options
        Further keyword arguments of :func:`fercourse.synth.faces`.

    Returns
    -------
    Dataset
        The faces, with a ``description`` that says what they are.

    Raises
    ------
    InvalidInputError
        If ``n`` is not a positive integer (real data, small budget).
    """
    from fercourse import face, synth

    if not config.use_real_data():
        if not aligned:
            return synth.faces(7000 if n is None else n, size=size, seed=seed, **synthetic_options)
        options = {"color": True, "framing": "portrait", **synthetic_options}
        portraits = synth.faces(7000 if n is None else n, size=2 * count(size, "size"), seed=seed, **options)
        return aligned_crops(portraits, size)
    full = load_fer2013()
    faces = full
    if n is not None and config.budget() == "small":
        faces = _budget_sample(full, count(n, "n"), seed, ["split", "label"])
    side = faces.sample(0).shape[0] if len(faces) else size
    if int(size) != side:
        resized = np.stack([face.resize(faces.sample(i), int(size)) for i in range(len(faces))])
        faces = Dataset(faces.name, faces.kind, faces.labels, resized, faces.table, faces.extras)
    sentence = describe(full)
    if len(faces) < len(full):
        sentence += (f" Small budget: a sample of {len(faces):,} of its {len(full):,} faces, stratified by split and "
                     f"label ({_split_counts(faces)}); FERCOURSE_BUDGET=full uses all of them.")
    return _with_description(faces, sentence)


def aligned_crops(dataset: Dataset, size: int = 48) -> Dataset:
    """Every face of an image dataset cut the way the live pipeline cuts faces.

    Each image becomes :func:`fercourse.face.expression_crop` of itself, placed by its
    ``extras["landmarks"]`` (the generator's exact ones, or the landmarker's from
    :func:`with_landmarks`): ``size`` x ``size``, grey, levelled on the eye line.  This is
    the crop :class:`fercourse.live.Pipeline` and :func:`fercourse.detect` feed an
    expression model, so a model trained on it meets the same framing on a webcam.
    The landmarks are not carried over (they would need the same cut).

    Parameters
    ----------
    dataset : Dataset
        Image data with ``extras["landmarks"]``.
    size : int
        Side of the crops, in pixels.

    Returns
    -------
    Dataset
        The crops with the same table, labels and name, ``(N, size, size)`` ``uint8``.

    Raises
    ------
    InvalidInputError
        If ``dataset`` is not image data with landmarks, or ``size`` is not a positive integer.
    """
    from fercourse import face

    if not isinstance(dataset, Dataset) or dataset.kind != "image" or "landmarks" not in dataset.extras:
        raise InvalidInputError("aligned_crops needs an image Dataset with extras['landmarks']; "
                                "measure them first with data.with_landmarks(dataset).")
    size = count(size, "size")
    crops = np.stack([face.expression_crop(dataset.sample(i), dataset.extras["landmarks"][i], size=size)
                      for i in range(len(dataset))]) if len(dataset) else np.zeros((0, size, size), np.uint8)
    cropped = Dataset(dataset.name, "image", dataset.labels, crops, dataset.table)
    text = describe(dataset).rstrip(".")
    return _with_description(cropped, f"{text}; each cut {size} x {size} grey by the eyes, as the live pipeline cuts faces.")


def _combine(parts: list[Dataset]) -> Dataset:
    """Several micro-expression datasets as one (the MEGC composite's way): subjects keep their dataset's name."""
    if len(parts) == 1:
        return parts[0]
    tables, samples, labels = [], [], []
    for part in parts:
        tables.append(part.table.assign(dataset=part.name, subject=part.name + "/" + part.table["subject"].astype(str)))
        samples.extend(part.samples)
        labels.extend(label for label in part.labels if label not in labels)
    table = pd.concat(tables, ignore_index=True)
    combined = Dataset("+".join(p.name for p in parts), "video", tuple(labels), samples, table)
    return _with_description(combined, " ".join(describe(p) for p in parts) +
                             " Combined as in MEGC's composite: each person keeps their dataset's name.")


def micro_expressions(n: int | None = 36, size: int = 64, seed: int = 0, datasets=None,
                      **synthetic_options) -> Dataset:
    """Micro-expression clips.

    Embedded data: ``n`` synthetic clips (:func:`fercourse.synth.clips`, ``kind="micro"``).
    Real data: every micro-expression dataset found in the data directory among
    ``datasets`` (default :data:`MICRO_DATASETS`: CASME II, SAMM and SMIC-HS, which
    together make MEGC 2019's composite), combined when there are several, each clip
    in its own frame size, colour and frame rate (the table's ``fps``: 200 for CASME II
    and SAMM, 100 for SMIC); with the ``small`` budget a sample of ``n`` clips
    stratified by label.  ``size`` and the synthetic options are then ignored.  SMIC
    marks no apex: its clips' ``apex`` is their middle frame and ``apex_annotated`` is
    ``False`` (see :func:`~fercourse.data.load_smic`).  Relabel the combined clips with
    MEGC's three classes with :func:`fercourse.temporal.with_megc_labels`.

    Parameters
    ----------
    n : int or None
        Number of clips (``None``: 36 synthetic clips, or every real clip).
    size : int
        Frame side of the synthetic clips, in pixels.
    seed : int
        Seed of the generator or of the sample.
    datasets : sequence of str or None
        Names from :data:`MICRO_DATASETS` to use with real data.
    **synthetic_options
        Further keyword arguments of :func:`fercourse.synth.clips`.

    Returns
    -------
    Dataset
        A video dataset; several real datasets are combined into one, each subject
        prefixed with its dataset's name.

    Raises
    ------
    InvalidInputError
        If a name in ``datasets`` is unknown.
    DatasetError
        If real data is on and none of the datasets is in the data directory.
    """
    from fercourse import synth

    if not config.use_real_data():
        return synth.clips(36 if n is None else n, size=size, seed=seed, kind="micro", **synthetic_options)
    names = MICRO_DATASETS if datasets is None else tuple(datasets)
    unknown = [name for name in names if name not in MICRO_DATASETS]
    if unknown:
        raise InvalidInputError(f"micro_expressions: unknown dataset(s) {unknown}; choose from {list(MICRO_DATASETS)}.")
    present = [name for name in names if (config.data_dir() / name).is_dir()]
    if not present:
        raise DatasetError(
            f"Real data is switched on, but {config.data_dir()} holds none of {', '.join(names)}. "
            + " or ".join(IMPORT_HINT.format(name=name) for name in names[:1])
            + " Or switch back to the synthetic clips with FERCOURSE_DATA=embedded."
        )
    clips = _combine([LOADERS[name]() for name in present])
    if n is not None and config.budget() == "small" and n < len(clips):
        total = len(clips)
        clips = _budget_sample(clips, count(n, "n"), seed, ["label"])
        _with_description(clips, describe(clips) + f" Small budget: a sample of {len(clips)} of its {total} clips, "
                          "stratified by label; FERCOURSE_BUDGET=full uses all of them.")
    return clips


#: The action-unit datasets :func:`action_units` looks for in real mode, in this order.
AU_DATASETS = ("disfa", "bp4d")


def action_units(n: int | None = 1200, size: int = 96, seed: int = 0, dataset: str | None = None, test_fold: int = 1,
                 **synthetic_options) -> Dataset:
    """Faces coded for action units, in :mod:`fercourse.actionunits`'s format, with measured landmarks.

    Embedded data: ``n`` synthetic faces whose AUs are drawn one by one
    (:func:`fercourse.synth.au_faces`, ``size`` x ``size`` colour, split by person).
    Real data: the first of :data:`AU_DATASETS` in the data directory (or ``dataset``),
    split by its subject folds (``test_fold`` is the test side, the other two folds train,
    a seventh of their people validation); with the ``small`` budget a sample of ``n``
    frames stratified by person.  Either way the Face Landmarker then measures every
    face's landmarks and blendshapes (:func:`with_landmarks` with ``measure=True``), as
    a real system would see them, and faces it does not find are left out.

    Parameters
    ----------
    n : int or None
        Number of faces (``None``: 1,200 synthetic, or every coded frame).
    size : int
        Side of the synthetic faces.
    seed : int
        Seed of the generator or of the sample.
    dataset : str, optional
        ``"disfa"`` or ``"bp4d"`` (real data only).
    test_fold : int
        The fold (1-3) that is the test side (real data only).
    **synthetic_options
        Further keyword arguments of :func:`fercourse.synth.au_faces`.

    Returns
    -------
    Dataset
        Table columns ``AUnn`` (0/1) and ``AUnn_intensity`` (0-5) per coded AU;
        ``extras["landmarks"]`` and ``extras["blendshapes"]`` measured.
    """
    from fercourse import actionunits, synth
    from fercourse.dataset import subject_split

    if not config.use_real_data():
        faces = actionunits.from_synthetic(synth.au_faces(1200 if n is None else n, size=size, seed=seed,
                                                          **synthetic_options))
        return with_landmarks(faces, measure=True, progress=False)
    names = AU_DATASETS if dataset is None else (dataset,)
    unknown = [name for name in names if name not in AU_DATASETS]
    if unknown:
        raise InvalidInputError(f"action_units: unknown dataset {unknown[0]!r}; choose from {list(AU_DATASETS)}.")
    present = [name for name in names if (config.data_dir() / name).is_dir()]
    if not present:
        raise DatasetError(
            f"Real data is switched on, but {config.data_dir()} holds none of {', '.join(names)}. "
            + IMPORT_HINT.format(name=names[0]) + " Or switch back to the synthetic faces with FERCOURSE_DATA=embedded."
        )
    if test_fold not in (1, 2, 3):
        raise InvalidInputError(f"test_fold must be 1, 2 or 3, got {test_fold!r}.")
    frames = LOADERS[present[0]]()
    total = len(frames)
    if n is not None and config.budget() == "small" and n < total:
        frames = _budget_sample(frames, count(n, "n"), seed, ["subject"])
    table = frames.table.copy()
    test = table["fold"].astype(int) == int(test_fold)
    split = np.where(test, "test", "train").astype(object)
    rest = table[~test]
    if rest["subject"].nunique() > 1:
        split[~test.to_numpy()] = subject_split(rest, val=1 / 7, test=0.0, seed=seed).to_numpy()
    table["split"] = split
    coded = Dataset(frames.name, frames.kind, frames.labels, frames.samples, table, dict(frames.extras))
    sentence = (f"{describe(frames)} Subject-independent: fold {test_fold} is the test side ({_split_counts(coded)}).")
    if len(frames) < total:
        sentence += (f" Small budget: a sample of {len(frames):,} of its {total:,} coded frames, stratified by person; "
                     "FERCOURSE_BUDGET=full uses all of them.")
    return with_landmarks(_with_description(coded, sentence), measure=True)


# ------------------------------------------------------------------ landmarks


def _cache_file(dataset: Dataset, key: bytes) -> Path:
    digest = hashlib.sha256(_CACHE_VERSION.encode() + key).hexdigest()[:16]
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in dataset.name)
    return config.data_dir() / ".cache" / "landmarks" / f"{safe}-{digest}.npz"


def _image_key(dataset: Dataset, size: int) -> bytes:
    digest = hashlib.sha256(str(size).encode())
    for i in range(len(dataset)):
        image = np.ascontiguousarray(dataset.sample(i))
        digest.update(str(image.shape).encode())
        digest.update(image.tobytes())
    return digest.digest()


def _video_key(dataset: Dataset) -> bytes:
    columns = [c for c in ("subject", "folder", "clip", "file", "n_frames", "fps") if c in dataset.table.columns]
    return dataset.name.encode() + dataset.table[columns].to_csv(index=False).encode()


def _load_cache(file: Path) -> dict[str, np.ndarray] | None:
    if not file.is_file():
        return None
    try:
        with np.load(file, allow_pickle=False) as stored:
            return {key: stored[key] for key in stored.files}
    except (OSError, ValueError) as error:
        warnings.warn(f"The landmark cache {file} could not be read ({error}); measuring again.", stacklevel=3)
        return None


def _save_cache(file: Path, arrays: dict[str, np.ndarray]) -> None:
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        buffer = io.BytesIO()
        np.savez_compressed(buffer, **arrays)
        partial = file.with_suffix(".partial")
        partial.write_bytes(buffer.getvalue())
        partial.replace(file)
    except OSError as error:
        warnings.warn(f"The landmarks could not be cached in {file.parent} ({error}); they will be measured "
                      "again next time.", stacklevel=3)


def measure_landmarks(dataset: Dataset, size: int = LANDMARKER_SIZE, progress: bool = False) -> dict[str, np.ndarray]:
    """The Face Landmarker on every image of ``dataset``, without caching or leaving anything out.

    Returns ``landmarks`` ``(N, 478, 3)`` in the original image's pixels (NaN where no
    face was found), ``blendshapes`` ``(N, 52)`` and ``found`` ``(N,)``.  Images whose
    shorter side is below ``size`` pixels are scaled up to it first.

    Parameters
    ----------
    dataset : Dataset
        An image dataset.
    size : int
        Shorter side the images are scaled up to, in pixels.
    progress : bool
        Show a progress bar.

    Returns
    -------
    dict
        The arrays ``landmarks`` (float32), ``blendshapes`` (float32) and ``found`` (bool).
    """
    from tqdm.auto import tqdm

    from fercourse import face

    landmarks = np.full((len(dataset), mesh.N_LANDMARKS, 3), np.nan, np.float32)
    blendshapes = np.zeros((len(dataset), 52), np.float32)
    found = np.zeros(len(dataset), bool)
    with face.FaceLandmarker(max_faces=1) as landmarker:
        for i in tqdm(range(len(dataset)), desc=f"{dataset.name}: landmarks", disable=not progress):
            image = dataset.sample(i)
            scale = max(1.0, size / min(image.shape[:2]))
            shown = face.resize(image, (round(image.shape[1] * scale), round(image.shape[0] * scale))) \
                if scale > 1 else image
            meshes = landmarker.detect(face.as_rgb(shown))
            if meshes:
                landmarks[i] = meshes[0].landmarks / scale
                blendshapes[i] = meshes[0].blendshape_vector()
                found[i] = True
    return {"landmarks": landmarks, "blendshapes": blendshapes, "found": found}


def _fill_gaps(points: list) -> np.ndarray:
    """Frames where the face was lost take the nearest frame's landmarks."""
    have = [i for i, p in enumerate(points) if p is not None]
    return np.stack([points[min(have, key=lambda j: (abs(j - i), j))] for i in range(len(points))])


def _measure_clips(dataset: Dataset, progress: bool) -> dict[str, np.ndarray]:
    from tqdm.auto import tqdm

    from fercourse import face

    stacks, lengths, missing = [], [], []
    for i in tqdm(range(len(dataset)), desc=f"{dataset.name}: landmarks", disable=not progress):
        meshes = face.track_meshes(dataset.sample(i), fps=float(dataset.table["fps"].iloc[i]))
        points = [None if m is None else m.landmarks for m in meshes]
        lost = sum(p is None for p in points)
        missing.append(lost)
        lengths.append(len(points))
        if lost < len(points):
            stacks.append(_fill_gaps(points).astype(np.float32))
        else:
            stacks.append(np.full((len(points), mesh.N_LANDMARKS, 3), np.nan, np.float32))
    return {"landmarks": np.concatenate(stacks), "lengths": np.array(lengths, np.int64),
            "missing": np.array(missing, np.int64)}


def with_landmarks(dataset: Dataset, size: int = LANDMARKER_SIZE, progress: bool = True,
                   measure: bool = False) -> Dataset:
    """The dataset with ``extras["landmarks"]`` (and, for images, ``extras["blendshapes"]``).

    Synthetic data already has exact landmarks and comes back unchanged, unless
    ``measure=True``: then its images are measured like real ones and the exact
    landmarks move to ``extras["exact_landmarks"]``.  For a real
    dataset the shipped Face Landmarker measures them: on every image (scaled up so its
    shorter side is at least ``size`` pixels; the landmarks are given in the original
    image's pixels), or on every frame of every clip (video mode, following the face;
    a frame where the face is lost takes its nearest frame's landmarks).  Images
    without a face, and clips whose face is lost in more than
    :data:`MAX_MISSING_FRAMES` of their frames, are left out; how many is added to the
    dataset's description (:func:`describe`).
    The measurements are cached under ``data_dir()/.cache/landmarks``, keyed by the
    data's content, so later runs read them back at once.

    Parameters
    ----------
    dataset : Dataset
        An image or video dataset.
    size : int
        Shorter side the images are scaled up to before measuring, in pixels.
    progress : bool
        Show a progress bar while measuring.
    measure : bool
        Measure images that already carry landmarks too (synthetic faces).

    Returns
    -------
    Dataset
        The dataset with the landmarks, without the samples left out; for video,
        ``extras["landmarks"]`` holds one ``(T, 478, 3)`` array per clip.

    Raises
    ------
    InvalidInputError
        If ``dataset`` is not a Dataset, is empty, or ``size`` is not a positive integer.
    NoFaceError
        If no face was found in any sample.
    DatasetError
        If a cached video measurement does not match the clips.
    """
    if not isinstance(dataset, Dataset):
        raise InvalidInputError(f"with_landmarks needs a fercourse.data.Dataset, got {type(dataset).__name__}.")
    if "landmarks" in dataset.extras and not (measure and dataset.kind == "image"):
        return dataset
    if len(dataset) == 0:
        raise InvalidInputError(f"with_landmarks: the dataset {dataset.name!r} is empty.")
    size = count(size, "size")
    video = dataset.kind == "video"
    file = _cache_file(dataset, _video_key(dataset) if video else _image_key(dataset, size))
    measured = _load_cache(file)
    if measured is None:
        measured = _measure_clips(dataset, progress) if video else measure_landmarks(dataset, size, progress)
        _save_cache(file, measured)
    extras = dict(dataset.extras)
    if video:
        lengths = measured["lengths"]
        if len(lengths) != len(dataset) or not np.array_equal(lengths, dataset.table["n_frames"].to_numpy()):
            raise DatasetError(f"The landmark cache {file} does not match {dataset.name!r}; delete it and run again.")
        per_clip = np.split(measured["landmarks"], np.cumsum(lengths)[:-1])
        keep = measured["missing"] <= MAX_MISSING_FRAMES * lengths
        holder = np.empty(len(per_clip), dtype=object)
        holder[:] = per_clip
        extras["landmarks"] = holder
        what = f"clips in which it followed the face in at least {1 - MAX_MISSING_FRAMES:.0%} of the frames"
    else:
        keep = measured["found"]
        if "landmarks" in extras:
            extras["exact_landmarks"] = extras["landmarks"]
        extras["landmarks"], extras["blendshapes"] = measured["landmarks"], measured["blendshapes"]
        what = "images in which it found a face"
    if not keep.any():
        raise NoFaceError(
            f"with_landmarks: the Face Landmarker found no face in any of the {len(dataset)} "
            f"{'clips' if video else 'images'} of {dataset.name!r}. Check that they show faces, large enough to see "
            "(at least about 100 pixels across once scaled)."
        )
    result = Dataset(dataset.name, dataset.kind, dataset.labels, dataset.samples, dataset.table, extras)
    result = result.subset(np.flatnonzero(keep)) if not keep.all() else result
    counts = result.table["split"].value_counts()
    before = dataset.table["split"].value_counts()
    per_split = ", ".join(f"{s} {counts.get(s, 0)}/{before[s]}" for s in ("train", "val", "test", "unassigned")
                          if s in before)
    sentence = (f"{dataset.name}: the Face Landmarker measured {len(result)} of {len(dataset)} "
                f"{'clips' if video else 'images'} ({per_split}); the chapter uses the {what}.")
    return _with_description(result, (describe(dataset) + " " + sentence).strip())
