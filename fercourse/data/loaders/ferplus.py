"""FER+ (Barsoum et al. 2016): FER2013's faces relabelled by ten annotators each, from ``fer2013new.csv``.

FER+ ships no images.  Its label file, ``fer2013new.csv``, has one row for every row of
FER2013's ``fer2013.csv``, in the same order, with the Usage, a new image name (empty
where FER+ judged the picture not to be a face) and how many of the ten annotators
chose each of eight emotions, ``unknown`` or ``NF`` (not a face).  The loader reads
the faces with FER2013's own CSV reader and the votes beside them.
"""

from __future__ import annotations

import contextlib
import re
import warnings
from pathlib import Path

import numpy as np

from fercourse import config, emotions
from fercourse.data.loaders.common import csv_rows, progress
from fercourse.data.loaders.fer2013 import FER2013_FULL_CSVS, FER2013_USAGE, SplitWarning, load_fer2013_csv
from fercourse.dataset import Dataset
from fercourse.errors import DatasetError, InvalidInputError

__all__ = [
    "FERPLUS_FILE",
    "FERPLUS_HEADER",
    "FERPLUS_VOTES",
    "FERPLUS_EMOTIONS",
    "FERPLUS_ANNOTATORS",
    "FERPLUS_VOTE_COLUMNS",
    "ferplus_majority",
    "load_ferplus",
]

#: The name of FER+'s label file.
FERPLUS_FILE = "fer2013new.csv"
#: The vote columns of ``fer2013new.csv``, in the file's order: eight emotions, ``unknown`` and ``NF`` (not a face).
FERPLUS_VOTES: tuple[str, ...] = (
    "neutral", "happiness", "surprise", "sadness", "anger", "disgust", "fear", "contempt", "unknown", "NF",
)
#: The header line of ``fer2013new.csv``.
FERPLUS_HEADER: tuple[str, ...] = ("Usage", "Image name") + FERPLUS_VOTES
#: FER+'s emotion words as the course's expression names (:data:`~fercourse.emotions.CANONICAL_LABELS`).
FERPLUS_EMOTIONS: dict[str, str] = {
    "neutral": "neutral", "happiness": "happy", "surprise": "surprise", "sadness": "sad", "anger": "angry",
    "disgust": "disgust", "fear": "fear", "contempt": "contempt",
}
#: How many people labelled each face: a row's votes add up to at most this (in the published file, to
#: exactly this on all rows but one, which has nine).
FERPLUS_ANNOTATORS = 10
#: The table's vote columns, one for each column of :data:`FERPLUS_VOTES`, named with the course's words.
FERPLUS_VOTE_COLUMNS: tuple[str, ...] = tuple(
    f"votes_{FERPLUS_EMOTIONS.get(word, {'unknown': 'unknown', 'NF': 'not_face'}.get(word))}" for word in FERPLUS_VOTES
)
_ADVICE = "Download fer2013new.csv again from Microsoft's FERPlus repository (github.com/microsoft/FERPlus)"
_WHOLE = re.compile(r"[0-9]+")
_NEGATIVE = re.compile(r"-[0-9]+")

# ----------------------------------------------------------------- majority


def _majority(votes: tuple[int, ...]) -> tuple[str | None, str]:
    """The label of one row's votes and why: ``(name, "label")`` or ``(None, reason)``."""
    kept = [v if v > 1 else 0 for v in votes]  # one annotator alone is treated as noise
    total, top = sum(kept), max(kept)
    if total == 0 or 2 * top <= total:
        return None, "no majority"
    word = FERPLUS_VOTES[kept.index(top)]
    if word == "unknown":
        return None, "unknown"
    if word == "NF":
        return None, "not a face"
    return FERPLUS_EMOTIONS[word], "label"


def ferplus_majority(votes) -> str | None:
    """The FER+ majority label of one face, following Barsoum et al.'s majority scheme.

    The rule of the paper (and of the code Microsoft published with it):

    1. a choice that only one of the annotators made counts as noise: its vote is
       dropped;
    2. a choice with more than half of the votes left wins (a strict majority, so two
       choices can never tie: a 5-5 split, or 4-4 after dropping, has no winner);
    3. with no winner, or when the winner is ``unknown`` or ``NF`` (not a face), the face
       gets no label and FER+ leaves it out.

    Parameters
    ----------
    votes : sequence of int
        The ten counts of a row of ``fer2013new.csv``, in its order (:data:`FERPLUS_VOTES`):
        neutral, happiness, surprise, sadness, anger, disgust, fear, contempt, unknown, NF.

    Returns
    -------
    str or None
        The course's name for the winning emotion (``happiness`` is ``"happy"``,
        ``sadness`` ``"sad"``, ``anger`` ``"angry"``), or ``None`` for a face FER+ leaves out.

    Raises
    ------
    InvalidInputError
        If ``votes`` is not ten whole numbers of at least 0.

    Examples
    --------
    >>> ferplus_majority([4, 6, 0, 0, 0, 0, 0, 0, 0, 0])
    'happy'
    >>> ferplus_majority([1, 0, 2, 4, 2, 0, 0, 0, 1, 0]) is None  # 4 of the 8 votes left: no majority
    True
    """
    try:
        values = [] if isinstance(votes, (str, bytes)) else [float(v) for v in votes]
    except (TypeError, ValueError):
        values = []
    if len(values) != len(FERPLUS_VOTES) or not all(np.isfinite(v) and v >= 0 and v.is_integer() for v in values):
        raise InvalidInputError(
            f"ferplus_majority: votes must be {len(FERPLUS_VOTES)} whole numbers of at least 0, one for each of "
            f"{', '.join(FERPLUS_VOTES)}; got {votes!r}."
        )
    return _majority(tuple(int(v) for v in values))[0]


# ----------------------------------------------------------------- the files


def _vote(text: str, where: str, column: str) -> int:
    value = text.strip()
    if _WHOLE.fullmatch(value):
        number = int(value)
        if number <= FERPLUS_ANNOTATORS:
            return number
        problem = f"is more than the {FERPLUS_ANNOTATORS} annotators who labelled each face"
    elif _NEGATIVE.fullmatch(value):
        problem = "is negative"
    else:
        problem = "is not a whole number"
    raise DatasetError(
        f"{where}, column {column}: the vote count {text!r} {problem}; each vote column holds how many of the "
        f"{FERPLUS_ANNOTATORS} annotators chose it, a whole number 0..{FERPLUS_ANNOTATORS}. {_ADVICE}."
    )


def _read_votes(path: Path) -> list[tuple[int, str, str, tuple[int, ...]]]:
    """``(line, Usage, image name, votes)`` of every row of ``fer2013new.csv``, each checked."""
    rows = []
    with contextlib.closing(csv_rows(path, _ADVICE)) as lines:
        _, header = next(lines, (0, None))
        if header is None:
            raise DatasetError(
                f"{path} is empty; expected the header line {','.join(FERPLUS_HEADER)} and one row a FER2013 "
                f"face. {_ADVICE}."
            )
        columns = tuple(name.strip() for name in header)
        if columns != FERPLUS_HEADER:
            what = ("FER2013's own CSV, not FER+'s label file: put it beside fer2013new.csv under the name fer2013.csv"
                    if {"emotion", "pixels"} <= set(columns) else
                    "not FER+'s label file: check that it is fer2013new.csv")
            raise DatasetError(
                f"{path}, line 1: the header is {','.join(columns)!r}, but fer2013new.csv starts with "
                f"{','.join(FERPLUS_HEADER)!r}. This is {what}. {_ADVICE}."
            )
        for line, fields in progress(lines, desc=path.name):
            if not any(field.strip() for field in fields):
                continue
            where = f"{path}, line {line}"
            if len(fields) != len(FERPLUS_HEADER):
                raise DatasetError(
                    f"{where}: {len(fields)} fields for the {len(FERPLUS_HEADER)} columns "
                    f"{', '.join(FERPLUS_HEADER)}. The file is damaged. {_ADVICE}."
                )
            usage, name = fields[0].strip(), fields[1].strip()
            if usage not in FER2013_USAGE:
                raise DatasetError(f"{where}: Usage {usage!r} is not one of {', '.join(FER2013_USAGE)}. {_ADVICE}.")
            votes = tuple(_vote(text, where, column) for text, column in zip(fields[2:], FERPLUS_VOTES))
            total = sum(votes)
            if not 1 <= total <= FERPLUS_ANNOTATORS:
                raise DatasetError(
                    f"{where}: the votes add up to {total}, but each face was labelled by {FERPLUS_ANNOTATORS} "
                    f"annotators, so a row's votes add up to 1..{FERPLUS_ANNOTATORS} (almost always exactly "
                    f"{FERPLUS_ANNOTATORS}). The file is damaged or is not FER+'s. {_ADVICE}."
                )
            rows.append((line, usage, name, votes))
    if not rows:
        raise DatasetError(f"{path} has a header but no rows. {_ADVICE}.")
    return rows


def _label_file(root) -> Path:
    """``fer2013new.csv`` from ``root`` (the file, or a folder that holds it; ``None``: ``data_dir()/ferplus``)."""
    if root is not None and Path(root).expanduser().is_file():
        return Path(root).expanduser()
    folder = Path(root).expanduser() if root is not None else config.data_dir() / "ferplus"
    file = folder / FERPLUS_FILE
    if file.is_file():
        return file
    where = (f"The FER+ folder {folder} does not exist" if not folder.exists() else
             f"{folder} is a file, not a folder" if not folder.is_dir() else f"{folder} has no {FERPLUS_FILE}")
    raise DatasetError(
        f"{where}. FER+ is a label file, {FERPLUS_FILE}, from Microsoft's FERPlus repository "
        f"(github.com/microsoft/FERPlus), for the faces of FER2013: put it in {folder}, beside FER2013's fer2013.csv "
        f"(or with FER2013 imported into {config.data_dir() / 'fer2013'}), or import it with "
        f"`python -m fercourse data import ferplus {FERPLUS_FILE}`. If you put it in your FER2013 folder, give that "
        "folder: load_ferplus(data_dir() / 'fer2013')."
    )


def _face_file(labels: Path, fer2013) -> Path:
    """FER2013's CSV with the faces: ``fer2013``, else the one beside the label file, else ``data_dir()/fer2013``'s."""
    if fer2013 is not None:
        given = Path(fer2013).expanduser()
        if given.is_file():
            return given
        if given.is_dir():
            for name in FER2013_FULL_CSVS:
                if (given / name).is_file():
                    return given / name
            raise DatasetError(
                f"{given} holds neither {' nor '.join(FER2013_FULL_CSVS)}; FER+ labels the rows of one of those "
                "files (FER2013's complete CSV, all 35,887 faces in their published order)."
            )
        raise DatasetError(f"The FER2013 CSV {given} does not exist; give fer2013.csv or the folder that holds it.")
    places = [labels.parent, config.data_dir() / "fer2013"]
    for folder in dict.fromkeys(places):
        for name in FER2013_FULL_CSVS:
            if (folder / name).is_file():
                return folder / name
    shown = " nor ".join(str(folder) for folder in dict.fromkeys(places))
    raise DatasetError(
        f"FER+'s {labels} holds labels only; its faces are FER2013's, and neither {shown} holds FER2013's "
        f"fer2013.csv (or icml_face_data.csv, the same rows). Put fer2013.csv beside {labels.name}, or import FER2013 "
        "with `python -m fercourse data import fer2013 <download>`. FER2013's image-folder version and train.csv alone "
        "cannot be matched with FER+'s rows: FER+ needs the complete CSV."
    )


def _check_order(faces, face_file: Path, rows, labels: Path) -> None:
    """FER+'s rows must be FER2013's rows: the same number, and the same Usage on each."""
    if len(faces) != len(rows):
        hint = " (train.csv holds FER2013's Training rows only)" if face_file.name.lower() == "train.csv" else ""
        raise DatasetError(
            f"{labels} has {len(rows):,} rows but {face_file} has {len(faces):,} faces{hint}. FER+'s label file has "
            "one row for every face of FER2013's complete CSV (35,887), in the same order: use the fer2013.csv (or "
            f"icml_face_data.csv) of the complete FER2013 download with the {FERPLUS_FILE} of Microsoft's FERPlus "
            "repository."
        )
    usage = faces.table["usage"].to_numpy(object)
    theirs = np.array([row[1] for row in rows], dtype=object)
    differ = np.flatnonzero((usage != "") & (usage != theirs))
    if len(differ):
        i = int(differ[0])
        raise DatasetError(
            f"{face_file}, line {faces.table['line'].iloc[i]} is a {usage[i]} face, but {labels}, line {rows[i][0]} "
            f"(the same row) says {theirs[i]} ({len(differ):,} row(s) differ like this): the two files are not in the "
            "same order, or one of them is another version. Use FER2013's fer2013.csv as published, unsorted, with "
            f"the {FERPLUS_FILE} of Microsoft's FERPlus repository."
        )


# ------------------------------------------------------------------- loader


def load_ferplus(root=None, fer2013=None) -> Dataset:
    """FER+: FER2013's faces with the FER+ annotators' votes and majority labels.

    Layout.  FER+ is one file, ``fer2013new.csv`` (header ``Usage,Image name,neutral,
    happiness,surprise,sadness,anger,disgust,fear,contempt,unknown,NF``), whose rows are
    the rows of FER2013's ``fer2013.csv`` in the same order.  The loader reads it from
    ``root`` (default ``data_dir()/ferplus``, or give the file itself) and the faces
    from FER2013's complete CSV: ``fer2013`` if given, else ``fer2013.csv`` (or
    ``icml_face_data.csv``) beside the label file, else the imported FER2013 in
    ``data_dir()/fer2013``.  So either of these works::

        data/ferplus/fer2013new.csv  +  data/ferplus/fer2013.csv
        data/ferplus/fer2013new.csv  +  data/fer2013/fer2013.csv   (FER2013 imported as usual)

    and a label file dropped into the FER2013 folder is read with
    ``load_ferplus(data_dir() / "fer2013")``.  FER2013's image folders and ``train.csv``
    alone cannot be matched with FER+'s rows.  The two files must have the same number of
    rows and the same Usage on every row.

    Labels.  Each row's votes give its label by Barsoum et al.'s majority scheme
    (:func:`ferplus_majority`): a choice made by one annotator only is dropped, and the
    choice with more than half of the remaining votes wins.  Faces FER+ drops are left
    out: rows without an image name (FER+ found no face), rows without a majority, and
    rows whose majority is ``unknown`` or ``NF``.  ``dataset.description`` says how many
    of each; in the published file 31,412 of the 35,887 faces keep a label (173 have no
    image name, 4,200 no majority, 99 a majority of ``unknown`` and 3 of ``NF``).
    FER+'s words become the course's names (happiness -> happy, sadness -> sad, anger ->
    angry); ``contempt``, which FER2013 lacks, is the course's eighth expression, so the
    labels are :data:`~fercourse.emotions.CANONICAL_LABELS` (FER2013's seven in their
    order, then contempt).

    Table.  ``label`` (FER+'s majority), ``fer2013_label`` (FER2013's original label,
    to count how many FER+ changes), the vote counts ``votes_neutral``, ``votes_happy``,
    ``votes_surprise``, ``votes_sad``, ``votes_angry``, ``votes_disgust``, ``votes_fear``,
    ``votes_contempt``, ``votes_unknown`` and ``votes_not_face`` (:data:`FERPLUS_VOTE_COLUMNS`),
    ``image_name`` (FER+'s ``fer0000000.png`` names, which do not follow the row number and
    are not all distinct: match rows by position, never by name),
    ``usage``, ``split`` (FER2013's official split: Training -> train, PublicTest -> val,
    PrivateTest -> test), ``split_source`` (``official``), ``subject`` (``"unknown"``:
    FER2013 records no people) and the line of each file, ``fer2013_line`` and
    ``ferplus_line``.

    Parameters
    ----------
    root : str or pathlib.Path or None
        The folder that holds ``fer2013new.csv``, or the file; ``None`` reads
        ``data_dir()/ferplus``.
    fer2013 : str or pathlib.Path or None
        FER2013's ``fer2013.csv`` (or ``icml_face_data.csv``), or a folder that holds it;
        ``None`` looks beside the label file, then in ``data_dir()/fer2013``.

    Returns
    -------
    Dataset
        The faces with a FER+ label, 48x48 grey ``uint8``, named ``"ferplus"``.

    Raises
    ------
    DatasetError
        If a file is missing, a header is wrong, the files' rows do not match, a vote is
        not a whole number 0..10, a row's votes do not add up to 1..10, or no face has a
        majority label.
    """
    labels = _label_file(root)
    rows = _read_votes(labels)
    face_file = _face_file(labels, fer2013)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SplitWarning)  # FER+'s own Usage column gives the split below
        faces = load_fer2013_csv(face_file)
    _check_order(faces, face_file, rows, labels)

    outcome = [_majority(votes) if name else (None, "no image name") for _, _, name, votes in rows]
    table = faces.table.rename(columns={"label": "fer2013_label", "line": "fer2013_line"})
    table["label"] = [label for label, _ in outcome]
    table["usage"] = [usage for _, usage, _, _ in rows]
    table["split"] = [FER2013_USAGE[usage] for _, usage, _, _ in rows]
    table["split_source"] = "official"
    table["image_name"] = [name for _, _, name, _ in rows]
    votes = np.array([row[3] for row in rows], dtype=np.int64)
    for k, column in enumerate(FERPLUS_VOTE_COLUMNS):
        table[column] = votes[:, k]
    table["ferplus_line"] = [line for line, _, _, _ in rows]
    table = table[["label", "subject", "split", "split_source", "fer2013_label", "usage", "image_name",
                   *FERPLUS_VOTE_COLUMNS, "fer2013_line", "ferplus_line"]]

    keep = table["label"].notna().to_numpy()
    reasons = {reason: sum(1 for _, why in outcome if why == reason)
               for reason in ("no image name", "no majority", "unknown", "not a face")}
    if not keep.any():
        raise DatasetError(
            f"{labels}: none of its {len(rows):,} faces has a FER+ majority label ({reasons['no image name']:,} "
            f"without an image name, {reasons['no majority']:,} without a majority, {reasons['unknown']:,} with the "
            f"majority unknown, {reasons['not a face']:,} not a face). Check that this is FER+'s fer2013new.csv."
        )
    kept = table[keep]
    changed = int((kept["label"] != kept["fer2013_label"]).sum())
    count = kept["split"].value_counts()
    names = {side: usage for usage, side in FER2013_USAGE.items()}  # train -> Training, ...
    splits = ", ".join(f"{count[side]:,} {side} ({names[side]})" for side in names if side in count)
    description = (
        f"FER+ ({labels.name} with {face_file.name}): {len(kept):,} of FER2013's {len(table):,} faces, each labelled "
        f"by the majority of its {FERPLUS_ANNOTATORS} annotators, official split: {splits}. Left out as FER+ leaves "
        f"them out: {reasons['no image name']:,} not a face (no image name), {reasons['no majority']:,} without a "
        f"majority, {reasons['unknown']:,} whose majority is 'unknown' and {reasons['not a face']:,} whose majority "
        f"is 'not a face'. FER+ changes the FER2013 label of {changed:,} of these faces ({changed / len(kept):.1%}); "
        "fer2013_label keeps the old one. FER2013 records no subject ids, so the same person may appear in more than "
        "one split; the leak check cannot apply."
    )
    return Dataset("ferplus", "image", emotions.CANONICAL_LABELS, faces.samples[keep], kept, description=description)
