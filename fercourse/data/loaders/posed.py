"""The posed datasets: CK+ (sequences from neutral to the peak) and JAFFE (single photos)."""

from __future__ import annotations

import functools
import re

import pandas as pd

from fercourse import emotions
from fercourse.data.loaders.common import (
    IMPORT_HINT,
    dataset_root,
    label_of,
    progress,
    read_frames,
    read_gray,
    relative_path,
    stack_or_list,
    subfolder,
    warn_left_out,
)
from fercourse.dataset import Dataset
from fercourse.errors import DatasetError

__all__ = ["load_ckplus", "load_jaffe"]

CKPLUS_FPS = 30.0

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

    Parameters
    ----------
    root : str or pathlib.Path or None
        The folder that holds ``cohn-kanade-images/`` and ``Emotion/``; ``None`` reads
        ``data_dir()/ckplus``.
    video : bool
        Give one lazy clip a sequence instead of its first and last frames.

    Returns
    -------
    Dataset
        Grey images (kind ``"image"``), or lazy RGB clips (kind ``"video"``).

    Raises
    ------
    DatasetError
        If a folder is missing, a label is unknown or a labelled sequence has no frames.
    """
    root = dataset_root(root, "ckplus")
    images_dir = subfolder(root, ("cohn-kanade-images",), "the frames (extended-cohn-kanade-images archive)")
    labels_dir = subfolder(root, ("Emotion",), "the emotion labels (Emotion_labels archive)")
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
        relative_path(d, root) for d in images_dir.glob("*/*") if d.is_dir() and (d.parent.name, d.name) not in sequences
    )
    warn_left_out(unlabelled, "because CK+ gives them no emotion file")

    rows, samples = [], []
    for (subject, sequence), label_file in progress(sequences.items(), desc="CK+"):
        where = relative_path(label_file, root)
        label = label_of(label_file.read_text(errors="replace").strip(), "ckplus", where)
        frames = sorted((images_dir / subject / sequence).glob("*.png"))
        if not frames:
            raise DatasetError(
                f"{where} labels a sequence, but {relative_path(images_dir, root)}/{subject}/{sequence} has no PNG "
                "frames; the image archive is incomplete. Extract it again."
            )
        base = {"subject": subject, "split": "unassigned", "sequence": sequence}
        if video:
            n = len(frames)
            samples.append(functools.partial(read_frames, tuple(frames)))
            rows.append({"label": label, **base, "fps": CKPLUS_FPS, "n_frames": n, "onset": 0,
                         "apex": n - 1, "offset": n - 1, "folder": relative_path(frames[0].parent, root)})
        else:
            for index, frame_label in ((0, "neutral"), (len(frames) - 1, label)):
                samples.append(read_gray(frames[index]))
                rows.append({"label": frame_label, **base, "frame": index, "file": relative_path(frames[index], root)})
    kind = "video" if video else "image"
    return Dataset("ckplus", kind, emotions.CANONICAL_LABELS, samples if video else stack_or_list(samples),
                   pd.DataFrame(rows))


# --------------------------------------------------------------------- JAFFE

_JAFFE_NAME = re.compile(r"^([A-Za-z]{2})\.([A-Za-z]{2})(\d+)\.(\d+)\.tiff?$", re.IGNORECASE)


def load_jaffe(root=None) -> Dataset:
    """JAFFE: 213 grey photos named ``<subject>.<code><pose>.<number>.tiff`` (``KA.AN1.39.tiff``).

    The subject is the first part (``KA``), the expression code the second
    (NE HA SA SU AN DI FE, mapped to canonical names); the table also keeps ``code``,
    ``pose``, ``number`` and ``file``.  TIFF files named otherwise are left out with a
    warning.

    Parameters
    ----------
    root : str or pathlib.Path or None
        The folder that holds the photos (searched recursively); ``None`` reads
        ``data_dir()/jaffe``.

    Returns
    -------
    Dataset
        The photos as grey ``uint8`` images.

    Raises
    ------
    DatasetError
        If the folder is missing or holds no photo named in JAFFE's way.
    """
    root = dataset_root(root, "jaffe")
    rows, images, left_out = [], [], []
    for file in sorted(p for p in root.rglob("*") if p.suffix.lower() in (".tif", ".tiff")):
        match = _JAFFE_NAME.match(file.name)
        if not match:
            left_out.append(relative_path(file, root))
            continue
        subject, code, pose, number = match.groups()
        label = label_of(code, "jaffe", f"File {relative_path(file, root)} (expression code {code})")
        images.append(read_gray(file))
        rows.append((label, subject.upper(), code.upper(), int(pose), int(number), relative_path(file, root)))
    warn_left_out(left_out, "whose names do not follow JAFFE's SUBJECT.CODE<pose>.<number>.tiff")
    if not rows:
        raise DatasetError(f"{root} holds no JAFFE images named like KA.AN1.39.tiff. " + IMPORT_HINT.format(name="jaffe"))
    table = pd.DataFrame(rows, columns=["label", "subject", "code", "pose", "number", "file"]).assign(split="unassigned")
    return Dataset("jaffe", "image", emotions.FER2013_LABELS, stack_or_list(images), table)
