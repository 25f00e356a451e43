"""Video files sorted into one folder per label (BAUM style)."""

from __future__ import annotations

import contextlib
import functools
import re
from pathlib import Path

import pandas as pd

from fercourse import video
from fercourse.data.loaders.common import dataset_root, progress, relative_path, warn_left_out, csv_rows
from fercourse.dataset import UNKNOWN_SUBJECT, Dataset
from fercourse.errors import DatasetError

__all__ = ["load_video_folders"]

VIDEO_SUFFIXES = (".mp4", ".avi", ".mov", ".mkv")

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

    Parameters
    ----------
    root : str or pathlib.Path or None
        The folder of label folders; ``None`` reads ``data_dir()/<name>``.
    name : str
        The dataset's name, and its folder under ``data_dir()``.

    Returns
    -------
    Dataset
        One lazy RGB clip a video file (kind ``"video"``).

    Raises
    ------
    DatasetError
        If the folder holds no videos, ``subjects.csv`` is malformed or lacks a video, or a
        video does not open.
    """
    root = dataset_root(root, name)
    subjects_file = root / "subjects.csv"
    subjects = _subjects_from_csv(subjects_file) if subjects_file.is_file() else None
    rows, samples, left_out = [], [], []
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "__"))):
        videos = sorted(f for f in folder.iterdir() if f.suffix.lower() in VIDEO_SUFFIXES)
        left_out += [relative_path(f, root) for f in folder.iterdir() if f not in videos]
        for file in progress(videos, desc=folder.name):
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
                    "file": relative_path(file, root),
                }
            )
    warn_left_out(left_out, f"that are not videos ({', '.join(VIDEO_SUFFIXES)})")
    if not rows:
        raise DatasetError(f"{root} holds no videos in label folders (<label>/*.mp4 or *.avi).")
    table = pd.DataFrame(rows)
    return Dataset(name, "video", tuple(sorted(table["label"].unique())), samples, table)
