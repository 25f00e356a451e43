"""Loaders for the real datasets, each in the layout its owners publish.

Every loader returns a :class:`~fercourse.data.Dataset` and reads from
``fercourse.config.data_dir() / <name>`` unless it is given a folder.  Put a download
there with ``python -m fercourse data import <name> <download>``, which checks it first.

========  =====================================================  =======================
name      layout under the dataset folder                        samples
========  =====================================================  =======================
fer2013   ``fer2013.csv`` (``emotion,pixels,Usage``), or Kaggle's  48x48 grey images
          ``icml_face_data.csv`` / ``train.csv``, or
          ``train|test/<emotion>/*.png``
ckplus    ``cohn-kanade-images/S005/001/S005_001_00000001.png``   grey images (first and
          and ``Emotion/S005/001/S005_001_*_emotion.txt``         last frame) or clips
jaffe     ``KA.AN1.39.tiff`` (subject, code + pose, number)       grey images
casme2    ``CASME2_RAW_selected/sub01/EP02_01f/img46.jpg`` and    clips at 200 fps
          ``CASME2-coding-*.xlsx``
samm      ``SAMM/006/006_1_2/006_05562.jpg`` and                  clips at 200 fps
          ``SAMM_Micro_FACS_Codes_v2.xlsx``
baum      ``<label>/*.mp4`` or ``*.avi`` (any label folders),     clips at the file's fps
          optional ``subjects.csv``
========  =====================================================  =======================

Images are grey ``uint8`` arrays (the posed datasets are grey; the few colour CK+
frames are converted).  Clips are lazy: each sample is a zero-argument callable that
reads the clip as a ``(T, H, W, 3)`` RGB ``uint8`` array when called, so a whole
micro-expression dataset never sits in memory at once.  Subject ids are kept as the
dataset writes them (``"S005"``, ``"sub01"``, ``"006"``, ``"KA"``); FER2013 records none,
so its subjects are all ``"unknown"`` (:data:`~fercourse.data.dataset.UNKNOWN_SUBJECT`).

FER2013 keeps the split its download gives (``Usage``, or the split folders).  A split
the download lacks is made from its training rows, stratified by label with seed 0,
about 1/8 of them (what PublicTest is of Training), with a :class:`SplitWarning`; the
table's ``split_source`` says ``official`` or ``made`` per row and
``Dataset.description`` says in words what was read and how it was split.

Anything that does not match the published format raises
:class:`~fercourse.errors.DatasetError` naming the file, line or cell.  Files that are
not part of the format (a ``README``, a sequence without a label) are left out with a
warning that says how many and which.
"""

from __future__ import annotations

import bisect
import contextlib
import csv
import functools
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from fercourse import config, emotions, video
from fercourse.checks import inside
from fercourse.data.dataset import UNKNOWN_SUBJECT, Dataset, proportional_counts
from fercourse.errors import DatasetError, InvalidInputError

__all__ = [
    "LOADERS",
    "load",
    "load_fer2013",
    "load_fer2013_csv",
    "load_fer2013_folders",
    "SplitWarning",
    "load_ckplus",
    "load_jaffe",
    "load_casme2",
    "load_samm",
    "load_video_folders",
    "as_megc",
]

FER2013_SIDE = 48
FER2013_USAGE = {"Training": "train", "PublicTest": "val", "PrivateTest": "test"}
#: Split folders of FER2013's image-folder version (Kaggle's has ``train`` and ``test``).
FER2013_FOLDERS = {"train": "train", "val": "val", "validation": "val", "test": "test"}
#: The size of a split made where a FER2013 download lacks one, as a share of its training
#: rows: what PublicTest is of Training in the official split (3,589 / 28,709, about 1/8).
FER2013_MADE_SHARE = 3_589 / 28_709
#: The seed of the stratified draw that makes such a split (the same rows every time).
FER2013_MADE_SEED = 0
#: The CSV files that hold all of FER2013 with its official split, in the order a folder's are preferred.
FER2013_FULL_CSVS = ("fer2013.csv", "icml_face_data.csv")
#: Files of Kaggle's competition download that hold no labelled faces to read, and why.
FER2013_OTHER_FILES = {
    "test.csv": "the competition's test faces without labels: cannot be used for evaluation",
    "example_submission.csv": "a template for Kaggle submissions, no faces",
}
#: Archives inside a download: left out with a note, never extracted by the loader or the importer.
NESTED_ARCHIVES = (".zip", ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz", ".gz", ".rar", ".7z")
CKPLUS_FPS = 30.0
MICRO_FPS = 200.0
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff")
VIDEO_SUFFIXES = (".mp4", ".avi", ".mov", ".mkv")
#: How every "dataset missing" message ends.
IMPORT_HINT = "Put the download there with `python -m fercourse data import {name} <download>`."

# ------------------------------------------------------------------- helpers


def _dataset_root(root, name: str) -> Path:
    """The dataset folder: ``root`` if given, else ``data_dir()/name``; it must exist."""
    folder = Path(root).expanduser() if root is not None else config.data_dir() / name
    if not folder.is_dir():
        what = "is a file, not a folder" if folder.exists() else "does not exist"
        raise DatasetError(
            f"The {name} folder {folder} {what}. Give the folder that holds the dataset. "
            + IMPORT_HINT.format(name=name)
        )
    return folder


def _subfolder(root: Path, names: tuple[str, ...], what: str) -> Path:
    """The first of ``names`` that is a folder in ``root``."""
    for name in names:
        if (root / name).is_dir():
            return root / name
    raise DatasetError(f"{root} has no folder {' or '.join(names)}; it should hold {what}.")


def _one_file(root: Path, pattern: str, what: str) -> Path:
    found = sorted(root.glob(pattern))
    if len(found) != 1:
        problem = "no file" if not found else f"{len(found)} files ({', '.join(f.name for f in found)})"
        raise DatasetError(
            f"{root} has {problem} matching {pattern}; expected exactly one: {what}. "
            "Keep the one that came with your download next to the frame folders."
        )
    return found[0]


def _relative(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


def _warn_left_out(items: list[str], why: str) -> None:
    if items:
        shown = ", ".join(items[:5]) + (f" and {len(items) - 5} more" if len(items) > 5 else "")
        warnings.warn(f"Left out {len(items)} item(s) {why}: {shown}.", UserWarning, stacklevel=3)


def _progress(items, desc: str):
    from tqdm.auto import tqdm

    return tqdm(items, desc=desc, leave=False)


def _label(value, dataset: str, where: str, canonical: bool = True) -> str:
    """The label of ``value`` (canonical or the dataset's own), or a DatasetError saying where."""
    try:
        return emotions.to_canonical(value, dataset) if canonical else emotions.dataset_label(value, dataset)
    except InvalidInputError as error:
        raise DatasetError(f"{where}: {error}") from None


def _read_gray(file: Path) -> np.ndarray:
    from fercourse import face

    try:
        return face.to_gray(face.load_image(file))
    except InvalidInputError as error:
        raise DatasetError(f"{error} Copy or download the file again.") from None


def _read_frames(files: tuple[Path, ...]) -> np.ndarray:
    """A clip stored as one image a frame, as ``(T, H, W, 3)`` RGB ``uint8``."""
    from fercourse import face

    try:
        frames = [face.load_image(f) for f in files]
    except InvalidInputError as error:
        raise DatasetError(f"{error} Copy or download the clip again.") from None
    sizes = sorted({f.shape for f in frames})
    if len(sizes) > 1:
        raise DatasetError(
            f"The frames of the clip in {files[0].parent} have different sizes {sizes}; "
            "a clip's frames must all have one size. Copy or download the clip again."
        )
    return np.stack(frames)


def _stack_or_list(images: list[np.ndarray]):
    return np.stack(images) if len({im.shape for im in images}) == 1 else images


def _frame_number(file: Path) -> int | None:
    """The frame number at the end of an image's name (``img46.jpg`` -> 46, ``006_05562.jpg`` -> 5562)."""
    match = re.search(r"(\d+)$", file.stem)
    return int(match.group(1)) if match else None


def _first_bad_line(path: Path) -> int:
    """The number of the first line of ``path`` that is not UTF-8 text (1 is the first line)."""
    number = 0
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                return number
    return number


def csv_rows(path: Path, what: str):
    """``(line number, fields)`` of every row of a CSV file, the header included.

    The one CSV reader of the loaders and the importer.  Text that is not UTF-8 and a
    field longer than the csv module takes (a damaged file, or not a CSV at all) raise
    :class:`DatasetError` naming the file and line; ``what`` says what to do
    (``"download fer2013.csv again"``).
    """
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        try:
            for fields in reader:
                yield reader.line_num, fields
        except UnicodeDecodeError as error:
            raise DatasetError(
                f"{path}, line {_first_bad_line(path)}: bytes that are not UTF-8 text ({error.reason}: "
                f"{error.object[error.start:error.start + 4]!r}); the file is damaged or not a CSV. {what}."
            ) from None
        except csv.Error as error:
            raise DatasetError(f"{path}, line {reader.line_num}: {error}; the file is damaged or not a CSV. {what}.") from None


# ------------------------------------------------------------------- FER2013


class SplitWarning(UserWarning):
    """A download lacked a split (validation, test) and the loader made it from the training rows."""


def _pixels(text: str, where: str, name: str = "fer2013.csv") -> np.ndarray:
    try:
        values = np.fromstring(text, dtype=np.int64, sep=" ")
    except ValueError:
        bad = next((t for t in text.split() if not t.isdigit()), text.strip()[:20])
        raise DatasetError(
            f"{where}: pixel value {bad!r} is not an integer; the pixels column holds "
            f"{FER2013_SIDE * FER2013_SIDE} whole numbers 0..255 separated by spaces. "
            f"The file is damaged: download {name} again."
        ) from None
    if values.size != FER2013_SIDE * FER2013_SIDE:
        raise DatasetError(
            f"{where}: {values.size} pixel values, expected {FER2013_SIDE * FER2013_SIDE} "
            f"({FER2013_SIDE} x {FER2013_SIDE}). The row is cut short or damaged: download {name} again."
        )
    if values.min() < 0 or values.max() > 255:
        raise DatasetError(f"{where}: pixel values run from {values.min()} to {values.max()}; expected 0..255.")
    return values.astype(np.uint8).reshape(FER2013_SIDE, FER2013_SIDE)


def _made_size(pool: int, sides: int) -> int:
    """Rows of each made split: FER2013's PublicTest share of a pool of training rows, at least one row where
    the pool allows, always leaving training rows."""
    size = int(np.floor(pool * FER2013_MADE_SHARE + 0.5))
    if size == 0 and pool > sides:
        size = 1
    while size > 0 and size * sides >= pool:
        size -= 1
    return size


def _make_splits(table: pd.DataFrame, missing: list[str]) -> None:
    """Move rows of the training split into the ``missing`` splits, in place.

    Stratified by label, deterministic (seed :data:`FER2013_MADE_SEED`): each made split
    gets :data:`FER2013_MADE_SHARE` of the training rows (PublicTest's share of Training),
    and every label gives its share.  ``split_source`` of the moved rows becomes ``made``.
    """
    pool = np.flatnonzero(table["split"].to_numpy() == "train")
    size = _made_size(len(pool), len(missing))
    pool_labels = table["label"].to_numpy()[pool]
    counts = {label: int((pool_labels == label).sum()) for label in emotions.FER2013_LABELS
              if (pool_labels == label).any()}
    rng = np.random.default_rng(FER2013_MADE_SEED)
    shuffled = {label: pool[pool_labels == label][rng.permutation(counts[label])] for label in counts}
    used = dict.fromkeys(counts, 0)
    split, source = table["split"].to_numpy(object), table["split_source"].to_numpy(object)
    for side in missing:
        share = proportional_counts(size, counts, {label: counts[label] - used[label] for label in counts})
        for label, n in share.items():
            rows = shuffled[label][used[label]: used[label] + n]
            split[rows], source[rows] = side, "made"
            used[label] += n
    table["split"], table["split_source"] = split, source


def _fill_fer2013_splits(table: pd.DataFrame, origin: str, why: str, pool: str) -> list[str]:
    """Make the validation (and test) split a FER2013 download lacks from its training rows, and warn.

    ``origin`` names the download form, ``why`` says why the split is missing and
    ``pool`` what the rows were taken from.  Returns the splits made.
    """
    missing = [side for side in ("val", "test") if not (table["split"] == side).any()]
    if not missing:
        return []
    training = int((table["split"] == "train").sum())
    if training == 0:
        warnings.warn(
            f"FER2013 from {origin} has no training rows, only {', '.join(sorted(set(table['split'])))}: there is "
            f"nothing to train on and nothing to make the missing {' and '.join(missing)} split from. Use the complete "
            "download (fer2013.csv, icml_face_data.csv, or the train/ and test/ folders together).",
            SplitWarning,
            stacklevel=3,
        )
        return []
    names = {"val": "validation", "test": "test"}
    if _made_size(training, len(missing)) == 0:
        warnings.warn(
            f"FER2013 from {origin} has no {' and no '.join(names[side] for side in missing)} split ({why}), and "
            f"its {training} training "
            f"row(s) are too few to make one from. Use the complete download.",
            SplitWarning,
            stacklevel=3,
        )
        return []
    _make_splits(table, missing)
    count = table["split"].value_counts()
    made, kept = count.get(missing[0], 0), count.get("train", 0)
    text = (f"FER2013 from {origin} has no {' and no '.join(names[side] for side in missing)} split ({why}). Made "
            f"{' and '.join(missing)} of {made:,} face{'s' if made != 1 else ''}{'' if len(missing) == 1 else ' each'} "
            f"from {pool}, stratified by label with seed {FER2013_MADE_SEED} ({FER2013_MADE_SHARE:.1%} of them, as "
            f"PublicTest is of Training); {kept:,} stay{'s' if kept == 1 else ''} in train.")
    if "test" in missing:
        text += (" These are not FER2013's official PublicTest/PrivateTest splits, so scores on them do not compare "
                 "with published FER2013 results.")
    warnings.warn(text + " The table's split_source column marks the rows whose split was made.", SplitWarning,
                  stacklevel=3)
    return missing


def _fer2013_description(table: pd.DataFrame, origin: str, names: dict[str, str], made: list[str],
                         pool: str) -> str:
    """The learner's one or two sentences about a FER2013 table: where it came from, how it was split."""
    count = table["split"].value_counts()
    official = [f"{count.get(side, 0):,} {side} ({names[side]})" for side in ("train", "val", "test")
                if side in count and side not in made and not (made and side == "train")]
    text = f"FER2013 ({origin}): {len(table):,} faces"
    if not made:
        text += ", official split: " + ", ".join(official)
    else:
        if official:
            text += "; official split: " + ", ".join(official)
        text += (f"; made here: {' and '.join(f'{count.get(side, 0):,} {side}' for side in made)} from {pool} "
                 f"(stratified by label, seed {FER2013_MADE_SEED}), leaving {count.get('train', 0):,} train")
        if "test" in made:
            text += "; these are not FER2013's official PublicTest/PrivateTest splits"
    return text + (". FER2013 records no subject ids, so the same person may appear in more than one split; "
                   "the leak check cannot apply.")


def load_fer2013_csv(path) -> Dataset:
    """FER2013 from a CSV: ``emotion`` (0..6), ``pixels`` (2304 numbers) and usually ``Usage``.

    Reads ``fer2013.csv`` (``emotion,pixels,Usage``), Kaggle's ``icml_face_data.csv``
    (``emotion, Usage, pixels``: column names are matched without their spaces) and
    Kaggle's ``train.csv`` (``emotion,pixels``, FER2013's Training rows only).
    ``Usage`` becomes the split (``Training`` -> train, ``PublicTest`` -> val,
    ``PrivateTest`` -> test).  A split the file lacks is made from the training rows
    (all rows of a CSV without ``Usage``): stratified by label, seed 0, the share of
    the training rows that PublicTest is of Training (about 1/8), with a
    :class:`SplitWarning`.  ``split_source`` says ``official`` or ``made`` per row, and
    the dataset's ``description`` says what was done.  FER2013 records no subject ids:
    every ``subject`` is :data:`~fercourse.data.dataset.UNKNOWN_SUBJECT`, so the
    subject-leakage checks cannot say anything about it.  The table also has ``usage``
    and ``line`` (the CSV line, 1 being the header).
    """
    path = Path(path)
    if not path.is_file():
        raise DatasetError(f"The FER2013 CSV {path} does not exist; check the path.")
    images, labels, usages, lines = [], [], [], []
    with contextlib.closing(csv_rows(path, f"Download {path.name} again")) as rows:
        _, header = next(rows, (0, None))
        if header is None:
            raise DatasetError(f"{path} is empty; expected the header line emotion,pixels,Usage and one row a face.")
        columns = [name.strip() for name in header]
        missing = [name for name in ("emotion", "pixels") if name not in columns]
        if missing == ["emotion"]:
            raise DatasetError(
                f"{path}, line 1: the header {','.join(header)!r} has pixels but no emotion column: this is the "
                "unlabelled test set of Kaggle's competition download (test.csv), which cannot be used for training "
                "or evaluation. Load icml_face_data.csv or fer2013.csv (all 35,887 labelled faces with their "
                "official split) or train.csv instead."
            )
        if missing:
            raise DatasetError(
                f"{path}, line 1: the header {','.join(header)!r} lacks the column(s) {', '.join(missing)}; "
                "FER2013's CSV starts with emotion,pixels,Usage. Check that this is fer2013.csv."
            )
        emotion_at, pixels_at = columns.index("emotion"), columns.index("pixels")
        usage_at = columns.index("Usage") if "Usage" in columns else None
        for line, fields in _progress(rows, desc=path.name):
            where = f"{path}, line {line}"
            if not any(field.strip() for field in fields):
                continue
            if len(fields) != len(columns):
                raise DatasetError(
                    f"{where}: {len(fields)} fields for the {len(columns)} columns {', '.join(columns)}. "
                    "The file is damaged: download it again."
                )
            labels.append(_label(fields[emotion_at].strip(), "fer2013", f"{where}, column emotion"))
            images.append(_pixels(fields[pixels_at], where, path.name))
            usage = fields[usage_at].strip() if usage_at is not None else ""
            if usage_at is not None and usage not in FER2013_USAGE:
                raise DatasetError(f"{where}: Usage {usage!r} is not one of {', '.join(FER2013_USAGE)}.")
            usages.append(usage)
            lines.append(line)
    if not images:
        raise DatasetError(f"{path} has a header but no rows; download {path.name} again.")
    training_only = usage_at is None and path.name.lower() == "train.csv"
    table = pd.DataFrame(
        {
            "label": labels,
            "subject": UNKNOWN_SUBJECT,
            "split": [FER2013_USAGE.get(u, "train") for u in usages],
            "split_source": "official" if usage_at is not None or training_only else "made",
            "usage": usages,
            "line": lines,
        }
    )
    names = {"train": "Training", "val": "PublicTest", "test": "PrivateTest"}
    if usage_at is not None:
        absent = [names[side] for side in ("val", "test") if not (table["split"] == side).any()]
        origin, pool, why = path.name, "the Training rows", f"its Usage column has no {' or '.join(absent)} rows"
    elif training_only:
        origin, pool = f"{path.name} of Kaggle's competition download", "its rows"
        why = ("train.csv holds only FER2013's Training rows, and the test.csv that comes with it has no labels, so "
               "it cannot be used for evaluation")
    else:
        origin, pool, why = f"{path.name}, without a Usage column", "its rows", "the file has no Usage column"
    made = _fill_fer2013_splits(table, origin, why, pool)
    description = _fer2013_description(table, origin, names, made, pool)
    return Dataset("fer2013", "image", emotions.FER2013_LABELS, np.stack(images), table, description=description)


def load_fer2013_folders(root) -> Dataset:
    """FER2013 as image folders, ``train|test/<emotion>/*.png`` (Kaggle's folder version).

    Folder names are FER2013's class names (angry, disgust, fear, happy, neutral, sad,
    surprise); ``val`` or ``validation`` folders are read too.  Without one, a
    validation split is made from the train folder's images (stratified by label, seed
    0, about 1/8 of them, as PublicTest is of Training) with a :class:`SplitWarning`;
    ``split_source`` says ``official`` or ``made`` per row.  Subjects are
    :data:`~fercourse.data.dataset.UNKNOWN_SUBJECT` (FER2013 has no subject ids); the
    table's ``file`` is the path relative to ``root``.
    """
    root = _dataset_root(root, "fer2013")
    rows, images, left_out = [], [], []
    order = list(FER2013_FOLDERS)
    split_dirs = sorted((p for p in root.iterdir() if p.is_dir() and p.name.lower() in FER2013_FOLDERS),
                        key=lambda p: (order.index(p.name.lower()), p.name))
    for split_dir in split_dirs:
        for label_dir in sorted(p for p in split_dir.iterdir() if p.is_dir()):
            label = _label(label_dir.name, "fer2013", f"Folder {_relative(label_dir, root)}")
            for file in sorted(label_dir.iterdir()):
                if file.suffix.lower() not in IMAGE_SUFFIXES:
                    left_out.append(_relative(file, root))
                    continue
                images.append(_read_gray(file))
                rows.append((label, FER2013_FOLDERS[split_dir.name.lower()], _relative(file, root)))
    _warn_left_out(left_out, "that are not images")
    if not rows:
        raise DatasetError(
            f"{root} holds no FER2013 images; expected train/<emotion>/*.png and test/<emotion>/*.png "
            f"with emotion one of {', '.join(sorted(emotions.FER2013_LABELS))}."
        )
    table = pd.DataFrame(rows, columns=["label", "split", "file"]).assign(subject=UNKNOWN_SUBJECT,
                                                                          split_source="official")
    table = table[["label", "subject", "split", "split_source", "file"]]
    origin = "image folders " + " and ".join(f"{p.name}/" for p in split_dirs)
    why = "no val/ or validation/ folder" + ("" if (table["split"] == "test").any() else " and no test/ folder")
    made = _fill_fer2013_splits(table, origin, why, "the train folder")
    names = {side: " and ".join(f"folder {p.name}/" for p in split_dirs if FER2013_FOLDERS[p.name.lower()] == side)
             for side in ("train", "val", "test")}
    description = _fer2013_description(table, origin, names, made, "the train folder")
    return Dataset("fer2013", "image", emotions.FER2013_LABELS, _stack_or_list(images), table,
                   description=description)


def _fer2013_extras(root: Path, read: str) -> list[str]:
    """What a FER2013 folder holds beside the file or folders that are read, and why it is not read."""
    notes = []
    for entry in sorted(root.iterdir()):
        name = entry.name
        if name == read or name.startswith(".") or (entry.is_dir() and name.lower() in FER2013_FOLDERS):
            continue
        if entry.is_file() and name.lower().endswith(NESTED_ARCHIVES):
            better = "" if read in FER2013_FULL_CSVS else (
                "; if it holds fer2013.csv, extract it and import that instead, to get FER2013's official split")
            notes.append(f"{name} (an archive inside the download: not extracted{better})")
        elif name in ("fer2013.csv", "icml_face_data.csv", "train.csv") and read in FER2013_FULL_CSVS:
            notes.append(f"{name} (the same {'Training ' if name == 'train.csv' else ''}rows as {read})")
        elif name in FER2013_OTHER_FILES:
            notes.append(f"{name} ({FER2013_OTHER_FILES[name]})")
        elif entry.is_file() and entry.suffix.lower() == ".csv":
            notes.append(f"{name} (another CSV: not read)")
    return notes


def load_fer2013(path=None) -> Dataset:
    """FER2013 from ``path``: a CSV, or a folder in the layout of one of its downloads.

    With no ``path`` it reads ``data_dir()/fer2013``.  In a folder the loader reads, in
    this order of preference: ``fer2013.csv`` (the ICML/Kaggle file, and the classic
    ``fer2013.tar.gz``); ``icml_face_data.csv`` (Kaggle's competition download, the same
    rows); the image folders ``train/`` and ``test/`` (Kaggle's folder version,
    ``archive.zip``); ``train.csv`` alone (the competition's Training rows; its
    ``test.csv`` has no labels).  What else the folder holds (``test.csv``,
    ``example_submission.csv``, an archive inside the download, which is never
    extracted) is left out with a warning.  Splits the download lacks are made from its
    training rows, with a :class:`SplitWarning`: see :func:`load_fer2013_csv` and
    :func:`load_fer2013_folders`.  Subjects are ``"unknown"`` (FER2013 has no subject
    ids); ``dataset.description`` says which form was read and how it was split.
    """
    if path is not None and Path(path).is_file():
        return load_fer2013_csv(path)
    root = _dataset_root(path, "fer2013")
    for name in FER2013_FULL_CSVS:
        if (root / name).is_file():
            _warn_left_out(_fer2013_extras(root, name), f"beside {name}, which holds the labelled faces")
            return load_fer2013_csv(root / name)
    if any((root / name).is_dir() for name in FER2013_FOLDERS):
        _warn_left_out(_fer2013_extras(root, ""), "beside the image folders, which hold the faces")
        return load_fer2013_folders(root)
    if (root / "train.csv").is_file():
        _warn_left_out(_fer2013_extras(root, "train.csv"), "beside train.csv, which holds the labelled faces")
        return load_fer2013_csv(root / "train.csv")
    csvs = sorted(c for c in root.glob("*.csv") if c.name not in FER2013_OTHER_FILES)
    if len(csvs) == 1:
        _warn_left_out(_fer2013_extras(root, csvs[0].name), f"beside {csvs[0].name}, which holds the faces")
        return load_fer2013_csv(csvs[0])
    found = [entry.name + ("/" if entry.is_dir() else "") for entry in sorted(root.iterdir())
             if not entry.name.startswith(".")]
    archives = [name for name in found if name.lower().endswith(NESTED_ARCHIVES)]
    if archives:
        advice = (f"It holds {', '.join(archives)}, an archive inside the download, which is not extracted: extract it "
                  "(or import it with `python -m fercourse data import fer2013 <that archive>`) and load the result.")
    elif len(csvs) > 1:
        advice = (f"It holds several CSV files ({', '.join(c.name for c in csvs)}) and none of the known names: "
                  "rename the FER2013 one to fer2013.csv or give its path.")
    elif "test.csv" in found:
        advice = ("Its test.csv has no labels, so it cannot be used for training or evaluation: add the "
                  "icml_face_data.csv or train.csv of the same download.")
    else:
        advice = IMPORT_HINT.format(name="fer2013")
    shown = ", ".join(found[:8]) + (", ..." if len(found) > 8 else "") if found else "nothing"
    raise DatasetError(
        f"{root} holds neither fer2013.csv nor the train/ and test/ image folders of FER2013 "
        f"(nor icml_face_data.csv or train.csv of Kaggle's competition download); it holds {shown}. {advice}"
    )


# ----------------------------------------------------------------------- CK+


def load_ckplus(root=None, *, video: bool = False) -> Dataset:
    """CK+: the labelled sequences of ``cohn-kanade-images/`` with their ``Emotion/`` files.

    Only the sequences that have an ``*_emotion.txt`` (327 of the 593) are used; the
    others are left out with a warning.  By default each sequence gives two grey
    images: its first frame, labelled ``neutral``, and its last (apex) frame, labelled
    with the sequence's emotion; the table has ``sequence``, ``frame`` (index in the
    sequence) and ``file``.  With ``video=True`` each sequence is one lazy clip at
    30 fps with onset 0 and apex and offset at the last frame (CK+ sequences run from
    neutral to the peak).  Labels are the course's canonical names, contempt included.
    """
    root = _dataset_root(root, "ckplus")
    images_dir = _subfolder(root, ("cohn-kanade-images",), "the frames (extended-cohn-kanade-images archive)")
    labels_dir = _subfolder(root, ("Emotion",), "the emotion labels (Emotion_labels archive)")
    sequences = {}
    for file in sorted(labels_dir.glob("*/*/*_emotion.txt")):
        key = (file.parent.parent.name, file.parent.name)
        if key in sequences:
            raise DatasetError(
                f"{file.parent} holds more than one *_emotion.txt; a CK+ sequence has one label. "
                "Remove the extra file."
            )
        sequences[key] = file
    if not sequences:
        raise DatasetError(f"{labels_dir} holds no Emotion/<subject>/<sequence>/*_emotion.txt files.")
    unlabelled = sorted(
        _relative(d, root) for d in images_dir.glob("*/*") if d.is_dir() and (d.parent.name, d.name) not in sequences
    )
    _warn_left_out(unlabelled, "because CK+ gives them no emotion file")

    rows, samples = [], []
    for (subject, sequence), label_file in _progress(sequences.items(), desc="CK+"):
        where = _relative(label_file, root)
        label = _label(label_file.read_text(errors="replace").strip(), "ckplus", where)
        frames = sorted((images_dir / subject / sequence).glob("*.png"))
        if not frames:
            raise DatasetError(
                f"{where} labels a sequence, but {_relative(images_dir, root)}/{subject}/{sequence} has no PNG "
                "frames; the image archive is incomplete. Extract it again."
            )
        base = {"subject": subject, "split": "unassigned", "sequence": sequence}
        if video:
            n = len(frames)
            samples.append(functools.partial(_read_frames, tuple(frames)))
            rows.append({"label": label, **base, "fps": CKPLUS_FPS, "n_frames": n, "onset": 0,
                         "apex": n - 1, "offset": n - 1, "folder": _relative(frames[0].parent, root)})
        else:
            for index, frame_label in ((0, "neutral"), (len(frames) - 1, label)):
                samples.append(_read_gray(frames[index]))
                rows.append({"label": frame_label, **base, "frame": index, "file": _relative(frames[index], root)})
    kind = "video" if video else "image"
    return Dataset("ckplus", kind, emotions.CANONICAL_LABELS, samples if video else _stack_or_list(samples),
                   pd.DataFrame(rows))


# --------------------------------------------------------------------- JAFFE

_JAFFE_NAME = re.compile(r"^([A-Za-z]{2})\.([A-Za-z]{2})(\d+)\.(\d+)\.tiff?$", re.IGNORECASE)


def load_jaffe(root=None) -> Dataset:
    """JAFFE: 213 grey photos named ``<subject>.<code><pose>.<number>.tiff`` (``KA.AN1.39.tiff``).

    The subject is the first part (``KA``), the expression code the second
    (NE HA SA SU AN DI FE, mapped to canonical names); the table also keeps ``code``,
    ``pose``, ``number`` and ``file``.  TIFF files named otherwise are left out with a
    warning.
    """
    root = _dataset_root(root, "jaffe")
    rows, images, left_out = [], [], []
    for file in sorted(p for p in root.rglob("*") if p.suffix.lower() in (".tif", ".tiff")):
        match = _JAFFE_NAME.match(file.name)
        if not match:
            left_out.append(_relative(file, root))
            continue
        subject, code, pose, number = match.groups()
        label = _label(code, "jaffe", f"File {_relative(file, root)} (expression code {code})")
        images.append(_read_gray(file))
        rows.append((label, subject.upper(), code.upper(), int(pose), int(number), _relative(file, root)))
    _warn_left_out(left_out, "whose names do not follow JAFFE's SUBJECT.CODE<pose>.<number>.tiff")
    if not rows:
        raise DatasetError(f"{root} holds no JAFFE images named like KA.AN1.39.tiff. " + IMPORT_HINT.format(name="jaffe"))
    table = pd.DataFrame(rows, columns=["label", "subject", "code", "pose", "number", "file"]).assign(split="unassigned")
    return Dataset("jaffe", "image", emotions.FER2013_LABELS, _stack_or_list(images), table)


# ------------------------------------------------------ CASME II and SAMM

# The coding spreadsheets' columns, by key.  CASME II writes "OnsetFrame", SAMM
# "Onset Frame": names are compared without case, spaces or punctuation.
_SHEET_COLUMNS = {
    "subject": "Subject",
    "filename": "Filename",
    "onset": "Onset Frame",
    "apex": "Apex Frame",
    "offset": "Offset Frame",
    "aus": "Action Units",
    "emotion": "Estimated Emotion",
}
_HEADER_SEARCH_ROWS = 30


def _squash(value) -> str:
    return re.sub(r"[^a-z0-9]", "", str(value).lower())


def _read_sheet(file: Path) -> tuple[dict[str, int], list[tuple[int, tuple]]]:
    """Column positions by key and ``(spreadsheet row, values)`` of the rows below the header.

    The header is the row (among the first 30) that holds the most of the expected
    column names, so title rows above the table are fine.
    """
    try:
        import openpyxl
    except ImportError:
        raise DatasetError(f"Reading {file.name} needs openpyxl: pip install openpyxl") from None
    try:
        book = openpyxl.load_workbook(file, read_only=True, data_only=True)
        rows = [tuple(row) for row in book.worksheets[0].iter_rows(values_only=True)]
        book.close()
    except Exception as error:  # openpyxl raises many kinds for a damaged or non-Excel file
        raise DatasetError(
            f"{file} could not be read as an Excel workbook ({type(error).__name__}: {error}); "
            "use the .xlsx that came with the dataset."
        ) from None
    wanted = {_squash(name): key for key, name in _SHEET_COLUMNS.items()}
    best_row, best = 0, {}
    for number, row in enumerate(rows[:_HEADER_SEARCH_ROWS], start=1):
        found = {wanted[_squash(c)]: i for i, c in enumerate(row) if c is not None and _squash(c) in wanted}
        if len(found) > len(best):
            best_row, best = number, found
    expected = ", ".join(_SHEET_COLUMNS.values())
    if len(best) < 2:
        raise DatasetError(
            f"{file}: none of its first {_HEADER_SEARCH_ROWS} rows holds the column names {expected}; "
            "use the coding spreadsheet that came with the dataset."
        )
    missing = [name for key, name in _SHEET_COLUMNS.items() if key not in best]
    if missing:
        raise DatasetError(
            f"{file}, row {best_row}: the header lacks the column(s) {', '.join(missing)}; "
            f"expected {expected}. Restore the column or use the spreadsheet as it came with the dataset."
        )
    return best, [(best_row + 1 + i, row) for i, row in enumerate(rows[best_row:])]


def _frame_cell(value, where: str) -> int | None:
    """A frame number from a cell; ``None`` where the sheet gives none ('/', blank, 0 or negative)."""
    if value is None or (isinstance(value, str) and value.strip() in ("", "/", "-")):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise DatasetError(f"{where}: {value!r} is not a frame number; expected a whole number or '/'.") from None
    if not number.is_integer():
        raise DatasetError(f"{where}: {value!r} is not a whole frame number.")
    return int(number) if number > 0 else None


def _phase_indices(numbers: list[int], onset, apex, offset, where: str) -> tuple[list[int], list[str]]:
    """Onset, apex and offset as 0-based indices into the clip's sorted frame numbers.

    The rule for incomplete cells: a missing onset is the clip's first frame, a missing
    offset its last, a missing apex the middle frame between onset and offset.  A frame
    number that is not in the folder becomes the nearest frame that is, and an apex
    outside onset..offset is moved to the nearer end.  Each repair is noted.
    """
    notes = []

    def index(value, fallback, name):
        if value is None:
            notes.append(f"{name} not given: {'first' if fallback == 0 else 'last'} frame used")
            return fallback
        at = min(bisect.bisect_left(numbers, value), len(numbers) - 1)
        if at > 0 and abs(numbers[at - 1] - value) <= abs(numbers[at] - value):
            at -= 1
        if numbers[at] != value:
            notes.append(f"{name} frame {value} is not in the clip folder: nearest frame {numbers[at]} used")
        return at

    start = index(onset, 0, "onset")
    end = index(offset, len(numbers) - 1, "offset")
    if start > end:
        raise DatasetError(f"{where}: the onset frame {onset} comes after the offset frame {offset}; fix the row.")
    if apex is None:
        notes.append("apex not given: middle frame between onset and offset used")
        peak = (start + end) // 2
    else:
        peak = index(apex, 0, "apex")
        if not start <= peak <= end:
            notes.append(f"apex frame {apex} lies outside onset..offset: moved to the nearer end")
            peak = min(max(peak, start), end)
    return [start, peak, end], notes


def _load_micro(name: str, root, sheet_pattern: str, frame_dirs: tuple[str, ...], subject_id) -> Dataset:
    """The shared reader of CASME II and SAMM: a coding spreadsheet plus one frame folder a clip."""
    root = _dataset_root(root, name)
    sheet = _one_file(root, sheet_pattern, "the coding spreadsheet")
    frames_root = _subfolder(root, frame_dirs, "one folder of frames a subject")
    columns, sheet_rows = _read_sheet(sheet)
    rows, samples = [], []
    for line, cells in _progress(sheet_rows, desc=name):
        value = {key: cells[i] if i < len(cells) else None for key, i in columns.items()}
        if value["subject"] is None and value["filename"] is None:
            continue  # blank rows below the table
        where = f"{sheet.name}, row {line}"
        if value["subject"] is None or value["filename"] is None:
            raise DatasetError(f"{where}: the Subject or Filename cell is empty; fill it in or remove the row.")
        subject = subject_id(value["subject"], where)
        clip = str(value["filename"]).strip()
        folder = inside(frames_root / subject / clip, frames_root, f"{where}, column Filename ({clip!r})")
        files = [f for f in folder.glob("*") if f.suffix.lower() in IMAGE_SUFFIXES] if folder.is_dir() else []
        numbered = sorted((n, f) for n, f in ((_frame_number(f), f) for f in files) if n is not None)
        if not numbered:
            raise DatasetError(
                f"{where}: the clip folder {_relative(folder, root)} is missing or holds no numbered frames; "
                "extract the frames archive again, or remove the row if you left the clip out on purpose."
            )
        numbers = [n for n, _ in numbered]
        phases = [_frame_cell(value[k], f"{where}, column {_SHEET_COLUMNS[k]}") for k in ("onset", "apex", "offset")]
        indices, notes = _phase_indices(numbers, *phases, where)
        label = _label(value["emotion"], name, f"{where}, column Estimated Emotion", canonical=False)
        samples.append(functools.partial(_read_frames, tuple(f for _, f in numbered)))
        rows.append(
            {
                "label": label,
                "subject": subject,
                "split": "unassigned",
                "fps": MICRO_FPS,
                "n_frames": len(numbers),
                "onset": indices[0],
                "apex": indices[1],
                "offset": indices[2],
                "clip": clip,
                **{f"{k}_frame": numbers[i] for k, i in zip(("onset", "apex", "offset"), indices)},
                "aus": "" if value["aus"] is None else str(value["aus"]).strip(),
                "megc": emotions.to_megc(label, name),
                "notes": "; ".join(notes),
                "folder": _relative(folder, root),
            }
        )
    if not rows:
        raise DatasetError(f"{sheet} lists no clips below its header row.")
    table = pd.DataFrame(rows)
    title = {"casme2": "CASME II", "samm": "SAMM"}.get(name, name)
    description = (
        f"{title} ({sheet.name}): {len(table)} clips of {table['subject'].nunique()} people at {MICRO_FPS:g} fps, "
        f"{table['megc'].notna().sum()} of them in MEGC's three classes. It has no official split: evaluate "
        "leave-one-subject-out."
    )
    return Dataset(name, "video", emotions.DATASET_LABELS[name], samples, table, description=description)


def _subject_number(value, where: str) -> int:
    text = str(value).strip()
    digits = re.sub(r"^(sub)", "", text, flags=re.IGNORECASE)
    try:
        return int(float(digits))
    except ValueError:
        raise DatasetError(f"{where}, column Subject: {value!r} is not a subject number.") from None


def load_casme2(root=None) -> Dataset:
    """CASME II: clips from ``CASME2_RAW_selected/subNN/<Filename>/imgN.jpg`` and the coding sheet.

    The sheet (``CASME2-coding-*.xlsx``) gives Subject, Filename, OnsetFrame,
    ApexFrame, OffsetFrame, Action Units and Estimated Emotion.  Clips are lazy, at
    200 fps.  ``onset``/``apex``/``offset`` are 0-based indices into the clip's frames;
    the sheet's frame numbers stay in ``onset_frame``/``apex_frame``/``offset_frame``.
    Some sheet cells give '/' or 0 instead of a frame: a missing apex becomes the middle
    frame between onset and offset, a missing offset the clip's last frame (and a
    missing onset its first); the ``notes`` column says where that happened.  Labels are
    CASME II's own words (with ``repression`` and ``others``); ``megc`` holds the MEGC
    class (``None`` for ``others``), see :func:`as_megc`.  Subjects are ``"sub01"`` ...
    """
    return _load_micro(
        "casme2", root, "CASME2-coding-*.xlsx", ("CASME2_RAW_selected", "CASME2_RAW", "CASME2-RAW", "Cropped"),
        lambda value, where: f"sub{_subject_number(value, where):02d}",
    )


def load_samm(root=None) -> Dataset:
    """SAMM: clips from ``SAMM/<subject>/<Filename>/<subject>_<frame>.jpg`` and its FACS code sheet.

    The sheet (``SAMM_Micro_FACS_Codes*.xlsx``) has title rows above the table; the
    header row is found by its column names (Subject, Filename, Onset Frame, Apex
    Frame, Offset Frame, Action Units, Estimated Emotion).  Everything else is as in
    :func:`load_casme2` (200 fps, indices within the clip, the same rule for missing
    frames, where an offset of -1 also counts as missing).  Subjects are three-digit
    strings (``"006"``); ``Other`` is written ``others``.
    """
    return _load_micro(
        "samm", root, "SAMM_Micro_FACS_Codes*.xlsx", ("SAMM",),
        lambda value, where: f"{_subject_number(value, where):03d}",
    )


def as_megc(dataset: Dataset) -> Dataset:
    """A micro-expression dataset relabelled with the three MEGC classes, ``others`` left out.

    The original label moves to the ``emotion`` column.
    """
    if "megc" not in dataset.table.columns:
        raise InvalidInputError(
            f"as_megc needs a micro-expression dataset with a 'megc' column (casme2, samm); "
            f"{dataset.name!r} has none."
        )
    part = dataset.subset(dataset.table["megc"].notna().to_numpy())
    table = part.table.assign(emotion=part.table["label"], label=part.table["megc"])
    return Dataset(f"{dataset.name}-megc", dataset.kind, emotions.MEGC_LABELS, part.samples, table, part.extras,
                   part.description)


# ------------------------------------------------------------- video folders


def _subjects_from_csv(file: Path) -> dict[str, str]:
    """Subject id by video file name from ``subjects.csv`` (columns ``filename,subject``)."""
    with contextlib.closing(csv_rows(file, "Fix the file: a header filename,subject and one line a video")) as rows:
        _, header = next(rows, (0, []))
        columns = [c.strip() for c in header]
        missing = [c for c in ("filename", "subject") if c not in columns]
        if missing:
            raise DatasetError(
                f"{file}: lacks the column(s) {', '.join(missing)}; expected a header filename,subject "
                "and one row a video (its file name, e.g. S01_take2.mp4, and the person's id)."
            )
        name_at, subject_at = columns.index("filename"), columns.index("subject")
        subjects, seen = {}, {}
        for line, fields in rows:
            if not any(field.strip() for field in fields):
                continue
            name = fields[name_at].strip() if name_at < len(fields) else ""
            subject = fields[subject_at].strip() if subject_at < len(fields) else ""
            if not name or not subject:
                empty = "filename" if not name else "subject"
                raise DatasetError(
                    f"{file}, line {line}: the {empty} cell is empty; every line names one video and the person in it "
                    "(S01_take2.mp4,S01): fill it in or remove the line."
                )
            if name in seen:
                raise DatasetError(
                    f"{file}, lines {seen[name]} and {line}: {name} is listed twice; keep one line per video, with "
                    "the right subject."
                )
            seen[name], subjects[name] = line, subject
    return subjects


def _subject_from_name(file: Path) -> str:
    prefix = re.split(r"[_\-]", file.stem, maxsplit=1)
    return prefix[0] if len(prefix) == 2 and prefix[0] else UNKNOWN_SUBJECT


def load_video_folders(root=None, *, name: str = "baum") -> Dataset:
    """Videos sorted into one folder per label (BAUM style): ``root/<label>/*.mp4|avi|mov|mkv``.

    The labels are the folder names, sorted.  Subjects come from ``root/subjects.csv``
    (columns ``filename,subject``, one row a video file name) when it exists; otherwise
    from the file name: the part before the first ``_`` or ``-`` (``S01_happy3.mp4`` ->
    ``S01``), or ``"unknown"`` for a name without one (then no subject-wise split is
    possible).  Each video is opened now to read its fps and frame count and to check
    that it decodes; the frames are read lazily, and a clip that turns out shorter than
    its header says raises :class:`DatasetError`.  BAUM-style clips have no annotated
    phases: onset is the first frame, offset the last and apex the middle one.
    """
    root = _dataset_root(root, name)
    subjects_file = root / "subjects.csv"
    subjects = _subjects_from_csv(subjects_file) if subjects_file.is_file() else None
    rows, samples, left_out = [], [], []
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "__"))):
        videos = sorted(f for f in folder.iterdir() if f.suffix.lower() in VIDEO_SUFFIXES)
        left_out += [_relative(f, root) for f in folder.iterdir() if f not in videos]
        for file in _progress(videos, desc=folder.name):
            if subjects is not None and file.name not in subjects:
                raise DatasetError(
                    f"{subjects_file} has no row for {file.name} (in {folder.name}/); add a line "
                    f"{file.name},<subject id>."
                )
            fps, count, _, _ = video.probe(file)
            samples.append(functools.partial(video.read, file, count))
            rows.append(
                {
                    "label": folder.name,
                    "subject": subjects[file.name] if subjects is not None else _subject_from_name(file),
                    "split": "unassigned",
                    "fps": fps,
                    "n_frames": count,
                    "onset": 0,
                    "apex": max(count - 1, 0) // 2,
                    "offset": max(count - 1, 0),
                    "file": _relative(file, root),
                }
            )
    _warn_left_out(left_out, f"that are not videos ({', '.join(VIDEO_SUFFIXES)})")
    if not rows:
        raise DatasetError(f"{root} holds no videos in label folders (<label>/*.mp4 or *.avi).")
    table = pd.DataFrame(rows)
    return Dataset(name, "video", tuple(sorted(table["label"].unique())), samples, table)


#: Every loader by dataset name (the names of the folders under ``data_dir()``).
LOADERS = {
    "fer2013": load_fer2013,
    "ckplus": load_ckplus,
    "jaffe": load_jaffe,
    "casme2": load_casme2,
    "samm": load_samm,
    "baum": load_video_folders,
}


def load(name: str, root=None) -> Dataset:
    """Load a dataset by name (``fer2013``, ``ckplus``, ``jaffe``, ``casme2``, ``samm``, ``baum``)."""
    key = str(name).strip().lower()
    if key not in LOADERS:
        raise InvalidInputError(f"Unknown dataset {name!r}; the course can load: {', '.join(LOADERS)}.")
    return LOADERS[key](root)
