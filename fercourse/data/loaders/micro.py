"""The micro-expression datasets: CASME II and SAMM (a coding spreadsheet and one frame folder a clip) and
SMIC-HS (one frame folder a clip, its class in the folder's name)."""

from __future__ import annotations

import bisect
import collections
import functools
import re
from pathlib import Path

import pandas as pd

from fercourse import emotions
from fercourse.checks import inside
from fercourse.data.loaders.common import (
    IMAGE_SUFFIXES,
    IMPORT_HINT,
    dataset_root,
    frame_number,
    label_of,
    one_file,
    progress,
    read_frames,
    relative_path,
    subfolder,
    warn_left_out,
)
from fercourse.dataset import Dataset
from fercourse.errors import DatasetError, InvalidInputError

__all__ = ["as_megc", "load_casme2", "load_samm", "load_smic"]

MICRO_FPS = 200.0
#: The frame rate of SMIC's high-speed camera.
SMIC_FPS = 100.0

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
    root = dataset_root(root, name)
    sheet = one_file(root, sheet_pattern, "the coding spreadsheet")
    frames_root = subfolder(root, frame_dirs, "one folder of frames a subject")
    columns, sheet_rows = _read_sheet(sheet)
    rows, samples = [], []
    for line, cells in progress(sheet_rows, desc=name):
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
        numbered = sorted((n, f) for n, f in ((frame_number(f), f) for f in files) if n is not None)
        if not numbered:
            raise DatasetError(
                f"{where}: the clip folder {relative_path(folder, root)} is missing or holds no numbered frames; "
                "extract the frames archive again, or remove the row if you left the clip out on purpose."
            )
        numbers = [n for n, _ in numbered]
        phases = [_frame_cell(value[k], f"{where}, column {_SHEET_COLUMNS[k]}") for k in ("onset", "apex", "offset")]
        indices, notes = _phase_indices(numbers, *phases, where)
        label = label_of(value["emotion"], name, f"{where}, column Estimated Emotion", canonical=False)
        samples.append(functools.partial(read_frames, tuple(f for _, f in numbered)))
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
                "folder": relative_path(folder, root),
                "apex_annotated": phases[1] is not None,
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
    missing onset its first); the ``notes`` column says where that happened, and
    ``apex_annotated`` is ``False`` where the sheet gives no apex.  Labels are
    CASME II's own words (with ``repression`` and ``others``); ``megc`` holds the MEGC
    class (``None`` for ``others``), see :func:`as_megc`.  Subjects are ``"sub01"`` ...

    Parameters
    ----------
    root : str or pathlib.Path or None
        The folder that holds the coding sheet and the frame folders; ``None`` reads
        ``data_dir()/casme2``.

    Returns
    -------
    Dataset
        One lazy RGB clip a row of the sheet (kind ``"video"``).

    Raises
    ------
    DatasetError
        If the sheet or a clip folder is missing, or a cell is malformed.
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

    Parameters
    ----------
    root : str or pathlib.Path or None
        The folder that holds the code sheet and ``SAMM/``; ``None`` reads
        ``data_dir()/samm``.

    Returns
    -------
    Dataset
        One lazy RGB clip a row of the sheet (kind ``"video"``).

    Raises
    ------
    DatasetError
        If the sheet or a clip folder is missing, or a cell is malformed.
    """
    return _load_micro(
        "samm", root, "SAMM_Micro_FACS_Codes*.xlsx", ("SAMM",),
        lambda value, where: f"{_subject_number(value, where):03d}",
    )


# ------------------------------------------------------------------ SMIC-HS

#: Where SMIC-HS's clips may sit in its folder: ``HS/`` of the download (``SMIC_all_raw/HS`` when the
#: download's own top folder was kept); a folder that holds the subject folders is read as it is.
_SMIC_HS_FOLDERS = ("HS", "SMIC_all_raw/HS")
#: What SMIC writes in a clip folder's name (``s3_po_05``) for each class.
_SMIC_CODES = {"ne": "negative", "po": "positive", "sur": "surprise"}
_SMIC_LAYOUT = "HS/s1/micro/negative/s1_ne_01/image000001.bmp"


def _smic_subject_number(folder: Path) -> int | None:
    match = re.fullmatch(r"s(\d+)", folder.name, flags=re.IGNORECASE)
    return int(match.group(1)) if match else None


def _smic_hs(root: Path) -> Path:
    """The folder that holds SMIC-HS's subject folders ``s1`` ... ``s20``."""
    for name in _SMIC_HS_FOLDERS:
        if (root / name).is_dir():
            return root / name
    if any(_smic_subject_number(p) is not None and (p / "micro").is_dir() for p in root.iterdir() if p.is_dir()):
        return root
    found = [entry.name + ("/" if entry.is_dir() else "") for entry in sorted(root.iterdir())
             if not entry.name.startswith(".")]
    shown = ", ".join(found[:8]) + (", ..." if len(found) > 8 else "") if found else "nothing"
    raise DatasetError(
        f"{root} has no HS/ folder of SMIC (it holds {shown}). SMIC-HS is laid out as {_SMIC_LAYOUT}: the "
        "high-speed camera's clips, one folder of frames a clip, under <subject>/micro/<negative|positive|surprise>/. "
        "Give the folder that holds HS/. " + IMPORT_HINT.format(name="smic")
    )


def _smic_clip(folder: Path, root: Path, subject: str, label: str,
               left_out: list[str]) -> tuple[list[tuple[int, Path]], list[str]]:
    """The numbered frames of one SMIC clip folder, and notes on what looks wrong in it."""
    frames, notes = [], []
    for file in sorted(folder.iterdir()):
        if file.name.startswith("."):
            continue  # a file manager's own (.DS_Store)
        number = frame_number(file) if file.is_file() and file.suffix.lower() in IMAGE_SUFFIXES else None
        if number is None:
            left_out.append(relative_path(file, root) + ("/" if file.is_dir() else ""))
        else:
            frames.append((number, file))
    frames.sort()
    where = relative_path(folder, root)
    if not frames:
        raise DatasetError(
            f"The SMIC clip folder {where} holds no numbered frames (image000001.bmp ...); extract the SMIC archive "
            "again, or remove the folder if you left the clip out on purpose."
        )
    numbers = [n for n, _ in frames]
    twice = sorted(n for n, times in collections.Counter(numbers).items() if times > 1)
    if twice:
        names = [f.name for n, f in frames if n == twice[0]]
        raise DatasetError(
            f"The SMIC clip folder {where} holds frame {twice[0]} more than once ({', '.join(names)}), so the order "
            "of its frames is unclear. Keep one file a frame: extract the clip again."
        )
    missing = numbers[-1] - numbers[0] + 1 - len(numbers)
    if missing:
        notes.append(f"{missing} frame number(s) missing between {numbers[0]} and {numbers[-1]}")
    match = re.fullmatch(r"(s\d+)_([a-z]+)_\d+", folder.name, flags=re.IGNORECASE)
    if match and match.group(1).lower() != subject.lower():
        notes.append(f"the clip's name says subject {match.group(1)}, its folder {subject}: the folder is used")
    if match and _SMIC_CODES.get(match.group(2).lower(), label) != label:
        notes.append(f"the clip's name says {_SMIC_CODES[match.group(2).lower()]}, its folder {label}: the folder is "
                     "used")
    return frames, notes


def _folders(parent: Path, root: Path, left_out: list[str]):
    """The sub-folders of ``parent`` in name order; hidden entries are skipped, files noted in ``left_out``."""
    for entry in sorted(parent.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_dir():
            yield entry
        else:
            left_out.append(relative_path(entry, root))


def load_smic(root=None) -> Dataset:
    """SMIC-HS: the high-speed camera's clips, ``HS/<subject>/micro/<class>/<clip>/image<N>.bmp``.

    SMIC (Li et al. 2013) is distributed as folders: ``HS/s1/micro/negative/s1_ne_01/
    image000001.bmp`` ..., one folder of BMP frames a clip, at 100 fps, under subject
    folders ``s1`` ... ``s20`` (some absent: not every person showed a micro-expression)
    and the class folders ``negative``, ``positive`` and ``surprise``.  Only the
    ``micro/`` folders are read: the ``non_micro/`` clips beside them (no
    micro-expression) and the ``NIR/`` and ``VIS/`` cameras beside ``HS/`` are not part
    of SMIC-HS and are skipped without a word.  ``HS/`` may also be
    ``SMIC_all_raw/HS/``, or ``root`` may be the HS folder itself.  Anything else (a
    file that is not a numbered image, a folder not named like a subject) is left out
    with a warning; a class folder with another name raises.

    Each clip is cut from the expression's onset to its offset, so ``onset`` is the first
    frame and ``offset`` the last.  SMIC marks no apex: ``apex`` is the middle frame,
    ``(n_frames - 1) // 2`` (CASME II's rule for a missing apex), an estimate that the
    column ``apex_annotated`` (``False`` for every SMIC clip) tells apart from the
    annotated apexes of CASME II and SAMM.  Code that needs the true apex should check
    that column.  ``onset_frame``/``apex_frame``/``offset_frame`` are the frame numbers in
    the file names; SMIC codes no action units (``aus`` is empty).  Labels are SMIC's
    three classes, which are MEGC's (``megc`` equals ``label``).  Subjects are kept as
    the folders name them (``"s1"``).  Clips are lazy, RGB ``uint8``.

    Parameters
    ----------
    root : str or pathlib.Path or None
        The folder that holds ``HS/``; ``None`` reads ``data_dir()/smic``.

    Returns
    -------
    Dataset
        One lazy RGB clip a clip folder (kind ``"video"``), named ``"smic"``.

    Raises
    ------
    DatasetError
        If the folder or ``HS/`` is missing, a class folder is not one of SMIC's three, a
        clip folder holds no numbered frames (or one frame number twice), or no clip is found.
    """
    root = dataset_root(root, "smic")
    hs = _smic_hs(root)
    rows, samples, left_out = [], [], []
    subjects = []
    for entry in sorted(hs.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_dir() and _smic_subject_number(entry) is not None:
            subjects.append(entry)
        else:
            left_out.append(relative_path(entry, root) + ("/" if entry.is_dir() else ""))
    subjects.sort(key=_smic_subject_number)
    for subject_dir in progress(subjects, desc="smic"):
        subject = subject_dir.name
        for entry in sorted(subject_dir.iterdir()):
            if entry.name not in ("micro", "non_micro") and not entry.name.startswith("."):
                left_out.append(relative_path(entry, root) + ("/" if entry.is_dir() else ""))
        micro = subject_dir / "micro"
        if not micro.is_dir():
            continue  # a person without micro-expressions (only non_micro/)
        for class_dir in _folders(micro, root, left_out):
            label = label_of(class_dir.name, "smic", f"Folder {relative_path(class_dir, root)}", canonical=False)
            for clip_dir in _folders(class_dir, root, left_out):
                frames, notes = _smic_clip(clip_dir, root, subject, label, left_out)
                numbers = [n for n, _ in frames]
                last = len(numbers) - 1
                samples.append(functools.partial(read_frames, tuple(f for _, f in frames)))
                rows.append(
                    {
                        "label": label,
                        "subject": subject,
                        "split": "unassigned",
                        "fps": SMIC_FPS,
                        "n_frames": len(numbers),
                        "onset": 0,
                        "apex": last // 2,
                        "offset": last,
                        "clip": clip_dir.name,
                        "onset_frame": numbers[0],
                        "apex_frame": numbers[last // 2],
                        "offset_frame": numbers[-1],
                        "aus": "",
                        "megc": emotions.to_megc(label, "smic"),
                        "notes": "; ".join(notes),
                        "folder": relative_path(clip_dir, root),
                        "apex_annotated": False,
                    }
                )
    warn_left_out(left_out, "that are not part of SMIC-HS's layout")
    if not rows:
        raise DatasetError(
            f"{hs} holds no SMIC-HS clips; expected {_SMIC_LAYOUT} ... (a clip folder of numbered frames under "
            "<subject>/micro/<negative|positive|surprise>/). Extract the SMIC archive again."
        )
    table = pd.DataFrame(rows)
    counts = table["label"].value_counts()
    per_class = ", ".join(f"{counts.get(label, 0)} {label}" for label in emotions.SMIC_LABELS)
    description = (
        f"SMIC-HS ({relative_path(hs, root) if hs != root else hs.name}/): {len(table)} clips of "
        f"{table['subject'].nunique()} people at {SMIC_FPS:g} fps ({per_class}). Each clip runs from onset to offset; "
        "SMIC marks no apex, so apex is the middle frame (apex_annotated is False). It has no official split: "
        "evaluate leave-one-subject-out."
    )
    return Dataset("smic", "video", emotions.SMIC_LABELS, samples, table, description=description)


def as_megc(dataset: Dataset) -> Dataset:
    """A micro-expression dataset relabelled with the three MEGC classes, ``others`` left out.

    The original label moves to the ``emotion`` column.

    Parameters
    ----------
    dataset : Dataset
        A dataset from :func:`load_casme2`, :func:`load_samm` or :func:`load_smic` (its table has ``megc``).

    Returns
    -------
    Dataset
        The clips with an MEGC class, named ``<name>-megc``.

    Raises
    ------
    InvalidInputError
        If the table has no ``megc`` column.
    """
    if "megc" not in dataset.table.columns:
        raise InvalidInputError(
            f"as_megc needs a micro-expression dataset with a 'megc' column (casme2, samm, smic); "
            f"{dataset.name!r} has none."
        )
    part = dataset.subset(dataset.table["megc"].notna().to_numpy())
    table = part.table.assign(emotion=part.table["label"], label=part.table["megc"])
    return Dataset(f"{dataset.name}-megc", dataset.kind, emotions.MEGC_LABELS, part.samples, table, part.extras,
                   part.description)
