"""What the loaders share: the dataset folder, file helpers, labels, and the one CSV reader."""

from __future__ import annotations

import csv
import re
import warnings
from pathlib import Path

import numpy as np

from fercourse import config, emotions
from fercourse.errors import DatasetError, InvalidInputError

__all__ = ["IMAGE_SUFFIXES", "IMPORT_HINT", "NESTED_ARCHIVES", "csv_rows"]

#: Archives inside a download: left out with a note, never extracted by the loader or the importer.
NESTED_ARCHIVES = (".zip", ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz", ".gz", ".rar", ".7z")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff")
#: How every "dataset missing" message ends.
IMPORT_HINT = "Put the download there with `python -m fercourse data import {name} <download>`."

# ------------------------------------------------------------------- helpers


def dataset_root(root, name: str) -> Path:
    """The dataset folder: ``root`` if given, else ``data_dir()/name``; it must exist."""
    folder = Path(root).expanduser() if root is not None else config.data_dir() / name
    if not folder.is_dir():
        what = "is a file, not a folder" if folder.exists() else "does not exist"
        raise DatasetError(
            f"The {name} folder {folder} {what}. Give the folder that holds the dataset. "
            + IMPORT_HINT.format(name=name)
        )
    return folder


def subfolder(root: Path, names: tuple[str, ...], what: str) -> Path:
    """The first of ``names`` that is a folder in ``root``."""
    for name in names:
        if (root / name).is_dir():
            return root / name
    raise DatasetError(f"{root} has no folder {' or '.join(names)}; it should hold {what}.")


def one_file(root: Path, pattern: str, what: str) -> Path:
    found = sorted(root.glob(pattern))
    if len(found) != 1:
        problem = "no file" if not found else f"{len(found)} files ({', '.join(f.name for f in found)})"
        raise DatasetError(
            f"{root} has {problem} matching {pattern}; expected exactly one: {what}. "
            "Keep the one that came with your download next to the frame folders."
        )
    return found[0]


def relative_path(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


def warn_left_out(items: list[str], why: str) -> None:
    if items:
        shown = ", ".join(items[:5]) + (f" and {len(items) - 5} more" if len(items) > 5 else "")
        warnings.warn(f"Left out {len(items)} item(s) {why}: {shown}.", UserWarning, stacklevel=3)


def progress(items, desc: str):
    from tqdm.auto import tqdm

    return tqdm(items, desc=desc, leave=False)


def label_of(value, dataset: str, where: str, canonical: bool = True) -> str:
    """The label of ``value`` (canonical or the dataset's own), or a DatasetError saying where."""
    try:
        return emotions.to_canonical(value, dataset) if canonical else emotions.dataset_label(value, dataset)
    except InvalidInputError as error:
        raise DatasetError(f"{where}: {error}") from None


def read_gray(file: Path) -> np.ndarray:
    from fercourse import face

    try:
        return face.to_gray(face.load_image(file))
    except InvalidInputError as error:
        raise DatasetError(f"{error} Copy or download the file again.") from None


def read_rgb(file: Path) -> np.ndarray:
    """One image file as ``(H, W, 3)`` RGB ``uint8``; a file that does not read raises DatasetError."""
    from fercourse import face

    try:
        return face.load_image(file)
    except InvalidInputError as error:
        raise DatasetError(f"{error} Copy or download the file again.") from None


def read_frames(files: tuple[Path, ...]) -> np.ndarray:
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


def stack_or_list(images: list[np.ndarray]):
    return np.stack(images) if len({im.shape for im in images}) == 1 else images


def frame_number(file: Path) -> int | None:
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

    Parameters
    ----------
    path : pathlib.Path
        The CSV file, read as UTF-8 (a byte-order mark is allowed).
    what : str
        What the learner should do about a damaged file; it ends the error message.

    Yields
    ------
    tuple of (int, list of str)
        The line number (1 is the first line) and the fields of each row.

    Raises
    ------
    DatasetError
        If the file is not UTF-8 text or not a readable CSV.
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
