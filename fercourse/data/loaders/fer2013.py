"""FER2013 in each of its download forms: the CSV files and the image folders."""

from __future__ import annotations

import contextlib
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from fercourse import emotions
from fercourse.data.loaders.common import (
    IMAGE_SUFFIXES,
    IMPORT_HINT,
    NESTED_ARCHIVES,
    dataset_root,
    label_of,
    progress,
    read_gray,
    relative_path,
    stack_or_list,
    warn_left_out,
    csv_rows,
)
from fercourse.dataset import UNKNOWN_SUBJECT, Dataset, proportional_counts
from fercourse.errors import DatasetError

__all__ = ["SplitWarning", "load_fer2013", "load_fer2013_csv", "load_fer2013_folders"]

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
    "fer2013new.csv": "FER+'s new labels for these faces, no faces: read them with load_ferplus",
}

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
    every ``subject`` is :data:`~fercourse.dataset.UNKNOWN_SUBJECT`, so the
    subject-leakage checks cannot say anything about it.  The table also has ``usage``
    and ``line`` (the CSV line, 1 being the header).

    Parameters
    ----------
    path : str or pathlib.Path
        The CSV file.

    Returns
    -------
    Dataset
        The faces as 48x48 grey ``uint8`` images with FER2013's seven labels.

    Raises
    ------
    DatasetError
        If the file is missing, lacks the columns or holds a malformed row.
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
        for line, fields in progress(rows, desc=path.name):
            where = f"{path}, line {line}"
            if not any(field.strip() for field in fields):
                continue
            if len(fields) != len(columns):
                raise DatasetError(
                    f"{where}: {len(fields)} fields for the {len(columns)} columns {', '.join(columns)}. "
                    "The file is damaged: download it again."
                )
            labels.append(label_of(fields[emotion_at].strip(), "fer2013", f"{where}, column emotion"))
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
    :data:`~fercourse.dataset.UNKNOWN_SUBJECT` (FER2013 has no subject ids); the
    table's ``file`` is the path relative to ``root``.

    Parameters
    ----------
    root : str or pathlib.Path or None
        The folder that holds the split folders; ``None`` reads ``data_dir()/fer2013``.

    Returns
    -------
    Dataset
        The faces as grey ``uint8`` images (a list where their sizes differ).

    Raises
    ------
    DatasetError
        If the folder is missing, holds no images, or a folder name is not a FER2013 class.
    """
    root = dataset_root(root, "fer2013")
    rows, images, left_out = [], [], []
    order = list(FER2013_FOLDERS)
    split_dirs = sorted((p for p in root.iterdir() if p.is_dir() and p.name.lower() in FER2013_FOLDERS),
                        key=lambda p: (order.index(p.name.lower()), p.name))
    for split_dir in split_dirs:
        for label_dir in sorted(p for p in split_dir.iterdir() if p.is_dir()):
            label = label_of(label_dir.name, "fer2013", f"Folder {relative_path(label_dir, root)}")
            for file in sorted(label_dir.iterdir()):
                if file.suffix.lower() not in IMAGE_SUFFIXES:
                    left_out.append(relative_path(file, root))
                    continue
                images.append(read_gray(file))
                rows.append((label, FER2013_FOLDERS[split_dir.name.lower()], relative_path(file, root)))
    warn_left_out(left_out, "that are not images")
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
    return Dataset("fer2013", "image", emotions.FER2013_LABELS, stack_or_list(images), table,
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

    Parameters
    ----------
    path : str or pathlib.Path or None
        A FER2013 CSV file or a folder; ``None`` reads ``data_dir()/fer2013``.

    Returns
    -------
    Dataset
        The faces as grey ``uint8`` images with FER2013's seven labels.

    Raises
    ------
    DatasetError
        If the folder holds none of FER2013's forms, or the data is malformed.
    """
    if path is not None and Path(path).is_file():
        return load_fer2013_csv(path)
    root = dataset_root(path, "fer2013")
    for name in FER2013_FULL_CSVS:
        if (root / name).is_file():
            warn_left_out(_fer2013_extras(root, name), f"beside {name}, which holds the labelled faces")
            return load_fer2013_csv(root / name)
    if any((root / name).is_dir() for name in FER2013_FOLDERS):
        warn_left_out(_fer2013_extras(root, ""), "beside the image folders, which hold the faces")
        return load_fer2013_folders(root)
    if (root / "train.csv").is_file():
        warn_left_out(_fer2013_extras(root, "train.csv"), "beside train.csv, which holds the labelled faces")
        return load_fer2013_csv(root / "train.csv")
    csvs = sorted(c for c in root.glob("*.csv") if c.name not in FER2013_OTHER_FILES)
    if len(csvs) == 1:
        warn_left_out(_fer2013_extras(root, csvs[0].name), f"beside {csvs[0].name}, which holds the faces")
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
    elif "fer2013new.csv" in found:
        advice = ("Its fer2013new.csv is FER+'s label file, which holds no faces: add FER2013's fer2013.csv beside it "
                  "(load_ferplus reads the two together).")
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
