"""The action-unit datasets DISFA and BP4D-Spontaneous: frames coded with FACS action units (AUs).

Both give one sample a coded frame, read lazily (a DISFA frame is found in its video
by seeking, a BP4D frame is one JPEG), and one table row with the frame's AU codes:

* ``AU01``, ``AU02``, ... : occurrence, 1.0 present, 0.0 absent, NaN not coded;
* ``AU01_intensity``, ... : intensity 0 to 5 (0 absent, 1 trace ... 5 maximum), NaN
  not coded, for the AUs the dataset codes with an intensity.

Labels follow one convention for every AU dataset: ``labels=("neutral", "action")``,
``"action"`` when any AU of the frame is present, else ``"neutral"``.  Neither dataset
comes with a split; ``fold`` (1, 2 or 3) holds a subject-independent three-fold split
made here, since the folds papers report on are not part of the downloads: the
subjects, sorted by id, are dealt round robin (the first to fold 1, the second to
fold 2, the third to fold 3, the fourth to fold 1 ...).

>>> DISFA_PROTOCOL_AUS
(1, 2, 4, 6, 9, 12, 25, 26)
>>> au_columns((1, 12))
['AU01', 'AU12']
"""

from __future__ import annotations

import contextlib
import functools
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd

from fercourse import video
from fercourse.actionunits import OCCURRENCE_LEVEL, column
from fercourse.checks import count
from fercourse.data.loaders.common import (
    csv_rows,
    dataset_root,
    frame_number,
    progress,
    read_rgb,
    relative_path,
    subfolder,
    warn_left_out,
)
from fercourse.dataset import Dataset
from fercourse.errors import DatasetError, InvalidInputError

__all__ = [
    "AU_LABELS",
    "AU_FOLDS",
    "DISFA_AUS",
    "DISFA_PROTOCOL_AUS",
    "DISFA_OCCURRENCE_LEVEL",
    "BP4D_PROTOCOL_AUS",
    "BP4D_INTENSITY_AUS",
    "au_columns",
    "load_disfa",
    "load_bp4d",
]

#: The labels of every AU dataset: ``"action"`` when any AU of the frame is present.
AU_LABELS = ("neutral", "action")
#: How many subject-independent folds the ``fold`` column deals the subjects into.
AU_FOLDS = 3
#: The 12 AUs DISFA codes, each with an intensity 0-5 in every frame.
DISFA_AUS = (1, 2, 4, 5, 6, 9, 12, 15, 17, 20, 25, 26)
#: The 8 DISFA AUs that AU detection papers report on.
DISFA_PROTOCOL_AUS = (1, 2, 4, 6, 9, 12, 25, 26)
#: A DISFA AU counts as present from this intensity on (the usual DISFA protocol; the course's
#: rule for every AU dataset, :data:`fercourse.actionunits.OCCURRENCE_LEVEL`).
DISFA_OCCURRENCE_LEVEL = OCCURRENCE_LEVEL
#: The 12 BP4D AUs that AU detection papers report on (always columns of the table).
BP4D_PROTOCOL_AUS = (1, 2, 4, 6, 7, 10, 12, 14, 15, 17, 23, 24)
#: The 5 BP4D AUs coded with an intensity as well (``AUCoding/AU_INT``).
BP4D_INTENSITY_AUS = (6, 10, 12, 14, 17)

DISFA_CAMERAS = ("left", "right")
_BP4D_NOT_CODED = 9
_DISFA_AGAIN = "Extract the DISFA labels archive (ActionUnit_Labels) again"
_BP4D_AGAIN = "Extract the BP4D AU codes (AUCoding) again"
_DISFA_SUBJECT = re.compile(r"^SN\d{3}$", re.IGNORECASE)
_DISFA_LABEL = re.compile(r"^(SN\d{3})_au(\d+)\.txt$", re.IGNORECASE)
_DISFA_VIDEO = re.compile(r"^(Left|Right)Video(SN\d{3})(_comp)?\.avi$", re.IGNORECASE)
_BP4D_SEQUENCE = re.compile(r"^([FM]\d{3})_(T\d+)\.csv$", re.IGNORECASE)
_BP4D_INTENSITY = re.compile(r"^([FM]\d{3})_(T\d+)_AU(\d+)\.csv$", re.IGNORECASE)
_AU_HEADER = re.compile(r"^(?:AU)?\s*0*(\d+)$", re.IGNORECASE)


# ------------------------------------------------------------------- helpers


def au_columns(aus, suffix: str = "") -> list[str]:
    """The table's column names of some AUs: ``(1, 12)`` -> ``['AU01', 'AU12']``.

    Parameters
    ----------
    aus : iterable of int
        AU numbers.
    suffix : str
        Appended to each name (``"_intensity"`` gives the intensity columns).

    Returns
    -------
    list of str
        One name an AU, in the given order.
    """
    return [column(au) + suffix for au in aus]


def _folds(subjects) -> dict[str, int]:
    """Fold 1..AU_FOLDS by subject: the subjects sorted by id and dealt round robin."""
    return {subject: i % AU_FOLDS + 1 for i, subject in enumerate(sorted(set(subjects)))}


def _spans(numbers) -> str:
    """Frame numbers as short ranges: ``[1, 2, 3, 7]`` -> ``'1-3, 7'``."""
    numbers, parts = sorted(numbers), []
    start = previous = numbers[0]
    for n in numbers[1:] + [None]:
        if n is not None and n == previous + 1:
            previous = n
            continue
        parts.append(str(start) if start == previous else f"{start}-{previous}")
        start = previous = n
    return ", ".join(parts)


def _whole(text: str, where: str, what: str, expected: str) -> int:
    """A whole number written in a label file (``3`` or ``3.0``), or a DatasetError saying where."""
    try:
        value = float(text.strip())
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value.is_integer()):
        raise DatasetError(f"{where}: {what} {text.strip()!r} is not a whole number; expected {expected}.")
    return int(value)


def _frame_values(file: Path, again: str, levels: str, not_coded: int | None = None,
                  first_frame: int = 1) -> dict[int, float]:
    """Intensity by frame number from a file of ``frame,intensity`` lines (``not_coded`` becomes NaN)."""
    allowed = "0 to 5" + (f" or {not_coded} (not coded)" if not_coded is not None else "")
    values, seen = {}, {}
    with contextlib.closing(csv_rows(file, again)) as rows:
        for line, fields in rows:
            if not any(field.strip() for field in fields):
                continue
            where = f"{file}, line {line}"
            if len(fields) != 2:
                raise DatasetError(
                    f"{where}: {len(fields)} fields ({','.join(fields)[:40]!r}); every line is frame,intensity "
                    f"({levels}). {again}."
                )
            frame = _whole(fields[0], where, "the frame number", f"a frame number from {first_frame}")
            if frame < first_frame:
                raise DatasetError(f"{where}: frame {frame}; frames count from {first_frame}. {again}.")
            level = _whole(fields[1], where, "the intensity", allowed)
            if not (0 <= level <= 5 or level == not_coded):
                raise DatasetError(f"{where}: intensity {level} is outside {allowed}. {again}.")
            if frame in seen:
                raise DatasetError(
                    f"{file}, lines {seen[frame]} and {line} both code frame {frame}; a frame has one intensity. "
                    f"{again}."
                )
            seen[frame] = line
            values[frame] = math.nan if level == not_coded else float(level)
    if not values:
        raise DatasetError(f"{file} is empty: it codes no frames. {again}.")
    return values


def _visible(path: Path) -> bool:
    return not path.name.startswith((".", "__MACOSX"))


def _au_table(rows: list[dict], intensity: dict[str, np.ndarray], occurrence: dict[str, np.ndarray],
              files: list[str]) -> pd.DataFrame:
    """The table of an AU dataset: the row columns, then occurrence, intensity and file columns."""
    present = np.zeros(len(rows), bool)
    for values in occurrence.values():
        present |= values == 1
    table = pd.DataFrame(rows)
    table.insert(0, "label", np.where(present, AU_LABELS[1], AU_LABELS[0]))
    extra = pd.DataFrame({**occurrence, **intensity, "file": files}, index=table.index)
    return pd.concat([table, extra], axis=1)


def _split_sentence(subjects: int) -> str:
    return (
        f" It has no official split: the fold column deals its {subjects} subjects, sorted by id, round robin into "
        f"{AU_FOLDS} subject-independent folds made here, not the folds of published papers."
    )


def _kept(every: int) -> str:
    return f" (one coded frame in {every})" if every > 1 else ""


# ---------------------------------------------------------------------- DISFA


def _disfa_subject_labels(folder: Path, left_out: list[str], root: Path) -> dict[int, dict[int, float]]:
    """Intensity by frame, by AU, from the label files of one DISFA subject folder."""
    subject = folder.name.upper()
    files = {}
    for file in sorted(p for p in folder.iterdir() if _visible(p)):
        match = _DISFA_LABEL.match(file.name)
        au = int(match.group(2)) if match else None
        if not match or match.group(1).upper() != subject or au not in DISFA_AUS or not file.is_file():
            left_out.append(relative_path(file, root))
            continue
        if au in files:
            raise DatasetError(
                f"{folder} holds two label files for AU{au}: {files[au].name} and {file.name}; keep the one that "
                "came with the dataset."
            )
        files[au] = file
    missing = [f"{subject}_au{au}.txt" for au in DISFA_AUS if au not in files]
    if missing:
        raise DatasetError(
            f"{folder} lacks the label file(s) {', '.join(missing)}; DISFA codes AUs "
            f"{', '.join(map(str, DISFA_AUS))} for every subject. {_DISFA_AGAIN}."
        )
    levels = "0 absent to 5 maximum"
    return {au: _frame_values(files[au], _DISFA_AGAIN, levels) for au in DISFA_AUS}


def load_disfa(root=None, *, every: int = 1, camera: str = "left") -> Dataset:
    """DISFA: frames of the subjects' videos with the intensities of 12 AUs, one row a labelled frame.

    Reads ``ActionUnit_Labels/SN001/SN001_au1.txt`` ... (one file a subject and AU,
    lines ``frame,intensity``, frames counting from 1, intensity 0-5) for the AUs of
    :data:`DISFA_AUS`, and the videos ``Videos_LeftCamera/LeftVideoSN001_comp.avi``
    (or ``Videos_RightCamera/RightVideoSN001_comp.avi``), 1024x768 at 20 fps.  Each
    sample is a zero-argument callable that reads its frame from the video when called
    (by seeking), as RGB ``uint8`` ``(H, W, 3)``; to read many frames of one video in
    order, :func:`fercourse.video.frames` on ``root / file`` is faster.  DISFA+ (another
    layout) is not supported.

    Labels: ``("neutral", "action")``, ``"action"`` when any AU of the frame is present.
    An AU is present from intensity :data:`DISFA_OCCURRENCE_LEVEL` (2) on, the usual
    DISFA protocol; papers report on :data:`DISFA_PROTOCOL_AUS`.

    Columns: ``label``, ``subject`` (``"SN001"``), ``split`` (``"unassigned"``),
    ``fold`` (1-3, subject-independent: the subjects sorted by id and dealt round
    robin; our folds, as those of papers are not part of the download), ``camera``,
    ``frame`` (DISFA's frame number, from 1), ``AU01`` ... ``AU26`` (occurrence 0.0/1.0),
    ``AU01_intensity`` ... ``AU26_intensity`` (0-5) and ``file`` (the video).  A frame
    that one AU's file does not list has NaN for that AU.

    Parameters
    ----------
    root : str or pathlib.Path or None
        The folder that holds ``ActionUnit_Labels/`` and the video folders; ``None``
        reads ``data_dir()/disfa``.
    every : int
        Keep every ``every``-th labelled frame of each video (1 keeps all).
    camera : str
        ``"left"`` or ``"right"``: which camera's videos to read.

    Returns
    -------
    Dataset
        One lazy RGB frame a row (kind ``"image"``).

    Raises
    ------
    InvalidInputError
        If ``every`` or ``camera`` is invalid.
    DatasetError
        If a folder, label file or video is missing, a label line is malformed, an
        intensity lies outside 0-5 or a frame is coded twice.  Videos without labels,
        labels beyond a video's end and video frames without labels are left out with a
        warning.
    """
    every = count(every, "every")
    side = str(camera).strip().lower()
    if side not in DISFA_CAMERAS:
        raise InvalidInputError(f"camera must be 'left' or 'right', got {camera!r}.")
    title = side.capitalize()
    root = dataset_root(root, "disfa")
    labels_dir = subfolder(root, ("ActionUnit_Labels",), "one folder of AU label files a subject (SN001/SN001_au1.txt)")
    other = "right" if side == "left" else "left"
    videos_dir = subfolder(
        root, (f"Videos_{title}Camera",),
        f"the {side} camera's videos ({title}VideoSN001_comp.avi ...); extract that archive there, or read the "
        f"other camera with camera={other!r}",
    )
    left_out, not_videos = [], []
    subjects = {}
    for entry in sorted(p for p in labels_dir.iterdir() if _visible(p)):
        if entry.is_dir() and _DISFA_SUBJECT.match(entry.name):
            subjects[entry.name.upper()] = entry
        else:
            left_out.append(relative_path(entry, root))
    if not subjects:
        raise DatasetError(f"{labels_dir} holds no subject folders SN001/ ... with label files SN001_au1.txt ...")
    videos = {}
    for file in sorted(p for p in videos_dir.iterdir() if _visible(p)):
        match = _DISFA_VIDEO.match(file.name)
        if not match or match.group(1).lower() != side or not file.is_file():
            not_videos.append(relative_path(file, root))
            continue
        subject = match.group(2).upper()
        if subject in videos:
            raise DatasetError(
                f"{videos_dir} holds two videos of {subject}: {videos[subject].name} and {file.name}; keep the one "
                "that came with the dataset."
            )
        videos[subject] = file
    unlabelled = [relative_path(videos[s], root) for s in sorted(set(videos) - set(subjects))]
    folds = _folds(subjects)
    rows, samples, files = [], [], []
    intensity = {name: [] for name in au_columns(DISFA_AUS, "_intensity")}
    beyond, uncoded = [], []
    for subject, folder in progress(subjects.items(), desc="DISFA"):
        levels = _disfa_subject_labels(folder, left_out, root)
        if subject not in videos:
            raise DatasetError(
                f"{folder} labels subject {subject}, but {videos_dir} has no {title}Video{subject}_comp.avi; extract "
                "the video archive again, or move the label folder out if you left that subject out on purpose."
            )
        file = videos[subject]
        frames_in_video = video.probe(file).count
        labelled = sorted(set().union(*levels.values()))
        outside = [f for f in labelled if f > frames_in_video]
        if outside:
            beyond.append(f"{subject} frames {_spans(outside)} (the video has {frames_in_video})")
        missing = sorted(set(range(1, frames_in_video + 1)) - set(labelled))
        if missing:
            uncoded.append(f"{subject} frames {_spans(missing)}")
        kept = [f for f in labelled if f <= frames_in_video][::every]
        shown = relative_path(file, root)
        for name, au in zip(intensity, DISFA_AUS):
            intensity[name].append(np.array([levels[au].get(f, math.nan) for f in kept], float))
        rows += [{"subject": subject, "split": "unassigned", "fold": folds[subject], "camera": side, "frame": f}
                 for f in kept]
        samples += [functools.partial(video.frame_at, file, f - 1) for f in kept]
        files += [shown] * len(kept)
    warn_left_out(sorted(left_out), "that are not DISFA label files (SN001/SN001_au1.txt for the AUs "
                  f"{', '.join(map(str, DISFA_AUS))})")
    warn_left_out(not_videos, f"that are not {side} camera videos ({title}VideoSN001_comp.avi)")
    warn_left_out(unlabelled, "because DISFA gives them no AU labels")
    warn_left_out(beyond, "of labels for frames beyond the end of their video")
    warn_left_out(uncoded, "of video frames that no label file codes")
    intensity = {name: np.concatenate(parts) for name, parts in intensity.items()}
    occurrence = {
        name: np.where(np.isnan(values), np.nan, (values >= DISFA_OCCURRENCE_LEVEL).astype(float))
        for name, values in zip(au_columns(DISFA_AUS), intensity.values())
    }
    if not rows:
        raise DatasetError(f"{labels_dir}: no labelled frame lies within its video; nothing to load.")
    table = _au_table(rows, intensity, occurrence, files)
    description = (
        f"DISFA ({side} camera): {len(table)} frames{_kept(every)} of {len(subjects)} people, 12 AUs coded 0-5; an "
        f"AU counts as present from intensity {DISFA_OCCURRENCE_LEVEL:g}, and a frame with any AU present is labelled "
        "'action'." + _split_sentence(len(subjects))
    )
    return Dataset("disfa", "image", AU_LABELS, samples, table, description=description)


# ----------------------------------------------------------------------- BP4D


def _bp4d_occurrence(file: Path) -> tuple[list[int], list[int], np.ndarray]:
    """AU numbers, frame numbers and the occurrence codes (rows x AUs, NaN not coded) of one table."""
    with contextlib.closing(csv_rows(file, _BP4D_AGAIN)) as lines:
        body = list(lines)
    if not body or not any(cell.strip() for cell in body[0][1]):
        raise DatasetError(f"{file} is empty; an occurrence table has a header of AU numbers and a row a frame. "
                           f"{_BP4D_AGAIN}.")
    line, header = body[0]
    aus, seen = [], {}
    for column, cell in enumerate(header[1:], start=2):
        match = _AU_HEADER.match(cell.strip())
        if not match or int(match.group(1)) == 0:
            raise DatasetError(
                f"{file}, line {line}: header cell {column} ({cell.strip()!r}) is not an AU number; the first line "
                f"holds the frame column and then one AU number a column (0,1,2,4,...). {_BP4D_AGAIN}."
            )
        au = int(match.group(1))
        if au in seen:
            raise DatasetError(f"{file}, line {line}: AU {au} heads columns {seen[au]} and {column}. {_BP4D_AGAIN}.")
        seen[au] = column
        aus.append(au)
    if not aus:
        raise DatasetError(f"{file}, line {line}: the header names no AU columns, only {header[0].strip()!r}. "
                           f"{_BP4D_AGAIN}.")
    frames, cells, first_line = [], [], {}
    for line, fields in body[1:]:
        if not any(field.strip() for field in fields):
            continue
        if len(fields) != len(header):
            raise DatasetError(
                f"{file}, line {line}: {len(fields)} fields for the {len(header)} columns of the header. {_BP4D_AGAIN}."
            )
        where = f"{file}, line {line}"
        frame = _whole(fields[0], where, "the frame number", "a frame number from 0")
        if frame < 0:
            raise DatasetError(f"{where}: frame {frame} is negative. {_BP4D_AGAIN}.")
        if frame in first_line:
            raise DatasetError(f"{file}, lines {first_line[frame]} and {line} both code frame {frame}. {_BP4D_AGAIN}.")
        first_line[frame] = line
        frames.append(frame)
        cells.append([cell.strip() for cell in fields[1:]])
    if not frames:
        raise DatasetError(f"{file} has a header but no rows: it codes no frames. {_BP4D_AGAIN}.")
    codes = np.array(cells)
    for r, c in np.argwhere(~np.isin(codes, ("0", "1", str(_BP4D_NOT_CODED)))):
        where, text = f"{file}, line {first_line[frames[r]]}, column AU{aus[c]}", str(codes[r, c])
        value = _whole(text, where, "the code", "0 (absent), 1 (present) or 9 (not coded)")
        if value not in (0, 1, _BP4D_NOT_CODED):
            raise DatasetError(
                f"{where}: {text!r} is not an occurrence code; expected 0 (absent), 1 (present) or 9 "
                f"(not coded). {_BP4D_AGAIN}."
            )
        codes[r, c] = str(value)
    values = codes.astype(float)
    values[values == _BP4D_NOT_CODED] = np.nan
    return aus, frames, values


def _bp4d_frames(folder: Path, root: Path) -> dict[int, Path]:
    """The JPEG frames of one sequence folder by frame number (``0001.jpg`` and ``123.jpg`` alike)."""
    found = {}
    for file in folder.iterdir():
        if file.suffix.lower() not in (".jpg", ".jpeg") or not file.is_file():
            continue
        number = frame_number(file)
        if number is None:
            continue
        if number in found:
            raise DatasetError(
                f"{folder} holds two images of frame {number}: {found[number].name} and {file.name}; keep the one "
                "that came with the dataset."
            )
        found[number] = file
    return found


def _bp4d_intensities(coding: Path, root: Path, sequences: set, left_out: list[str]) -> dict:
    """Intensity by frame per ``(subject, task, au)`` from ``AU_INT/AU06/F001_T1_AU06.csv`` ..."""
    folder = coding / "AU_INT"
    found = {}
    if not folder.is_dir():
        return found
    for file in sorted(p for p in folder.rglob("*") if p.is_file() and _visible(p)):
        match = _BP4D_INTENSITY.match(file.name)
        key = (match.group(1).upper(), match.group(2).upper(), int(match.group(3))) if match else None
        if (key is None or key[2] not in BP4D_INTENSITY_AUS or file.parent.parent != folder
                or file.parent.name.upper() != f"AU{key[2]:02d}" or key[:2] not in sequences):
            left_out.append(relative_path(file, root))
            continue
        if key in found:
            raise DatasetError(f"{folder} holds two intensity files for {key[0]} {key[1]} AU{key[2]}; keep one.")
        found[key] = _frame_values(file, _BP4D_AGAIN, "0 absent to 5 maximum, 9 not coded", _BP4D_NOT_CODED, 0)
    return found


def load_bp4d(root=None, *, every: int = 1) -> Dataset:
    """BP4D-Spontaneous: the AU-coded frames of 41 people in 8 tasks, one row a coded frame.

    Reads the occurrence tables ``AUCoding/AU_OCC/F001_T1.csv`` (a header of AU numbers
    whose first cell heads the frame column, then a row a coded frame with 0 absent, 1
    present, 9 not coded), the optional intensities
    ``AUCoding/AU_INT/AU06/F001_T1_AU06.csv`` (lines ``frame,intensity``, 0-5, 9 not
    coded) for the AUs of :data:`BP4D_INTENSITY_AUS`, and the frames
    ``Sequences/F001/T1/<frame number>.jpg`` (``0001.jpg`` and ``123.jpg`` alike).  Each
    sample is a zero-argument callable that reads its JPEG when called, as RGB
    ``uint8`` ``(H, W, 3)``.  Rows where every AU is 9 are not coded frames and are
    skipped.

    Labels: ``("neutral", "action")``, ``"action"`` when any AU of the frame is present;
    papers report on :data:`BP4D_PROTOCOL_AUS`.

    Columns: ``label``, ``subject`` (``"F001"``), ``split`` (``"unassigned"``), ``fold``
    (1-3, subject-independent: the subjects sorted by id and dealt round robin; our
    folds, as those of papers are not part of the download), ``task`` (``"T1"``),
    ``frame`` (BP4D's frame number), one occurrence column an AU (``AU01`` ...: those of
    :data:`BP4D_PROTOCOL_AUS` always, and any other AU the tables code somewhere),
    ``AU06_intensity`` ``AU10_intensity`` ``AU12_intensity`` ``AU14_intensity``
    ``AU17_intensity`` (NaN without ``AU_INT``) and ``file`` (the JPEG).

    Parameters
    ----------
    root : str or pathlib.Path or None
        The folder that holds ``AUCoding/`` and ``Sequences/``; ``None`` reads
        ``data_dir()/bp4d``.
    every : int
        Keep every ``every``-th coded frame of each sequence (1 keeps all).

    Returns
    -------
    Dataset
        One lazy RGB frame a row (kind ``"image"``).

    Raises
    ------
    InvalidInputError
        If ``every`` is invalid.
    DatasetError
        If a folder is missing, a coded sequence has no frames, a header or line is
        malformed, a code is outside 0/1/9 (intensities 0-5/9) or a frame is coded
        twice.  Sequences without codes, coded frames without an image and intensities
        of frames the occurrence table does not code are left out with a warning.
    """
    every = count(every, "every")
    root = dataset_root(root, "bp4d")
    coding = subfolder(root, ("AUCoding",), "the AU codes (AU_OCC/F001_T1.csv, optionally AU_INT/)")
    occurrence_dir = subfolder(coding, ("AU_OCC",), "one occurrence table a sequence (F001_T1.csv ...)")
    frames_root = subfolder(root, ("Sequences",), "the frames of every sequence (F001/T1/0001.jpg ...)")
    left_out, tables = [], {}
    for file in sorted(p for p in occurrence_dir.iterdir() if _visible(p)):
        match = _BP4D_SEQUENCE.match(file.name)
        if not match or not file.is_file():
            left_out.append(relative_path(file, root))
            continue
        tables[(match.group(1).upper(), match.group(2).upper())] = file
    if not tables:
        raise DatasetError(f"{occurrence_dir} holds no occurrence tables named like F001_T1.csv.")
    uncoded = sorted(
        relative_path(d, root) for d in frames_root.glob("*/*")
        if d.is_dir() and _visible(d) and (d.parent.name.upper(), d.name.upper()) not in tables
    )
    intensities = _bp4d_intensities(coding, root, set(tables), left_out)
    read = {}
    for (subject, task), file in progress(tables.items(), desc="BP4D"):
        aus, frames, values = _bp4d_occurrence(file)
        folder = frames_root / subject / task
        images = _bp4d_frames(folder, root) if folder.is_dir() else {}
        if not images:
            raise DatasetError(
                f"{file} codes frames of {subject} {task}, but {relative_path(folder, root)} is missing or holds no "
                "numbered .jpg frames; extract the frames archive again, or move the table out if you left that "
                "sequence out on purpose."
            )
        read[(subject, task)] = (aus, frames, values, images)
    columns = sorted(set(BP4D_PROTOCOL_AUS).union(
        au for aus, _, values, _ in read.values() for au, coded in zip(aus, (~np.isnan(values)).any(0)) if coded
    ))
    folds = _folds(subject for subject, _ in read)
    rows, samples, files, no_image, stray = [], [], [], [], []
    occurrence = {name: [] for name in au_columns(columns)}
    intensity = {name: [] for name in au_columns(BP4D_INTENSITY_AUS, "_intensity")}
    for (subject, task), (aus, frames, values, images) in read.items():
        coded = ~np.isnan(values).all(1)
        missing = [f for f, c in zip(frames, coded) if c and f not in images]
        if missing:
            no_image.append(f"{subject}/{task} frames {_spans(missing)}")
        keep = [i for i, f in enumerate(frames) if coded[i] and f in images][::every]
        kept = [frames[i] for i in keep]
        at = {au: c for c, au in enumerate(aus)}
        for name, au in zip(occurrence, columns):
            occurrence[name].append(values[keep, at[au]] if au in at else np.full(len(keep), np.nan))
        coded_frames = {f for f, c in zip(frames, coded) if c}
        for name, au in zip(intensity, BP4D_INTENSITY_AUS):
            levels = intensities.get((subject, task, au), {})
            extra = sorted(set(levels) - coded_frames)
            if extra:
                stray.append(f"{subject}/{task} AU{au:02d} frames {_spans(extra)}")
            intensity[name].append(np.array([levels.get(f, math.nan) for f in kept], float))
        rows += [{"subject": subject, "split": "unassigned", "fold": folds[subject], "task": task, "frame": f}
                 for f in kept]
        samples += [functools.partial(read_rgb, images[f]) for f in kept]
        files += [relative_path(images[f], root) for f in kept]
    warn_left_out(sorted(left_out), "that are not BP4D AU codes (AU_OCC/F001_T1.csv, AU_INT/AU06/F001_T1_AU06.csv for the "
                  f"AUs {', '.join(map(str, BP4D_INTENSITY_AUS))}, of a sequence with an occurrence table)")
    warn_left_out(uncoded, "because BP4D gives them no AU codes")
    warn_left_out(no_image, "of coded frames whose image is missing from Sequences/")
    warn_left_out(stray, "of intensities for frames that the occurrence table does not code")
    occurrence = {name: np.concatenate(parts) for name, parts in occurrence.items()}
    intensity = {name: np.concatenate(parts) for name, parts in intensity.items()}
    if not rows:
        raise DatasetError(f"{occurrence_dir}: no table codes a frame that has an image; nothing to load.")
    table = _au_table(rows, intensity, occurrence, files)
    people = len(folds)
    description = (
        f"BP4D-Spontaneous: {len(table)} coded frames{_kept(every)} of {people} people in {len(read)} task "
        f"sequences, {len(columns)} AUs coded present or absent (5 also with an intensity 0-5); a frame with any AU "
        "present is labelled 'action'." + _split_sentence(people)
    )
    return Dataset("bp4d", "image", AU_LABELS, samples, table, description=description)
